/**
 * Stands in for the requests a load balancer carries and the metrics it publishes from them, which
 * moto does not model: every 200 ms each target group of a listener's serving rule with a weight
 * gets its share of 100 requests in RequestCount, and `failing(arn, share)` of them in
 * HTTPCode_Target_5XX_Count (namespace AWS/ApplicationELB, dimensions TargetGroup and LoadBalancer:
 * what the gate and the retire read, see lib/aws/canary.ts). It writes to moto directly.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { metricDimensions } from "../../lib/aws/canary";
import { SERVING_RULE_PRIORITY, type WeightedTarget } from "../../lib/aws/release";

const REGION = "us-east-1";

/** The serving rule's weighted target groups now ([] without a serving rule). */
export async function servingForwardOf(
  endpoint: string,
  listenerArn: string,
): Promise<WeightedTarget[]> {
  const elb = new ElasticLoadBalancingV2Client({ region: REGION, endpoint });
  const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
  const rule = rules.Rules?.find((r) => r.Priority === String(SERVING_RULE_PRIORITY));
  const action = rule?.Actions?.[0];
  return (
    action?.ForwardConfig?.TargetGroups?.map((t) => ({
      arn: t.TargetGroupArn ?? "",
      weight: t.Weight ?? 1,
    })) ?? (action?.TargetGroupArn ? [{ arn: action.TargetGroupArn, weight: 1 }] : [])
  );
}

/** A running traffic stand-in. */
export interface Traffic {
  /** Every distinct forward action it saw, in order. */
  seen(): WeightedTarget[][];
  stop(): Promise<void>;
}

/** Starts writing traffic for `listenerArn`'s serving rule until stopped. */
export function startTraffic(p: {
  endpoint: string;
  listenerArn: string;
  /** Failed share of a target group's requests while it gets `share` of all of them. */
  failing: (arn: string, share: number) => number | Promise<number>;
}): Traffic {
  const cw = new CloudWatchClient({ region: REGION, endpoint: p.endpoint });
  const seen: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const forward = await servingForwardOf(p.endpoint, p.listenerArn);
      const key = JSON.stringify(forward);
      if (forward.length > 0 && seen[seen.length - 1] !== key) seen.push(key);
      const total = forward.reduce((s, t) => s + t.weight, 0);
      for (const t of forward.filter((x) => x.weight > 0)) {
        const share = t.weight / total;
        const requests = Math.round(100 * share);
        const failed = Math.round(requests * (await p.failing(t.arn, share)));
        const d = metricDimensions(t.arn, p.listenerArn);
        const Dimensions = [
          { Name: "TargetGroup", Value: d.TargetGroup },
          { Name: "LoadBalancer", Value: d.LoadBalancer },
        ];
        await cw.send(
          new PutMetricDataCommand({
            Namespace: "AWS/ApplicationELB",
            MetricData: [
              { MetricName: "RequestCount", Dimensions, Value: requests, Unit: "Count" },
              ...(failed > 0
                ? [{ MetricName: "HTTPCode_Target_5XX_Count", Dimensions, Value: failed }]
                : []),
            ],
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    seen: () => seen.map((s) => JSON.parse(s) as WeightedTarget[]),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
