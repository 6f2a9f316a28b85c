import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileIgnore, contextFiles } from "../../../../lib/image/context";
import { loadSpec } from "../../../../lib/spec/spec";
import { cleanupRepos, makeRepo, tmpDir } from "../tmpRepo";

afterAll(cleanupRepos);

function paths(root: string): string[] {
  return contextFiles(loadSpec(path.join(root, "images/web.yaml"))).map((f) => f.path);
}

describe("compileIgnore", () => {
  const ignored = compileIgnore(
    [
      "# comment",
      "*.log",
      "/build",
      "docs/**/*.md",
      "!docs/keep.md",
      "tmp?",
      "**/cache",
      "[ab].txt",
      "",
    ].join("\n"),
  );
  it.each([
    ["a.log", true],
    ["sub/a.log", false], // `*` never crosses a slash, as in Docker
    ["build/x/y.js", true], // a matched directory excludes everything below it
    ["docs/a/b/c.md", true],
    ["docs/c.md", true],
    ["docs/keep.md", false], // `!` re-includes; the last matching rule wins
    ["tmp1", true],
    ["tmp12", false],
    ["x/y/cache/z", true],
    ["a.txt", true],
    ["c.txt", false],
    ["server.js", false],
  ])("%s excluded: %s", (p, expected) => {
    expect(ignored(p)).toBe(expected);
  });
});

describe("contextFiles", () => {
  it("lists app files under app/ and config files under config/<i>, sorted", () => {
    const root = makeRepo();
    const files = contextFiles(loadSpec(path.join(root, "images/web.yaml")));
    expect(files).toEqual([
      { path: "app/lib/util.js", source: path.join(root, "app/lib/util.js"), mode: 0o644 },
      { path: "app/package.json", source: path.join(root, "app/package.json"), mode: 0o644 },
      { path: "app/server.js", source: path.join(root, "app/server.js"), mode: 0o644 },
      { path: "config/0", source: path.join(root, "config/web.json"), mode: 0o644 },
    ]);
  });

  it("skips node_modules and .git at any depth, and what .dockerignore excludes", () => {
    const root = makeRepo({
      "app/node_modules/x/index.js": "x",
      "app/lib/node_modules/y.js": "y",
      "app/.git/HEAD": "ref",
      "app/debug.log": "noise",
      "app/.dockerignore": "*.log\n",
    });
    expect(paths(root)).toEqual([
      "app/.dockerignore",
      "app/lib/util.js",
      "app/package.json",
      "app/server.js",
      "config/0",
    ]);
  });

  it("normalizes modes to 0644/0755 so the umask does not matter", () => {
    const root = makeRepo({ "app/run.sh": "#!/bin/sh\n" });
    fs.chmodSync(path.join(root, "app/run.sh"), 0o700);
    fs.chmodSync(path.join(root, "app/server.js"), 0o600);
    const files = contextFiles(loadSpec(path.join(root, "images/web.yaml")));
    expect(files.find((f) => f.path === "app/run.sh")?.mode).toBe(0o755);
    expect(files.find((f) => f.path === "app/server.js")?.mode).toBe(0o644);
  });

  it("follows symlinks that stay in the repository", () => {
    const root = makeRepo({ "shared/banner.txt": "hi" });
    fs.symlinkSync(path.join(root, "shared/banner.txt"), path.join(root, "app/banner.txt"));
    fs.symlinkSync(path.join(root, "shared"), path.join(root, "app/shared"));
    const files = contextFiles(loadSpec(path.join(root, "images/web.yaml")));
    expect(
      files.filter((f) => f.source === path.join(root, "shared/banner.txt")).map((f) => f.path),
    ).toEqual(["app/banner.txt", "app/shared/banner.txt"]);
  });

  it("rejects symlinks out of the repository, broken symlinks and loops, all at once", () => {
    const outside = tmpDir();
    fs.writeFileSync(path.join(outside, "secret"), "s");
    const root = makeRepo();
    fs.symlinkSync(path.join(outside, "secret"), path.join(root, "app/leak"));
    fs.symlinkSync(path.join(root, "app/missing"), path.join(root, "app/dangling"));
    fs.symlinkSync(path.join(root, "app"), path.join(root, "app/lib/loop"));
    expect(() => paths(root)).toThrow(
      /app\.source: "dangling" is a broken symlink[\s\S]*app\.source: "leak" is a symlink to .*outside the repository[\s\S]*"lib\/loop" is a symlink loop/,
    );
  });

  it("rejects an app dir with nothing to copy", () => {
    const root = makeRepo({ "app/.dockerignore": "*\n" });
    expect(() => paths(root)).toThrow(/app\.source: .* holds no files to copy/);
  });
});
