import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { specHash } from "../../../lib/image/hash";
import { loadSpec } from "../../../lib/spec/spec";
import { EXAMPLE_FILES, cleanupRepos, git, makeRepo, tmpDir } from "../lib/tmpRepo";

afterAll(cleanupRepos);

const BIN = path.join(__dirname, "../../../bin/phoenix.js");

function phoenix(cwd: string, ...args: string[]) {
  // No Docker here: the package delta must degrade to a note, never fail the diff.
  const env = { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" };
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A committed example repository; returns its root. */
function committedRepo(): string {
  const root = makeRepo();
  git(root, "init", "-q");
  git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A");
  git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base");
  return root;
}

const PATCH = (text: string) =>
  text.replace("openssl: 3.0.20-1~deb12u2", "openssl: 3.0.22-1~deb12u2");

describe("phoenix diff --base", { timeout: 60_000 }, () => {
  it("reads the base side from git: spec, app and config as committed", () => {
    const root = committedRepo();
    const spec = path.join(root, "images/web.yaml");
    const baseHash = specHash(loadSpec(spec));
    fs.writeFileSync(spec, PATCH(fs.readFileSync(spec, "utf8")));
    fs.appendFileSync(path.join(root, "app/server.js"), "// changed\n");
    const r = phoenix(root, "diff", "--base", "HEAD", "images/web.yaml");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const headHash = specHash(loadSpec(spec));
    expect(r.out).toContain("packages:\n  ~ openssl: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2\n");
    expect(r.out).toContain("app:\n  ~ file server.js: content or mode changed\n");
    expect(r.out).toContain(
      `fleet: REPLACE (spec ${baseHash.slice(0, 12)} -> ${headHash.slice(0, 12)})\n`,
    );
    expect(r.out).toMatch(/^image packages: not compared: .+$/m);
  });

  it("gives the same verdict as a worktree of the base commit would", () => {
    const root = committedRepo();
    const r = phoenix(root, "diff", "--base=HEAD", "images/web.yaml");
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `no changes\nfleet: unchanged (spec ${specHash(loadSpec(path.join(root, "images/web.yaml"))).slice(0, 12)})\n`,
    );
  });

  it("names the flag when the revision or the spec is not in git", () => {
    const root = committedRepo();
    const bad = phoenix(root, "diff", "--base", "no-such-branch", "images/web.yaml");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--base: "no-such-branch" is not a commit in /);
    fs.writeFileSync(path.join(root, "images/new.yaml"), EXAMPLE_FILES["images/web.yaml"]);
    const added = phoenix(root, "diff", "--base", "HEAD", "images/new.yaml");
    expect(added.code).toBe(1);
    expect(added.err).toContain("--base: images/new.yaml does not exist in HEAD");
    const plain = makeRepo();
    const outside = phoenix(plain, "diff", "--base", "HEAD", "images/web.yaml");
    expect(outside.code).toBe(1);
    expect(outside.err).toMatch(/--base: images\/web.yaml is not in a git repository/);
  });

  it("is a usage error without a spec, or with two", () => {
    const root = committedRepo();
    expect(phoenix(root, "diff", "--base", "HEAD").code).toBe(2);
    expect(phoenix(root, "diff", "--base", "HEAD", "a.yaml", "b.yaml").code).toBe(2);
    expect(phoenix(root, "diff", "--base").code).toBe(2);
  });
});

describe("phoenix diff with a base spec outside the repository", { timeout: 60_000 }, () => {
  it("reads the lone YAML against the new side's sources and says so", () => {
    const root = makeRepo();
    const lone = path.join(
      fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "base-"))),
      "web.yaml",
    );
    fs.writeFileSync(lone, EXAMPLE_FILES["images/web.yaml"]);
    const spec = path.join(root, "images/web.yaml");
    fs.writeFileSync(spec, PATCH(EXAMPLE_FILES["images/web.yaml"]));
    const r = phoenix(root, "diff", lone, "images/web.yaml");
    fs.rmSync(path.dirname(lone), { recursive: true, force: true });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^note: .*web\.yaml is outside any repository; its app and config sources were read from .*images as they are now/,
    );
    expect(r.out).toContain("packages:\n  ~ openssl: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2\n");
    expect(r.out).toContain("fleet: REPLACE");
    expect(r.out).not.toContain("app:");
  });

  it("still refuses a lone spec as the new side", () => {
    const dir = tmpDir("lone-");
    fs.writeFileSync(path.join(dir, "web.yaml"), EXAMPLE_FILES["images/web.yaml"]);
    const root = makeRepo();
    const r = phoenix(root, "diff", "images/web.yaml", path.join(dir, "web.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toContain("no repository root");
  });
});
