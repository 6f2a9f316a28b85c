/**
 * Runtime secrets on the local target, proven with the real engine and the real Docker engine: a
 * stack secret named in the spec's `secrets:` reaches the containers' environment at run time, and
 * its value appears nowhere else: not in the image (labels, env, history, any byte of any layer), the
 * rendered Dockerfile, the exported stack state or its file, or the engine's output. The deploy runs
 * with the guardrails policy pack, so the pack is also exercised on the real local stack.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../lib/image/hash";
import { renderDockerfile } from "../../lib/image/render";
import { loadSpec } from "../../lib/spec/spec";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  removeStack,
  runProgram,
  setConfig,
  uniqueStackName,
} from "./harness";

const stack = uniqueStackName("e2e-secrets");
const work = path.join(REPO_ROOT, ".pulumi-state", "e2e", stack);
const specFile = path.join(work, "images", "web.yaml");
const SECRET = `db-${crypto.randomBytes(12).toString("hex")}`;
const PACK = ["--policy-pack", path.join(REPO_ROOT, "policy", "analyzer")];
const docker = new Docker();

let upLog = "";
let imageId = "";

async function containers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`io.phoenix.stack=${stack}`] } });
}

/** Counts occurrences of each needle in the `docker save` tar of an image (every layer, raw bytes). */
async function countInImageTar(id: string, needles: string[]): Promise<Record<string, number>> {
  const stream = await docker.getImage(id).get();
  const counts = Object.fromEntries(needles.map((n) => [n, 0]));
  const keep = Math.max(...needles.map((n) => Buffer.byteLength(n))) - 1;
  let tail = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = Buffer.concat([tail, chunk]);
    for (const n of needles) {
      // Only count matches that end in the new bytes, so none is counted twice across chunks.
      for (let i = buf.indexOf(n); i >= 0; i = buf.indexOf(n, i + 1)) {
        if (i + Buffer.byteLength(n) > tail.length) counts[n]++;
      }
    }
    tail = buf.subarray(Math.max(0, buf.length - keep));
  }
  return counts;
}

describe("runtime secrets on the local target", () => {
  beforeAll(async () => {
    fs.mkdirSync(path.dirname(specFile), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "images", "web.yaml"), specFile);
    fs.cpSync(path.join(REPO_ROOT, "app"), path.join(work, "app"), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, "config"), path.join(work, "config"), { recursive: true });
    await initStack(stack, REPO_ROOT);
    await setConfig(stack, REPO_ROOT, "phoenix:target", "local");
    await setConfig(stack, REPO_ROOT, "phoenix:spec", path.relative(REPO_ROOT, specFile));
    await setConfig(stack, REPO_ROOT, "phoenix:desiredCount", "2");
    await setConfig(stack, REPO_ROOT, "phoenix:frontDoorPort", String(await freePort()));
    await setConfig(stack, REPO_ROOT, "phoenix:DB_PASSWORD", SECRET, { secret: true });
    const up = await runProgram("up", { cwd: REPO_ROOT, stack, args: PACK });
    upLog = up.stdout + up.stderr;
    if (up.code !== 0 || !up.result) throw new Error(`up failed (${up.code})\n${upLog}`);
    imageId = String(up.result.outputs.imageRef);
  });

  afterAll(async () => {
    await runProgram("destroy", { cwd: REPO_ROOT, stack });
    for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
    await removeStack(stack, REPO_ROOT);
    fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), { force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("deploys the real local stack through the guardrails policy pack", () => {
    expect(upLog).toMatch(/✅ phoenix-guardrails@v0\.1\.0 \(local: .*policy\/analyzer\)/);
  });

  it("hands the secret to every fleet container as environment, at run time", async () => {
    const fleet = (await containers()).filter((c) => c.Labels["io.phoenix.role"] === "instance");
    expect(fleet).toHaveLength(2);
    for (const c of fleet) {
      const info = await docker.getContainer(c.Id).inspect();
      expect(info.Image).toBe(imageId);
      expect(info.Config.Env).toContain(`DB_PASSWORD=${SECRET}`);
      expect(JSON.stringify(info.Config.Labels)).not.toContain(SECRET);
    }
  });

  it("keeps the secret out of the image: labels, env, history and every layer byte", async () => {
    const info = await docker.getImage(imageId).inspect();
    expect(info.Config.Labels["io.phoenix.spec-hash"]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(info)).not.toContain(SECRET);
    const history = await docker.getImage(imageId).history();
    expect(history.length).toBeGreaterThan(3);
    expect(JSON.stringify(history)).not.toContain(SECRET);
    // The scan must find what the image does hold (a file of the app, its spec hash) to mean anything.
    const server = fs.readFileSync(path.join(work, "app", "server.js"), "utf8").split("\n")[0];
    const counts = await countInImageTar(imageId, [
      SECRET,
      server,
      info.Config.Labels["io.phoenix.spec-hash"],
    ]);
    expect(counts[server]).toBeGreaterThan(0);
    expect(counts[info.Config.Labels["io.phoenix.spec-hash"]]).toBeGreaterThan(0);
    expect(counts[SECRET]).toBe(0);
  });

  it("keeps the secret out of the rendered Dockerfile", async () => {
    const loaded = loadSpec(specFile);
    expect(loaded.spec.secrets).toContain("DB_PASSWORD");
    const dockerfile = renderDockerfile(loaded, specHash(loaded));
    expect(dockerfile).not.toContain(SECRET);
    const state = await exportStack(stack, REPO_ROOT);
    const image = state.deployment.resources?.find(
      (r) => r.type.endsWith(":LocalImage") && r.urn.endsWith("::web-image"),
    );
    expect(image?.inputs?.dockerfile).toBe(dockerfile);
  });

  it("stores the secret only encrypted in the state, and never prints it", async () => {
    const state = await exportStack(stack, REPO_ROOT);
    expect(JSON.stringify(state)).not.toContain(SECRET);
    const fleet = state.deployment.resources?.find((r) => r.type.endsWith(":LocalFleet"));
    const stored = fleet?.inputs?.secretEnv as Record<string, unknown>;
    expect(stored["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(typeof stored.ciphertext).toBe("string");
    const file = path.join(
      REPO_ROOT,
      ".pulumi-state",
      ".pulumi",
      "stacks",
      "phoenix",
      `${stack}.json`,
    );
    expect(fs.readFileSync(file, "utf8")).not.toContain(SECRET);
    expect(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).not.toContain(
      SECRET,
    );
    expect(upLog).not.toContain(SECRET);
  });
});
