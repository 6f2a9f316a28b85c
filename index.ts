import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AwsTarget } from "./components/aws/awsTarget";
import { LocalTarget } from "./components/local/localTarget";
import { stackOutputs } from "./components/outputs";
import { gitCommit } from "./lib/core/gitCommit";
import { specHash as hashOf } from "./lib/image/hash";
import { renderDockerfile } from "./lib/image/render";
import { loadSpec } from "./lib/spec/spec";
import { CONFIG_NAMESPACE, namespaceConfig, parseStackConfig } from "./lib/config/stackConfig";
import { effectivePolicy } from "./lib/rollout/policy";

// spec -> hash -> image -> fleet. `phoenix:target` picks where the fleet runs: local (dev) or aws.
const cfg = new pulumi.Config(CONFIG_NAMESPACE);
// Every key of the namespace, not only the known ones: a typo or a key of a feature that does not
// exist fails preview and up, with "did you mean", instead of being silently ignored.
const parsed = parseStackConfig(namespaceConfig(pulumi.runtime.allConfig()));
// PHOENIX_ROLLOUT=skip: one emergency `up` without canary steps or bake, the stack's config untouched.
const config = { ...parsed, rollout: effectivePolicy(parsed.rollout, process.env) };
const loaded = loadSpec(path.resolve(__dirname, config.spec));
const hash = hashOf(loaded);
const common = {
  loaded,
  specHash: hash,
  dockerfile: renderDockerfile(loaded, hash),
  // getSecret, not requireSecret: the target reports every missing secret at once.
  secretValues: Object.fromEntries(loaded.spec.secrets.map((s) => [s, cfg.getSecret(s)])),
  gitCommit: gitCommit(__dirname),
};

// Stack outputs: the same names and formats on both targets (components/outputs.ts).
export = stackOutputs(
  config.target === "local"
    ? new LocalTarget(loaded.spec.name, { ...common, config })
    : new AwsTarget(loaded.spec.name, { ...common, config }),
);
