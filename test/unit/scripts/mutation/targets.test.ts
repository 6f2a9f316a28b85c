import { describe, expect, it } from "vitest";
import { type Results, mergeResults } from "../../../../scripts/mutation/results";
import { TARGETS, checkFails, checkTargets } from "../../../../scripts/mutation/targets";

const results: Results = {
  files: {
    "lib/a.ts": { source: "A", tests: {}, mutants: { Killed: 8, Survived: 2 }, score: 80 },
    "lib/b.ts": { source: "B", tests: {}, mutants: { Killed: 1, Ignored: 40 }, score: 100 },
  },
};

describe("checkTargets", () => {
  it("gates components/ and the named modules at 90% and lib/ at 80%", () => {
    const min = Object.fromEntries(TARGETS.map((t) => [t.name, t.min]));
    expect(min["components/"]).toBe(90);
    expect(min["lib/"]).toBe(80);
    const policy = TARGETS.find((t) => t.name.startsWith("policy"));
    expect(policy?.files("policy/policies.ts")).toBe(true);
    expect(policy?.files("lib/guardrails/specDiff.ts")).toBe(false);
  });

  it("misses a group whose mutants together score below its target, naming its lowest files", () => {
    const low: Results = mergeResults(results, {
      files: {
        "lib/c.ts": { source: "", tests: {}, mutants: { Killed: 1, Survived: 3 }, score: 25 },
      },
    });
    const lib = checkTargets(low).find((t) => t.target.name === "lib/");
    expect(lib?.met).toBe(false);
    expect(lib?.tally.score).toBe(66.66666666666667);
    expect(lib?.below).toEqual(["lib/c.ts"]);
    expect(checkTargets(results).find((t) => t.target.name === "lib/")?.met).toBe(true);
  });

  it("meets a target no result falls under", () => {
    expect(checkTargets(results).find((t) => t.target.name === "components/")?.met).toBe(true);
  });
});

describe("checkFails", () => {
  const met = checkTargets(results);
  const missed = checkTargets({
    files: {
      "lib/c.ts": { source: "C", tests: {}, mutants: { Killed: 1, Survived: 9 }, score: 10 },
    },
  });

  it("fails on a missed target, strict or not", () => {
    expect(checkFails(missed, [], false)).toBe(true);
    expect(checkFails(missed, [], true)).toBe(true);
  });

  it("fails on a stale result left only when strict, as CI runs it", () => {
    expect(checkFails(met, ["lib/a.ts"], true)).toBe(true);
    expect(checkFails(met, ["lib/a.ts"], false)).toBe(false);
    expect(checkFails(met, [], true)).toBe(false);
  });
});
