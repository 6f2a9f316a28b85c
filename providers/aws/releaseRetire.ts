import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_NAMES } from "../../lib/core/identifiers";
import { gateProblem, planRetire } from "../../lib/aws/release";
import {
  TARGET_GROUP_ARN,
  type AwsConnection,
  checkResult,
  connectionShape,
  updateOnlyDiff,
} from "./awsConnection";
import { protectLiveImage } from "./liveImage";
import {
  deleteTargetGroup,
  drainAndDelete,
  fleetGroups,
  fleetTargetGroups,
  targetHealth,
} from "./fleetApi";
import type { RolloutPolicy } from "../../lib/rollout/policy";
import type { WindowRecord } from "../../lib/rollout/report";
import { runBake } from "./canary";

/** Plain inputs of the retire, as the provider receives them. */
export interface ReleaseRetireProps extends AwsConnection {
  /** `<project>/<stack>/<fleet>`: the phoenix:fleet tag of the fleet's groups and target groups. */
  fleetTag: string;
  /** The release the listener forwards to (the gate's output). */
  servingRelease: string;
  servingTargetGroupArn: string;
  /**
   * The target group the serving rule keeps at weight 0 ("" if none): its groups are drained while
   * the load balancer still uses it, and it is deleted by a later retire, once no rule names it.
   */
  drainingTargetGroupArn: string;
  /** The serving release's image by digest: it gets this stack's live tag (see liveImage.ts). */
  servingImageRef: string;
  /** `<project>/<stack>`: names the live tag. */
  stackTag: string;
  /** Healthy targets the serving release must have before anything else is retired. */
  desiredCount: number;
  /**
   * The rollout policy when it has a bake (phoenix:rollout.bakeSeconds > 0), with the listeners
   * whose serving rules a breach moves back. Absent otherwise, so a stack without a bake has the
   * inputs it always had.
   */
  bake?: { rollout: RolloutPolicy; listenerArns: string[]; pollSeconds: number };
}

/** What the retire records: its inputs plus what it removed. */
export interface ReleaseRetireOutputs extends ReleaseRetireProps {
  retiredGroups: string[];
  retiredTargetGroups: string[];
  /** The live tag on the serving image ("" when the image is not in ECR). */
  liveTag: string;
  /** The bake this run watched (empty: no bake, or no previous release to fall back on). */
  baked?: WindowRecord[];
}

function propsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    ...connectionShape(),
    fleetTag: z.string().min(1, "fleetTag: must not be empty, e.g. phoenix/dev/web"),
    servingRelease: z.string().regex(/^[0-9a-f]{12}$/, "servingRelease: must be 12 hex"),
    servingTargetGroupArn: z.string().regex(TARGET_GROUP_ARN, "must be a target group ARN"),
    drainingTargetGroupArn: z
      .string()
      .refine((a) => a === "" || TARGET_GROUP_ARN.test(a), "must be empty or a target group ARN"),
    servingImageRef: z.string(),
    stackTag: z.string().min(1, "stackTag: must not be empty, e.g. phoenix/prod"),
    desiredCount: z.number().int().min(1, "desiredCount: must be at least 1"),
    bake: z
      .custom<ReleaseRetireProps["bake"]>((v) => typeof v === "object" && v !== null)
      .optional(),
  });
}

/**
 * Drains and deletes every group and target group of the fleet except the serving ones: old
 * releases and the leftovers of failed ones. Refuses to touch anything while the serving release
 * has fewer than `desiredCount` healthy targets. Every step is idempotent, so an interrupted retire
 * finishes on the next run.
 */
export async function retire(
  props: ReleaseRetireProps,
  previousRelease?: string,
): Promise<ReleaseRetireOutputs> {
  const before = await fleetGroups(props, props.fleetTag);
  const problem = gateProblem({
    release: props.servingRelease,
    targetGroupArn: props.servingTargetGroupArn,
    targets: await targetHealth(props, props.servingTargetGroupArn),
    groups: before,
    desiredCount: props.desiredCount,
  });
  if (problem) {
    throw new Error(
      `retire: refusing to remove older releases while the serving one is not healthy: ${problem}`,
    );
  }
  const bake = await bakeFirst(props, previousRelease);
  const groups = bake.length > 0 ? await fleetGroups(props, props.fleetTag) : before;
  // Protect what serves before anything else: its digest must outlive any number of newer pushes.
  const tag = await protectLiveImage(props, {
    imageRef: props.servingImageRef,
    stackTag: props.stackTag,
  });
  const targetGroups = await fleetTargetGroups(props, props.fleetTag);
  const plan = planRetire({
    fleetTag: props.fleetTag,
    servingTargetGroupArn: props.servingTargetGroupArn,
    drainingTargetGroupArn: props.drainingTargetGroupArn,
    groups,
    targetGroups,
  });
  const watch = targetGroups.map((t) => t.arn);
  for (const group of plan.groups) await drainAndDelete(props, group, watch);
  for (const arn of plan.targetGroupArns) await deleteTargetGroup(props, arn);
  return {
    ...props,
    retiredGroups: plan.groups.map((g) => g.name),
    retiredTargetGroups: plan.targetGroupArns,
    liveTag: tag,
    baked: bake,
  };
}

/**
 * The bake, before anything is retired: only for a serving release that just changed (not yet
 * baked: a run killed during the bake recorded nothing, so the next one bakes again) and that has a
 * previous release to fall back on, still registered and healthy at weight 0. A breach moves the
 * serving rules back to it, scales the new release to 0 and fails the `up` (providers/aws/canary.ts).
 */
async function bakeFirst(
  props: ReleaseRetireProps,
  previousRelease: string | undefined,
): Promise<WindowRecord[]> {
  const previous = props.drainingTargetGroupArn;
  if (!props.bake || previousRelease === props.servingRelease || previous === "") return [];
  const warm = gateProblem({
    release: "before",
    targetGroupArn: previous,
    targets: await targetHealth(props, previous),
    groups: await fleetGroups(props, props.fleetTag),
    desiredCount: props.desiredCount,
  });
  if (warm) {
    const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
    await log.warn(`rollout: no bake: the previous release cannot take traffic back (${warm})`);
    return [];
  }
  const { rollout, listenerArns, pollSeconds } = props.bake;
  return [
    await runBake({
      ...props,
      rollout,
      listenerArns,
      pollSeconds,
      candidate: props.servingTargetGroupArn,
      previous,
      draining: "",
    }),
  ];
}

/**
 * Drains and deletes every group of the fleet, the serving one too, each waited on until it is gone
 * (its instances terminated, so the instance security group deleted after it has no user left).
 * The target groups are deleted later in a destroy, once no rule uses them (releaseTeardown.ts).
 */
export async function drainFleet(c: AwsConnection & { fleetTag: string }): Promise<string[]> {
  const groups = await fleetGroups(c, c.fleetTag);
  const watch = (await fleetTargetGroups(c, c.fleetTag)).map((t) => t.arn);
  const ordered = [...groups].sort((a, b) => a.name.localeCompare(b.name));
  for (const group of ordered) await drainAndDelete(c, group, watch);
  return ordered.map((g) => g.name);
}

function inputsOf(p: ReleaseRetireProps): ReleaseRetireProps {
  const { region, endpoint, profile, roleArn, credentials, fleetTag } = p;
  const { servingRelease, servingTargetGroupArn, servingImageRef, stackTag, desiredCount } = p;
  const { drainingTargetGroupArn, bake } = p;
  return {
    ...{ region, endpoint, profile, roleArn, fleetTag, drainingTargetGroupArn },
    // Only when set: an undefined output property cannot be serialized into the state.
    ...(credentials ? { credentials } : {}),
    ...(bake ? { bake } : {}),
    ...{ servingRelease, servingTargetGroupArn, servingImageRef, stackTag, desiredCount },
  };
}

/**
 * Dynamic provider of the retire step. It runs whenever the serving release changes (and again on
 * the next `up` when a run did not finish, because then its new inputs were never recorded).
 */
export const releaseRetireProvider: pulumi.dynamic.ResourceProvider<
  ReleaseRetireProps,
  ReleaseRetireOutputs
> = {
  async check(_olds, news) {
    return checkResult(propsSchema().safeParse(news), news);
  },
  async diff(_id, olds, news) {
    // Never replaced: it owns nothing; every change is one more retire run.
    return updateOnlyDiff(Object.keys(inputsOf(news)) as (keyof ReleaseRetireProps)[], olds, news);
  },
  async create(inputs) {
    return { id: inputs.fleetTag, outs: await retire(inputsOf(inputs)) };
  },
  async update(_id, olds, news) {
    const outs = await retire(inputsOf(news), olds.servingRelease);
    // The same release retired again: the bake it had stands in its record.
    const kept = news.servingRelease === olds.servingRelease;
    return { outs: kept ? { ...outs, baked: olds.baked ?? [] } : outs };
  },
  async delete(_id, props) {
    // The stack (or this fleet) is being destroyed: groups are retained on delete (against
    // pulumi/pulumi#9979), so nothing else removes them. This runs first in a destroy (the retire
    // depends on everything of the release), while the listener rules still use the target groups.
    await drainFleet(props);
  },
};

/** Arguments of {@link ReleaseRetire}. */
export interface ReleaseRetireArgs {
  readonly connection: pulumi.Input<AwsConnection>;
  readonly fleetTag: pulumi.Input<string>;
  readonly servingRelease: pulumi.Input<string>;
  readonly servingTargetGroupArn: pulumi.Input<string>;
  /** The target group the serving rule keeps at weight 0 (the gate's `drainingTargetGroupArn`). */
  readonly drainingTargetGroupArn: pulumi.Input<string>;
  readonly servingImageRef: pulumi.Input<string>;
  /** `<project>/<stack>`. */
  readonly stackTag: pulumi.Input<string>;
  readonly desiredCount: pulumi.Input<number>;
  /** @default - no bake: older releases are retired as soon as the serving one is healthy */
  readonly bake?: pulumi.Input<ReleaseRetireProps["bake"]>;
}

/** Retires every release of the fleet but the serving one, once the serving one is healthy. */
export class ReleaseRetire extends pulumi.dynamic.Resource {
  declare public readonly retiredGroups: pulumi.Output<string[]>;
  declare public readonly retiredTargetGroups: pulumi.Output<string[]>;
  declare public readonly liveTag: pulumi.Output<string>;
  declare public readonly baked: pulumi.Output<WindowRecord[] | undefined>;

  constructor(name: string, args: ReleaseRetireArgs, opts: pulumi.CustomResourceOptions = {}) {
    const c = pulumi.output(args.connection);
    super(
      releaseRetireProvider,
      name,
      {
        region: c.region,
        endpoint: c.endpoint,
        profile: c.profile,
        roleArn: c.roleArn,
        credentials: c.credentials,
        fleetTag: args.fleetTag,
        servingRelease: args.servingRelease,
        servingTargetGroupArn: args.servingTargetGroupArn,
        drainingTargetGroupArn: args.drainingTargetGroupArn,
        servingImageRef: args.servingImageRef,
        stackTag: args.stackTag,
        desiredCount: args.desiredCount,
        ...(args.bake ? { bake: args.bake } : {}),
        retiredGroups: undefined,
        retiredTargetGroups: undefined,
        liveTag: undefined,
        baked: undefined,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.releaseRetire,
    );
  }
}
