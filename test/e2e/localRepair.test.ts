/**
 * What was removed or stopped by hand, repaired by a plain `pulumi up` (no refresh first), with the
 * real engine and Docker: an instance stopped (`docker stop`, which Docker never undoes), the front
 * door removed (`docker rm -f`), and everything of the stack removed with its network (a cleanup
 * script gone wide). `pulumi preview` shows each repair before it happens; the serving instances that
 * were fine stay, and once the front door is back the repair itself fails no request (200 req/s).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runProgram } from "./harness";
import { startLoad } from "./load";
import { LocalStack, type LocalOutputs } from "./localStack";

const COUNT = 3;

describe("a plain pulumi up repairs what was changed by hand", { timeout: 10 * 60_000 }, () => {
  const stack = new LocalStack({
    prefix: "e2e-repair",
    spec: "test/e2e/fixtures/servers/busybox-httpd.yaml",
    copy: ["servers/www"],
    desiredCount: COUNT,
  });
  let first: LocalOutputs;

  beforeAll(async () => {
    await stack.init();
    first = (await stack.up()).outputs;
  });
  afterAll(() => stack.dispose());

  async function preview(): Promise<string> {
    const r = await runProgram("preview", { cwd: REPO_ROOT, stack: stack.name, args: ["--diff"] });
    if (r.code !== 0) throw new Error(`preview failed\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  it("replaces an instance stopped by hand, keeping the others, with no failed request", async () => {
    const [victim, ...rest] = first.instanceIds;
    await stack.docker.getContainer(victim).stop({ t: 1 });
    const shown = await preview();
    expect(shown).toMatch(/~ pulumi-nodejs:dynamic\/phoenix:LocalFleet: \(update\)/);
    expect(shown).toMatch(/~ 1 to update/);
    const load = startLoad(`${stack.url}/`, { ratePerSecond: 200 });
    const after = (await stack.up()).outputs;
    const report = await load.stop();
    expect(after.instanceIds).toHaveLength(COUNT);
    expect(after.instanceIds).not.toContain(victim);
    expect(after.instanceIds).toEqual(expect.arrayContaining(rest));
    expect(report.failed, JSON.stringify(report.errors)).toBe(0);
    expect(report.ok).toBeGreaterThan(0);
    first = after;
  });

  it("brings back a front door removed by hand; the fleet that serves is untouched", async () => {
    const [door] = await stack.containers("frontdoor");
    await stack.docker.getContainer(door.Id).remove({ force: true });
    expect(await preview()).toMatch(
      /\+-\s*pulumi-nodejs:dynamic\/phoenix:LocalFrontDoor: \(replace\)/,
    );
    const after = (await stack.up()).outputs;
    expect([...after.instanceIds].sort()).toEqual([...first.instanceIds].sort());
    const res = await fetch(`${after.url}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    await stack.waitInPool(COUNT, 30_000);
    first = after;
  });

  it("rebuilds everything of the stack removed with its network and image by a cleanup gone wide", async () => {
    for (const c of await stack.containers())
      await stack.docker.getContainer(c.Id).remove({ force: true });
    const nets = await stack.docker.listNetworks({
      filters: { label: [`io.phoenix.stack=${stack.name}`] },
    });
    for (const n of nets) await stack.docker.getNetwork(n.Id).remove();
    // ...and the image with them (`docker image prune -a` once nothing uses it).
    await stack.docker.getImage(first.imageRef).remove({ force: true });
    const after = (await stack.up()).outputs;
    expect(after.instanceIds).toHaveLength(COUNT);
    const res = await fetch(`${after.url}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    await stack.waitInPool(COUNT, 30_000);
  });
});
