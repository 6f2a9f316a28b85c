/**
 * Deterministic tar archives for Docker build contexts, written with tar-stream. Every entry carries
 * mtime 0 and uid/gid 0, so the same inputs always give the same bytes (the build cache stays
 * effective and archives are easy to test). Long paths are carried by pax headers.
 */

/** One regular file of the archive. */
export interface TarEntry {
  /** Posix path relative to the archive root, without a leading slash. */
  readonly path: string;
  readonly content: Buffer;
  /** Unix permission bits, e.g. 0o644. */
  readonly mode: number;
}

/** Throws unless every path is relative, stays inside the archive and appears once. */
function checkPaths(entries: readonly TarEntry[]): void {
  const seen = new Set<string>();
  for (const { path } of entries) {
    if (path === "" || path.startsWith("/") || path.split("/").includes("..")) {
      throw new Error(
        `tar entry path: must be relative and stay inside the archive, got ${JSON.stringify(path)}`,
      );
    }
    if (seen.has(path)) {
      throw new Error(
        `tar entry path: ${JSON.stringify(path)} appears twice; paths must be unique`,
      );
    }
    seen.add(path);
  }
}

/**
 * A tar archive holding `entries` in the given order. Rejects when two entries share a path (Docker
 * would silently keep the last) or a path leaves the archive.
 */
export async function tarArchive(entries: readonly TarEntry[]): Promise<Buffer> {
  checkPaths(entries);
  // Required here: this function is serialized into the Pulumi state with the providers that use it.
  const tar = require("tar-stream") as typeof import("tar-stream");
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on("data", (chunk: Buffer) => chunks.push(chunk));
    pack.on("end", () => resolve(Buffer.concat(chunks)));
    pack.on("error", reject);
  });
  const epoch = new Date(0);
  for (const e of entries) {
    pack.entry({ name: e.path, mode: e.mode & 0o7777, mtime: epoch, uid: 0, gid: 0 }, e.content);
  }
  pack.finalize();
  return done;
}
