/**
 * The committed mutation results (test/mutation/results.json) and the decisions made on them: what a
 * Stryker report says per file, which results no longer describe the code, which targets are met.
 *
 * Pure: no file system, no Stryker, nothing from `@pulumi/*`. The callers (scripts/mutation-*.ts,
 * through ./tree.ts) read the working copy and hash it; test/unit/scripts/mutation/results.test.ts
 * tests every decision here; ./targets.ts holds the score targets.
 *
 * A result covers a file as long as three things hold. Its source hash equals the file's hash today
 * (hashes ignore layout and comments, see ./tree.ts). Every test file it names still hashes the same:
 * the test files whose tests covered or killed one of its mutants, and the test files that import it
 * (directly or through helpers under test/), which also covers static mutants, for which Stryker
 * records no covering test. And no other test file imports it today. A mutated file without a result
 * is stale too, and so is one whose report named no test for a non-static mutant it counts as
 * detected (older incremental files lost some; a static one that timed out names none by nature); a
 * result for a file that is no longer mutated is dropped.
 *
 * New tests can only raise a score (a covered mutant can go from survived to killed), so a test
 * that reaches a file through other product code and is not yet named leaves its result a lower
 * bound, never an overstatement; a changed or deleted covering test can lower it, hence stale.
 */
import { z } from "zod";

/** Mutant statuses as Stryker's mutation-testing-report-schema writes them. */
export const STATUSES = [
  "Killed",
  "Timeout",
  "Survived",
  "NoCoverage",
  "Ignored",
  "CompileError",
  "RuntimeError",
  "Pending",
] as const;
export type Status = (typeof STATUSES)[number];

/** The part of a Stryker JSON report (reports/mutation/mutation.json, or its incremental file) read here. */
export const reportSchema = z.object({
  files: z.record(
    z.string(),
    z.object({
      source: z.string(),
      mutants: z.array(
        z.object({
          status: z.enum(STATUSES),
          /** Run at module load: Stryker runs every test of the run for it and names no covering test. */
          static: z.boolean().optional(),
          coveredBy: z.array(z.string()).optional(),
          killedBy: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
  testFiles: z
    .record(
      z.string(),
      z.object({
        source: z.string().optional(),
        tests: z.array(z.object({ id: z.string() })),
      }),
    )
    .optional(),
});
export type Report = z.infer<typeof reportSchema>;

/** One mutated file's last result. */
export const fileResultSchema = z.object({
  /** Hash of the file's code its mutants ran against (./tree.ts `codeHash`). */
  source: z.string(),
  /**
   * Each test file that covers the file, with the hash of the version the mutants ran against;
   * null when that version is unknown (the result is then stale until the file is run again).
   */
  tests: z.record(z.string(), z.string().nullable()),
  /** Mutants by status; statuses with none are left out. */
  mutants: z.partialRecord(z.enum(STATUSES), z.number().int().nonnegative()),
  /** detected / (detected + survived + no coverage), in percent; null when no mutant counts. */
  score: z.number().nullable(),
  /**
   * True when the report named no test for a mutant it counts as detected (older incremental files
   * lost some): `tests` may then miss the test that killed it, so the result is stale.
   */
  coverageMissing: z.literal(true).optional(),
});
export type FileResult = z.infer<typeof fileResultSchema>;

export const resultsSchema = z.object({
  files: z.record(z.string(), fileResultSchema),
});
export type Results = z.infer<typeof resultsSchema>;

/** Killed and timed-out mutants count as detected; compile errors, runtime errors and ignored ones do not count. */
export interface Tally {
  readonly detected: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** NaN when no mutant counts. */
  readonly score: number;
}

/** Tallies mutant counts by status (any number of files' counts added up). */
export function tally(counts: readonly FileResult["mutants"][]): Tally {
  let detected = 0;
  let survived = 0;
  let noCoverage = 0;
  for (const c of counts) {
    detected += (c.Killed ?? 0) + (c.Timeout ?? 0);
    survived += c.Survived ?? 0;
    noCoverage += c.NoCoverage ?? 0;
  }
  const valid = detected + survived + noCoverage;
  return { detected, survived, noCoverage, score: valid === 0 ? NaN : (100 * detected) / valid };
}

/** Rounds a score for the committed file, so a result reads the same on every machine. */
function roundScore(score: number): number | null {
  return Number.isNaN(score) ? null : Math.round(score * 100) / 100;
}

/**
 * Whether some detected mutant of `mutants` names no test that covered or killed it. A static mutant
 * (run at module load) that timed out names none however fresh the run: the test files importing the
 * file stand for its coverage.
 */
export function coverageMissing(mutants: Report["files"][string]["mutants"]): boolean {
  return mutants.some(
    (m) =>
      m.static !== true &&
      (m.status === "Killed" || m.status === "Timeout") &&
      (m.coveredBy ?? []).length === 0 &&
      (m.killedBy ?? []).length === 0,
  );
}

/** The test files whose tests covered or killed a mutant of each file of `report`. */
export function coveringTestFiles(report: Report): Record<string, string[]> {
  const fileOfTest = new Map<string, string>();
  for (const [testFile, { tests }] of Object.entries(report.testFiles ?? {})) {
    for (const { id } of tests) fileOfTest.set(id, testFile);
  }
  const covering: Record<string, string[]> = {};
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const found = new Set<string>();
    for (const m of mutants) {
      for (const id of [...(m.coveredBy ?? []), ...(m.killedBy ?? [])]) {
        const testFile = fileOfTest.get(id);
        if (testFile !== undefined) found.add(testFile);
      }
    }
    covering[file] = [...found].sort();
  }
  return covering;
}

/** What `summarize` needs besides the report: hashes, and the test files that import each file. */
export interface SummaryInputs {
  /** Hash of a mutated file's code as the report holds it. */
  readonly sourceHash: (file: string, source: string) => string;
  /** Hash of a test file's version the run used; undefined when unknown. */
  readonly testHash: (testFile: string) => string | undefined;
  /** Test files that import `file` (directly or through helpers under test/). */
  readonly importers: (file: string) => readonly string[];
}

/** One result per file of the report: its source hash, its covering test files, its counts and score. */
export function summarize(report: Report, inputs: SummaryInputs): Results {
  const covering = coveringTestFiles(report);
  const files: Record<string, FileResult> = {};
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const counts: Partial<Record<Status, number>> = {};
    for (const { status } of mutants) counts[status] = (counts[status] ?? 0) + 1;
    const testFiles = [...new Set([...(covering[file] ?? []), ...inputs.importers(file)])].sort();
    files[file] = {
      source: inputs.sourceHash(file, source),
      tests: Object.fromEntries(testFiles.map((t) => [t, inputs.testHash(t) ?? null])),
      mutants: Object.fromEntries(STATUSES.filter((s) => counts[s]).map((s) => [s, counts[s]])),
      score: roundScore(tally([counts]).score),
      ...(coverageMissing(mutants) ? { coverageMissing: true as const } : {}),
    };
  }
  return { files };
}

/** `base` with the files of `update` replaced and those of `remove` left out, in path order. */
export function mergeResults(
  base: Results,
  update: Results,
  remove: readonly string[] = [],
): Results {
  const merged: Record<string, FileResult> = { ...base.files, ...update.files };
  for (const f of remove) delete merged[f];
  return {
    files: Object.fromEntries(
      Object.keys(merged)
        .sort()
        .map((f) => [f, merged[f]]),
    ),
  };
}

/** Why a file's result no longer describes it. */
export type Reason =
  | { readonly kind: "no result" }
  | { readonly kind: "source changed" }
  | { readonly kind: "coverage missing" }
  | { readonly kind: "test changed"; readonly test: string }
  | { readonly kind: "test gone"; readonly test: string }
  | { readonly kind: "test version unknown"; readonly test: string }
  | { readonly kind: "new importer"; readonly test: string };

/** The working copy as staleness needs it (see ./tree.ts). */
export interface Tree {
  /** The files Stryker mutates today. */
  readonly mutated: readonly string[];
  /** Hash of a file (mutated or test) today; undefined when it does not exist. */
  readonly hash: (file: string) => string | undefined;
  /** Test files that import `file` today (directly or through helpers under test/). */
  readonly importers: (file: string) => readonly string[];
}

export interface Staleness {
  /** Mutated files whose result is missing or stale, with every reason, in path order. */
  readonly stale: ReadonlyMap<string, readonly Reason[]>;
  /** Files with a result that Stryker no longer mutates. */
  readonly removed: readonly string[];
}

/** Which results no longer describe the working copy, and why. */
export function staleness(results: Results, tree: Tree): Staleness {
  const stale = new Map<string, Reason[]>();
  for (const file of [...tree.mutated].sort()) {
    const result = results.files[file];
    if (result === undefined) {
      stale.set(file, [{ kind: "no result" }]);
      continue;
    }
    const reasons: Reason[] = [];
    if (tree.hash(file) !== result.source) reasons.push({ kind: "source changed" });
    if (result.coverageMissing) reasons.push({ kind: "coverage missing" });
    for (const [test, then] of Object.entries(result.tests)) {
      const now = tree.hash(test);
      if (now === undefined) reasons.push({ kind: "test gone", test });
      else if (then === null) reasons.push({ kind: "test version unknown", test });
      else if (now !== then) reasons.push({ kind: "test changed", test });
    }
    for (const test of tree.importers(file)) {
      if (!(test in result.tests)) reasons.push({ kind: "new importer", test });
    }
    if (reasons.length > 0) stale.set(file, reasons);
  }
  const mutated = new Set(tree.mutated);
  const removed = Object.keys(results.files)
    .filter((f) => !mutated.has(f))
    .sort();
  return { stale, removed };
}

/** One line per reason, for the check's output. */
export function describeReason(reason: Reason): string {
  return "test" in reason ? `${reason.kind}: ${reason.test}` : reason.kind;
}

/** The test files a re-run of `file` needs: those its result names and those importing it today. */
export function testsToRun(
  file: string,
  results: Results,
  importers: (file: string) => readonly string[],
): string[] {
  const before = Object.keys(results.files[file]?.tests ?? {});
  return [...new Set([...before, ...importers(file)])].sort();
}

/**
 * Stale files in the order a re-run under a deadline takes them: the cheapest first by `cost` (the
 * check uses the size of the file's code today: its mutants grow with it, and a file that grew since
 * its last run would be misjudged by its old count), so a budget that cannot take them all refreshes
 * as many as it can.
 */
export function refreshOrder(stale: readonly string[], cost: (file: string) => number): string[] {
  return [...stale].sort((a, b) => cost(a) - cost(b) || a.localeCompare(b));
}

/**
 * Whether `file` matches Stryker's `mutate` patterns: `*` within a path segment, `**` across
 * segments, a leading `!` excludes; the last matching pattern wins, as in Stryker.
 */
export function isMutated(file: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (globToRegExp(negated ? p.slice(1) : p).test(file)) matched = !negated;
  }
  return matched;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches any number of whole segments, including none.
      re += glob[i + 2] === "/" ? "(?:[^/]+/)*" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
