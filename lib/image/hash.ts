/**
 * The content hash that names an image: sha256 over the RFC 8785 canonical JSON of the normalized
 * spec, every build-context file (path, mode, content digest) and the renderer version. It does not
 * depend on key order, YAML formatting, the checkout's absolute path or file mtimes.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import canonicalize from "canonicalize";
import { contextFiles } from "./context";
import { LoadedSpec, Spec } from "../spec/spec";
import { SPEC_HASH_SHORT, isSpecHash } from "../core/identifiers";

/** Bumped whenever renderDockerfile's output changes for the same spec, so images are rebuilt. */
export const RENDERER_VERSION = "3";

/** A build-context file as it enters the hash. */
export interface FileDigest {
  /** Posix path in the build context, e.g. `app/server.js`, `config/0`. */
  path: string;
  mode: number;
  /** sha256 hex of the content. */
  sha256: string;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Digest of every build-context file, sorted by path. */
export function fileDigests(loaded: LoadedSpec): FileDigest[] {
  return contextFiles(loaded).map((f) => ({
    path: f.path,
    mode: f.mode,
    sha256: sha256(fs.readFileSync(f.source)),
  }));
}

/**
 * The spec as it enters the hash: source locations are dropped (the content they point at is hashed
 * instead), so moving the app directory without changing a byte does not replace the fleet.
 */
export function hashedSpec(loaded: LoadedSpec): unknown {
  const { source: _source, ...app } = loaded.spec.app;
  const files: Record<string, string> = {};
  for (const c of loaded.configFiles) files[c.target] = c.contextPath;
  return { ...loaded.spec, app, config: { ...loaded.spec.config, files } };
}

/** The exact document that is hashed (exported so tests and `phoenix diff` can look inside). */
export function hashDocument(loaded: LoadedSpec): string {
  const doc = {
    renderer: RENDERER_VERSION,
    spec: hashedSpec(loaded),
    context: fileDigests(loaded),
  };
  const canonical = canonicalize(doc);
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable; canonicalize returns undefined only for undefined, and doc is an object
  if (canonical === undefined) throw new Error("hash document could not be canonicalized");
  return canonical;
}

/** The spec's content hash: 64 lowercase hex. Throws ValidationError for a bad build context. */
export function specHash(loaded: LoadedSpec): string {
  return sha256(hashDocument(loaded));
}

/** The image tag: `<app.version>-<first 12 hex of the hash>`, e.g. `v3.4.1-0123456789ab`. */
export function imageTag(spec: Spec, hash: string): string {
  if (!isSpecHash(hash))
    throw new Error(`imageTag: hash must be 64 lowercase hex, got ${JSON.stringify(hash)}`);
  return `${spec.app.version}-${hash.slice(0, SPEC_HASH_SHORT)}`;
}
