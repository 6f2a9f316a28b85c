/**
 * Customer managed KMS keys for the fleet's EBS volumes. Auto Scaling launches instances as its
 * service-linked role, whose predefined permissions "include access to your AWS managed keys.
 * However, they do not include access to your customer managed keys"; without access, the volumes
 * cannot be created and Auto Scaling terminates every instance it launches. The key policy or a
 * grant must give the role the key's use ("Required AWS KMS key policy for use with encrypted
 * volumes", https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
 * Pure: the fleet creates the grant and reports the problems at preview.
 */
import { CONFIG_NAMESPACE } from "../config/configFields";
import { partitionOf } from "./instancePolicies";

/** Name of Auto Scaling's default service-linked role. */
export const AUTOSCALING_SERVICE_ROLE = "AWSServiceRoleForAutoScaling";

/**
 * The operations the grant gives the role: those of the document's cross-account example
 * (`aws kms create-grant ... --operations "Encrypt" "Decrypt" "ReEncryptFrom" "ReEncryptTo"
 * "GenerateDataKey" "GenerateDataKeyWithoutPlaintext" "DescribeKey" "CreateGrant"`).
 */
export const AUTOSCALING_KEY_OPERATIONS = [
  "Encrypt",
  "Decrypt",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "DescribeKey",
  "CreateGrant",
] as const;

/** ARN of Auto Scaling's service-linked role in an account. */
export function autoScalingServiceRoleArn(p: { region: string; accountId: string }): string {
  return (
    `arn:${partitionOf(p.region)}:iam::${p.accountId}:role/aws-service-role/` +
    `autoscaling.amazonaws.com/${AUTOSCALING_SERVICE_ROLE}`
  );
}

/** Why the grant cannot be made: Auto Scaling's service-linked role does not exist yet. */
export function serviceRoleProblem(roleExists: boolean): string | undefined {
  return roleExists
    ? undefined
    : `${CONFIG_NAMESPACE}:kmsKeyId: Auto Scaling's service-linked role ${AUTOSCALING_SERVICE_ROLE} ` +
        "does not exist in this account yet, and the grant on the key names it; create it once with " +
        "`aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com`";
}

/**
 * Why the account's default EBS key stops the fleet, or undefined: without phoenix:kmsKeyId the
 * volumes use the account's default EBS key, and when that is a customer managed key the stack
 * makes no grant on it.
 */
export function defaultKeyProblem(p: { keyArn: string; keyManager: string }): string | undefined {
  if (p.keyManager !== "CUSTOMER") return undefined;
  return (
    `${CONFIG_NAMESPACE}:kmsKeyId: the account's default EBS key ${p.keyArn} is a customer managed ` +
    "key, which Auto Scaling's service-linked role may not use unless its key policy or a grant " +
    "allows it (instances would be terminated at launch); set it with " +
    `\`pulumi config set ${CONFIG_NAMESPACE}:kmsKeyId ${p.keyArn}\` so the stack grants the role its use`
  );
}
