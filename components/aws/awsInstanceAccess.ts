import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";

/** Arguments of {@link AwsInstanceAccess}. */
export interface AwsInstanceAccessArgs {
  /** Region of the stack's SSM parameters. */
  readonly region: string;
  /** SSM path prefix of the stack's secrets, `/<project>/<stack>`. */
  readonly ssmPrefix: string;
  /** Value of each secret, by NAME; stored as SecureString `<ssmPrefix>/<NAME>`. */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
}

/** The AWS partition of a region (aws, aws-cn, aws-us-gov). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Inline policy of the instance role: read the stack's SSM parameters and decrypt them via SSM. */
export function secretsPolicyDocument(p: {
  region: string;
  accountId: string;
  ssmPrefix: string;
}): string {
  const partition = partitionOf(p.region);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadStackSecrets",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: `arn:${partition}:ssm:${p.region}:${p.accountId}:parameter${p.ssmPrefix}/*`,
      },
      {
        Sid: "DecryptStackSecretsViaSsm",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: `arn:${partition}:kms:${p.region}:${p.accountId}:key/*`,
        Condition: { StringEquals: { "kms:ViaService": `ssm.${p.region}.amazonaws.com` } },
      },
    ],
  });
}

/**
 * What a fleet instance may do, and the secrets it may read: an EC2 role with ECR read-only, read of
 * the stack's SSM parameters (only when there are secrets), an instance profile, and one SSM
 * SecureString per secret. Depend on this component to have all of it in place before boot.
 */
export class AwsInstanceAccess extends pulumi.ComponentResource {
  /** ARN of the instance profile for the launch template. */
  readonly instanceProfileArn: pulumi.Output<string>;
  /** Name of the instance role. */
  readonly roleName: pulumi.Output<string>;
  /**
   * SSM parameter version of each secret, by NAME: a rotated value is a new version, and so a new
   * release (never the value itself, which stays in SSM and in encrypted state).
   */
  readonly secretVersions: pulumi.Output<Record<string, number>>;

  constructor(
    name: string,
    args: AwsInstanceAccessArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super(COMPONENT_TYPES.awsInstanceAccess, name, {}, opts);
    const tags = (suffix: string) => ({ ...args.tags, Name: `${name}${suffix}` });
    const parent = { parent: this };

    const role = new aws.iam.Role(
      name,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "ec2.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        tags: tags(""),
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-ecr-read`,
      {
        role: role.name,
        policyArn: `arn:${partitionOf(args.region)}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly`,
      },
      parent,
    );
    const names = Object.keys(args.secrets).sort();
    if (names.length > 0) {
      const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
      new aws.iam.RolePolicy(
        `${name}-secrets`,
        {
          role: role.id,
          policy: accountId.apply((a) =>
            secretsPolicyDocument({ region: args.region, accountId: a, ssmPrefix: args.ssmPrefix }),
          ),
        },
        parent,
      );
    }
    const versions: Record<string, pulumi.Output<number>> = {};
    for (const secret of names) {
      const suffix = `-secret-${secret.toLowerCase()}`;
      versions[secret] = new aws.ssm.Parameter(
        `${name}${suffix}`,
        {
          name: `${args.ssmPrefix}/${secret}`,
          type: "SecureString",
          value: pulumi.secret(args.secrets[secret]),
          description: `Phoenix secret ${secret}, read by instances at boot`,
          tags: tags(suffix),
        },
        parent,
      ).version;
    }
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: tags("-profile") },
      parent,
    );

    this.instanceProfileArn = profile.arn;
    this.roleName = role.name;
    this.secretVersions = pulumi.output(versions);
    this.registerOutputs({
      instanceProfileArn: this.instanceProfileArn,
      roleName: this.roleName,
      secretVersions: this.secretVersions,
    });
  }
}
