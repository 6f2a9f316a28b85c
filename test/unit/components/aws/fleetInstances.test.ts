/**
 * What an AwsFleet's instances are launched with and allowed to reach (components/aws/fleetInstances.ts,
 * components/aws/awsInstanceAccess.ts, components/aws/frontDoorListeners.ts): the inputs AWS acts on,
 * checked field by field where a wrong value would still deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const PARAMETER = "aws:ssm/parameter:Parameter";
const ACCESS = "phoenix:index:AwsInstanceAccess";
const HASH = "d".repeat(64);
const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"4".repeat(64)}`;
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

describe("AwsFleet instances", () => {
  let mocks: MockRecorder;
  let accessUrn: string;

  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    const build = async (name: string, config: ReturnType<typeof awsConfig>) => {
      const fleet = new AwsFleet(name, {
        spec: parseSpec(specText({ secrets: ["DB_PASSWORD", "API_KEY"] })),
        specHash: HASH,
        imageRef: REF,
        config,
        // Not in name order: what the stack's secrets look like when the config lists them so.
        secretValues: {
          DB_PASSWORD: pulumi.secret("password-value"),
          API_KEY: pulumi.secret("api-key-value"),
        },
      });
      await outputOf(fleet.retired.urn);
    };
    await build("i", awsConfig());
    await build("t", awsConfig({ certificateArn: CERT }));
    accessUrn = mocks.urns.find((u) => u.endsWith(`$${ACCESS}::i-access`)) as string;
  });

  it("admits the app port from the load balancer and lets the load balancer reach only that port", () => {
    const front = mocks.get(INGRESS, "i-app-from-lb").inputs.referencedSecurityGroupId;
    expect(mocks.get(INGRESS, "i-app-from-lb").inputs).toMatchObject({
      securityGroupId: "i-instances-id",
      ipProtocol: "tcp",
      fromPort: 8080,
      toPort: 8080,
      description: "App port from the load balancer",
    });
    expect(mocks.get(EGRESS, "i-lb-to-app").inputs).toMatchObject({
      securityGroupId: front,
      referencedSecurityGroupId: "i-instances-id",
      ipProtocol: "tcp",
      fromPort: 8080,
      toPort: 8080,
      description: "Load balancer to the app port",
    });
  });

  it("lets the instances reach anything outbound (ECR, SSM, the app's dependencies) and nothing more", () => {
    const egress = mocks.get(EGRESS, "i-egress").inputs;
    expect(egress).toMatchObject({
      securityGroupId: "i-instances-id",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "All outbound",
    });
    expect(egress.fromPort).toBeUndefined();
  });

  it("launches instances with the fleet's instance profile, as the template's new default version", () => {
    const lt = mocks.get(LT, "i-lt").inputs;
    expect(lt.iamInstanceProfile).toEqual({
      arn: "arn:aws:iam::123456789012:instance-profile/i-access-profile",
    });
    // Auto Scaling launches the template's default version unless told otherwise.
    expect(lt.updateDefaultVersion).toBe(true);
  });

  it("tags every instance and its volumes with the spec hash and the fleet's name", () => {
    const tags = { "phoenix:spec-hash": HASH, Name: "i" };
    expect(mocks.get(LT, "i-lt").inputs.tagSpecifications).toEqual([
      { resourceType: "instance", tags },
      { resourceType: "volume", tags },
    ]);
  });

  it("keeps each secret in a SecureString parameter that says what it is for", () => {
    for (const secret of ["API_KEY", "DB_PASSWORD"]) {
      const p = mocks.get(PARAMETER, `i-access-secret-${secret.toLowerCase()}`).inputs;
      expect(p.description).toBe(`Phoenix secret ${secret}, read by instances at boot`);
      expect(p.type).toBe("SecureString");
    }
  });

  it("records the instance profile, role, log group and each secret's version, secrets in name order", async () => {
    const outputs = await mocks.registeredOutputs(accessUrn);
    expect(outputs.instanceProfileArn).toBe(
      "arn:aws:iam::123456789012:instance-profile/i-access-profile",
    );
    expect(outputs.roleName).toBeTypeOf("string");
    expect(outputs.logGroupName).toBeTypeOf("string");
    expect(Object.keys(outputs.secretVersions as object)).toEqual(["API_KEY", "DB_PASSWORD"]);
  });

  it("opens 443 and 80 from anywhere on a front door with a certificate, each rule named for its port", () => {
    const rules = mocks.ofType(INGRESS).filter((r) => r.name.startsWith("t-front-"));
    expect(rules.map((r) => [r.name, r.inputs.fromPort, r.inputs.description]).sort()).toEqual([
      ["t-front-http-in", 80, "HTTP from anywhere"],
      ["t-front-https-in", 443, "HTTPS from anywhere"],
    ]);
  });
});
