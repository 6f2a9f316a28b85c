import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./harness";

/** A moto server (AWS API emulator) this test file started on 127.0.0.1:<free port>. */
export interface Moto {
  readonly endpoint: string;
  /** Forgets every emulated resource. */
  reset(): Promise<void>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

async function waitUntilAnswers(
  child: ChildProcess,
  url: string,
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = res.status;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer ${url} within ${deadlineMs} ms: ${String(last)}`);
}

/**
 * Starts moto in server mode and sets the fake credentials the SDK and the dynamic providers need.
 * scripts/setup.d/60-moto.sh installs the pinned moto into .tools; a moto_server on PATH also works.
 */
export async function startMoto(): Promise<Moto> {
  let stderr = "";
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const local = join(__dirname, "..", "..", ".tools", "bin", "moto_server");
  const bin = existsSync(local) ? local : "moto_server";
  const child = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.once("error", (err) => (stderr += `cannot start ${bin}: ${err.message}`));
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    await waitUntilAnswers(child, `${endpoint}/moto-api/`, 30_000);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n${stderr}\n(install with: bash scripts/setup.d/60-moto.sh)`,
      { cause: err },
    );
  }
  Object.assign(process.env, MOTO_ENV);
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Fake credentials for moto, for this process and for engine runs (`env` of runProgram). */
export const MOTO_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_EC2_METADATA_DISABLED: "true",
};
