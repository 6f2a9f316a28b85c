"use strict";
// The example Phoenix service: plain Node.js, no dependencies.
//   GET /        -> JSON { name, version, specHash, instance, pid, greeting }
//   GET /healthz -> 200 "ok"; 503 "draining" once SIGTERM arrived; 500 when FAIL_HEALTH=1
// On SIGTERM (or SIGINT) the health check fails at once so load balancers take the instance out of
// the pool, while / keeps answering (with `Connection: close`) for DRAIN_SECONDS; then the server stops
// accepting, finishes in-flight requests and exits 0.
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");

const env = process.env;
const configFile = env.CONFIG_FILE || "/etc/web/config.json";
const drainSeconds = Number(env.DRAIN_SECONDS ?? "5");
const failHealth = env.FAIL_HEALTH === "1";

function log(fields) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

function readConfig() {
  try {
    return JSON.parse(fs.readFileSync(configFile, "utf8"));
  } catch (e) {
    if (e.code !== "ENOENT")
      log({ level: "warn", msg: "config unreadable", file: configFile, error: e.message });
    return {};
  }
}

const config = readConfig();
const info = {
  name: env.PHOENIX_APP_NAME || config.name || "web",
  version: env.PHOENIX_APP_VERSION || "dev",
  specHash: env.PHOENIX_SPEC_HASH || "unknown",
  instance: os.hostname(),
  pid: process.pid,
  greeting: config.greeting ?? null,
};
let draining = false;

function send(res, status, type, body) {
  if (draining) res.setHeader("Connection", "close");
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const path = (req.url || "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD")
    return send(res, 405, "text/plain", "method not allowed\n");
  if (path === "/healthz") {
    if (failHealth) return send(res, 500, "text/plain", "failing (FAIL_HEALTH=1)\n");
    if (draining) return send(res, 503, "text/plain", "draining\n");
    return send(res, 200, "text/plain", "ok\n");
  }
  if (path === "/") return send(res, 200, "application/json", `${JSON.stringify(info)}\n`);
  return send(res, 404, "text/plain", "not found\n");
});

function drain(signal) {
  if (draining) return;
  draining = true;
  log({ level: "info", msg: "draining", signal, drainSeconds });
  setTimeout(
    () => {
      log({ level: "info", msg: "closing" });
      // close() stops accepting and waits for in-flight requests; idle keep-alive sockets would hold
      // it open, so they are closed now (busy ones close after their response: Connection: close).
      server.close(() => {
        log({ level: "info", msg: "stopped" });
        process.exit(0);
      });
      server.closeIdleConnections();
    },
    Math.max(0, drainSeconds * 1000),
  ).unref();
  // Keep the process alive through the drain window even with no open sockets.
  const hold = setInterval(() => {}, 1000);
  server.on("close", () => clearInterval(hold));
}

process.on("SIGTERM", () => drain("SIGTERM"));
process.on("SIGINT", () => drain("SIGINT"));

const port = Number(env.PORT ?? env.PHOENIX_PORT ?? "8080");
server.listen(port, env.HOST || "0.0.0.0", () => {
  log({
    level: "info",
    msg: "listening",
    port: server.address().port,
    version: info.version,
    specHash: info.specHash,
  });
});
