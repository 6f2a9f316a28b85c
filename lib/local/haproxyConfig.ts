/**
 * The front door's run-time settings and the reading of its statistics.
 *
 * The front door image is built from images/frontdoor.yaml; its haproxy.cfg (frontdoor/haproxy.cfg)
 * is a tracked file whose fleet-dependent values are `"${PHX_*}"` environment references, which
 * haproxy expands when it parses the file. `frontDoorEnv` computes those values from the fleet's
 * spec, so the front door image never depends on the fleet and is never rebuilt by a fleet change.
 */

/** Container port the front door serves traffic on (published on 127.0.0.1:<frontDoorPort>). */
export const FRONT_DOOR_LISTEN_PORT = 8080;
/** Container port of haproxy's statistics page (CSV at /stats;csv); never published. */
export const FRONT_DOOR_STATS_PORT = 8404;
/** haproxy backend holding the fleet's servers (`server-template app ...`). */
export const FRONT_DOOR_BACKEND = "app";

/** What the front door must know about the fleet behind it. */
export interface FrontDoorParams {
  /** DNS alias every instance of the fleet carries on the stack network, e.g. "web". */
  readonly service: string;
  /** Port the app listens on inside each instance. */
  readonly port: number;
  /** HTTP path of the app's health check, e.g. "/healthz". */
  readonly healthPath: string;
  /** Active check interval, milliseconds. */
  readonly checkIntervalMs: number;
  /** Active check timeout, milliseconds. */
  readonly checkTimeoutMs: number;
  /** Consecutive successful checks that put a server in the pool. */
  readonly rise: number;
  /** Consecutive failed checks that take a server out of the pool. */
  readonly fall: number;
  /** Largest fleet the front door must follow (old and new fleets overlap during a swap). */
  readonly maxFleetSize: number;
}

/**
 * Server slots for a fleet of up to `maxFleetSize`: room for two whole fleets (old and new overlap
 * during a swap) plus drift replacements, in steps of 32 and at least 64, so that scaling within
 * the usual sizes never changes the front door.
 */
export function serverSlots(maxFleetSize: number): number {
  return Math.max(64, Math.ceil((2 * maxFleetSize + 2) / 32) * 32);
}

const SERVICE_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const PATH_RE = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * Environment of the front door container: the values haproxy.cfg references. Throws an Error
 * naming the field, the bad value and the fix.
 */
export function frontDoorEnv(p: FrontDoorParams): Record<string, string> {
  const problems: string[] = [];
  if (!SERVICE_RE.test(p.service)) {
    problems.push(`service: must be a DNS label (a-z, 0-9, -), got ${JSON.stringify(p.service)}`);
  }
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
    problems.push(`port: must be an integer in 1..65535, got ${p.port}`);
  }
  if (!PATH_RE.test(p.healthPath)) {
    problems.push(
      `healthPath: must be an absolute path without spaces or quotes (e.g. /healthz), got ` +
        JSON.stringify(p.healthPath),
    );
  }
  for (const key of [
    "checkIntervalMs",
    "checkTimeoutMs",
    "rise",
    "fall",
    "maxFleetSize",
  ] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) {
      problems.push(`${key}: must be a positive integer, got ${p[key]}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return {
    PHX_SERVICE: p.service,
    PHX_PORT: String(p.port),
    PHX_HEALTH_PATH: p.healthPath,
    PHX_CHECK_INTER: `${p.checkIntervalMs}ms`,
    PHX_CHECK_FASTINTER: `${fastInterMs(p.checkIntervalMs)}ms`,
    PHX_CHECK_TIMEOUT: `${p.checkTimeoutMs}ms`,
    PHX_CHECK_RISE: String(p.rise),
    PHX_CHECK_FALL: String(p.fall),
    PHX_SLOTS: String(serverSlots(p.maxFleetSize)),
  };
}

/** Check interval while a server is changing state (haproxy `fastinter`): 500 ms or less. */
export function fastInterMs(checkIntervalMs: number): number {
  return Math.min(500, checkIntervalMs);
}

/**
 * Longest time, in milliseconds, from an instance starting to fail its health check until the
 * front door has stopped sending it new requests: up to one interval until the next check, then
 * `fall - 1` more failures at the fast interval, each taking at most the check timeout, plus one
 * second for scheduling.
 */
export function leavePoolMs(
  p: Pick<FrontDoorParams, "checkIntervalMs" | "checkTimeoutMs" | "fall">,
): number {
  const fast = fastInterMs(p.checkIntervalMs);
  return p.checkIntervalMs + (p.fall - 1) * fast + p.fall * p.checkTimeoutMs + 1000;
}

/** One server row of haproxy's statistics CSV. */
export interface ServerState {
  readonly proxy: string;
  readonly server: string;
  /** "ip:port" the slot currently points at ("" or "0.0.0.0:port"-like when it has none). */
  readonly addr: string;
  /** haproxy status, e.g. "UP", "DOWN", "MAINT (resolution)", "UP 1/3", "DOWN 1/2". */
  readonly status: string;
  /** Sessions currently open on the server (in-flight requests). */
  readonly current: number;
}

/**
 * The server rows of haproxy's `show stat` CSV (the `/stats;csv` page) with the named columns;
 * frontend and backend summary rows are skipped. Columns are located by name from the
 * `# pxname,svname,...` header. Throws on a missing header or column.
 */
function statRows<C extends string>(csv: string, columns: readonly C[]): Record<C, string>[] {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const head = lines[0];
  if (head === undefined || !head.startsWith("# ")) {
    throw new Error(
      `haproxy stats: expected a "# pxname,svname,..." header, got ${JSON.stringify(head)}`,
    );
  }
  const cols = head.slice(2).split(",");
  const at = columns.map((name) => {
    const i = cols.indexOf(name);
    if (i < 0)
      throw new Error(`haproxy stats: column ${name} missing from header ${JSON.stringify(head)}`);
    return i;
  });
  const sv = cols.indexOf("svname");
  return lines
    .slice(1)
    .map((line) => line.split(","))
    .filter((f) => f[sv] !== "FRONTEND" && f[sv] !== "BACKEND")
    .map(
      (f) => Object.fromEntries(columns.map((c, j) => [c, f[at[j]] ?? ""])) as Record<C, string>,
    );
}

/** Parses haproxy's `show stat` CSV into server rows (see `statRows`). */
export function parseHaproxyStats(csv: string): ServerState[] {
  return statRows(csv, ["pxname", "svname", "addr", "status", "scur"]).map((r) => ({
    proxy: r.pxname,
    server: r.svname,
    addr: r.addr,
    status: r.status,
    current: Number(r.scur) || 0,
  }));
}

/**
 * What a canary is judged on, per server (`show stat` columns; haproxy management guide, "9.1. CSV
 * format"). `stot` counts every request sent to the server, retried ones included. Failed: 5xx
 * answers passed on (`hrsp_5xx`), connection errors (`econ`), broken or timed-out answers
 * (`eresp`), and the attempts the front door retried elsewhere (`wretr`): its `retry-on
 * all-retryable-errors` sends a request that got a 500, 502, 503, 504, a reset or no answer to
 * another instance, so the client often never sees the failure, and only `wretr` counts it.
 */
const FAILED = ["hrsp_5xx", "econ", "eresp", "wretr"] as const;

/** A server row with its cumulative request counters. */
export interface ServerCounters extends Omit<ServerState, "current"> {
  /** Requests sent to it, retried ones included. */
  readonly requests: number;
  /** 5xx answers, connection errors, resets and timeouts, retried or not. */
  readonly failed: number;
}

/** The server rows of `show stat` with the counters a canary is judged on. */
export function parseServerCounters(csv: string): ServerCounters[] {
  const n = (v: string) => Number(v) || 0;
  return statRows(csv, ["pxname", "svname", "addr", "status", "stot", ...FAILED]).map((r) => {
    const failed = FAILED.reduce((sum, c) => sum + n(r[c]), 0);
    return {
      proxy: r.pxname,
      server: r.svname,
      addr: r.addr,
      status: r.status,
      requests: Math.max(n(r.stot), failed),
      failed,
    };
  });
}

/** Where an instance (by IP) stands in the front door's pool. */
export type PoolMembership = "in-pool" | "out-of-pool";

/**
 * Whether the front door may send new requests to the instance at `ip`, and how many requests
 * it still has in flight. An instance is in the pool while any slot points at it with an UP status
 * (including "UP 1/3": going down but still receiving traffic).
 */
export function poolState(
  rows: readonly ServerState[],
  ip: string,
): { membership: PoolMembership; inFlight: number; fullyUp: boolean } {
  const mine = rows.filter((r) => r.proxy === FRONT_DOOR_BACKEND && r.addr.split(":")[0] === ip);
  const inPool = mine.some((r) => r.status.startsWith("UP"));
  return {
    membership: inPool ? "in-pool" : "out-of-pool",
    inFlight: mine.reduce((n, r) => n + r.current, 0),
    fullyUp: mine.some((r) => r.status === "UP"),
  };
}
