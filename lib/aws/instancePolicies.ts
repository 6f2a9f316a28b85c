/**
 * The instance role's inline policies, each scoped to what one fleet uses: its ECR repository, its
 * log group, its stack's SSM parameters. Pure: documents as JSON text, from plain values.
 */

/** The AWS partition of a region (aws, aws-cn, aws-us-gov). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

const policy = (statements: readonly Record<string, unknown>[]): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

const IMAGE_REF =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?:[:@].*)?$/;

/**
 * The ECR repository ARN of an image reference
 * (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:...`); the digest or tag is dropped,
 * so the ARN, and the policy naming it, stay the same across releases.
 * @throws Error naming the reference when it is not an ECR one.
 */
export function repositoryArnOf(imageRef: string): string {
  const m = IMAGE_REF.exec(imageRef);
  if (!m) {
    throw new Error(
      `imageRef: must be an ECR image reference like 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:<digest>, got ${JSON.stringify(imageRef)}`,
    );
  }
  const [, account, region, repository] = m;
  return `arn:${partitionOf(region)}:ecr:${region}:${account}:repository/${repository}`;
}

/**
 * Pull from one repository. `ecr:GetAuthorizationToken` has no resource to scope to (AWS takes
 * only "*"); the token alone reads nothing, every image read is checked against the repository.
 */
export function ecrPullPolicyDocument(repositoryArn: string): string {
  return policy([
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PullFleetImage",
      Effect: "Allow",
      Action: [
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
      ],
      Resource: repositoryArn,
    },
  ]);
}

/** The fleet's CloudWatch Logs group: one per stack and fleet. */
export function fleetLogGroupName(p: { project: string; stack: string; fleet: string }): string {
  return `/phoenix/${p.project}/${p.stack}/${p.fleet}`;
}

/** Write streams and events to the fleet's log group only (the awslogs driver and the boot log). */
export function logsPolicyDocument(p: {
  region: string;
  accountId: string;
  logGroupName: string;
}): string {
  const group = `arn:${partitionOf(p.region)}:logs:${p.region}:${p.accountId}:log-group:${p.logGroupName}`;
  return policy([
    {
      Sid: "WriteFleetLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [group, `${group}:log-stream:*`],
    },
  ]);
}

/** Read the stack's SSM parameters and decrypt them via SSM. */
export function secretsPolicyDocument(p: {
  region: string;
  accountId: string;
  ssmPrefix: string;
}): string {
  const partition = partitionOf(p.region);
  return policy([
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
  ]);
}
