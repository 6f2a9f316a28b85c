/**
 * Rollout benchmark of the local target (a script, not a test): `npm run bench`.
 *
 *   1. Build time of the web image: cold (no layer cache), after an app-only change (cached
 *      package layer), and for an unchanged spec (the LocalImage provider reuses the image).
 *   2. For fleets of 3, 10 and 30 instances, on a fresh stack each: deploy spec A, roll out spec B
 *      (an app-only change, so B is built once), then roll back to A, whose image exists: that last
 *      `pulumi up` is the pure fleet rollout (launch, health gate, front door cutover, drain).
 *      Load runs through the front door during both rollouts (100 req/s, keep-alive).
 *   3. Before the rollouts, on the same stack: three no-op `up`s with the plain CLI (`pulumi up
 *      --yes --skip-preview`, the Node.js language host) and three through scripts/pulumi-run.ts
 *      (`npm run dev`, the Automation API), then the baseline: the same image started with plain
 *      parallel `docker run` (bench/plainRun.ts), to compare with the rollback's "new fleet live";
 *      the same load runs through the stack's front door meanwhile, as during the rollouts.
 *
 * Prints a Markdown report and writes it with the raw figures to bench/results/<stamp>.{md,json}.
 * Options: --sizes 3,10,30 (fleet sizes), --rate 100 (req/s during rollouts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { contextFiles } from "../lib/image/context";
import { imageTag, specHash } from "../lib/image/hash";
import { renderDockerfile } from "../lib/image/render";
import { loadSpec } from "../lib/spec/spec";
import { buildImage } from "../providers/docker/dockerBuild";
import { localImageInputs, localImageProvider } from "../providers/local/image/localImage";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  pulumiOk,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "../test/e2e/harness";
import { startLoad, type LoadReport } from "../test/e2e/load";
import { plainParallelRun } from "./plainRun";

interface Rollout {
  size: number;
  kind: "app change (build + rollout)" | "rollback (image reused)";
  wallSeconds: number;
  /** From the provider's own timing lines: new fleet live, old fleet stopped and removed. */
  liveSeconds?: number;
  stoppedSeconds?: number;
  drainSeconds?: number;
  load: LoadReport;
  /** 1-minute load average of the machine when the rollout finished (other jobs share it). */
  loadAvg: number;
}

/** Per fleet size: a no-op `up`, and the fleet's launch next to plain parallel `docker run`. */
interface Baseline {
  size: number;
  /** Median of three no-op `up`s through scripts/pulumi-run.ts (`npm run dev`), with each run's time. */
  noopUpSeconds: number;
  noopRuns: number[];
  /** Median of three no-op `pulumi up --yes --skip-preview` of the plain CLI, with each run's time. */
  cliNoopUpSeconds: number;
  cliNoopRuns: number[];
  plainRunSeconds: number;
  /** 1-minute load average after the no-op runs and after the plain run. */
  noopLoadAvg: number;
  plainLoadAvg: number;
}

/** The machine's 1-minute load average, rounded to one decimal. */
function loadAvg(): number {
  return Math.round(os.loadavg()[0] * 10) / 10;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** A private copy of the web spec, app and config under .pulumi-state/bench/<name>. */
function specCopy(name: string): {
  dir: string;
  spec: string;
  touchApp: (marker: string) => void;
  restoreApp: () => void;
} {
  const dir = path.join(REPO_ROOT, ".pulumi-state", "bench", name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "images"), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, "images", "web.yaml"), path.join(dir, "images", "web.yaml"));
  fs.cpSync(path.join(REPO_ROOT, "app"), path.join(dir, "app"), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, "config"), path.join(dir, "config"), { recursive: true });
  const server = path.join(dir, "app", "server.js");
  const original = fs.readFileSync(server, "utf8");
  return {
    dir,
    spec: path.join(dir, "images", "web.yaml"),
    // An app-only change: one comment line in the app source changes the spec hash.
    touchApp: (marker) => fs.writeFileSync(server, `${original}// bench ${marker}\n`),
    restoreApp: () => fs.writeFileSync(server, original),
  };
}

/** Seconds each of three runs of `run` took, one after the other. */
async function threeRuns(run: () => Promise<void>): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    await run();
    runs.push(seconds(Date.now() - started));
  }
  return runs;
}

/** The middle of three figures. */
function median(runs: readonly number[]): number {
  return [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

async function buildTimes(): Promise<Record<string, number>> {
  const copy = specCopy(`build-${Date.now()}`);
  const build = async (noCache: boolean) => {
    const loaded = loadSpec(copy.spec);
    const hash = specHash(loaded);
    const started = Date.now();
    await buildImage({
      dockerfile: renderDockerfile(loaded, hash),
      files: contextFiles(loaded),
      tag: `web-bench:${imageTag(loaded.spec, hash)}`,
      labels: { "io.phoenix.bench": "1" },
      noCache,
    });
    return seconds(Date.now() - started);
  };
  copy.touchApp(`cold-${Date.now()}`);
  const cold = await build(true);
  copy.touchApp(`app-${Date.now()}`);
  const appOnly = await build(false);
  // Unchanged spec: the provider looks the image up by spec hash and base id and builds nothing.
  const loaded = loadSpec(copy.spec);
  const hash = specHash(loaded);
  const inputs = localImageInputs({
    loaded,
    hash,
    name: "web-bench",
    keepImages: 100,
    gitCommit: "bench",
  });
  const first = await localImageProvider.check!({} as never, inputs);
  await localImageProvider.create!(first.inputs!); // builds (or reuses) once
  const started = Date.now();
  const checked = await localImageProvider.check!({} as never, inputs);
  const again = await localImageProvider.create!(checked.inputs!);
  const unchanged = seconds(Date.now() - started);
  if (!again.outs?.reused)
    throw new Error("unchanged spec was rebuilt: the reuse lookup is broken");
  fs.rmSync(copy.dir, { recursive: true, force: true });
  const Docker = require("dockerode");
  const docker = new Docker();
  for (const img of await docker.listImages({ filters: { reference: ["web-bench"] } })) {
    await docker.getImage(img.Id).remove({ force: true });
  }
  return { cold, appOnly, unchanged };
}

function timing(log: string, re: RegExp): number | undefined {
  const m = re.exec(log);
  return m ? Number(m[1]) : undefined;
}

async function rollouts(size: number, rate: number, baselines: Baseline[]): Promise<Rollout[]> {
  const stack = uniqueStackName(`bench-${size}`);
  const copy = specCopy(stack);
  const out: Rollout[] = [];
  try {
    await initStack(stack, REPO_ROOT);
    await setConfig(stack, REPO_ROOT, "phoenix:target", "local");
    await setConfig(stack, REPO_ROOT, "phoenix:spec", path.relative(REPO_ROOT, copy.spec));
    await setConfig(stack, REPO_ROOT, "phoenix:desiredCount", String(size));
    await setConfig(stack, REPO_ROOT, "phoenix:frontDoorPort", String(await freePort()));
    await setConfig(stack, REPO_ROOT, "phoenix:DB_PASSWORD", "bench-only", { secret: true });
    const first = await runProgramOk("up", { cwd: REPO_ROOT, stack });
    const url = String(first.outputs.url);
    const noopRuns = await threeRuns(async () => {
      const noop = await runProgramOk("up", { cwd: REPO_ROOT, stack });
      if (JSON.stringify(noop.changes) !== JSON.stringify({ same: 7 }))
        throw new Error(`no-op up changed something: ${JSON.stringify(noop.changes)}`);
    });
    const noopUpSeconds = median(noopRuns);
    const cliNoopRuns = await threeRuns(async () => {
      const cli = await pulumiOk(["up", "--yes", "--skip-preview"], { cwd: REPO_ROOT, stack });
      if (
        !/\b7 unchanged\b/.test(cli.stdout) ||
        /\b(created|updated|replaced|deleted)\b/.test(cli.stdout)
      )
        throw new Error(`no-op pulumi up changed something:\n${cli.stdout}`);
    });
    const cliNoopUpSeconds = median(cliNoopRuns);
    const noopLoadAvg = loadAvg();
    // Under the same load as the rollouts (the running fleet serves it), so that both figures
    // share the machine's conditions.
    const plainLoad = startLoad(`${url}/`, { ratePerSecond: rate });
    const plainRunSeconds = await plainParallelRun({
      imageId: String(first.outputs.imageRef),
      count: size,
      port: 8080,
      healthPath: "/healthz",
    }).finally(() => plainLoad.stop());
    const plainLoadAvg = loadAvg();
    baselines.push({
      size,
      noopUpSeconds,
      noopRuns,
      cliNoopUpSeconds,
      cliNoopRuns,
      plainRunSeconds,
      noopLoadAvg,
      plainLoadAvg,
    });
    console.log(
      `bench: ${size} instances: no-op up ${noopRuns.join(", ")} s (npm run dev), ` +
        `${cliNoopRuns.join(", ")} s (pulumi up), load ${noopLoadAvg}; ` +
        `plain run ${plainRunSeconds} s (load ${plainLoadAvg})`,
    );
    for (const kind of ["app change (build + rollout)", "rollback (image reused)"] as const) {
      if (kind === "app change (build + rollout)") copy.touchApp(stack);
      else copy.restoreApp();
      const load = startLoad(`${url}/`, { ratePerSecond: rate });
      const started = Date.now();
      const r = await runProgram("up", { cwd: REPO_ROOT, stack });
      const wall = seconds(Date.now() - started);
      const report = await load.stop();
      if (r.code !== 0)
        throw new Error(`up (${kind}, ${size} instances) failed:\n${r.stdout}\n${r.stderr}`);
      out.push({
        size,
        kind,
        wallSeconds: wall,
        liveSeconds: timing(r.stdout, /is live with \d+ instance\(s\) after ([\d.]+) s/),
        stoppedSeconds: timing(r.stdout, /drained \d+ instance\(s\): .* stopped after ([\d.]+) s/),
        drainSeconds: timing(r.stdout, /drained \d+ instance\(s\): .* removed after ([\d.]+) s/),
        load: report,
        loadAvg: loadAvg(),
      });
      console.log(
        `bench: ${size} instances, ${kind}: ${wall} s, ${report.ok} served, ${report.failed} failed ` +
          `(load ${loadAvg()})`,
      );
    }
  } finally {
    const left = await exportStack(stack, REPO_ROOT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0)
      await runProgram("destroy", { cwd: REPO_ROOT, stack });
    await removeStack(stack, REPO_ROOT);
    fs.rmSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), { force: true });
    fs.rmSync(copy.dir, { recursive: true, force: true });
  }
  return out;
}

function machine(): string {
  const cpu = os.cpus();
  let dockerVersion = "unknown";
  try {
    dockerVersion = execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], {
      encoding: "utf8",
    }).trim();
  } catch {
    // reported as unknown
  }
  return (
    `${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ` +
    `${os.type()} ${os.release()}, Docker ${dockerVersion}, Node ${process.version}`
  );
}

async function main(): Promise<void> {
  const sizes = arg("sizes", "3,10,30").split(",").map(Number);
  const rate = Number(arg("rate", "100"));
  const builds = await buildTimes();
  console.log(
    `bench: build cold ${builds.cold} s, app-only ${builds.appOnly} s, unchanged ${builds.unchanged} s`,
  );
  const all: Rollout[] = [];
  const baselines: Baseline[] = [];
  for (const size of sizes) all.push(...(await rollouts(size, rate, baselines)));

  const pure = (n: number) => all.find((r) => r.size === n && r.kind === "rollback (image reused)");
  const lines = [
    `Machine: ${machine()}.`,
    "",
    "| fleet | rollout | `pulumi up` wall time | new fleet live | old fleet out of the pool and stopped | old fleet removed | requests served | failed | load avg |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ...all.map(
      (r) =>
        `| ${r.size} | ${r.kind} | ${r.wallSeconds} s | ${r.liveSeconds ?? "?"} s | ` +
        `${r.stoppedSeconds ?? "?"} s | ${r.drainSeconds ?? "?"} s | ` +
        `${r.load.ok} | ${r.load.failed} | ${r.loadAvg} |`,
    ),
    "",
  ];
  const t3 = pure(3);
  const t30 = pure(30);
  if (t3 && t30)
    lines.push(
      `T(30)/T(3) (rollback rollouts, wall time): ${(t30.wallSeconds / t3.wallSeconds).toFixed(2)}`,
      "",
    );
  lines.push(
    "| fleet | no-op `pulumi up --yes --skip-preview` (median of 3) | no-op `npm run dev` (median of 3) | load avg | new fleet live (rollback) | load avg | plain parallel `docker run` to healthy | load avg | ratio |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...baselines.map((b) => {
      const r = pure(b.size);
      const live = r?.liveSeconds;
      const ratio = live === undefined ? "?" : (live / b.plainRunSeconds).toFixed(2);
      return (
        `| ${b.size} | ${b.cliNoopUpSeconds} s (${b.cliNoopRuns.join(", ")}) | ` +
        `${b.noopUpSeconds} s (${b.noopRuns.join(", ")}) | ${b.noopLoadAvg} | ` +
        `${live ?? "?"} s | ${r?.loadAvg ?? "?"} | ${b.plainRunSeconds} s | ${b.plainLoadAvg} | ${ratio} |`
      );
    }),
    "",
    "| build of the web image | time |",
    "|---|---:|",
    `| cold (no layer cache, packages downloaded) | ${builds.cold} s |`,
    `| app-only change (package layer cached) | ${builds.appOnly} s |`,
    `| unchanged spec (image reused, nothing built) | ${builds.unchanged} s |`,
  );
  const md = lines.join("\n");
  console.log(`\n${md}`);
  const dir = path.join(REPO_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  fs.writeFileSync(path.join(dir, `${stamp}.md`), `${md}\n`);
  fs.writeFileSync(
    path.join(dir, `${stamp}.json`),
    JSON.stringify({ machine: machine(), builds, rollouts: all, baselines }, null, 2),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
