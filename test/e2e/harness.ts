/**
 * End-to-end harness: runs the real Pulumi engine (the `pulumi` CLI set up by `npm run setup`) against
 * the repository's local file backend, with exactly the environment of scripts/env.sh (it is sourced,
 * not re-implemented). Programs run through scripts/pulumi-run.ts (Automation API, inline program),
 * because no Node.js language host is available offline; everything else goes through the CLI.
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import type { Operation, RunResult } from "../../scripts/pulumi-run";

/** Repository root (the folder holding package.json and scripts/env.sh). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

const ENV_SH = path.join(REPO_ROOT, "scripts", "env.sh");
const RUNNER = path.join(REPO_ROOT, "scripts", "pulumi-run.ts");
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

let cachedEnv: NodeJS.ProcessEnv | undefined;

/**
 * The environment every engine run gets: the current process environment after `source scripts/env.sh`
 * (PATH with .tools/bin, PULUMI_BACKEND_URL=file://<repo>/.pulumi-state, passphrase, offline flags),
 * plus `extra`. Throws when env.sh cannot be sourced.
 */
export function phoenixEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (!cachedEnv) {
    const out = spawnSync("bash", ["-c", 'source "$1" >/dev/null && env -0', "env.sh", ENV_SH], {
      encoding: "utf8",
      env: process.env,
    });
    if (out.status !== 0) {
      throw new Error(`sourcing ${ENV_SH} failed (exit ${out.status}): ${out.stderr}`);
    }
    const env: NodeJS.ProcessEnv = {};
    for (const entry of out.stdout.split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    cachedEnv = env;
  }
  return { ...cachedEnv, ...extra };
}

/** Output of one command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link pulumi}. */
export interface PulumiOptions {
  /** Project folder (holds Pulumi.yaml). */
  cwd: string;
  /** Appended as `--stack <stack>`. */
  stack?: string;
  /** Extra environment on top of {@link phoenixEnv}. */
  env?: Record<string, string>;
  /** Kill the command after this long (default 10 minutes). */
  timeoutMs?: number;
}

function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[harness] ${cmd} ${args.join(" ")}: killed after ${opts.timeoutMs} ms\n`;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: cannot start (${err.message}); run 'npm run setup' first`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/**
 * Runs the real `pulumi` CLI non-interactively (`--non-interactive --color=never`, plus `--stack`).
 * Resolves with the exit code and output; never throws on a non-zero exit (see {@link pulumiOk}).
 */
export function pulumi(args: string[], opts: PulumiOptions): Promise<CommandResult> {
  const flags = [
    "--non-interactive",
    "--color=never",
    ...(opts.stack ? ["--stack", opts.stack] : []),
  ];
  // Flags go before a `--`: after it pulumi reads everything as positional values.
  const sep = args.indexOf("--");
  const full =
    sep < 0 ? [...args, ...flags] : [...args.slice(0, sep), ...flags, ...args.slice(sep)];
  return runCommand("pulumi", full, {
    cwd: opts.cwd,
    env: phoenixEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/** Like {@link pulumi}, but throws (with the command's output) unless it exits 0. */
export async function pulumiOk(args: string[], opts: PulumiOptions): Promise<CommandResult> {
  const r = await pulumi(args, opts);
  if (r.code !== 0) {
    throw new Error(
      `pulumi ${args.join(" ")} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  return r;
}

/** A stack name unique to this run: `<prefix>-<yyyymmddhhmmss>-<6 hex>`. */
export function uniqueStackName(prefix = "e2e"): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${prefix}-${stamp}-${crypto.randomBytes(3).toString("hex")}`;
}

/** Creates `stack` in the file backend for the project in `cwd`. */
export async function initStack(stack: string, cwd: string): Promise<void> {
  await pulumiOk(["stack", "init", stack], { cwd });
}

/** Makes `stack` the project's current stack. */
export async function selectStack(stack: string, cwd: string): Promise<void> {
  await pulumiOk(["stack", "select", stack], { cwd });
}

/** Lists the project's stack names in the backend. */
export async function listStacks(cwd: string): Promise<string[]> {
  const r = await pulumiOk(["stack", "ls", "--json"], { cwd });
  return (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
}

/**
 * Removes `stack` and its config file. With `force` (default) it is removed even if it still holds
 * resources (their real counterparts are left alone: destroy first). No error when it does not exist.
 */
export async function removeStack(stack: string, cwd: string, force = true): Promise<void> {
  if (!(await listStacks(cwd)).includes(stack)) return;
  await pulumiOk(["stack", "rm", "--yes", ...(force ? ["--force"] : []), stack], { cwd });
}

/** Sets one config value (`--secret` encrypts it with the stack's passphrase). */
export async function setConfig(
  stack: string,
  cwd: string,
  key: string,
  value: string,
  opts: { secret?: boolean } = {},
): Promise<void> {
  const args = [
    "config",
    "set",
    key,
    ...(opts.secret ? ["--secret"] : ["--plaintext"]),
    "--",
    value,
  ];
  await pulumiOk(args, { cwd, stack });
}

/** The stack's outputs as JSON (`pulumi stack output --json`; secrets stay "[secret]"). */
export async function stackOutputs(stack: string, cwd: string): Promise<Record<string, unknown>> {
  return JSON.parse((await pulumiOk(["stack", "output", "--json"], { cwd, stack })).stdout);
}

/** One resource of an exported deployment. */
export interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  parent?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The stack's checkpoint (`pulumi stack export`). */
export interface StackExport {
  version: number;
  deployment: { resources?: ExportedResource[] };
}

/** Exports the stack's state from the backend. */
export async function exportStack(stack: string, cwd: string): Promise<StackExport> {
  return JSON.parse((await pulumiOk(["stack", "export"], { cwd, stack })).stdout);
}

/** Result of {@link runProgram}: the command output plus the runner's JSON summary on success. */
export interface ProgramRun extends CommandResult {
  result?: RunResult;
}

/**
 * Runs the project in `cwd` (its Pulumi.yaml `main`) with the real engine: `preview`, `up`, `refresh`
 * or `destroy` through scripts/pulumi-run.ts. Resolves with code/output and the parsed summary.
 */
export async function runProgram(
  operation: Operation,
  opts: PulumiOptions & {
    stack: string;
    args?: string[];
    /** Command prefix, e.g. `nsenter --net=... --` to run inside a network namespace. */
    wrap?: readonly string[];
  },
): Promise<ProgramRun> {
  const resultFile = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-run-")),
    "result.json",
  );
  const nodeArgs = ["--import", "tsx", RUNNER, operation, "--stack", opts.stack];
  nodeArgs.push("--dir", opts.cwd, "--result", resultFile, ...(opts.args ?? []));
  try {
    const [cmd, ...args] = [...(opts.wrap ?? []), process.execPath, ...nodeArgs];
    const r = await runCommand(cmd, args, {
      cwd: REPO_ROOT,
      env: phoenixEnv(opts.env),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    const result = fs.existsSync(resultFile)
      ? (JSON.parse(fs.readFileSync(resultFile, "utf8")) as RunResult)
      : undefined;
    return { ...r, result };
  } finally {
    fs.rmSync(path.dirname(resultFile), { recursive: true, force: true });
  }
}

/** Like {@link runProgram}, but throws with the engine's output unless it succeeded. */
export async function runProgramOk(
  operation: Operation,
  opts: PulumiOptions & { stack: string; args?: string[] },
): Promise<RunResult> {
  const r = await runProgram(operation, opts);
  if (r.code !== 0 || !r.result) {
    throw new Error(
      `${operation} ${opts.stack} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  }
  return r.result;
}

/** A TCP port free on 127.0.0.1 right now (for front doors, registries and emulators under test). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
