/**
 * Releases judged on real traffic on the local target, with the real engine and Docker, under load
 * through the front door at 500 req/s: a stock server this project did not write (Debian's nginx,
 * good or bad by its config alone) goes through a canary step and a bake. A good release passes
 * with 0 failed requests; a bad one (health passes, 20% of GET / answer 500) is rolled back during
 * its step with the failed requests bounded by the step's share; one that turns bad after it took
 * 100% is switched back during the bake within 2 s; a `pulumi up` SIGKILLed during a step and
 * during the bake converges after `pulumi cancel` + `pulumi up` (of the same spec, or of the reverted
 * one). Each time: the previous release
 * serves 100% afterwards and nothing of the rolled-back one is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "../../lib/core/identifiers";
import { offWeightSlots, parseServersState } from "../../lib/local/haproxyRuntime";
import type { RolloutRecord } from "../../lib/rollout/report";
import { frontDoorCommand } from "../../providers/local/frontDoor/runtimeApi";
import { REPO_ROOT, pulumiOk, runProgram } from "./harness";
import {
  CANARY_FIXTURE,
  readRelease,
  restoreRelease,
  secondsToZero,
  turnBad,
  writeRelease,
} from "./canaryFixture";
import { upKilledWhen } from "./killedUp";
import { startLoad, type Load } from "./load";
import { LocalStack, describeLoad } from "./localStack";

const COUNT = 3;
const RATE = 500;
/** The step's share: a bad release's failures reach at most this share of all requests. */
const STEP_PERCENT = 20;
const STEP_SECONDS = 4;
const BAKE_SECONDS = 6;

const stack = new LocalStack({
  prefix: "e2e-canary",
  ...CANARY_FIXTURE,
  desiredCount: COUNT,
});
let load: Load;

/** A new release of the fixture, good or failing 20% of GET /. */
const release = (name: string, bad = false) => writeRelease(stack, name, bad);

/** The instances now: id and spec hash. */
async function instances(): Promise<Array<{ id: string; specHash: string }>> {
  return (await stack.containers("instance")).map((c) => ({
    id: c.Id,
    specHash: c.Labels[LABELS.specHash],
  }));
}

/** The front door's slots with their weights. */
async function slots() {
  const [fd] = await stack.containers("frontdoor");
  return parseServersState(await frontDoorCommand(fd.Id, ["show servers state app"]));
}

/** The version-hash the rollback message names: `v1.22.1-<hash12>`. */
const releaseName = (specHash: string) => `v1.22.1-${specHash.slice(0, 12)}`;

/** Requests the load sent between two snapshots. */
function sentBetween(a: { ok: number; failed: number }, b: { ok: number; failed: number }) {
  return { sent: b.ok + b.failed - (a.ok + a.failed), failed: b.failed - a.failed };
}

/** After a rolled-back release: exactly the previous fleet, in the pool at normal weights. */
async function expectPreviousServes(previous: { specHash: string; instanceIds: string[] }) {
  const now = await instances();
  expect(now.map((i) => i.id).sort()).toEqual([...previous.instanceIds].sort());
  expect(new Set(now.map((i) => i.specHash))).toEqual(new Set([previous.specHash]));
  expect(offWeightSlots(await slots())).toEqual([]);
  const out = JSON.parse(
    (await pulumiOk(["stack", "output", "--json"], { cwd: REPO_ROOT, stack: stack.name })).stdout,
  ) as { specHash: string };
  expect(out.specHash).toBe(previous.specHash);
  await stack.waitInPool(COUNT, 30_000);
}

describe("canary steps and bake on the local target", { timeout: 15 * 60_000 }, () => {
  let serving: { specHash: string; instanceIds: string[] };

  beforeAll(async () => {
    await stack.init();
    // The documented interface: `pulumi config set --path`.
    const set = (key: string, value: string) =>
      pulumiOk(["config", "set", "--path", key, value], { cwd: REPO_ROOT, stack: stack.name });
    await set("phoenix:rollout.steps[0].percent", String(STEP_PERCENT));
    await set("phoenix:rollout.steps[0].seconds", String(STEP_SECONDS));
    await set("phoenix:rollout.bakeSeconds", String(BAKE_SECONDS));
    await set("phoenix:rollout.maxErrorRate", "0.01");
    await set("phoenix:rollout.minRequests", "50");
    const first = await stack.up();
    // Nothing serves yet: the first release goes at once.
    expect((first.outputs as unknown as { rollout: RolloutRecord }).rollout).toMatchObject({
      outcome: "immediate",
      windows: [],
    });
    serving = first.outputs;
    load = startLoad(`${stack.url}/`, { ratePerSecond: RATE });
  });
  afterAll(async () => {
    await load?.stop();
    await stack.dispose();
  });

  it("passes a good release through its step and bake with 0 failed requests", async () => {
    release("second");
    const before = load.snapshot();
    const started = Date.now();
    const up = await stack.up();
    const took = (Date.now() - started) / 1000;
    const rollout = (up.outputs as unknown as { rollout: RolloutRecord }).rollout;
    expect(rollout.outcome).toBe("promoted");
    expect(rollout.release).toBe(releaseName(up.outputs.specHash));
    expect(rollout.windows.map((w) => [w.phase, w.percent, w.failed, w.result])).toEqual([
      ["canary", STEP_PERCENT, 0, "passed"],
      ["bake", 100, 0, "passed"],
    ]);
    // The step saw about its share of the load; the bake all of it.
    const [step, bake] = rollout.windows;
    expect(step.requests).toBeGreaterThan(RATE * STEP_SECONDS * (STEP_PERCENT / 100) * 0.5);
    expect(bake.requests).toBeGreaterThan(RATE * BAKE_SECONDS * 0.5);
    expect(up.log).toMatch(/canary 20%: \d+ requests, 0 failed \(0(\.0)?%\), 0 s left: passed/);
    expect(took).toBeGreaterThan(STEP_SECONDS + BAKE_SECONDS);
    const seen = load.snapshot();
    expect({ failed: seen.failed - before.failed, errors: seen.errors }).toEqual({
      failed: 0,
      errors: {},
    });
    const now = await instances();
    expect(now.map((i) => i.id).sort()).toEqual([...up.outputs.instanceIds].sort());
    expect(offWeightSlots(await slots())).toEqual([]);
    serving = up.outputs;
  });

  it("rolls a bad release back during its step, its failures bounded by the step's share", async () => {
    release("third", true);
    const before = load.snapshot();
    const up = await runProgram("up", { cwd: REPO_ROOT, stack: stack.name });
    const out = up.stdout + up.stderr;
    expect(up.code).not.toBe(0);
    const m = new RegExp(
      `canary ${STEP_PERCENT}%: (\\d+) of (\\d+) requests failed \\(([\\d.]+)%\\) > 1%( \\(before [^)]*\\))?: rolled back; ` +
        `${releaseName(serving.specHash)} still serves 100%`,
    ).exec(out);
    expect(m, out).not.toBeNull();
    // The front door's own counters saw the failing share (retried attempts included).
    expect(Number(m![3])).toBeGreaterThan(5);
    // Clients: at most the step's share of the requests sent meanwhile can have failed (the front
    // door retries most of them on the previous fleet, so usually none did).
    const { sent, failed } = sentBetween(before, load.snapshot());
    expect(failed).toBeLessThanOrEqual((STEP_PERCENT / 100) * sent);
    console.log(`bad release in its step: ${failed} of ${sent} requests failed; ${m![0]}`);
    await expectPreviousServes(serving);
  });

  it("switches back to the previous release within 2 s when the new one turns bad in the bake", async () => {
    release("fourth");
    const before = load.snapshot();
    const upDone = runProgram("up", { cwd: REPO_ROOT, stack: stack.name });
    // The bake: the previous fleet's slots at weight 0, the new fleet's at their normal weight.
    const deadline = Date.now() + 5 * 60_000;
    let fresh: Array<{ id: string }>;
    for (;;) {
      const all = await instances();
      fresh = all.filter((i) => i.specHash !== serving.specHash);
      const zero = (await slots()).filter((s) => s.uweight === 0 && s.addr !== "-");
      if (fresh.length === COUNT && zero.length === COUNT) break;
      if (Date.now() > deadline) throw new Error("no bake within 5 minutes");
      await new Promise((r) => setTimeout(r, 100));
    }
    await turnBad(
      stack,
      fresh.map((f) => f.id),
    );
    const up = await upDone;
    const out = up.stdout + up.stderr;
    expect(up.code).not.toBe(0);
    expect(out).toMatch(
      new RegExp(
        `bake: \\d+ of \\d+ requests failed \\([\\d.]+%\\) > 1%.*: rolled back; ` +
          `${releaseName(serving.specHash)} still serves 100%`,
      ),
    );
    const toZero = secondsToZero(out);
    expect(toZero).toBeLessThan(2);
    const { sent, failed } = sentBetween(before, load.snapshot());
    console.log(`bad in the bake: ${failed} of ${sent} failed; back at 0% in ${toZero} s`);
    await expectPreviousServes(serving);
  });

  /** `pulumi cancel`, `pulumi up`: the fleet converged, weights normal, nothing else left. */
  async function recover(): Promise<void> {
    await pulumiOk(["cancel", "--yes"], { cwd: REPO_ROOT, stack: stack.name });
    const up = await stack.up();
    const now = await instances();
    expect(now.map((i) => i.id).sort()).toEqual([...up.outputs.instanceIds].sort());
    expect(now).toHaveLength(COUNT);
    expect(new Set(now.map((i) => i.specHash))).toEqual(new Set([up.outputs.specHash]));
    expect((await stack.containers()).length).toBe(COUNT + 1);
    expect(offWeightSlots(await slots())).toEqual([]);
    await stack.waitInPool(COUNT, 30_000);
    serving = up.outputs;
  }

  it("converges after pulumi up is killed during a step, with no failed request", async () => {
    release("fifth");
    const before = load.snapshot();
    await upKilledWhen(stack.name, "a canary step", async () => {
      const fresh = (await instances()).filter((i) => i.specHash !== serving.specHash);
      if (fresh.length !== COUNT || (await stack.inPool()).length !== 2 * COUNT) return false;
      return offWeightSlots(await slots()).some((s) => s.uweight! > 0);
    });
    await recover();
    expect(sentBetween(before, load.snapshot()).failed).toBe(0);
  });

  it("converges after pulumi up is killed during the bake and the spec is reverted, with no failed request", async () => {
    // The serving release's config, to come back to: the fleet in the state is the previous one,
    // at weight 0 after the kill, and the killed release serves alone.
    const servingConf = readRelease(stack);
    release("sixth");
    const before = load.snapshot();
    await upKilledWhen(stack.name, "a bake", async () => {
      const fresh = (await instances()).filter((i) => i.specHash !== serving.specHash);
      if (fresh.length !== COUNT) return false;
      return (await slots()).some((s) => s.uweight === 0 && s.addr !== "-");
    });
    restoreRelease(stack, servingConf);
    const ids = [...serving.instanceIds].sort();
    await recover();
    // The revert kept the fleet the state records: weights back first, then the killed release out.
    expect([...serving.instanceIds].sort()).toEqual(ids);
    expect(sentBetween(before, load.snapshot()).failed).toBe(0);
  });

  it("served every request throughout but the bad releases' bounded share", async () => {
    const report = await load.stop();
    console.log(`canary load: ${describeLoad(report)}`);
    expect((report.ok + report.failed) / (report.durationMs / 1000)).toBeGreaterThan(RATE * 0.9);
    // The kills and recoveries cost no request; only the two bad releases may have failed some.
    expect(Object.keys(report.errors).filter((e) => e !== "500")).toEqual([]);
  });
});
