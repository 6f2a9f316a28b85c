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
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
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
    instanceSecurityGroupId: "sg-0f1e2d3c4b5a69788",
    tags: TAGS,
  });
  const ids: Record<string, string> = {};
  for (const [suffix, id] of Object.entries(endpoints.endpointIds)) ids[suffix] = await outputOf(id);
  return { mocks, graph, ids };
});

describe("AwsVpcEndpoints' security group", () => {
  it("is a described group in the VPC, tagged <name>-sg", async () => {
    const { mocks } = await built();
    expect(mocks.get(SG, "ep-sg").inputs).toEqual({
      vpcId: VPC,
      description: "Phoenix VPC endpoints: HTTPS from the fleet",
      tags: { ...TAGS, Name: "ep-sg" },
    });
  });

  it("admits HTTPS from the instances' group, described and tagged <name>-https-from-fleet", async () => {
    const { mocks } = await built();
    expect(mocks.get(INGRESS, "ep-https-from-fleet").inputs).toEqual({
      securityGroupId: "ep-sg-id",
      referencedSecurityGroupId: "sg-0f1e2d3c4b5a69788",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS from the fleet's instances",
      tags: { ...TAGS, Name: "ep-https-from-fleet" },
    });
  });
});

describe("AwsVpcEndpoints' endpoints", () => {
  it("puts the interface endpoints in the subnets behind the group, with private DNS, each tagged <name>-<service>", async () => {
    const { mocks } = await built();
    for (const suffix of INTERFACES) {
      expect(mocks.get(ENDPOINT, `ep-${suffix}`).inputs, suffix).toEqual({
        vpcId: VPC,
        serviceName: `com.amazonaws.eu-west-1.${suffix.replace("-", ".")}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: SUBNETS,
        securityGroupIds: ["ep-sg-id"],
        tags: { ...TAGS, Name: `ep-${suffix}` },
      });
    }
  });

  it("adds the S3 gateway endpoint to the route tables, tagged <name>-s3", async () => {
    const { mocks } = await built();
    expect(mocks.get(ENDPOINT, "ep-s3").inputs).toEqual({
      vpcId: VPC,
      serviceName: "com.amazonaws.eu-west-1.s3",
      vpcEndpointType: "Gateway",
      routeTableIds: ROUTE_TABLES,
      tags: { ...TAGS, Name: "ep-s3" },
    });
  });

  it("reports each endpoint's id by its suffix", async () => {
    const { ids } = await built();
    expect(ids).toEqual({
      "-ecr-api": "ep-ecr-api-id",
      "-ecr-dkr": "ep-ecr-dkr-id",
      "-s3": "ep-s3-id",
      "-ssm": "ep-ssm-id",
      "-logs": "ep-logs-id",
    });
  });
});

describe("AwsVpcEndpoints' graph", () => {
  it("parents the group, the rule and every endpoint to the component", async () => {
    const { graph } = await built();
    const component = graph.get(COMPONENT, "ep");
    const children = graph.namedAfter(component);
    expect(children.map((c) => c.registration.name).sort()).toEqual(
      ["ep-sg", "ep-https-from-fleet", "ep-s3", ...INTERFACES.map((s) => `ep-${s}`)].sort(),
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
