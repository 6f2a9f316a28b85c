/**
 * Container run-time helpers shared by the LocalFleet and LocalFrontDoor providers: HTTP probes,
 * health gates, the front door's pool as haproxy sees it, draining, log tails. Dynamic providers
 * serialize this file by value into the state, so it holds no module-level state and requires
 * dockerode inside each call.
 */
import * as http from "node:http";
import {
  FRONT_DOOR_STATS_PORT,
  parseHaproxyStats,
  poolState,
  type ServerState,
} from "../../lib/local/haproxyConfig";
import type { ContainerInspectInfo } from "dockerode";
import { dockerClient, dockerStatus, isNotFound } from "./client";

/** Writes one line to the engine's output (a dynamic provider's stdout is shown as info). */
export function say(line: string): void {
  console.log(`[phoenix] ${line}`);
}

/** Resolves after `ms`; only used between polls of a condition that has its own deadline. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** HTTP GET; resolves with the status and body, or undefined on a connection error or timeout. */
export function httpGet(
  url: string,
  timeoutMs: number,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d.length + body.length > 1_000_000 ? "" : d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
  });
}

/** The container's IP on `network`, or undefined when it is not attached. */
export function ipOn(info: ContainerInspectInfo, network: string): string | undefined {
  const ip = info.NetworkSettings?.Networks?.[network]?.IPAddress;
  return typeof ip === "string" && ip !== "" ? ip : undefined;
}

/** The last `lines` lines of a container's stdout and stderr, as text. */
export async function logsTail(id: string, lines = 30): Promise<string> {
  try {
    const raw: Buffer = await dockerClient()
      .getContainer(id)
      .logs({ stdout: true, stderr: true, tail: lines });
    // Multiplexed stream: 8-byte frame headers (stream, 0, 0, 0, size32be) before each chunk.
    const parts: string[] = [];
    for (let i = 0; i + 8 <= raw.length; ) {
      const size = raw.readUInt32BE(i + 4);
      parts.push(raw.subarray(i + 8, i + 8 + size).toString("utf8"));
      i += 8 + size;
    }
    return parts.join("").trimEnd() || "(no output)";
  } catch (err) {
    return `(logs unavailable: ${(err as Error).message})`;
  }
}

/** Health check settings, from the spec's app.health. */
export interface HealthCheck {
  readonly path: string;
  readonly port: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
}

/** One instance to wait for. */
export interface Probed {
  readonly id: string;
  readonly name: string;
  readonly ip: string;
}

/** A health gate failure: the message and the instance that failed first. */
export type HealthGateError = Error & { readonly failed: Probed };

/**
 * Creates a HealthGateError. A plain Error with a property, not a subclass: Pulumi's closure
 * serializer rewrites classes into functions, and an Error subclass then loses its message.
 */
export function healthGateError(message: string, failed: Probed): HealthGateError {
  return Object.assign(new Error(message), { failed });
}

/** The instance a HealthGateError names, if `err` is one. */
export function failedInstance(err: unknown): Probed | undefined {
  const failed = (err as { failed?: Probed } | undefined)?.failed;
  return failed && typeof failed.id === "string" ? failed : undefined;
}

/** How to run a health gate. */
export interface HealthGate {
  readonly check: HealthCheck;
  /** Epoch ms after which the gate fails. */
  readonly deadline: number;
  /** Prefix of the progress lines. */
  readonly label: string;
  /** Called once per instance as soon as it is healthy (the others may still be starting). */
  readonly onHealthy?: (inst: Probed) => void;
}

/**
 * Waits until every instance passed `healthyThreshold` consecutive checks spaced by the interval.
 * Before an instance's first success it is probed every 250 ms (it is still starting). Rejects with
 * a HealthGateError when an instance's container stops, or when the deadline passes.
 */
export async function waitHealthy(instances: readonly Probed[], gate: HealthGate): Promise<void> {
  const { check, deadline, label } = gate;
  const docker = dockerClient();
  const streak = new Map(instances.map((i) => [i.id, 0]));
  const nextAt = new Map(instances.map((i) => [i.id, 0]));
  let reported = -1;
  for (;;) {
    const now = Date.now();
    await Promise.all(
      instances.map(async (inst) => {
        if (
          (streak.get(inst.id) ?? 0) >= check.healthyThreshold ||
          now < (nextAt.get(inst.id) ?? 0)
        )
          return;
        const res = await httpGet(`http://${inst.ip}:${check.port}${check.path}`, check.timeoutMs);
        const ok = res !== undefined && res.status >= 200 && res.status < 300;
        const n = ok ? (streak.get(inst.id) ?? 0) + 1 : 0;
        streak.set(inst.id, n);
        if (n === check.healthyThreshold) gate.onHealthy?.(inst);
        nextAt.set(inst.id, Date.now() + (n > 0 ? check.intervalMs : 250));
        if (!ok) {
          const state = (await docker.getContainer(inst.id).inspect()).State;
          if (!state.Running) {
            throw healthGateError(
              `${inst.name} exited (code ${state.ExitCode}) before passing its health check`,
              inst,
            );
          }
        }
      }),
    );
    const healthy = [...streak.values()].filter((n) => n >= check.healthyThreshold).length;
    if (healthy !== reported) {
      say(`${label}: ${healthy}/${instances.length} healthy`);
      reported = healthy;
    }
    if (healthy === instances.length) return;
    if (Date.now() > deadline) {
      const failed = instances.find((i) => (streak.get(i.id) ?? 0) < check.healthyThreshold)!;
      throw healthGateError(
        `${failed.name} did not pass GET ${check.path} on port ${check.port} ` +
          `${check.healthyThreshold} times in a row before the deadline`,
        failed,
      );
    }
    await pause(100);
  }
}

/** The front door's server rows, or undefined when the front door is not running/reachable. */
export async function frontDoorServers(
  frontDoor: string,
  network: string,
): Promise<ServerState[] | undefined> {
  let info: ContainerInspectInfo;
  try {
    info = await dockerClient().getContainer(frontDoor).inspect();
  } catch {
    return undefined;
  }
  const ip = ipOn(info, network);
  if (!info.State?.Running || ip === undefined) return undefined;
  const res = await httpGet(`http://${ip}:${FRONT_DOOR_STATS_PORT}/stats;csv`, 2000);
  return res !== undefined && res.status === 200 ? parseHaproxyStats(res.body) : undefined;
}

/**
 * Waits until the front door sends traffic to every instance (each is fully UP in its pool).
 * Resolves at once when there is no front door.
 */
export async function waitInPool(
  instances: readonly Probed[],
  gate: {
    readonly frontDoor?: { readonly container: string; readonly network: string };
    readonly deadline: number;
    readonly label: string;
  },
): Promise<void> {
  const { frontDoor, deadline, label } = gate;
  if (frontDoor === undefined) return;
  let reported = -1;
  for (;;) {
    const rows = await frontDoorServers(frontDoor.container, frontDoor.network);
    if (rows === undefined) {
      say(`${label}: front door ${frontDoor.container} not reachable; not waiting for its pool`);
      return;
    }
    const up = instances.filter((i) => poolState(rows, i.ip).fullyUp).length;
    if (up !== reported) {
      say(`${label}: ${up}/${instances.length} in the front door's pool`);
      reported = up;
    }
    if (up === instances.length) return;
    if (Date.now() > deadline) {
      const missing = instances.find((i) => !poolState(rows, i.ip).fullyUp)!;
      throw healthGateError(
        `${missing.name} (${missing.ip}) never came UP in the front door's pool`,
        missing,
      );
    }
    await pause(200);
  }
}

/** How to drain instances. */
export interface DrainOptions {
  readonly network: string;
  /** Front door container name; without one, instances are stopped right after SIGTERM. */
  readonly frontDoor?: string;
  /** Longest time the front door may take to take an instance out of its pool. */
  readonly leavePoolMs: number;
  /** SIGTERM -> SIGKILL grace of `docker stop`. */
  readonly stopGraceSeconds: number;
  readonly label: string;
}

/**
 * Drains and removes containers: SIGTERM (the app fails its health check and keeps serving), wait
 * until the front door has taken each out of its pool and its in-flight requests are done, then
 * `docker stop` with the grace period and remove the container and its anonymous volumes.
 * Missing containers are skipped.
 */
export async function drainAndRemove(ids: readonly string[], opts: DrainOptions): Promise<void> {
  if (ids.length === 0) return;
  const started = Date.now();
  const docker = dockerClient();
  const live: Probed[] = [];
  for (const id of ids) {
    try {
      const info = await docker.getContainer(id).inspect();
      const ip = ipOn(info, opts.network);
      if (info.State?.Running) await docker.getContainer(id).kill({ signal: "SIGTERM" });
      live.push({ id, name: String(info.Name ?? id).replace(/^\//, ""), ip: ip ?? "" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  say(`${opts.label}: draining ${live.length} instance(s)`);
  if (opts.frontDoor !== undefined) {
    const deadline = Date.now() + 3 * opts.leavePoolMs + 10_000;
    for (;;) {
      const rows = await frontDoorServers(opts.frontDoor, opts.network);
      if (rows === undefined) break; // no front door running: nothing routes to the instances
      const busy = live.filter((i) => {
        const s = poolState(rows, i.ip);
        return i.ip !== "" && (s.membership === "in-pool" || s.inFlight > 0);
      });
      if (busy.length === 0) break;
      if (Date.now() > deadline) {
        say(
          `${opts.label}: ${busy.map((b) => b.name).join(", ")} still in the pool or busy at the drain deadline; stopping anyway`,
        );
        break;
      }
      await pause(200);
    }
  }
  await Promise.all(
    live.map(async (inst) => {
      const c = docker.getContainer(inst.id);
      try {
        await c.stop({ t: opts.stopGraceSeconds });
      } catch (err) {
        const code = dockerStatus(err);
        if (code !== 304 && code !== 404) throw err; // 304: already stopped
      }
      try {
        await c.remove({ force: true, v: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }),
  );
  say(
    `${opts.label}: removed ${live.length} instance(s) after ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
