/**
 * A bounded HTTP load generator for the front door: keep-alive GETs at a fixed rate with a cap on
 * requests in flight, counting every success and failure. Used by the end-to-end tests (zero failed
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
  durationMs: number;
}

/** Load settings. */
export interface LoadOptions {
  /** Requests started per second. @default 100 */
  readonly ratePerSecond?: number;
  /** Most requests in flight at once; further starts wait. @default 16 */
  readonly maxInFlight?: number;
  /** Per-request timeout. @default 5000 */
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
  const maxInFlight = opts.maxInFlight ?? 16;
  const timeoutMs = opts.timeoutMs ?? 5000;
  // fifo: every pooled socket is used in turn, so none sits idle until the front door's keep-alive
  // timeout closes it; reusing a socket the server is closing at that instant is a client race
  // (ECONNRESET) that says nothing about the fleet. Node's default is lifo.
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight, scheduling: "fifo" });
  const started = Date.now();
  const report: LoadReport = { ok: 0, failed: 0, errors: {}, specHashes: {}, slowest: { ms: 0, atMs: 0 }, durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let sent = 0;

  const fail = (cause: string) => {
    report.failed++;
    report.errors[cause] = (report.errors[cause] ?? 0) + 1;
  };
  const one = (): Promise<void> =>
    new Promise<void>((done) => {
      const t0 = Date.now();
      const resolve = () => {
        const ms = Date.now() - t0;
        if (ms > report.slowest.ms) report.slowest = { ms, atMs: t0 - started };
        done();
      };
      const req = http.get(target, { agent, timeout: timeoutMs }, (res) => {
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
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e: NodeJS.ErrnoException) => (fail(e.code ?? e.message), resolve()));
    });

  const loop = (async () => {
    while (!stopped) {
      // Start as many requests as the schedule says are due, within the in-flight cap.
      const due = Math.floor(((Date.now() - started) * rate) / 1000);
      while (sent < due && inFlight.size < maxInFlight && !stopped) {
        sent++;
        const p = one().then(() => void inFlight.delete(p));
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
      durationMs: Date.now() - started,
    }),
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      agent.destroy();
      report.durationMs = Date.now() - started;
      return report;
    },
  };
}
