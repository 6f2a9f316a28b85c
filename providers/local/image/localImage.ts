/**
 * LocalImage: a dynamic provider for an image in the local Docker engine, identified by its spec
 * hash and the resolved id of its base image. Same spec and same base -> the existing image is
 * reused and nothing is built. Deleting the resource keeps the image (rollback needs it) and prunes
 * all but the newest `keepImages` images of the same name that no container uses.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../../dynamicResource";
import { buildImage, type BuildContextFile } from "../../docker/dockerBuild";
import { ensureImageTested } from "../../docker/imageTests";
import { contextFiles } from "../../../lib/image/context";
import { imageTag } from "../../../lib/image/hash";
import { LABELS } from "../../../lib/core/identifiers";
import { renderDockerfile } from "../../../lib/image/render";
import type { LoadedSpec, SpecTest } from "../../../lib/spec/spec";
import { resolvedTests } from "../../../lib/spec/pinRefs";
import { dockerClient, isNotFound } from "../../docker/client";
import { type SpecPins, rottenPinsWarning, specPins } from "../../docker/aptArchive";

/** Inputs of a LocalImage (plain values, as the provider receives them). */
export interface LocalImageInputs {
  /** Image name (the spec's name), e.g. "web". */
  readonly name: string;
  /** Tag, `<version>-<hash12>` (lib/image/hash.ts imageTag). */
  readonly tag: string;
  /** 64-hex spec hash. */
  readonly specHash: string;
  /** The spec's base image reference, e.g. "debian:bookworm-slim"; must exist in the engine. */
  readonly base: string;
  /** The rendered Dockerfile. */
  readonly dockerfile: string;
  /** Build context files (lib/image/context.ts contextFiles). */
  readonly files: readonly BuildContextFile[];
  /** Images of this name kept for rollback. */
  readonly keepImages: number;
  /** The spec's tests, run on the image before any fleet uses it. @default - none */
  readonly tests?: readonly SpecTest[];
  /** Value of the GIT_COMMIT build arg (not part of the image's identity). */
  readonly gitCommit: string;
  /** Resolved id of `base`, filled in by `check`: a rebuilt base under the same tag is a change. */
  readonly baseId?: string;
  /**
   * The spec file relative to its repository (e.g. images/web.yaml) and its pins, for messages only:
   * a preview of an image not built yet warns about pins Debian's archive has dropped, and a build
   * that fails on one names the command that fixes it. @default - apt's output only
   */
  readonly pins?: SpecPins;
}

/** Outputs of a LocalImage. */
export interface LocalImageOutputs extends LocalImageInputs {
  readonly baseId: string;
  /** sha256:... id of the image. */
  readonly imageId: string;
  /** `<name>:<tag>`. */
  readonly ref: string;
  /** True when an image with the same spec hash and base already existed and nothing was built. */
  readonly reused: boolean;
}

/** Writes one line to the engine's output (dynamic providers' stdout is shown as info). */
function say(line: string): void {
  console.log(`[phoenix] ${line}`);
}

/** Keeps the newest `keep` images named `name`, and `protect`; removes others no container uses. */
async function pruneImages(name: string, keep: number, protect: string): Promise<string[]> {
  const docker = dockerClient();
  const images: Array<{ Id: string; Created: number }> = await docker.listImages({
    filters: { label: [`${LABELS.name}=${name}`, LABELS.specHash] },
  });
  const containers: Array<{ ImageID: string }> = await docker.listContainers({ all: true });
  const used = new Set(containers.map((c) => c.ImageID));
  const newestFirst = [...images].sort((a, b) => b.Created - a.Created);
  const removed: string[] = [];
  for (const img of newestFirst.slice(keep)) {
    if (img.Id === protect || used.has(img.Id)) continue;
    await docker.getImage(img.Id).remove({ force: true, noprune: false });
    removed.push(img.Id);
  }
  return removed;
}

/** The image's diff, given whether its image is still in the engine. */
export function imageDiff(olds: LocalImageOutputs, news: LocalImageInputs, present: boolean) {
  const replaces: string[] = [];
  if (olds.specHash !== news.specHash) replaces.push("specHash");
  if (olds.baseId !== news.baseId) replaces.push("baseId");
  if (olds.name !== news.name) replaces.push("name");
  if (replaces.length === 0 && !present) replaces.push("imageId");
  // A new spec hash or base is a new image; keepImages only changes bookkeeping. The commit is
  // not compared: a reused image keeps the revision label of the build that made it.
  const changes = replaces.length > 0 || olds.keepImages !== news.keepImages;
  return { changes, replaces, deleteBeforeReplace: false };
}

/** True when the engine still has the image. */
async function imagePresent(id: string | undefined): Promise<boolean> {
  if (!id) return false;
  try {
    await dockerClient().getImage(id).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The LocalImage provider. */
export const localImageProvider: pulumi.dynamic.ResourceProvider<
  LocalImageInputs,
  LocalImageOutputs
> = {
  async check(_olds, news) {
    try {
      const base = await dockerClient().getImage(news.base).inspect();
      const warning = await rottenPinsWarning(`${news.name}:${news.tag}`, news.base, news.pins);
      if (warning) say(warning);
      return { inputs: { ...news, baseId: base.Id as string } };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return {
        failures: [
          {
            property: "base",
            reason:
              `base image ${JSON.stringify(news.base)} is not in the local Docker engine; ` +
              "run `npm run setup` (it builds debian:bookworm-slim) or `docker pull` it",
          },
        ],
      };
    }
  },

  async diff(_id, olds, news) {
    // Read live, as refresh would: an image removed by hand is built again by a plain up.
    return imageDiff(olds, news, await imagePresent(olds.imageId));
  },

  async create(inputs) {
    const docker = dockerClient();
    const ref = `${inputs.name}:${inputs.tag}`;
    if (inputs.baseId === undefined)
      throw new Error(`LocalImage ${ref}: baseId missing (check did not run)`);
    const existing: Array<{ Id: string; Created: number }> = await docker.listImages({
      filters: {
        label: [`${LABELS.specHash}=${inputs.specHash}`, `${LABELS.baseId}=${inputs.baseId}`],
      },
    });
    let imageId: string;
    let reused: boolean;
    if (existing.length > 0) {
      imageId = [...existing].sort((a, b) => b.Created - a.Created)[0].Id;
      await docker.getImage(imageId).tag({ repo: inputs.name, tag: inputs.tag });
      reused = true;
      say(`${ref}: same spec hash and base as ${imageId.slice(7, 19)}: reused, nothing built`);
    } else {
      say(`${ref}: building (spec hash ${inputs.specHash.slice(0, 12)}, base ${inputs.base})`);
      const started = Date.now();
      const built = await buildImage({
        dockerfile: inputs.dockerfile,
        files: inputs.files,
        tag: ref,
        labels: {
          [LABELS.specHash]: inputs.specHash,
          [LABELS.baseId]: inputs.baseId,
          [LABELS.name]: inputs.name,
        },
        buildArgs: { GIT_COMMIT: inputs.gitCommit },
        ...(inputs.pins ? { pins: { specFile: inputs.pins.specFile, base: inputs.base } } : {}),
        // Steps and what they print; the builder's bookkeeping lines only add noise.
        onProgress: (line) => {
          if (!/^ ---> |^Removing intermediate container /.test(line)) say(`${ref}: ${line}`);
        },
      });
      imageId = built.imageId;
      reused = false;
      say(
        `${ref}: built ${imageId.slice(7, 19)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    // Before any fleet sees the image: a failure throws, so nothing downstream changes.
    const tested = await ensureImageTested({
      name: inputs.name,
      imageId,
      ref,
      specHash: inputs.specHash,
      tests: inputs.tests ?? [],
      onProgress: (line) => say(`${ref}: ${line}`),
    });
    if (tested === "recorded")
      say(
        `${ref}: its ${inputs.tests?.length} spec tests passed on this image before: not run again`,
      );
    const removed = await pruneImages(inputs.name, inputs.keepImages, imageId);
    if (removed.length > 0)
      say(
        `${inputs.name}: pruned ${removed.length} image(s) beyond keepImages=${inputs.keepImages}`,
      );
    return { id: imageId, outs: { ...inputs, baseId: inputs.baseId, imageId, ref, reused } };
  },

  async read(id, props) {
    try {
      const info = await dockerClient().getImage(id).inspect();
      const labels: Record<string, string> = info.Config?.Labels ?? {};
      return { id, props: { ...props!, specHash: labels[LABELS.specHash] ?? props!.specHash } };
    } catch (err) {
      if (isNotFound(err)) return { id: "" }; // gone: recreate
      throw err;
    }
  },

  async update(_id, olds, news) {
    return { outs: { ...olds, keepImages: news.keepImages } };
  },

  async delete(id, props) {
    // The image itself stays for rollback; only images beyond keepImages are pruned.
    const removed = await pruneImages(props.name, props.keepImages, id);
    if (removed.length > 0)
      say(`${props.name}: pruned ${removed.length} image(s) beyond keepImages=${props.keepImages}`);
  },
};

/**
 * LocalImage inputs for a loaded spec: its name, `<version>-<hash12>` tag, base, build context and
 * Dockerfile (rendered here unless given).
 */
export function localImageInputs(a: {
  readonly loaded: LoadedSpec;
  readonly hash: string;
  readonly keepImages: number;
  readonly gitCommit: string;
  /** @default - renderDockerfile(loaded, hash) */
  readonly dockerfile?: string;
  /** @default - the spec's name */
  readonly name?: string;
}): Omit<LocalImageInputs, "baseId"> {
  const { loaded, hash } = a;
  return {
    name: a.name ?? loaded.spec.name,
    tag: imageTag(loaded.spec, hash),
    specHash: hash,
    base: loaded.spec.base,
    dockerfile: a.dockerfile ?? renderDockerfile(loaded, hash),
    files: contextFiles(loaded),
    keepImages: a.keepImages,
    gitCommit: a.gitCommit,
    tests: resolvedTests(loaded.spec),
    pins: specPins(loaded),
  };
}

/** Resource arguments: every LocalImageInputs field may be an Output. */
export type LocalImageArgs = {
  readonly [K in keyof Omit<LocalImageInputs, "baseId">]: pulumi.Input<LocalImageInputs[K]>;
};

/** An image in the local Docker engine built from a spec (see the module comment). */
export class LocalImage extends DynamicResource {
  declare readonly imageId: pulumi.Output<string>;
  declare readonly ref: pulumi.Output<string>;
  declare readonly specHash: pulumi.Output<string>;
  declare readonly baseId: pulumi.Output<string>;
  declare readonly reused: pulumi.Output<boolean>;

  constructor(name: string, args: LocalImageArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      localImageProvider,
      "localImage",
      name,
      { ...args, baseId: undefined, imageId: undefined, ref: undefined, reused: undefined },
      opts,
    );
  }
}
