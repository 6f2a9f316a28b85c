/**
 * Every AWS name the aws target derives fits AWS's documented limits for the longest spec name
 * the spec allows (40 characters), and two such names that differ only at their end get
 * different load balancer and target group names.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ELB_NAME_RE } from "../../../../lib/aws/resourceNames";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { type RecordedResource, outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { awsConfig, writeSpecRepo } from "../fixtures";

const LONGEST = `w${"x".repeat(39)}`;
const SIBLING = `w${"x".repeat(38)}y`;
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";

/**
 * AWS's limit on each kind of name the target derives, from the API references:
 * CreateLoadBalancer / CreateTargetGroup Name "a maximum of 32 characters"; IAM CreateRole
 * RoleName "Maximum length of 64", CreateInstanceProfile InstanceProfileName and PutRolePolicy
 * PolicyName "Maximum length of 128"; EC2 CreateLaunchTemplate LaunchTemplateName "3 to 128";
 * CreateSecurityGroup GroupName "Up to 255 characters"; Auto Scaling AutoScalingGroupName
 * "Maximum length of 255"; CloudWatch Logs logGroupName "Maximum length of 512"; ECR
 * CreateRepository repositoryName "Maximum length of 256"; SSM PutParameter Name "Maximum length
 * of 2048" (the user guide's 1011 for the name itself is checked too).
 */
const LIMITS: Readonly<Record<string, number>> = {
  [LB]: 32,
  [TG]: 32,
  "aws:iam/role:Role": 64,
  "aws:iam/instanceProfile:InstanceProfile": 128,
  "aws:iam/rolePolicy:RolePolicy": 128,
  "aws:ec2/launchTemplate:LaunchTemplate": 128,
  "aws:ec2/securityGroup:SecurityGroup": 255,
  "aws:autoscaling/group:Group": 255,
  "aws:cloudwatch/logGroup:LogGroup": 512,
  "aws:ecr/repository:Repository": 256,
  "aws:ssm/parameter:Parameter": 1011,
};

/**
 * The name AWS gets: the explicit `name`; a `namePrefix` plus the 26 characters the provider adds
 * (a timestamp and a counter); or Pulumi's autoname, the logical name, "-" and 7 characters.
 */
function physicalName(r: RecordedResource): string {
  if (typeof r.inputs.name === "string") return r.inputs.name;
  if (typeof r.inputs.namePrefix === "string") return `${r.inputs.namePrefix}${"0".repeat(26)}`;
  return `${r.name}-0a1b2c3`;
}

const built = builtInBeforeAll(async () => {
  const mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  const { AwsTarget } = await import("../../../../components/aws/awsTarget");
  for (const name of [LONGEST, SIBLING]) {
    const { specPath } = writeSpecRepo({ name });
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    const target = new AwsTarget(name, {
      loaded,
      specHash: hash,
      dockerfile: renderDockerfile(loaded, hash),
      config: awsConfig(),
      secretValues: { DB_PASSWORD: pulumi.secret("names-test-secret") },
      gitCommit: "1111111",
    });
    await outputOf(target.outputs.auditFindings as pulumi.Output<unknown>);
  }
  return { mocks };
});

describe("AWS names of the longest spec name", () => {
  it("fit every documented limit", async () => {
    const { mocks } = await built();
    const named = mocks.resources.filter((r) => r.custom && LIMITS[r.type] !== undefined);
    expect(new Set(named.map((r) => r.type))).toEqual(new Set(Object.keys(LIMITS)));
    for (const r of named) {
      const physical = physicalName(r);
      expect(physical.length, `${r.type} ${physical}`).toBeLessThanOrEqual(LIMITS[r.type]);
    }
  });

  it("give the load balancer and every target group a name AWS takes", async () => {
    const { mocks } = await built();
    const elb = [...mocks.ofType(LB), ...mocks.ofType(TG)];
    expect(elb).toHaveLength(4);
    for (const r of elb) expect(physicalName(r)).toMatch(ELB_NAME_RE);
  });

  it("keep two names apart that differ only in their last character", async () => {
    const { mocks } = await built();
    for (const type of [LB, TG]) {
      const names = mocks.ofType(type).map((r) => r.name);
      expect(new Set(names).size, type).toBe(2);
    }
  });
});
