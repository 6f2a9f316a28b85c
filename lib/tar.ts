/**
 * A minimal, deterministic POSIX ustar writer for Docker build contexts.
 *
 * Docker only needs regular files (it creates parent directories itself), so this writes no
 * directory entries. Every header carries mtime 0 and uid/gid 0: the same inputs always give the
 * same bytes, which keeps the build cache effective and the archive easy to test.
 */

/** One regular file of the archive. */
export interface TarEntry {
  /** Posix path relative to the archive root, without a leading slash. */
  readonly path: string;
  readonly content: Buffer;
  /** Unix permission bits, e.g. 0o644. */
  readonly mode: number;
}

const BLOCK = 512;

/** Splits a path into ustar's prefix (<= 155 bytes) and name (<= 100 bytes) fields. */
export function splitUstarPath(path: string): { prefix: string; name: string } {
  if (path === "" || path.startsWith("/") || path.split("/").includes("..")) {
    throw new Error(
      `tar entry path: must be relative and stay inside the archive, got ${JSON.stringify(path)}`,
    );
  }
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") {
      return { prefix, name };
    }
  }
  throw new Error(
    `tar entry path: too long for ustar (name <= 100 bytes, directory <= 155 bytes), got ` +
      `${JSON.stringify(path)}; shorten the file or directory name`,
  );
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, "utf8");
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  // length - 1 octal digits followed by a NUL, zero-padded.
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, "0"));
  block[offset + length - 1] = 0;
}

function header(entry: TarEntry): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitUstarPath(entry.path);
  if (entry.content.length > 0o77777777777) {
    throw new Error(`tar entry ${entry.path}: larger than 8 GiB, which ustar cannot record`);
  }
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode & 0o7777);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, entry.content.length);
  writeOctal(block, 136, 12, 0); // mtime
  block.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  block[156] = 0x30; // typeflag '0': regular file
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 7, sum.toString(8).padStart(6, "0") + "\0");
  return block;
}

/**
 * Builds a tar archive holding `entries` in the given order, ending with the two zero blocks the
 * format requires. Throws when two entries share a path (Docker would silently keep the last).
 */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (seen.has(entry.path)) {
      throw new Error(
        `tar entry path: ${JSON.stringify(entry.path)} appears twice; paths must be unique`,
      );
    }
    seen.add(entry.path);
    parts.push(header(entry), entry.content);
    const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
