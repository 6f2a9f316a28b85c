import { spawnSync } from "node:child_process";

/**
 * The commit checked out in `dir`, or "unknown" outside a git checkout. It labels images and tags
 * resources; it never enters the spec hash, so a new commit with the same spec changes nothing.
 */
export function gitCommit(dir: string): string {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  return head.status === 0 ? head.stdout.trim() : "unknown";
}
