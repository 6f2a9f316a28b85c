import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Spec } from "../../lib/spec/spec";
import { candidateSourceIps } from "../../lib/aws/releaseChecks";
import type { AwsConnection } from "../../providers/aws/awsConnection";
import { ReleaseGate } from "../../providers/aws/releaseGate";
import { ReleaseRetire } from "../../providers/aws/releaseRetire";
import { ReleaseTeardown } from "../../providers/aws/releaseTeardown";
import { SERVING_RULE_PRIORITY, type WeightedTarget, servingForward } from "../../lib/aws/release";
import { rolloutRecord } from "../../lib/aws/canary";
import type { RolloutPolicy } from "../../lib/rollout/policy";
import type { RolloutRecord } from "../../lib/rollout/report";

/**
 * What belongs to one release of an AWS fleet besides its Auto Scaling group: its own target group
 * (health check, port and deregistration delay of THIS release, so an old release is never checked
 * against a new release's settings), and the listener rules that route to releases.
 *
 * Routing, on every listener that carries traffic (`AwsFrontDoor.trafficListeners`):
 * - priority {@link CANDIDATE_RULE_PRIORITY}: requests with header `X-Phoenix-Release: <candidate>`
 *   go to the candidate's target group. This attaches the candidate to the load balancer (a target
 *   group no listener uses is never health-checked) and lets an operator try it before it serves.
 * - priority {@link SERVING_RULE_PRIORITY}: every other request goes to the serving release's target
 *   group, the release gate's pointer. This is the seam every listener forwards through. The target
 *   group that served before stays in its forward action at weight 0 until the next switch, so the
 *   retire drains it while the load balancer still uses it (see `servingForward`).
 * - the listener's default action answers 503 until a first release is healthy.
 */

/** Priority of the rule that routes `X-Phoenix-Release: <candidate>` to the candidate. */
export const CANDIDATE_RULE_PRIORITY = 10;
export { SERVING_RULE_PRIORITY };
/** Header that selects the candidate release. */
export const RELEASE_HEADER = "X-Phoenix-Release";

/** ALB target group health check settings. */
export interface AlbHealthCheck {
  readonly path: string;
  readonly port: string;
  readonly protocol: "HTTP";
  readonly matcher: string;
  readonly interval: number;
  readonly timeout: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/**
 * The spec's health check as an ALB target group health check. Path and port are the spec's; only
 * 2xx counts as healthy (a 404 from a release that lacks the path must fail it); the timings are the
 * spec's raised to the ALB's floors (interval >= 5 s, timeout 2..interval-1, healthy threshold >= 2),
 * because the spec's timings also drive the container HEALTHCHECK, where shorter values are fine.
 */
export function albHealthCheck(app: Pick<Spec["app"], "port" | "health">): AlbHealthCheck {
  const interval = Math.min(300, Math.max(5, app.health.intervalSeconds));
  return {
    path: app.health.path,
    port: String(app.port),
    protocol: "HTTP",
    matcher: "200-299",
    interval,
    timeout: Math.min(interval - 1, Math.max(2, app.health.timeoutSeconds)),
    healthyThreshold: Math.min(10, Math.max(2, app.health.healthyThreshold)),
    unhealthyThreshold: 2,
  };
}

/**
 * How long a candidate must stay healthy before it takes traffic: as long as the load balancer
 * needs to mark a target unhealthy (`unhealthyThreshold` failed checks, `interval` apart), so an app
 * that answers health once and then crashes is caught before the switch, not after it.
 */
export function settleSeconds(app: Pick<Spec["app"], "port" | "health">): number {
  const check = albHealthCheck(app);
  return check.interval * check.unhealthyThreshold;
}

/**
 * Resource options of everything that is made anew per release (group, target group). Retained on
 * delete: the engine never deletes a release, not even as a pending delete of a failed `up` (run
 * first by the next `up`, pulumi/pulumi#9979); only the retire step does, once the serving release
 * is healthy. Created before the old one is let go; the release id is the replacement trigger.
 */
export function releaseResourceOptions(
  release: pulumi.Input<string>,
): Pick<
  pulumi.CustomResourceOptions,
  "retainOnDelete" | "deleteBeforeReplace" | "replacementTrigger"
> {
  return { retainOnDelete: true, deleteBeforeReplace: false, replacementTrigger: release };
}

/** Arguments of {@link releaseTargetGroup}. */
export interface ReleaseTargetGroupArgs {
  readonly vpcId: string;
  readonly app: Pick<Spec["app"], "port" | "health" | "stopGraceSeconds">;
  readonly release: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The fleet's {@link releaseTeardown}: deleted after this target group's users in a destroy. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The target group of one release: its port, its health check, its deregistration delay. */
export function releaseTargetGroup(
  name: string,
  args: ReleaseTargetGroupArgs,
  parent: pulumi.Resource,
): aws.lb.TargetGroup {
  return new aws.lb.TargetGroup(
    name,
    {
      vpcId: args.vpcId,
      targetType: "instance",
      protocol: "HTTP",
      port: args.app.port,
      healthCheck: { enabled: true, ...albHealthCheck(args.app) },
      // Drain for as long as the app is given to stop, not the ALB's default 300 s.
      deregistrationDelay: args.app.stopGraceSeconds,
      tags: args.tags,
    },
    { parent, dependsOn: args.dependsOn, ...releaseResourceOptions(args.release) },
  );
}

/** Arguments of {@link candidateRules}. */
export interface ReleaseRuleArgs {
  /** Listeners that carry traffic. */
  readonly listeners: readonly aws.lb.Listener[];
  readonly targetGroupArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Arguments of {@link servingRules}. */
export interface ServingRuleArgs {
  /** Listeners that carry traffic. */
  readonly listeners: readonly aws.lb.Listener[];
  /** The weighted target groups of the forward action ({@link servingForward}). */
  readonly forward: pulumi.Input<WeightedTarget[]>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A forward action to weighted target groups: one target group alone is a plain forward. pulumi-aws
 * takes weights 0 to 999 (`ListenerRuleActionForwardTargetGroup.weight`: "The weight. The range is
 * 0 to 999.").
 */
export function forwardAction(
  forward: readonly WeightedTarget[],
): aws.types.input.lb.ListenerRuleAction {
  return forward.length === 1
    ? { type: "forward", targetGroupArn: forward[0].arn }
    : {
        type: "forward",
        forward: { targetGroups: forward.map((t) => ({ arn: t.arn, weight: t.weight })) },
      };
}

/**
 * Routes `X-Phoenix-Release: <release>` to the candidate, on every traffic listener, for clients in
 * `sourceCidrs` only (phoenix:candidateSourceCidrs; none: no client, see candidateSourceIps).
 */
export function candidateRules(
  name: string,
  args: ReleaseRuleArgs & {
    readonly release: pulumi.Input<string>;
    readonly sourceCidrs: readonly string[];
  },
  parent: pulumi.Resource,
): aws.lb.ListenerRule[] {
  return args.listeners.map(
    (listener, i) =>
      new aws.lb.ListenerRule(
        i === 0 ? name : `${name}-${i}`,
        {
          listenerArn: listener.arn,
          priority: CANDIDATE_RULE_PRIORITY,
          conditions: [
            { httpHeader: { httpHeaderName: RELEASE_HEADER, values: [args.release] } },
            { sourceIp: { values: candidateSourceIps(args.sourceCidrs) } },
          ],
          actions: [{ type: "forward", targetGroupArn: args.targetGroupArn }],
          tags: args.tags,
        },
        { parent },
      ),
  );
}

/**
 * Routes all traffic to the serving release, on every traffic listener; the release that served
 * before stays in the forward action at weight 0 while it drains.
 */
export function servingRules(
  name: string,
  args: ServingRuleArgs,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): aws.lb.ListenerRule[] {
  return args.listeners.map(
    (listener, i) =>
      new aws.lb.ListenerRule(
        i === 0 ? name : `${name}-${i}`,
        {
          listenerArn: listener.arn,
          priority: SERVING_RULE_PRIORITY,
          conditions: [{ pathPattern: { values: ["*"] } }],
          actions: pulumi.output(args.forward).apply((f) => [forwardAction(f)]),
          tags: args.tags,
        },
        opts,
      ),
  );
}

/** Arguments of {@link switchWhenHealthy}. */
export interface SwitchArgs {
  readonly connection: pulumi.Input<AwsConnection>;
  /** `<project>/<stack>/<fleet>`. */
  readonly fleetTag: string;
  readonly release: pulumi.Input<string>;
  /** The candidate's image by digest; the retire gives the serving one this stack's live tag. */
  readonly imageRef: pulumi.Input<string>;
  /** The candidate release's target group. */
  readonly targetGroupArn: pulumi.Input<string>;
  readonly desiredCount: number;
  /** The groups' MinSize (what the gate restores on a group an earlier failed gate scaled to 0). */
  readonly minSize: number;
  /** The listeners that carry the serving rule (the gate reads what they forward to). */
  readonly listenerArns: pulumi.Input<string>[];
  readonly timeoutSeconds: number;
  /** @default - 5 seconds between two health reads of the gate */
  readonly pollSeconds?: number;
  /** How long the candidate must pass every health read of the gate: {@link settleSeconds}. */
  readonly settleSeconds: number;
  /**
   * The rollout policy in force for this `up` (`effectivePolicy`): the gate runs its canary steps,
   * the retire its bake.
   * @default - no rollout: all traffic moves once the candidate passed its health gate, no bake
   */
  readonly rollout?: RolloutPolicy;
  /** The rules that put the candidate on the load balancer (it is health-checked only then). */
  readonly candidateRules: readonly pulumi.Resource[];
  /** The candidate's group: the listener moves only once it was created. */
  readonly group: pulumi.Resource;
  /**
   * Makes the listener switch: what forwards all traffic by `forward` (the gate's serving pointer
   * at weight 1, the target group that served before at weight 0), created with `opts` (which carry
   * the ordering). {@link servingRules} on AWS.
   */
  readonly route: (
    forward: pulumi.Output<WeightedTarget[]>,
    opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
  ) => pulumi.Resource[];
}

/**
 * The gate, the listener switch and the retire of a release, in that order. The gate does not wait
 * for the group: it watches the candidate's target group while the group is created, so on a time-out
 * it scales the failed group to zero within the same `up`. The serving rules forward to the gate's
 * pointer and wait for the group and the gate; the retire runs only after the switch.
 */
export function switchWhenHealthy(
  name: string,
  args: SwitchArgs,
  parent: pulumi.Resource,
): {
  gate: ReleaseGate;
  serving: pulumi.Resource[];
  retire: ReleaseRetire;
  rollout: pulumi.Output<RolloutRecord>;
} {
  const policy = args.rollout;
  const gate = new ReleaseGate(
    `${name}-gate`,
    {
      connection: args.connection,
      fleetTag: args.fleetTag,
      release: args.release,
      imageRef: args.imageRef,
      targetGroupArn: args.targetGroupArn,
      desiredCount: args.desiredCount,
      minSize: args.minSize,
      listenerArns: args.listenerArns,
      timeoutSeconds: args.timeoutSeconds,
      pollSeconds: args.pollSeconds,
      settleSeconds: args.settleSeconds,
      // Only a policy with steps reaches the gate, only one with a bake the retire: any other
      // stack keeps the inputs it had.
      rollout: policy && policy.steps.length > 0 ? policy : undefined,
    },
    { parent, dependsOn: [...args.candidateRules] },
  );
  // Older gate states have no draining target group; "" is none.
  const draining = gate.drainingTargetGroupArn.apply((d) => d ?? "");
  const forward = pulumi
    .all([gate.servingTargetGroupArn, draining])
    .apply(([serving, previous]) => servingForward(serving, previous));
  const serving = args.route(forward, { parent, dependsOn: [args.group, gate] });
  const retire = new ReleaseRetire(
    `${name}-retire`,
    {
      connection: args.connection,
      fleetTag: args.fleetTag,
      servingRelease: gate.servingRelease,
      servingTargetGroupArn: gate.servingTargetGroupArn,
      drainingTargetGroupArn: draining,
      servingImageRef: gate.servingImageRef,
      stackTag: `${pulumi.getProject()}/${pulumi.getStack()}`,
      desiredCount: args.desiredCount,
      bake:
        policy && policy.bakeSeconds > 0
          ? pulumi.all(args.listenerArns).apply((listenerArns) => ({
              rollout: policy,
              listenerArns,
              pollSeconds: args.pollSeconds ?? 5,
            }))
          : undefined,
    },
    { parent, dependsOn: serving },
  );
  const rollout = pulumi
    .all([gate.servingRelease, gate.canary, retire.baked])
    .apply(([release, canary, baked]) => rolloutRecord(release, canary, baked));
  return { gate, serving, retire, rollout };
}

/** Arguments of {@link releaseTeardown}. */
export interface TeardownArgs {
  readonly connection: pulumi.Input<AwsConnection>;
  /** `<project>/<stack>/<fleet>`. */
  readonly fleetTag: string;
  /**
   * What holds the instances' security group (the launch template): the teardown depends on it, so
   * a destroy deletes it only after every instance of the fleet was terminated (a security group
   * that an instance's network interface still uses cannot be deleted: DependencyViolation).
   */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The step that deletes every release of the fleet when the fleet is destroyed (groups and target
 * groups are retained on delete). Every release's target group must depend on it
 * ({@link ReleaseTargetGroupArgs.dependsOn}), so the rules and groups that use one are gone first.
 */
export function releaseTeardown(
  name: string,
  args: TeardownArgs,
  parent: pulumi.Resource,
): ReleaseTeardown {
  return new ReleaseTeardown(
    name,
    { connection: args.connection, fleetTag: args.fleetTag },
    { parent, dependsOn: args.dependsOn },
  );
}
