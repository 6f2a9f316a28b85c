import { describe, expect, it } from "vitest";
import { TARGETS, staleFiles, tally } from "../../../scripts/mutation-score";

const report = {
  files: {
    "lib/a.ts": {
      source: "a",
      mutants: [
        { status: "Killed" as const },
        { status: "Timeout" as const },
        { status: "Survived" as const },
        { status: "NoCoverage" as const },
        { status: "Ignored" as const },
        { status: "CompileError" as const },
      ],
    },
    "components/b.ts": { source: "b", mutants: [{ status: "Killed" as const }] },
  },
};

describe("tally", () => {
  it("counts killed and timed-out as detected, and leaves ignored and compile errors out", () => {
    expect(tally(report, (f) => f.startsWith("lib/"))).toEqual({
      detected: 2,
      survived: 1,
      noCoverage: 1,
      score: 50,
    });
    expect(tally(report, () => true).score).toBe(60);
    expect(tally(report, (f) => f.startsWith("policy/")).score).toBeNaN();
  });

  it("gates components/ and the named modules at 90% and lib/ at 80%", () => {
    const min = Object.fromEntries(TARGETS.map((t) => [t.name, t.min]));
    expect(min["components/"]).toBe(90);
    expect(min["lib/"]).toBe(80);
    expect(TARGETS.find((t) => t.name.startsWith("user data"))?.files("lib/aws/userData.ts")).toBe(
      true,
    );
    expect(TARGETS.find((t) => t.name.startsWith("policy"))?.files("policy/policies.ts")).toBe(
      true,
    );
    expect(
      TARGETS.find((t) => t.name.startsWith("policy"))?.files("lib/guardrails/specDiff.ts"),
    ).toBe(false);
  });
});

describe("staleFiles", () => {
  it("names the files whose code changed or is gone since their mutants ran", () => {
    const now: Record<string, string> = { "lib/a.ts": "a changed" };
    expect(staleFiles(report, (f) => now[f])).toEqual(["components/b.ts", "lib/a.ts"]);
    expect(staleFiles(report, (f) => (f === "lib/a.ts" ? "a" : "b"))).toEqual([]);
  });
});
