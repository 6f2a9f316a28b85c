/**
 * Starts Debian's docker-registry (the CNCF distribution registry, installed by
 * scripts/setup.d/50-registry.sh) on 127.0.0.1:<free port> with its own config and storage in a
 * temporary folder, for the registry end-to-end tests.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./harness";

/** A running registry; `stop` may be called more than once. */
export interface RegistryServer {
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  stop(): Promise<void>;
}

/** A bcrypt htpasswd line (the registry accepts nothing else), made with Python's crypt. */
function htpasswdLine(username: string, password: string): string {
  const py =
    "import crypt,sys; print(sys.argv[1] + ':' + " +
    "crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024)))";
  const r = spawnSync("python3", ["-W", "ignore", "-c", py, username, password], {
    encoding: "utf8",
  });
  if (r.status !== 0 || !r.stdout.includes(":$2")) {
    throw new Error(`cannot make a bcrypt htpasswd entry with python3: ${r.stderr || r.stdout}`);
  }
  return r.stdout.trim();
}

/**
 * Starts a registry and waits (20 s at most) until it answers `GET /v2/` (200, or 401 when
 * `auth` makes it require HTTP basic auth, as ECR does).
 */
export async function startRegistry(
  opts: { auth?: { username: string; password: string } } = {},
): Promise<RegistryServer> {
  const dir = mkdtempSync(join(tmpdir(), "phoenix-registry-"));
  const address = `127.0.0.1:${await freePort()}`;
  const config = join(dir, "config.yml");
  const lines = [
    "version: 0.1",
    "log: { level: warn }",
    `storage: { filesystem: { rootdirectory: ${join(dir, "storage")} }, delete: { enabled: true } }`,
    `http: { addr: "${address}" }`,
  ];
  if (opts.auth) {
    writeFileSync(
      join(dir, "htpasswd"),
      htpasswdLine(opts.auth.username, opts.auth.password) + "\n",
    );
    lines.push(`auth: { htpasswd: { realm: phoenix-test, path: ${join(dir, "htpasswd")} } }`);
  }
  writeFileSync(config, lines.join("\n") + "\n");
  let proc: ChildProcess;
  try {
    proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<Error>((resolve) => proc.once("error", resolve));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    const failed = await Promise.race([spawnError, Promise.resolve(undefined)]);
    if (failed || proc.exitCode !== null) {
      await stop();
      throw new Error(
        `docker-registry did not start (${failed?.message ?? `exit ${proc.exitCode}`}): ${stderr}; ` +
          `run 'npm run setup' (scripts/setup.d/50-registry.sh installs it)`,
      );
    }
    const ok = await fetch(`http://${address}/v2/`).then(
      (r) => r.ok || (opts.auth !== undefined && r.status === 401),
      () => false,
    );
    if (ok) return { address, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `docker-registry did not answer http://${address}/v2/ within 20 s: ${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
