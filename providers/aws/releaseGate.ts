import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_NAMES } from "../../lib/core/identifiers";
import {
  type SettleState,
  failedCandidateGroups,
  gateProblem,
  groupsToRestore,
  liveTargetGroup,
  servingForward,
  settleRead,
  type WeightedTarget,
} from "../../lib/aws/release";
import {
  TARGET_GROUP_ARN,
  type AwsConnection,
  checkResult,
  connectionShape,
  pause,
  updateOnlyDiff,
} from "./awsConnection";
import { fleetGroups, scaleGroup, servingRuleForwards, targetHealth } from "./fleetApi";
import { gateWritesSwitch, rollbackForward, servingOf } from "../../lib/aws/canary";
import type { RolloutPolicy } from "../../lib/rollout/policy";
import type { WindowRecord } from "../../lib/rollout/report";
import { runCanary } from "./canary";
import { setServingForward } from "./canaryApi";

/** Plain inputs of the gate, as the provider receives them. */
export interface ReleaseGateProps extends AwsConnection {
  /** `<project>/<stack>/<fleet>`: the phoenix:fleet tag of the fleet's groups. */
  fleetTag: string;
  /** The candidate release id. */
  release: string;
  /** The candidate's image by digest (`<repository>@sha256:...`); recorded as the serving image. */
  imageRef: string;
  /** The candidate release's own target group. */
  targetGroupArn: string;
  /** Healthy targets the candidate needs before it may take traffic. */
  desiredCount: number;
  /** The groups' MinSize: what a candidate scaled to 0 by an earlier failed gate gets back. */
  minSize: number;
  /** The listeners whose serving rule the switch moves: read to know what really serves. */
  listenerArns: string[];
  /** How long the candidate may take to become healthy. */
  timeoutSeconds: number;
  /** Seconds between two health reads. */
  pollSeconds: number;
  /** How long the candidate must pass every health read before it may take traffic. */
  settleSeconds: number;
  /**
   * The rollout policy (phoenix:rollout): canary steps after the health gate. Absent without one,
   * so a stack without it has the inputs it always had.
   */
  rollout?: RolloutPolicy;
}

/** What the gate records: its inputs plus the release that serves. */
export interface ReleaseGateOutputs extends ReleaseGateProps {
  servingRelease: string;
  servingTargetGroupArn: string;
  servingImageRef: string;
  /**
   * The target group that served before the last switch ("" if none): the serving rule keeps it at
   * weight 0, so the retire drains its instances while the load balancer still uses it.
   */
  drainingTargetGroupArn: string;
  /** The canary steps this gate watched (empty without steps, or when nothing served before). */
  canary?: WindowRecord[];
}

/** A listener ARN. */
const LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:\S+:listener\/\S+$/;

function propsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    ...connectionShape(),
    fleetTag: z.string().min(1, "fleetTag: must not be empty, e.g. phoenix/dev/web"),
    release: z.string().regex(/^[0-9a-f]{12}$/, "release: must be 12 hex (a release id)"),
    imageRef: z.string(),
    targetGroupArn: z.string().regex(TARGET_GROUP_ARN, "must be a target group ARN"),
    desiredCount: z.number().int().min(1, "desiredCount: must be at least 1"),
    minSize: z.number().int().min(0, "minSize: must be 0 or more"),
    listenerArns: z
      .array(z.string().regex(LISTENER_ARN, "must be a listener ARN"))
      .min(1, "listenerArns: at least one listener carries the serving rule"),
    timeoutSeconds: z
      .number()
      .int()
      .min(1, "timeoutSeconds: must be at least 1 (a 0 wait gates nothing)"),
    pollSeconds: z.number().positive("pollSeconds: must be positive"),
    settleSeconds: z
      .number()
      .min(0, "settleSeconds: must be 0 or more (how long a candidate must stay healthy)"),
    rollout: z
      .custom<RolloutPolicy>((v) => typeof v === "object" && v !== null && "steps" in v)
      .optional(),
  });
}

/**
 * What the serving rules forward to now, seen with `candidate` as the release to judge: the live
 * target group if every listener agrees on one (see servingOf), the one kept at weight 0, and the
 * rules themselves.
 */
async function liveNow(props: ReleaseGateProps): Promise<{
  live?: string;
  zero?: string;
  forwards: Record<string, WeightedTarget[] | undefined>;
}> {
  const forwards = await servingRuleForwards(props, props.listenerArns);
  const seen = Object.values(forwards).map((f) => servingOf(f ?? [], props.targetGroupArn));
  const live = new Set(seen.map((x) => x.live));
  return {
    live: live.size === 1 ? [...live][0] : undefined,
    zero: seen.find((x) => x.zero)?.zero,
    forwards,
  };
}

/**
 * Waits until the candidate's target group has had `desiredCount` healthy targets on every read for
 * `settleSeconds`. First scales back up the candidate's groups that an earlier failed gate left at
 * 0 (the engine's state still says `desiredCount`, so an update of the group would not). On
 * time-out it scales the candidate's groups to zero (never a group of the target group the
 * listeners forward to) and fails, so the listener keeps forwarding to the release that served
 * before and nothing of the failed release runs.
 *
 * `live` is the target group the serving rules forward to now (read from the listeners, not from
 * the gate's record: a run that died after the gate passed and before the switch left them apart).
 */
export async function awaitHealthy(
  props: ReleaseGateProps,
  now: Awaited<ReturnType<typeof liveNow>>,
  drainingBefore = "",
): Promise<ReleaseGateOutputs> {
  const { live } = now;
  const restore = groupsToRestore({
    fleetTag: props.fleetTag,
    candidateTargetGroupArn: props.targetGroupArn,
    servingTargetGroupArn: live,
    groups: await fleetGroups(props, props.fleetTag),
    desiredCount: props.desiredCount,
    minSize: props.minSize,
  });
  for (const g of restore) {
    const size = { minSize: props.minSize, desiredCapacity: props.desiredCount };
    await scaleGroup(props, g.name, size);
  }
  const deadline = Date.now() + props.timeoutSeconds * 1000;
  let problem: string | undefined;
  let settle: SettleState = {};
  for (;;) {
    const read = settleRead(
      settle,
      {
        now: Date.now(),
        release: props.release,
        problem: gateProblem({
          release: props.release,
          targetGroupArn: props.targetGroupArn,
          targets: await targetHealth(props, props.targetGroupArn),
          groups: await fleetGroups(props, props.fleetTag),
          desiredCount: props.desiredCount,
        }),
      },
      props.settleSeconds,
    );
    settle = read.state;
    problem = read.problem;
    if (read.passed) return passed(props, now, now.zero ?? drainingBefore);
    if (Date.now() >= deadline) break;
    await pause(props.pollSeconds * 1000);
  }
  const failed = failedCandidateGroups({
    fleetTag: props.fleetTag,
    candidateTargetGroupArn: props.targetGroupArn,
    servingTargetGroupArn: live === props.targetGroupArn ? undefined : live,
    groups: await fleetGroups(props, props.fleetTag),
  });
  // A candidate that is also what the listeners forward to (a scale change of the live release) is
  // never scaled down: it is all the traffic has.
  const scaled = live === props.targetGroupArn ? [] : failed.map((g) => g.name);
  // A run killed during a canary step left the candidate a share: it goes back to weight 0 before
  // its instances do (never the case without a rollout: no rule names a candidate then).
  if (live && gateWritesSwitch(now.forwards, props.targetGroupArn, live)) {
    const draining = now.zero ?? drainingBefore;
    await setServingForward(
      props,
      props.listenerArns,
      rollbackForward({ previous: live, candidate: props.targetGroupArn, draining }),
    );
  }
  for (const name of scaled) await scaleGroup(props, name, { minSize: 0, desiredCapacity: 0 });
  const up = upCommand(props.fleetTag);
  throw new Error(
    `${problem} after ${props.timeoutSeconds}s; ` +
      (live
        ? `the listener still forwards to ${live}`
        : "no release serves yet (the listener answers 503)") +
      (scaled.length > 0 ? `; scaled the failed group(s) ${scaled.join(", ")} to 0` : "") +
      `. Next: fix the release (boot log, health path, image) and run \`${up}\`; ` +
      `or run \`${up}\` unchanged to retry this release (the gate first scales ` +
      `its group(s) back to ${props.desiredCount}); or revert the spec and run \`${up}\``,
  );
}

/**
 * A candidate that passed its health gate: its canary steps when a rollout has some and another
 * release serves, then the switch written by the gate itself when a rule already names the
 * candidate (gateWritesSwitch); otherwise the engine's serving rules make the switch.
 */
async function passed(
  props: ReleaseGateProps,
  now: Awaited<ReturnType<typeof liveNow>>,
  draining: string,
): Promise<ReleaseGateOutputs> {
  const { live } = now;
  const candidate = props.targetGroupArn;
  const judged = live !== undefined && live !== candidate;
  const canary =
    judged && props.rollout && props.rollout.steps.length > 0
      ? await runCanary({
          ...props,
          rollout: props.rollout,
          candidate,
          previous: live,
          draining,
        })
      : [];
  if (judged && (canary.length > 0 || gateWritesSwitch(now.forwards, candidate, live))) {
    await setServingForward(props, props.listenerArns, servingForward(candidate, live));
  }
  return {
    ...props,
    servingRelease: props.release,
    servingTargetGroupArn: candidate,
    servingImageRef: props.imageRef,
    drainingTargetGroupArn: judged ? live : draining,
    canary,
  };
}

/** The command that runs the stack of a fleet tag (`<project>/<stack>/<fleet>`) again. */
export function upCommand(fleetTag: string): string {
  const stack = fleetTag.split("/")[1];
  return stack ? `pulumi up --stack ${stack}` : "pulumi up";
}

function inputsOf(p: ReleaseGateProps): ReleaseGateProps {
  const { region, endpoint, profile, roleArn, fleetTag, release, imageRef, targetGroupArn } = p;
  const { desiredCount, minSize, listenerArns, timeoutSeconds, pollSeconds, settleSeconds } = p;
  const { credentials, rollout } = p;
  return {
    ...{ region, endpoint, profile, roleArn },
    // Only when set: an undefined output property cannot be serialized into the state, and a stack
    // without a rollout keeps the inputs it had (no gate run on upgrade).
    ...(credentials ? { credentials } : {}),
    ...(rollout ? { rollout } : {}),
    ...{ fleetTag, release, imageRef, targetGroupArn },
    ...{ desiredCount, minSize, listenerArns, timeoutSeconds, pollSeconds, settleSeconds },
  };
}

/**
 * Why the recorded verdict may not be trusted for a switch, or undefined: the gate recorded a
 * serving target group the listeners do not forward to (a run died after the gate passed and before
 * the serving rules moved). The next switch must then check that release's health again.
 */
export async function staleVerdict(olds: ReleaseGateOutputs): Promise<string | undefined> {
  if (!olds.servingTargetGroupArn) return undefined;
  const forwards = await servingRuleForwards(olds, olds.listenerArns);
  const apart = Object.entries(forwards).filter(
    ([, f]) => !f || liveTargetGroup(f) !== olds.servingTargetGroupArn,
  );
  if (apart.length === 0) return undefined;
  return (
    `the serving rule of ${apart.map(([arn]) => arn).join(", ")} does not forward to ` +
    `${olds.servingTargetGroupArn} (release ${olds.servingRelease}) yet: its health is checked ` +
    "again before the switch"
  );
}

/**
 * Dynamic provider of the release gate. It owns nothing in AWS; its state is the pointer to the
 * serving release, which moves only when a candidate passes. A failed update keeps the old pointer.
 */
export const releaseGateProvider: pulumi.dynamic.ResourceProvider<
  ReleaseGateProps,
  ReleaseGateOutputs
> = {
  async check(_olds, news) {
    return checkResult(propsSchema().safeParse(news), news);
  },
  async diff(_id, olds, news) {
    // Never replaced: the serving pointer must survive every change, or a replace would lose it.
    const keys = Object.keys(inputsOf(news)) as (keyof ReleaseGateProps)[];
    const diff = updateOnlyDiff(keys, olds, news);
    if (diff.changes) return diff;
    // Same inputs: the recorded verdict stands only if the listeners already act on it.
    return { ...diff, changes: (await staleVerdict(olds)) !== undefined };
  },
  async create(inputs) {
    const props = inputsOf(inputs);
    return { id: inputs.fleetTag, outs: await awaitHealthy(props, await liveNow(props)) };
  },
  async update(_id, olds, news) {
    const props = inputsOf(news);
    const outs = await awaitHealthy(props, await liveNow(props), olds.drainingTargetGroupArn ?? "");
    // The same release gated again (a scale change, a re-check): its rollout record stands.
    const kept = outs.servingRelease === olds.servingRelease && outs.canary?.length === 0;
    return { outs: kept ? { ...outs, canary: olds.canary ?? [] } : outs };
  },
  async delete() {
    // The gate created nothing in AWS.
  },
};

/** Arguments of {@link ReleaseGate}. */
export interface ReleaseGateArgs {
  readonly connection: pulumi.Input<AwsConnection>;
  readonly fleetTag: pulumi.Input<string>;
  readonly release: pulumi.Input<string>;
  /** The candidate's image by digest. */
  readonly imageRef: pulumi.Input<string>;
  readonly targetGroupArn: pulumi.Input<string>;
  readonly desiredCount: pulumi.Input<number>;
  /** The groups' MinSize. */
  readonly minSize: pulumi.Input<number>;
  /** The listeners carrying the serving rule. */
  readonly listenerArns: pulumi.Input<pulumi.Input<string>[]>;
  readonly timeoutSeconds: pulumi.Input<number>;
  /** @default - 5 seconds between health reads */
  readonly pollSeconds?: pulumi.Input<number>;
  /** How long the candidate must pass every health read before it may take traffic. */
  readonly settleSeconds: pulumi.Input<number>;
  /** @default - no canary steps: the candidate takes all traffic once it passed its health gate */
  readonly rollout?: RolloutPolicy;
}

/**
 * The health gate of a release and the pointer to the serving one: `servingTargetGroupArn` is what
 * the listener forwards to. It moves to a candidate only once that candidate is healthy.
 */
export class ReleaseGate extends pulumi.dynamic.Resource {
  declare public readonly servingRelease: pulumi.Output<string>;
  declare public readonly servingTargetGroupArn: pulumi.Output<string>;
  declare public readonly servingImageRef: pulumi.Output<string>;
  declare public readonly drainingTargetGroupArn: pulumi.Output<string>;
  declare public readonly canary: pulumi.Output<WindowRecord[] | undefined>;

  constructor(name: string, args: ReleaseGateArgs, opts: pulumi.CustomResourceOptions = {}) {
    const c = pulumi.output(args.connection);
    super(
      releaseGateProvider,
      name,
      {
        region: c.region,
        endpoint: c.endpoint,
        profile: c.profile,
        roleArn: c.roleArn,
        credentials: c.credentials,
        fleetTag: args.fleetTag,
        release: args.release,
        imageRef: args.imageRef,
        targetGroupArn: args.targetGroupArn,
        desiredCount: args.desiredCount,
        minSize: args.minSize,
        listenerArns: args.listenerArns,
        timeoutSeconds: args.timeoutSeconds,
        pollSeconds: args.pollSeconds ?? 5,
        settleSeconds: args.settleSeconds,
        ...(args.rollout ? { rollout: args.rollout } : {}),
        servingRelease: undefined,
        servingTargetGroupArn: undefined,
        servingImageRef: undefined,
        drainingTargetGroupArn: undefined,
        canary: undefined,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.releaseGate,
    );
  }
}
