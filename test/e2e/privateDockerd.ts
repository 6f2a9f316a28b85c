/**
 * A Docker daemon of the test's own, so that a test may restart a daemon without touching the
 * shared one (/var/run/docker.sock) other tests run on. It runs in a network namespace of its own
 * (dockerd 20.10 deletes the namespace's `docker0` when started with `--bridge=none` and when
 * restarted with a custom bridge: on the host that would be the shared daemon's bridge), with its
 * own socket, config file, data root, exec root (and with it its own containerd), pid file and
 * cgroup parent. Whatever must reach its containers by IP (the engine's providers, HTTP checks)
 * runs inside that namespace: `wrap` prefixes a command with `nsenter --net`. Needs root and
 * `dockerd` (scripts/setup.d/20-docker.sh).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { specHash } from "../../lib/image/hash";
import { loadSpec } from "../../lib/spec/spec";
import { localImageInputs, localImageProvider } from "../../providers/local/image/localImage";
import { REPO_ROOT } from "./harness";
import type { LoadReport } from "./load";

/** A running private daemon. */
export class PrivateDockerd {
  readonly id = crypto.randomBytes(3).toString("hex");
  /** Short, for the 108-byte UNIX socket path limit. */
  readonly runDir = `/tmp/phx-dockerd-${this.id}`;
  readonly dataRoot = path.join(REPO_ROOT, ".pulumi-state", `dockerd-${this.id}`);
  readonly socket = path.join(this.runDir, "docker.sock");
  /** DOCKER_HOST for clients. */
  readonly host = `unix://${this.socket}`;
  readonly docker = new Docker({ socketPath: this.socket });
  /** The daemon's network namespace. */
  readonly netns = `phx-dockerd-${this.id}`;
  /**
   * Prefix that runs a command inside the daemon's network namespace. nsenter, not `ip netns
   * exec`: that one remounts /sys, hiding the cgroup file systems dockerd needs.
   */
  readonly wrap: readonly string[] = ["nsenter", `--net=/var/run/netns/${this.netns}`, "--"];
  private proc?: ChildProcess;
  private swarmReady = false;

  /** `swarm`: the daemon becomes a single-node Swarm manager at its first start. */
  constructor(private readonly opts: { readonly swarm?: boolean } = {}) {}

  /** Starts the daemon and waits until it answers; resolves with the ms it took. */
  async start(): Promise<number> {
    fs.mkdirSync(this.runDir, { recursive: true });
    fs.mkdirSync(this.dataRoot, { recursive: true });
    if (!fs.existsSync(`/var/run/netns/${this.netns}`)) {
      run("ip", ["netns", "add", this.netns]);
      run("ip", ["netns", "exec", this.netns, "ip", "link", "set", "lo", "up"]);
    }
    const config = path.join(this.runDir, "daemon.json");
    fs.writeFileSync(config, "{}\n");
    const log = fs.openSync(path.join(this.runDir, "dockerd.log"), "a");
    const started = Date.now();
    this.proc = spawn(
      this.wrap[0],
      [
        ...this.wrap.slice(1),
        "dockerd",
        `--config-file=${config}`,
        `--host=${this.host}`,
        `--data-root=${this.dataRoot}`,
        `--exec-root=${path.join(this.runDir, "exec")}`,
        `--pidfile=${path.join(this.runDir, "docker.pid")}`,
        `--cgroup-parent=phx-dockerd-${this.id}`,
        "--iptables=false",
        "--ip-forward=false",
      ],
      { stdio: ["ignore", log, log], detached: true },
    );
    const exited = new Promise<void>((r) => this.proc!.once("exit", () => r()));
    let gone = false;
    void exited.then(() => (gone = true));
    for (;;) {
      if (
        await this.docker.ping().then(
          () => true,
          () => false,
        )
      ) {
        const took = Date.now() - started;
        if (this.opts.swarm && !this.swarmReady) await this.initSwarm();
        return took;
      }
      if (gone || Date.now() - started > 60_000) {
        throw new Error(`private dockerd did not answer:\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Swarm needs an address to advertise other than loopback: a veth pair gives the namespace one
   * (its host end has no address, so the host's routes do not change), then `docker swarm init`.
   */
  private async initSwarm(): Promise<void> {
    const host = `phx${this.id}h`;
    const inner = `phx${this.id}n`;
    const addr = `10.231.${parseInt(this.id.slice(0, 2), 16)}.1`;
    run("ip", ["link", "add", host, "type", "veth", "peer", "name", inner]);
    run("ip", ["link", "set", inner, "netns", this.netns]);
    run("ip", ["netns", "exec", this.netns, "ip", "addr", "add", `${addr}/24`, "dev", inner]);
    run("ip", ["netns", "exec", this.netns, "ip", "link", "set", inner, "up"]);
    await this.docker.swarmInit({ ListenAddr: `${addr}:2377`, AdvertiseAddr: addr });
    this.swarmReady = true;
  }

  /** Stops the daemon as a service manager would (SIGTERM, wait for it to exit). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    await exited;
    clearTimeout(timer);
  }

  /** Copies images (by name or id) from the shared daemon into this one. */
  loadFromShared(images: readonly string[]): void {
    const r = spawnSync(
      "bash",
      ["-c", 'docker save "$@" | docker -H "$PHX_HOST" load -q', "load", ...images],
      { env: { ...process.env, PHX_HOST: this.host }, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`docker save | load failed: ${r.stderr}`);
  }

  /** The HTTP status of GET `url` (on 127.0.0.1) from inside the namespace, 0 when none. */
  httpStatus(port: number, urlPath = "/"): number {
    const script =
      'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET $2 HTTP/1.0\\r\\n\\r\\n" >&3 && head -c 12 <&3';
    const r = spawnSync(
      this.wrap[0],
      [...this.wrap.slice(1), "timeout", "2", "bash", "-c", script, "get", String(port), urlPath],
      {
        encoding: "utf8",
      },
    );
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(r.stdout ?? "")?.[1] ?? 0);
  }

  /** Stops the daemon and removes everything it had, and its namespace. */
  async dispose(): Promise<void> {
    await this.stop();
    // Mounts the daemon may have left (it unmounts its own on a clean stop).
    for (const m of fs.readFileSync("/proc/mounts", "utf8").split("\n")) {
      const at = m.split(" ")[1];
      if (at && (at.startsWith(this.dataRoot) || at.startsWith(this.runDir))) {
        spawnSync("umount", ["-l", at]);
      }
    }
    spawnSync("ip", ["netns", "del", this.netns]); // takes the veth pair of a swarm with it
    fs.rmSync(this.dataRoot, { recursive: true, force: true });
    fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  /** The last lines of the daemon's log. */
  logTail(lines = 20): string {
    const file = path.join(this.runDir, "dockerd.log");
    if (!fs.existsSync(file)) return "";
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** A load of the front door from inside a private daemon's namespace (test/e2e/loadCli.ts). */
export class NamespaceLoad {
  private readonly proc: ChildProcess;
  private out = "";
  private readonly exited: Promise<number | null>;

  constructor(daemon: PrivateDockerd, url: string, ratePerSecond: number) {
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    this.proc = spawn(
      daemon.wrap[0],
      [
        ...daemon.wrap.slice(1),
        tsx,
        path.join(REPO_ROOT, "test/e2e/loadCli.ts"),
        url,
        String(ratePerSecond),
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    this.proc.stdout!.on("data", (d: Buffer) => (this.out += d.toString("utf8")));
    this.exited = new Promise((r) => this.proc.once("exit", (code) => r(code)));
  }

  /** Stops the load; resolves with what it saw. */
  async stop(): Promise<LoadReport> {
    this.proc.stdin!.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`load in the namespace exited ${code}: ${this.out}`);
    return JSON.parse(this.out) as LoadReport;
  }
}

/**
 * Builds (or reuses) the image of `spec` (relative to the repository) on the shared daemon, where
 * the base system's packages can be fetched; resolves with its id, for `loadFromShared`.
 */
export async function sharedImage(spec: string): Promise<string> {
  const loaded = loadSpec(path.join(REPO_ROOT, spec));
  const inputs = localImageInputs({
    loaded,
    hash: specHash(loaded),
    keepImages: 100,
    gitCommit: "test",
  });
  const checked = (await localImageProvider.check!({} as never, inputs)).inputs!;
  return (await localImageProvider.create(checked)).id;
}
