/**
 * Every identifier Phoenix writes or checks, defined once: Docker label keys, AWS tag keys, Pulumi type
 * tokens, and the format checks of the values they carry (spec hash, git commit, digests, ECR URLs).
 * Other modules import these; a literal copy elsewhere drifts. Labels and tags never carry secrets.
 */

/** Docker labels on what the local target creates, so every provider finds its own objects again. */
export const LABELS = {
  /** Image and container: the spec hash the image was built from. */
  specHash: "io.phoenix.spec-hash",
  /** Image: the resolved id of the base image it was built on. */
  baseId: "io.phoenix.base-id",
  /** Image: the spec's name (images are kept and pruned per name). */
  name: "io.phoenix.name",
  /** Container and network: the Pulumi stack. */
  stack: "io.phoenix.stack",
  /** Container: "instance" (a fleet member), "frontdoor" or "test" (a spec test's throwaway run). */
  role: "io.phoenix.role",
  /** Container: the fleet's logical name, e.g. "web". */
  fleet: "io.phoenix.fleet",
  /** Container: the id of the LocalFleet resource that launched it. */
  fleetId: "io.phoenix.fleet-id",
  /** Container: its slot in the fleet, 0..desiredCount-1. */
  instance: "io.phoenix.instance",
} as const;

/** AWS tags on what the aws target creates. */
export const TAGS = {
  /** Every fleet resource: the spec hash its image was built from. */
  specHash: "phoenix:spec-hash",
  /** `<project>/<stack>`: lets the fleet audit find groups and templates a failed rollout left. */
  stack: "phoenix:stack",
  /** Groups, target groups and instances: the release id they belong to. */
  release: "phoenix:release",
  /** Groups and target groups of a release: `<project>/<stack>/<fleet>`, what the retire sweeps. */
  fleet: "phoenix:fleet",
  /** Launch template: "allowed" when the spec lets containers reach IMDS (hop limit 2). */
  containerImds: "phoenix:container-imds",
  /** Front door load balancer: "https" when a certificate is configured, else "http-only". */
  tls: "phoenix:tls",
} as const;

/** Type tokens of the ComponentResources (stable: changing one needs `aliases`). */
export const COMPONENT_TYPES = {
  localTarget: "phoenix:index:LocalTarget",
  awsTarget: "phoenix:index:AwsTarget",
  awsFleet: "phoenix:index:AwsFleet",
  awsFrontDoor: "phoenix:index:AwsFrontDoor",
  awsInstanceAccess: "phoenix:index:AwsInstanceAccess",
  awsVpcEndpoints: "phoenix:index:AwsVpcEndpoints",
  immutableImage: "phoenix:index:ImmutableImage",
} as const;

/** Module of every dynamic resource: `pulumi.dynamic.Resource`'s `moduleMember` prefix. */
export const DYNAMIC_MODULE = "phoenix";

/** Names of the dynamic resources (the last argument of `pulumi.dynamic.Resource`). */
export const DYNAMIC_NAMES = {
  localImage: "LocalImage",
  localFleet: "LocalFleet",
  localFrontDoor: "LocalFrontDoor",
  localNetwork: "LocalNetwork",
  registryImage: "RegistryImage",
  fleetAudit: "FleetAudit",
  releaseGate: "ReleaseGate",
  releaseRetire: "ReleaseRetire",
  releaseTeardown: "ReleaseTeardown",
} as const;

type DynamicKey = keyof typeof DYNAMIC_NAMES;

/** The type token the engine gives a dynamic resource, e.g. `pulumi-nodejs:dynamic/phoenix:LocalFleet`. */
export const DYNAMIC_TYPES = Object.fromEntries(
  Object.entries(DYNAMIC_NAMES).map(([k, n]) => [
    k,
    `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${n}`,
  ]),
) as { readonly [K in DynamicKey]: `pulumi-nodejs:dynamic/phoenix:${(typeof DYNAMIC_NAMES)[K]}` };

/** A spec hash: sha256, 64 lowercase hex. */
export const SPEC_HASH_RE = /^[0-9a-f]{64}$/;
/** True when `v` is a spec hash (64 lowercase hex). */
export const isSpecHash = (v: unknown): v is string =>
  typeof v === "string" && SPEC_HASH_RE.test(v);
/** The problem with a spec-hash field, as `<field>: ...`, or undefined when `v` is one. */
export const specHashProblem = (field: string, v: unknown): string | undefined =>
  isSpecHash(v) ? undefined : `${field}: must be 64 lowercase hex, got ${JSON.stringify(v)}`;
/** How many hex of the spec hash an image tag carries: `<version>-<hash12>`. */
export const SPEC_HASH_SHORT = 12;

/** A git commit as Phoenix records it: 7-40 lowercase hex, or "unknown" outside a checkout. */
export const GIT_COMMIT_RE = /^(?:[0-9a-f]{7,40}|unknown)$/;
/** True when `v` is a git commit (7-40 hex) or "unknown". */
export const isGitCommit = (v: unknown): v is string =>
  typeof v === "string" && GIT_COMMIT_RE.test(v);

/** The problem with a git-commit field, as `<field>: ...`, or undefined when `v` is one. */
export const gitCommitProblem = (field: string, v: unknown): string | undefined =>
  isGitCommit(v)
    ? undefined
    : `${field}: must be a git commit (7-40 hex) or "unknown", got ${JSON.stringify(v)}`;

/** A content digest: `sha256:<64 hex>`. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
/** An image pinned by content: `<registry>[:port]/<repository>@sha256:<64 hex>`. */
export const DIGEST_REFERENCE_RE =
  /^[a-z0-9][a-z0-9.-]*(?::\d+)?\/[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;

/** An ECR repository URL: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>`; group 1 is the account. */
export const ECR_REPOSITORY_URL_RE =
  /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[a-z0-9][a-z0-9._/-]*$/;
/** An example the error messages show. */
export const ECR_REPOSITORY_URL_EXAMPLE =
  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";

/**
 * Where an aws stack's image comes from. `build`: look the spec's tag up in the stack's own ECR
 * repository and build/push only when missing. `promote`: deploy another stack's image, never build.
 */
export const IMAGE_SOURCES = ["build", "promote"] as const;
/** One of {@link IMAGE_SOURCES}. */
export type ImageSource = (typeof IMAGE_SOURCES)[number];
/** True when `v` is one of {@link IMAGE_SOURCES}. */
export const isImageSource = (v: unknown): v is ImageSource =>
  (IMAGE_SOURCES as readonly unknown[]).includes(v);

/**
 * Local engine: the repository whose tag `<repository>/<name>:<spec hash>` records that the image
 * it points at passed the tests of that spec (labels cannot change after a build).
 */
export const TESTED_IMAGE_REPOSITORY = "phoenix-tested";

/** Prefix of the tag that marks an image some stack runs; the ECR lifecycle policy never expires it. */
export const LIVE_TAG_PREFIX = "phoenix-live-";
/** Hex of sha256(`<project>/<stack>`) that name the stack in a live tag. */
const LIVE_STACK_HEX = 16;
/** Hex of the image digest a live tag carries. */
const LIVE_DIGEST_HEX = 12;

/** The part of a live tag that names the stack: 16 hex of sha256(`<project>/<stack>`). */
export function liveTagStackKey(stackTag: string): string {
  // Required here, not imported: the retire's dynamic provider is serialized with this function,
  // and Pulumi re-requires a module by name only when the function itself requires it.
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return createHash("sha256").update(stackTag).digest("hex").slice(0, LIVE_STACK_HEX);
}

/**
 * The tag a stack puts on the digest its serving release runs:
 * `phoenix-live-<16 hex of sha256(<project>/<stack>)>-<12 hex of the digest>`, 42 characters of
 * `[a-z0-9-]`. A hash names the stack because project and stack names share their characters with
 * any separator (`a.b`/`c` and `a`/`b.c` would read alike), and it keeps the tag within ECR's and
 * the registry API's tag rules whatever the names' length: ECR takes 1-300 characters
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html, "imageTag
 * ... Length Constraints: Minimum length of 1. Maximum length of 300."), the OCI distribution spec
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. One tag per stack and digest, so in an IMMUTABLE repository
 * the new one is added before the old one is removed (a tag never moves).
 * @throws Error when `digest` is not `sha256:<64 hex>`.
 */
export function liveTag(stackTag: string, digest: string): string {
  if (!DIGEST_RE.test(digest)) {
    throw new Error(`liveTag: digest must be sha256:<64 hex>, got ${JSON.stringify(digest)}`);
  }
  const hex = digest.slice("sha256:".length, "sha256:".length + LIVE_DIGEST_HEX);
  return `${LIVE_TAG_PREFIX}${liveTagStackKey(stackTag)}-${hex}`;
}

/**
 * The live tag earlier releases wrote, `phoenix-live-<slug>-<12 hex>` with the stack tag's
 * characters outside `[a-zA-Z0-9._-]` turned into `.` (at most 90): read only, so the retire can
 * remove what an earlier release of this stack left.
 */
function legacyLiveTagRe(stackTag: string): RegExp {
  const slug = stackTag.replace(/[^a-zA-Z0-9._-]/g, ".").slice(0, 90);
  const escaped = slug.replace(/[.]/g, "\\.");
  return new RegExp(`^${LIVE_TAG_PREFIX}${escaped}-[0-9a-f]{${LIVE_DIGEST_HEX}}$`);
}

/**
 * True when `tag` is a live tag of this stack: exactly `phoenix-live-<this stack's key>-<12 hex>`,
 * or the earlier format with exactly this stack's slug (never a tag whose slug merely starts with
 * it, like `<project>.prod-eu` for stack `prod`). Two stacks whose earlier slugs are equal
 * (`a.b`/`c` and `a`/`b.c`) cannot be told apart in that format; see docs/aws-releases.md.
 */
export function isOwnLiveTag(stackTag: string, tag: string): boolean {
  const current = `${LIVE_TAG_PREFIX}${liveTagStackKey(stackTag)}-`;
  if (tag.startsWith(current)) {
    return new RegExp(`^[0-9a-f]{${LIVE_DIGEST_HEX}}$`).test(tag.slice(current.length));
  }
  return legacyLiveTagRe(stackTag).test(tag);
}
