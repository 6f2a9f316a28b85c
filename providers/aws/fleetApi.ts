import type * as AutoScaling from "@aws-sdk/client-auto-scaling";
import type * as Elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  FLEET_TAG_KEY,
  SERVING_RULE_PRIORITY,
  type GroupSnapshot,
  type TargetGroupSnapshot,
  type TargetHealthSnapshot,
  type WeightedTarget,
  notYetLeft,
} from "../../lib/aws/release";
import { type AwsConnection, clientConfig, pause, tagRecord } from "./awsConnection";

/**
 * The AWS calls of the release gate and the retire, each creating its clients when called (the
 * providers are serialized into the state; SDK packages are required by name).
 */

function sdks() {
  return {
    as: require("@aws-sdk/client-auto-scaling") as typeof AutoScaling,
    elb: require("@aws-sdk/client-elastic-load-balancing-v2") as typeof Elbv2,
  };
}

/** Every Auto Scaling group tagged with the fleet. */
export async function fleetGroups(c: AwsConnection, fleetTag: string): Promise<GroupSnapshot[]> {
  const { as } = sdks();
  const client = new as.AutoScalingClient(clientConfig(c));
  try {
    const out: GroupSnapshot[] = [];
    const Filters = [{ Name: `tag:${FLEET_TAG_KEY}`, Values: [fleetTag] }];
    for await (const page of as.paginateDescribeAutoScalingGroups({ client }, { Filters })) {
      for (const g of page.AutoScalingGroups ?? []) {
        out.push({
          name: g.AutoScalingGroupName ?? "",
          targetGroupArns: g.TargetGroupARNs ?? [],
          tags: tagRecord(g.Tags),
          instanceIds: (g.Instances ?? [])
            .filter((i) => i.LifecycleState === "InService")
            .map((i) => i.InstanceId ?? ""),
          desiredCapacity: g.DesiredCapacity,
          minSize: g.MinSize,
        });
      }
    }
    return out;
  } finally {
    client.destroy();
  }
}

/** Every target group tagged with the fleet (DescribeTags takes 20 ARNs at a time). */
export async function fleetTargetGroups(
  c: AwsConnection,
  fleetTag: string,
): Promise<TargetGroupSnapshot[]> {
  const { elb } = sdks();
  const client = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    const arns: string[] = [];
    for await (const page of elb.paginateDescribeTargetGroups({ client }, {})) {
      for (const t of page.TargetGroups ?? []) if (t.TargetGroupArn) arns.push(t.TargetGroupArn);
    }
    const out: TargetGroupSnapshot[] = [];
    for (let i = 0; i < arns.length; i += 20) {
      const ResourceArns = arns.slice(i, i + 20);
      const res = await client.send(new elb.DescribeTagsCommand({ ResourceArns }));
      for (const d of res.TagDescriptions ?? []) {
        const tags = tagRecord(d.Tags);
        if (d.ResourceArn && tags[FLEET_TAG_KEY] === fleetTag) {
          out.push({ arn: d.ResourceArn, tags });
        }
      }
    }
    return out;
  } finally {
    client.destroy();
  }
}

/** The targets of a target group and their health. */
export async function targetHealth(
  c: AwsConnection,
  targetGroupArn: string,
): Promise<TargetHealthSnapshot[]> {
  const { elb } = sdks();
  const client = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    const res = await client.send(
      new elb.DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
    );
    return (res.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? "",
      state: d.TargetHealth?.State ?? "unknown",
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
    }));
  } finally {
    client.destroy();
  }
}

/** Sets a group's MinSize and DesiredCapacity (0 and 0: a failed candidate stops, costs nothing). */
export async function scaleGroup(
  c: AwsConnection,
  groupName: string,
  size: { minSize: number; desiredCapacity: number },
): Promise<void> {
  const { as } = sdks();
  const client = new as.AutoScalingClient(clientConfig(c));
  try {
    await client.send(
      new as.UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        MinSize: size.minSize,
        DesiredCapacity: size.desiredCapacity,
      }),
    );
  } finally {
    client.destroy();
  }
}

/**
 * What the serving rule (priority {@link SERVING_RULE_PRIORITY}) of each listener forwards to, by
 * listener ARN: its weighted target groups, or undefined when the listener has no serving rule yet.
 */
export async function servingRuleForwards(
  c: AwsConnection,
  listenerArns: readonly string[],
): Promise<Record<string, WeightedTarget[] | undefined>> {
  const { elb } = sdks();
  const client = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    const out: Record<string, WeightedTarget[] | undefined> = {};
    for (const ListenerArn of listenerArns) {
      const rules: Elbv2.Rule[] = [];
      let Marker: string | undefined;
      do {
        const page = await client.send(new elb.DescribeRulesCommand({ ListenerArn, Marker }));
        rules.push(...(page.Rules ?? []));
        Marker = page.NextMarker;
      } while (Marker);
      const rule = rules.find((r) => r.Priority === String(SERVING_RULE_PRIORITY));
      const forward = rule?.Actions?.find((a) => a.Type === "forward");
      out[ListenerArn] = forward
        ? forward.ForwardConfig?.TargetGroups?.length
          ? forward.ForwardConfig.TargetGroups.map((t) => ({
              arn: t.TargetGroupArn ?? "",
              weight: t.Weight ?? 1,
            }))
          : [{ arn: forward.TargetGroupArn ?? "", weight: 1 }]
        : undefined;
    }
    return out;
  } finally {
    client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    e.name === "TargetGroupNotFoundException" ||
    e.name === "TargetGroupNotFound" ||
    /not found|does not exist|No group found/i.test(e.message ?? "")
  );
}

/** The longest deregistration delay (s) of these target groups; 300 (AWS's default) if unset. */
async function deregistrationDelay(c: AwsConnection, arns: readonly string[]): Promise<number> {
  const { elb } = sdks();
  const lb = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    let delaySeconds = 0;
    for (const arn of arns) {
      try {
        const attrs = await lb.send(
          new elb.DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }),
        );
        const delay = attrs.Attributes?.find(
          (a) => a.Key === "deregistration_delay.timeout_seconds",
        )?.Value;
        delaySeconds = Math.max(delaySeconds, Number(delay ?? 300));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return delaySeconds;
  } finally {
    lb.destroy();
  }
}

/** How long past the deregistration delay a drain may take before the retire gives up on it. */
export const DRAIN_MARGIN_SECONDS = 30;

/**
 * Drains one group and deletes it: detaches it from its target groups (the load balancer
 * deregisters its instances), waits until none of its instances is still listed in any of
 * `watchArns` other than `unused` (they are `draining` for the deregistration delay, then leave),
 * and only then deletes the group with its instances and waits until the group is gone (its
 * instances terminated, so their network interfaces no longer hold the security group). Past the
 * deregistration delay plus {@link DRAIN_MARGIN_SECONDS} it fails without deleting anything; the
 * next run starts again (a group already gone counts as deleted).
 */
export async function drainAndDelete(
  c: AwsConnection,
  group: GroupSnapshot,
  watchArns: readonly string[],
): Promise<void> {
  const { as } = sdks();
  const autoscaling = new as.AutoScalingClient(clientConfig(c));
  try {
    const watched = [...new Set([...group.targetGroupArns, ...watchArns])];
    const delaySeconds = await deregistrationDelay(c, watched);
    if (group.targetGroupArns.length > 0) {
      try {
        await autoscaling.send(
          new as.DetachLoadBalancerTargetGroupsCommand({
            AutoScalingGroupName: group.name,
            TargetGroupARNs: [...group.targetGroupArns],
          }),
        );
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    const deadline = Date.now() + (delaySeconds + DRAIN_MARGIN_SECONDS) * 1000;
    for (;;) {
      const left: string[] = [];
      for (const arn of watched) {
        const targets = await targetHealth(c, arn).catch((err: unknown) => {
          if (isMissing(err)) return [];
          throw err;
        });
        left.push(...notYetLeft(group.instanceIds, targets).map((t) => `${t.id}=${t.state}`));
      }
      if (left.length === 0) break;
      if (Date.now() >= deadline) {
        throw new Error(
          `retire: group ${group.name} still has targets on the load balancer ` +
            `(${left.join(", ")}) ` +
            `${delaySeconds + DRAIN_MARGIN_SECONDS}s after it was detached (deregistration delay ` +
            `${delaySeconds}s); nothing was deleted. Run \`pulumi up\` again to retry the drain.`,
        );
      }
      await pause(1000);
    }
    try {
      await autoscaling.send(
        new as.DeleteAutoScalingGroupCommand({
          AutoScalingGroupName: group.name,
          ForceDelete: true,
        }),
      );
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    await waitGroupGone(c, group.name);
  } finally {
    autoscaling.destroy();
  }
}

/** How long a deleted group may take to terminate its instances and disappear. */
export const GROUP_DELETE_TIMEOUT_SECONDS = 600;

/**
 * Waits until DescribeAutoScalingGroups no longer lists the group. A ForceDelete returns before the
 * instances are terminated ("Specifies that the group is to be deleted along with all instances
 * associated with the group, without waiting for all instances to be terminated.",
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html); the
 * group stays listed ("Delete in progress") until they are.
 */
export async function waitGroupGone(c: AwsConnection, groupName: string): Promise<void> {
  const { as } = sdks();
  const client = new as.AutoScalingClient(clientConfig(c));
  try {
    const deadline = Date.now() + GROUP_DELETE_TIMEOUT_SECONDS * 1000;
    for (;;) {
      const res = await client.send(
        new as.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
      );
      if ((res.AutoScalingGroups ?? []).length === 0) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `group ${groupName} still exists ${GROUP_DELETE_TIMEOUT_SECONDS}s after it was ` +
            `deleted (status ${res.AutoScalingGroups?.[0]?.Status ?? "unknown"}); run the ` +
            `command again once it is gone (aws autoscaling describe-auto-scaling-groups ` +
            `--auto-scaling-group-names ${groupName})`,
        );
      }
      await pause(2000);
    }
  } finally {
    client.destroy();
  }
}

/** Deletes a target group no listener uses any more; one already gone counts as deleted. */
export async function deleteTargetGroup(c: AwsConnection, arn: string): Promise<void> {
  const { elb } = sdks();
  const client = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    await client.send(new elb.DeleteTargetGroupCommand({ TargetGroupArn: arn }));
  } catch (err) {
    if (!isMissing(err)) throw err;
  } finally {
    client.destroy();
  }
}
