/**
 * A client for the parts of the Docker Registry HTTP API v2 that Phoenix needs: does a tag exist,
 * and which manifest digest does it point at. ECR, the CNCF distribution registry and Docker Hub
 * all speak it. Pure apart from the network: it imports nothing from Pulumi or Docker.
 */
import { DIGEST_RE } from "../core/identifiers";

/** Every manifest media type we accept, so the registry never down-converts (changing the digest). */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** A parsed image reference: `registry/repository[:tag][@sha256:...]`. */
export interface ImageReference {
  /** Host and optional port, e.g. `1234.dkr.ecr.eu-west-1.amazonaws.com` or `127.0.0.1:5000`. */
  readonly registry: string;
  /** Path inside the registry, e.g. `phoenix/web`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Username/password credentials, as `docker login` takes them. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Why a registry call failed; callers branch on this, people read the message. */
export type RegistryErrorKind = "unreachable" | "unauthorized" | "protocol";

/** A registry call failed; the message names the registry and says what to do. */
export interface RegistryError extends Error {
  readonly name: "RegistryError";
  readonly kind: RegistryErrorKind;
  readonly registry: string;
}

/**
 * Creates a {@link RegistryError}. A plain Error with fields, not a subclass: dynamic providers
 * serialize this module, and a serialized Error subclass loses its message.
 */
export function registryError(
  kind: RegistryErrorKind,
  registry: string,
  message: string,
): RegistryError {
  return Object.assign(new Error(message), { name: "RegistryError" as const, kind, registry });
}

/** True when `err` came from this client (see {@link RegistryErrorKind}). */
export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof Error && err.name === "RegistryError" && "kind" in err;
}

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPO_RE =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** True when `digest` is a `sha256:<64 hex>` content digest. */
export function isDigest(digest: string): boolean {
  return DIGEST_RE.test(digest);
}

/**
 * Splits a repository string `host[:port]/path` (ECR's `repositoryUrl`) into registry and
 * repository. Unlike `docker`, it never defaults to Docker Hub: the registry must be explicit.
 */
export function parseRepository(repository: string): { registry: string; repository: string } {
  const slash = repository.indexOf("/");
  const host = slash > 0 ? repository.slice(0, slash) : "";
  const path = slash > 0 ? repository.slice(slash + 1) : "";
  if (!host || !(host.includes(".") || host.includes(":") || host === "localhost")) {
    throw new Error(
      `repository: must start with a registry host (e.g. 127.0.0.1:5000/phoenix/web or ` +
        `<account>.dkr.ecr.<region>.amazonaws.com/web), got ${JSON.stringify(repository)}`,
    );
  }
  if (!REPO_RE.test(path)) {
    throw new Error(
      `repository: path must be lowercase letters, digits and separators (e.g. phoenix/web), ` +
        `got ${JSON.stringify(path)} in ${JSON.stringify(repository)}`,
    );
  }
  return { registry: host, repository: path };
}

/** Parses `host/path[:tag][@sha256:...]`; the host is mandatory (see {@link parseRepository}). */
export function parseReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) {
      throw new Error(
        `image reference: digest must be sha256:<64 lowercase hex>, ` +
          `got ${JSON.stringify(digest)} ` +
          `in ${JSON.stringify(ref)}`,
      );
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw new Error(
        `image reference: tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, got ` +
          `${JSON.stringify(tag)} in ${JSON.stringify(ref)}`,
      );
    }
  }
  return { ...parseRepository(rest), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Formats a reference back to `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  return (
    `${ref.registry}/${ref.repository}` +
    (ref.tag ? `:${ref.tag}` : "") +
    (ref.digest ? `@${ref.digest}` : "")
  );
}

/**
 * Turns an ECR authorization token (`authorizationData[].authorizationToken`, base64 of
 * `AWS:<password>`) into the credentials the registry API and `docker push` take.
 */
export function ecrCredentials(authorizationToken: string): RegistryCredentials {
  const decoded = Buffer.from(authorizationToken, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new Error(
      'authorizationToken: expected base64 of "<user>:<password>" as ECR\'s ' +
        "GetAuthorizationToken returns it; got a value that does not decode to that " +
        "(pass authorizationData[0].authorizationToken, not the password or the proxy endpoint)",
    );
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** How to reach one registry. */
export interface RegistryClientOptions {
  /** Host and optional port, as in {@link ImageReference.registry}. */
  readonly registry: string;
  /** @default - anonymous access */
  readonly credentials?: RegistryCredentials;
  /** @default - `http` for loopback hosts (as Docker allows), `https` otherwise */
  readonly scheme?: "http" | "https";
  /** @default 15000 */
  readonly timeoutMs?: number;
}

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The base URL of a registry, e.g. `http://127.0.0.1:5000`. */
export function registryUrl(opts: RegistryClientOptions): string {
  const scheme = opts.scheme ?? (isLoopback(opts.registry) ? "http" : "https");
  return `${scheme}://${opts.registry}`;
}

/** Parses a `WWW-Authenticate` header into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  const scheme = (m?.[1] ?? "").toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m?.[2] ?? ""); p; p = re.exec(m?.[2] ?? "")) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme, params };
}

function basic(c: RegistryCredentials): string {
  return "Basic " + Buffer.from(`${c.username}:${c.password}`).toString("base64");
}

async function send(
  opts: RegistryClientOptions,
  url: string,
  init: { method: string; headers: Record<string, string> },
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(opts.timeoutMs ?? 15000) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      e.name === "TimeoutError" ? "timed out" : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw registryError(
      "unreachable",
      opts.registry,
      `registry ${opts.registry} is unreachable (${init.method} ${url}: ${why}); check that the ` +
        `registry is running and that the repository names the right host and port`,
    );
  }
}

function unauthorized(
  opts: RegistryClientOptions,
  repository: string,
  status: number,
): RegistryError {
  const fix = opts.credentials
    ? opts.registry.includes(".ecr.")
      ? "the ECR authorization token may have expired (it lasts 12 hours): run `pulumi up` again " +
        "to fetch a new one, and check that the caller may ecr:BatchGetImage on the repository"
      : "check the registry username and password"
    : "pass registry credentials (ECR: the authorization token from aws.ecr.getAuthorizationToken)";
  return registryError(
    "unauthorized",
    opts.registry,
    `registry ${opts.registry} refused access to ${repository} (HTTP ${status}); ${fix}`,
  );
}

/** Fetches a bearer token as the registry's challenge asks (Docker Hub style token auth). */
async function bearerToken(
  opts: RegistryClientOptions,
  repository: string,
  params: Record<string, string>,
): Promise<string> {
  if (!params.realm) {
    throw registryError(
      "protocol",
      opts.registry,
      `registry ${opts.registry} sent a Bearer challenge without a realm`,
    );
  }
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set("service", params.service);
  const scope = params.scope ?? (repository ? `repository:${repository}:pull` : "");
  if (scope) url.searchParams.set("scope", scope);
  const headers: Record<string, string> = {};
  if (opts.credentials) headers.authorization = basic(opts.credentials);
  const res = await send(opts, url.toString(), { method: "GET", headers });
  if (res.status === 401 || res.status === 403) throw unauthorized(opts, repository, res.status);
  const body = (await res.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === "string" ? body.token : body.access_token;
  if (!res.ok || typeof token !== "string") {
    throw registryError(
      "protocol",
      opts.registry,
      `registry ${opts.registry}: token endpoint ${url.origin}${url.pathname} answered ` +
        `HTTP ${res.status} without a token`,
    );
  }
  return token;
}

/** Sends a request to the registry, answering a Basic or Bearer challenge once. */
async function authed(
  opts: RegistryClientOptions,
  repository: string,
  path: string,
  init: { method: string; headers: Record<string, string> },
): Promise<Response> {
  const url = `${registryUrl(opts)}${path}`;
  const first = await send(opts, url, init);
  if (first.status !== 401) return first;
  const challenge = parseChallenge(first.headers.get("www-authenticate") ?? "");
  let authorization: string;
  if (challenge.scheme === "bearer") {
    authorization = `Bearer ${await bearerToken(opts, repository, challenge.params)}`;
  } else if (opts.credentials) {
    authorization = basic(opts.credentials);
  } else {
    throw unauthorized(opts, repository, 401);
  }
  const second = await send(opts, url, { ...init, headers: { ...init.headers, authorization } });
  if (second.status === 401 || second.status === 403)
    throw unauthorized(opts, repository, second.status);
  return second;
}

/**
 * Resolves `repository:tag` to its manifest digest, or `undefined` when the tag does not exist.
 * Uses HEAD and the `Docker-Content-Digest` header; falls back to GET and hashing the manifest
 * bytes for registries that omit the header.
 */
export async function resolveTag(
  opts: RegistryClientOptions & { readonly repository: string; readonly tag: string },
): Promise<string | undefined> {
  if (!TAG_RE.test(opts.tag)) {
    throw new Error(
      `tag: must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, got ${JSON.stringify(opts.tag)}`,
    );
  }
  const path = `/v2/${opts.repository}/manifests/${opts.tag}`;
  const headers = { accept: MANIFEST_ACCEPT };
  const head = await authed(opts, opts.repository, path, { method: "HEAD", headers });
  if (head.status === 404) return undefined;
  if (head.status === 403) throw unauthorized(opts, opts.repository, 403);
  if (!head.ok) {
    throw registryError(
      "protocol",
      opts.registry,
      `registry ${opts.registry}: HEAD ${path} answered HTTP ${head.status}; expected 200 or 404`,
    );
  }
  const header = head.headers.get("docker-content-digest");
  if (header && isDigest(header)) return header;
  const get = await authed(opts, opts.repository, path, { method: "GET", headers });
  if (get.status === 404) return undefined;
  if (!get.ok) {
    throw registryError(
      "protocol",
      opts.registry,
      `registry ${opts.registry}: GET ${path} answered HTTP ${get.status}; expected 200 or 404`,
    );
  }
  const body = Buffer.from(await get.arrayBuffer());
  // Required here, not imported: dynamic providers serialize this module, and a captured
  // built-in (node:crypto's Hash) cannot be serialized.
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return "sha256:" + createHash("sha256").update(body).digest("hex");
}

/** Checks that the registry answers the v2 API with these credentials (`GET /v2/`). */
export async function ping(opts: RegistryClientOptions): Promise<void> {
  const res = await authed(opts, "", "/v2/", { method: "GET", headers: {} });
  if (!res.ok) {
    throw registryError(
      "protocol",
      opts.registry,
      `registry ${opts.registry}: GET /v2/ answered HTTP ${res.status}; ` +
        `is this a Docker Registry v2 endpoint?`,
    );
  }
}
