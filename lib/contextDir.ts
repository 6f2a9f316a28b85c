import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { contextFiles } from "./context";
import { LoadedSpec } from "./spec";

/**
 * Writes a spec's build context (Dockerfile + contextFiles) to a directory, for builders that take a
 * directory rather than a tar stream (`docker.Image`). The directory is named by the spec hash, so
 * the same spec always lands in the same place and a changed spec never reuses a stale directory.
 */

/** Options of {@link materializeContext}. */
export interface MaterializeOptions {
  /** Parent directory. @default - os.tmpdir() */
  readonly root?: string;
}

/**
 * Write `<root>/phoenix-context-<hash12>/` holding `Dockerfile`, `app/...` and `config/<i>` with the
 * modes contextFiles() gives. The directory is built next to its final place and renamed in, so a
 * reader never sees half a context. Returns the absolute directory path.
 */
export function materializeContext(
  loaded: LoadedSpec,
  dockerfile: string,
  hash: string,
  opts: MaterializeOptions = {},
): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error(
      `materializeContext: hash must be 64 lowercase hex, got ${JSON.stringify(hash)}`,
    );
  }
  const dir = path.join(
    path.resolve(opts.root ?? os.tmpdir()),
    `phoenix-context-${hash.slice(0, 12)}`,
  );
  const staging = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    fs.writeFileSync(path.join(staging, "Dockerfile"), dockerfile, { mode: 0o644 });
    for (const file of contextFiles(loaded)) {
      const target = path.join(staging, ...file.path.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file.source, target);
      fs.chmodSync(target, file.mode);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return dir;
}
