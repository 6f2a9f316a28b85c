/**
 * The local target end to end, with the real Pulumi engine and the real Docker engine, on a fresh
 * stack of this project with a 3-instance fleet. Every step after the first deploy runs while a
 * bounded load (100 req/s, keep-alive) goes through the front door, and asserts that not one
 * request failed. Replays the seed: patch OpenSSL by changing a pinned version, roll back, ship a
 * broken app, find a snowflake. Needs `npm run setup` (pulumi, Docker, debian:bookworm-slim) and the
 * Debian mirror for the package change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "./harness";
import { startLoad, type Load, type LoadReport } from "./load";
import { specHash } from "../../lib/image/hash";
import { loadSpec } from "../../lib/spec/spec";
import { patchVersions, setPins } from "./archive";

const STEP_TIMEOUT = 10 * 60_000;
const stack = uniqueStackName("e2e-local");
const work = path.join(REPO_ROOT, ".pulumi-state", "e2e", stack);
const specFile = path.join(work, "images", "web.yaml");
const specConfig = path.relative(REPO_ROOT, specFile);
const SECRET = `e2e-secret-${stack}`;
const docker = new Docker();

let url = "";
/** Every volume any container of the stack ever mounted (the images declare none). */
const seenVolumes = new Set<string>();

interface Outputs {
  specHash: string;
  imageTag: string;
  imageRef: string;
  built: boolean;
  instanceIds: string[];
  url: string;
}
const history: Outputs[] = [];
/** The OpenSSL patch: from the example's pin to another version the archive has today. */
let patch: { from: string; to: string };

function editSpec(from: RegExp, to: string): void {
  const text = fs.readFileSync(specFile, "utf8");
  if (!from.test(text))
    throw new Error(`spec copy ${specFile}: ${from} not found; update the test`);
  fs.writeFileSync(specFile, text.replace(from, to));
}

async function stackContainers(all = true): Promise<Docker.ContainerInfo[]> {
  const list = await docker.listContainers({
    all,
    filters: { label: [`io.phoenix.stack=${stack}`] },
  });
  for (const c of list)
    for (const m of c.Mounts) if (m.Type === "volume" && m.Name) seenVolumes.add(m.Name);
  return list;
}

async function fleetContainers(): Promise<Docker.ContainerInfo[]> {
  return (await stackContainers()).filter((c) => c.Labels["io.phoenix.role"] === "instance");
}

async function up(): Promise<{ changes: Record<string, number>; outputs: Outputs; log: string }> {
  const r = await runProgram("up", { cwd: REPO_ROOT, stack });
  if (r.code !== 0 || !r.result) throw new Error(`up failed (${r.code})\n${r.stdout}\n${r.stderr}`);
  const outputs = r.result.outputs as unknown as Outputs;
  history.push(outputs);
  return { changes: r.result.changes, outputs, log: r.stdout };
}

/** Runs `step` under load through the front door and returns the load's report. */
async function underLoad<T>(step: () => Promise<T>): Promise<{ value: T; load: LoadReport }> {
  const load: Load = startLoad(`${url}/`, { ratePerSecond: 100 });
  try {
    const value = await step();
    return { value, load: await load.stop() };
  } catch (err) {
    await load.stop();
    throw err;
  }
}

/** Removes unused images built from `hash` by earlier runs, so the next up must build it. */
async function forgetImagesOf(hash: string): Promise<void> {
  const used = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  for (const img of await docker.listImages({
    filters: { label: [`io.phoenix.spec-hash=${hash}`] },
  })) {
    if (!used.has(img.Id)) await docker.getImage(img.Id).remove({ force: true });
  }
}

/** Asserts that no request failed, showing the causes when some did. */
function expectNoFailures(load: LoadReport): void {
  expect({ failed: load.failed, errors: load.errors }).toEqual({ failed: 0, errors: {} });
  expect(load.ok).toBeGreaterThan(0);
}

async function servedHash(): Promise<string> {
  const res = await fetch(`${url}/`);
  return ((await res.json()) as { specHash: string }).specHash;
}

describe("local target with the real engine", { timeout: STEP_TIMEOUT }, () => {
  beforeAll(async () => {
    // The spec, app and config are copied so the edits below never touch the tracked files.
    fs.mkdirSync(work, { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "images", "web.yaml"), specFile);
    // A writable root, so that a hand edit can make the snowflake the last steps look for (the
    // tracked spec is read-only: there the edit is refused, see localRollouts.test.ts).
    editSpec(/readOnlyRootFilesystem: true/, "readOnlyRootFilesystem: false");
    fs.cpSync(path.join(REPO_ROOT, "app"), path.join(work, "app"), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "config"), path.join(work, "config"), { recursive: true });
    await initStack(stack, REPO_ROOT);
    await setConfig(stack, REPO_ROOT, "phoenix:target", "local");
    await setConfig(stack, REPO_ROOT, "phoenix:spec", specConfig);
    await setConfig(stack, REPO_ROOT, "phoenix:desiredCount", "3");
    await setConfig(stack, REPO_ROOT, "phoenix:frontDoorPort", String(await freePort()));
    await setConfig(stack, REPO_ROOT, "phoenix:DB_PASSWORD", SECRET, { secret: true });
  }, STEP_TIMEOUT);

  afterAll(async () => {
    const left = await exportStack(stack, REPO_ROOT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0)
      await runProgram("destroy", { cwd: REPO_ROOT, stack });
    for (const c of await stackContainers())
      await docker.getContainer(c.Id).remove({ force: true });
    await removeStack(stack, REPO_ROOT);
    fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  it("deploys a 3-instance fleet behind the front door, serving the spec hash", async () => {
    const { changes, outputs } = await up();
    expect(changes).toEqual({ create: 7 }); // stack, component, network, 2 images, front door, fleet
    url = outputs.url;
    expect(outputs.imageTag).toMatch(new RegExp(`^v[0-9.]+-${outputs.specHash.slice(0, 12)}$`));
    expect(outputs.instanceIds).toHaveLength(3);
    const running = (await fleetContainers()).filter((c) => c.State === "running");
    expect(running.map((c) => c.Id).sort()).toEqual([...outputs.instanceIds].sort());
    expect(running.every((c) => c.ImageID === outputs.imageRef)).toBe(true);
    expect(await servedHash()).toBe(outputs.specHash);
    const { load } = await underLoad(() => new Promise((r) => setTimeout(r, 2000)));
    expectNoFailures(load);
    expect(load.ok).toBeGreaterThan(100);
  });

  it("injects the secret at run time only: container env, never labels, image or plaintext state", async () => {
    const [first] = history;
    const info = await docker.getContainer(first.instanceIds[0]).inspect();
    expect(info.Config.Env).toContain(`DB_PASSWORD=${SECRET}`);
    expect(JSON.stringify(info.Config.Labels)).not.toContain(SECRET);
    expect(JSON.stringify(await docker.getImage(first.imageRef).inspect())).not.toContain(SECRET);
    expect(JSON.stringify(await exportStack(stack, REPO_ROOT))).not.toContain(SECRET);
  });

  it("builds nothing and replaces nothing when up runs again unchanged", async () => {
    const { value, load } = await underLoad(up);
    expect(value.changes).toEqual({ same: 7 });
    expect(value.log).not.toMatch(/building|Step 1\//);
    expect(value.outputs.instanceIds).toEqual(history[0].instanceIds);
    expectNoFailures(load);
  });

  it("patches OpenSSL by a pinned version: new hash, new image, every instance replaced, old ones gone", async () => {
    // Two versions the archive has today; the spec test's expect follows the pins by itself.
    patch = await patchVersions(specFile, "openssl");
    setPins(specFile, { openssl: patch.to, libssl3: patch.to });
    await forgetImagesOf(specHash(loadSpec(specFile)));
    const before = history[history.length - 1];
    const { value, load } = await underLoad(up);
    const after = value.outputs;
    expect(value.changes).toMatchObject({ replace: 2 }); // the image and the fleet
    expect(after.specHash).not.toBe(before.specHash);
    expect(after.imageRef).not.toBe(before.imageRef);
    expect(after.built).toBe(true);
    expect(after.instanceIds.filter((id) => before.instanceIds.includes(id))).toEqual([]);
    expect((await fleetContainers()).map((c) => c.Id).sort()).toEqual(
      [...after.instanceIds].sort(),
    );
    expect(await servedHash()).toBe(after.specHash);
    expectNoFailures(load);
    expect(Object.keys(load.specHashes).sort()).toEqual([before.specHash, after.specHash].sort());
  });

  it("rolls back by reverting the spec: the old image is reused, nothing is built", async () => {
    setPins(specFile, { openssl: patch.from, libssl3: patch.from });
    const before = history[history.length - 1];
    const { value, load } = await underLoad(up);
    expect(value.outputs.specHash).toBe(history[0].specHash);
    expect(value.outputs.imageRef).toBe(history[0].imageRef);
    expect(value.outputs.built).toBe(false);
    expect(value.log).toContain("reused, nothing built");
    expect(value.log).not.toMatch(/Step 1\//);
    expect(value.outputs.instanceIds.filter((id) => before.instanceIds.includes(id))).toEqual([]);
    expect(await servedHash()).toBe(history[0].specHash);
    expectNoFailures(load);
  });

  it("refuses an app whose health check fails: up fails, the old fleet keeps serving, nothing is left", async () => {
    editSpec(/env: \{ LOG_LEVEL: info \}/, 'env: { LOG_LEVEL: info, FAIL_HEALTH: "1" }');
    const before = history[history.length - 1];
    try {
      const { value: r, load } = await underLoad(() => runProgram("up", { cwd: REPO_ROOT, stack }));
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(/did not pass GET \/healthz/);
      expect(r.stdout).toMatch(/removed the 3 instance\(s\) this deployment started/);
      expect(r.stdout).toContain("--- last log lines of");
      const left = await fleetContainers();
      expect(left.map((c) => c.Id).sort()).toEqual([...before.instanceIds].sort());
      expect(left.every((c) => c.State === "running")).toBe(true);
      expect(await servedHash()).toBe(before.specHash);
      expectNoFailures(load);
      // The failing release answers GET / with its own hash: the front door never sent it a request.
      expect(Object.keys(load.specHashes)).toEqual([before.specHash]);
    } finally {
      editSpec(/, FAIL_HEALTH: "1"/, "");
    }
    const { value, load: load2 } = await underLoad(up);
    expect(value.outputs.instanceIds).toEqual(before.instanceIds);
    expect(value.outputs.specHash).toBe(before.specHash);
    expectNoFailures(load2);
  });

  it("finds a hand-edited instance on refresh and replaces only it on the next up", async () => {
    const before = history[history.length - 1];
    const victim = before.instanceIds[1];
    const exec = await docker.getContainer(victim).exec({
      Cmd: ["sh", "-c", "echo '# hotfix' >> /etc/web/config.json"],
      User: "0",
    });
    await exec.start({ Detach: true });
    for (let i = 0; (await exec.inspect()).Running && i < 100; i++)
      await new Promise((r) => setTimeout(r, 50));

    const { value: refresh, load } = await underLoad(() =>
      runProgramOk("refresh", { cwd: REPO_ROOT, stack }),
    );
    expect(refresh.changes).toMatchObject({ update: 1 });
    const { value: preview } = await underLoad(() =>
      runProgramOk("preview", { cwd: REPO_ROOT, stack }),
    );
    expect(preview.changes).toMatchObject({ update: 1 });
    expect(preview.changes.replace ?? 0).toBe(0);

    const { value, load: load2 } = await underLoad(up);
    expect(value.changes).toMatchObject({ update: 1 });
    const after = value.outputs.instanceIds;
    expect(after[0]).toBe(before.instanceIds[0]);
    expect(after[2]).toBe(before.instanceIds[2]);
    expect(after[1]).not.toBe(victim);
    const fresh = await docker.getContainer(after[1]).inspect();
    expect(fresh.Image).toBe(before.imageRef);
    expect((await fleetContainers()).some((c) => c.Id === victim)).toBe(false);
    expectNoFailures(load);
    expectNoFailures(load2);
  });

  it("destroys everything: no container, network or volume of the stack is left", async () => {
    await runProgramOk("destroy", { cwd: REPO_ROOT, stack });
    expect(await stackContainers()).toEqual([]);
    const nets = await docker.listNetworks({ filters: { label: [`io.phoenix.stack=${stack}`] } });
    expect(nets).toEqual([]);
    const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    expect(volumes.filter((v) => seenVolumes.has(v))).toEqual([]);
    // The images stay for rollback.
    await expect(docker.getImage(history[0].imageRef).inspect()).resolves.toBeTruthy();
  });
});
