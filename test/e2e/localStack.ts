/**
 * A throwaway local-target stack for the failure tests: a copy of one spec (and its files) under
 * .pulumi-state/e2e/<stack>, stack config, up/refresh/destroy through the real engine, the Docker
 * objects labelled with the stack, and the front door's pool as haproxy reports it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { LABELS } from "../../lib/core/identifiers";
import { parseHaproxyStats, poolState } from "../../lib/local/haproxyConfig";
import { demux } from "../../providers/docker/dockerRuntime";
import {
  REPO_ROOT,
  exportStack,
  freePort,
  initStack,
  removeStack,
  runProgram,
  setConfig,
  uniqueStackName,
} from "./harness";
import type { LoadReport } from "./load";

/** Outputs of a local stack. */
export interface LocalOutputs {
  specHash: string;
  imageRef: string;
  instanceIds: string[];
  url: string;
}

/** Options of {@link createLocalStack}. */
export interface LocalStackOptions {
  /** Stack name prefix. */
  readonly prefix: string;
  /** Spec file to copy, relative to the repository. */
  readonly spec: string;
  /** Folders next to the spec's folder's parent the spec refers to (e.g. app, config). */
  readonly copy: readonly string[];
  readonly desiredCount: number;
  /** Secrets the spec declares, with values. */
  readonly secrets?: Record<string, string>;
  /** DOCKER_HOST for every engine run (a private daemon). */
  readonly dockerHost?: string;
  /** Prefix of every engine run (the private daemon's network namespace). */
  readonly wrap?: readonly string[];
  /** More stack config, key (without the namespace) -> value, e.g. { instances: "services" }. */
  readonly config?: Record<string, string>;
}

/** A throwaway local stack (see the module comment). */
export class LocalStack {
  readonly name: string;
  readonly work: string;
  readonly specFile: string;
  readonly docker: Docker;
  url = "";
  private readonly env: Record<string, string>;

  constructor(private readonly opts: LocalStackOptions) {
    this.name = uniqueStackName(opts.prefix);
    this.work = path.join(REPO_ROOT, ".pulumi-state", "e2e", this.name);
    const rel = path.relative(path.dirname(path.dirname(opts.spec)), opts.spec);
    this.specFile = path.join(this.work, rel);
    this.env = opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {};
    this.docker = opts.dockerHost
      ? new Docker({ socketPath: opts.dockerHost.replace(/^unix:\/\//, "") })
      : new Docker();
  }

  /** Copies the spec and its folders, creates the stack and sets its config. */
  async init(): Promise<void> {
    const src = path.join(REPO_ROOT, this.opts.spec);
    const srcRoot = path.dirname(path.dirname(src));
    fs.mkdirSync(path.dirname(this.specFile), { recursive: true });
    fs.cpSync(src, this.specFile);
    for (const dir of this.opts.copy) {
      fs.cpSync(path.join(srcRoot, dir), path.join(this.work, dir), { recursive: true });
    }
    await initStack(this.name, REPO_ROOT);
    const set = (k: string, v: string, secret = false) =>
      setConfig(this.name, REPO_ROOT, k, v, { secret });
    await set("phoenix:target", "local");
    await set("phoenix:spec", path.relative(REPO_ROOT, this.specFile));
    await set("phoenix:desiredCount", String(this.opts.desiredCount));
    await set("phoenix:frontDoorPort", String(await freePort()));
    for (const [k, v] of Object.entries(this.opts.config ?? {})) await set(`phoenix:${k}`, v);
    for (const [k, v] of Object.entries(this.opts.secrets ?? {}))
      await set(`phoenix:${k}`, v, true);
  }

  /** Replaces `from` in the spec copy; throws when it is not there. */
  editSpec(from: RegExp, to: string): void {
    const text = fs.readFileSync(this.specFile, "utf8");
    if (!from.test(text)) throw new Error(`${this.specFile}: ${from} not found; update the test`);
    fs.writeFileSync(this.specFile, text.replace(from, to));
  }

  /** Runs an engine operation; resolves with its result, or throws with its output. */
  async run(op: "up" | "refresh" | "preview" | "destroy") {
    const r = await runProgram(op, {
      cwd: REPO_ROOT,
      stack: this.name,
      env: this.env,
      wrap: this.opts.wrap,
    });
    if (r.code !== 0 || !r.result) {
      throw new Error(`${op} ${this.name} failed (${r.code})\n${r.stdout}\n${r.stderr}`);
    }
    return {
      changes: r.result.changes,
      outputs: r.result.outputs as unknown as LocalOutputs,
      log: r.stdout,
    };
  }

  /** `up`, remembering the front door's URL. */
  async up() {
    const r = await this.run("up");
    this.url = r.outputs.url;
    return r;
  }

  /** Containers labelled with the stack (all states). */
  containers(role?: "instance" | "frontdoor"): Promise<Docker.ContainerInfo[]> {
    const label = [`${LABELS.stack}=${this.name}`, ...(role ? [`${LABELS.role}=${role}`] : [])];
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  /** The front door's log lines since `sinceMs` (epoch ms): haproxy logs only the requests that went wrong. */
  async frontDoorLog(sinceMs: number): Promise<string> {
    const [fd] = await this.containers("frontdoor");
    if (!fd) return "(no front door)";
    const raw: Buffer = await this.docker
      .getContainer(fd.Id)
      .logs({ stdout: true, stderr: true, since: Math.floor(sinceMs / 1000) });
    const { stdout, stderr } = demux(raw);
    return (stdout + stderr).trimEnd();
  }

  /** Networks and volumes labelled with the stack. */
  async otherObjects(): Promise<string[]> {
    const filters = { label: [`${LABELS.stack}=${this.name}`] };
    const nets = await this.docker.listNetworks({ filters });
    const vols = (await this.docker.listVolumes({ filters })).Volumes ?? [];
    return [...nets.map((n) => `network ${n.Name}`), ...vols.map((v) => `volume ${v.Name}`)];
  }

  /** IPs of the instances the front door sends traffic to (fully UP in its pool). */
  async inPool(): Promise<string[]> {
    const [fd] = await this.containers("frontdoor");
    if (!fd || fd.State !== "running") return [];
    const exec = await this.docker.getContainer(fd.Id).exec({
      Cmd: [
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/8404; printf 'GET /stats;csv HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3",
      ],
      AttachStdout: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>(
      (r) => (stream.on("data", (d: Buffer) => chunks.push(d)), stream.on("end", r)),
    );
    const text = Buffer.concat(chunks)
      .toString("utf8")
      .replace(/[\x00-\x08]/g, "");
    const csv = text.slice(text.indexOf("# pxname"));
    const rows = parseHaproxyStats(csv);
    const ips = rows.map((r) => r.addr.split(":")[0]).filter((ip) => ip && ip !== "0.0.0.0");
    return [...new Set(ips)].filter((ip) => poolState(rows, ip).fullyUp);
  }

  /** Waits until `count` instances are in the pool; resolves with the ms it took. */
  async waitInPool(count: number, deadlineMs: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const n = (await this.inPool().catch(() => [])).length;
      if (n === count) return Date.now() - start;
      if (Date.now() - start > deadlineMs) {
        throw new Error(`${this.name}: ${n}/${count} instances in the pool after ${deadlineMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Destroys the stack, removes what is left of it and the stack itself. */
  async dispose(): Promise<void> {
    const left = await exportStack(this.name, REPO_ROOT).catch(() => undefined);
    if ((left?.deployment.resources ?? []).length > 0) {
      await runProgram("destroy", {
        cwd: REPO_ROOT,
        stack: this.name,
        env: this.env,
        wrap: this.opts.wrap,
      });
    }
    for (const c of await this.containers().catch(() => [])) {
      await this.docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await removeStack(this.name, REPO_ROOT);
    fs.rmSync(path.join(REPO_ROOT, `Pulumi.${this.name}.yaml`), { force: true });
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}

/** The drain lines of an `up` log: seconds until out of the pool, stopped, removed, slots free again. */
export function drainTimes(
  log: string,
): Array<{ outS: number; stoppedS: number; removedS: number; freeS: number }> {
  const re =
    /0 in flight after ([\d.]+) s, stopped after ([\d.]+) s, removed after ([\d.]+) s, slots free after ([\d.]+) s/g;
  const seen = new Set<string>();
  return [...log.matchAll(re)]
    .filter((m) => !seen.has(m[0]) && seen.add(m[0]))
    .map((m) => ({
      outS: Number(m[1]),
      stoppedS: Number(m[2]),
      removedS: Number(m[3]),
      freeS: Number(m[4]),
    }));
}

/** A short summary line of a load report for the test log. */
export function describeLoad(load: LoadReport): string {
  const rate = (load.ok + load.failed) / (load.durationMs / 1000);
  return `${load.ok} ok, ${load.failed} failed ${JSON.stringify(load.errors)} at ${rate.toFixed(0)} req/s, latency p50 ${load.latencyMs.p50} / p99 ${load.latencyMs.p99} ms, slowest ${load.slowest.ms} ms (${(load.slowest.atMs / 1000).toFixed(1)} s in)`;
}
