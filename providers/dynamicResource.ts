/**
 * A dynamic resource whose provider closure is serialized once per version of the code, not once
 * per program run.
 *
 * Why: `pulumi.dynamic.Resource` serializes its provider (every function it reaches in our own
 * files, by value) on every run of the program. For the four local providers that is up to ~190
 * functions each, several seconds of CPU on a busy 2-core machine: the largest part of a no-op
 * `pulumi up`. The serialized text depends only on the code it was made from, so it is kept in
 * node_modules/.cache/phoenix/providers/, keyed by a digest of everything that can reach it: the
 * sources of providers/ and lib/ (the only files providers import by value), package-lock.json,
 * tsconfig.json, the working directory, the versions of node, @pulumi/pulumi, tsx and
 * typescript, and the provider's methods as this process compiled them. The engine sees exactly
 * what `pulumi.dynamic.Resource` produces: the same type token and the same `__provider` text.
 * `PHOENIX_PROVIDER_CACHE=off` serializes afresh every time.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_NAMES, DYNAMIC_TYPES } from "../lib/core/identifiers";

const REPO_ROOT = path.resolve(__dirname, "..");
/** Folders whose code the providers carry by value (providers import nothing else of ours). */
const SERIALIZED_FROM = ["providers", "lib"];
/** Where the serialized providers are kept (a cache: deleting it only costs time). */
export const PROVIDER_CACHE_DIR = path.join(
  REPO_ROOT,
  "node_modules",
  ".cache",
  "phoenix",
  "providers",
);

const digests = new Map<string, string>();

function addTree(hash: crypto.Hash, root: string, dir: string): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) addTree(hash, root, full);
    else if (/\.[cm]?[jt]s$/.test(entry.name)) {
      hash.update(`\0${path.relative(root, full)}\0`).update(fs.readFileSync(full));
    }
  }
}

function versionOf(pkg: string): string {
  try {
    const manifest = fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8");
    return String(JSON.parse(manifest).version);
  } catch {
    return "absent";
  }
}

/**
 * Digest of everything the serialized text of a provider of the checkout at `root` can depend on
 * (see the module comment). Computed once per process.
 */
export function providerCodeDigest(root = REPO_ROOT): string {
  let digest = digests.get(root);
  if (digest === undefined) {
    const hash = crypto.createHash("sha256");
    for (const dir of SERIALIZED_FROM) {
      if (fs.existsSync(path.join(root, dir))) addTree(hash, root, path.join(root, dir));
    }
    for (const file of ["package-lock.json", "tsconfig.json"]) {
      const full = path.join(root, file);
      hash.update(`\0${file}\0`).update(fs.existsSync(full) ? fs.readFileSync(full) : "");
    }
    const versions = ["@pulumi/pulumi", "tsx", "typescript"].map((p) => `${p}@${versionOf(p)}`);
    hash.update(`\0${[process.version, process.cwd(), ...versions].join("\0")}`);
    digest = hash.digest("hex");
    digests.set(root, digest);
  }
  return digest;
}

/** Entries kept per provider: the versions of the code one works between (rollback, branches). */
const KEEP_PER_PROVIDER = 8;

/** Removes all but the newest {@link KEEP_PER_PROVIDER} cached versions of provider `name`. */
function pruneOlder(cacheDir: string, name: string): void {
  const mine = fs
    .readdirSync(cacheDir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith(".js"))
    .map((f) => ({ f, at: fs.statSync(path.join(cacheDir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { f } of mine.slice(KEEP_PER_PROVIDER))
    fs.rmSync(path.join(cacheDir, f), { force: true });
}

/** Serializes `provider` as `pulumi.dynamic.Resource` does (secrets allowed, then marked). */
function serializeFresh(provider: object): Promise<{ text: string; containsSecrets: boolean }> {
  return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
}

/**
 * The `__provider` value of a dynamic resource: the cached serialized text when this version of
 * the code was serialized before, otherwise a fresh serialization (stored for the next run unless
 * it captured a secret, which is never written to disk).
 */
export function serializedProvider(
  provider: object,
  name: string,
  cacheDir = PROVIDER_CACHE_DIR,
): pulumi.Input<string> {
  if (process.env.PHOENIX_PROVIDER_CACHE === "off") {
    return pulumi
      .output(serializeFresh(provider))
      .apply((s) => (s.containsSecrets ? pulumi.secret(s.text) : pulumi.output(s.text)));
  }
  // The provider's methods as this process compiled them: tsx, ts-node and vitest each emit other
  // JavaScript for the same source, and the cache must serve each exactly its own.
  const compiled = crypto.createHash("sha256");
  for (const m of Object.values(provider)) if (typeof m === "function") compiled.update(String(m));
  const key = `${providerCodeDigest()}-${compiled.digest("hex").slice(0, 16)}`;
  const file = path.join(cacheDir, `${name}-${key}.js`);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  return pulumi.output(serializeFresh(provider)).apply((s) => {
    if (s.containsSecrets) return pulumi.secret(s.text);
    // Written whole, then renamed: two programs serializing at once never leave half a file.
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(tmp, s.text);
    fs.renameSync(tmp, file);
    pruneOlder(cacheDir, name);
    return pulumi.output(s.text);
  });
}

/**
 * Base of Phoenix's dynamic resources: what `pulumi.dynamic.Resource` does (type token
 * `pulumi-nodejs:dynamic/phoenix:<name>`, the provider in `__provider`), with the provider's
 * serialized text cached across runs.
 */
export abstract class DynamicResource extends pulumi.CustomResource {
  protected constructor(
    provider: object,
    kind: keyof typeof DYNAMIC_NAMES,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    if ("__provider" in props) {
      throw new Error("props.__provider: reserved for the serialized provider, remove it");
    }
    const inputs = { ...props, __provider: serializedProvider(provider, DYNAMIC_NAMES[kind]) };
    super(DYNAMIC_TYPES[kind], name, inputs, opts);
  }
}
