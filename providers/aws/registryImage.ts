import * as pulumi from "@pulumi/pulumi";
import type Dockerode from "dockerode";
import {
  type RegistryCredentials,
  formatReference,
  isDigest,
  isRegistryError,
  parseRepository,
  resolveTag,
} from "../../lib/image/registry";
import type { SpecTest } from "../../lib/spec/spec";
import { type DockerBuildOptions, buildImage } from "../docker/dockerBuild";
import {
  DYNAMIC_MODULE,
  DYNAMIC_NAMES,
  SPEC_HASH_SHORT,
  type ImageSource,
  isImageSource,
  specHashProblem,
} from "../../lib/core/identifiers";
import { dockerClient } from "../docker/client";
import { runImageTests } from "../docker/imageTests";

/**
 * A content-addressed image in a registry. For a spec hash it looks before it builds: when
 * `<repository>:<version>-<hash12>` already exists, its digest is used and nothing is built or
 * pushed; otherwise the image is built with the shared builder, pushed, and the pushed digest
 * recorded. A revert of the spec therefore brings back the very image that ran before, and an
 * IMMUTABLE ECR repository never sees a second push of a tag.
 */

/** What the shared builder needs, rendered by the caller: `renderDockerfile` and `contextFiles`. */
export type BuildInputs = Pick<
  DockerBuildOptions,
  "dockerfile" | "files" | "labels" | "buildArgs" | "platform" | "pins"
>;

/**
 * Why a push failed, in the project's words first: an expired ECR token (they last 12 hours) says
 * what to run; anything else names what to check.
 */
export function pushFailure(ref: string, error: string): string {
  if (/authorization token has expired/i.test(error))
    return (
      `push of ${ref}: the ECR authorization token has expired (a token lasts 12 hours); run ` +
      "`pulumi up` again, which fetches a new one. Nothing was pushed and the fleet is untouched.\n" +
      error
    );
  return (
    `push of ${ref} failed: ${error}; check that the repository exists and that the registry ` +
    "credentials may push to it"
  );
}

/** Provider inputs, as the engine hands them over (plain values). */
export interface RegistryImageInputs {
  /** `host[:port]/path`, e.g. an ECR `repositoryUrl`. */
  readonly repository: string;
  /** `<version>-<hash12>`; must end with the first 12 characters of `specHash`. */
  readonly tag: string;
  /** 64 lowercase hex. */
  readonly specHash: string;
  readonly source: ImageSource;
  readonly credentials?: RegistryCredentials;
  /** What the shared builder needs; required when `source` is `build`. */
  readonly build?: BuildInputs;
  /**
   * The spec's tests, run on a newly built image before it is pushed. The registry is their
   * record: only images whose tests passed are ever pushed, so a tag found there is not re-tested.
   * @default - none
   */
  readonly tests?: readonly SpecTest[];
}

/** Provider outputs: the inputs plus what the registry says. */
export interface RegistryImageOutputs extends RegistryImageInputs {
  /** `<repository>@sha256:...`: what a fleet runs. */
  readonly imageRef: string;
  readonly digest: string;
  /** True when this resource built and pushed the image, false when it found it in the registry. */
  readonly built: boolean;
}

/** Checks the plain inputs; returns one `<field>: <message>` line per problem. */
export function validateInputs(inputs: RegistryImageInputs): string[] {
  const problems: string[] = [];
  try {
    parseRepository(inputs.repository);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const hashProblem = specHashProblem("specHash", inputs.specHash);
  const short = inputs.specHash.slice(0, SPEC_HASH_SHORT);
  if (hashProblem) {
    problems.push(hashProblem);
  } else if (!inputs.tag.endsWith(`-${short}`)) {
    problems.push(
      `tag: must be <version>-${short} (imageTag(spec, specHash)) so the ` +
        `tag names the content, got ${JSON.stringify(inputs.tag)}`,
    );
  }
  if (!isImageSource(inputs.source)) {
    problems.push(`source: must be one of build, promote, got ${JSON.stringify(inputs.source)}`);
  }
  if (inputs.source === "build" && !inputs.build) {
    problems.push("build: required when source is build (or set source to promote)");
  }
  return problems;
}

/**
 * Which property changes replace the image: a new spec hash or repository names a different image;
 * a different tag for the same hash means a different version string, also a different image.
 * A change of credentials or source alone only updates the stored inputs.
 */
export function replacingChanges(olds: RegistryImageOutputs, news: RegistryImageInputs): string[] {
  return (["specHash", "repository", "tag"] as const).filter((k) => olds[k] !== news[k]);
}

/** Pushes a locally built image as `repository:tag`; returns the digest the registry recorded. */
export async function pushImage(opts: {
  readonly imageId: string;
  readonly repository: string;
  readonly tag: string;
  readonly credentials?: RegistryCredentials;
}): Promise<string> {
  const { registry } = parseRepository(opts.repository);
  const docker = dockerClient();
  await docker.getImage(opts.imageId).tag({ repo: opts.repository, tag: opts.tag });
  // The daemon requires an X-Registry-Auth header even for anonymous pushes: `{}` is anonymous.
  const authconfig = opts.credentials
    ? { ...opts.credentials, serveraddress: registry }
    : ({} as Dockerode.AuthConfig);
  const stream = await docker.getImage(`${opts.repository}:${opts.tag}`).push({ authconfig });
  const events: { error?: string; aux?: { Digest?: string; Tag?: string } }[] = await new Promise(
    (resolve, reject) =>
      docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(pushFailure(`${opts.repository}:${opts.tag}`, failed.error ?? ""));
  const digest = events.find((e) => e.aux?.Digest && e.aux.Tag === opts.tag)?.aux?.Digest;
  if (!digest || !isDigest(digest)) {
    throw new Error(
      `push of ${opts.repository}:${opts.tag}: the daemon reported no digest; ` +
        `is the Docker engine older than API 1.24?`,
    );
  }
  return digest;
}

function outputs(
  inputs: RegistryImageInputs,
  digest: string,
  built: boolean,
): RegistryImageOutputs {
  const { registry, repository } = parseRepository(inputs.repository);
  const imageRef = formatReference({ registry, repository, digest });
  return { ...inputs, imageRef, digest, built };
}

/**
 * Looks the tag up in the registry and uses its digest when present; otherwise (source `build`)
 * builds with the shared builder, pushes, and returns the pushed digest. Throws before building
 * when the registry cannot be asked, so a failure never leaves a half-published image recorded.
 */
export async function publishImage(inputs: RegistryImageInputs): Promise<RegistryImageOutputs> {
  const problems = validateInputs(inputs);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const { registry, repository } = parseRepository(inputs.repository);
  const lookup = { registry, repository, tag: inputs.tag, credentials: inputs.credentials };
  const ref = `${inputs.repository}:${inputs.tag}`;

  const existing = await resolveTag(lookup);
  if (existing) return outputs(inputs, existing, false);
  if (inputs.source === "promote" || !inputs.build) {
    throw new Error(
      `imageSource: promote found no image ${ref} in registry ${registry}; deploy this spec ` +
        `first in the stack that builds it (phoenix:imageSource build), or set ` +
        `phoenix:imageSource to build in this stack`,
    );
  }

  const { imageId } = await buildImage({ ...inputs.build, tag: ref });
  // A failure throws here: nothing is pushed and the fleet keeps its image.
  await runImageTests({
    imageId,
    ref,
    specHash: inputs.specHash,
    tests: inputs.tests ?? [],
    onProgress: (line) => console.log(`[phoenix] ${ref}: ${line}`),
  });
  let digest: string;
  try {
    digest = await pushImage({ imageId, ...inputs });
  } catch (err) {
    // Another publisher of the same spec (a second stack, a re-run) may have pushed the tag since
    // the lookup; an IMMUTABLE repository then refuses ours. Its content is the same spec.
    const raced = await resolveTag(lookup);
    if (raced) return outputs(inputs, raced, false);
    throw err;
  }
  const recorded = await resolveTag(lookup);
  if (recorded !== digest) {
    throw new Error(
      `push of ${ref}: the daemon pushed ${digest} but the registry resolves the tag to ` +
        `${recorded ?? "nothing"}; another publisher is writing the same tag: make the ` +
        `repository's tags immutable`,
    );
  }
  return outputs(inputs, digest, true);
}

/**
 * Compares the recorded digest with what the tag resolves to now. Returns the outputs to keep
 * (with the live digest when the tag was overwritten), or `undefined` when the tag is gone.
 */
export async function readImage(
  props: RegistryImageOutputs,
): Promise<{ outs?: RegistryImageOutputs; warning?: string }> {
  const { registry, repository } = parseRepository(props.repository);
  const ref = `${props.repository}:${props.tag}`;
  let live: string | undefined;
  try {
    live = await resolveTag({
      registry,
      repository,
      tag: props.tag,
      credentials: props.credentials,
    });
  } catch (err) {
    if (!isRegistryError(err) || err.kind !== "unauthorized") throw err;
    // Stored registry credentials expire (ECR tokens after 12 hours); a refresh must not fail
    // the whole stack for that, but it must say the tag went unchecked.
    return {
      outs: props,
      warning: `registry image ${ref} was not verified: ${err.message}`,
    };
  }
  if (live === undefined) {
    return {
      warning:
        `registry image ${ref} no longer exists (recorded ${props.digest}); it is dropped from ` +
        `the state and the next \`pulumi up\` publishes it again`,
    };
  }
  if (live === props.digest) return { outs: props };
  return {
    outs: outputs(props, live, false),
    warning:
      `registry image ${ref} drifted: the tag now resolves to ${live}, not the recorded ` +
      `${props.digest} (it was pushed over outside Phoenix); the state now records the live ` +
      `digest. Make the repository's tags immutable; to run the recorded image, redeploy it by digest`,
  };
}

/** The dynamic provider; each method creates its own clients (nothing live is serialized). */
export const registryImageProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: RegistryImageInputs) {
    const outs = await publishImage(inputs);
    return { id: `${outs.repository}:${outs.tag}`, outs };
  },

  async diff(_id: string, olds: RegistryImageOutputs, news: RegistryImageInputs) {
    // A new spec hash, tag or repository is a different image: replace (create first, so the
    // fleet switches to the new digest before the old record goes; delete keeps the image).
    // Build inputs (e.g. the GIT_COMMIT build arg) and credentials (ECR issues a new token on
    // every run) never change which image this is, so they alone are no change.
    const replaces = replacingChanges(olds, news);
    return { changes: replaces.length > 0 || olds.source !== news.source, replaces };
  },

  async update(_id: string, olds: RegistryImageOutputs, news: RegistryImageInputs) {
    // Same image (same hash, tag and repository): only the stored inputs change.
    return { outs: { ...news, imageRef: olds.imageRef, digest: olds.digest, built: olds.built } };
  },

  async read(id: string, props?: RegistryImageOutputs) {
    if (!props)
      throw new Error(`RegistryImage ${id}: cannot be imported; create it with pulumi up`);
    const { outs, warning } = await readImage(props);
    // Required here: capturing the `pulumi` module would serialize the stack's decrypted config
    // (secrets included) into the provider's state.
    if (warning) await require("@pulumi/pulumi/log").warn(warning);
    return outs ? { id, props: outs } : { id: "", props: {} };
  },

  async delete() {
    // Images are kept: a rollback or another stack may need this digest again. The repository's
    // lifecycle policy (keepImages) prunes old ones.
  },
};

/** Arguments of {@link RegistryImage}. */
export interface RegistryImageArgs {
  /** `host[:port]/path`, e.g. an ECR repository's `repositoryUrl`. */
  readonly repository: pulumi.Input<string>;
  /** `imageTag(spec, specHash)`: `<version>-<hash12>`. */
  readonly tag: pulumi.Input<string>;
  /** `specHash(loaded)`. */
  readonly specHash: pulumi.Input<string>;
  /** @default "build" - build and push when the tag is missing */
  readonly source?: ImageSource;
  /** Stored as a secret. @default - anonymous registry access */
  readonly credentials?: pulumi.Input<RegistryCredentials>;
  /** Required when `source` is `build`; ignored (never used) when the tag exists. */
  readonly build?: pulumi.Input<BuildInputs>;
  /** Run on a newly built image before the push. @default - none */
  readonly tests?: readonly SpecTest[];
}

/** A content-addressed image in a registry: reused by tag when present, else built and pushed. */
export class RegistryImage extends pulumi.dynamic.Resource {
  /** `<repository>@sha256:...`. */
  declare readonly imageRef: pulumi.Output<string>;
  declare readonly digest: pulumi.Output<string>;
  declare readonly tag: pulumi.Output<string>;
  declare readonly repository: pulumi.Output<string>;
  /** True when this deployment built and pushed it, false when it was found in the registry. */
  declare readonly built: pulumi.Output<boolean>;

  constructor(name: string, args: RegistryImageArgs, opts: pulumi.CustomResourceOptions = {}) {
    const source = args.source ?? "build";
    if (!isImageSource(source)) {
      throw new Error(`source: must be one of build, promote, got ${JSON.stringify(source)}`);
    }
    const props = {
      repository: args.repository,
      tag: args.tag,
      specHash: args.specHash,
      source,
      credentials: args.credentials === undefined ? undefined : pulumi.secret(args.credentials),
      build: source === "build" ? args.build : undefined,
      tests: args.tests ?? [],
      imageRef: undefined,
      digest: undefined,
      built: undefined,
    };
    const additionalSecretOutputs = [...(opts.additionalSecretOutputs ?? []), "credentials"];
    super(
      registryImageProvider,
      name,
      props,
      { ...opts, additionalSecretOutputs },
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.registryImage,
    );
  }
}
