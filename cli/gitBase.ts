/**
 * The base side of a review, read from git itself: the tree of a commit is extracted (git archive)
 * into a temporary directory, so the spec, its app and its config files are exactly as committed,
 * without a worktree and without touching the checkout.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "./io";

/** A commit's tree on disk, and where the spec sits in it. */
export interface BaseTree {
  /** The spec's path inside the extracted tree. */
  readonly specPath: string;
  /** The full commit id `rev` resolved to. */
  readonly commit: string;
  /** Removes the temporary directory. */
  readonly cleanup: () => void;
}

function git(cwd: string, args: string[], input?: Buffer) {
  return spawnSync("git", args, { cwd, input, maxBuffer: 1 << 30 });
}

/**
 * Extracts commit `rev` of the repository holding `specPath`; the returned specPath is the same
 * repository-relative file in that commit. Throws naming the flag and the fix when `rev` is not a
 * commit or the spec is not in it.
 */
export function baseTree(specPath: string, rev: string): BaseTree {
  const specDir = path.dirname(path.resolve(specPath));
  const top = git(specDir, ["rev-parse", "--show-toplevel"]);
  if (top.status !== 0)
    throw new Error(
      `--base: ${specPath} is not in a git repository (${top.stderr.toString().trim()}); ` +
        "compare two spec files instead: phoenix diff <old.yaml> <new.yaml>",
    );
  const root = fs.realpathSync(top.stdout.toString().trim());
  const commit = git(root, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  if (commit.status !== 0)
    throw new Error(
      `--base: ${JSON.stringify(rev)} is not a commit in ${root}; pass a branch, tag or commit id ` +
        "(e.g. origin/main, or fetch it first)",
    );
  const id = commit.stdout.toString().trim();
  const rel = path
    .relative(root, fs.realpathSync(path.resolve(specPath)))
    .split(path.sep)
    .join("/");
  if (git(root, ["cat-file", "-e", `${id}:${rel}`]).status !== 0)
    throw new Error(
      `--base: ${rel} does not exist in ${rev} (${id.slice(0, 12)}): the spec is new; ` +
        `run phoenix validate ${specPath} instead`,
    );
  const archive = git(root, ["archive", "--format=tar", id]);
  if (archive.status !== 0)
    throw new Error(`--base: git archive ${rev} failed: ${archive.stderr.toString().trim()}`);
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-base-")));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const untar = spawnSync("tar", ["-x", "-f", "-", "-C", dir], { input: archive.stdout });
  if (untar.status !== 0) {
    cleanup();
    throw new Error(`--base: extracting ${rev} failed: ${untar.stderr.toString().trim()}`);
  }
  return { specPath: path.join(dir, rel), commit: id, cleanup };
}

/**
 * Splits `[--base <git rev> | --base=<git rev>] <files...>`, refusing other options; `form` is the
 * command's usage line, quoted in every error.
 */
export function parseBaseArgs(
  args: readonly string[],
  form: string,
): { base?: string; files: string[] } {
  const files: string[] = [];
  let base: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--base") {
      base = args[++i];
      if (base === undefined || base.startsWith("-"))
        throw new UsageError(`--base needs a git revision; usage: ${form}`);
    } else if (a.startsWith("--base=")) base = a.slice("--base=".length);
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}; usage: ${form}`);
    else files.push(a);
  }
  return { base, files };
}
