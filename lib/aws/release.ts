/**
 * The release lifecycle of the aws target, as pure functions: what a release is, when it may take
 * traffic, and what a healthy release retires. The dynamic providers in providers/aws/ only carry
 * these decisions out against the AWS API.
 *
 * A release is one Auto Scaling group and one target group of its own. The listener forwards to the
 * serving release's target group; a candidate is switched in only once it has `desiredCount` healthy
 * targets, and only then is every other group and target group of the fleet drained and deleted.
 */

import { createHash } from "node:crypto";
import { DIGEST_RE, ECR_REPOSITORY_URL_RE, TAGS } from "../core/identifiers";

/** Tag on every group and target group of a release: which fleet (`<project>/<stack>/<fleet>`). */
export const FLEET_TAG_KEY = TAGS.fleet;
/** Tag on every group and target group of a release: the release id. */
export const RELEASE_TAG_KEY = TAGS.release;

/** A target as DescribeTargetHealth reports it. */
export interface TargetHealthSnapshot {
  readonly id: string;
  /** initial | healthy | unhealthy | unused | draining | unavailable */
  readonly state: string;
  /** The reason code (Target.NotInUse, Target.DeregistrationInProgress, ...), if any. */
  readonly reason?: string;
}

/** Priority of the listener rule that routes all traffic to the serving release. */
export const SERVING_RULE_PRIORITY = 50000;

/** One target group of a forward action and its weight (0..999). */
export interface WeightedTarget {
  readonly arn: string;
  readonly weight: number;
}

/**
 * The serving rule's forward action: all traffic to the serving target group (weight 1) and the
 * target group that served before at weight 0 while its targets drain. Weights set the share of
 * requests ("The weight. The range is 0 to 999.", TargetGroupTuple,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html),
 * so weight 0 routes no new request to it; staying in the rule keeps it used by the load balancer,
 * so its targets go `draining` for the deregistration delay when they deregister instead of being
 * reported `unused` at once (`Target.NotInUse` - "The target group is not used by any load
 * balancer", https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html).
 */
export function servingForward(serving: string, draining: string | undefined): WeightedTarget[] {
  return draining && draining !== serving
    ? [
        { arn: serving, weight: 1 },
        { arn: draining, weight: 0 },
      ]
    : [{ arn: serving, weight: 1 }];
}

/**
 * The target group a rule's forward action sends traffic to: the one with the highest weight above
 * 0, or undefined when none has any.
 */
export function liveTargetGroup(forward: readonly WeightedTarget[]): string | undefined {
  const live = forward.filter((t) => t.weight > 0).sort((a, b) => b.weight - a.weight);
  return live[0]?.arn;
}

/**
 * The instances of `instanceIds` that have not yet left a target group: still listed in any state
 * but `unused`. A deregistering target is `draining` for the deregistration delay, then `unused`
 * or gone ("The initial state of a deregistering target is draining. After the deregistration delay
 * elapses, the deregistration process completes and the state of the target is unused.",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay).
 * An `unused` target takes no request; that the retire only deregisters targets of a target group
 * still in a rule (see {@link servingForward}) is what makes `unused` mean "drained".
 */
export function notYetLeft(
  instanceIds: readonly string[],
  targets: readonly TargetHealthSnapshot[],
): TargetHealthSnapshot[] {
  return targets.filter((t) => instanceIds.includes(t.id) && t.state !== "unused");
}

/**
 * The groups a gate scales back up before it watches a candidate: the candidate's own groups (as
 * {@link failedCandidateGroups} picks them) left below the stack's size by an earlier failed gate,
 * which scaled them to 0 while the engine's state still says `desiredCount`.
 */
export function groupsToRestore(p: {
  readonly fleetTag: string;
  readonly candidateTargetGroupArn: string;
  readonly servingTargetGroupArn?: string;
  readonly groups: readonly GroupSnapshot[];
  readonly desiredCount: number;
  readonly minSize: number;
}): GroupSnapshot[] {
  if (p.servingTargetGroupArn === p.candidateTargetGroupArn) return [];
  return failedCandidateGroups(p).filter(
    (g) => (g.desiredCapacity ?? 0) < p.desiredCount || (g.minSize ?? 0) < p.minSize,
  );
}

/** A group of the fleet as DescribeAutoScalingGroups reports it. */
export interface GroupSnapshot {
  readonly name: string;
  readonly targetGroupArns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Instances in service (not pending, terminating or standby). */
  readonly instanceIds: readonly string[];
  /** The group's DesiredCapacity and MinSize (a failed gate leaves both at 0). */
  readonly desiredCapacity?: number;
  readonly minSize?: number;
}

/** A target group of the fleet as DescribeTargetGroups + DescribeTags report it. */
export interface TargetGroupSnapshot {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Number of targets the load balancer would send traffic to. */
export function healthyCount(targets: readonly TargetHealthSnapshot[]): number {
  return targets.filter((t) => t.state === "healthy").length;
}

/**
 * Why a release may not take traffic (yet), or undefined when it may: fewer than `desiredCount`
 * healthy targets that are in-service instances of the release's own groups (`groups`: the fleet's
 * groups; a target of no such group, e.g. an instance being terminated, does not count).
 */
export function gateProblem(p: {
  readonly release: string;
  readonly targetGroupArn: string;
  readonly targets: readonly TargetHealthSnapshot[];
  readonly groups: readonly GroupSnapshot[];
  readonly desiredCount: number;
}): string | undefined {
  const members = new Set(
    p.groups
      .filter((g) => g.targetGroupArns.includes(p.targetGroupArn))
      .flatMap((g) => g.instanceIds),
  );
  const healthy = healthyCount(p.targets.filter((t) => members.has(t.id)));
  if (healthy >= p.desiredCount) return undefined;
  const states =
    p.targets.map((t) => `${t.id}=${members.has(t.id) ? t.state : "not in service"}`).join(", ") ||
    "no targets registered";
  return `release ${p.release}: ${healthy}/${p.desiredCount} targets healthy (${states})`;
}

/** What the gate knows between two health reads: since when the candidate has passed every read. */
export interface SettleState {
  /** When the first read of the current unbroken run of passing reads happened (ms), if any. */
  readonly healthySince?: number;
}

/**
 * One health read of the gate, folded into its settle state. A candidate passes only once it has
 * passed every read for `settleSeconds`: a release that answers health for a moment and then crashes
 * (a crash loop, a boot script that fails after the app started) never takes traffic. A failed read
 * starts the settle period again.
 */
export function settleRead(
  state: SettleState,
  read: { readonly now: number; readonly problem: string | undefined; readonly release: string },
  settleSeconds: number,
): { state: SettleState; passed: boolean; problem: string | undefined } {
  if (read.problem !== undefined) return { state: {}, passed: false, problem: read.problem };
  const since = state.healthySince ?? read.now;
  const held = read.now - since;
  if (held >= settleSeconds * 1000)
    return { state: { healthySince: since }, passed: true, problem: undefined };
  return {
    state: { healthySince: since },
    passed: false,
    problem:
      `release ${read.release}: healthy on every read for ${(held / 1000).toFixed(1)}s, ` +
      `not yet the ${settleSeconds}s it must stay healthy (settleSeconds)`,
  };
}

/** True when a tag set says the resource belongs to this fleet. */
export function ofFleet(tags: Readonly<Record<string, string>>, fleetTag: string): boolean {
  return tags[FLEET_TAG_KEY] === fleetTag;
}

/** What a retire removes: every group and target group of the fleet that does not serve. */
export interface RetirePlan {
  readonly groups: GroupSnapshot[];
  readonly targetGroupArns: string[];
}

/**
 * Everything of the fleet except the serving target group and the groups attached to it: old
 * releases and whatever failed releases left. Resources of other fleets or stacks are never touched.
 */
export function planRetire(p: {
  readonly fleetTag: string;
  readonly servingTargetGroupArn: string;
  /** The target group the serving rule keeps at weight 0 while it drains: emptied, not deleted. */
  readonly drainingTargetGroupArn?: string;
  readonly groups: readonly GroupSnapshot[];
  readonly targetGroups: readonly TargetGroupSnapshot[];
}): RetirePlan {
  const serving = (g: GroupSnapshot) => g.targetGroupArns.includes(p.servingTargetGroupArn);
  const kept = [p.servingTargetGroupArn, p.drainingTargetGroupArn ?? ""];
  return {
    groups: p.groups
      .filter((g) => ofFleet(g.tags, p.fleetTag) && !serving(g))
      .sort((a, b) => a.name.localeCompare(b.name)),
    targetGroupArns: p.targetGroups
      .filter((t) => ofFleet(t.tags, p.fleetTag) && !kept.includes(t.arn))
      .map((t) => t.arn)
      .sort(),
  };
}

/**
 * The groups a failed gate scales to zero: the fleet's groups attached to the candidate's target
 * group, never one attached to the serving target group.
 */
export function failedCandidateGroups(p: {
  readonly fleetTag: string;
  readonly candidateTargetGroupArn: string;
  readonly servingTargetGroupArn?: string;
  readonly groups: readonly GroupSnapshot[];
}): GroupSnapshot[] {
  return p.groups.filter(
    (g) =>
      ofFleet(g.tags, p.fleetTag) &&
      g.targetGroupArns.includes(p.candidateTargetGroupArn) &&
      (p.servingTargetGroupArn === undefined ||
        !g.targetGroupArns.includes(p.servingTargetGroupArn)),
  );
}

/** Seconds in a Terraform-style duration ("90s", "10m", "1h5m", "0"); throws naming the field. */
export function durationSeconds(field: string, text: string): number {
  if (text.trim() === "0") return 0;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === "") {
    throw new Error(
      `${field}: must be a duration like 10m, 90s or 1h, got ${JSON.stringify(text)}`,
    );
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** What decides whether instances differ, and so whether the ASG is replaced. */
export interface ReleaseInputs {
  readonly specHash: string;
  readonly imageRef: string;
  /**
   * Every input of the launch template the group launches from, resolved (what the engine is sent:
   * AMI, instance type, boot script, EBS key, security group, instance profile, metadata options,
   * volumes, tags). Any change to it makes a new template version, which replaces the group
   * (`replaceOnChanges: ["launchTemplate"]`): it must be a new release too, with a new target group
   * and the gate, or the new group would join the serving target group ungated.
   */
  readonly launchTemplate: Readonly<Record<string, unknown>>;
  /** The group's subnets: moving instances to other subnets launches new ones, gated as a release. */
  readonly instanceSubnetIds: readonly string[];
  /** SSM parameter version of each secret (never its value): a rotation is a new release. */
  readonly secretVersions: Readonly<Record<string, number>>;
}

/** JSON with object keys sorted at every level, so equal documents always hash alike. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value));
}

/**
 * 12 hex naming a release: changes with the spec, the image digest, anything the launch template is
 * made from, the group's subnets or a secret's version, and with nothing else (not the git commit,
 * not the group's size). It is the replacement trigger of the release's group and target group and
 * part of the group's name.
 */
export function releaseId(r: ReleaseInputs): string {
  const doc = canonicalJson([
    r.specHash,
    r.imageRef,
    r.launchTemplate,
    [...r.instanceSubnetIds].sort(),
    r.secretVersions,
  ]);
  return createHash("sha256").update(doc).digest("hex").slice(0, 12);
}

/** Why the aws provider's region cannot serve this stack, or undefined when it matches. */
export function regionProblem(providerRegion: string, configRegion: string): string | undefined {
  return providerRegion === configRegion
    ? undefined
    : `the aws provider targets ${providerRegion} but phoenix:region is ${configRegion}; ` +
        `create the provider with region ${configRegion} (or set aws:region to it)`;
}

/** Repository, registry and digest of an ECR image reference, or undefined for any other reference. */
export function ecrImage(
  ref: string,
): { registryId: string; repositoryName: string; digest: string } | undefined {
  const [url, digest] = ref.split("@");
  const account = ECR_REPOSITORY_URL_RE.exec(url ?? "")?.[1];
  if (!account || !DIGEST_RE.test(digest ?? "")) return undefined;
  return { registryId: account, repositoryName: url.slice(url.indexOf("/") + 1), digest };
}
