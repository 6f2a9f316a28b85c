/**
 * The fixtures under test/fixtures/preview/ are real `pulumi preview --json` output of the engine on
 * a local stack, made by `npx tsx test/fixtures/preview/capture.ts` (see that file).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  deltaKey,
  fleetChanges,
  formatFleetChange,
  formatTotals,
  packageChanges,
  packagesOf,
  summarizePreview,
} from "../../../../lib/guardrails/previewSummary";
import { CAPTURE_SECRET } from "../../../fixtures/preview/capture";

const ROOT = path.join(__dirname, "..", "..", "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "preview");
const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));

describe("summarizePreview on previews captured from the engine", () => {
  it("summarizes an OpenSSL patch as a whole-fleet replacement with the package change", () => {
    const lines = summarizePreview(fixture("local-openssl-replace.json"));
    expect(lines).toEqual([
      expect.stringMatching(
        /^fleet web: REPLACE, 3 instances, spec [0-9a-f]{8} -> [0-9a-f]{8}: libssl3 3\.0\.20 -> 3\.0\.22, openssl 3\.0\.20 -> 3\.0\.22$/,
      ),
      "resources: 2 to replace, 5 unchanged",
    ]);
    const [change] = fleetChanges(fixture("local-openssl-replace.json") as never);
    expect(change.oldSpec).toMatch(/^[0-9a-f]{64}$/);
    expect(change.newSpec).toMatch(/^[0-9a-f]{64}$/);
    expect(change.newSpec).not.toBe(change.oldSpec);
    expect(lines[0]).toContain(
      `spec ${change.oldSpec?.slice(0, 8)} -> ${change.newSpec?.slice(0, 8)}`,
    );
  });

  it("summarizes a scale-out as an in-place update of the same spec", () => {
    const lines = summarizePreview(fixture("local-scale-update.json"));
    expect(lines).toEqual([
      expect.stringMatching(/^fleet web: UPDATE, 3 -> 5 instances, spec [0-9a-f]{8}$/),
      "resources: 1 to update, 6 unchanged",
    ]);
  });

  it("the fixtures hold no stack secret in plain text", () => {
    for (const name of fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".json"))) {
      expect(fs.readFileSync(path.join(FIXTURES, name), "utf8"), name).not.toContain(
        CAPTURE_SECRET,
      );
    }
  });

  it("phoenix summary prints the same through the bin entry, from a file and from stdin", () => {
    const file = path.join(FIXTURES, "local-openssl-replace.json");
    const bin = path.join(ROOT, "bin", "phoenix.js");
    const fromFile = spawnSync(process.execPath, [bin, "summary", file], { encoding: "utf8" });
    expect(fromFile.status).toBe(0);
    expect(fromFile.stdout).toBe(
      `${summarizePreview(fixture("local-openssl-replace.json")).join("\n")}\n`,
    );
    const fromStdin = spawnSync(process.execPath, [bin, "summary"], {
      input: fs.readFileSync(file),
      encoding: "utf8",
    });
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  }, 30_000); // two CLI start-ups, slow on a loaded machine
});

describe("summarizePreview errors", () => {
  it("names what is wrong with a document that is not a preview", () => {
    expect(() => summarizePreview({ steps: [{ urn: "x" }] })).toThrow(
      /^not a `pulumi preview --json` document: steps\.0\.op: .*run `pulumi preview --json > preview.json`/,
    );
  });

  it("phoenix summary exits 1 on a file that is not JSON, naming it", () => {
    const bin = path.join(ROOT, "bin", "phoenix.js");
    const r = spawnSync(process.execPath, [bin, "summary", path.join(ROOT, "package.json.nope")], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot read");
  });
});

describe("pieces", () => {
  it("reads pinned packages from the apt-get line of a rendered Dockerfile", () => {
    const dockerfile = [
      "FROM debian:bookworm-slim",
      "RUN apt-get update \\",
      " && apt-get install -y --no-install-recommends \\",
      "      'libssl3=3.0.11-1~deb12u2' \\",
      "      'openssl=3.0.11-1~deb12u2' \\",
      " && rm -rf /var/lib/apt/lists/*",
      "LABEL x='y=z'",
    ].join("\n");
    expect(packagesOf({ dockerfile })).toEqual({
      libssl3: "3.0.11-1~deb12u2",
      openssl: "3.0.11-1~deb12u2",
    });
    expect(packagesOf({ packages: { curl: "8.0" } })).toEqual({ curl: "8.0" });
  });

  it("shows upstream versions, or the full version when only the Debian revision moved", () => {
    expect(
      packageChanges(
        { openssl: "3.0.11-1~deb12u2", curl: "7.88.1-10+deb12u5", gone: "1" },
        { openssl: "3.0.12-1~deb12u1", curl: "7.88.1-10+deb12u6", added: "2.0-1" },
      ),
    ).toEqual([
      "+added 2.0-1",
      "curl 7.88.1-10+deb12u5 -> 7.88.1-10+deb12u6",
      "-gone 1",
      "openssl 3.0.11 -> 3.0.12",
    ]);
  });

  it("formats the issue's example line", () => {
    expect(
      formatFleetChange({
        name: "web",
        action: "REPLACE",
        oldCount: 30,
        newCount: 30,
        oldSpec: "3f2a91c0" + "0".repeat(56),
        newSpec: "9c1d22e4" + "0".repeat(56),
        packages: ["openssl 3.0.11 -> 3.0.12"],
        pinned: ["openssl"],
      }),
    ).toBe("fleet web: REPLACE, 30 instances, spec 3f2a91c0 -> 9c1d22e4: openssl 3.0.11 -> 3.0.12");
  });

  it("with both images' package delta, leads with the moved pins and counts the rest", () => {
    const change = {
      name: "web",
      action: "REPLACE" as const,
      oldCount: 3,
      newCount: 3,
      oldSpec: "c97c3ec7" + "0".repeat(56),
      newSpec: "0a717458" + "0".repeat(56),
      packages: ["openssl 3.0.20 -> 3.0.22"],
      pinned: ["nodejs", "openssl"],
    };
    const delta = [
      { name: "libssl3", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2" },
      { name: "openssl", from: "3.0.20-1~deb12u2", to: "3.0.22-1~deb12u2" },
      { name: "tzdata", from: "2026b-0+deb12u1", to: "2026f-0+deb12u1" },
      { name: "libbrotli1", to: "1.0.9-2+b6" },
    ];
    expect(formatFleetChange(change, delta)).toBe(
      "fleet web: REPLACE, 3 instances, spec c97c3ec7 -> 0a717458: openssl 3.0.20 -> 3.0.22 and 3 more packages",
    );
    const key = deltaKey(change.oldSpec, change.newSpec);
    expect(deltaKey(change.newSpec, change.oldSpec)).not.toBe(key);
  });

  it("reads an AWS fleet's spec hash from its group tags", () => {
    const tags = (h: string) => [{ key: "phoenix:spec-hash", value: h, propagateAtLaunch: true }];
    const [c] = fleetChanges({
      steps: [
        {
          op: "delete",
          urn: "urn:pulumi:prod::phoenix::aws:autoscaling/group:Group::web",
          oldState: {
            type: "aws:autoscaling/group:Group",
            inputs: { desiredCapacity: 30, tags: tags("a".repeat(64)) },
          },
        },
      ],
    });
    expect(formatFleetChange(c)).toBe("fleet web: DELETE, 30 instances, spec aaaaaaaa");
    expect(formatTotals(undefined)).toBe("resources: no changes");
  });
});
