/** `phoenix diff`: the reviewer's summary of a spec change, and the full package delta. */
import * as path from "node:path";
import { findRepoRoot } from "../lib/spec/spec";
import { formatSpecDiff } from "../lib/guardrails/specDiff";
import { describePackageChange } from "../lib/image/manifest";
import { side } from "./commands";
import { baseTree, parseBaseArgs } from "./gitBase";
import { packageDelta } from "./imagePackages";
import { EXIT, Io, UsageError } from "./io";

const FORM = "phoenix diff <old.yaml> <new.yaml> | phoenix diff --base <git rev> <spec.yaml>";

function parse(args: readonly string[]): { base?: string; files: string[] } {
  const { base, files } = parseBaseArgs(args, FORM);
  const want = base === undefined ? 2 : 1;
  if (files.length !== want)
    throw new UsageError(
      `expected ${want} argument${want === 1 ? "" : "s"}${base === undefined ? "" : " with --base"}, ` +
        `got ${files.length}; usage: ${FORM}`,
    );
  return { base, files };
}

/**
 * A base spec outside every repository (a YAML copied to /tmp) is read against the new side's
 * repository: its sources resolve as if it sat where the new spec sits, and the output says so.
 */
function oldSide(oldPath: string, newPath: string) {
  if (findRepoRoot(path.dirname(path.resolve(oldPath))) !== undefined)
    return { note: "", s: side(oldPath) };
  const newDir = path.dirname(path.resolve(newPath));
  return {
    s: side(oldPath, { sourceDir: newDir, repoRoot: findRepoRoot(newDir) }),
    note:
      `note: ${oldPath} is outside any repository; its app and config sources were read from ` +
      `${newDir} as they are now (use --base <git rev> to compare whole commits)\n`,
  };
}

/** `phoenix diff`: spec changes, the fleet verdict, then every package that moved between images. */
export async function diff(args: readonly string[], io: Io): Promise<number> {
  const { base, files } = parse(args);
  const tree = base === undefined ? undefined : baseTree(files[0], base);
  try {
    const newPath = files[files.length - 1];
    const { s: a, note } = tree ? { s: side(tree.specPath), note: "" } : oldSide(files[0], newPath);
    const b = side(newPath);
    io.out(note + formatSpecDiff(a, b));
    if (a.hash !== b.hash) {
      const delta = await packageDelta(a.hash, b.hash);
      if ("unavailable" in delta) io.out(`image packages: not compared: ${delta.unavailable}\n`);
      else {
        const n = delta.changes.length;
        io.out(`image packages: ${n} changed${n === 0 ? "" : ":"}\n`);
        for (const c of delta.changes) io.out(`  ${describePackageChange(c)}\n`);
      }
    }
    return EXIT.ok;
  } finally {
    tree?.cleanup();
  }
}
