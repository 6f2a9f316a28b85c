import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  frontDoorEnv,
  leavePoolMs,
  parseHaproxyStats,
  poolState,
  serverSlots,
} from "../../../../lib/local/haproxyConfig";

// Captured from the front door image (Debian haproxy 2.6.12) with two instances behind it:
// 172.20.0.3 serving, 172.20.0.4 draining (its /healthz answers 503 after SIGTERM).
const CSV = readFileSync(join(__dirname, "fixtures", "haproxy-2.6-stats.csv"), "utf8");
// The front door's haproxy.cfg, as the image ships it.
const CFG = readFileSync(join(__dirname, "..", "..", "..", "..", "frontdoor", "haproxy.cfg"), "utf8");

const params = {
  service: "web",
  port: 8080,
  healthPath: "/healthz",
  checkIntervalMs: 2000,
  checkTimeoutMs: 2000,
  rise: 2,
  fall: 2,
  maxFleetSize: 3,
};

describe("frontDoorEnv", () => {
  it("sets every value haproxy.cfg references", () => {
    const env = frontDoorEnv(params);
    const cfg = CFG;
    const referenced = [...cfg.matchAll(/\$\{(PHX_[A-Z_]+)\}/g)].map((m) => m[1]);
    expect(new Set(referenced)).toEqual(new Set(Object.keys(env)));
    expect(env).toMatchObject({ PHX_SERVICE: "web", PHX_CHECK_INTER: "2000ms", PHX_SLOTS: "64" });
  });

  it("gives up on a connection attempt before the kernel would resend a dropped SYN (1 s), and retries elsewhere", () => {
    const cfg = CFG;
    const ms = (v: string) => Number(v.replace(/ms$/, "")) * (v.endsWith("ms") ? 1 : 1000);
    const connect = ms(/^\s*timeout connect (\S+)$/m.exec(cfg)?.[1] ?? "");
    const retries = Number(/^\s*retries (\d+)$/m.exec(cfg)?.[1]);
    expect(connect).toBeLessThan(1000);
    expect(retries * connect).toBeGreaterThanOrEqual(1000);
    expect(cfg).toMatch(/^\s*option redispatch 1$/m);
  });

  it("reports every bad field at once, with the value and an example", () => {
    expect(() =>
      frontDoorEnv({ ...params, service: "Web App", healthPath: "healthz", rise: 0 }),
    ).toThrow(
      /service: must be a DNS label.*"Web App"\n.*healthPath: .*e\.g\. \/healthz.*"healthz"\nrise: must be a positive integer, got 0/s,
    );
  });

  it("refuses a health path that could break out of haproxy's quoted word", () => {
    expect(() => frontDoorEnv({ ...params, healthPath: '/x" http-check' })).toThrow(/healthPath/);
  });
});

describe("serverSlots", () => {
  it("leaves room for two overlapping fleets and never goes below 64", () => {
    expect(serverSlots(3)).toBe(64);
    expect(serverSlots(30)).toBe(64);
    expect(serverSlots(31)).toBe(64);
    expect(serverSlots(40)).toBe(96);
    for (const n of [1, 17, 50, 100]) expect(serverSlots(n)).toBeGreaterThanOrEqual(2 * n + 2);
  });
});

describe("leavePoolMs", () => {
  it("covers the next check, the remaining failures at the fast interval and their timeouts", () => {
    expect(leavePoolMs({ checkIntervalMs: 2000, checkTimeoutMs: 2000, fall: 2 })).toBe(
      2000 + 500 + 4000 + 1000,
    );
  });
});

describe("parseHaproxyStats", () => {
  const rows = parseHaproxyStats(CSV);

  it("returns one row per server slot, without frontend and backend summaries", () => {
    expect(rows.filter((r) => r.proxy === "app")).toHaveLength(64);
    expect(rows.some((r) => r.server === "FRONTEND" || r.server === "BACKEND")).toBe(false);
  });

  it("reads address, status and current sessions by column name", () => {
    expect(rows.find((r) => r.server === "app2")).toEqual({
      proxy: "app",
      server: "app2",
      addr: "172.20.0.3:8080",
      status: "UP",
      current: 0,
    });
    expect(rows.find((r) => r.server === "app3")?.status).toBe("MAINT (resolution)");
  });

  it("rejects text that is not haproxy's CSV, quoting it", () => {
    expect(() => parseHaproxyStats("<html>503</html>")).toThrow(
      /expected a "# pxname,svname,..." header, got "<html>503<\/html>"/,
    );
  });
});

describe("poolState", () => {
  const rows = parseHaproxyStats(CSV);

  it("sees a serving instance in the pool and a draining one out of it", () => {
    expect(poolState(rows, "172.20.0.3")).toEqual({
      membership: "in-pool",
      inFlight: 0,
      fullyUp: true,
    });
    expect(poolState(rows, "172.20.0.4")).toEqual({
      membership: "out-of-pool",
      inFlight: 0,
      fullyUp: false,
    });
  });

  it("treats an instance the front door has not resolved yet as out of the pool", () => {
    expect(poolState(rows, "172.20.0.99").membership).toBe("out-of-pool");
  });

  it("counts a server that is going down (UP 1/2) as still in the pool, not fully up", () => {
    const going = rows.map((r) =>
      r.server === "app2" ? { ...r, status: "UP 1/2", current: 3 } : r,
    );
    expect(poolState(going, "172.20.0.3")).toEqual({
      membership: "in-pool",
      inFlight: 3,
      fullyUp: false,
    });
  });

  it("does not mistake 172.20.0.3 for 172.20.0.30", () => {
    const other = rows.map((r) => (r.server === "app2" ? { ...r, addr: "172.20.0.30:8080" } : r));
    expect(poolState(other, "172.20.0.3").membership).toBe("out-of-pool");
  });
});
