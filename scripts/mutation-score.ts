/**
 * Per-folder mutation scores from Stryker's JSON report, and the gate on the project's targets.
 *
 * Stryker's own `thresholds.break` only sees the score of the whole run; the targets are per folder
 * and per module (components/ and the spec, hash, render, user-data and policy modules at 90%,
 * lib/ as a whole at 80%), so this script reads reports/mutation/mutation.json after the run,
 * prints every folder's score and exits 1 naming each target that is missed.
 *
 * Usage: npx tsx scripts/mutation-score.ts [report.json]
 *
 * CI runs it on the committed incremental file (test/mutation/incremental.json has the same
 * schema): the scores the project keeps must meet the targets, and every file whose code changed
 * since its mutants were last run is named, so a stale score is visible.
 */
import * as fs from "fs";

/** Mutant statuses as Stryker's mutation-testing-report-schema writes them. */
type Status =
  | "Killed"
  | "Survived"
  | "NoCoverage"
  | "Timeout"
  | "CompileError"
  | "RuntimeError"
  | "Ignored"
  | "Pending";

interface Report {
  readonly files: Record<
    string,
    { readonly source?: string; readonly mutants: readonly { readonly status: Status }[] }
  >;
}

/** A gated group of files: the score of all their mutants together must reach `min`. */
interface Target {
  readonly name: string;
  readonly files: (file: string) => boolean;
  readonly min: number;
}

const under = (dir: string) => (f: string) => f.startsWith(dir);
const oneOf =
  (...files: string[]) =>
  (f: string) =>
    files.includes(f);

/** The targets the project keeps (CONTRIBUTING.md "Mutation testing"). */
export const TARGETS: readonly Target[] = [
  { name: "components/", files: under("components/"), min: 90 },
  { name: "spec (lib/spec/)", files: under("lib/spec/"), min: 90 },
  { name: "hash (lib/image/hash.ts)", files: oneOf("lib/image/hash.ts"), min: 90 },
  { name: "render (lib/image/render.ts)", files: oneOf("lib/image/render.ts"), min: 90 },
  { name: "user data (lib/aws/userData.ts)", files: oneOf("lib/aws/userData.ts"), min: 90 },
  {
    name: "policy (lib/guardrails/policyRules.ts, policy/)",
    files: (f) => f === "lib/guardrails/policyRules.ts" || f.startsWith("policy/"),
    min: 90,
  },
  { name: "lib/", files: under("lib/"), min: 80 },
];

/** Killed, survived and uncovered counts, and the score: detected / (detected + undetected). */
export interface Tally {
  readonly detected: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** NaN when the report has no mutant of these files (a run narrowed with `--mutate`). */
  readonly score: number;
}

/** Tallies every mutant of the files `pick` selects; compile errors and ignored mutants do not count. */
export function tally(report: Report, pick: (file: string) => boolean): Tally {
  let detected = 0;
  let survived = 0;
  let noCoverage = 0;
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (!pick(file)) continue;
    for (const { status } of mutants) {
      if (status === "Killed" || status === "Timeout") detected++;
      else if (status === "Survived") survived++;
      else if (status === "NoCoverage") noCoverage++;
    }
  }
  const valid = detected + survived + noCoverage;
  return { detected, survived, noCoverage, score: valid === 0 ? NaN : (100 * detected) / valid };
}

/**
 * Files whose code differs from the code their mutants were run against (`source` in the report),
 * or that no longer exist: their scores describe older code until Stryker runs them again.
 */
export function staleFiles(report: Report, read: (file: string) => string | undefined): string[] {
  return Object.entries(report.files)
    .filter(([file, { source }]) => source !== undefined && read(file) !== source)
    .map(([file]) => file)
    .sort();
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function row(name: string, t: Tally, min?: number): string {
  if (Number.isNaN(t.score)) return `${name.padEnd(52)}    n/a  (no mutants in this report)`;
  const gate = min === undefined ? "" : t.score >= min ? `>= ${min} ok` : `< ${min} MISSED`;
  return `${name.padEnd(52)} ${t.score.toFixed(2).padStart(6)}%  killed ${String(t.detected).padStart(4)}  survived ${String(t.survived).padStart(3)}  no coverage ${String(t.noCoverage).padStart(3)}  ${gate}`;
}

function main(): void {
  const file = process.argv[2] ?? "reports/mutation/mutation.json";
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as Report;
  const folders = [...new Set(Object.keys(report.files).map((f) => f.replace(/\/[^/]+$/, "/")))];
  console.log("Mutation score per folder:");
  for (const dir of folders.sort()) console.log(row(dir, tally(report, under(dir))));
  console.log("\nTargets:");
  const missed: string[] = [];
  for (const t of TARGETS) {
    const result = tally(report, t.files);
    console.log(row(t.name, result, t.min));
    if (!Number.isNaN(result.score) && result.score < t.min)
      missed.push(`${t.name}: ${result.score.toFixed(2)}% < ${t.min}%`);
  }
  const stale = staleFiles(report, readOrUndefined);
  if (stale.length > 0) {
    console.log(
      `\n${stale.length} file(s) changed since their mutants last ran; their scores are of the older ` +
        "code until `npx stryker run --mutate <file>` runs them again:\n  " +
        stale.join("\n  "),
    );
  }
  if (missed.length > 0) {
    console.error(
      `\nMutation score below target for ${missed.join("; ")}. Open reports/mutation/index.html, ` +
        "kill the surviving mutants with tests that assert behaviour (or mark an equivalent mutant " +
        "with `// Stryker disable next-line <mutator>: <reason>`).",
    );
    process.exit(1);
  }
}

if (require.main === module) main();
