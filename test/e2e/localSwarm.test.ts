/**
 * Instances as Swarm services (`phoenix:instances services`), on a single-node Swarm of the test's
 * own (a private daemon in its own network namespace: Swarm mode changes the whole daemon, so the
 * shared one is never touched). What services add over containers: an instance `docker kill`ed is
 * back, healthy and in the front door's pool within 30 s with nobody running pulumi, as a new
 * container of the same image, the front door answering meanwhile; so is every instance after a
 * daemon restart. And the whole lifecycle
 * holds as with containers: health-gated launch, a rollout that replaces every instance (also through
 * a canary step and a bake), a refresh
 * that sees the fleet whole and names a service it does not track, a switch to containers and
 * back, a destroy that leaves nothing labelled with the stack.
 */
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "../../lib/core/identifiers";
import type { RolloutRecord } from "../../lib/rollout/report";
import { REPO_ROOT, pulumiOk, setConfig } from "./harness";
import { describeLoad, drainTimes, LocalStack } from "./localStack";
import { NamespaceLoad, PrivateDockerd, sharedImage } from "./privateDockerd";

const COUNT = 3;
const RATE = 500;
const daemon = new PrivateDockerd({ swarm: true });
const stack = new LocalStack({
  prefix: "e2e-swarm",
  spec: "images/web.yaml",
  copy: ["app", "config"],
  desiredCount: COUNT,
  secrets: { DB_PASSWORD: "e2e-swarm" },
  config: { instances: "services" },
  dockerHost: daemon.host,
  wrap: daemon.wrap,
});

/** The stack's instance services. */
async function services(): Promise<Array<{ ID: string; Spec: { Name: string } }>> {
  return (await daemon.docker.listServices({
    filters: { label: [`${LABELS.stack}=${stack.name}`] },
  } as never)) as never;
}

/** Running task containers of the stack's instances. */
async function running(): Promise<string[]> {
  return (await stack.containers("instance")).filter((c) => c.State === "running").map((c) => c.Id);
}

/** GETs / through the front door every 20 ms while `during` runs; resolves with the statuses seen. */
async function pollFrontDoor(during: Promise<unknown>): Promise<Record<string, number>> {
  const port = Number(new URL(stack.url).port);
  const seen: Record<string, number> = {};
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    const status = String(daemon.httpStatus(port, "/"));
    seen[status] = (seen[status] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

describe("instances as Swarm services", { timeout: 10 * 60_000 }, () => {
  beforeAll(async () => {
    const images = [
      await sharedImage("images/web.yaml"),
      await sharedImage("images/frontdoor.yaml"),
    ];
    await daemon.start();
    daemon.loadFromShared([...images, "debian:bookworm-slim"]);
    await stack.init();
  });
  afterAll(async () => {
    await stack.dispose().catch((e) => console.log(`dispose: ${e}`));
    await daemon.dispose();
  });

  it("launches the fleet as one service per instance, all healthy in the pool", async () => {
    const up = await stack.up();
    expect(up.log).toMatch(new RegExp(`is live with ${COUNT} instance\\(s\\)`));
    expect((await services()).length).toBe(COUNT);
    expect(up.outputs.instanceIds.sort()).toEqual((await services()).map((s) => s.ID).sort());
    await stack.waitInPool(COUNT, 10_000);
  });

  it("brings a docker-killed instance back into the pool within 30 s, without pulumi", async () => {
    const [victim] = await running();
    const killedAt = Date.now();
    const back = (async () => {
      await daemon.docker.getContainer(victim!).kill();
      for (;;) {
        const now = await running();
        if (
          !now.includes(victim!) &&
          now.length === COUNT &&
          (await stack.inPool()).length === COUNT
        ) {
          return Date.now() - killedAt;
        }
        if (Date.now() - killedAt > 30_000) throw new Error(`${now.length}/${COUNT} after 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const statuses = await pollFrontDoor(back);
    const took = await back;
    console.log(
      `docker kill: ${COUNT}/${COUNT} in the pool again after ${took} ms; front door answered ${JSON.stringify(statuses)}`,
    );
    expect(took).toBeLessThanOrEqual(30_000);
    expect(Object.keys(statuses)).toEqual(["200"]);
    expect((await services()).length).toBe(COUNT);
  });

  it("brings every instance back after a Docker daemon restart within 30 s, without pulumi", async () => {
    const port = Number(new URL(stack.url).port);
    await daemon.stop();
    await daemon.start();
    const answering = Date.now();
    await stack.waitInPool(COUNT, 30_000);
    while (daemon.httpStatus(port, "/") !== 200) {
      if (Date.now() - answering > 30_000) throw new Error("front door not answering after 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const took = Date.now() - answering;
    console.log(
      `daemon restart: ${COUNT}/${COUNT} in the pool ${took} ms after the daemon answered`,
    );
    expect(took).toBeLessThanOrEqual(30_000);
    expect((await running()).length).toBe(COUNT);
  });

  it("refresh then finds the fleet whole: the next up changes nothing", async () => {
    const refresh = await stack.run("refresh");
    expect(refresh.log).not.toMatch(/drift:/);
    const preview = await stack.run("preview");
    expect(preview.changes).toEqual({ same: 7 });
  });

  it("rolls out a spec change by replacing every service, 0 failed requests at 500 req/s", async () => {
    const before = (await services()).map((s) => s.ID);
    stack.editSpec(/LOG_LEVEL: info/, "LOG_LEVEL: debug");
    // Built where the base system's packages can be fetched, as the first images were.
    daemon.loadFromShared([await sharedImage(path.relative(REPO_ROOT, stack.specFile))]);
    const load = new NamespaceLoad(daemon, `${stack.url}/`, RATE);
    const up = await stack.up();
    const report = await load.stop();
    console.log(`rollout at ${RATE} req/s: ${describeLoad(report)}`);
    console.log(`rollout drain: ${JSON.stringify(drainTimes(up.log))}`);
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(RATE * 5);
    // Every old instance out of the pool and stopped within 3 s of leaving it (no request is long).
    for (const d of drainTimes(up.log)) expect(d.stoppedS - d.outS).toBeLessThanOrEqual(3);
    const after = (await services()).map((s) => s.ID);
    expect(after.length).toBe(COUNT);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    await stack.waitInPool(COUNT, 10_000);
  });

  it("refuses a release whose health check fails: the old services keep serving, the new ones are removed", async () => {
    const before = (await services()).map((s) => s.ID).sort();
    stack.editSpec(/env: \{ LOG_LEVEL: debug \}/, 'env: { LOG_LEVEL: debug, FAIL_HEALTH: "1" }');
    daemon.loadFromShared([await sharedImage(path.relative(REPO_ROOT, stack.specFile))]);
    const load = new NamespaceLoad(daemon, `${stack.url}/`, RATE);
    const failed = await stack.run("up").then(
      () => undefined,
      (err: Error) => err.message,
    );
    const report = await load.stop();
    stack.editSpec(/, FAIL_HEALTH: "1"/, "");
    console.log(`failed release at ${RATE} req/s: ${describeLoad(report)}`);
    expect(failed).toMatch(
      /did not pass its HEALTHCHECK \(GET \/healthz on port \d+ with a 2xx\) before the deadline/,
    );
    expect(failed).toMatch(
      new RegExp(
        `removed the ${COUNT} instance\\(s\\) this deployment started, the running fleet is untouched`,
      ),
    );
    expect((await services()).map((s) => s.ID).sort()).toEqual(before);
    expect(report.failed).toBe(0);
    const again = await stack.run("up"); // the reverted spec: its image and fleet are still there
    expect([...again.outputs.instanceIds].sort()).toEqual(before);
  });

  it("takes a release through a canary step and a bake with services, 0 failed requests", async () => {
    const before = (await services()).map((s) => s.ID);
    const set = (key: string, value: string) =>
      pulumiOk(["config", "set", "--path", key, value], { cwd: REPO_ROOT, stack: stack.name });
    await set("phoenix:rollout.steps[0].percent", "20");
    await set("phoenix:rollout.steps[0].seconds", "4");
    await set("phoenix:rollout.bakeSeconds", "4");
    await set("phoenix:rollout.minRequests", "50");
    stack.editSpec(/LOG_LEVEL: debug/, "LOG_LEVEL: warn");
    daemon.loadFromShared([await sharedImage(path.relative(REPO_ROOT, stack.specFile))]);
    const load = new NamespaceLoad(daemon, `${stack.url}/`, RATE);
    const up = await stack.up();
    const report = await load.stop();
    await pulumiOk(["config", "rm", "phoenix:rollout"], { cwd: REPO_ROOT, stack: stack.name });
    console.log(`canary with services at ${RATE} req/s: ${describeLoad(report)}`);
    const rollout = (up.outputs as unknown as { rollout: RolloutRecord }).rollout;
    expect(rollout.outcome).toBe("promoted");
    expect(rollout.windows.map((w) => [w.phase, w.percent, w.failed, w.result])).toEqual([
      ["canary", 20, 0, "passed"],
      ["bake", 100, 0, "passed"],
    ]);
    // The step judged the new services on about their share of the load.
    expect(rollout.windows[0].requests).toBeGreaterThan(RATE * 4 * 0.2 * 0.5);
    expect(report.failed).toBe(0);
    const after = (await services()).map((s) => s.ID);
    expect(after.length).toBe(COUNT);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    await stack.waitInPool(COUNT, 10_000);
  });

  it("switches the stack to containers in one up: new network, front door and fleet, no service left", async () => {
    await setConfig(stack.name, REPO_ROOT, "phoenix:instances", "containers");
    const up = await stack.up();
    expect(await services()).toEqual([]);
    const instances = await stack.containers("instance");
    expect(instances.map((c) => c.Id).sort()).toEqual([...up.outputs.instanceIds].sort());
    expect(instances.every((c) => c.Labels["com.docker.swarm.service.id"] === undefined)).toBe(
      true,
    );
    expect(await stack.otherObjects()).toEqual([`network ${stack.name}-phoenix`]);
    await stack.waitInPool(COUNT, 10_000);
    await setConfig(stack.name, REPO_ROOT, "phoenix:instances", "services");
    await stack.up();
    expect((await services()).length).toBe(COUNT);
    expect(await stack.otherObjects()).toEqual([`network ${stack.name}-phoenix-swarm`]);
  });

  it("refresh names a service of the stack the state does not track; destroy removes it with the rest", async () => {
    // What a deployment whose engine was killed leaves: a service with the stack's labels.
    const [tracked] = await services();
    const spec = (
      (await daemon.docker.getService(tracked!.ID).inspect()) as {
        Spec: Record<string, unknown> & { Name: string };
      }
    ).Spec;
    await daemon.docker.createService({ ...spec, Name: `${spec.Name}-stray` } as never);
    const refresh = await stack.run("refresh");
    expect(refresh.log).toMatch(
      /drift: \S+-stray \(fleet [^)]+\) carries the stack's labels but is not in its state/,
    );
    await stack.run("destroy");
    expect(await services()).toEqual([]);
    expect(await stack.containers()).toEqual([]);
    expect(await stack.otherObjects()).toEqual([]);
  });
});
