/**
 * loadSpec and the repository: where the root is found, and which specs and sources count as inside
 * it (the root itself, below it; never its parent, a sibling that shares its name as a prefix, or
 * a symlink out of it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { findRepoRoot, isInside, loadSpec } from "../../../../lib/spec/spec";
import { EXAMPLE_FILES, cleanupRepos, makeRepo, tmpDir, writeFiles } from "../tmpRepo";

afterAll(cleanupRepos);

const EXAMPLE = EXAMPLE_FILES["images/web.yaml"];
const MINIMAL = `name: web
base: debian:bookworm-slim
app: { version: v1.0.0, source: ../app, command: [node, server.js], port: 8080 }
`;

/** The issues loadSpec throws, as `path: message` lines. */
function loadProblems(specPath: string, opts?: Parameters<typeof loadSpec>[1]): string[] {
  try {
    loadSpec(specPath, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the spec to be rejected");
}

/** A repository with the example files whose images/web.yaml is `spec`; returns the spec's path. */
function repoSpec(spec: string, extra: Record<string, string> = {}): string {
  return path.join(makeRepo({ "images/web.yaml": spec, ...extra }), "images/web.yaml");
}

describe("isInside", () => {
  it.each([
    ["/r", "/r", true],
    ["/r", "/r/a", true],
    ["/r", "/r/a/b.json", true],
    ["/r", "/r/..a", true],
    ["/r", "/r/a/../b", true],
    ["/r", "/", false],
    ["/r/a", "/r", false],
    ["/r", "/r-other", false],
    ["/r", "/r-other/a", false],
    ["/r", "/rx", false],
    ["/r", "/r/../s", false],
    ["/r/a", "/r/b/a", false],
  ])("isInside(%j, %j) is %s", (root, child, inside) => {
    expect(isInside(root, child)).toBe(inside);
  });
});

describe("findRepoRoot", () => {
  it("finds the nearest directory holding Pulumi.yaml or .git, from the directory up", () => {
    const outer = tmpDir();
    writeFiles(outer, { "Pulumi.yaml": "name: outer\n", "inner/.git": "gitdir: x\n" });
    fs.mkdirSync(path.join(outer, "inner/a/b"), { recursive: true });
    expect(findRepoRoot(outer)).toBe(outer);
    expect(findRepoRoot(path.join(outer, "inner"))).toBe(path.join(outer, "inner"));
    expect(findRepoRoot(path.join(outer, "inner/a/b"))).toBe(path.join(outer, "inner"));
  });
});

// These need a temp directory outside every repository; they are skipped where it is inside one.
describe.skipIf(findRepoRoot(os.tmpdir()) !== undefined)("a spec outside every repository", () => {
  it("is found to have no repository root", () => {
    expect(findRepoRoot(tmpDir())).toBeUndefined();
  });

  it("is refused with the directory searched and the fix, after the spec's own issues", () => {
    const lone = tmpDir();
    fs.writeFileSync(path.join(lone, "web.yaml"), MINIMAL.replace("v1.0.0", "1.0.0"));
    expect(loadProblems(path.join(lone, "web.yaml"))).toEqual([
      'app.version: must be v-prefixed semver, e.g. "v1.0.0"; got "1.0.0"',
      `(repo): no repository root (a directory holding .git or Pulumi.yaml) at or above ${lone}; keep specs inside the repository`,
    ]);
  });

  it("is refused even when it is valid and its sources exist", () => {
    const lone = tmpDir();
    writeFiles(lone, { "images/web.yaml": MINIMAL, "app/server.js": "" });
    expect(loadProblems(path.join(lone, "images/web.yaml"))).toEqual([
      `(repo): no repository root (a directory holding .git or Pulumi.yaml) at or above ${path.join(lone, "images")}; keep specs inside the repository`,
    ]);
  });
});

describe("loadSpec repository root", () => {
  it("refuses a given repository root that does not exist", () => {
    const spec = repoSpec(EXAMPLE);
    const missing = path.join(path.dirname(spec), "no-such-root");
    expect(loadProblems(spec, { repoRoot: missing })).toEqual([
      `(repo): no repository root (a directory holding .git or Pulumi.yaml) at or above ${path.dirname(spec)}; keep specs inside the repository`,
    ]);
  });

  it("refuses a spec in a sibling directory whose name starts with the repository's", () => {
    const parent = tmpDir();
    const root = makeRepo({}, path.join(parent, "repo"));
    const other = path.join(parent, "repo-other");
    writeFiles(other, {
      "web.yaml": EXAMPLE.replace("../app", "../repo/app").replace(
        "../config/web.json",
        "../repo/config/web.json",
      ),
    });
    // Its sources are in the repository; only the spec file itself is outside.
    expect(loadProblems(path.join(other, "web.yaml"), { repoRoot: root })).toEqual([
      `(repo): the spec ${path.join(other, "web.yaml")} is outside the repository ${root}`,
    ]);
  });

  it("accepts a lone spec copy outside the repository when sources come from sourceDir", () => {
    const root = makeRepo();
    const copy = path.join(tmpDir(), "web.yaml");
    fs.copyFileSync(path.join(root, "images/web.yaml"), copy);
    const loaded = loadSpec(copy, { sourceDir: path.join(root, "images") });
    expect(loaded.specPath).toBe(copy);
    expect(loaded.repoRoot).toBe(root);
    expect(loaded.appDir).toBe(path.join(root, "app"));
    expect(loaded.configFiles.map((c) => c.source)).toEqual([path.join(root, "config/web.json")]);
  });

  it("refuses a spec whose only problem is one config file that does not exist", () => {
    const spec = repoSpec(EXAMPLE.replace("../config/web.json", "../config/gone.json"));
    expect(loadProblems(spec)).toEqual([
      `config.files./etc/web/config.json: file "../config/gone.json" does not exist (looked for ${path.resolve(path.dirname(spec), "../config/gone.json")}); fix the path, which is relative to the spec file`,
    ]);
  });
});

describe("loadSpec source paths", () => {
  it("accepts the repository root itself as the app directory", () => {
    const spec = repoSpec(EXAMPLE.replace("source: ../app", "source: .."));
    expect(loadSpec(spec).appDir).toBe(path.dirname(path.dirname(spec)));
  });

  it("accepts a directory whose name starts with two dots", () => {
    const spec = repoSpec(EXAMPLE.replace("source: ../app", "source: ../..app"), {
      "..app/server.js": "",
    });
    expect(loadSpec(spec).appDir).toBe(path.join(path.dirname(path.dirname(spec)), "..app"));
  });

  it("refuses the repository's parent, and a sibling sharing its name as a prefix", () => {
    const parent = tmpDir();
    const root = makeRepo({}, path.join(parent, "repo"));
    writeFiles(parent, { "repo-other/app/server.js": "" });
    for (const [written, real] of [
      ["../..", parent],
      ["../../repo-other/app", path.join(parent, "repo-other/app")],
    ]) {
      fs.writeFileSync(
        path.join(root, "images/web.yaml"),
        EXAMPLE.replace("source: ../app", `source: ${written}`),
      );
      expect(loadProblems(path.join(root, "images/web.yaml"))).toEqual([
        `app.source: ${JSON.stringify(written)} resolves to ${real}, outside the repository ${root}; sources must live in the repository`,
      ]);
    }
  });

  it("reports an absolute source once, as the schema words it, without looking it up", () => {
    const absent = path.join(tmpDir(), "gone");
    const spec = repoSpec(
      EXAMPLE.replace("source: ../app", `source: ${absent}`).replace(
        "../config/web.json",
        `${absent}.json`,
      ),
    );
    expect(loadProblems(spec)).toEqual([
      `app.source: must be relative to the spec file (an absolute path would tie the spec to one checkout), got ${JSON.stringify(absent)}`,
      `config.files./etc/web/config.json: must be relative to the spec file (an absolute path would tie the spec to one checkout), got ${JSON.stringify(`${absent}.json`)}`,
    ]);
  });

  it("reports a source with a control character once, without looking it up", () => {
    const spec = repoSpec(EXAMPLE.replace("source: ../app", 'source: "../app\\n"'));
    expect(loadProblems(spec)).toEqual([
      'app.source: must not contain newlines or control characters (found U+000A at index 6), got "../app\\n"',
    ]);
  });

  it("reports a missing app source as required, and a non-text one by its type", () => {
    expect(loadProblems(repoSpec(EXAMPLE.replace("  source: ../app\n", "")))).toEqual([
      "app.source: is required (expected string)",
    ]);
    expect(loadProblems(repoSpec(EXAMPLE.replace("source: ../app", "source: [../app]")))).toEqual([
      "app.source: expected string, got a list",
    ]);
  });

  it("reports config files that are not a mapping of paths by their type only", () => {
    const files = (value: string) =>
      repoSpec(
        EXAMPLE.replace("files: { /etc/web/config.json: ../config/web.json }", `files: ${value}`),
      );
    expect(loadProblems(files('"../config/web.json"'))).toEqual([
      'config.files: expected record, got "../config/web.json"',
    ]);
    expect(loadProblems(files("~"))).toEqual(["config.files: expected record, got null"]);
    expect(loadProblems(files("[../config/web.json]"))).toEqual([
      "config.files: expected record, got a list",
    ]);
    expect(loadProblems(files("{ /etc/web/config.json: 5 }"))).toEqual([
      'config.files./etc/web/config.json: expected string, got 5 (write it in quotes, "5", so YAML keeps it as text)',
    ]);
  });
});
