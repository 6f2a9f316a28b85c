import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { healthDeadlineMs, instanceName, planFleetUpdate } from "../../../../lib/local/fleetPlan";

const inst = (index: number, drifted = false) => ({
  index,
  id: `c${index}`,
  name: `n${index}`,
  ...(drifted ? { drift: { reasons: ["snowflake" as const], changes: ["C /etc/x"] } } : {}),
});

describe("planFleetUpdate", () => {
  it("replaces exactly the drifted instances, in their own slots", () => {
    const plan = planFleetUpdate([inst(0), inst(1, true), inst(2)], 3);
    expect(plan.keep.map((i) => i.index)).toEqual([0, 2]);
    expect(plan.drain.map((i) => i.id)).toEqual(["c1"]);
    expect(plan.launch).toEqual([1]);
  });

  it("lists kept and drained instances in slot order, whatever order the state holds them in", () => {
    const plan = planFleetUpdate([inst(4), inst(2), inst(0, true), inst(3), inst(1)], 3);
    expect(plan.keep.map((i) => i.index)).toEqual([1, 2]);
    expect(plan.drain.map((i) => i.index)).toEqual([0, 3, 4]);
    expect(plan.launch).toEqual([0]);
  });

  it("plans the same update whatever order the state holds the instances in, and leaves that order alone", () => {
    const inOrder = [inst(0), inst(1, true), inst(2), inst(3), inst(4)];
    const expectedPlan = planFleetUpdate(inOrder, 3);
    expect(expectedPlan).toEqual({
      keep: [inst(0), inst(2)],
      drain: [inst(1, true), inst(3), inst(4)],
      launch: [1],
    });
    fc.assert(
      fc.property(fc.shuffledSubarray(inOrder, { minLength: inOrder.length }), (shuffled) => {
        const before = shuffled.map((i) => i.index);
        expect(planFleetUpdate(shuffled, 3)).toEqual(expectedPlan);
        expect(shuffled.map((i) => i.index)).toEqual(before);
      }),
    );
  });

  it("grows by launching the free slots and shrinks by draining the highest", () => {
    expect(planFleetUpdate([inst(0), inst(1)], 4).launch).toEqual([2, 3]);
    const shrink = planFleetUpdate([inst(0), inst(1), inst(2), inst(3)], 2);
    expect(shrink.drain.map((i) => i.index)).toEqual([2, 3]);
    expect(shrink.launch).toEqual([]);
  });

  it("does nothing when nothing drifted and the count is unchanged", () => {
    const plan = planFleetUpdate([inst(0), inst(1)], 2);
    expect(plan).toEqual({ keep: [inst(0), inst(1)], drain: [], launch: [] });
  });

  it("rejects a negative desired count", () => {
    expect(() => planFleetUpdate([], -1)).toThrow(
      /desiredCount: must be a whole number >= 0, got -1/,
    );
  });

  it("always ends with exactly one kept or launched instance per slot", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ index: fc.nat(40), drifted: fc.boolean() }), {
          selector: (r) => r.index,
        }),
        fc.nat(40),
        (rows, desired) => {
          const plan = planFleetUpdate(
            rows.map((r) => inst(r.index, r.drifted)),
            desired,
          );
          const slots = [...plan.keep.map((i) => i.index), ...plan.launch].sort((a, b) => a - b);
          expect(slots).toEqual(Array.from({ length: desired }, (_, i) => i));
          expect(plan.keep.every((i) => i.drift === undefined)).toBe(true);
          expect(plan.keep.length + plan.drain.length).toBe(rows.length);
        },
      ),
    );
  });
});

describe("instanceName", () => {
  it("joins stack, fleet, hash prefix, slot and suffix, replacing characters Docker rejects", () => {
    expect(
      instanceName({
        stack: "org/dev",
        fleet: "web",
        specHash: "3f2a9c1e77",
        index: 4,
        suffix: "k2x9",
      }),
    ).toBe("org-dev-web-3f2a9c1e-4-k2x9");
  });
});

describe("healthDeadlineMs", () => {
  it("grows with the start period, the threshold and the check timing", () => {
    const t = { intervalMs: 1000, timeoutMs: 500, healthyThreshold: 2, startPeriodMs: 5000 };
    expect(healthDeadlineMs(t, 10_000, 2)).toBe((5000 + 2 * 1500 + 10_000) * 2);
    expect(healthDeadlineMs({ ...t, healthyThreshold: 4 })).toBeGreaterThan(healthDeadlineMs(t));
  });
});
