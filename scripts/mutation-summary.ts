/**
 * Folds Stryker JSON reports into the committed results (test/mutation/results.json): per mutated
 * file, the hash of the code its mutants ran against, its covering test files with their hashes, the
 * mutant counts by status and the score (scripts/mutation/results.ts says what each field means).
 *
 * Usage: npx tsx scripts/mutation-summary.ts [--old] [--only <file>,...] <report.json>...
 *
 * Each report's files replace their earlier results. A report of a run just made
 * (reports/mutation/mutation.json) takes a test file's version from the working copy when the report
 * does not hold it; `--old` reads a report of earlier runs (an incremental file), whose test files
 * not held in it are marked unknown, so their results stay stale until run again. `--only` takes
 * only those files from the reports (a narrowed run's report also holds the incremental file's
 * older results, which are not of the working copy).
 * `npm run test:mutation` (scripts/mutation-check.ts) calls this after each run; it is here for a
 * run made by hand.
 */
import { mergeResults } from "./mutation/results";
import { readReport, readResults, resultsOfReport, writeResults } from "./mutation/resultsFile";

async function main(): Promise<void> {
  let old = false;
  let only: string[] | undefined;
  const reports: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--old") old = true;
    else if (args[i] === "--only") only = (args[++i] ?? "").split(",").filter((f) => f !== "");
    else reports.push(args[i]);
  }
  if (reports.length === 0) {
    console.error(
      "usage: npx tsx scripts/mutation-summary.ts [--old] [--only <file>,...] <report.json>...",
    );
    process.exit(2);
  }
  const root = process.cwd();
  let results = readResults(root);
  for (const file of reports) {
    const update = await resultsOfReport(root, readReport(file), !old, only);
    results = mergeResults(results, update);
    console.log(`${file}: ${Object.keys(update.files).length} file(s)`);
  }
  await writeResults(root, results);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
