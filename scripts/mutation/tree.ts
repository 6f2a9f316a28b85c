/**
 * The working copy as the mutation results see it: which files Stryker mutates, a hash of each file
 * that ignores layout and comments, and which test files import each mutated file.
 *
 * The hash (`codeHash`): the file formatted by Prettier with the repository's config, then printed
 * again by the TypeScript compiler's printer without comments, plus every `Stryker disable`/`restore`
 * comment (they change which mutants run), then sha256. Prettier makes layout, quotes, trailing
 * commas, semicolons and optional parentheses canonical, so a Prettier-only commit changes no hash; the
 * printer drops comments, so a reworded comment does not send a file back to Stryker. The hash
 * depends on the pinned Prettier and TypeScript versions: an upgrade that formats a file differently
 * reformats it in the same commit, and that file's result goes stale once.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import * as prettier from "prettier";
import * as ts from "typescript";
import { isMutated, type Tree } from "./results";

/** Where the unit tests live; Stryker runs (some of) them. */
export const TEST_DIR = "test/unit";
const TEST_FILE_RE = /\.test\.ts$/;
const STRYKER_COMMENT_RE = /\/\/\s*Stryker (?:disable|restore)\b[^\n]*/g;

/** Hash of `source` (the text of `file`, a path relative to the repository root) as described above. */
export async function codeHash(file: string, source: string): Promise<string> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  let formatted: string;
  try {
    formatted = await prettier.format(source, { ...config, filepath: file });
  } catch {
    // Code Prettier cannot parse cannot have run either; hash it as it is.
    formatted = source;
  }
  const sf = ts.createSourceFile(file, formatted, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const printed = ts.createPrinter({ removeComments: true }).printFile(sf);
  const directives = (formatted.match(STRYKER_COMMENT_RE) ?? []).map((c) => c.trim());
  return createHash("sha256")
    .update(printed)
    .update("\n")
    .update(directives.join("\n"))
    .digest("hex")
    .slice(0, 16);
}

/** Files of the working copy (tracked and new, not ignored), relative to `root`. */
export function workingFiles(root: string): string[] {
  return execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\n")
    .filter((f) => f !== "" && fs.existsSync(path.join(root, f)));
}

/** Stryker's `mutate` patterns from stryker.config.mjs. */
export async function mutatePatterns(root: string): Promise<string[]> {
  const config = (await import(pathToFileURL(path.join(root, "stryker.config.mjs")).href)) as {
    default: { mutate: string[] };
  };
  return config.default.mutate;
}

/** Relative `.ts` imports of `file`, resolved to files of `known`. */
function localImports(root: string, file: string, known: ReadonlySet<string>): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const out: string[] = [];
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    const hit = [base, `${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
    if (hit !== undefined) out.push(hit);
  }
  return out;
}

/**
 * For each file, the unit test files that import it directly or through helpers under test/
 * (test/mocks.ts, test/unit/components/built.ts), never through other product code: a test that
 * reaches a module only through another one is counted when Stryker's coverage names it.
 */
export function testImporters(root: string, files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const testSide = files.filter((f) => f.startsWith("test/") && f.endsWith(".ts"));
  const importedBy = new Map<string, Set<string>>();
  for (const test of testSide.filter((f) => f.startsWith(`${TEST_DIR}/`) && TEST_FILE_RE.test(f))) {
    const seen = new Set<string>([test]);
    const queue = [test];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const dep of localImports(root, current, known)) {
        if (seen.has(dep)) continue;
        seen.add(dep);
        if (dep.startsWith("test/")) queue.push(dep);
        else (importedBy.get(dep) ?? importedBy.set(dep, new Set()).get(dep))?.add(test);
      }
    }
  }
  return new Map([...importedBy].map(([f, tests]) => [f, [...tests].sort()]));
}

/** Hashes of many files at once, read from the working copy; undefined for a file that is gone. */
export async function hashFiles(
  root: string,
  files: Iterable<string>,
): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const f of new Set(files)) {
    const p = path.join(root, f);
    out.set(f, fs.existsSync(p) ? await codeHash(f, fs.readFileSync(p, "utf8")) : undefined);
  }
  return out;
}

/**
 * The working copy as `staleness` reads it. `extra` names files to hash besides the mutated ones
 * and their importers: the test files the committed results name.
 */
export async function readTree(root: string, extra: Iterable<string>): Promise<Tree> {
  const files = workingFiles(root);
  const patterns = await mutatePatterns(root);
  const mutated = files.filter((f) => f.endsWith(".ts") && isMutated(f, patterns)).sort();
  const importers = testImporters(root, files);
  const hashes = await hashFiles(root, [
    ...mutated,
    ...mutated.flatMap((f) => importers.get(f) ?? []),
    ...extra,
  ]);
  return {
    mutated,
    hash: (f) => hashes.get(f),
    importers: (f) => importers.get(f) ?? [],
  };
}
