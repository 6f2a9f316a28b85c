/**
 * The commands a user types, with the real engine and the Node.js language host: `pulumi preview`,
 * `pulumi up`, `pulumi preview --expect-no-changes` and `pulumi destroy` on this project's own program
 * (a one-instance local stack on a free port). The other e2e files drive the same program through
 * scripts/pulumi-run.ts; this one proves the plain CLI path that `npm run dev` and the README use.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../lib/image/hash";
import { loadSpec } from "../../lib/spec/spec";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  pulumi,
  pulumiOk,
  removeStack,
  setConfig,
  stackOutputs,
  uniqueStackName,
} from "./harness";

const stack = uniqueStackName("e2e-cli");
const SECRET = `e2e-cli-secret-${stack}`;
const docker = new Docker();

async function stackContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`io.phoenix.stack=${stack}`] } });
}

describe("pulumi CLI on the project's program", () => {
  beforeAll(async () => {
    await initStack(stack, REPO_ROOT);
    await setConfig(stack, REPO_ROOT, "phoenix:target", "local");
    await setConfig(stack, REPO_ROOT, "phoenix:desiredCount", "1");
    await setConfig(stack, REPO_ROOT, "phoenix:frontDoorPort", String(await freePort()));
    await setConfig(stack, REPO_ROOT, "phoenix:DB_PASSWORD", SECRET, { secret: true });
  });

  afterAll(async () => {
    const left = await exportStack(stack, REPO_ROOT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0)
      await pulumi(["destroy", "--yes"], { cwd: REPO_ROOT, stack });
    await removeStack(stack, REPO_ROOT).catch(() => undefined);
  });

  it("previews the whole local target as creates", async () => {
    const r = await pulumiOk(["preview", "--diff"], { cwd: REPO_ROOT, stack });
    expect(r.stdout).toMatch(/phoenix:LocalFleet/);
    expect(r.stdout).toMatch(/\+ 7 to create/);
    expect((await stackContainers()).length).toBe(0);
  });

  it("deploys with `pulumi up`; the front door answers with the spec hash", async () => {
    await pulumiOk(["up", "--yes", "--skip-preview"], { cwd: REPO_ROOT, stack });
    const out = await stackOutputs(stack, REPO_ROOT);
    const expected = specHash(loadSpec(`${REPO_ROOT}/images/web.yaml`));
    expect(out.specHash).toBe(expected);
    expect(out.instanceIds).toHaveLength(1);
    const res = await fetch(`${out.url as string}/`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { specHash: string }).specHash).toBe(expected);
  });

  it("changes nothing on a second preview", async () => {
    const r = await pulumi(["preview", "--expect-no-changes"], { cwd: REPO_ROOT, stack });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/7 unchanged/);
  });

  it("keeps the stack secret out of the exported state", async () => {
    const text = JSON.stringify(await exportStack(stack, REPO_ROOT));
    expect(text).not.toContain(SECRET);
  });

  it("destroys every container of the stack", async () => {
    await pulumiOk(["destroy", "--yes", "--skip-preview"], { cwd: REPO_ROOT, stack });
    expect(await stackContainers()).toEqual([]);
  });
});
