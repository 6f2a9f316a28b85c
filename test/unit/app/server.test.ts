import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SERVER = path.join(__dirname, "../../../app/server.js");

interface Running {
  child: ChildProcess;
  port: number;
  /** Every line the server logged so far. */
  logs: string[];
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

afterEach(() => {
  for (const c of started.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** Starts the app on a random loopback port and waits for its "listening" log line. */
async function start(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      CONFIG_FILE: "/nonexistent.json",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.push(child);
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        const msg = JSON.parse(line) as { msg: string; port?: number };
        if (msg.msg === "listening") resolve(msg.port!);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  return { child, port, logs, exited };
}

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function get(port: number, urlPath: string, agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: urlPath, agent, timeout: 5000 },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Polls `fn` until it returns true or the deadline passes. */
async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("app/server.js", () => {
  it("reports its name, version, spec hash, instance and pid on GET /", async () => {
    const hash = "ab".repeat(32);
    const app = await start({
      PHOENIX_APP_NAME: "web",
      PHOENIX_APP_VERSION: "v3.4.1",
      PHOENIX_SPEC_HASH: hash,
    });
    const r = await get(app.port, "/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(r.body)).toEqual({
      name: "web",
      version: "v3.4.1",
      specHash: hash,
      instance: os.hostname(),
      pid: app.child.pid,
      greeting: null,
    });
  });

  it("answers /healthz with 200 ok and unknown paths with 404", async () => {
    const app = await start();
    expect(await get(app.port, "/healthz")).toMatchObject({ status: 200, body: "ok\n" });
    expect((await get(app.port, "/nope")).status).toBe(404);
  });

  it("reads its config file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-app-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify({ greeting: "hello from phoenix" }));
    try {
      const app = await start({ CONFIG_FILE: file });
      expect(JSON.parse((await get(app.port, "/")).body).greeting).toBe("hello from phoenix");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails its health check with FAIL_HEALTH=1 while / still works", async () => {
    const app = await start({ FAIL_HEALTH: "1" });
    expect((await get(app.port, "/healthz")).status).toBe(500);
    expect((await get(app.port, "/")).status).toBe(200);
  });

  it("on SIGTERM fails /healthz at once, keeps serving / with Connection: close, then exits 0", async () => {
    const app = await start({ DRAIN_SECONDS: "1.5" });
    const agent = new http.Agent({ keepAlive: true });
    expect((await get(app.port, "/", agent)).headers.connection).toBe("keep-alive");
    const sent = Date.now();
    app.child.kill("SIGTERM");
    await until(() => app.logs.some((l) => l.includes('"draining"')));
    const health = await get(app.port, "/healthz", agent);
    expect(health).toMatchObject({ status: 503, body: "draining\n" });
    const root = await get(app.port, "/");
    expect(root.status).toBe(200);
    expect(root.headers.connection).toBe("close");
    expect(await app.exited).toBe(0);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1400);
    expect(app.logs.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      "listening",
      "draining",
      "closing",
      "stopped",
    ]);
    agent.destroy();
  });

  it("finishes a request that is in flight when the drain window ends", async () => {
    const app = await start({ DRAIN_SECONDS: "0.5" });
    // A request whose headers are still arriving when the server closes must still be answered.
    const net = await import("node:net");
    const sock = net.connect(app.port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write("GET / HTTP/1.1\r\nHost: x\r\n");
    app.child.kill("SIGTERM");
    await until(() => app.logs.some((l) => l.includes('"closing"')));
    let reply = "";
    sock.on("data", (d: Buffer) => (reply += d.toString()));
    sock.write("\r\n");
    await until(() => reply.includes("specHash"));
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(reply).toMatch(/connection: close/i);
    expect(await app.exited).toBe(0);
  });
});
