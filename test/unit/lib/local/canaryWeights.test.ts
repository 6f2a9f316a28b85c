import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_WEIGHT, setWeight, shareWeights } from "../../../../lib/local/canaryWeights";
import { offWeightSlots, parseServersState } from "../../../../lib/local/haproxyRuntime";

describe("shareWeights", () => {
  it("gives the new release its share with equal fleets, in the smallest whole weights", () => {
    expect(shareWeights(10, 3, 3)).toEqual({ candidate: 1, previous: 9, share: 0.1 });
    expect(shareWeights(50, 3, 3)).toEqual({ candidate: 1, previous: 1, share: 0.5 });
    expect(shareWeights(90, 3, 3)).toEqual({ candidate: 9, previous: 1, share: 0.9 });
  });

  it("accounts for fleets of different sizes", () => {
    const w = shareWeights(10, 3, 30);
    expect((3 * w.candidate) / (3 * w.candidate + 30 * w.previous)).toBeCloseTo(0.1, 3);
    expect(w.share).toBeCloseTo(0.1, 3);
  });

  it("stays within haproxy's weights and within half a point of the share while neither fleet is over twice the other (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (percent, candidates, previous) => {
          fc.pre(candidates <= 2 * previous && previous <= 2 * candidates);
          const w = shareWeights(percent, candidates, previous);
          for (const x of [w.candidate, w.previous]) {
            expect(x).toBeGreaterThanOrEqual(1);
            expect(x).toBeLessThanOrEqual(MAX_WEIGHT);
          }
          const got =
            (candidates * w.candidate) / (candidates * w.candidate + previous * w.previous);
          expect(got).toBeCloseTo(w.share, 9);
          expect(Math.abs(got - percent / 100)).toBeLessThan(0.005);
        },
      ),
    );
  });

  it("comes as close as haproxy's weights allow when the fleets differ a lot", () => {
    expect(shareWeights(75, 1, 86)).toEqual({ candidate: 256, previous: 1, share: 256 / 342 });
  });

  it("refuses a share with nobody on one side", () => {
    expect(() => shareWeights(10, 0, 3)).toThrow("needs instances on both sides, got 0 and 3");
    expect(() => shareWeights(10, 3, 0)).toThrow("got 3 and 0");
  });

  it("writes one runtime API command per server", () => {
    expect(setWeight(["app1", "app7"], 9)).toEqual([
      "set weight app/app1 9",
      "set weight app/app7 9",
    ]);
    expect(setWeight(["app2"], "100%")).toEqual(["set weight app/app2 100%"]);
  });
});

describe("offWeightSlots", () => {
  it("names the serving slots a rollout cut short left at another weight, not free ones", () => {
    const state = [
      "1",
      "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight",
      "3 app 1 app1 172.21.0.3 2 0 0 1",
      "3 app 2 app2 172.21.0.4 2 0 1 1",
      "3 app 3 app3 172.21.0.5 2 0 9 1",
      "3 app 4 app4 - 0 32 28 1",
      "",
    ].join("\n");
    expect(offWeightSlots(parseServersState(state)).map((s) => s.server)).toEqual(["app1", "app3"]);
  });
});
