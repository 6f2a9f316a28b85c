/**
 * Reads Debian's archive the way a build reads it: apt inside a throwaway container of the spec's
 * base image, with that image's own apt sources, so "present" means "the build can install it". The
 * answers are parsed and judged by lib/image/pins.ts.
 */
import type Dockerode from "dockerode";
import { Archive, archiveFrom, checkPins, formatPinReport } from "../../lib/image/pins";
import type { LoadedSpec } from "../../lib/spec/spec";
import { LABELS } from "../../lib/core/identifiers";
import { dockerClient, isNotFound } from "./client";
import { demux } from "./dockerRuntime";

/** How long one archive read may take (an `apt-get update` over a slow mirror included). */
export const ARCHIVE_READ_TIMEOUT_MS = 180_000;

const POLICY_MARK = "--- phoenix: apt-cache policy";
const SHOW_MARK = "--- phoenix: apt-cache show";

/** Package names reach the script as argv, never as script text. */
const SCRIPT = [
  "set -u",
  "if ! apt-get update -qq >/dev/null 2>/tmp/update.err; then cat /tmp/update.err >&2; exit 90; fi",
  `echo '${POLICY_MARK}'`,
  'apt-cache policy "$@" 2>/dev/null',
  `echo '${SHOW_MARK}'`,
  'for p in "$@"; do apt-cache show "$p" 2>/dev/null; echo; done',
].join("\n");

/** The archive's answer for `packages`, read inside `baseImage`. Throws with apt's own words. */
export async function readArchive(
  baseImage: string,
  packages: readonly string[],
): Promise<Archive> {
  if (packages.length === 0) return new Map();
  const docker = dockerClient();
  await docker
    .getImage(baseImage)
    .inspect()
    .catch((err: unknown) => {
      if (isNotFound(err))
        throw new Error(
          `base image ${baseImage} is not in the Docker engine; run 'npm run setup' (it builds ` +
            "debian:bookworm-slim offline) or pull the image",
        );
      throw err;
    });
  const container = await docker.createContainer({
    Image: baseImage,
    Cmd: ["bash", "-c", SCRIPT, "pins", ...packages],
    User: "0:0",
    Labels: { [LABELS.role]: "pins" },
    HostConfig: { AutoRemove: false },
  });
  try {
    await container.start();
    const code = await waitFor(container);
    const { stdout, stderr } = demux(
      (await container.logs({ stdout: true, stderr: true })) as Buffer,
    );
    if (code !== 0)
      throw new Error(
        `apt-get update in ${baseImage} failed (exit ${code}); the archive could not be read:\n` +
          stderr.trim(),
      );
    const policy = between(stdout, POLICY_MARK, SHOW_MARK);
    const show = stdout.slice(stdout.indexOf(SHOW_MARK) + SHOW_MARK.length);
    return archiveFrom(policy, show);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function waitFor(container: Dockerode.Container): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ARCHIVE_READ_TIMEOUT_MS);
  });
  try {
    const done = await Promise.race([container.wait(), deadline]);
    if (done === "timeout")
      throw new Error(
        `reading the archive took over ${ARCHIVE_READ_TIMEOUT_MS / 1000} s; is the mirror reachable?`,
      );
    return (done as { StatusCode: number }).StatusCode;
  } finally {
    clearTimeout(timer);
  }
}

function between(text: string, from: string, to: string): string {
  const start = text.indexOf(from);
  const end = text.indexOf(to);
  return start < 0 || end < start ? "" : text.slice(start + from.length, end);
}

/** A spec's pins as the image providers carry them, for messages. */
export interface SpecPins {
  /** The spec file relative to its repository, as the user names it (e.g. images/web.yaml). */
  readonly specFile: string;
  readonly packages: Readonly<Record<string, string>>;
}

/** The pins of a loaded spec. */
export function specPins(loaded: LoadedSpec): SpecPins {
  return {
    specFile: loaded.specPath.slice(loaded.repoRoot.length + 1),
    packages: loaded.spec.packages,
  };
}

/**
 * A warning when `ref` is not built yet and some pins are no longer in the archive (a built image is
 * reused by its hash and never needs the archive again); undefined otherwise, and when the archive
 * cannot be read (the build then says what apt says).
 */
export async function rottenPinsWarning(
  ref: string,
  base: string,
  pins: SpecPins | undefined,
): Promise<string | undefined> {
  if (!pins || Object.keys(pins.packages).length === 0) return undefined;
  const built = await dockerClient()
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
    );
  if (built) return undefined;
  const archive = await readArchive(base, Object.keys(pins.packages)).catch(() => undefined);
  if (!archive) return undefined;
  const statuses = checkPins(pins.packages, archive);
  if (statuses.every((s) => s.state === "present")) return undefined;
  return `warning: ${ref} is not built yet and its build will fail:\n${formatPinReport(pins.specFile, statuses)}`;
}

/**
 * A version of `name` other than `from` that apt can install today: apt's candidate when `from` is
 * not it, else the next version the archive lists. For demos and tests of a patch; undefined when
 * the archive has no other version.
 */
export async function otherVersion(
  base: string,
  name: string,
  from: string,
): Promise<string | undefined> {
  const pkg = (await readArchive(base, [name])).get(name);
  if (!pkg) return undefined;
  if (pkg.candidate !== undefined && pkg.candidate !== from) return pkg.candidate;
  return pkg.versions.map((v) => v.version).find((v) => v !== from);
}

/**
 * A patch of one pin for demos and tests: the spec's pin (`from`) and another version apt can
 * install today (`to`, see otherVersion). Throws naming the spec when either is missing.
 */
export async function patchVersions(
  spec: { readonly base: string; readonly packages: Readonly<Record<string, string>> },
  name: string,
  where: string,
): Promise<{ from: string; to: string }> {
  const from = spec.packages[name];
  if (from === undefined) throw new Error(`${where}: packages.${name} is not pinned`);
  const to = await otherVersion(spec.base, name, from);
  if (to === undefined) throw new Error(`${where}: the archive has no other version of ${name}`);
  return { from, to };
}
