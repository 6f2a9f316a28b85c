/**
 * Runs a Pulumi TypeScript project with the real Pulumi engine through the Automation API, loading the
 * project's entry module as an inline program.
 *
 * Why: `npm run setup` builds the Node.js language host (`pulumi-language-nodejs`) from Go modules, so
 * `pulumi up` runs the program directly; where no host can be built (no Go), this runner lets the real
 * engine run the program anyway. With an inline program the engine (the real `pulumi` CLI, found on
 * PATH) talks to this process's own language runtime over gRPC (`--client`), and dynamic providers
 * still run in their own plugin process through `pulumi-resource-pulumi-nodejs`. Stack outputs are the
 * entry module's exports, as with `pulumi up`. The e2e tests use it for its `--result` summary.
 *
 * Usage (from anywhere; reads scripts/env.sh when PHOENIX_ROOT is not set):
 *
 *   npx tsx scripts/pulumi-run.ts <preview|up|refresh|destroy> --stack <name> [--dir <project dir>]
 *                                 [--result <file.json>] [--diff] [--expect-no-changes]
 *                                 [--policy-pack <pack>]...
 *
 * `--dir` defaults to the current directory and must hold Pulumi.yaml; the stack is created in the
 * configured backend when missing. `--result` writes a JSON summary (operation, resource changes, stack
 * outputs with secret values masked) for tests and scripts. Exit code 0 on success, 1 on failure.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, type OutputMap } from "@pulumi/pulumi/automation";

/** Operations this runner drives. */
export type Operation = "preview" | "up" | "refresh" | "destroy";

/** What `--result` receives. */
export interface RunResult {
  operation: Operation;
  stack: string;
  /** Resource operation counts reported by the engine, e.g. `{ create: 3 }` or `{ same: 2, replace: 1 }`. */
  changes: Record<string, number>;
  /** Stack outputs after `up`/`refresh`/`destroy` (secret values replaced by "[secret]"). */
  outputs: Record<string, unknown>;
}

const OPERATIONS: readonly Operation[] = ["preview", "up", "refresh", "destroy"];

interface Args {
  operation: Operation;
  stack: string;
  dir: string;
  result?: string;
  diff: boolean;
  expectNoChanges: boolean;
  /** `--policy-pack` values (preview and up), e.g. policy/analyzer. */
  policyPacks: string[];
}

function usage(message: string): never {
  process.stderr.write(
    `pulumi-run: ${message}\n` +
      "usage: tsx scripts/pulumi-run.ts <preview|up|refresh|destroy> --stack <name> [--dir <dir>] " +
      "[--result <file>] [--diff] [--expect-no-changes] [--policy-pack <pack>]...\n",
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const [op, ...rest] = argv;
  if (!OPERATIONS.includes(op as Operation)) {
    usage(`operation: got ${JSON.stringify(op ?? "")}, expected one of ${OPERATIONS.join(", ")}`);
  }
  const args: Args = {
    operation: op as Operation,
    stack: process.env.PULUMI_STACK ?? "",
    dir: process.cwd(),
    diff: false,
    expectNoChanges: false,
    policyPacks: [],
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) usage(`${flag}: missing value`);
      return v;
    };
    if (flag === "--stack" || flag === "-s") args.stack = value();
    else if (flag === "--dir" || flag === "-C") args.dir = path.resolve(value());
    else if (flag === "--result") args.result = path.resolve(value());
    else if (flag === "--diff") args.diff = true;
    else if (flag === "--expect-no-changes") args.expectNoChanges = true;
    else if (flag === "--policy-pack") args.policyPacks.push(path.resolve(value()));
    else usage(`unknown flag ${JSON.stringify(flag)}`);
  }
  if (!args.stack) usage("--stack: missing (or set PULUMI_STACK)");
  return args;
}

/** Loads scripts/env.sh into process.env (PATH with .tools/bin, file backend, offline settings). */
function loadEnvSh(): void {
  if (process.env.PHOENIX_ROOT) return;
  const envSh = path.resolve(__dirname, "env.sh");
  const out = spawnSync("bash", ["-c", 'source "$1" >/dev/null && env -0', "env.sh", envSh], {
    encoding: "utf8",
  });
  if (out.status !== 0) {
    throw new Error(`sourcing ${envSh} failed (exit ${out.status}): ${out.stderr}`);
  }
  for (const entry of out.stdout.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) process.env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
}

/** Entry module of the project: Pulumi.yaml `main` (file or folder) or the folder's index.ts. */
function entryModule(dir: string): string {
  const yamlPath = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(yamlPath)) {
    throw new Error(`--dir: ${dir} has no Pulumi.yaml; pass the project folder with --dir`);
  }
  const main = /^main:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(fs.readFileSync(yamlPath, "utf8"))?.[1];
  let entry = path.resolve(dir, main ?? ".");
  if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) {
    const index = ["index.ts", "index.js"].find((f) => fs.existsSync(path.join(entry, f)));
    if (!index) throw new Error(`Pulumi.yaml main: no index.ts or index.js in ${entry}`);
    entry = path.join(entry, index);
  }
  return entry;
}

/** The inline program: loads the entry module inside the engine's run, like the language host does. */
function programFor(entry: string): () => Promise<Record<string, unknown> | void> {
  return async () => {
    let exported = require(entry) as Record<string, unknown> | ((...a: unknown[]) => unknown);
    if (typeof exported === "object" && exported !== null && "default" in exported) {
      exported = exported.default as typeof exported;
    }
    const value = typeof exported === "function" ? await exported() : exported;
    if (value === undefined || value === null) return undefined;
    const { __esModule: _ignored, ...outputs } = value as Record<string, unknown>;
    return outputs;
  };
}

function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]),
  );
}

/** Runs one operation; the engine's progress goes to stdout as it happens. */
export async function run(args: Args): Promise<RunResult> {
  loadEnvSh();
  const entry = entryModule(args.dir);
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: args.stack, projectName: path.basename(args.dir), program: programFor(entry) },
    { workDir: args.dir },
  );
  const onOutput = (s: string): void => void process.stdout.write(s);
  const common = { onOutput, diff: args.diff, policyPacks: args.policyPacks };
  let changes: Record<string, number> = {};
  // `up` already read the outputs (the Automation API asks the CLI once): asking again costs another
  // CLI run that loads and decrypts the whole state.
  let outputs: OutputMap | undefined;
  switch (args.operation) {
    case "preview": {
      const r = await stack.preview({ ...common, expectNoChanges: args.expectNoChanges });
      changes = { ...r.changeSummary };
      break;
    }
    case "up": {
      const r = await stack.up({ ...common, expectNoChanges: args.expectNoChanges });
      changes = { ...r.summary.resourceChanges };
      outputs = r.outputs;
      break;
    }
    case "refresh": {
      const r = await stack.refresh({ ...common, expectNoChanges: args.expectNoChanges });
      changes = { ...r.summary.resourceChanges };
      break;
    }
    case "destroy": {
      const r = await stack.destroy({ onOutput });
      changes = { ...r.summary.resourceChanges };
      break;
    }
  }
  const result = { operation: args.operation, stack: args.stack, changes };
  if (args.operation === "preview") return { ...result, outputs: {} };
  return { ...result, outputs: plainOutputs(outputs ?? (await stack.outputs())) };
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  run(args).then(
    (result) => {
      if (args.result) fs.writeFileSync(args.result, JSON.stringify(result, null, 2) + "\n");
      process.stdout.write(
        `pulumi-run: ${result.operation} ${result.stack}: ${JSON.stringify(result.changes)}\n`,
      );
    },
    (err: unknown) => {
      // The engine's own output was already streamed; repeat only its stderr (or the error itself).
      const cmd = (err as { commandResult?: { code: number; stderr: string } }).commandResult;
      const detail = cmd ? `engine exited ${cmd.code}\n${cmd.stderr.trim()}` : String(err);
      process.stderr.write(`pulumi-run: ${args.operation} ${args.stack} failed: ${detail}\n`);
      process.exit(1);
    },
  );
}
