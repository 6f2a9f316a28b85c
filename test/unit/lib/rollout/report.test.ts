import { describe, expect, it } from "vitest";
import {
  breachMessage,
  inconclusiveMessage,
  limitText,
  progressLine,
  rolloutSummary,
} from "../../../../lib/rollout/report";

const p = { maxErrorRate: 0.01, minRequests: 100 };

describe("rollout lines and errors", () => {
  it("names the window, the figures and what still serves", () => {
    expect(
      breachMessage({ phase: "canary", percent: 10 }, { requests: 131, failed: 23 }, p, "web-1a2b"),
    ).toBe(
      "canary 10%: 23 of 131 requests failed (17.6%) > 1%: rolled back; web-1a2b still serves 100%",
    );
    expect(
      breachMessage({ phase: "bake", percent: 100 }, { requests: 12, failed: 4 }, p, "web-1a2b"),
    ).toBe(
      "bake: 4 of 12 requests failed (33.3%) > 1% (before 100 requests: more failures than 1% of 100 allows): " +
        "rolled back; web-1a2b still serves 100%",
    );
  });

  it("says how a step with too few requests can be judged next time", () => {
    const m = inconclusiveMessage(
      { phase: "canary", percent: 10, seconds: 60 },
      { requests: 7, failed: 0 },
      p,
      "web-1a2b",
    );
    expect(m).toContain("canary 10%: only 7 requests in 60 s, fewer than minRequests (100)");
    expect(m).toContain("phoenix:rollout.inconclusive promote");
  });

  it("prints progress with the time left, never below 0", () => {
    expect(
      progressLine({ phase: "canary", percent: 50 }, { requests: 412, failed: 3 }, 41_200),
    ).toBe("canary 50%: 412 requests, 3 failed (0.7%), 42 s left");
    expect(progressLine({ phase: "bake", percent: 100 }, { requests: 0, failed: 0 }, -5)).toBe(
      "bake: 0 requests, 0 failed (0%), 0 s left",
    );
    expect(limitText(0.005)).toBe("0.5%");
  });

  it("sums a promoted rollout up in one line", () => {
    const w = { seconds: 5, result: "passed" as const };
    expect(
      rolloutSummary("v1-abc", [
        { ...w, phase: "canary", percent: 10, requests: 412, failed: 0 },
        { ...w, phase: "bake", percent: 100, requests: 2380, failed: 1 },
      ]),
    ).toBe("v1-abc promoted: canary 10% 0 of 412 failed, bake 1 of 2380 failed");
  });
});
