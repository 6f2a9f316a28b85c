import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { RENDERER_VERSION, hashDocument, imageTag, specHash } from "../../../../lib/image/hash";
import { loadSpec, parseSpec } from "../../../../lib/spec/spec";
import { packageVersion, shuffleKeys, specData } from "../spec/specArbitraries";
import { EXAMPLE_FILES, cleanupRepos, makeRepo, tmpDir } from "../tmpRepo";

afterAll(cleanupRepos);

function hashOf(root: string, rel = "images/web.yaml"): string {
  return specHash(loadSpec(path.join(root, rel)));
}

/** Copies a directory tree (files only), as a fresh checkout would. */
function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

describe("specHash", () => {
  it("is 64 lowercase hex and stable for the same repository", () => {
    const root = makeRepo();
    expect(hashOf(root)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOf(root)).toBe(hashOf(root));
  });

  it("hashes the renderer version and no absolute path", () => {
    const root = makeRepo();
    const doc = hashDocument(loadSpec(path.join(root, "images/web.yaml")));
    expect(JSON.parse(doc).renderer).toBe(RENDERER_VERSION);
    expect(doc).not.toContain(root);
    expect(doc).not.toContain("../app");
  });

  it("does not depend on key order, package order, test order or YAML formatting", () => {
    const root = makeRepo();
    fc.assert(
      fc.property(specData, fc.nat(), (data, seed) => {
        const styles = [
          stringify(data),
          stringify({ ...data, tests: [...data.tests].reverse() }),
          stringify(shuffleKeys(data, seed), {
            defaultStringType: "QUOTE_DOUBLE",
            defaultKeyType: "PLAIN",
            indent: 4,
          }),
          stringify(shuffleKeys(data, seed + 1), { collectionStyle: "flow" }),
          `# a comment\n${JSON.stringify(shuffleKeys(data, seed + 2), null, 1)}\n`,
        ];
        const hashes = styles.map((text, i) => {
          fs.writeFileSync(path.join(root, `images/s${i}.yaml`), text);
          return hashOf(root, `images/s${i}.yaml`);
        });
        expect(new Set(hashes).size).toBe(1);
      }),
      { numRuns: 60 },
    );
  }, 30_000); // 60 runs x 5 spec files, slow on a loaded machine

  it("does not depend on where the repository is checked out or on file mtimes", () => {
    const original = makeRepo();
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8}){0,3}$/),
        fc.integer({ min: 1, max: 2_000_000_000 }),
        (sub, mtime) => {
          const copy = path.join(tmpDir(), sub);
          copyTree(original, copy);
          for (const rel of Object.keys(EXAMPLE_FILES))
            fs.utimesSync(path.join(copy, rel), mtime, mtime);
          expect(hashOf(copy)).toBe(hashOf(original));
        },
      ),
      { numRuns: 15 },
    );
  });

  it("changes when any byte of an app or config file changes", () => {
    const root = makeRepo();
    const base = hashOf(root);
    const files = ["app/server.js", "app/package.json", "app/lib/util.js", "config/web.json"];
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (rel, at, xor) => {
          const full = path.join(root, rel);
          const before = fs.readFileSync(full);
          const after = Buffer.from(before);
          after[at % after.length] ^= xor;
          try {
            fs.writeFileSync(full, after);
            expect(hashOf(root)).not.toBe(base);
          } finally {
            fs.writeFileSync(full, before);
          }
          expect(hashOf(root)).toBe(base);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("changes when a file is added, renamed or made executable", () => {
    const root = makeRepo();
    const base = hashOf(root);
    fs.writeFileSync(path.join(root, "app/new.js"), "");
    expect(hashOf(root)).not.toBe(base);
    fs.rmSync(path.join(root, "app/new.js"));
    fs.renameSync(path.join(root, "app/lib/util.js"), path.join(root, "app/lib/util2.js"));
    expect(hashOf(root)).not.toBe(base);
    fs.renameSync(path.join(root, "app/lib/util2.js"), path.join(root, "app/lib/util.js"));
    expect(hashOf(root)).toBe(base);
    fs.chmodSync(path.join(root, "app/server.js"), 0o755);
    expect(hashOf(root)).not.toBe(base);
  });

  it("ignores files excluded by .dockerignore", () => {
    const root = makeRepo({ "app/.dockerignore": "*.log\n" });
    const base = hashOf(root);
    fs.writeFileSync(path.join(root, "app/debug.log"), "noise");
    expect(hashOf(root)).toBe(base);
  });

  it("changes when any pinned version changes", () => {
    const root = makeRepo();
    const spec = parseSpec(EXAMPLE_FILES["images/web.yaml"]);
    const base = hashOf(root);
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(spec.packages)),
        packageVersion,
        (pkg, version) => {
          fc.pre(version !== spec.packages[pkg]);
          const changed = { ...spec, packages: { ...spec.packages, [pkg]: version } };
          fs.writeFileSync(path.join(root, "images/changed.yaml"), stringify(changed));
          expect(hashOf(root, "images/changed.yaml")).not.toBe(base);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("changes with the base image, a sysctl, an env value, a config target or the app version", () => {
    const root = makeRepo();
    const text = EXAMPLE_FILES["images/web.yaml"];
    const base = hashOf(root);
    const edits = [
      ["debian:bookworm-slim", `debian:bookworm-slim@sha256:${"1".repeat(64)}`],
      ['"1024"', '"4096"'],
      ["LOG_LEVEL: info", "LOG_LEVEL: debug"],
      ["/etc/web/config.json", "/etc/web/app.json"],
      ["v3.4.1", "v3.4.2"],
      ["DB_PASSWORD]", "DB_PASSWORD, API_TOKEN]"],
    ];
    for (const [from, to] of edits) {
      expect(text).toContain(from);
      fs.writeFileSync(path.join(root, "images/edit.yaml"), text.replace(from, to));
      expect(hashOf(root, "images/edit.yaml"), `${from} -> ${to}`).not.toBe(base);
    }
  });

  it("does not change when the app directory moves but its content does not", () => {
    const root = makeRepo();
    const base = hashOf(root);
    fs.renameSync(path.join(root, "app"), path.join(root, "service"));
    fs.writeFileSync(
      path.join(root, "images/web.yaml"),
      EXAMPLE_FILES["images/web.yaml"].replace("../app", "../service"),
    );
    expect(hashOf(root)).toBe(base);
  });
});

describe("imageTag", () => {
  it("is <app.version>-<first 12 hex>", () => {
    const spec = parseSpec(EXAMPLE_FILES["images/web.yaml"]);
    expect(imageTag(spec, `0123456789ab${"f".repeat(52)}`)).toBe("v3.4.1-0123456789ab");
    expect(() => imageTag(spec, "abc")).toThrow(/64 lowercase hex/);
  });
});
