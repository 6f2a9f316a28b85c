import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalTarget } from "./components/localTarget";
import { specHash as hashOf } from "./lib/hash";
import { renderDockerfile } from "./lib/render";
import { loadSpec } from "./lib/spec";
import { CONFIG_NAMESPACE, STACK_CONFIG_KEYS, parseStackConfig } from "./lib/stackConfig";

const cfg = new pulumi.Config(CONFIG_NAMESPACE);
const config = parseStackConfig(Object.fromEntries(STACK_CONFIG_KEYS.map((k) => [k, cfg.get(k)])));
const loaded = loadSpec(path.resolve(__dirname, config.spec));
const hash = hashOf(loaded);
const dockerfile = renderDockerfile(loaded, hash);
const secretValues = Object.fromEntries(loaded.spec.secrets.map((s) => [s, cfg.requireSecret(s)]));
const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: __dirname, encoding: "utf8" });
const gitCommit = head.status === 0 ? head.stdout.trim() : "unknown";

if (config.target !== "local") {
  throw new Error(`phoenix:target: this program wires the local target only for now, got ${config.target}`);
}
const target = new LocalTarget(loaded.spec.name, {
  loaded,
  specHash: hash,
  dockerfile,
  config,
  secretValues,
  gitCommit,
});

export const specHash = target.specHash;
export const imageTag = target.imageTag;
export const imageId = target.imageId;
export const reused = target.reused;
export const instanceIds = target.instanceIds;
export const url = target.url;
