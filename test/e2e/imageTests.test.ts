/**
 * Spec tests and package manifests end to end, with the real Pulumi engine, the real Docker engine
 * and the Debian mirror. A one-instance local stack of the example spec: an OpenSSL patch that
 * forgets libssl3 fails its spec test, so `pulumi up` fails before the fleet is touched and the
 * front door keeps serving the old hash; the fixed patch passes its tests and replaces the fleet;
 * `phoenix manifest` lists the pinned versions from the image itself; `phoenix diff` shows every
 * package that moved. Then two small images whose pins differ show an unpinned dependency that
 * moved with them, and the registry path refuses to push an image whose test fails.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  phoenixEnv,
  removeStack,
  runProgram,
  setConfig,
  uniqueStackName,
} from "./harness";
import { type RegistryServer, startRegistry } from "./registryServer";
import { TESTED_IMAGE_REPOSITORY } from "../../lib/core/identifiers";
import { specHash } from "../../lib/image/hash";
import { resolveTag } from "../../lib/image/registry";
import { loadSpec } from "../../lib/spec/spec";
import { publishImage } from "../../providers/aws/registryImage";
import { upstreamOf } from "../../lib/spec/pinRefs";

import { patchVersions, setPins, versionSpan } from "./archive";

const stack = uniqueStackName("e2e-tests");
const work = path.join(REPO_ROOT, ".pulumi-state", "e2e", stack);
const specFile = path.join(work, "images", "web.yaml");
const baseCopy = path.join(work, "images", "web-base.yaml");
const docker = new Docker();
/** The OpenSSL patch: from the example's pin to another version the archive has today. */
let patch: { from: string; to: string };
const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const BIN = path.join(REPO_ROOT, "bin", "phoenix.js");

interface Outputs {
  specHash: string;
  imageRef: string;
  instanceIds: string[];
  url: string;
}
let first: Outputs;

function phoenix(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: phoenixEnv(),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Like phoenix(), without blocking the test worker (a build takes minutes). */
function phoenixAsync(
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: phoenixEnv() });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

async function servedHash(url: string): Promise<string> {
  return ((await (await fetch(`${url}/`)).json()) as { specHash: string }).specHash;
}

async function instances(): Promise<string[]> {
  const list = await docker.listContainers({
    filters: { label: [`io.phoenix.stack=${stack}`, "io.phoenix.role=instance"] },
  });
  return list.map((c) => c.Id).sort();
}

/** True when the local record says the tests of `hash` passed on some image. */
async function recorded(hash: string): Promise<boolean> {
  return docker
    .getImage(`${TESTED_IMAGE_REPOSITORY}/web:${hash}`)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Removes unused images built from `hash` (and so their records), so the next up builds and tests. */
async function forgetImagesOf(hash: string): Promise<void> {
  const used = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  const images = await docker.listImages({ filters: { label: [`io.phoenix.spec-hash=${hash}`] } });
  for (const img of images)
    if (!used.has(img.Id)) await docker.getImage(img.Id).remove({ force: true });
}

describe("spec tests gate the fleet, with the real engine", () => {
  beforeAll(async () => {
    fs.mkdirSync(work, { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "images", "web.yaml"), specFile);
    fs.cpSync(path.join(REPO_ROOT, "app"), path.join(work, "app"), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "config"), path.join(work, "config"), { recursive: true });
    patch = await patchVersions(specFile, "openssl");
    await initStack(stack, REPO_ROOT);
    await setConfig(stack, REPO_ROOT, "phoenix:target", "local");
    await setConfig(stack, REPO_ROOT, "phoenix:spec", path.relative(REPO_ROOT, specFile));
    await setConfig(stack, REPO_ROOT, "phoenix:desiredCount", "1");
    await setConfig(stack, REPO_ROOT, "phoenix:frontDoorPort", String(await freePort()));
    await setConfig(stack, REPO_ROOT, "phoenix:DB_PASSWORD", `secret-${stack}`, { secret: true });
  });

  afterAll(async () => {
    const left = await exportStack(stack, REPO_ROOT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0)
      await runProgram("destroy", { cwd: REPO_ROOT, stack });
    const containers = await docker.listContainers({
      all: true,
      filters: { label: [`io.phoenix.stack=${stack}`] },
    });
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
    await removeStack(stack, REPO_ROOT);
    fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("deploys the example spec once its tests passed", async () => {
    const r = await runProgram("up", { cwd: REPO_ROOT, stack });
    if (r.code !== 0 || !r.result) throw new Error(`up failed\n${r.stdout}\n${r.stderr}`);
    first = r.result.outputs as unknown as Outputs;
    expect(await servedHash(first.url)).toBe(first.specHash);
    // Run now, or passed on this very image before (the record is keyed by the spec hash).
    expect(r.stdout).toMatch(
      /test "openssl and the libssl3 it loads are the pinned build": passed|spec tests passed on this image before/,
    );
    expect(await recorded(first.specHash)).toBe(true);
    fs.copyFileSync(specFile, baseCopy);
  });

  it("fails up on a patch whose test fails, naming it, before any instance is touched", async () => {
    // The patch moves openssl but forgets libssl3: the binary is new, the library old.
    // Its test follows openssl's pin ({{upstream:openssl}}) and demands libssl3 at the same release.
    setPins(specFile, { openssl: patch.to });
    const patched = specHash(loadSpec(specFile));
    const before = await instances();
    const r = await runProgram("up", { cwd: REPO_ROOT, stack });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain(
      'test "openssl and the libssl3 it loads are the pinned build" failed: ["openssl","version"] exited with code 0, but its output does not match expect',
    );
    expect(out).toMatch(
      new RegExp(
        `--- output \\(tail\\) ---\\s+OpenSSL ${esc(upstreamOf(patch.to))} .*` +
          `\\(Library: OpenSSL ${esc(upstreamOf(patch.from))} `,
      ),
    );
    expect(out).toContain("the running fleet is untouched");
    expect(await instances()).toEqual(before);
    expect(await servedHash(first.url)).toBe(first.specHash);
    expect(await recorded(patched)).toBe(false);
    const resources = (await exportStack(stack, REPO_ROOT)).deployment.resources ?? [];
    const outputs = resources.filter((res) => res.type.endsWith(":LocalFleet"));
    expect(outputs).toHaveLength(1);
    expect(JSON.stringify(outputs[0])).toContain(first.specHash);
    expect(JSON.stringify(outputs[0])).not.toContain(patched);
  });

  it("replaces the fleet once the fixed patch passes its tests", async () => {
    setPins(specFile, { libssl3: patch.to });
    const fixed = specHash(loadSpec(specFile));
    await forgetImagesOf(fixed);
    const before = await instances();
    const r = await runProgram("up", { cwd: REPO_ROOT, stack });
    if (r.code !== 0 || !r.result) throw new Error(`up failed\n${r.stdout}\n${r.stderr}`);
    const after = r.result.outputs as unknown as Outputs;
    expect(after.specHash).toBe(fixed);
    for (const name of [
      "node is the pinned version",
      "openssl and the libssl3 it loads are the pinned build",
      "the app's config file is present and parses",
    ])
      expect(r.stdout).toContain(`test "${name}": passed`);
    expect(await recorded(fixed)).toBe(true);
    expect((await instances()).filter((id) => before.includes(id))).toEqual([]);
    expect(await servedHash(after.url)).toBe(fixed);
  });

  it("phoenix manifest lists the pinned versions from the built image", () => {
    const r = phoenix("manifest", specFile);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    const { packages } = loadSpec(specFile).spec;
    for (const pin of [`libssl3 ${patch.to}`, `nodejs ${packages.nodejs}`, `openssl ${patch.to}`])
      expect(lines).toContain(pin);
    expect(lines.length).toBeGreaterThan(80); // the base system too, not only the pins
    const sbom = JSON.parse(phoenix("manifest", specFile, "--format", "cyclonedx").out);
    expect(sbom.bomFormat).toBe("CycloneDX");
    expect(sbom.components.map((c: { purl: string }) => c.purl)).toContain(
      `pkg:deb/debian/openssl@${patch.to}?arch=amd64`,
    );
    expect(sbom.components).toHaveLength(lines.length);
  });

  it("phoenix diff lists every package that moved between the running and the new image", () => {
    const r = phoenix("diff", baseCopy, specFile);
    expect(r.code).toBe(0);
    expect(r.out).toContain("image packages: 2 changed:\n");
    expect(r.out).toContain(`  ~ libssl3: ${patch.from} -> ${patch.to}\n`);
    expect(r.out).toContain(`  ~ openssl: ${patch.from} -> ${patch.to}\n`);
  });
});

describe("the package delta of two real images", () => {
  const made: string[] = [];
  const dir = path.join(REPO_ROOT, ".pulumi-state", "e2e", `${stack}-delta`);
  const name = `e2e-delta-${stack.slice(-6)}`;

  /** A spec of `name` that pins zlib1g-dev at `version`; zlib1g itself is left to apt. */
  function writeSpec(file: string, version: string): string {
    const full = path.join(dir, "images", file);
    fs.writeFileSync(
      full,
      `name: ${name}\nbase: debian:bookworm-slim\npackages: { zlib1g-dev: "${version}" }\n` +
        "app: { version: v1.0.0, source: ../app, command: [sleep, infinity], port: 8080 }\n" +
        "tests:\n  - { name: zlib is installed, run: [dpkg-query, --show, zlib1g] }\n",
    );
    return full;
  }

  /** `phoenix build`: builds and tests the image as the local target does; returns its id. */
  async function build(spec: string): Promise<void> {
    const r = await phoenixAsync("build", spec);
    if (r.code !== 0) throw new Error(`phoenix build ${spec} exited ${r.code}\n${r.out}\n${r.err}`);
    const last = r.out.trimEnd().split("\n").pop() ?? "";
    expect(last).toMatch(/^e2e-delta-\S+ sha256:[0-9a-f]{64} (built|reused), spec tests passed$/);
    expect(r.out).toContain('test "zlib is installed": passed');
    made.push(last.split(" ")[1]);
  }

  beforeAll(() => {
    fs.mkdirSync(path.join(dir, "images"), { recursive: true });
    fs.mkdirSync(path.join(dir, "app"), { recursive: true });
    fs.writeFileSync(path.join(dir, "app", "README"), "nothing to run\n");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: delta\nruntime: nodejs\n");
  });

  afterAll(async () => {
    for (const id of made)
      await docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows the unpinned zlib1g moving with the zlib1g-dev pin", async () => {
    // The base image carries zlib1g of bookworm's main suite; a newer zlib1g-dev (a security or
    // point-release update) needs the same version of zlib1g, so apt upgrades it although the spec
    // never names it. Both versions are read from the archive as it is today.
    const { older, newer } = await versionSpan("debian:bookworm-slim", "zlib1g-dev");
    const a = writeSpec("a.yaml", older);
    const b = writeSpec("b.yaml", newer);
    await build(a);
    await build(b);
    const r = phoenix("diff", a, b);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`packages:\n  ~ zlib1g-dev: ${older} -> ${newer}\nfleet: REPLACE`);
    expect(r.out).toMatch(/^image packages: \d+ changed:$/m);
    expect(r.out).toContain(`  ~ zlib1g: ${older} -> ${newer}\n`);
  });
});

describe("publishing to a registry", () => {
  let server: RegistryServer;
  const dir = path.join(REPO_ROOT, ".pulumi-state", "e2e", `${stack}-registry`);

  beforeAll(async () => {
    server = await startRegistry();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "marker"), `${stack}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("pushes nothing when a test fails, and pushes once it passes", async () => {
    const repository = `${server.address}/tested-${stack.slice(-6)}`;
    const hash = specHash(loadSpec(path.join(REPO_ROOT, "images", "web.yaml")));
    const build = {
      // The base image and a file: enough to run a test, no package layer to wait for.
      dockerfile: "FROM debian:bookworm-slim\nCOPY app/marker /marker\nUSER 10001:10001\n",
      files: [{ path: "app/marker", source: path.join(dir, "marker"), mode: 0o644 }],
    };
    const inputs = {
      repository,
      tag: `v1.0.0-${hash.slice(0, 12)}`,
      specHash: hash,
      source: "build" as const,
      build,
    };
    const failing = [
      {
        name: "marker names the stack",
        run: ["cat", "/marker"],
        expect: "^nope$",
        timeoutSeconds: 30,
      },
    ];
    await expect(publishImage({ ...inputs, tests: failing })).rejects.toThrow(
      /test "marker names the stack" failed: \["cat","\/marker"\] exited with code 0, but its output does not match expect \/\^nope\$\//,
    );
    const [registry, ...rest] = repository.split("/");
    const lookup = { registry, repository: rest.join("/"), tag: inputs.tag };
    expect(await resolveTag(lookup)).toBeUndefined();
    const passing = [{ ...failing[0], expect: `^${stack}$` }];
    const out = await publishImage({ ...inputs, tests: passing });
    expect(out.built).toBe(true);
    expect(await resolveTag(lookup)).toBe(out.digest);
    await docker.getImage(`${repository}:${inputs.tag}`).remove({ force: true });
  });
});
