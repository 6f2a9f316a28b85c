import type * as AutoScaling from "@aws-sdk/client-auto-scaling";
import type * as Elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  FLEET_TAG_KEY,
  type GroupSnapshot,
  type TargetGroupSnapshot,
  type TargetHealthSnapshot,
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
    }));
  } finally {
    client.destroy();
  }
}

/** Scales a group to zero instances (a failed candidate stops churning, and costs nothing). */
export async function scaleToZero(c: AwsConnection, groupName: string): Promise<void> {
  const { as } = sdks();
  const client = new as.AutoScalingClient(clientConfig(c));
  try {
    await client.send(
      new as.UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: groupName,
        MinSize: 0,
        DesiredCapacity: 0,
      }),
    );
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

/**
 * Drains one group: detaches it from its target groups (the load balancer deregisters its
 * instances), waits until they have left (at most the target groups' deregistration delay), then
 * deletes the group and its instances. A group already gone counts as drained.
 */
export async function drainAndDelete(c: AwsConnection, group: GroupSnapshot): Promise<void> {
  const { as, elb } = sdks();
  const autoscaling = new as.AutoScalingClient(clientConfig(c));
  const lb = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    let delaySeconds = 0;
    for (const arn of group.targetGroupArns) {
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
    // Until every instance of the group has left its target groups (the load balancer reports it
    // draining, then drops it), bounded by the deregistration delay plus a margin.
    const deadline = Date.now() + (delaySeconds + 30) * 1000;
    while (Date.now() < deadline) {
      let registered = 0;
      for (const arn of group.targetGroupArns) {
        const targets = await targetHealth(c, arn).catch((err: unknown) => {
          if (isMissing(err)) return [];
          throw err;
        });
        registered += targets.filter(
          (t) => group.instanceIds.includes(t.id) && t.state !== "unused",
        ).length;
      }
      if (registered === 0) break;
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
  } finally {
    autoscaling.destroy();
    lb.destroy();
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
