/**
 * AwsInstanceAccess on its own, built inside each test (not in a hook), so what the test asserts
 * is exactly what that build registered.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"3".repeat(64)}`;
let mocks: MockRecorder;

describe("AwsInstanceAccess", () => {
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  });

  it("gives the instances a role only EC2 may assume, in an instance profile", async () => {
    const { AwsInstanceAccess } = await import("../../../../components/aws/awsInstanceAccess");
    const access = new AwsInstanceAccess("ia", {
      region: "eu-west-1",
      ssmPrefix: "/phoenix/prod",
      secrets: {},
      tags: { "phoenix:stack": "phoenix/prod" },
      imageRef: REF,
      logGroupName: "/phoenix/phoenix/prod/web",
      logRetentionDays: 30,
    });
    await outputOf(access.instanceProfileArn);
    const role = mocks.get("aws:iam/role:Role", "ia").inputs;
    expect(JSON.parse(role.assumeRolePolicy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    expect(role.tags).toEqual({ "phoenix:stack": "phoenix/prod", Name: "ia" });
    expect(mocks.get("aws:iam/instanceProfile:InstanceProfile", "ia-profile").inputs).toMatchObject(
      {
        role: expect.any(String),
        tags: { "phoenix:stack": "phoenix/prod", Name: "ia-profile" },
      },
    );
    // No secrets: no SSM read policy at all.
    expect(mocks.resources.some((r) => r.name === "ia-secrets")).toBe(false);
  });
});
