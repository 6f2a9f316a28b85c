import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitCommit } from "../../../../lib/core/gitCommit";
import { cleanupRepos, git, tmpDir } from "../tmpRepo";

afterAll(cleanupRepos);

describe("gitCommit", () => {
  it("is the checked-out commit, from the repository root or below it", () => {
    const repo = tmpDir();
    git(repo, "init", "-q");
    git(
      repo,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@t",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "x",
    );
    const head = git(repo, "rev-parse", "HEAD");
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(gitCommit(repo)).toBe(head);
    const sub = path.join(repo, "images");
    fs.mkdirSync(sub);
    expect(gitCommit(sub)).toBe(head);
  });

  it('is "unknown" outside a checkout', () => {
    expect(gitCommit(tmpDir())).toBe("unknown");
  });
});
