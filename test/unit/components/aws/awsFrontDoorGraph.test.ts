/**
 * AwsFrontDoor's own resources (its security group and load balancer), its parent links, the
 * outputs it registers and its check of the subnets. Listeners: awsFrontDoor.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AwsFrontDoor } from "../../../../components/aws/awsFrontDoor";
import { outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { recordGraph } from "../graph";

const DOOR = "phoenix:index:AwsFrontDoor";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"];
const TAGS = { "phoenix:stack": "phoenix/prod" };

const built = builtInBeforeAll(async () => {
  const mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  const graph = recordGraph();
  const { AwsFrontDoor } = await import("../../../../components/aws/awsFrontDoor");
  const doors: Record<string, AwsFrontDoor> = {};
  for (const [name, certificateArn] of [
    ["tls", CERT],
    ["plain", undefined],
  ] as const) {
    doors[name] = new AwsFrontDoor(name, {
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: SUBNETS,
      tags: TAGS,
      certificateArn,
    });
    await outputOf(doors[name].url);
  }
  return { mocks, graph, doors, AwsFrontDoor };
});

describe("AwsFrontDoor's resources", () => {
  it("puts a described security group in the VPC, tagged <name>-sg", async () => {
    const { mocks } = await built();
    expect(mocks.get(SG, "tls-sg").inputs).toEqual({
      vpcId: "vpc-0123456789abcdef0",
      description: "Phoenix front door: HTTP from anywhere",
      tags: { ...TAGS, Name: "tls-sg" },
    });
  });

  it("makes an internet-facing application load balancer behind that group, dropping invalid headers", async () => {
    const { mocks } = await built();
    expect(mocks.get(ALB, "tls").inputs).toEqual({
      loadBalancerType: "application",
      internal: false,
      securityGroups: ["tls-sg-id"],
      subnets: SUBNETS,
      dropInvalidHeaderFields: true,
      tags: { ...TAGS, Name: "tls", "phoenix:tls": "https" },
    });
  });

  it("tags the load balancer http-only without a certificate", async () => {
    const { mocks } = await built();
    expect(mocks.get(ALB, "plain").inputs.tags).toEqual({
      ...TAGS,
      Name: "plain",
      "phoenix:tls": "http-only",
    });
  });
});

describe("AwsFrontDoor's graph", () => {
  it("parents its security group and load balancer to the door", async () => {
    const { graph } = await built();
    expect(graph.get(SG, "tls-sg").urn).toBe(`urn:pulumi:prod::phoenix::${DOOR}$${SG}::tls-sg`);
    expect(graph.get(ALB, "tls").urn).toBe(`urn:pulumi:prod::phoenix::${DOOR}$${ALB}::tls`);
  });

  it("has every resource named after a door under that door", async () => {
    const { graph } = await built();
    for (const name of ["tls", "plain"]) {
      const children = graph.namedAfter(graph.get(DOOR, name));
      expect(children.length, name).toBeGreaterThanOrEqual(4);
      expect(
        children.filter((c) => !c.underIt).map((c) => c.registration.urn),
        name,
      ).toEqual([]);
    }
  });

  it("registers its security group, DNS name and URL as its outputs", async () => {
    const { graph } = await built();
    expect(await graph.registeredOutputs(graph.get(DOOR, "tls").urn)).toEqual({
      securityGroupId: "tls-sg-id",
      dnsName: "tls.eu-west-1.elb.amazonaws.com",
      url: "https://tls.eu-west-1.elb.amazonaws.com/",
    });
  });
});

describe("AwsFrontDoor's arguments", () => {
  it("rejects fewer than 2 subnets, naming subnetIds and what it needs", async () => {
    const { AwsFrontDoor } = await built();
    expect(
      () =>
        new AwsFrontDoor("lonely", {
          vpcId: "vpc-0123456789abcdef0",
          subnetIds: [SUBNETS[0]],
          tags: TAGS,
        }),
    ).toThrow(
      "AwsFrontDoor lonely: subnetIds: needs at least 2 subnets in different AZs for the load balancer, got 1",
    );
  });
});
