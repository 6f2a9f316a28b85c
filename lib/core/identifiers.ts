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
  Object.entries(DYNAMIC_NAMES).map(([k, n]) => [k, `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:${n}`]),
) as { readonly [K in DynamicKey]: `pulumi-nodejs:dynamic/phoenix:${(typeof DYNAMIC_NAMES)[K]}` };

/** A spec hash: sha256, 64 lowercase hex. */
export const SPEC_HASH_RE = /^[0-9a-f]{64}$/;
/** True when `v` is a spec hash (64 lowercase hex). */
export const isSpecHash = (v: unknown): v is string => typeof v === "string" && SPEC_HASH_RE.test(v);
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
export const ECR_REPOSITORY_URL_EXAMPLE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";

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
