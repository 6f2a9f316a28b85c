import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type AwsStackConfig, parseStackConfig } from "../../../lib/config/stackConfig";

/**
 * A throwaway repository holding an image spec, its app and a config file, for component tests that
 * need a real LoadedSpec.
 */
export function writeSpecRepo(opts: SpecOptions = {}): {
  root: string;
  specPath: string;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-spec-repo-"));
  fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: fixture\nruntime: nodejs\n");
  fs.mkdirSync(path.join(root, "app"));
  fs.writeFileSync(
    path.join(root, "app", "server.js"),
    'require("http").createServer((q, s) => s.end("ok")).listen(8080);\n',
  );
  fs.mkdirSync(path.join(root, "config"));
  fs.writeFileSync(path.join(root, "config", "web.json"), '{"greeting":"hello"}\n');
  fs.mkdirSync(path.join(root, "images"));
  const specPath = path.join(root, "images", "web.yaml");
  fs.writeFileSync(specPath, specText(opts));
  return { root, specPath };
}

/** What {@link specText} lets a test change. */
export interface SpecOptions {
  /** The spec's name. @default "web" */
  readonly name?: string;
  readonly openssl?: string;
  readonly secrets?: string[];
  /** The health check's timings. @default - 2 s interval, 2 s timeout, 2 checks to become healthy */
  readonly health?: { intervalSeconds: number; timeoutSeconds: number; healthyThreshold: number };
}

/** The example spec, with the openssl version, the secret names and the health timings adjustable. */
export function specText(opts: SpecOptions = {}): string {
  const h = opts.health ?? { intervalSeconds: 2, timeoutSeconds: 2, healthyThreshold: 2 };
  return [
    `name: ${opts.name ?? "web"}`,
    "base: debian:bookworm-slim",
    "packages:",
    "  nodejs: 18.20.4+dfsg-1~deb12u1",
    `  openssl: ${opts.openssl ?? "3.0.15-1~deb12u1"}`,
    "app:",
    "  version: v3.4.1",
    "  source: ../app",
    "  command: [node, server.js]",
    "  port: 8080",
    `  health: { path: /healthz, intervalSeconds: ${h.intervalSeconds}, timeoutSeconds: ${h.timeoutSeconds}, healthyThreshold: ${h.healthyThreshold} }`,
    "config:",
    "  files: { /etc/web/config.json: ../config/web.json }",
    "  env: { LOG_LEVEL: info }",
    '  sysctls: { net.core.somaxconn: "1024" }',
    `secrets: [${(opts.secrets ?? ["DB_PASSWORD"]).join(", ")}]`,
    "",
  ].join("\n");
}

/**
 * A front door spec in the repository at `root` (the local target's haproxy image): its app source
 * and haproxy.cfg under `frontdoor/`, the spec at `images/<file>`. Returns the spec's path.
 */
export function writeFrontDoorSpec(
  root: string,
  opts: { file?: string; name?: string; version?: string } = {},
): string {
  fs.mkdirSync(path.join(root, "frontdoor"), { recursive: true });
  fs.writeFileSync(path.join(root, "frontdoor", "haproxy.cfg"), "global\n  maxconn 256\n");
  const specPath = path.join(root, "images", opts.file ?? "frontdoor.yaml");
  fs.writeFileSync(
    specPath,
    [
      `name: ${opts.name ?? "frontdoor"}`,
      "base: debian:bookworm-slim",
      "packages:",
      "  haproxy: 2.6.12-1+deb12u4",
      "app:",
      `  version: ${opts.version ?? "v2.6.12"}`,
      "  source: ../frontdoor",
      "  command: [haproxy, -db, -f, /etc/haproxy/haproxy.cfg]",
      "  port: 8080",
      "  health: { path: /healthz, intervalSeconds: 2, timeoutSeconds: 2, healthyThreshold: 1 }",
      "config:",
      "  files: { /etc/haproxy/haproxy.cfg: ../frontdoor/haproxy.cfg }",
      "",
    ].join("\n"),
  );
  return specPath;
}

/** Raw config of a valid aws stack (eu-west-1, two public and two private subnets, a pinned AMI), as `pulumi config` holds it. */
export const AWS_RAW_CONFIG: Readonly<Record<string, string>> = {
  target: "aws",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  albSubnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  instanceSubnetIds: '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
  amiId: "ami-0123456789abcdef0",
};

/** A parsed aws stack config: {@link AWS_RAW_CONFIG} with `overrides`. */
export function awsConfig(overrides: Record<string, string> = {}): AwsStackConfig {
  return parseStackConfig({ ...AWS_RAW_CONFIG, ...overrides }) as AwsStackConfig;
}
