import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileDigests, specHash } from "../../../../lib/image/hash";
import { loadSpec } from "../../../../lib/spec/spec";
import { SpecSide, diffSpecs, formatSpecDiff } from "../../../../lib/guardrails/specDiff";
import { EXAMPLE_FILES, cleanupRepos, makeRepo } from "../tmpRepo";

afterAll(cleanupRepos);

function side(root: string): SpecSide {
  const loaded = loadSpec(path.join(root, "images/web.yaml"));
  return { loaded, hash: specHash(loaded), files: fileDigests(loaded) };
}

const SPEC = EXAMPLE_FILES["images/web.yaml"];

describe("formatSpecDiff", () => {
  it("says the fleet is unchanged for identical checkouts", () => {
    const a = side(makeRepo());
    const b = side(makeRepo());
    expect(formatSpecDiff(a, b)).toBe(
      `no changes\nfleet: unchanged (spec ${a.hash.slice(0, 12)})\n`,
    );
  });

  it("describes the OpenSSL patch and the replacement it causes", () => {
    const a = side(makeRepo());
    const b = side(
      makeRepo({ "images/web.yaml": SPEC.replaceAll("3.0.20-1~deb12u2", "3.0.22-1~deb12u2") }),
    );
    expect(formatSpecDiff(a, b)).toBe(
      [
        "packages:",
        "  ~ libssl3: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2",
        "  ~ openssl: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2",
        `fleet: REPLACE (spec ${a.hash.slice(0, 12)} -> ${b.hash.slice(0, 12)})`,
        "",
      ].join("\n"),
    );
  });

  it("lists changes in every section", () => {
    const a = side(makeRepo({ "app/old.js": "gone" }));
    const next = SPEC.replace("v3.4.1", "v3.5.0")
      .replace(
        "  libssl3: 3.0.20-1~deb12u2 # openssl requires libssl3 at the same version\n",
        "  curl: 7.88.1-10+deb12u8\n",
      )
      .replace("port: 8080", "port: 9090")
      .replace("intervalSeconds: 2", "intervalSeconds: 5")
      .replace("LOG_LEVEL: info", "LOG_LEVEL: debug, REGION: eu")
      .replace('"1024"', '"4096"')
      .replace("[DB_PASSWORD]", "[API_TOKEN]")
      .replace("debian:bookworm-slim", "debian:bookworm-20240701-slim");
    const rootB = makeRepo({
      "images/web.yaml": next,
      "app/new.js": "x",
      "config/web.json": '{ "greeting": "hi" }\n',
    });
    fs.writeFileSync(path.join(rootB, "app/server.js"), "changed");
    const b = side(rootB);
    expect(formatSpecDiff(a, b)).toBe(
      [
        "image:",
        "  ~ base: debian:bookworm-slim -> debian:bookworm-20240701-slim",
        "packages:",
        "  + curl: 7.88.1-10+deb12u8",
        "  - libssl3: 3.0.20-1~deb12u2",
        "app:",
        "  ~ health.intervalSeconds: 2 -> 5",
        "  ~ port: 8080 -> 9090",
        "  ~ version: v3.4.1 -> v3.5.0",
        "  + file new.js",
        "  - file old.js",
        "  ~ file server.js: content or mode changed",
        "config:",
        "  ~ file /etc/web/config.json: content changed",
        "  ~ env LOG_LEVEL: info -> debug",
        "  + env REGION: eu",
        "  ~ sysctl net.core.somaxconn: 1024 -> 4096",
        "secrets:",
        "  + API_TOKEN",
        "  - DB_PASSWORD",
        `fleet: REPLACE (spec ${a.hash.slice(0, 12)} -> ${b.hash.slice(0, 12)})`,
        "",
      ].join("\n"),
    );
  });

  it("reports a moved app directory as no change", () => {
    const a = side(makeRepo());
    const rootB = makeRepo();
    fs.renameSync(path.join(rootB, "app"), path.join(rootB, "svc"));
    fs.writeFileSync(path.join(rootB, "images/web.yaml"), SPEC.replace("../app", "../svc"));
    const b = side(rootB);
    expect(diffSpecs(a, b)).toEqual([]);
    expect(formatSpecDiff(a, b)).toMatch(/^no changes\nfleet: unchanged/);
  });
});
