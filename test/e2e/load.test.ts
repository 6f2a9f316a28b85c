/**
 * The load generator itself, against a server of the test's own on 127.0.0.1: it keeps its rate
 * while the server stalls (an open model: the stall shows as timeouts, never as fewer requests), and
 * reports latency percentiles.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentiles, startLoad } from "./load";

describe("startLoad", () => {
  let stalled = false;
  const server = http.createServer((_req, res) => {
    if (stalled) return; // never answers: a stalled front door
    res.end('{"specHash":"abc"}');
  });
  let url = "";

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  async function run(ms: number, timeoutMs: number) {
    const load = startLoad(url, { ratePerSecond: 200, timeoutMs });
    const until = Date.now() + ms;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return load.stop();
  }

  it("answers counted ok, with percentiles", async () => {
    const r = await run(1000, 5000);
    expect(r.failed, JSON.stringify(r.errors)).toBe(0);
    expect(r.ok).toBeGreaterThanOrEqual(180);
    expect(r.specHashes).toEqual({ abc: r.ok });
    expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(r.latencyMs.max).toBe(r.slowest.ms);
  });

  it("keeps its rate while the server stalls: every stalled request is a timeout", async () => {
    stalled = true;
    const r = await run(1000, 300);
    stalled = false;
    // ~200 started in 1 s whatever the server does; with a cap on requests in flight that waited,
    // a stall would start only that many.
    expect(r.ok).toBe(0);
    expect(r.failed).toBeGreaterThanOrEqual(180);
    expect(r.errors.timeout).toBe(r.failed);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(300);
  });
});

describe("percentiles", () => {
  it("takes the nearest rank", () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(ms)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
