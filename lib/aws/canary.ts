/**
 * The canary steps and the bake of the aws target, as pure functions: which weights the serving
 * rule carries during a step, what it goes back to on a rollback, which CloudWatch series judge the
 * candidate, and which policies cannot be judged at CloudWatch's granularity. The judging itself is
 * shared with the local target (lib/rollout/analysis.ts); providers/aws/canary.ts reads AWS and
 * carries these decisions out.
 */

import type { Tally } from "../rollout/analysis";
import type { RolloutPolicy } from "../rollout/policy";
import type { RolloutRecord, WindowRecord } from "../rollout/report";
import type { WeightedTarget } from "./release";

/**
 * Seconds of one CloudWatch datapoint of an Application Load Balancer: "If there are requests
 * flowing through the load balancer, Elastic Load Balancing measures and sends its metrics in
 * 60-second intervals. If there are no requests flowing through the load balancer or no data for a
 * metric, the metric is not reported." (CloudWatch metrics for your Application Load Balancer,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html)
 */
export const METRIC_PERIOD_SECONDS = 60;

/**
 * Periods a window must span to be judged on more than the one datapoint that straddles its start:
 * the first period also holds requests from before the window, the last one is still being filled.
 */
export const MIN_JUDGED_PERIODS = 3;

/** Namespace of the load balancer's metrics. */
export const ALB_NAMESPACE = "AWS/ApplicationELB";

/**
 * The candidate's metrics a window sums (statistic Sum, per target group): requests, and the two
 * kinds of failure a target causes, 5xx answers and connections the load balancer could not make.
 */
export const CANARY_METRICS = {
  requests: "RequestCount",
  failed5xx: "HTTPCode_Target_5XX_Count",
  connectionErrors: "TargetConnectionErrorCount",
} as const;

/**
 * The dimension values of a target group's metrics on its load balancer: the final portion of each
 * ARN (`targetgroup/<name>/<id>`, `app/<name>/<id>`), as Auto Scaling's resource label is built
 * ("appending the final portion of the load balancer ARN and the final portion of the target group
 * ARN", PredefinedMetricSpecification ResourceLabel,
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredefinedMetricSpecification.html).
 * The load balancer is read from a listener ARN (`...:listener/app/<name>/<lb id>/<listener id>`).
 */
export function metricDimensions(
  targetGroupArn: string,
  listenerArn: string,
): { TargetGroup: string; LoadBalancer: string } {
  const tg = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(targetGroupArn)?.[1];
  const lb = /:listener\/(app\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn)?.[1];
  if (!tg) throw new Error(`not a target group ARN: ${JSON.stringify(targetGroupArn)}`);
  if (!lb)
    throw new Error(
      `not an Application Load Balancer listener ARN: ${JSON.stringify(listenerArn)}`,
    );
  return { TargetGroup: tg, LoadBalancer: lb };
}

/** A window's tally from the summed metrics: requests, and 5xx plus connection errors as failed. */
export function tallyOf(sums: Readonly<Record<keyof typeof CANARY_METRICS, number>>): Tally {
  return { requests: sums.requests, failed: sums.failed5xx + sums.connectionErrors };
}

/**
 * The start of the metric query of a window that started at `startMs`: the start of its period, so
 * the datapoint the window starts in counts (it also holds the requests of that period before the
 * window, on the same release).
 */
export function periodStart(startMs: number): number {
  const period = METRIC_PERIOD_SECONDS * 1000;
  return Math.floor(startMs / period) * period;
}

/**
 * The serving rule's forward action during a canary step: the candidate gets `percent` of the
 * requests and the release that serves the rest; the target group kept at weight 0 stays at 0.
 * Weights are relative ("The following example sets the relative weight of traffic between two
 * target groups", AWS::ElasticLoadBalancingV2::ListenerRule ForwardConfig,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-elasticloadbalancingv2-listenerrule-forwardconfig.html)
 * and 0 to 999 each (TargetGroupTuple,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html),
 * so `100 - percent` and `percent` (1 to 99) are the shares.
 */
export function canaryForward(p: {
  readonly serving: string;
  readonly draining: string;
  readonly candidate: string;
  readonly percent: number;
}): WeightedTarget[] {
  if (!Number.isInteger(p.percent) || p.percent < 1 || p.percent > 99) {
    throw new Error(
      `a canary step's percent must be a whole number from 1 to 99, got ${p.percent}`,
    );
  }
  const kept =
    p.draining && p.draining !== p.serving && p.draining !== p.candidate
      ? [{ arn: p.draining, weight: 0 }]
      : [];
  return [
    { arn: p.serving, weight: 100 - p.percent },
    { arn: p.candidate, weight: p.percent },
    ...kept,
  ];
}

/**
 * The serving rules after a rollback: all requests to the release that served before, the
 * candidate kept at weight 0 (the load balancer keeps using its target group, so its targets drain
 * when its groups scale in) and so is the target group that was already at weight 0.
 */
export function rollbackForward(p: {
  readonly previous: string;
  readonly candidate: string;
  readonly draining: string;
}): WeightedTarget[] {
  const zeros = [p.draining, p.candidate].filter(
    (a, i, all) => a && a !== p.previous && all.indexOf(a) === i,
  );
  return [{ arn: p.previous, weight: 1 }, ...zeros.map((arn) => ({ arn, weight: 0 }))];
}

/**
 * What a serving rule forwards to, seen by a gate whose candidate is `candidate`: the release that
 * serves is the heaviest target group other than the candidate (a run killed during a canary step
 * left the candidate with a share, maybe the larger one; the release that served before the step is
 * still the one to fall back on); the candidate only when nothing else has weight (it already
 * serves). `zero` is a target group the rule keeps at weight 0, other than those two.
 */
export function servingOf(
  forward: readonly WeightedTarget[],
  candidate: string,
): { live: string | undefined; zero: string | undefined } {
  const heaviest = (ts: readonly WeightedTarget[]) =>
    [...ts].filter((t) => t.weight > 0).sort((a, b) => b.weight - a.weight)[0]?.arn;
  const live = heaviest(forward.filter((t) => t.arn !== candidate)) ?? heaviest(forward);
  const zero = forward.find((t) => t.weight === 0 && t.arn !== candidate && t.arn !== live)?.arn;
  return { live, zero };
}

/**
 * True when the gate must move the serving rules to the candidate itself rather than leave it to
 * the engine: a rule already names the candidate (a canary step gave it a share, or a rollback left
 * it at weight 0), so the engine's record of the rule may already equal the switch and the engine
 * would not send it. Without a rollout no rule names a candidate before the switch.
 */
export function gateWritesSwitch(
  forwards: Readonly<Record<string, readonly WeightedTarget[] | undefined>>,
  candidate: string,
  live: string | undefined,
): boolean {
  if (live === undefined || live === candidate) return false;
  return Object.values(forwards).some((f) => (f ?? []).some((t) => t.arn === candidate));
}

/**
 * Warnings at preview for windows too short to be judged at CloudWatch's 60 s granularity (a
 * window shorter than {@link MIN_JUDGED_PERIODS} periods is judged on one or two datapoints, one of
 * them partly from before it).
 */
export function rolloutTimingWarnings(policy: RolloutPolicy): string[] {
  const min = METRIC_PERIOD_SECONDS * MIN_JUDGED_PERIODS;
  const out = policy.steps
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.seconds < min)
    .map(
      ({ s, i }) =>
        `phoenix:rollout.steps[${i}].seconds: ${s.seconds}s is under ${min}s; the load ` +
        `balancer's metrics come in ${METRIC_PERIOD_SECONDS}s periods, so this step is judged on ` +
        `at most ${Math.ceil(s.seconds / METRIC_PERIOD_SECONDS) + 1} datapoints; make it at least ${min}`,
    );
  if (policy.bakeSeconds > 0 && policy.bakeSeconds < min) {
    out.push(
      `phoenix:rollout.bakeSeconds: ${policy.bakeSeconds}s is under ${min}s; the load ` +
        `balancer's metrics come in ${METRIC_PERIOD_SECONDS}s periods, so a failure late in the ` +
        `bake may not be counted before it ends; make it at least ${min}`,
    );
  }
  return out;
}

/** A CloudWatch alarm's name and state, as DescribeAlarms reports it. */
export interface AlarmSnapshot {
  readonly name: string;
  /** OK | ALARM | INSUFFICIENT_DATA */
  readonly state: string;
}

/**
 * The alarms of `names` in ALARM, and those that do not exist (a typo would otherwise watch
 * nothing). Only ALARM rolls back: INSUFFICIENT_DATA is what an alarm on a metric without traffic
 * reports, as ECS deployments treat alarms ("set the deployment to failed when it detects that a
 * specified CloudWatch alarm has gone into the ALARM state",
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
 */
export function alarmVerdict(
  names: readonly string[],
  alarms: readonly AlarmSnapshot[],
): { firing: string[]; missing: string[] } {
  const byName = new Map(alarms.map((a) => [a.name, a.state]));
  return {
    firing: names.filter((n) => byName.get(n) === "ALARM"),
    missing: names.filter((n) => !byName.has(n)),
  };
}

/** The error of a release rolled back because alarms went into ALARM during a window. */
export function alarmMessage(window: string, firing: readonly string[], previous: string): string {
  return (
    `${window}: CloudWatch alarm(s) ${firing.join(", ")} in ALARM (phoenix:rollout.alarms): ` +
    `rolled back; ${previous} still serves 100%`
  );
}

/**
 * The error of a rollout whose named alarms do not exist: before a canary step nothing moved yet;
 * before the bake the new release already serves and nothing is retired.
 */
export function missingAlarmsMessage(
  missing: readonly string[],
  region: string,
  phase: "canary" | "bake",
): string {
  const names = missing.map((m) => JSON.stringify(m)).join(", ");
  const state =
    phase === "canary"
      ? "nothing was shifted to the new release"
      : "the new release serves and nothing was retired (the next up bakes again)";
  return (
    `phoenix:rollout.alarms: no CloudWatch alarm named ${names} in ${region}; ${state}. ` +
    "Create the alarm(s) or fix the name(s) (aws cloudwatch describe-alarms --alarm-names <name>)"
  );
}
/**
 * The stack output `rollout` of an aws fleet: the serving release with the canary steps its gate
 * watched and the bake its retire watched; `immediate` when neither watched anything.
 */
export function rolloutRecord(
  release: string,
  canary: readonly WindowRecord[] | undefined,
  bake: readonly WindowRecord[] | undefined,
): RolloutRecord {
  const windows = [...(canary ?? []), ...(bake ?? [])];
  return { outcome: windows.length > 0 ? "promoted" : "immediate", release, windows };
}
