/**
 * What a release's settings must allow before a `pulumi up` starts one, checked at preview. Pure:
 * AwsFleet and AwsTarget pass the numbers and ids in and report what comes back.
 */
import { CONFIG_NAMESPACE } from "../config/configFields";

/**
 * Why the load balancer's health check cannot pass a release within the capacity wait, or
 * undefined: a new instance needs `healthyThreshold` passing checks `interval` apart before the load
 * balancer calls it healthy, and the gate then wants it healthy for `settleSeconds` more; all of that
 * (before any boot time) must fit in the wait, or every release fails after it.
 */
export function healthTimingProblem(p: {
  /** The target group's interval and healthy threshold (the spec's, raised to the ALB's floors). */
  readonly intervalSeconds: number;
  readonly healthyThreshold: number;
  readonly settleSeconds: number;
  /** How long a release may take to become healthy (waitForCapacityTimeout). */
  readonly timeoutSeconds: number;
}): string | undefined {
  const healthy = p.intervalSeconds * p.healthyThreshold;
  const needed = healthy + p.settleSeconds;
  if (needed < p.timeoutSeconds) return undefined;
  return (
    `app.health: the load balancer needs healthyThreshold (${p.healthyThreshold}) x intervalSeconds ` +
    `(${p.intervalSeconds}s) = ${healthy}s to call a new instance healthy, and the release gate then ` +
    `waits ${p.settleSeconds}s (2 intervals) for it to stay healthy: ${needed}s before any boot time, ` +
    `not less than the ${p.timeoutSeconds}s a release has to become healthy (waitForCapacityTimeout), ` +
    "so every release would fail; lower app.health.intervalSeconds or app.health.healthyThreshold " +
    "in the spec"
  );
}

/** An address no client of an internet-facing load balancer has (TEST-NET-1, RFC 5737). */
export const NO_CLIENT_CIDR = "192.0.2.0/32";

/**
 * The source-ip values of the candidate rule: the configured blocks, or {@link NO_CLIENT_CIDR} when
 * none are, so the rule (which puts the candidate's target group on the load balancer, to be
 * health-checked) answers no client before the release serves.
 */
export function candidateSourceIps(cidrs: readonly string[]): string[] {
  return cidrs.length > 0 ? [...cidrs] : [NO_CLIENT_CIDR];
}

/**
 * What a stack that promotes an image from another account's repository must know, or undefined
 * when the repository is in the stack's own account: the retire tags the serving image in that
 * repository (its live tag, which the lifecycle policy never expires), which needs ecr:ListImages,
 * ecr:BatchGetImage, ecr:PutImage and ecr:BatchDeleteImage there; pullAccountIds grants pull only.
 */
export function crossAccountPromotionWarning(p: {
  readonly repositoryAccount: string;
  readonly deployAccount: string;
}): string | undefined {
  if (p.repositoryAccount === p.deployAccount) return undefined;
  return (
    `${CONFIG_NAMESPACE}:imageRepository is in account ${p.repositoryAccount}, and this stack ` +
    `deploys to ${p.deployAccount}: after every switch the retire tags the serving image there ` +
    "(ecr:ListImages, ecr:BatchGetImage, ecr:PutImage, ecr:BatchDeleteImage), which pullAccountIds " +
    "does not grant, so every `pulumi up` fails at the retire until the building account's " +
    `repository policy grants those actions to account ${p.deployAccount} (docs/aws-releases.md)`
  );
}
