import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  breached,
  judgeBake,
  judgeStep,
  percentOf,
  tallySince,
  type Counters,
} from "../../../../lib/rollout/analysis";
import type { RolloutPolicy } from "../../../../lib/rollout/policy";

const policy: RolloutPolicy = {
  steps: [{ percent: 10, seconds: 60 }],
  bakeSeconds: 120,
  maxErrorRate: 0.01,
  minRequests: 100,
  inconclusive: "fail",
  alarms: [],
};
const step = { seconds: 60 };

describe("judging a step", () => {
  it("breaches over the limit once it has minRequests, and not at the limit", () => {
    expect(judgeStep({ requests: 100, failed: 2 }, policy, step, 1000, false).kind).toBe("breach");
    expect(judgeStep({ requests: 200, failed: 2 }, policy, step, 1000, false).kind).toBe("watch");
    expect(judgeStep({ requests: 201, failed: 3 }, policy, step, 1000, false).kind).toBe("breach");
  });

  it("before minRequests breaches only when the failures already exceed the limit of minRequests", () => {
    expect(judgeStep({ requests: 5, failed: 1 }, policy, step, 1000, false).kind).toBe("watch");
    expect(judgeStep({ requests: 5, failed: 2 }, policy, step, 1000, false).kind).toBe("breach");
    expect(breached({ requests: 3, failed: 3 }, { ...policy, maxErrorRate: 0 })).toBe(true);
    expect(breached({ requests: 3, failed: 0 }, { ...policy, maxErrorRate: 0 })).toBe(false);
  });

  it("never breaches a window whose final share is within the limit (property)", () => {
    fc.assert(
      fc.property(
        fc.nat(5000),
        fc.nat(5000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (r, f, rate) => {
          const t = { requests: Math.max(r, f), failed: f };
          const p = { ...policy, maxErrorRate: rate };
          if (t.requests >= p.minRequests && t.failed / t.requests <= rate) {
            expect(breached(t, p)).toBe(false);
          }
          if (t.requests >= p.minRequests && t.failed / t.requests > rate) {
            expect(breached(t, p)).toBe(true);
          }
        },
      ),
    );
  });

  it("passes at the end of the step with enough requests, else extends once, then the policy decides", () => {
    const enough = { requests: 100, failed: 1 };
    const few = { requests: 99, failed: 0 };
    expect(judgeStep(enough, policy, step, 59_999, false).kind).toBe("watch");
    expect(judgeStep(enough, policy, step, 60_000, false).kind).toBe("pass");
    expect(judgeStep(few, policy, step, 60_000, false).kind).toBe("extend");
    expect(judgeStep(few, policy, step, 119_999, true).kind).toBe("watch");
    expect(judgeStep(few, policy, step, 120_000, true)).toEqual({
      kind: "inconclusive",
      then: "fail",
    });
    expect(judgeStep(few, { ...policy, inconclusive: "promote" }, step, 120_000, true)).toEqual({
      kind: "inconclusive",
      then: "promote",
    });
  });
});

describe("judging the bake", () => {
  it("watches until bakeSeconds, breaches at once, needs no minimum to pass", () => {
    expect(judgeBake({ requests: 0, failed: 0 }, policy, 119_999).kind).toBe("watch");
    expect(judgeBake({ requests: 0, failed: 0 }, policy, 120_000).kind).toBe("pass");
    expect(judgeBake({ requests: 150, failed: 2 }, policy, 5_000).kind).toBe("breach");
  });
});

describe("tallies from cumulative counters", () => {
  const m = (e: [string, Counters][]) => new Map(e);

  it("sums each counter's growth since the baseline", () => {
    const base = m([
      ["app1", { requests: 1000, failed: 7 }],
      ["app2", { requests: 50, failed: 0 }],
    ]);
    const now = m([
      ["app1", { requests: 1100, failed: 9 }],
      ["app2", { requests: 80, failed: 1 }],
      ["app3", { requests: 5, failed: 5 }],
    ]);
    expect(tallySince(base, now)).toEqual({ requests: 135, failed: 8 });
  });

  it("counts a counter that went down (slot reused, server restarted) from 0", () => {
    const base = m([["app1", { requests: 1000, failed: 7 }]]);
    expect(tallySince(base, m([["app1", { requests: 20, failed: 1 }]]))).toEqual({
      requests: 20,
      failed: 1,
    });
  });

  it("shows shares with one decimal", () => {
    expect(percentOf(23, 131)).toBe("17.6%");
    expect(percentOf(0, 0)).toBe("0%");
  });
});
