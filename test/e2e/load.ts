/**
 * A bounded HTTP load generator for the front door: keep-alive GETs at a constant rate whatever the
 * answers' latency (an open model: a slow or stalled front door never slows the load down, so it
 * cannot hide its own failures), counting every success and failure, with latency percentiles. Used by the end-to-end tests (zero failed
 * requests through every step) and by bench/rollout.ts. Only ever point it at 127.0.0.1.
 */
import * as http from "node:http";

/** What a load run saw. */
export interface LoadReport {
  /** Requests answered 200. */
  ok: number;
  /** Requests that failed: another status, a connection error or a timeout. */
  failed: number;
  /** Failures by cause ("503", "ECONNRESET", "timeout", ...). */
  errors: Record<string, number>;
  /** Successful answers by the spec hash in the body (`GET /` of the example app). */
  specHashes: Record<string, number>;
  /** The longest any request took, answered or not, and when it started (ms into the run). */
  slowest: { ms: number; atMs: number };
  /** Latency percentiles of every request, answered or not, from its scheduled start (ms). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  durationMs: number;
}

/** Load settings. */
export interface LoadOptions {
  /** Requests started per second. @default 100 */
  readonly ratePerSecond?: number;
  /**
   * Most requests in flight at once. A start that is due beyond it is never delayed: it counts as
   * failed ("overload"). @default 2000
   */
  readonly maxInFlight?: number;
  /** Per-request deadline, from its start to the end of its answer; a miss counts as failed ("timeout"). @default 5000 */
  readonly timeoutMs?: number;
}

/** A running load: `stop()` waits for the requests in flight and reports. */
export interface Load {
  stop(): Promise<LoadReport>;
  /** Counts so far, without stopping. */
  snapshot(): LoadReport;
}

/** Starts GETs of `url` (must be on 127.0.0.1) until `stop()` is called. */
export function startLoad(url: string, opts: LoadOptions = {}): Load {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1" && target.hostname !== "localhost") {
    throw new Error(`load: only 127.0.0.1 may be loaded, got ${JSON.stringify(url)}`);
  }
  const rate = opts.ratePerSecond ?? 100;
  const maxInFlight = opts.maxInFlight ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 5000;
  // fifo: every pooled socket is used in turn, so none sits idle until the front door's keep-alive
  // timeout closes it; reusing a socket the server is closing at that instant is a client race
  // (ECONNRESET) that says nothing about the fleet. Node's default is lifo.
  // As many sockets as requests in flight: the agent never queues a request behind another.
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight, scheduling: "fifo" });
  const started = Date.now();
  const report: LoadReport = {
    ok: 0,
    failed: 0,
    errors: {},
    specHashes: {},
    slowest: { ms: 0, atMs: 0 },
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    durationMs: 0,
  };
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let sent = 0;

  const fail = (cause: string) => {
    report.failed++;
    report.errors[cause] = (report.errors[cause] ?? 0) + 1;
  };
  const one = (t0: number): Promise<void> =>
    new Promise<void>((done) => {
      let finished = false;
      const resolve = () => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        const ms = Date.now() - t0;
        latencies.push(ms);
        if (ms > report.slowest.ms) report.slowest = { ms, atMs: t0 - started };
        done();
      };
      const req = http.get(target, { agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("error", (e) => (fail(e.message), resolve()));
        res.on("end", () => {
          if (res.statusCode !== 200) fail(String(res.statusCode));
          else {
            report.ok++;
            const hash = /"specHash":"([0-9a-f]+)"/.exec(body)?.[1] ?? "unknown";
            report.specHashes[hash] = (report.specHashes[hash] ?? 0) + 1;
          }
          resolve();
        });
      });
      // The whole request, connection and answer, within timeoutMs of its scheduled start.
      const deadline = setTimeout(
        () => {
          if (finished) return;
          fail("timeout");
          resolve();
          req.destroy();
        },
        Math.max(0, t0 + timeoutMs - Date.now()),
      );
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (finished) return;
        fail(e.code ?? e.message);
        resolve();
      });
    });

  const loop = (async () => {
    while (!stopped) {
      // Start every request the schedule says is due, at its scheduled time; none waits for
      // another to finish.
      const due = Math.floor(((Date.now() - started) * rate) / 1000);
      while (sent < due && !stopped) {
        const scheduled = started + (sent * 1000) / rate;
        sent++;
        if (inFlight.size >= maxInFlight) {
          fail("overload");
          latencies.push(Date.now() - scheduled);
          continue;
        }
        const p = one(scheduled).then(() => void inFlight.delete(p));
        inFlight.add(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  return {
    snapshot: () => ({
      ...report,
      errors: { ...report.errors },
      specHashes: { ...report.specHashes },
      slowest: { ...report.slowest },
      latencyMs: percentiles(latencies),
      durationMs: Date.now() - started,
    }),
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      agent.destroy();
      report.durationMs = Date.now() - started;
      report.latencyMs = percentiles(latencies);
      return report;
    },
  };
}

/** p50, p90, p99 and max of `ms` (nearest rank). */
export function percentiles(ms: readonly number[]): LoadReport["latencyMs"] {
  if (ms.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] };
}
