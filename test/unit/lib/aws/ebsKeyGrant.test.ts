import { describe, expect, it } from "vitest";
import {
  AUTOSCALING_KEY_OPERATIONS,
  autoScalingServiceRoleArn,
  defaultKeyProblem,
  serviceRoleProblem,
} from "../../../../lib/aws/ebsKeyGrant";

const CMK = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

describe("autoScalingServiceRoleArn", () => {
  it("is the service-linked role's ARN in the stack's account and partition", () => {
    expect(autoScalingServiceRoleArn({ region: "eu-west-1", accountId: "123456789012" })).toBe(
      "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    );
    expect(autoScalingServiceRoleArn({ region: "cn-north-1", accountId: "123456789012" })).toMatch(
      /^arn:aws-cn:iam::123456789012:role\//,
    );
  });
});

describe("AUTOSCALING_KEY_OPERATIONS", () => {
  it("are the operations of the AWS document's grant for the role", () => {
    expect([...AUTOSCALING_KEY_OPERATIONS]).toEqual([
      "Encrypt",
      "Decrypt",
      "ReEncryptFrom",
      "ReEncryptTo",
      "GenerateDataKey",
      "GenerateDataKeyWithoutPlaintext",
      "DescribeKey",
      "CreateGrant",
    ]);
  });
});

describe("defaultKeyProblem", () => {
  it("accepts the AWS managed default key, and refuses a customer managed one naming the fix", () => {
    expect(defaultKeyProblem({ keyArn: CMK, keyManager: "AWS" })).toBeUndefined();
    expect(defaultKeyProblem({ keyArn: CMK, keyManager: "CUSTOMER" })).toBe(
      `phoenix:kmsKeyId: the account's default EBS key ${CMK} is a customer managed key, which ` +
        "Auto Scaling's service-linked role may not use unless its key policy or a grant allows it " +
        "(instances would be terminated at launch); set it with " +
        `\`pulumi config set phoenix:kmsKeyId ${CMK}\` so the stack grants the role its use`,
    );
  });
});

describe("serviceRoleProblem", () => {
  it("says how to create the role when it is missing", () => {
    expect(serviceRoleProblem(true)).toBeUndefined();
    expect(serviceRoleProblem(false)).toMatch(
      /AWSServiceRoleForAutoScaling does not exist .*aws iam create-service-linked-role --aws-service-name autoscaling\.amazonaws\.com/,
    );
  });
});
