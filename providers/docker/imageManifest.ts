/**
 * Reads the package manifest out of an image in the local Docker engine without running anything
 * in it: a container is created (never started), the file is copied out of it as a tar archive,
 * and the container is removed. Also finds the image built for a spec hash.
 */
import { LABELS } from "../../lib/core/identifiers";
import { MANIFEST_PATH, type InstalledPackage, parseManifest } from "../../lib/image/manifest";
import { dockerClient, isNotFound } from "./client";

/** An image's id and its manifest. */
export interface ImageManifest {
  /** sha256:... */
  readonly imageId: string;
  readonly packages: InstalledPackage[];
}

/** The newest image labelled with `specHash`, or undefined when none was built here. */
export async function imageForSpecHash(specHash: string): Promise<string | undefined> {
  const images: Array<{ Id: string; Created: number }> = await dockerClient().listImages({
    filters: { label: [`${LABELS.specHash}=${specHash}`] },
  });
  return [...images].sort((a, b) => b.Created - a.Created)[0]?.Id;
}

/** The text of the one file in a `docker cp`-style tar archive. */
function singleFile(archive: NodeJS.ReadableStream): Promise<string> {
  const tar = require("tar-stream");
  const extract = tar.extract();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    extract.on("entry", (_header: unknown, stream: NodeJS.ReadableStream, next: () => void) => {
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", next);
      stream.resume();
    });
    extract.on("finish", () => resolve(Buffer.concat(chunks).toString("utf8")));
    extract.on("error", reject);
    archive.pipe(extract);
  });
}

/** Reads the manifest of image `ref` (a name:tag, an id or a digest reference). */
export async function readImageManifest(ref: string): Promise<ImageManifest> {
  const engine = dockerClient();
  let imageId: string;
  try {
    imageId = (await engine.getImage(ref).inspect()).Id;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new Error(
      `image ${JSON.stringify(ref)} is not in the local Docker engine; pull or build it first`,
      { cause: err },
    );
  }
  const container = await engine.createContainer({ Image: imageId, Cmd: ["true"] });
  try {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: MANIFEST_PATH });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new Error(
        `image ${ref} has no package manifest at ${MANIFEST_PATH}: it was not built by this version ` +
          "of Phoenix; rebuild it from its spec",
        { cause: err },
      );
    }
    const text = await singleFile(archive);
    return { imageId, packages: parseManifest(text, `${ref}:${MANIFEST_PATH}`) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
