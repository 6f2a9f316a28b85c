import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import {
  ecrPullPolicyDocument,
  logsPolicyDocument,
  repositoryArnOf,
  secretsPolicyDocument,
} from "../../lib/aws/instancePolicies";

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
  /** The image the instances pull (by digest); the role may pull from its repository only. */
  readonly imageRef: pulumi.Input<string>;
  /** CloudWatch Logs group created for the fleet; the role may write to it only. */
  readonly logGroupName: string;
  /** Retention of the log group, in days (one of CloudWatch's periods). */
  readonly logRetentionDays: number;
}

/**
 * What a fleet instance may do, and the secrets it may read: an EC2 role that may pull from the
 * fleet's ECR repository, write to the fleet's log group (created here, with its retention) and
 * read the stack's SSM parameters (only when there are secrets); an instance profile; one SSM
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
  /** The fleet's CloudWatch Logs group. */
  readonly logGroupName: pulumi.Output<string>;

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
    new aws.iam.RolePolicy(
      `${name}-ecr-pull`,
      {
        role: role.id,
        policy: pulumi
          .output(args.imageRef)
          .apply((ref) => ecrPullPolicyDocument(repositoryArnOf(ref))),
      },
      parent,
    );
    // Logs outlive the instances: one group per stack and fleet, kept for logRetentionDays.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: args.logGroupName,
        retentionInDays: args.logRetentionDays,
        tags: tags("-logs"),
      },
      parent,
    );
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;
    new aws.iam.RolePolicy(
      `${name}-logs`,
      {
        role: role.id,
        policy: pulumi
          .all([accountId, logGroup.name])
          .apply(([a, group]) =>
            logsPolicyDocument({ region: args.region, accountId: a, logGroupName: group }),
          ),
      },
      parent,
    );
    const names = Object.keys(args.secrets).sort();
    if (names.length > 0) {
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
    this.logGroupName = logGroup.name;
    this.registerOutputs({
      instanceProfileArn: this.instanceProfileArn,
      roleName: this.roleName,
      secretVersions: this.secretVersions,
      logGroupName: this.logGroupName,
    });
  }
}
