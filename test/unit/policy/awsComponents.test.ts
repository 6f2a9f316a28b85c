/**
 * The aws target cannot be deployed here, so the guardrails are checked on what its fleet component
 * registers: every resource AwsFleet creates (recorded by the shared mocks, with secrets unwrapped as
 * the policy analyzer sees them) goes through every policy of the pack.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../lib/image/hash";
import { loadSpec, parseSpec } from "../../../lib/spec/spec";
import { MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../mocks";
import { asPolicyResource, violationsOf } from "./analyzerView";
import { awsConfig, specText, writeSpecRepo } from "../components/fixtures";

const SECRET = "prod-db-password-0f9e8d7c";

let mocks: MockRecorder;

describe("AwsFleet under the guardrails", () => {
  // Here, not at file level: a build that throws fails this describe, which a mutation run sees;
  // a failed file-level hook only skips the tests, and skipped tests count as passing there.
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    const { AwsFleet } = await import("../../../components/aws/awsFleet");
    const hash = specHash(loadSpec(writeSpecRepo().specPath));
    const config = awsConfig();
    const fleet = new AwsFleet("web", {
      spec: parseSpec(specText()),
      specHash: hash,
      imageRef: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"4".repeat(64)}`,
      config,
      secretValues: { DB_PASSWORD: pulumi.secret(SECRET) },
    });
    await outputOf(fleet.asgName);
  });

  it("registers the resources the policies are about", () => {
    const types = new Set(mocks.resources.map((r) => r.type));
    for (const t of [
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:ec2/launchTemplate:LaunchTemplate",
      "aws:autoscaling/group:Group",
      "aws:ssm/parameter:Parameter",
    ]) {
      expect(types.has(t), t).toBe(true);
    }
  });

  it("violates no policy", async () => {
    expect(await violationsOf(mocks.resources.map(asPolicyResource))).toEqual([]);
  });

  it("sees the SSM secret, so a leak into the launch template would be caught", async () => {
    const resources = mocks.resources.map(asPolicyResource);
    const lt = resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
    if (!lt) throw new Error("no launch template recorded");
    const script = Buffer.from(lt.props.userData as string, "base64").toString("utf8");
    lt.props.userData = Buffer.from(`${script}\necho ${SECRET}\n`).toString("base64");
    expect(await violationsOf(resources)).toEqual([
      expect.stringMatching(
        /^phoenix-no-secret-values-in-plaintext .*: userData: contains the value of SSM parameter \/phoenix\/prod\/DB_PASSWORD/,
      ),
    ]);
  });

  it("keeps the stack secret in its SSM SecureString only, read at boot by the instance role", () => {
    const params = mocks.ofType("aws:ssm/parameter:Parameter");
    expect(params.map((p) => [p.inputs.name, p.inputs.type])).toEqual([
      ["/phoenix/prod/DB_PASSWORD", "SecureString"],
    ]);
    expect(isSecret(params[0].inputs.value)).toBe(true);
    expect(unsecret(params[0].inputs.value)).toBe(SECRET);
    // With every recorded secret masked, the value appears in no input of any resource.
    const masked = (v: unknown): unknown =>
      isSecret(v)
        ? "[secret]"
        : Array.isArray(v)
          ? v.map(masked)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, masked(x)]))
            : v;
    for (const r of mocks.resources) {
      expect(JSON.stringify(masked(r.inputs)), `${r.type} ${r.name}`).not.toContain(SECRET);
    }
    const lt = mocks.ofType("aws:ec2/launchTemplate:LaunchTemplate")[0];
    const script = Buffer.from(lt.inputs.userData, "base64").toString("utf8");
    expect(script).not.toContain(SECRET);
    expect(script).toContain("--with-decryption --name '/phoenix/prod/DB_PASSWORD:");
    const policy = mocks
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .map((p) => String(p.inputs.policy))
      .find((doc) => doc.includes("ssm:GetParameters"));
    expect(policy).toContain("parameter/phoenix/prod/*");
  });

  it("tags the launch template and the group with the stack, so the fleet audit finds leftovers", () => {
    const lt = mocks.ofType("aws:ec2/launchTemplate:LaunchTemplate")[0];
    expect(lt.inputs.tags["phoenix:stack"]).toBe("phoenix/prod");
    const asg = mocks.ofType("aws:autoscaling/group:Group")[0];
    expect(asg.inputs.tags).toContainEqual({
      key: "phoenix:stack",
      value: "phoenix/prod",
      propagateAtLaunch: true,
    });
  });
});
