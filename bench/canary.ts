/**
 * Canary benchmark of the local target (a script, not a test): `npm run bench:canary`.
 *
 * What a rollout costs beyond its configured windows, and how fast a breach puts traffic back. For
 * fleets of 10 and 30 instances of a stock server (test/e2e/fixtures/servers/nginx-canary.yaml), on a
 * fresh stack each, with load through the front door (500 req/s):
 *   1. Releases A and B are built and deployed once (`PHOENIX_ROLLOUT=skip`), so every later `up` is
 *      the pure fleet swap with an image that exists.
 *   2. Alternately, three swaps with the canary policy (one step, a bake) and three with
 *      `PHOENIX_ROLLOUT=skip`. Overhead = median(canary) - median(skip) - (step seconds + bakeSeconds).
 *   3. A bad release (20% of GET / answer 500) rolled back during its step, and a good one turned bad
 *      during its bake: the provider's "new release at 0% X s after the last reading within the limit"
 *      (from the last clean reading, so it includes the detection) for each.
 *
 * Prints a Markdown report and writes it with the raw figures to bench/results/canary-<stamp>.{md,json}.
 * Options: --sizes 10,30, --rate 500.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseServersState } from "../lib/local/haproxyRuntime";
import { frontDoorCommand } from "../providers/local/frontDoor/runtimeApi";
import { REPO_ROOT, pulumiOk, runProgram } from "../test/e2e/harness";
import { CANARY_FIXTURE, secondsToZero, turnBad, writeRelease } from "../test/e2e/canaryFixture";
import { startLoad } from "../test/e2e/load";
import { LocalStack } from "../test/e2e/localStack";

const STEP = { percent: 10, seconds: 5 };
const BAKE_SECONDS = 5;
const PLANNED = STEP.seconds + BAKE_SECONDS;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;

interface SizeResult {
  size: number;
  canaryRuns: number[];
  skipRuns: number[];
  overheadSeconds: number;
  stepBreachToZeroSeconds: number;
  bakeBreachToZeroSeconds: number;
  loadAvg: number;
}

async function measure(size: number, rate: number): Promise<SizeResult> {
  const stack = new LocalStack({
    prefix: `bench-canary-${size}`,
    ...CANARY_FIXTURE,
    desiredCount: size,
  });
  const release = (name: string, bad = false) => writeRelease(stack, name, bad);
  const up = async (skip: boolean) => {
    const started = Date.now();
    const r = await runProgram("up", {
      cwd: REPO_ROOT,
      stack: stack.name,
      env: skip ? { PHOENIX_ROLLOUT: "skip" } : {},
    });
    return { seconds: (Date.now() - started) / 1000, out: r.stdout + r.stderr, code: r.code };
  };
  try {
    await stack.init();
    const set = (k: string, v: string) =>
      pulumiOk(["config", "set", "--path", k, v], { cwd: REPO_ROOT, stack: stack.name });
    await set("phoenix:rollout.steps[0].percent", String(STEP.percent));
    await set("phoenix:rollout.steps[0].seconds", String(STEP.seconds));
    await set("phoenix:rollout.bakeSeconds", String(BAKE_SECONDS));
    await set("phoenix:rollout.minRequests", "50");
    release("A");
    await stack.up();
    const load = startLoad(`${stack.url}/`, { ratePerSecond: rate });
    release("B");
    if ((await up(true)).code !== 0) throw new Error("release B failed");
    const canaryRuns: number[] = [];
    const skipRuns: number[] = [];
    // B serves: every canary swap goes to A, every skip swap back to B (both images exist).
    for (let i = 0; i < 3; i++) {
      release("A");
      const c = await up(false);
      if (c.code !== 0 || !/ promoted: canary 10%/.test(c.out))
        throw new Error(`canary swap failed:\n${c.out.slice(-3000)}`);
      canaryRuns.push(round1(c.seconds));
      release("B");
      const s = await up(true);
      if (s.code !== 0) throw new Error(`skip swap failed:\n${s.out.slice(-3000)}`);
      skipRuns.push(round1(s.seconds));
    }
    release("bad", true);
    const bad = await up(false);
    const stepBreachToZeroSeconds = secondsToZero(bad.out);
    release("turns-bad");
    const serving = new Set((await stack.containers("instance")).map((c) => c.Id));
    const pending = up(false);
    const [fd] = await stack.containers("frontdoor");
    for (;;) {
      const slots = parseServersState(await frontDoorCommand(fd.Id, ["show servers state app"]));
      if (slots.filter((s) => s.uweight === 0 && s.addr !== "-").length === size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const fresh = (await stack.containers("instance")).filter((c) => !serving.has(c.Id));
    await turnBad(
      stack,
      fresh.map((c) => c.Id),
    );
    const bakeBreachToZeroSeconds = secondsToZero((await pending).out);
    await load.stop();
    return {
      size,
      canaryRuns,
      skipRuns,
      overheadSeconds: round1(median(canaryRuns) - median(skipRuns) - PLANNED),
      stepBreachToZeroSeconds,
      bakeBreachToZeroSeconds,
      loadAvg: round1(os.loadavg()[0]),
    };
  } finally {
    await stack.dispose();
  }
}

async function main(): Promise<void> {
  const sizes = arg("sizes", "10,30").split(",").map(Number);
  const rate = Number(arg("rate", "500"));
  const results: SizeResult[] = [];
  for (const size of sizes) results.push(await measure(size, rate));
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const md = [
    `# Canary benchmark, ${new Date().toISOString()}`,
    "",
    `One step of ${STEP.percent}% for ${STEP.seconds} s, bake ${BAKE_SECONDS} s (${PLANNED} s planned), load ${rate} req/s.`,
    "",
    "| instances | canary swaps (s) | skip swaps (s) | overhead beyond the windows (s) | breach in step -> 0% (s) | breach in bake -> 0% (s) | load avg |",
    "|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.size} | ${r.canaryRuns.join(", ")} | ${r.skipRuns.join(", ")} | ${r.overheadSeconds} | ${r.stepBreachToZeroSeconds} | ${r.bakeBreachToZeroSeconds} | ${r.loadAvg} |`,
    ),
  ].join("\n");
  console.log(md);
  const dir = path.join(REPO_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `canary-${stamp}.md`), `${md}\n`);
  fs.writeFileSync(path.join(dir, `canary-${stamp}.json`), JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
