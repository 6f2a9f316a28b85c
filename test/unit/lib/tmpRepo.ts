/** Builds throwaway repositories (a Pulumi.yaml marks the root) for spec, hash and CLI tests. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The example spec's text, with the app and config it points at, relative to a repo root. */
export const EXAMPLE_FILES: Record<string, string> = {
  "Pulumi.yaml": "name: tmp\nruntime: nodejs\n",
  "images/web.yaml": fs.readFileSync(path.join(__dirname, "../../../images/web.yaml"), "utf8"),
  "app/server.js": 'require("node:http").createServer((q, s) => s.end("ok")).listen(8080);\n',
  "app/package.json": '{ "name": "web", "private": true }\n',
  "app/lib/util.js": "module.exports = { twice: (x) => 2 * x };\n",
  "config/web.json": '{ "greeting": "hello" }\n',
};

const made: string[] = [];

/** A fresh temp dir; removed by cleanupRepos(). */
export function tmpDir(prefix = "phoenix-test-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** Writes `files` (repo-relative path -> content) under `root`. */
export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

/** A temp repository holding the example files plus `extra` (which may override them). */
export function makeRepo(extra: Record<string, string | Buffer> = {}, root = tmpDir()): string {
  writeFiles(root, { ...EXAMPLE_FILES, ...extra });
  return root;
}

/** Removes every dir made by tmpDir(). */
export function cleanupRepos(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Runs git in `cwd` and returns its trimmed stdout; throws with git's stderr when it fails. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}
