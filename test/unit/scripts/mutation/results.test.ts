import { describe, expect, it } from "vitest";
import {
  type Report,
  type Results,
  type Tree,
  coveringTestFiles,
  isMutated,
  mergeResults,
  refreshOrder,
  staleness,
  summarize,
  tally,
  testsToRun,
} from "../../../../scripts/mutation/results";

const report: Report = {
  files: {
    "lib/a.ts": {
      source: "a",
      mutants: [
        { status: "Killed", coveredBy: ["1", "2"], killedBy: ["1"] },
        { status: "Timeout", coveredBy: ["2"] },
        { status: "Survived", coveredBy: ["3"] },
        { status: "NoCoverage" },
        { status: "Ignored" },
        { status: "CompileError" },
      ],
    },
    "components/b.ts": { source: "b", mutants: [{ status: "Killed", killedBy: ["9"] }] },
  },
  testFiles: {
    "test/unit/a.test.ts": { tests: [{ id: "1" }, { id: "2" }] },
    "test/unit/other.test.ts": { tests: [{ id: "3" }] },
  },
};

const inputs = {
  sourceHash: (_f: string, source: string) => `h(${source})`,
  testHash: (t: string) => (t === "test/unit/gone.test.ts" ? undefined : `h(${t})`),
  importers: (f: string) => (f === "lib/a.ts" ? ["test/unit/gone.test.ts"] : []),
};

describe("tally", () => {
  it("counts killed and timed-out as detected, and leaves ignored and compile errors out", () => {
    expect(tally([{ Killed: 1, Timeout: 1, Survived: 1, NoCoverage: 1, Ignored: 5 }])).toEqual({
      detected: 2,
      survived: 1,
      noCoverage: 1,
      score: 50,
    });
    expect(tally([{ Killed: 3 }, { Survived: 1 }]).score).toBe(75);
    expect(tally([{ Ignored: 2, CompileError: 1 }]).score).toBeNaN();
  });
});

describe("coveringTestFiles", () => {
  it("names the test files whose tests covered or killed a mutant of each file", () => {
    expect(coveringTestFiles(report)).toEqual({
      "lib/a.ts": ["test/unit/a.test.ts", "test/unit/other.test.ts"],
      // Test 9 is in no test file of the report: nothing to name.
      "components/b.ts": [],
    });
  });
});

describe("summarize", () => {
  it("records the source hash, the covering and importing test files, the counts and the score", () => {
    expect(summarize(report, inputs).files["lib/a.ts"]).toEqual({
      source: "h(a)",
      tests: {
        "test/unit/a.test.ts": "h(test/unit/a.test.ts)",
        "test/unit/gone.test.ts": null,
        "test/unit/other.test.ts": "h(test/unit/other.test.ts)",
      },
      mutants: { Killed: 1, Timeout: 1, Survived: 1, NoCoverage: 1, Ignored: 1, CompileError: 1 },
      score: 50,
    });
  });

  it("marks a result whose report names no test for a detected mutant", () => {
    const lost: Report = {
      files: {
        "x.ts": { source: "", mutants: [{ status: "Killed", killedBy: [], coveredBy: [] }] },
      },
    };
    expect(summarize(lost, inputs).files["x.ts"].coverageMissing).toBe(true);
    expect(summarize(report, inputs).files["lib/a.ts"].coverageMissing).toBeUndefined();
  });

  it("does not mark a static mutant that timed out naming no test: its importers cover it", () => {
    const timedOut: Report = {
      files: {
        "x.ts": { source: "", mutants: [{ status: "Timeout", static: true, coveredBy: [] }] },
      },
    };
    expect(summarize(timedOut, inputs).files["x.ts"].coverageMissing).toBeUndefined();
  });

  it("rounds the score to two decimals and gives null for a file with no counted mutant", () => {
    const r = summarize(
      {
        files: {
          "x.ts": {
            source: "",
            mutants: [{ status: "Killed" }, ...Array(2).fill({ status: "Survived" })],
          },
          "y.ts": { source: "", mutants: [{ status: "Ignored" }] },
        },
      },
      inputs,
    );
    expect(r.files["x.ts"].score).toBe(33.33);
    expect(r.files["y.ts"].score).toBeNull();
  });
});

const results: Results = {
  files: {
    "lib/a.ts": {
      source: "A",
      tests: { "test/unit/a.test.ts": "TA", "test/unit/old.test.ts": null },
      mutants: { Killed: 8, Survived: 2 },
      score: 80,
    },
    "lib/b.ts": {
      source: "B",
      tests: { "test/unit/b.test.ts": "TB" },
      mutants: { Killed: 1, Ignored: 40 },
      score: 100,
    },
    "lib/gone.ts": { source: "G", tests: {}, mutants: {}, score: null },
  },
};

function tree(hashes: Record<string, string>, importers: Record<string, string[]> = {}): Tree {
  return {
    mutated: ["lib/b.ts", "lib/a.ts", "lib/new.ts"],
    hash: (f) => hashes[f],
    importers: (f) => importers[f] ?? [],
  };
}

const same = {
  "lib/a.ts": "A",
  "lib/b.ts": "B",
  "test/unit/a.test.ts": "TA",
  "test/unit/b.test.ts": "TB",
};

describe("staleness", () => {
  it("finds nothing stale when the code, the covering tests and the importers are as recorded", () => {
    const fresh: Results = mergeResults(results, {
      files: {
        "lib/a.ts": { ...results.files["lib/a.ts"], tests: { "test/unit/a.test.ts": "TA" } },
      },
    });
    const s = staleness(fresh, { ...tree(same), mutated: ["lib/a.ts", "lib/b.ts"] });
    expect([...s.stale.keys()]).toEqual([]);
    expect(s.removed).toEqual(["lib/gone.ts"]);
  });

  it("names a mutated file without a result, and one whose code changed", () => {
    const s = staleness(results, tree({ ...same, "lib/b.ts": "B2" }));
    expect(s.stale.get("lib/new.ts")).toEqual([{ kind: "no result" }]);
    expect(s.stale.get("lib/b.ts")).toEqual([{ kind: "source changed" }]);
  });

  it("names a result whose coverage was not recorded", () => {
    const lost = mergeResults(results, {
      files: { "lib/b.ts": { ...results.files["lib/b.ts"], coverageMissing: true } },
    });
    expect(staleness(lost, tree(same)).stale.get("lib/b.ts")).toEqual([
      { kind: "coverage missing" },
    ]);
  });

  it("names a covering test that changed, is gone or whose version was not known", () => {
    const s = staleness(
      results,
      tree({ ...same, "test/unit/a.test.ts": "TA2", "test/unit/old.test.ts": "T" }),
    );
    expect(s.stale.get("lib/a.ts")).toEqual([
      { kind: "test changed", test: "test/unit/a.test.ts" },
      { kind: "test version unknown", test: "test/unit/old.test.ts" },
    ]);
    const gone = staleness(results, tree({ ...same, "test/unit/b.test.ts": undefined as never }));
    expect(gone.stale.get("lib/b.ts")).toEqual([
      { kind: "test gone", test: "test/unit/b.test.ts" },
    ]);
  });

  it("names a test file that imports the file today and that its result does not name", () => {
    const s = staleness(
      results,
      tree(same, { "lib/b.ts": ["test/unit/b.test.ts", "test/unit/c.test.ts"] }),
    );
    expect(s.stale.get("lib/b.ts")).toEqual([
      { kind: "new importer", test: "test/unit/c.test.ts" },
    ]);
  });
});

describe("testsToRun", () => {
  it("runs the test files the result names and those importing the file today", () => {
    expect(testsToRun("lib/b.ts", results, () => ["test/unit/c.test.ts"])).toEqual([
      "test/unit/b.test.ts",
      "test/unit/c.test.ts",
    ]);
    expect(testsToRun("lib/new.ts", results, () => [])).toEqual([]);
  });
});

describe("refreshOrder", () => {
  it("takes the cheapest files first, in path order among equals", () => {
    const size: Record<string, number> = { "lib/new.ts": 900, "lib/a.ts": 100, "lib/b.ts": 100 };
    expect(refreshOrder(["lib/new.ts", "lib/b.ts", "lib/a.ts"], (f) => size[f])).toEqual([
      "lib/a.ts",
      "lib/b.ts",
      "lib/new.ts",
    ]);
  });
});

describe("mergeResults", () => {
  it("replaces updated files, drops removed ones and keeps path order", () => {
    const update = {
      files: { "lib/0.ts": results.files["lib/b.ts"], "lib/a.ts": results.files["lib/b.ts"] },
    };
    const merged = mergeResults(results, update, ["lib/gone.ts"]);
    expect(Object.keys(merged.files)).toEqual(["lib/0.ts", "lib/a.ts", "lib/b.ts"]);
    expect(merged.files["lib/a.ts"]).toBe(results.files["lib/b.ts"]);
  });
});

describe("isMutated", () => {
  const patterns = [
    "lib/**/*.ts",
    "providers/**/*.ts",
    "!policy/index.ts",
    "policy/*.ts",
    "!lib/x/skip.ts",
  ];

  it("matches ** across folders and * within one", () => {
    expect(isMutated("lib/a.ts", patterns)).toBe(true);
    expect(isMutated("lib/aws/deep/b.ts", patterns)).toBe(true);
    expect(isMutated("policy/policies.ts", patterns)).toBe(true);
    expect(isMutated("policy/analyzer/x.ts", patterns)).toBe(false);
    expect(isMutated("cli/phoenix.ts", patterns)).toBe(false);
    expect(isMutated("lib/a.tsx", patterns)).toBe(false);
  });

  it("lets the last matching pattern win, a ! pattern excluding", () => {
    expect(isMutated("lib/x/skip.ts", patterns)).toBe(false);
    // policy/index.ts is excluded before policy/*.ts includes it again.
    expect(isMutated("policy/index.ts", patterns)).toBe(true);
    expect(isMutated("policy/index.ts", [...patterns, "!policy/index.ts"])).toBe(false);
  });
});
