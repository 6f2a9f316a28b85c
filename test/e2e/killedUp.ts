/**
 * `pulumi up` killed as an OOM kill or a closed terminal would: the plain CLI in a process group of
 * its own, SIGKILLed as a whole once a condition holds, and its provider processes seen gone.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { REPO_ROOT, phoenixEnv } from "./harness";

/** `pulumi up --stack <stack>` in its own process group; resolves once `when` held and the group was SIGKILLed. */
export async function upKilledWhen(
  stack: string,
  what: string,
  when: (output: string) => Promise<boolean>,
): Promise<{ output: string; code: number | null }> {
  const child = spawn(
    "pulumi",
    ["up", "--yes", "--skip-preview", "--non-interactive", "--color=never", "--stack", stack],
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
