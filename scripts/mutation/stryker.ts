/**
 * One Stryker run on one file, narrowed to the test files that cover it, under a deadline.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Stryker's JSON report (stryker.config.mjs `jsonReporter`). */
export const REPORT_FILE = "reports/mutation/mutation.json";
/** Where each run's output goes. */
export const LOG_DIR = "reports/mutation/logs";
/** Stryker's local cache (stryker.config.mjs `incrementalFile`; git-ignored). */
export const CACHE_FILE = "test/mutation/incremental.json";

/**
 * Moves Stryker's cache aside when it does not parse (a run stopped while writing it leaves it cut
 * short or empty), since Stryker then stops every run with "Unexpected end of JSON input" and no
 * report. Returns where it went, or undefined when the cache is absent or sound. Only a cache is
 * lost: the next run runs every mutant again.
 */
export function setAsideBrokenCache(root: string): string | undefined {
  const cache = path.join(root, CACHE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(cache, "utf8");
  } catch {
    return undefined;
  }
  try {
    JSON.parse(text);
    return undefined;
  } catch {
    const aside = `${CACHE_FILE}.unreadable`;
    fs.renameSync(cache, path.join(root, aside));
    return aside;
  }
}

/** The command a contributor runs to refresh `file` by hand, as the check would. */
export function refreshCommand(file: string): string {
  return `npm run test:mutation -- ${file}`;
}

export interface RunArgs {
  readonly root: string;
  /** The file to mutate, or several (one run: one dry run, the incremental cache shared). */
  readonly file: string | readonly string[];
  /** Test files to run (test/mutation/vitest.config.ts reads PHOENIX_MUTATION_TEST_FILES); none: Stryker's own choice. */
  readonly tests: readonly string[];
  readonly concurrency: number;
  /** Milliseconds before the run is stopped. */
  readonly timeoutMs: number;
  /**
   * Run every unit test, not only those vitest finds related to the file (stryker.config.mjs reads
   * PHOENIX_MUTATION_RELATED): for a file no test imports, whose mutants then count as uncovered.
   */
  readonly allTests?: boolean;
}

export type RunOutcome =
  | { readonly ok: true; readonly report: string; readonly log: string; readonly ms: number }
  /** The file has nothing to mutate (types only): Stryker stops before writing a report. */
  | { readonly ok: true; readonly report: undefined; readonly log: string; readonly ms: number }
  | {
      readonly ok: false;
      readonly why: string;
      /** No unit test is related to the file: run again with `allTests`. */
      readonly noTests: boolean;
      readonly log: string;
      readonly ms: number;
    };

/**
 * Runs `stryker run --mutate <file>` without the type checker (a mutant that does not compile then
 * counts by what the tests see) and waits for its JSON report. Stryker exits 1 when the run's score
 * is below its own `break` threshold; the report written by this run is what counts.
 */
export async function runStryker(args: RunArgs): Promise<RunOutcome> {
  const { root } = args;
  const files = typeof args.file === "string" ? [args.file] : args.file;
  const name = files.length === 1 ? files[0] : `together-${files.length}-files`;
  const log = path.join(LOG_DIR, `${name.replace(/[/\\]/g, "_")}.log`);
  fs.mkdirSync(path.join(root, LOG_DIR), { recursive: true });
  const out = fs.openSync(path.join(root, log), "w");
  const report = path.join(root, REPORT_FILE);
  const aside = setAsideBrokenCache(root);
  if (aside !== undefined) {
    console.log(
      `   Stryker's cache ${CACHE_FILE} did not parse: moved to ${aside}, every mutant runs`,
    );
  }
  const started = Date.now();
  const argv = [
    "run",
    "--mutate",
    files.join(","),
    "--checkers",
    "",
    "--concurrency",
    String(args.concurrency),
    "--reporters",
    "json,clear-text,progress",
  ];
  const child = spawn(path.join(root, "node_modules/.bin/stryker"), argv, {
    cwd: root,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      ...(args.tests.length > 0 ? { PHOENIX_MUTATION_TEST_FILES: args.tests.join(",") } : {}),
      ...(args.allTests ? { PHOENIX_MUTATION_RELATED: "0" } : {}),
    },
  });
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      // Stryker's test runners are its children: stop the whole group.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    },
    Math.max(0, args.timeoutMs),
  );
  const code = await new Promise<number | null>((resolve) => {
    child.on("exit", (c) => resolve(c));
    child.on("error", () => resolve(null));
  });
  clearTimeout(timer);
  fs.closeSync(out);
  const ms = Date.now() - started;
  if (timedOut) return { ok: false, why: "stopped at the deadline", noTests: false, log, ms };
  const written = fs.existsSync(report) && fs.statSync(report).mtimeMs >= started;
  if (written) return { ok: true, report, log, ms };
  // Stryker's own log lines, the only place these two cases show.
  const text = fs.readFileSync(path.join(root, log), "utf8");
  if (/Instrumented 1 source file\(s\) with 0 mutant\(s\)/.test(text)) {
    return { ok: true, report: undefined, log, ms };
  }
  const noTests = /No tests were executed/.test(text);
  return { ok: false, why: `stryker exited ${code} without a report`, noTests, log, ms };
}
