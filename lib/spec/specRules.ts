/**
 * The grammar of every string in an image spec. Each check returns `undefined` when the value is
 * fine, or a message naming the bad value and the fix. Shared by the spec schema and, as a second
 * line of defence, by the Dockerfile renderer.
 */
import { show } from "../core/errors";

/** A string check: `undefined` when fine, otherwise what is wrong and how to fix it. */
export type Check = (value: string) => string | undefined;

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators: anything that could end a
// line in some parser downstream (Dockerfile, shell, user data, logs).
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Rejects newlines and control characters, which could break a value out of its line. */
export const noControlChars: Check = (v) => {
  const m = CONTROL_RE.exec(v);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  return `must not contain newlines or control characters (found U+${code} at index ${m.index}), got ${show(v)}`;
};

const NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;
/** `name`: a DNS-label-like identifier. */
export const checkName: Check = (v) =>
  NAME_RE.test(v)
    ? undefined
    : `must match [a-z][a-z0-9-]{0,39} (lowercase letter first, then up to 39 of a-z 0-9 -), got ${show(v)}`;

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REF_RE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/** A parsed container image reference. */
export interface ImageRef {
  /** Repository, with registry host if any, e.g. `debian` or `registry:5000/team/app`. */
  name: string;
  tag?: string;
  /** `sha256:<64 hex>` when pinned by digest. */
  digest?: string;
}

/** Parses a Docker image reference (`name[:tag][@sha256:<64hex>]`); `undefined` if malformed. */
export function parseImageRef(ref: string): ImageRef | undefined {
  const m = IMAGE_REF_RE.exec(ref);
  if (!m || m[1].length > 255) return undefined;
  return { name: m[1], tag: m[2], digest: m[3] };
}

/** `base`: a well-formed reference that names a fixed release, never an implicit or explicit latest. */
export const checkBase: Check = (v) => {
  const ref = parseImageRef(v);
  if (!ref) {
    return `must be an image reference like debian:bookworm-slim or debian:bookworm-slim@sha256:<64 hex>, got ${show(v)}`;
  }
  if (!ref.digest && (ref.tag === undefined || ref.tag === "latest")) {
    return `must pin a release tag (e.g. debian:bookworm-slim) or a digest (@sha256:<64 hex>), not an implicit or explicit "latest"; got ${show(v)}`;
  }
  return undefined;
};

const PKG_NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;
/** `packages` keys: Debian package names. */
export const checkPackageName: Check = (v) =>
  PKG_NAME_RE.test(v)
    ? undefined
    : `is not a Debian package name (lowercase a-z 0-9 + . -, at least 2 characters), got ${show(v)}`;

const PKG_VERSION_RE = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;
const EXACT_HINT = "version must be exact (e.g. 3.0.15-1~deb12u1)";
/** `packages` values: one exact Debian version, never a range, wildcard or "latest". */
export const checkPackageVersion: Check = (v) => {
  if (PKG_VERSION_RE.test(v) && v.length <= 128) return undefined;
  if (/^(latest|any|newest|stable)$/i.test(v.trim())) return `${EXACT_HINT}, got ${show(v)}`;
  if (v.includes("*")) return `${EXACT_HINT}, wildcards are not allowed; got ${show(v)}`;
  // White space anywhere (leading included) reads as a range, so the first test needs no trim.
  if (/^[<>=^~!]/.test(v) || /\s|\|\||,/.test(v)) {
    return `${EXACT_HINT}, ranges are not allowed; got ${show(v)}`;
  }
  return `${EXACT_HINT}: [epoch:]upstream[-revision] with digits first and only A-Z a-z 0-9 . + ~ -; got ${show(v)}`;
};

const SEMVER_RE = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
/** `app.version`: v-prefixed semver, usable inside a Docker tag (so no `+build` metadata). */
export const checkAppVersion: Check = (v) => {
  if (SEMVER_RE.test(v) && v.length <= 100) return undefined;
  if (/^\d/.test(v)) return `must be v-prefixed semver, e.g. "v${v}"; got ${show(v)}`;
  if (v.includes("+")) {
    return `must be v-prefixed semver without +build metadata (a Docker tag cannot hold "+"), got ${show(v)}`;
  }
  return `must be v-prefixed semver like v3.4.1 or v3.4.1-rc.1, got ${show(v)}`;
};

/** Source paths (`app.source`, `config.files` values): relative to the spec file, inside the repo. */
export const checkRelativeSource: Check = (v) => {
  if (v === "") return "must be a path relative to the spec file, got an empty string";
  if (v.startsWith("/") || /^[A-Za-z]:[\\/]/.test(v)) {
    return `must be relative to the spec file (an absolute path would tie the spec to one checkout), got ${show(v)}`;
  }
  if (v.includes("\\")) return `must use / as the separator, got ${show(v)}`;
  return undefined;
};

const ABS_PATH_RE = /^(\/[A-Za-z0-9._-]+)+$/;
/** Absolute paths inside the image (`config.files` keys, `runtime.scratch`). */
export const checkImagePath: Check = (v) => {
  if (!v.startsWith("/"))
    return `must be an absolute path like /etc/web/config.json, got ${show(v)}`;
  if (v.includes("..")) return `must not contain "..", got ${show(v)}`;
  if (!ABS_PATH_RE.test(v) || v.split("/").includes(".")) {
    return `must be an absolute file path of A-Z a-z 0-9 . _ - segments (no trailing /, no "." segment), got ${show(v)}`;
  }
  return v.length <= 1024 ? undefined : `must be at most 1024 characters, got ${v.length}`;
};

const ENV_KEY_RE = /^[A-Z_][A-Z0-9_]*$/;
const SECRET_LIKE_RE = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE/;
/** Names of environment variables and secrets. */
export const checkVarName: Check = (v) => {
  if (!ENV_KEY_RE.test(v)) {
    return `must be an environment variable name ([A-Z_][A-Z0-9_]*, e.g. LOG_LEVEL), got ${show(v)}`;
  }
  if (v.startsWith("PHOENIX_")) {
    return `must not start with PHOENIX_ (reserved for variables phoenix sets), got ${show(v)}`;
  }
  return undefined;
};

/** `config.env` keys: variable names that do not look like secrets. */
export const checkEnvKey: Check = (v) => {
  const bad = checkVarName(v);
  if (bad) return bad;
  if (SECRET_LIKE_RE.test(v)) {
    return `looks like a secret (${show(v)}) and env values are baked into the image; move it to secrets: and set it with \`pulumi config set --secret ${v}\``;
  }
  return undefined;
};

const SYSCTL_KEY_RE = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
/** `config.sysctls` keys: dotted kernel parameter names. */
export const checkSysctlKey: Check = (v) =>
  SYSCTL_KEY_RE.test(v)
    ? undefined
    : `must be a dotted kernel parameter like net.core.somaxconn, got ${show(v)}`;

const HEALTH_PATH_RE = /^\/[A-Za-z0-9._~/-]*$/;
/** `app.health.path`: an HTTP path without query string. */
export const checkHealthPath: Check = (v) =>
  HEALTH_PATH_RE.test(v) && v.length <= 200
    ? undefined
    : `must be an HTTP path like /healthz (/ then A-Z a-z 0-9 . _ ~ / -), got ${show(v)}`;

/** Free-form strings (command words, env and sysctl values) only need to be non-empty where noted. */
export const checkNonEmpty: Check = (v) => (v === "" ? "must not be empty" : undefined);

/** Free-form strings that may be empty. */
export const anyText: Check = () => undefined;

/**
 * Compares strings by UTF-16 code units, the order RFC 8785 uses for keys. Lives here, with no zod
 * import, because dynamic providers serialize what they use and zod cannot be re-required by path.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
