import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { specHash } from "../../../lib/image/hash";
import { renderDockerfile } from "../../../lib/image/render";
import { loadSpec } from "../../../lib/spec/spec";
import { EXAMPLE_FILES, cleanupRepos, makeRepo } from "../lib/tmpRepo";

afterAll(cleanupRepos);

const REPO = path.join(__dirname, "../../..");
const BIN = path.join(
  REPO,
  (
    JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    }
  ).bin.phoenix,
);
const EXAMPLE = path.join(REPO, "images/web.yaml");
const BROKEN = path.join(REPO, "test/fixtures/specs/broken.yaml");

/** Runs the CLI through its package.json bin entry, as `npx phoenix` does. */
function phoenix(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("phoenix (bin)", () => {
  it("is an executable node script", () => {
    expect(fs.readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it("prints help with exit 0, and usage with exit 2 when called without a command", () => {
    const help = phoenix("--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /phoenix validate <spec.yaml>[\s\S]*phoenix diff <old.yaml> <new.yaml>/,
    );
    const none = phoenix();
    expect(none.code).toBe(2);
    expect(none.err).toContain("Usage:");
  });

  it("exits 2 on an unknown command or wrong arguments", () => {
    expect(phoenix("deploy").code).toBe(2);
    const r = phoenix("diff", EXAMPLE);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "phoenix diff: expected 2 arguments, got 1; usage: phoenix diff <old.yaml> <new.yaml> | phoenix diff --base <git rev> <spec.yaml>\n",
    );
    expect(phoenix("hash", "--repo", EXAMPLE).code).toBe(2);
    expect(phoenix("build").err).toBe(
      "phoenix build: expected 1 argument, got 0; usage: phoenix build [--base <git rev>] <spec.yaml>\n",
    );
    expect(phoenix("manifest", EXAMPLE, "--format", "spdx").code).toBe(2);
  }, 30_000); // five CLI start-ups
});

describe("phoenix validate", () => {
  it("prints a one-line summary for the example spec", () => {
    const r = phoenix("validate", "images/web.yaml");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const hash = specHash(loadSpec(EXAMPLE));
    expect(r.out).toMatch(
      new RegExp(
        `^ok: web v3\\.4\\.1-${hash.slice(0, 12)} on debian:bookworm-slim: 3 packages, \\d+ app files, 1 config file, 1 env var, 1 sysctl, 1 secret\\n$`,
      ),
    );
  });

  it("exits 1 listing every problem with its path and no stack trace", () => {
    const r = phoenix("validate", BROKEN);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^phoenix validate: invalid spec, \d+ problems:$/);
    expect(Number(/(\d+) problems/.exec(lines[0])![1])).toBe(lines.length - 1);
    expect(r.err).toContain(
      '  packages.openssl: version must be exact (e.g. 3.0.15-1~deb12u1), got "latest"\n',
    );
    expect(r.err).toContain("  config.env.DB_PASSWORD: key looks like a secret");
    expect(r.err).toMatch(
      / {2}app\.source: "\.\.\/\.\.\/\.\.\/\.\." resolves to .*, outside the repository/,
    );
    expect(r.err).toContain(
      '  config.files./etc/x.json: file "../../../config/missing.json" does not exist',
    );
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it("exits 1 with the path when the file does not exist", () => {
    const r = phoenix("validate", "images/nope.yaml");
    expect(r.code).toBe(1);
    expect(r.err).toContain("images/nope.yaml: cannot read the spec file (ENOENT)");
  });
});

describe("phoenix hash", () => {
  it("prints the 64-hex hash and nothing else", () => {
    const r = phoenix("hash", EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${specHash(loadSpec(EXAMPLE))}\n`);
    expect(r.err).toBe("");
  });

  it("prints nothing on stdout for a broken spec", () => {
    const r = phoenix("hash", BROKEN);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
  });
});

describe("phoenix render", () => {
  it("prints the Dockerfile for the spec", () => {
    const r = phoenix("render", EXAMPLE);
    const loaded = loadSpec(EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(renderDockerfile(loaded, specHash(loaded)));
    expect(r.out).toMatch(/^FROM debian:bookworm-slim$/m);
  });
});

describe("phoenix diff", () => {
  it("shows the package change and that the fleet is replaced", () => {
    const old = makeRepo();
    const next = makeRepo({
      "images/web.yaml": EXAMPLE_FILES["images/web.yaml"].replace(
        "openssl: 3.0.20-1~deb12u2",
        "openssl: 3.0.22-1~deb12u2",
      ),
    });
    const r = phoenix(
      "diff",
      path.join(old, "images/web.yaml"),
      path.join(next, "images/web.yaml"),
    );
    expect(r.code).toBe(0);
    const a = specHash(loadSpec(path.join(old, "images/web.yaml"))).slice(0, 12);
    const b = specHash(loadSpec(path.join(next, "images/web.yaml"))).slice(0, 12);
    expect(r.out).toMatch(
      new RegExp(
        `^packages:\n  ~ openssl: 3\\.0\\.20-1~deb12u2 -> 3\\.0\\.22-1~deb12u2\nfleet: REPLACE \\(spec ${a} -> ${b}\\)\n` +
          // No image of these throwaway specs was built, so the package delta cannot be shown.
          `image packages: not compared: .*\n$`,
      ),
    );
  });

  it("says unchanged when only formatting differs", () => {
    const root = makeRepo();
    const flipped = path.join(root, "images/web.json");
    fs.writeFileSync(flipped, JSON.stringify(loadSpec(path.join(root, "images/web.yaml")).spec));
    const r = phoenix("diff", path.join(root, "images/web.yaml"), flipped);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no changes\nfleet: unchanged \(spec [0-9a-f]{12}\)\n$/);
  });

  it("exits 1 when either spec is invalid", () => {
    const r = phoenix("diff", EXAMPLE, BROKEN);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^phoenix diff: invalid spec/);
  });
});
