import { describe, expect, it } from "vitest";
import {
  ecrPullPolicyDocument,
  fleetLogGroupName,
  logsPolicyDocument,
  partitionOf,
  repositoryArnOf,
  secretsPolicyDocument,
} from "../../../../lib/aws/instancePolicies";
import { PULL_ACTIONS, pullPolicyDocument } from "../../../../lib/aws/repositoryPolicy";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("partitionOf", () => {
  it("maps China and GovCloud regions to their partitions, every other region to aws", () => {
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("us-east-1")).toBe("aws");
    expect(partitionOf("eu-west-1")).toBe("aws");
    // Only a prefix counts: "us-gov" inside a name is not GovCloud.
    expect(partitionOf("xcn-north-1")).toBe("aws");
    expect(partitionOf("eu-us-gov-1")).toBe("aws");
  });
});

describe("repositoryArnOf", () => {
  it("drops the digest or tag, so the ARN is the same across releases", () => {
    const arn = "arn:aws:ecr:eu-west-1:123456789012:repository/team/web";
    expect(repositoryArnOf(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web@${DIGEST}`)).toBe(
      arn,
    );
    expect(repositoryArnOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.0-abc")).toBe(
      arn,
    );
    expect(repositoryArnOf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web")).toBe(arn);
  });

  it("uses the partition of the repository's region", () => {
    expect(repositoryArnOf(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web@${DIGEST}`)).toBe(
      "arn:aws-cn:ecr:cn-north-1:123456789012:repository/web",
    );
  });

  it("refuses a reference that is not ECR, naming the field and the expected form", () => {
    for (const ref of [
      `registry.local/web@${DIGEST}`,
      `12345678901.dkr.ecr.eu-west-1.amazonaws.com/web@${DIGEST}`,
      `x123456789012.dkr.ecr.eu-west-1.amazonaws.com/web`,
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web#x",
    ]) {
      expect(() => repositoryArnOf(ref), ref).toThrow(
        `imageRef: must be an ECR image reference like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<digest>, got ${JSON.stringify(ref)}`,
      );
    }
  });
});

describe("instance role policies", () => {
  it("pulls from one repository; only the login token is unscoped", () => {
    const repo = "arn:aws:ecr:eu-west-1:123456789012:repository/web";
    expect(JSON.parse(ecrPullPolicyDocument(repo))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullFleetImage",
          Effect: "Allow",
          Action: [
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability",
          ],
          Resource: repo,
        },
      ],
    });
  });

  it("writes to the fleet's own log group only", () => {
    const name = fleetLogGroupName({ project: "phoenix", stack: "prod", fleet: "web" });
    expect(name).toBe("/phoenix/phoenix/prod/web");
    const group = `arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:${name}`;
    expect(
      JSON.parse(
        logsPolicyDocument({
          region: "us-gov-west-1",
          accountId: "123456789012",
          logGroupName: name,
        }),
      ),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteFleetLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [group, `${group}:log-stream:*`],
        },
      ],
    });
  });

  it("reads the stack's parameters and decrypts only through SSM in its region", () => {
    expect(
      JSON.parse(
        secretsPolicyDocument({
          region: "cn-north-1",
          accountId: "123456789012",
          ssmPrefix: "/phoenix/prod",
        }),
      ),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadStackSecrets",
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:GetParameters"],
          Resource: "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/phoenix/prod/*",
        },
        {
          Sid: "DecryptStackSecretsViaSsm",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: "arn:aws-cn:kms:cn-north-1:123456789012:key/*",
          Condition: { StringEquals: { "kms:ViaService": "ssm.cn-north-1.amazonaws.com" } },
        },
      ],
    });
  });
});

describe("pullPolicyDocument", () => {
  it("lets each account pull, once and in a stable order, and nothing more", () => {
    const doc = JSON.parse(
      pullPolicyDocument({
        partition: "aws",
        accountIds: ["222222222222", "111111111111", "222222222222"],
      }),
    );
    expect(doc).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PullFromOtherAccounts",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
          Action: [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
          ],
        },
      ],
    });
    expect(PULL_ACTIONS.some((a) => /Put|Delete|Tag|Upload|Complete|Initiate/.test(a))).toBe(false);
  });
});
