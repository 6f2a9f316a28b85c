/**
 * The shape of one AwsFleet's resource graph: where each child sits, how it is named and tagged,
 * which provider its lookups go to, and what the component records as its outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";
import { type RecordedInvoke, parentOf, recordInvokes, registeredOutputs, tagsOf } from "./graph";

const FLEET = "phoenix:index:AwsFleet";
const FRONT = "phoenix:index:AwsFrontDoor";
const ACCESS = "phoenix:index:AwsInstanceAccess";
const ENDPOINTS = "phoenix:index:AwsVpcEndpoints";
const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"3".repeat(64)}`;

/** The components inside fleet "g", by logical name. */
const COMPONENTS: Record<string, string> = {
  "g-front": FRONT,
  "g-access": ACCESS,
  "g-endpoints": ENDPOINTS,
};

/** Where a registration of fleet "g" belongs: the component its name is under, else the fleet. */
function expectedParent(type: string, name: string): string {
  for (const [component, componentType] of Object.entries(COMPONENTS)) {
    if (type !== componentType && (name === component || name.startsWith(`${component}-`)))
      return `${FLEET}$${componentType}::${component}`;
  }
  return `${FLEET}::g`;
}

describe("AwsFleet resource graph", () => {
  let mocks: MockRecorder;
  let invokes: RecordedInvoke[];
  let fleet: import("../../../../components/aws/awsFleet").AwsFleet;
  let fleetUrn: string;
  let providerRef: string;

  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    invokes = recordInvokes();
    const aws = await import("@pulumi/aws");
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    const provider = new aws.Provider("g-aws", { region: "eu-west-1" });
    fleet = new AwsFleet(
      "g",
      {
        spec: parseSpec(specText()),
        specHash: "c".repeat(64),
        imageRef: REF,
        // Endpoints without route tables: what the component does when the type allows it.
        config: { ...awsConfig(), vpcEndpoints: true },
        secretValues: { DB_PASSWORD: pulumi.secret("graph-test-secret") },
      },
      { providers: { aws: provider } },
    );
    await outputOf(fleet.retired.urn);
    fleetUrn = await outputOf(fleet.urn);
    providerRef = `${await outputOf(provider.urn)}::${await outputOf(provider.id)}`;
  });

  const mine = () => mocks.resources.filter((r) => r.name === "g" || r.name.startsWith("g-"));

  it("parents every child to its component: the fleet, its front door, access or endpoints", () => {
    const children = mine().filter((r) => r.type !== FLEET && r.type !== "pulumi:providers:aws");
    expect(children.length).toBeGreaterThan(25);
    for (const r of children)
      expect(parentOf(r), `${r.type} ${r.name}`).toBe(expectedParent(r.type, r.name));
    for (const [name, type] of Object.entries(COMPONENTS))
      expect(parentOf(mocks.get(type, name)), name).toBe(`${FLEET}::g`);
    expect(parentOf(mocks.get(FLEET, "g"))).toBe("");
  });

  it("names every tagged resource after itself: its Name tag is its logical name", () => {
    const tagged = mine().filter((r) => r.custom && tagsOf(r) !== undefined);
    expect(tagged.length).toBeGreaterThan(20);
    for (const r of tagged) expect(tagsOf(r)?.Name, `${r.type} ${r.name}`).toBe(r.name);
  });

  it("describes the instances' security group as the app port from the load balancer only", () => {
    const sg = mocks.get("aws:ec2/securityGroup:SecurityGroup", "g-instances").inputs;
    expect(sg.description).toBe("Phoenix fleet: app port from the load balancer only");
  });

  it("lets EC2, and only EC2, assume the instance role", () => {
    const role = mocks.get("aws:iam/role:Role", "g-access").inputs;
    expect(JSON.parse(role.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
  });

  it("asks the fleet's own aws provider for the region, the AMI, the subnets and the account", () => {
    const { albSubnetIds, instanceSubnetIds } = awsConfig();
    expect(invokes.map((i) => i.token).sort()).toEqual([
      // No kmsKeyId: the account's default EBS key, and whether it is customer managed.
      "aws:ebs/getDefaultKmsKey:getDefaultKmsKey",
      "aws:ec2/getAmi:getAmi",
      ...[...albSubnetIds, ...instanceSubnetIds].map(() => "aws:ec2/getSubnet:getSubnet"),
      // vpcEndpoints: the VPC's blocks and DNS attributes.
      "aws:ec2/getVpc:getVpc",
      "aws:index/getCallerIdentity:getCallerIdentity",
      "aws:index/getRegion:getRegion",
      "aws:kms/getKey:getKey",
    ]);
    for (const i of invokes) expect(i.provider, i.token).toBe(providerRef);
  });

  it("adds the S3 gateway endpoint to no route table when none are configured", () => {
    const s3 = mocks.get("aws:ec2/vpcEndpoint:VpcEndpoint", "g-endpoints-s3").inputs;
    expect(s3.vpcEndpointType).toBe("Gateway");
    expect(s3.routeTableIds ?? []).toEqual([]);
  });

  it("records the fleet's outputs on the component in the state", async () => {
    expect(await registeredOutputs(fleetUrn)).toEqual({
      asgName: await outputOf(fleet.asgName),
      release: await outputOf(fleet.release),
      targetGroupArn: await outputOf(fleet.targetGroupArn),
      servingRelease: await outputOf(fleet.servingRelease),
      rollout: await outputOf(fleet.rollout),
      url: "http://g-front.eu-west-1.elb.amazonaws.com/",
      launchTemplateId: "g-lt-id",
      instanceSecurityGroupId: "g-instances-id",
    });
  });
});
