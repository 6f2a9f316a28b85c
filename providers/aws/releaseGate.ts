import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_NAMES } from "../../lib/core/identifiers";
import { type SettleState, failedCandidateGroups, gateProblem, settleRead } from "../../lib/aws/release";
import {
  TARGET_GROUP_ARN,
  type AwsConnection,
  checkResult,
  connectionShape,
  pause,
  updateOnlyDiff,
} from "./awsConnection";
import { fleetGroups, scaleToZero, targetHealth } from "./releaseAws";

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
  /** How long the candidate may take to become healthy. */
  timeoutSeconds: number;
  /** Seconds between two health reads. */
  pollSeconds: number;
  /** How long the candidate must pass every health read before it may take traffic. */
  settleSeconds: number;
}

/** What the gate records: its inputs plus the release that serves. */
export interface ReleaseGateOutputs extends ReleaseGateProps {
  servingRelease: string;
  servingTargetGroupArn: string;
  servingImageRef: string;
}

function propsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    ...connectionShape(),
    fleetTag: z.string().min(1, "fleetTag: must not be empty, e.g. phoenix/dev/web"),
    release: z.string().regex(/^[0-9a-f]{12}$/, "release: must be 12 hex (a release id)"),
    imageRef: z.string(),
    targetGroupArn: z.string().regex(TARGET_GROUP_ARN, "must be a target group ARN"),
    desiredCount: z.number().int().min(1, "desiredCount: must be at least 1"),
    timeoutSeconds: z
      .number()
      .int()
      .min(1, "timeoutSeconds: must be at least 1 (a 0 wait gates nothing)"),
    pollSeconds: z.number().positive("pollSeconds: must be positive"),
    settleSeconds: z
      .number()
      .min(0, "settleSeconds: must be 0 or more (how long a candidate must stay healthy)"),
  });
}

/**
 * Waits until the candidate's target group has had `desiredCount` healthy targets on every read for
 * `settleSeconds`. On time-out it scales
 * the candidate's groups to zero (never a group of the serving target group) and fails, so the
 * listener keeps forwarding to the release that served before and nothing of the failed release runs.
 */
export async function awaitHealthy(
  props: ReleaseGateProps,
  servingTargetGroupArn: string | undefined,
): Promise<ReleaseGateOutputs> {
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
    if (read.passed) {
      return {
        ...props,
        servingRelease: props.release,
        servingTargetGroupArn: props.targetGroupArn,
        servingImageRef: props.imageRef,
      };
    }
    if (Date.now() >= deadline) break;
    await pause(props.pollSeconds * 1000);
  }
  const failed = failedCandidateGroups({
    fleetTag: props.fleetTag,
    candidateTargetGroupArn: props.targetGroupArn,
    servingTargetGroupArn:
      servingTargetGroupArn === props.targetGroupArn ? undefined : servingTargetGroupArn,
    groups: await fleetGroups(props, props.fleetTag),
  });
  // A candidate that is also the serving target group (a scale change of the live release) is
  // never scaled down: it is all the traffic has.
  const scaled = servingTargetGroupArn === props.targetGroupArn ? [] : failed.map((g) => g.name);
  for (const name of scaled) await scaleToZero(props, name);
  throw new Error(
    `${problem} after ${props.timeoutSeconds}s; ` +
      (servingTargetGroupArn
        ? `the listener still forwards to ${servingTargetGroupArn}`
        : "no release serves yet (the listener answers 503)") +
      (scaled.length > 0 ? `; scaled the failed group(s) ${scaled.join(", ")} to 0` : "") +
      ". Fix the release (boot log, health path, image) and run `pulumi up`, or revert the spec",
  );
}

function inputsOf(p: ReleaseGateProps): ReleaseGateProps {
  const { region, endpoint, profile, roleArn, fleetTag, release, imageRef, targetGroupArn } = p;
  const { desiredCount, timeoutSeconds, pollSeconds, settleSeconds, credentials } = p;
  return {
    ...{ region, endpoint, profile, roleArn },
    // Only when set: an undefined output property cannot be serialized into the state.
    ...(credentials ? { credentials } : {}),
    ...{ fleetTag, release, imageRef, targetGroupArn },
    ...{ desiredCount, timeoutSeconds, pollSeconds, settleSeconds },
  };
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
    return updateOnlyDiff(Object.keys(inputsOf(news)) as (keyof ReleaseGateProps)[], olds, news);
  },
  async create(inputs) {
    return { id: inputs.fleetTag, outs: await awaitHealthy(inputsOf(inputs), undefined) };
  },
  async update(_id, olds, news) {
    return { outs: await awaitHealthy(inputsOf(news), olds.servingTargetGroupArn) };
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
  readonly timeoutSeconds: pulumi.Input<number>;
  /** @default - 5 seconds between health reads */
  readonly pollSeconds?: pulumi.Input<number>;
  /** How long the candidate must pass every health read before it may take traffic. */
  readonly settleSeconds: pulumi.Input<number>;
}

/**
 * The health gate of a release and the pointer to the serving one: `servingTargetGroupArn` is what
 * the listener forwards to. It moves to a candidate only once that candidate is healthy.
 */
export class ReleaseGate extends pulumi.dynamic.Resource {
  declare public readonly servingRelease: pulumi.Output<string>;
  declare public readonly servingTargetGroupArn: pulumi.Output<string>;
  declare public readonly servingImageRef: pulumi.Output<string>;

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
        timeoutSeconds: args.timeoutSeconds,
        pollSeconds: args.pollSeconds ?? 5,
        settleSeconds: args.settleSeconds,
        servingRelease: undefined,
        servingTargetGroupArn: undefined,
        servingImageRef: undefined,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.releaseGate,
    );
  }
}
