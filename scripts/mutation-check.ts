/**
 * The mutation check: CI's (`.ci/run`) and a contributor's (`npm run test:mutation`).
 *
 * 1. Reads the committed results (test/mutation/results.json) and finds every mutated file whose
 *    result is stale: no result, its code changed, a covering test file changed or is gone, or a
 *    test file imports it that its result does not name (scripts/mutation/results.ts `staleness`;
 *    hashes ignore layout and comments, scripts/mutation/tree.ts).
 * 2. Re-runs Stryker on each stale file alone, cheapest first, until the deadline, and writes each
 *    new result into results.json in the working copy. Stryker runs the unit tests that import the
 *    file (vitest `related`), then each mutant against the tests that cover it.
 * 3. Prints every target (scripts/mutation/targets.ts `TARGETS`) and exits 1 when one is missed (or,
 *    with --strict, a stale result was left): each stale file is named with the command that
 *    refreshes it.
 *
 * Usage: npx tsx scripts/mutation-check.ts [--budget <seconds>] [--dry-run] [--narrow] [--together] [--strict] [--force] [file...]
 *
 *   --budget <s>   stop starting or running Stryker after this many seconds (env
 *                  PHOENIX_MUTATION_BUDGET_S; default: no limit). CI sets it.
 *   --dry-run      only say what is stale and check the targets; run nothing, write nothing.
 *   --together     one Stryker run over every stale file (one dry run, and Stryker's local
 *                  incremental cache reused across them): a contributor's refresh of many files.
 *   --strict       fail when a stale file is left (env PHOENIX_MUTATION_STRICT=1); without it a
 *                  stale file left is a warning and only a missed target fails.
 *   --force        re-run the named files even when their result is current: after adding a test
 *                  that reaches them only through other code, which staleness cannot see.
 *   --narrow       run only the test files the file's result names and those importing it: a
 *                  faster dry run, but a lower bound where the result missed a covering test.
 *   file...        consider only these files (re-run each if stale).
 *
 * PHOENIX_MUTATION_CONCURRENCY sets Stryker's test runners (default 1: the machines here have two
 * cores shared with other work).
 */
import * as fs from "fs";
import * as path from "path";
import {
  type Results,
  describeReason,
  mergeResults,
  refreshOrder,
  staleness,
  testsToRun,
} from "./mutation/results";
import { type TargetResult, checkFails, checkTargets } from "./mutation/targets";
import {
  RESULTS_FILE,
  readReport,
  readResults,
  resultsOfReport,
  writeResults,
} from "./mutation/resultsFile";
import { refreshCommand, runStryker } from "./mutation/stryker";
import { readTree } from "./mutation/tree";

interface Options {
  readonly budgetMs: number;
  readonly dryRun: boolean;
  readonly narrow: boolean;
  readonly together: boolean;
  readonly strict: boolean;
  readonly force: boolean;
  readonly only: readonly string[];
  readonly concurrency: number;
}

function parseOptions(argv: readonly string[]): Options {
  let budget = process.env.PHOENIX_MUTATION_BUDGET_S;
  let dryRun = false;
  let narrow = false;
  let together = false;
  let strict = process.env.PHOENIX_MUTATION_STRICT === "1";
  let force = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--budget") budget = argv[++i];
    else if (argv[i] === "--dry-run") dryRun = true;
    else if (argv[i] === "--narrow") narrow = true;
    else if (argv[i] === "--together") together = true;
    else if (argv[i] === "--strict") strict = true;
    else if (argv[i] === "--force") force = true;
    else if (argv[i].startsWith("-")) usage(`unknown option ${argv[i]}`);
    else only.push(argv[i]);
  }
  const seconds = budget === undefined || budget === "" ? Infinity : Number(budget);
  if (!(seconds >= 0))
    usage(`--budget (or PHOENIX_MUTATION_BUDGET_S) must be seconds, got "${budget}"`);
  const concurrency = Number(process.env.PHOENIX_MUTATION_CONCURRENCY ?? "1");
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    usage(`PHOENIX_MUTATION_CONCURRENCY must be a whole number >= 1, got "${concurrency}"`);
  }
  if (force && only.length === 0) usage("--force needs the files to re-run");
  return { budgetMs: seconds * 1000, dryRun, narrow, together, strict, force, only, concurrency };
}

function usage(message: string): never {
  console.error(
    `mutation-check: ${message}\n` +
      "usage: npx tsx scripts/mutation-check.ts [--budget <seconds>] [--dry-run] [--narrow] [--together] [--strict] [--force] [file...]",
  );
  process.exit(2);
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

function printTargets(results: readonly TargetResult[], left: readonly string[]): void {
  console.log("\nTargets:");
  for (const { target, tally, met, below } of results) {
    const score = Number.isNaN(tally.score) ? "   n/a" : `${tally.score.toFixed(2).padStart(6)}%`;
    console.log(
      `  ${target.name.padEnd(50)} ${score}  killed ${tally.detected}, survived ${tally.survived}, ` +
        `no coverage ${tally.noCoverage}  ${met ? `>= ${target.min} ok` : `< ${target.min} MISSED`}`,
    );
    if (!met) console.log(`    lowest files: ${below.slice(0, 8).join(", ")}`);
    const old = left.filter(target.files);
    if (old.length > 0) console.log(`    ${old.length} of its files stale: scores of older code`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = process.cwd();
  const started = Date.now();
  const committed = readResults(root);
  const tree = await readTree(
    root,
    Object.values(committed.files).flatMap((r) => Object.keys(r.tests)),
  );
  const { stale, removed } = staleness(committed, tree);
  const wanted = options.only.length > 0 ? new Set(options.only) : undefined;
  for (const f of options.only) {
    if (!tree.mutated.includes(f)) usage(`${f} is not a file Stryker mutates (stryker.config.mjs)`);
  }
  const todo = refreshOrder(
    options.force
      ? options.only
      : [...stale.keys()].filter((f) => wanted === undefined || wanted.has(f)),
    (f) => fs.statSync(path.join(root, f)).size,
  );
  console.log(
    `${tree.mutated.length} mutated files, ${stale.size} stale` +
      (removed.length > 0
        ? `, ${removed.length} no longer mutated (dropped: ${removed.join(", ")})`
        : ""),
  );
  for (const f of todo) {
    console.log(`  ${f}: ${(stale.get(f) ?? []).map(describeReason).join("; ") || "forced"}`);
  }

  let results: Results = mergeResults(committed, { files: {} }, removed);
  const left: string[] = [];
  if (options.dryRun) left.push(...todo);
  else if (options.together && todo.length > 0) {
    console.log(`\n== stryker: ${todo.length} files together, related unit tests`);
    const outcome = await runStryker({
      root,
      file: todo,
      tests: [],
      concurrency: options.concurrency,
      timeoutMs: Math.min(started + options.budgetMs - Date.now(), 2 ** 31 - 1),
    });
    if (!outcome.ok || outcome.report === undefined) {
      console.log(`   ${outcome.ok ? "no report" : outcome.why} (log: ${outcome.log})`);
      left.push(...todo);
    } else {
      const fresh = (await resultsOfReport(root, readReport(outcome.report), true, todo)).files;
      for (const file of todo) {
        // A file with nothing to mutate is not in the report: recorded with no mutant.
        const mine = fresh[file] ?? {
          source: tree.hash(file) as string,
          tests: {},
          mutants: {},
          score: null,
        };
        results = mergeResults(results, { files: { [file]: mine } });
        console.log(`   ${file}: score ${mine.score ?? "n/a"}`);
      }
      await writeResults(root, results);
      console.log(`   ${seconds(outcome.ms)} for ${todo.length} files`);
    }
  } else {
    const deadline = started + options.budgetMs;
    for (const file of todo) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        left.push(file);
        continue;
      }
      const tests = options.narrow ? testsToRun(file, committed, tree.importers) : [];
      console.log(
        `\n== stryker: ${file}` +
          (options.narrow ? ` against ${tests.length} test file(s)` : ", related unit tests"),
      );
      const run = (allTests: boolean) =>
        runStryker({
          root,
          file,
          tests,
          allTests,
          concurrency: options.concurrency,
          timeoutMs: Math.min(deadline - Date.now(), 2 ** 31 - 1),
        });
      let outcome = await run(false);
      if (!outcome.ok && outcome.noTests) {
        console.log("   no related unit test: again with every unit test");
        outcome = await run(true);
      }
      if (!outcome.ok) {
        console.log(`   ${outcome.why} after ${seconds(outcome.ms)} (log: ${outcome.log})`);
        left.push(file);
        continue;
      }
      const mine =
        outcome.report === undefined
          ? undefined
          : (await resultsOfReport(root, readReport(outcome.report), true, [file])).files[file];
      // A file with nothing to mutate has no report: record it with no mutant.
      const fresh = mine ?? {
        source: tree.hash(file) as string,
        tests: {},
        mutants: {},
        score: null,
      };
      results = mergeResults(results, { files: { [file]: fresh } });
      await writeResults(root, results);
      const counts = Object.entries(fresh.mutants)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ");
      console.log(
        `   ${seconds(outcome.ms)}: score ${fresh.score ?? "n/a"} (${counts || "no mutants"})`,
      );
    }
    if (removed.length > 0) await writeResults(root, results);
  }

  const targets = checkTargets(results);
  printTargets(targets, left);
  const missed = targets.filter((t) => !t.met);
  const failed = checkFails(targets, left, options.strict);
  if (left.length > 0) {
    console.error(
      `\n${options.strict ? "" : "WARNING: "}${left.length} mutated file(s) have no current result` +
        `${options.dryRun ? "" : " within the budget"}; their scores above are of older code or ` +
        `tests. Refresh them and commit ${RESULTS_FILE}:\n` +
        left.map((f) => `  ${refreshCommand(f)}`).join("\n") +
        (options.strict ? "" : "\n(--strict, or PHOENIX_MUTATION_STRICT=1, fails on them)"),
    );
  }
  if (missed.length > 0) {
    console.error(
      `\nMutation score below target for ${missed
        .map((t) => `${t.target.name} (${t.tally.score.toFixed(2)}% < ${t.target.min}%)`)
        .join("; ")}. Open reports/mutation/index.html after a run of the lowest files, kill ` +
        "the surviving mutants with tests that assert behaviour (or mark an equivalent mutant with " +
        "`// Stryker disable next-line <mutator>: <reason>`).",
    );
  }
  const refreshed = options.dryRun ? 0 : todo.length - left.length;
  if (refreshed > 0) {
    console.log(`\n${refreshed} result(s) refreshed in ${RESULTS_FILE}: commit it.`);
  }
  console.log(`\nmutation check took ${seconds(Date.now() - started)}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
