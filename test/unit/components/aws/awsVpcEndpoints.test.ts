import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { vpcEndpointPlan } from "../../../../lib/aws/vpcEndpoints";
import { parseSpec } from "../../../../lib/spec/spec";
import { MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const ASG = "aws:autoscaling/group:Group";

let mocks: MockRecorder;

describe("AwsFleet with vpcEndpoints", () => {
  // Here, not at file level: a build that throws fails this describe, which a mutation run sees;
  // a failed file-level hook only skips the tests, and skipped tests count as passing there.
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    const base = {
      spec: parseSpec(specText()),
      specHash: "6".repeat(64),
      imageRef: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"7".repeat(64)}`,
      secretValues: { DB_PASSWORD: pulumi.secret("endpoint-test-secret") },
    };
    const fleets = [
      new AwsFleet("private", {
        ...base,
        config: awsConfig({
          vpcEndpoints: "true",
          instanceRouteTableIds: '["rtb-0123456789abcdef0","rtb-0123456789abcdef1"]',
        }),
      }),
      new AwsFleet("natted", { ...base, config: awsConfig() }),
    ];
    await Promise.all(fleets.map((f) => outputOf(f.asgName)));
  });

  it("creates interface endpoints for ECR api and dkr, SSM and Logs in the instance subnets", () => {
    for (const service of ["ecr.api", "ecr.dkr", "ssm", "logs"]) {
      const e = mocks.get(ENDPOINT, `private-endpoints-${service.replace(".", "-")}`).inputs;
      expect(e, service).toMatchObject({
        vpcId: "vpc-0123456789abcdef0",
        serviceName: `com.amazonaws.eu-west-1.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
        securityGroupIds: ["private-endpoints-sg-id"],
      });
    }
  });

  it("adds the S3 gateway endpoint to the instance subnets' route tables", () => {
    expect(mocks.get(ENDPOINT, "private-endpoints-s3").inputs).toMatchObject({
      serviceName: "com.amazonaws.eu-west-1.s3",
      vpcEndpointType: "Gateway",
      routeTableIds: ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"],
    });
  });

  it("admits HTTPS from the whole VPC, not the fleet alone (private DNS is VPC-wide)", () => {
    const rule = mocks.get(
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "private-endpoints-https-from-vpc",
    ).inputs;
    expect(rule).toMatchObject({
      type: "ingress",
      securityGroupId: "private-endpoints-sg-id",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrBlocks: ["10.0.0.0/16"],
    });
  });

  it("starts instances only once the endpoints exist", () => {
    const deps = mocks.get(ASG, "private").options.dependencies;
    for (const suffix of ["ecr-api", "ecr-dkr", "s3", "ssm", "logs"]) {
      expect(
        deps.some((urn) => urn.endsWith(`::private-endpoints-${suffix}`)),
        suffix,
      ).toBe(true);
    }
  });

  it("creates none without the option (egress through the VPC's NAT gateway)", () => {
    expect(mocks.ofType(ENDPOINT).filter((r) => r.name.startsWith("natted"))).toEqual([]);
  });
});

describe("vpcEndpointPlan", () => {
  it("names China regions' services under cn.com.amazonaws", () => {
    expect(vpcEndpointPlan("cn-north-1").map((e) => e.serviceName)).toContain(
      "cn.com.amazonaws.cn-north-1.ecr.dkr",
    );
  });
});
