/**
 * Reading and writing test/mutation/results.json, and turning Stryker's JSON reports into results.
 */
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { codeHash, testImporters, workingFiles } from "./tree";
import {
  type Report,
  type Results,
  coveringTestFiles,
  reportSchema,
  resultsSchema,
  summarize,
} from "./results";

/** The committed results, relative to the repository root. */
export const RESULTS_FILE = "test/mutation/results.json";

/** The committed results; none when the file does not exist yet. */
export function readResults(root: string): Results {
  const p = path.join(root, RESULTS_FILE);
  if (!fs.existsSync(p)) return { files: {} };
  const parsed = resultsSchema.safeParse(JSON.parse(fs.readFileSync(p, "utf8")));
  if (!parsed.success) {
    throw new Error(
      `${RESULTS_FILE}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}; ` +
        "regenerate it with `npm run test:mutation`",
    );
  }
  return parsed.data;
}

/** Writes the results as Prettier formats JSON, so `npm run format:check` holds. */
export async function writeResults(root: string, results: Results): Promise<void> {
  const text = await prettier.format(JSON.stringify(results), { parser: "json" });
  fs.writeFileSync(path.join(root, RESULTS_FILE), text);
}

/** A Stryker JSON report (reports/mutation/mutation.json or an incremental file), checked. */
export function readReport(file: string): Report {
  const parsed = reportSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a Stryker JSON report: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`,
    );
  }
  return parsed.data;
}

/**
 * Results for the files of `report` (those of `only`, when given: a narrowed run's report also holds
 * every earlier result of the incremental file). A test file's version is the one the report holds;
 * for one it does not hold, the working copy's when `fresh` (the run just used it), else unknown.
 */
export async function resultsOfReport(
  root: string,
  whole: Report,
  fresh: boolean,
  only?: readonly string[],
): Promise<Results> {
  const report: Report =
    only === undefined
      ? whole
      : {
          ...whole,
          files: Object.fromEntries(Object.entries(whole.files).filter(([f]) => only.includes(f))),
        };
  const importers = testImporters(root, workingFiles(root));
  const tests = new Set<string>();
  for (const f of Object.keys(report.files)) importers.get(f)?.forEach((t) => tests.add(t));
  for (const t of Object.values(coveringTestFiles(report)).flat()) tests.add(t);
  const testHashes = new Map<string, string>();
  for (const t of tests) {
    const held = report.testFiles?.[t]?.source;
    const disk = path.join(root, t);
    const source =
      held ?? (fresh && fs.existsSync(disk) ? fs.readFileSync(disk, "utf8") : undefined);
    if (source !== undefined) testHashes.set(t, await codeHash(t, source));
  }
  const sourceHashes = new Map<string, string>();
  for (const [f, { source }] of Object.entries(report.files)) {
    sourceHashes.set(f, await codeHash(f, source));
  }
  return summarize(report, {
    sourceHash: (f) => sourceHashes.get(f) as string,
    testHash: (t) => testHashes.get(t),
    importers: (f) => importers.get(f) ?? [],
  });
}
