import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AwsTarget } from "./components/aws/awsTarget";
import { LocalTarget } from "./components/local/localTarget";
import { gitCommit } from "./lib/core/gitCommit";
import { specHash as hashOf } from "./lib/image/hash";
import { renderDockerfile } from "./lib/image/render";
import { loadSpec } from "./lib/spec/spec";
import { CONFIG_NAMESPACE, STACK_CONFIG_KEYS, parseStackConfig } from "./lib/config/stackConfig";

// spec -> hash -> image -> fleet. `phoenix:target` picks where the fleet runs: local (dev) or aws.
const cfg = new pulumi.Config(CONFIG_NAMESPACE);
const config = parseStackConfig(Object.fromEntries(STACK_CONFIG_KEYS.map((k) => [k, cfg.get(k)])));
const loaded = loadSpec(path.resolve(__dirname, config.spec));
const hash = hashOf(loaded);
const common = {
  loaded,
  specHash: hash,
  dockerfile: renderDockerfile(loaded, hash),
  secretValues: Object.fromEntries(loaded.spec.secrets.map((s) => [s, cfg.requireSecret(s)])),
  gitCommit: gitCommit(__dirname),
};

// Stack outputs: what each target has, nothing undefined.
export = config.target === "local"
  ? outputsOfLocal(new LocalTarget(loaded.spec.name, { ...common, config }))
  : outputsOfAws(new AwsTarget(loaded.spec.name, { ...common, config }));

function outputsOfLocal(t: LocalTarget) {
  const { specHash, imageTag, imageId, reused, instanceIds, url } = t;
  return { specHash, imageTag, imageId, reused, instanceIds, url };
}

function outputsOfAws(t: AwsTarget) {
  const { specHash, imageTag, imageRef, built, asgName: fleetName, url, auditFindings } = t;
  return { specHash, imageTag, imageRef, built, fleetName, url, auditFindings, gitCommit: t.gitCommit };
}
