/**
 * Container run-time helpers shared by the LocalFleet and LocalFrontDoor providers: HTTP probes,
 * health gates, log tails. Dynamic providers
 * serialize this file by value into the state, so it holds no module-level state and requires
 * dockerode inside each call.
 */
import type { ContainerInspectInfo } from "dockerode";
import { guardEngine } from "../engineGuard";
import { dockerClient } from "./client";

/**
 * Writes one line to the engine's output (a dynamic provider's stdout is shown as info), having
 * made sure the provider process ends with its engine (providers/engineGuard.ts).
 */
export function say(line: string): void {
  guardEngine();
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
  // Required here, as dockerode is: a provider that merely reaches this function (every one that
  // can remove an instance) then carries no module binding of node:http in its closure.
  const http = require("node:http") as typeof import("node:http");
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

/**
 * Splits Docker's multiplexed log/exec stream (an 8-byte header before each chunk: stream, 0, 0, 0,
 * size32be) into its stdout and stderr text.
 */
export function demux(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let i = 0; i + 8 <= raw.length;) {
    const size = raw.readUInt32BE(i + 4);
    (raw[i] === 2 ? err : out).push(raw.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}

/** The last `lines` lines of a container's stdout and stderr, as text. */
export async function logsTail(id: string, lines = 30): Promise<string> {
  try {
    const raw: Buffer = await dockerClient()
      .getContainer(id)
      .logs({ stdout: true, stderr: true, tail: lines });
    const { stdout, stderr } = demux(raw);
    return (stdout + stderr).trimEnd() || "(no output)";
  } catch (err) {
    return `(logs unavailable: ${(err as Error).message})`;
  }
}

/** A container's log tail as a section of an error message. */
export async function logSection(name: string, id: string): Promise<string> {
  return `\n--- last log lines of ${name} ---\n${await logsTail(id)}`;
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

/** What to check when an instance exits before it is healthy (most often: it cannot write a path). */
export const CRASH_HINT =
  "check app.command and that the app runs as the app user with the spec's runtime " +
  "(a read-only root needs runtime.scratch for every path it writes)";

/**
 * How a container that has not passed its health check yet has crashed, if it has: stopped, or
 * brought back by its restart policy (Docker then reports it Running, even while it waits to restart).
 */
export function crashed(
  info: {
    State: { Running: boolean; Restarting: boolean; ExitCode: number };
    RestartCount: number;
  },
  /** The exit code of its last `die` event, which a restart does not reset. */
  lastExit?: number,
): string | undefined {
  const { Running, Restarting, ExitCode } = info.State;
  if (!Running || Restarting) return `exited (code ${lastExit ?? ExitCode})`;
  if (info.RestartCount > 0)
    return lastExit === undefined
      ? `exited and was restarted ${info.RestartCount} time(s)`
      : `exited (code ${lastExit}) and was restarted ${info.RestartCount} time(s)`;
  return undefined;
}

/**
 * The exit code of a container's last exit, from the engine's `die` events since it was created:
 * a start by the restart policy resets State.ExitCode to 0, the event keeps it.
 */
export async function lastExitCode(id: string, since: string): Promise<number | undefined> {
  const docker = dockerClient();
  const stream = (await docker.getEvents({
    since: Math.floor(Date.parse(since) / 1000) - 1,
    until: Math.ceil(Date.now() / 1000),
    filters: { container: [id], event: ["die"] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  const codes = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) =>
      Number(
        (JSON.parse(l) as { Actor?: { Attributes?: { exitCode?: string } } }).Actor?.Attributes
          ?.exitCode,
      ),
    )
    .filter((n) => Number.isInteger(n));
  return codes.length > 0 ? codes[codes.length - 1] : undefined;
}

/**
 * `crashed`, with the exit code of the last exit read from the engine's events when the container
 * crashed (the restart policy may have started it again meanwhile).
 */
export async function crashOf(
  id: string,
  info: Parameters<typeof crashed>[0] & { Created: string },
): Promise<string | undefined> {
  if (crashed(info) === undefined) return undefined;
  return crashed(info, await lastExitCode(id, info.Created).catch(() => undefined));
}

/** How to run a health gate. */
export interface HealthGate {
  readonly check: HealthCheck;
  /** Epoch ms after which the gate fails. */
  readonly deadline: number;
  /** Prefix of the progress lines. */
  readonly label: string;
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
        nextAt.set(inst.id, Date.now() + (n > 0 ? check.intervalMs : 250));
        if (!ok) {
          const crash = await crashOf(inst.id, await docker.getContainer(inst.id).inspect());
          if (crash)
            throw healthGateError(
              `${inst.name} ${crash} before passing its health check: ${CRASH_HINT}`,
              inst,
            );
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
          `${check.healthyThreshold} times in a row before the deadline (does it listen on ` +
          `0.0.0.0:${check.port}, not only 127.0.0.1, and answer ${check.path} with a 2xx?)`,
        failed,
      );
    }
    await pause(100);
  }
}
