/**
 * AwsVpcEndpoints on its own: the exact arguments of its security group, ingress rule and
 * endpoints, their Name tags, their parent links and the outputs it registers. How the fleet uses
 * it: awsVpcEndpoints.test.ts.
 */
import { describe, expect, it } from "vitest";
import { outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { recordGraph } from "../graph";

const COMPONENT = "phoenix:index:AwsVpcEndpoints";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:ec2/securityGroupRule:SecurityGroupRule";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const VPC = "vpc-0123456789abcdef0";
const SUBNETS = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"];
const ROUTE_TABLES = ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"];
const TAGS = { "phoenix:stack": "phoenix/prod" };
const INTERFACES = ["ecr-api", "ecr-dkr", "ssm", "logs"];

const built = builtInBeforeAll(async () => {
  const mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  const graph = recordGraph();
  const { AwsVpcEndpoints } = await import("../../../../components/aws/awsVpcEndpoints");
  const endpoints = new AwsVpcEndpoints("ep", {
    vpcId: VPC,
    region: "eu-west-1",
    subnetIds: SUBNETS,
    routeTableIds: ROUTE_TABLES,
    tags: TAGS,
  });
  const ids: Record<string, string> = {};
  for (const [suffix, id] of Object.entries(endpoints.endpointIds))
    ids[suffix] = await outputOf(id);
  return { mocks, graph, ids };
});

describe("AwsVpcEndpoints' security group", () => {
  it("is a described group in the VPC, tagged <name>-sg", async () => {
    const { mocks } = await built();
    expect(mocks.get(SG, "ep-sg").inputs).toEqual({
      vpcId: VPC,
      description: "Phoenix VPC endpoints: HTTPS from the VPC",
      tags: { ...TAGS, Name: "ep-sg" },
    });
  });

  it("admits HTTPS from every block of the VPC, which private DNS sends to the endpoints", async () => {
    const { mocks } = await built();
    expect(mocks.get(INGRESS, "ep-https-from-vpc").inputs).toEqual({
      type: "ingress",
      securityGroupId: "ep-sg-id",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      // test/mocks.ts: the VPC's one associated block, no IPv6 block.
      cidrBlocks: ["10.0.0.0/16"],
      ipv6CidrBlocks: [],
      description: "HTTPS from the VPC (private DNS sends all of it here)",
    });
    const lookup = mocks.calls.find((c) => c.token === "aws:ec2/getVpc:getVpc");
    expect(lookup?.inputs).toEqual({ id: VPC });
  });

  it("creates the interface endpoints only once the VPC admits them", async () => {
    const { mocks } = await built();
    for (const s of INTERFACES) {
      const deps = mocks.get(ENDPOINT, `ep-${s}`).options.dependencies;
      expect(
        deps.some((urn) => urn.endsWith("::ep-https-from-vpc")),
        s,
      ).toBe(true);
    }
  });
});

describe("AwsVpcEndpoints' graph", () => {
  it("parents the group, the rule and every endpoint to the component", async () => {
    const { graph } = await built();
    const component = graph.get(COMPONENT, "ep");
    const children = graph.namedAfter(component);
    expect(children.map((c) => c.registration.name).sort()).toEqual(
      ["ep-sg", "ep-https-from-vpc", "ep-s3", ...INTERFACES.map((s) => `ep-${s}`)].sort(),
    );
    for (const { registration, underIt } of children) {
      expect(registration.parent, registration.name).toBe(component.urn);
      expect(underIt, registration.name).toBe(true);
    }
    expect(graph.get(ENDPOINT, "ep-s3").urn).toBe(
      `urn:pulumi:prod::phoenix::${COMPONENT}$${ENDPOINT}::ep-s3`,
    );
  });

  it("registers the endpoint ids as its output", async () => {
    const { graph, ids } = await built();
    expect(await graph.registeredOutputs(graph.get(COMPONENT, "ep").urn)).toEqual({
      endpointIds: ids,
    });
  });
});
