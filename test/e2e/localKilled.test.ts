/**
 * Rollouts that survive a killed engine, with the plain `pulumi` CLI as a user runs it: `pulumi up`
 * is SIGKILLed (its whole process group) at each of four points of a rollout of the example app,
 * each detected by a condition: during the image build (the build has started), during the new
 * fleet's launch (its first container exists), during its health gate (all its containers run,
 * none is in the pool yet) and during the old fleet's drain (a slot of the front door is forced
 * into drain or maint). Each time the documented recovery follows, `pulumi cancel` then
 * `pulumi up`: the front door served every request throughout (500 req/s), the fleet is exactly
 * desiredCount instances of the current spec, nothing else labelled with the stack exists, and at the end
 * `pulumi destroy` leaves nothing labelled with the stack.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "../../lib/core/identifiers";
import { REPO_ROOT, pulumiOk } from "./harness";
import { upKilledWhen as killedWhen } from "./killedUp";
import { startLoad, type Load } from "./load";
import { LocalStack, describeLoad } from "./localStack";

const COUNT = 3;
/** Requests per second through the front door for the whole test, kills and recoveries included. */
const RATE = 500;
const stack = new LocalStack({
  prefix: "e2e-kill",
  spec: "images/web.yaml",
  copy: ["app", "config"],
  desiredCount: COUNT,
  secrets: { DB_PASSWORD: "e2e-killed" },
});
let load: Load;
let release = 0;

/** `pulumi up` of the stack, SIGKILLed (its whole process group) once `when` holds. */
const upKilledWhen = (what: string, when: (output: string) => Promise<boolean>) =>
  killedWhen(stack.name, what, when);

/**
 * The next release: a spec hash no earlier run has built (a config value unique to this stack),
 * so its `up` must build. Resolves with the spec hash of the fleet running now.
 */
async function nextRelease(): Promise<string> {
  const [running] = await stack.containers("instance");
  stack.editSpec(
    /env: \{ LOG_LEVEL: info[^}]*\}/,
    `env: { LOG_LEVEL: info, RELEASE: "${stack.name}-${++release}" }`,
  );
  return running.Labels[LABELS.specHash];
}

/** Instance containers of another spec hash than `current`. */
async function newInstances(current: string): Promise<Array<{ State: string; Id: string }>> {
  return (await stack.containers("instance")).filter((c) => c.Labels[LABELS.specHash] !== current);
}

/** `pulumi cancel`, then `pulumi up`; checks the fleet converged exactly and nothing else is left. */
async function recover(): Promise<void> {
  await pulumiOk(["cancel", "--yes"], { cwd: REPO_ROOT, stack: stack.name });
  const up = await stack.up();
  const instances = await stack.containers("instance");
  expect(instances.map((c) => c.Id).sort()).toEqual([...up.outputs.instanceIds].sort());
  expect(instances).toHaveLength(COUNT);
  expect(instances.every((c) => c.State === "running")).toBe(true);
  expect(new Set(instances.map((c) => c.Labels[LABELS.specHash]))).toEqual(
    new Set([up.outputs.specHash]),
  );
  expect(await stack.containers("frontdoor")).toHaveLength(1);
  expect((await stack.containers()).length).toBe(COUNT + 1);
  await stack.waitInPool(COUNT, 30_000);
  expectServing();
}

function expectServing(): void {
  const seen = load.snapshot();
  expect({ failed: seen.failed, errors: seen.errors }).toEqual({ failed: 0, errors: {} });
}

describe("pulumi up killed at any point of a rollout", { timeout: 10 * 60_000 }, () => {
  beforeAll(async () => {
    await stack.init();
    await stack.up();
    load = startLoad(`${stack.url}/`, { ratePerSecond: RATE });
  });
  afterAll(async () => {
    await load?.stop();
    await stack.dispose();
  });

  it("during the image build", async () => {
    const current = await nextRelease();
    await upKilledWhen("a build", async (out) => /: building \(spec hash/.test(out));
    expect(await newInstances(current)).toEqual([]);
    await recover();
  });

  it("during the new fleet's launch; refresh names the orphans first", async () => {
    const current = await nextRelease();
    await upKilledWhen("a new instance", async () => (await newInstances(current)).length > 0);
    await pulumiOk(["cancel", "--yes"], { cwd: REPO_ROOT, stack: stack.name });
    const refresh = await stack.run("refresh");
    expect(refresh.log).toMatch(/carries the stack's labels but is not in its state/);
    await recover();
  });

  it("during the new fleet's health gate", async () => {
    const current = await nextRelease();
    await upKilledWhen("a health gate", async () => {
      const fresh = await newInstances(current);
      return fresh.length === COUNT && fresh.every((c) => c.State === "running");
    });
    await recover();
  });

  it("during the old fleet's drain", async () => {
    await nextRelease();
    const [fd] = await stack.containers("frontdoor");
    const { frontDoorCommand } = await import("../../providers/local/frontDoor/runtimeApi");
    const { parseServersState, ADMIN } = await import("../../lib/local/haproxyRuntime");
    await upKilledWhen("a drain", async () => {
      const slots = parseServersState(await frontDoorCommand(fd.Id, ["show servers state app"]));
      const forced = ADMIN.forcedDrain | ADMIN.forcedMaint;
      return slots.some((s) => (s.admin & forced) !== 0 && s.addr !== "-");
    });
    await recover();
  });

  it("destroy removes every object labelled with the stack", async () => {
    console.log(`killed-engine load: ${describeLoad(load.snapshot())}`);
    expectServing();
    const report = await load.stop();
    // The load really ran at the rate throughout (a starved generator would prove less).
    expect((report.ok + report.failed) / (report.durationMs / 1000)).toBeGreaterThan(RATE * 0.9);
    await stack.run("destroy");
    expect(await stack.containers()).toEqual([]);
    expect(await stack.otherObjects()).toEqual([]);
  });
});
