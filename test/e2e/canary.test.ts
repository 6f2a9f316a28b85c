/**
 * The canary steps of the release gate and the bake of the retire against moto: the test writes the
 * candidate target group's load balancer metrics (PutMetricData, namespace AWS/ApplicationELB,
 * dimensions TargetGroup and LoadBalancer, as the load balancer publishes them every 60 s) and the
 * alarms' states (SetAlarmState), and reads what the real providers did to the serving rule's
 * weights and the groups.
 */
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { AddTagsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RELEASE_TAG_KEY } from "../../lib/aws/release";
import { RolloutSchema } from "../../lib/rollout/policy";
import { releaseGateProvider } from "../../providers/aws/releaseGate";
import { releaseRetireProvider } from "../../providers/aws/releaseRetire";
import { type Moto, startMoto } from "./moto";
import { releaseWorld } from "./releaseWorld";
import { servingForwardOf, startTraffic } from "./albTraffic";

const REGION = "us-east-1";
const RELEASE_A = "a".repeat(12);
const RELEASE_B = "b".repeat(12);
let moto: Moto;
let conn: { region: string; endpoint: string; profile: string; roleArn: string };
const world = releaseWorld(() => moto.endpoint);

beforeAll(async () => {
  moto = await startMoto();
  conn = { region: REGION, endpoint: moto.endpoint, profile: "", roleArn: "" };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

const forwardNow = (listenerArn: string) => servingForwardOf(moto.endpoint, listenerArn);

/** Traffic on the serving rule, with `failing[arn](share)` of each target group's requests failed. */
const traffic = (listenerArn: string, failing: Record<string, (share: number) => number>) =>
  startTraffic({
    endpoint: moto.endpoint,
    listenerArn,
    failing: (arn, share) => failing[arn]?.(share) ?? 0,
  });

let running: ReturnType<typeof traffic> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const policy = (raw: unknown) => RolloutSchema.parse(raw);

/** A live release A and a healthy candidate B (2 instances each), the serving rule on A alone. */
async function fleet(prefix: string) {
  const fleetTag = `phoenix/unit/${prefix}`;
  const net = await world.network();
  const live = await world.targetGroup(`${prefix}-live`, fleetTag);
  const cand = await world.targetGroup(`${prefix}-cand`, fleetTag);
  // Each target group carries its release id, as the fleet's do (the rollback names it).
  for (const [arn, release] of [
    [live, RELEASE_A],
    [cand, RELEASE_B],
  ]) {
    await world.clients().elb.send(
      new AddTagsCommand({
        ResourceArns: [arn],
        Tags: [{ Key: RELEASE_TAG_KEY, Value: release }],
      }),
    );
  }
  await world.group({ name: `${prefix}-live`, tg: live, fleetTag, count: 2, net });
  await world.group({ name: `${prefix}-cand`, tg: cand, fleetTag, count: 2, net });
  const gate = {
    ...conn,
    fleetTag,
    release: RELEASE_B,
    imageRef: "",
    targetGroupArn: cand,
    desiredCount: 2,
    minSize: 2,
    listenerArns: [net.listenerArn],
    timeoutSeconds: 5,
    pollSeconds: 0.2,
    settleSeconds: 0,
  };
  const olds = {
    ...gate,
    release: RELEASE_A,
    targetGroupArn: live,
    servingRelease: RELEASE_A,
    servingTargetGroupArn: live,
    servingImageRef: "",
    drainingTargetGroupArn: "",
  };
  return { fleetTag, net, live, cand, gate, olds };
}

const sizes = async (fleetTag: string) =>
  Object.fromEntries((await world.groupsOf(fleetTag)).map((g) => [g.name, g.desired]));

describe("the release gate's canary steps against moto", () => {
  const rollout = policy({
    steps: [
      { percent: 10, seconds: 2 },
      { percent: 50, seconds: 2 },
    ],
    minRequests: 10,
  });

  it("moves the weights step by step, judges each on the candidate's metrics, then switches", async () => {
    const f = await fleet("steps");
    await world.servingRule(f.net.listenerArn, [{ arn: f.live, weight: 1 }]);
    running = traffic(f.net.listenerArn, {});
    const passed = await releaseGateProvider.update!(f.fleetTag, f.olds, { ...f.gate, rollout });
    expect(passed.outs).toMatchObject({
      servingTargetGroupArn: f.cand,
      drainingTargetGroupArn: f.live,
    });
    expect(passed.outs?.canary?.map((w) => [w.phase, w.percent, w.result])).toEqual([
      ["canary", 10, "passed"],
      ["canary", 50, "passed"],
    ]);
    expect(passed.outs?.canary?.every((w) => w.requests >= 10 && w.failed === 0)).toBe(true);
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.cand, weight: 1 },
      { arn: f.live, weight: 0 },
    ]);
    // One more round of traffic sees the switch.
    await new Promise((r) => setTimeout(r, 600));
    await running.stop();
    expect(running.seen()).toEqual([
      [{ arn: f.live, weight: 1 }],
      [
        { arn: f.live, weight: 90 },
        { arn: f.cand, weight: 10 },
      ],
      [
        { arn: f.live, weight: 50 },
        { arn: f.cand, weight: 50 },
      ],
      [
        { arn: f.cand, weight: 1 },
        { arn: f.live, weight: 0 },
      ],
    ]);
  }, 60_000);

  it("rolls back a candidate that passes health but breaches a canary step: weight 0, scaled to 0", async () => {
    const f = await fleet("breach");
    await world.servingRule(f.net.listenerArn, [{ arn: f.live, weight: 1 }]);
    running = traffic(f.net.listenerArn, { [f.cand]: () => 0.3 });
    await expect(
      releaseGateProvider.update!(f.fleetTag, f.olds, { ...f.gate, rollout }),
    ).rejects.toThrow(
      /^canary 10%: \d+ of \d+ requests failed \(\d+\.\d%\) > 1%.*: rolled back; release a{12} still serves 100%$/,
    );
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "breach-live": 2, "breach-cand": 0 });
  }, 60_000);

  it("rolls back when a named alarm goes into ALARM during a step", async () => {
    const f = await fleet("alarm");
    await world.servingRule(f.net.listenerArn, [{ arn: f.live, weight: 1 }]);
    const cw = new CloudWatchClient({ region: REGION, endpoint: moto.endpoint });
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "web-p99",
        Namespace: "AWS/ApplicationELB",
        MetricName: "TargetResponseTime",
        Statistic: "Average",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
    running = traffic(f.net.listenerArn, {});
    const verdict = releaseGateProvider.update!(f.fleetTag, f.olds, {
      ...f.gate,
      rollout: { ...rollout, alarms: ["web-p99"] },
    });
    await new Promise((r) => setTimeout(r, 1000));
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: "web-p99", StateValue: "ALARM", StateReason: "test" }),
    );
    await expect(verdict).rejects.toThrow(
      /^canary 10%: CloudWatch alarm\(s\) web-p99 in ALARM \(phoenix:rollout\.alarms\): rolled back; release a{12} still serves 100%$/,
    );
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "alarm-live": 2, "alarm-cand": 0 });
  }, 60_000);

  it("fails before shifting any request when a named alarm does not exist", async () => {
    const f = await fleet("noalarm");
    await world.servingRule(f.net.listenerArn, [{ arn: f.live, weight: 1 }]);
    await expect(
      releaseGateProvider.update!(f.fleetTag, f.olds, {
        ...f.gate,
        rollout: { ...rollout, alarms: ["web-typo"] },
      }),
    ).rejects.toThrow(
      /^phoenix:rollout\.alarms: no CloudWatch alarm named "web-typo" in us-east-1/,
    );
    expect(await forwardNow(f.net.listenerArn)).toEqual([{ arn: f.live, weight: 1 }]);
  }, 60_000);

  it("rolls back a step that ends with too few requests twice (inconclusive: fail)", async () => {
    const f = await fleet("quiet");
    await world.servingRule(f.net.listenerArn, [{ arn: f.live, weight: 1 }]);
    await expect(
      releaseGateProvider.update!(f.fleetTag, f.olds, {
        ...f.gate,
        rollout: policy({ steps: [{ percent: 10, seconds: 1 }], minRequests: 10 }),
      }),
    ).rejects.toThrow(/^canary 10%: only 0 requests in 2 s, fewer than minRequests \(10\)/);
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "quiet-live": 2, "quiet-cand": 0 });
  }, 60_000);

  it("starts over from the release before a canary step a killed run left, and converges", async () => {
    const f = await fleet("killed");
    // A run died during a 90% step: the rule carries the step's weights (the candidate the larger
    // share), the gate's state the release before.
    await world.servingRule(f.net.listenerArn, [
      { arn: f.live, weight: 10 },
      { arn: f.cand, weight: 90 },
    ]);
    running = traffic(f.net.listenerArn, {});
    const passed = await releaseGateProvider.update!(f.fleetTag, f.olds, { ...f.gate, rollout });
    expect(passed.outs).toMatchObject({
      servingTargetGroupArn: f.cand,
      drainingTargetGroupArn: f.live,
    });
    expect(passed.outs?.canary).toHaveLength(2);
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.cand, weight: 1 },
      { arn: f.live, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "killed-live": 2, "killed-cand": 2 });
  }, 60_000);

  it("takes the share a killed canary left from a candidate that is no longer healthy", async () => {
    const f = await fleet("dead");
    await world.servingRule(f.net.listenerArn, [
      { arn: f.live, weight: 50 },
      { arn: f.cand, weight: 50 },
    ]);
    await world.stopInstancesOf("dead-cand");
    await expect(
      releaseGateProvider.update!(f.fleetTag, f.olds, { ...f.gate, timeoutSeconds: 1, rollout }),
    ).rejects.toThrow(
      /release b{12}: 0\/2 targets healthy .* after 1s; the listener still forwards to/,
    );
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "dead-live": 2, "dead-cand": 0 });
  }, 60_000);

  it("writes the switch itself when a rule already names the candidate, even without a rollout", async () => {
    const f = await fleet("rewrite");
    // A bake rolled back earlier: the engine's record of the rule already says [B:1, A:0].
    await world.servingRule(f.net.listenerArn, [
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    await releaseGateProvider.update!(f.fleetTag, f.olds, f.gate);
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.cand, weight: 1 },
      { arn: f.live, weight: 0 },
    ]);
  }, 60_000);
});

describe("the retire's bake against moto", () => {
  /** B switched in (the rule [B:1, A:0]), A still registered and warm, as the gate leaves them. */
  async function switched(prefix: string) {
    const f = await fleet(prefix);
    await world.servingRule(f.net.listenerArn, [
      { arn: f.cand, weight: 1 },
      { arn: f.live, weight: 0 },
    ]);
    const props = {
      ...conn,
      fleetTag: f.fleetTag,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: f.cand,
      drainingTargetGroupArn: f.live,
      servingImageRef: "",
      stackTag: "phoenix/unit",
      desiredCount: 2,
      bake: {
        rollout: policy({ bakeSeconds: 3, minRequests: 10 }),
        listenerArns: [f.net.listenerArn],
        pollSeconds: 0.2,
      },
    };
    const olds = {
      ...props,
      servingRelease: RELEASE_A,
      servingTargetGroupArn: f.live,
      drainingTargetGroupArn: "",
      retiredGroups: [],
      retiredTargetGroups: [],
      liveTag: "",
    };
    return { ...f, props, olds };
  }

  it("keeps the previous release warm for the bake, then retires it", async () => {
    const f = await switched("bake");
    running = traffic(f.net.listenerArn, {});
    const started = Date.now();
    const retired = releaseRetireProvider.update!(f.fleetTag, f.olds, f.props);
    await new Promise((r) => setTimeout(r, 2000));
    // Mid-bake: the previous release still runs at full size.
    expect(await sizes(f.fleetTag)).toEqual({ "bake-live": 2, "bake-cand": 2 });
    const done = await retired;
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(done.outs?.baked?.map((w) => [w.phase, w.percent, w.result])).toEqual([
      ["bake", 100, "passed"],
    ]);
    expect(done.outs?.retiredGroups).toEqual(["bake-live"]);
  }, 60_000);

  it("switches back to the previous release when B breaches during the bake, and fails", async () => {
    const f = await switched("sour");
    // B fails only once it takes every request.
    running = traffic(f.net.listenerArn, { [f.cand]: (share) => (share === 1 ? 0.5 : 0) });
    await expect(releaseRetireProvider.update!(f.fleetTag, f.olds, f.props)).rejects.toThrow(
      /^bake: \d+ of \d+ requests failed \(\d+\.\d%\) > 1%.*: rolled back; release a{12} still serves 100%$/,
    );
    expect(await forwardNow(f.net.listenerArn)).toEqual([
      { arn: f.live, weight: 1 },
      { arn: f.cand, weight: 0 },
    ]);
    expect(await sizes(f.fleetTag)).toEqual({ "sour-live": 2, "sour-cand": 0 });
  }, 60_000);

  it("bakes a serving release once: the same release retired again does not wait", async () => {
    const f = await switched("once");
    const started = Date.now();
    const again = await releaseRetireProvider.update!(
      f.fleetTag,
      { ...f.olds, servingRelease: RELEASE_B },
      f.props,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(again.outs?.retiredGroups).toEqual(["once-live"]);
  }, 60_000);
});
