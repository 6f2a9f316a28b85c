import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  frontDoorEnv,
  leavePoolMs,
  parseHaproxyStats,
  parseServerCounters,
  poolState,
  serverSlots,
} from "../../../../lib/local/haproxyConfig";

// Captured from the front door image (Debian haproxy 2.6.12) with two instances behind it:
// 172.20.0.3 serving, 172.20.0.4 draining (its /healthz answers 503 after SIGTERM).
const CSV = readFileSync(join(__dirname, "fixtures", "haproxy-2.6-stats.csv"), "utf8");
// The front door's haproxy.cfg, as the image ships it.
const CFG = readFileSync(
  join(__dirname, "..", "..", "..", "..", "frontdoor", "haproxy.cfg"),
  "utf8",
);

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
  // Parsed in each test, so that a parser that throws fails the tests rather than their collection.
  const rows = () => parseHaproxyStats(CSV);

  it("returns one row per server slot, without frontend and backend summaries", () => {
    expect(rows().filter((r) => r.proxy === "app")).toHaveLength(64);
    expect(rows().some((r) => r.server === "FRONTEND" || r.server === "BACKEND")).toBe(false);
  });

  it("reads address, status and current sessions by column name", () => {
    expect(rows().find((r) => r.server === "app2")).toEqual({
      proxy: "app",
      server: "app2",
      addr: "172.20.0.3:8080",
      status: "UP",
      current: 0,
    });
    expect(rows().find((r) => r.server === "app3")?.status).toBe("MAINT (resolution)");
  });

  it("rejects text that is not haproxy's CSV, quoting it", () => {
    expect(() => parseHaproxyStats("<html>503</html>")).toThrow(
      /expected a "# pxname,svname,..." header, got "<html>503<\/html>"/,
    );
  });
});

describe("poolState", () => {
  // Parsed in each test, so that a parser that throws fails the tests rather than their collection.
  const rows = () => parseHaproxyStats(CSV);

  it("sees a serving instance in the pool and a draining one out of it", () => {
    expect(poolState(rows(), "172.20.0.3")).toEqual({
      membership: "in-pool",
      inFlight: 0,
      fullyUp: true,
    });
    expect(poolState(rows(), "172.20.0.4")).toEqual({
      membership: "out-of-pool",
      inFlight: 0,
      fullyUp: false,
    });
  });

  it("treats an instance the front door has not resolved yet as out of the pool", () => {
    expect(poolState(rows(), "172.20.0.99").membership).toBe("out-of-pool");
  });

  it("counts a server that is going down (UP 1/2) as still in the pool, not fully up", () => {
    const going = rows().map((r) =>
      r.server === "app2" ? { ...r, status: "UP 1/2", current: 3 } : r,
    );
    expect(poolState(going, "172.20.0.3")).toEqual({
      membership: "in-pool",
      inFlight: 3,
      fullyUp: false,
    });
  });

  it("does not mistake 172.20.0.3 for 172.20.0.30", () => {
    const other = rows().map((r) => (r.server === "app2" ? { ...r, addr: "172.20.0.30:8080" } : r));
    expect(poolState(other, "172.20.0.3").membership).toBe("out-of-pool");
  });
});

/** The lines of the Error frontDoorEnv throws, or [] when it accepts the parameters. */
const problems = (p: typeof params): string[] => {
  try {
    frontDoorEnv(p);
    return [];
  } catch (e) {
    return (e as Error).message.split("\n");
  }
};

describe("frontDoorEnv: values", () => {
  it("gives every value as haproxy.cfg reads it, the durations in ms", () => {
    expect(frontDoorEnv(params)).toEqual({
      PHX_SERVICE: "web",
      PHX_PORT: "8080",
      PHX_HEALTH_PATH: "/healthz",
      PHX_CHECK_INTER: "2000ms",
      PHX_CHECK_FASTINTER: "500ms",
      PHX_CHECK_TIMEOUT: "2000ms",
      PHX_CHECK_RISE: "2",
      PHX_CHECK_FALL: "2",
      PHX_SLOTS: "64",
    });
  });

  it("checks a changing server at the check interval when that is under 500 ms", () => {
    const fast = { ...params, checkIntervalMs: 300, checkTimeoutMs: 250, rise: 3, fall: 4 };
    expect(frontDoorEnv(fast)).toMatchObject({
      PHX_CHECK_INTER: "300ms",
      PHX_CHECK_FASTINTER: "300ms",
      PHX_CHECK_TIMEOUT: "250ms",
      PHX_CHECK_RISE: "3",
      PHX_CHECK_FALL: "4",
    });
  });
});

describe("frontDoorEnv: port", () => {
  it("accepts the ports 1 and 65535", () => {
    expect(problems({ ...params, port: 1 })).toEqual([]);
    expect(problems({ ...params, port: 65535 })).toEqual([]);
    expect(frontDoorEnv({ ...params, port: 65535 }).PHX_PORT).toBe("65535");
  });

  it("rejects 0, 65536 and a port that is not an integer, naming the range", () => {
    for (const port of [0, -80, 65536, 80.5, Number.NaN]) {
      expect(problems({ ...params, port })).toEqual([
        `port: must be an integer in 1..65535, got ${port}`,
      ]);
    }
  });

  it("reports a bad port beside the other bad fields", () => {
    expect(problems({ ...params, service: "-web", port: 0, fall: 0 })).toEqual([
      'service: must be a DNS label (a-z, 0-9, -), got "-web"',
      "port: must be an integer in 1..65535, got 0",
      "fall: must be a positive integer, got 0",
    ]);
  });
});

describe("frontDoorEnv: counts and durations", () => {
  const keys = ["checkIntervalMs", "checkTimeoutMs", "rise", "fall", "maxFleetSize"] as const;

  it("accepts 1 for each of them", () => {
    for (const key of keys) expect(problems({ ...params, [key]: 1 })).toEqual([]);
  });

  it("rejects 0 and a fraction for each of them, naming the field", () => {
    for (const key of keys) {
      expect(problems({ ...params, [key]: 0 })).toEqual([
        `${key}: must be a positive integer, got 0`,
      ]);
      expect(problems({ ...params, [key]: 1.5 })).toEqual([
        `${key}: must be a positive integer, got 1.5`,
      ]);
    }
  });
});

describe("frontDoorEnv: service name", () => {
  it("accepts DNS labels of one, two and more characters, with inner hyphens", () => {
    for (const service of ["a", "7", "db", "web", "my-web-2", "a--b"]) {
      expect(problems({ ...params, service })).toEqual([]);
    }
  });

  it("rejects a bad character at the start, the end or inside, a hyphen at either end, and the empty name", () => {
    const bad = ["web_", "web.", "web!", "_web", ".web", "Web", "we b", "web-", "-web", "-", ""];
    for (const service of bad) {
      expect(problems({ ...params, service })).toEqual([
        `service: must be a DNS label (a-z, 0-9, -), got ${JSON.stringify(service)}`,
      ]);
    }
  });
});

describe("frontDoorEnv: health path", () => {
  it("accepts absolute paths of letters, digits and . _ ~ / -", () => {
    for (const healthPath of ["/", "/healthz", "/api/v1/health.json", "/_status/~ready-now"]) {
      expect(problems({ ...params, healthPath })).toEqual([]);
    }
  });

  it("rejects a relative path and a bad character anywhere, also after valid ones", () => {
    const bad = [
      "healthz",
      "x/healthz",
      " /healthz",
      "/bad path/healthz",
      '/a"b/c',
      "/healthz?full=1",
      "/healthz ",
    ];
    for (const healthPath of bad) {
      expect(problems({ ...params, healthPath })).toEqual([
        "healthPath: must be an absolute path without spaces or quotes (e.g. /healthz), got " +
          JSON.stringify(healthPath),
      ]);
    }
  });
});

describe("serverSlots at the steps", () => {
  it("moves to the next step of 32 once two fleets and two replacements no longer fit", () => {
    expect(serverSlots(1)).toBe(64);
    expect(serverSlots(31)).toBe(64);
    expect(serverSlots(32)).toBe(96);
    expect(serverSlots(47)).toBe(96);
    expect(serverSlots(48)).toBe(128);
  });
});

// haproxy's `show stat` header as the front door image writes it (ends with a comma).
const HEADER = CSV.split("\n")[0]!;
const COLUMNS = HEADER.slice(2).split(",");
/** One CSV row in HEADER's columns; columns not given are empty, as haproxy leaves them. */
const statRow = (v: Record<string, string>): string => COLUMNS.map((c) => v[c] ?? "").join(",");
const server = (svname: string, addr: string, status: string, scur = "0") =>
  statRow({ pxname: "app", svname, addr, status, scur });

/** The message of the Error `f` throws. */
const thrown = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("nothing thrown");
};

describe("parseHaproxyStats: rows", () => {
  it("returns exactly the server rows, in order, without the header and the summaries", () => {
    const csv = [
      HEADER,
      statRow({ pxname: "web", svname: "FRONTEND", scur: "2", status: "OPEN" }),
      server("app1", "172.20.0.4:8080", "DOWN"),
      server("app2", "172.20.0.3:8080", "UP", "2"),
      statRow({ pxname: "app", svname: "BACKEND", scur: "2", status: "UP" }),
      statRow({ pxname: "stats", svname: "FRONTEND", scur: "1", status: "OPEN" }),
      "",
    ].join("\n");
    expect(parseHaproxyStats(csv)).toEqual([
      { proxy: "app", server: "app1", addr: "172.20.0.4:8080", status: "DOWN", current: 0 },
      { proxy: "app", server: "app2", addr: "172.20.0.3:8080", status: "UP", current: 2 },
    ]);
  });

  it("ignores blank and whitespace-only lines before, between and after the rows", () => {
    const app1 = server("app1", "172.20.0.3:8080", "UP");
    const csv = ["", HEADER, "", app1, "   ", "\t", "  "].join("\n");
    expect(parseHaproxyStats(csv)).toEqual([
      { proxy: "app", server: "app1", addr: "172.20.0.3:8080", status: "UP", current: 0 },
    ]);
  });

  it("reads the sessions open on a server from scur, and 0 when scur is empty or not a number", () => {
    const csv = [
      HEADER,
      server("app1", "172.20.0.3:8080", "UP", "7"),
      server("app2", "172.20.0.4:8080", "UP", ""),
      server("app3", "172.20.0.5:8080", "UP", "-"),
    ].join("\n");
    expect(parseHaproxyStats(csv).map((r) => r.current)).toEqual([7, 0, 0]);
  });

  it("locates the columns by name, in whatever order the header lists them", () => {
    const csv = "# svname,status,scur,addr,pxname\napp1,UP 1/2,3,172.20.0.3:8080,app\n";
    expect(parseHaproxyStats(csv)).toEqual([
      { proxy: "app", server: "app1", addr: "172.20.0.3:8080", status: "UP 1/2", current: 3 },
    ]);
  });

  it("gives empty fields and no sessions for the columns a short row lacks", () => {
    expect(parseHaproxyStats("# pxname,svname,addr,status,scur\napp,app1\n")).toEqual([
      { proxy: "app", server: "app1", addr: "", status: "", current: 0 },
    ]);
    expect(parseHaproxyStats("# scur,status,addr,svname,pxname\n4,UP\n")).toEqual([
      { proxy: "", server: "", addr: "", status: "UP", current: 4 },
    ]);
  });
});

describe("parseHaproxyStats: header", () => {
  it("rejects an empty page and one of blank lines", () => {
    for (const csv of ["", "\n", " \n\n\t\n"]) {
      expect(thrown(() => parseHaproxyStats(csv))).toBe(
        'haproxy stats: expected a "# pxname,svname,..." header, got undefined',
      );
    }
  });

  it("rejects a header that does not start with '# ', quoting it", () => {
    for (const head of ["pxname,svname,addr,status,scur", "#pxname,svname,addr,status,scur"]) {
      expect(thrown(() => parseHaproxyStats(`${head}\napp,app1,172.20.0.3:8080,UP,0\n`))).toBe(
        `haproxy stats: expected a "# pxname,svname,..." header, got ${JSON.stringify(head)}`,
      );
    }
  });

  it("rejects a header without one of the columns it reads, naming the column and quoting the header", () => {
    for (const [name, head] of [
      ["pxname", "# svname,addr,status,scur"],
      ["svname", "# pxname,addr,status,scur"],
      ["addr", "# pxname,svname,status,scur,"],
      ["status", "# pxname,svname,addr,scur"],
      ["scur", "# pxname,svname,addr,status,smax"],
    ]) {
      expect(thrown(() => parseHaproxyStats(`${head}\napp,app1,172.20.0.3:8080,UP,0\n`))).toBe(
        `haproxy stats: column ${name} missing from header ${JSON.stringify(head)}`,
      );
    }
  });
});

describe("poolState: which rows count", () => {
  const row = (proxy: string, addr: string, status: string, current: number) => ({
    proxy,
    server: "s",
    addr,
    status,
    current,
  });

  it("counts only the rows of the fleet's backend, not another proxy's rows for the same address", () => {
    const rows = [
      row("stats", "172.20.0.3:8080", "UP", 5),
      row("app", "172.20.0.3:8080", "DOWN", 1),
    ];
    expect(poolState(rows, "172.20.0.3")).toEqual({
      membership: "out-of-pool",
      inFlight: 1,
      fullyUp: false,
    });
  });

  it("counts an instance as fully up when one of its slots is UP and another DOWN", () => {
    const rows = [row("app", "172.20.0.3:8080", "DOWN", 0), row("app", "172.20.0.3:8080", "UP", 2)];
    expect(poolState(rows, "172.20.0.3")).toEqual({
      membership: "in-pool",
      inFlight: 2,
      fullyUp: true,
    });
  });
});

describe("parseServerCounters", () => {
  // Captured from the front door (haproxy 2.6.12) after 300 GET / through it: three healthy
  // instances, and one (172.18.0.6) whose /healthz answers 200 while every other GET / answers 500
  // and every fifth resets. The clients saw 300 answers 200: the front door retried each failure
  // elsewhere, so only its retry counter shows them.
  const RETRIES = readFileSync(
    join(__dirname, "fixtures", "haproxy-2.6-stats-retries.csv"),
    "utf8",
  );

  it("counts the attempts a failing instance got and the failures the front door retried", () => {
    const bad = parseServerCounters(RETRIES).find((r) => r.addr === "172.18.0.6:8080");
    expect(bad).toEqual({
      proxy: "app",
      server: "app4",
      addr: "172.18.0.6:8080",
      status: "UP",
      requests: 88,
      failed: 52,
    });
  });

  it("counts no failure on the healthy instances", () => {
    const good = parseServerCounters(RETRIES).filter(
      (r) =>
        r.proxy === "app" &&
        ["172.18.0.3:8080", "172.18.0.4:8080", "172.18.0.5:8080"].includes(r.addr),
    );
    expect(good.map((r) => [r.requests, r.failed])).toEqual([
      [89, 0],
      [88, 0],
      [88, 0],
    ]);
  });
});
