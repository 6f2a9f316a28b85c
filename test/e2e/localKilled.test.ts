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
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "../../lib/core/identifiers";
import { REPO_ROOT, phoenixEnv, pulumiOk } from "./harness";
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

/** `pulumi up` in its own process group; resolves when `when` holds, after SIGKILLing the group. */
async function upKilledWhen(
  what: string,
  when: (output: string) => Promise<boolean>,
): Promise<{ output: string; code: number | null }> {
  const child = spawn(
    "pulumi",
    ["up", "--yes", "--skip-preview", "--non-interactive", "--color=never", "--stack", stack.name],
    { cwd: REPO_ROOT, env: phoenixEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 5 * 60_000;
  while (!(await when(output))) {
    if (done) throw new Error(`pulumi up ended before ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 minutes:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const providers = descendants(child.pid!).filter((p) => cmdline(p).includes("dynamic-provider"));
  process.kill(-child.pid!, "SIGKILL");
  const code = await exited;
  await allGone(providers, 15_000);
  return { output, code };
}

/** Pids of every process below `pid` (the engine's language host and provider processes). */
function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number));
  const below: number[] = [];
  for (let front = [pid]; front.length > 0;) {
    front = rows.filter(([, ppid]) => front.includes(ppid!)).map(([p]) => p!);
    below.push(...front);
  }
  return below;
}

/** A process's command line, "" once it is gone. */
function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/**
 * Waits until none of `pids` runs: a dynamic provider process, in a process group of its own,
 * must end with its killed engine rather than linger (or spin on its broken output pipe).
 */
async function allGone(pids: readonly number[], deadlineMs: number): Promise<void> {
  const alive = () =>
    pids.filter((p) => {
      try {
        process.kill(p, 0);
        return !fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
      } catch {
        return false;
      }
    });
  const start = Date.now();
  while (alive().length > 0) {
    if (Date.now() - start > deadlineMs) {
      const left = alive().map((p) => `${p}: ${cmdline(p)}`);
      throw new Error(
        `${left.length} process(es) of the killed engine still run after ${deadlineMs} ms:\n${left.join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
