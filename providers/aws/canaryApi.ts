import type * as CloudWatch from "@aws-sdk/client-cloudwatch";
import type * as Elbv2 from "@aws-sdk/client-elastic-load-balancing-v2";
import { SERVING_RULE_PRIORITY, type WeightedTarget } from "../../lib/aws/release";
import {
  ALB_NAMESPACE,
  CANARY_METRICS,
  METRIC_PERIOD_SECONDS,
  type AlarmSnapshot,
  periodStart,
  tallyOf,
} from "../../lib/aws/canary";
import type { Tally } from "../../lib/rollout/analysis";
import { type AwsConnection, clientConfig } from "./awsConnection";

/**
 * The AWS calls of a canary and a bake: the candidate's load balancer metrics, the user's alarms,
 * and the serving rules' weights. Clients are created per call (the providers are serialized into
 * the state; SDK packages are required by name).
 */

function sdks() {
  return {
    cw: require("@aws-sdk/client-cloudwatch") as typeof CloudWatch,
    elb: require("@aws-sdk/client-elastic-load-balancing-v2") as typeof Elbv2,
  };
}

/**
 * The tally of a target group since `sinceMs`: the Sum of RequestCount, HTTPCode_Target_5XX_Count
 * and TargetConnectionErrorCount over the 60 s periods from the one `sinceMs` falls in up to now
 * (GetMetricData, namespace AWS/ApplicationELB, dimensions TargetGroup and LoadBalancer). A metric
 * the load balancer did not report (no requests, no errors) counts 0.
 */
export async function targetGroupTally(
  c: AwsConnection,
  dimensions: { TargetGroup: string; LoadBalancer: string },
  sinceMs: number,
): Promise<Tally> {
  const { cw } = sdks();
  const client = new cw.CloudWatchClient(clientConfig(c));
  try {
    const Dimensions = [
      { Name: "TargetGroup", Value: dimensions.TargetGroup },
      { Name: "LoadBalancer", Value: dimensions.LoadBalancer },
    ];
    const keys = Object.keys(CANARY_METRICS) as (keyof typeof CANARY_METRICS)[];
    const sums = { requests: 0, failed5xx: 0, connectionErrors: 0 };
    const period = METRIC_PERIOD_SECONDS * 1000;
    let NextToken: string | undefined;
    do {
      const res = await client.send(
        new cw.GetMetricDataCommand({
          StartTime: new Date(periodStart(sinceMs)),
          // The end of the period now falls in: the datapoint being filled counts too.
          EndTime: new Date(periodStart(Date.now()) + period),
          MetricDataQueries: keys.map((k) => ({
            Id: k.toLowerCase(),
            MetricStat: {
              Metric: { Namespace: ALB_NAMESPACE, MetricName: CANARY_METRICS[k], Dimensions },
              Period: METRIC_PERIOD_SECONDS,
              Stat: "Sum",
            },
            ReturnData: true,
          })),
          NextToken,
        }),
      );
      for (const r of res.MetricDataResults ?? []) {
        const key = keys.find((k) => k.toLowerCase() === r.Id);
        if (key) sums[key] += (r.Values ?? []).reduce((s, v) => s + v, 0);
      }
      NextToken = res.NextToken;
    } while (NextToken);
    return tallyOf(sums);
  } finally {
    client.destroy();
  }
}

/** The state of each named alarm that exists (DescribeAlarms takes up to 100 names a call). */
export async function alarmStates(
  c: AwsConnection,
  names: readonly string[],
): Promise<AlarmSnapshot[]> {
  if (names.length === 0) return [];
  const { cw } = sdks();
  const client = new cw.CloudWatchClient(clientConfig(c));
  try {
    const out: AlarmSnapshot[] = [];
    for (let i = 0; i < names.length; i += 100) {
      let NextToken: string | undefined;
      do {
        const res = await client.send(
          new cw.DescribeAlarmsCommand({
            AlarmNames: names.slice(i, i + 100),
            AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
            NextToken,
          }),
        );
        for (const a of [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])]) {
          out.push({ name: a.AlarmName ?? "", state: a.StateValue ?? "" });
        }
        NextToken = res.NextToken;
      } while (NextToken);
    }
    return out;
  } finally {
    client.destroy();
  }
}

/**
 * Sets the forward action of the serving rule (priority {@link SERVING_RULE_PRIORITY}) of every
 * listener to `forward` (ModifyRule replaces the rule's actions). A listener without a serving rule
 * is an error: there is nothing to shift.
 */
export async function setServingForward(
  c: AwsConnection,
  listenerArns: readonly string[],
  forward: readonly WeightedTarget[],
): Promise<void> {
  const { elb } = sdks();
  const client = new elb.ElasticLoadBalancingV2Client(clientConfig(c));
  try {
    for (const ListenerArn of listenerArns) {
      const rules: Elbv2.Rule[] = [];
      let Marker: string | undefined;
      do {
        const page = await client.send(new elb.DescribeRulesCommand({ ListenerArn, Marker }));
        rules.push(...(page.Rules ?? []));
        Marker = page.NextMarker;
      } while (Marker);
      const rule = rules.find((r) => r.Priority === String(SERVING_RULE_PRIORITY));
      if (!rule?.RuleArn) {
        throw new Error(
          `listener ${ListenerArn} has no serving rule (priority ${SERVING_RULE_PRIORITY})`,
        );
      }
      await client.send(
        new elb.ModifyRuleCommand({
          RuleArn: rule.RuleArn,
          Actions: [
            {
              Type: "forward",
              ForwardConfig: {
                TargetGroups: forward.map((t) => ({ TargetGroupArn: t.arn, Weight: t.weight })),
              },
            },
          ],
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
