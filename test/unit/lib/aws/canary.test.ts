import { describe, expect, it } from "vitest";
import {
  alarmMessage,
  alarmVerdict,
  canaryForward,
  gateWritesSwitch,
  metricDimensions,
  missingAlarmsMessage,
  periodStart,
  rollbackForward,
  rolloutRecord,
  rolloutTimingWarnings,
  servingOf,
  tallyOf,
} from "../../../../lib/aws/canary";
import { liveTargetGroup, servingForward } from "../../../../lib/aws/release";
import { RolloutSchema } from "../../../../lib/rollout/policy";

const TG = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef`;
const LISTENER =
  "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-front-1a2b3c4/50dc6c495c0c9188/f2f7dc8efc522ab2";

describe("metricDimensions", () => {
  it("names the target group and the load balancer by the final portion of their ARNs", () => {
    expect(metricDimensions(TG("web-tg-9f8e7d6"), LISTENER)).toEqual({
      TargetGroup: "targetgroup/web-tg-9f8e7d6/0123456789abcdef",
      LoadBalancer: "app/web-front-1a2b3c4/50dc6c495c0c9188",
    });
  });

  it("rejects an ARN that is not a target group or an ALB listener", () => {
    expect(() => metricDimensions("tg", LISTENER)).toThrow(/not a target group ARN: "tg"/);
    expect(() => metricDimensions(TG("a"), LISTENER.replace("/app/", "/net/"))).toThrow(
      /not an Application Load Balancer listener ARN/,
    );
  });
});

describe("canaryForward", () => {
  it("gives the candidate each step's percent and the serving release the rest", () => {
    for (const percent of [1, 10, 50, 99]) {
      const f = canaryForward({ serving: "a", draining: "z", candidate: "b", percent });
      expect(f).toEqual([
        { arn: "a", weight: 100 - percent },
        { arn: "b", weight: percent },
        { arn: "z", weight: 0 },
      ]);
      // Weights within TargetGroupTuple's 0 to 999, summing to 100: shares in percent.
      expect(f.every((t) => t.weight >= 0 && t.weight <= 999)).toBe(true);
      expect(f.reduce((s, t) => s + t.weight, 0)).toBe(100);
    }
  });

  it("keeps no weight-0 entry when nothing drains, and never names a target group twice", () => {
    expect(canaryForward({ serving: "a", draining: "", candidate: "b", percent: 20 })).toEqual([
      { arn: "a", weight: 80 },
      { arn: "b", weight: 20 },
    ]);
    expect(canaryForward({ serving: "a", draining: "b", candidate: "b", percent: 20 })).toEqual([
      { arn: "a", weight: 80 },
      { arn: "b", weight: 20 },
    ]);
  });

  it("refuses a share outside 1 to 99", () => {
    for (const percent of [0, 100, 12.5]) {
      expect(() => canaryForward({ serving: "a", draining: "", candidate: "b", percent })).toThrow(
        /whole number from 1 to 99/,
      );
    }
  });
});

describe("rollbackForward", () => {
  it("sends everything back to the previous release and keeps the candidate at weight 0", () => {
    expect(rollbackForward({ previous: "a", candidate: "b", draining: "z" })).toEqual([
      { arn: "a", weight: 1 },
      { arn: "z", weight: 0 },
      { arn: "b", weight: 0 },
    ]);
    expect(rollbackForward({ previous: "a", candidate: "b", draining: "" })).toEqual([
      { arn: "a", weight: 1 },
      { arn: "b", weight: 0 },
    ]);
    expect(liveTargetGroup(rollbackForward({ previous: "a", candidate: "b", draining: "" }))).toBe(
      "a",
    );
  });
});

describe("servingOf", () => {
  it("reads the release before a canary step as serving, whatever share the candidate got", () => {
    for (const percent of [10, 50, 90]) {
      const f = canaryForward({ serving: "a", draining: "z", candidate: "b", percent });
      expect(servingOf(f, "b")).toEqual({ live: "a", zero: "z" });
    }
  });

  it("reads the candidate as serving once nothing else has weight, with the release at 0", () => {
    expect(servingOf(servingForward("b", "a"), "b")).toEqual({ live: "b", zero: "a" });
    expect(servingOf([{ arn: "a", weight: 1 }], "a")).toEqual({ live: "a", zero: undefined });
    expect(servingOf([], "a")).toEqual({ live: undefined, zero: undefined });
  });

  it("reads the serving rule as before when the candidate is not in it", () => {
    expect(servingOf(servingForward("a", "z"), "b")).toEqual({ live: "a", zero: "z" });
  });
});

describe("gateWritesSwitch", () => {
  it("writes the switch only when a rule already names the candidate and another release serves", () => {
    const canary = canaryForward({ serving: "a", draining: "", candidate: "b", percent: 10 });
    expect(gateWritesSwitch({ l1: canary }, "b", "a")).toBe(true);
    expect(
      gateWritesSwitch(
        { l1: rollbackForward({ previous: "a", candidate: "b", draining: "" }) },
        "b",
        "a",
      ),
    ).toBe(true);
    // Without a rollout the engine's serving rule makes the switch, as before.
    expect(gateWritesSwitch({ l1: servingForward("a", "z") }, "b", "a")).toBe(false);
    expect(gateWritesSwitch({ l1: servingForward("b", "a") }, "b", "b")).toBe(false);
    expect(gateWritesSwitch({ l1: undefined }, "b", undefined)).toBe(false);
  });
});

describe("rolloutTimingWarnings", () => {
  const policy = (raw: unknown) => RolloutSchema.parse(raw);

  it("warns about each step and a bake shorter than three 60 s periods, naming the key", () => {
    const w = rolloutTimingWarnings(
      policy({
        steps: [
          { percent: 10, seconds: 60 },
          { percent: 50, seconds: 180 },
        ],
        bakeSeconds: 120,
      }),
    );
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^phoenix:rollout\.steps\[0\]\.seconds: 60s is under 180s; .*60s periods/);
    expect(w[1]).toMatch(/^phoenix:rollout\.bakeSeconds: 120s is under 180s/);
  });

  it("says nothing about windows of three periods or more, or no bake", () => {
    expect(
      rolloutTimingWarnings(policy({ steps: [{ percent: 10, seconds: 180 }], bakeSeconds: 0 })),
    ).toEqual([]);
  });
});

describe("alarmVerdict", () => {
  it("fires on ALARM only, and lists names that match no alarm", () => {
    const v = alarmVerdict(
      ["5xx", "latency", "typo"],
      [
        { name: "5xx", state: "ALARM" },
        { name: "latency", state: "INSUFFICIENT_DATA" },
        { name: "other", state: "ALARM" },
      ],
    );
    expect(v).toEqual({ firing: ["5xx"], missing: ["typo"] });
  });

  it("says what rolled back and what serves", () => {
    expect(alarmMessage("canary 10%", ["5xx"], "release aaaaaaaaaaaa")).toBe(
      "canary 10%: CloudWatch alarm(s) 5xx in ALARM (phoenix:rollout.alarms): rolled back; release aaaaaaaaaaaa still serves 100%",
    );
    expect(missingAlarmsMessage(["typo"], "eu-west-1", "canary")).toMatch(
      /^phoenix:rollout\.alarms: no CloudWatch alarm named "typo" in eu-west-1; nothing was shifted/,
    );
    expect(missingAlarmsMessage(["typo"], "eu-west-1", "bake")).toMatch(
      /; the new release serves and nothing was retired \(the next up bakes again\)\. Create/,
    );
  });
});

describe("tallyOf and periodStart", () => {
  it("counts 5xx answers and connection errors as failed requests", () => {
    expect(tallyOf({ requests: 200, failed5xx: 3, connectionErrors: 2 })).toEqual({
      requests: 200,
      failed: 5,
    });
  });

  it("starts a window's query at the start of the 60 s period it began in", () => {
    expect(periodStart(Date.UTC(2026, 11, 7, 6, 30, 42, 500))).toBe(Date.UTC(2026, 11, 7, 6, 30));
    expect(periodStart(Date.UTC(2026, 11, 7, 6, 30))).toBe(Date.UTC(2026, 11, 7, 6, 30));
  });
});

describe("rolloutRecord", () => {
  it("is promoted with every window watched, immediate without any", () => {
    const step = {
      phase: "canary" as const,
      percent: 10,
      seconds: 300,
      requests: 500,
      failed: 0,
      result: "passed" as const,
    };
    const bake = { ...step, phase: "bake" as const, percent: 100, seconds: 600 };
    expect(rolloutRecord("r1", [step], [bake])).toEqual({
      outcome: "promoted",
      release: "r1",
      windows: [step, bake],
    });
    expect(rolloutRecord("r1", undefined, [])).toEqual({
      outcome: "immediate",
      release: "r1",
      windows: [],
    });
  });
});
