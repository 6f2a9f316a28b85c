/**
 * Classifies what `pulumi refresh` observed about one fleet instance into a drift report.
 *
 * An instance has drifted when it no longer is a fresh copy of its image serving behind the front
 * door: its container is gone or stopped, runs another image, fails its health check, is healthy
 * but not in the front door's pool, or is a snowflake (its filesystem differs
 * from the image: a file edited or a package installed by hand after launch). Drifted instances are
 * replaced from the same image by the next `pulumi up`, never repaired.
 */

/** Why an instance counts as drifted. */
export const DRIFT_REASONS = [
  "missing",
  "exited",
  "wrong-image",
  "unhealthy",
  "out-of-pool",
  "snowflake",
] as const;
/** One reason an instance counts as drifted. */
export type DriftReason = (typeof DRIFT_REASONS)[number];

/** One entry of Docker's container diff (`GET /containers/{id}/changes`). */
export interface ContainerChange {
  readonly Path: string;
  /** 0 = modified, 1 = added, 2 = deleted. */
  readonly Kind: number;
}

/** What refresh saw of one instance. */
export interface InstanceObservation {
  /** False when no container with the recorded id exists any more. */
  readonly exists: boolean;
  readonly running: boolean;
  /** Image id (sha256:...) the container was created from. */
  readonly imageId?: string;
  /** Result of one health check against the instance; undefined when not checked. */
  readonly healthy?: boolean;
  /** Whether the front door sends it traffic; undefined without a front door to ask. */
  readonly inPool?: boolean;
  /** Docker's container diff; empty for a pristine instance. */
  readonly changes: readonly ContainerChange[];
}

/** The drift of one instance: every reason that applies and the changed paths, if any. */
export interface InstanceDrift {
  readonly reasons: DriftReason[];
  /** Changed paths outside the scratch paths, as "C /etc/x", "A /usr/bin/y", "D /z". */
  readonly changes: string[];
}

const KIND = ["C", "A", "D"];

/** True when `path` is one of the scratch paths or below one. */
export function isScratch(path: string, scratch: readonly string[]): boolean {
  return scratch.some((s) => {
    // Stryker disable next-line ConditionalExpression,StringLiteral: left to the lines below, "/" becomes the root "", which also matches every absolute path (all Docker reports)
    if (s === "/") return true;
    const root = s.endsWith("/") ? s.slice(0, -1) : s;
    return path === root || path.startsWith(`${root}/`);
  });
}

/**
 * Mount points Docker itself adds to a container's filesystem: the init binary of `Init: true`
 * (/sbin is /usr/sbin on Debian bookworm). Never a change made in the instance.
 */
export const DOCKER_MOUNT_POINTS = ["/sbin/docker-init", "/usr/sbin/docker-init"] as const;

/**
 * The changes that make an instance a snowflake: scratch paths and Docker's own mount points
 * removed, and a changed directory left out when a path inside it is listed (Docker reports every
 * parent of a changed file as modified, which says nothing new). Sorted by path.
 */
export function meaningfulChanges(
  changes: readonly ContainerChange[],
  scratch: readonly string[],
): string[] {
  const ignored = [...scratch, ...DOCKER_MOUNT_POINTS].filter((s) => s !== "/");
  const kept = changes.filter((c) => !isScratch(c.Path, scratch) && !isScratch(c.Path, ignored));
  const parents = new Set<string>();
  for (const c of changes) {
    for (let i = c.Path.lastIndexOf("/"); i > 0; i = c.Path.lastIndexOf("/", i - 1)) {
      parents.add(c.Path.slice(0, i));
    }
  }
  return kept
    .filter((c) => !(c.Kind === 0 && parents.has(c.Path)))
    .sort((a, b) =>
      // Stryker disable next-line EqualityOperator: a diff's paths are unique, so < and <= order alike
      a.Path < b.Path
        ? -1
        : // Stryker disable next-line ConditionalExpression,EqualityOperator: V8's sort only tests for < 0, so 1 and 0 order alike
          a.Path > b.Path
          ? 1
          : 0,
    )
    .map((c) => `${KIND[c.Kind] ?? "?"} ${c.Path}`);
}

/**
 * The drift of one instance, or `undefined` when it is still a fresh, healthy copy of
 * `expectedImageId`. A missing container has only the reason "missing".
 */
export function classifyDrift(
  obs: InstanceObservation,
  expected: { readonly imageId: string; readonly scratch: readonly string[] },
): InstanceDrift | undefined {
  if (!obs.exists) return { reasons: ["missing"], changes: [] };
  const reasons: DriftReason[] = [];
  if (!obs.running) reasons.push("exited");
  if (obs.imageId !== undefined && obs.imageId !== expected.imageId) reasons.push("wrong-image");
  if (obs.running && obs.healthy === false) reasons.push("unhealthy");
  // Healthy but not served (DNS broken, off the network): only a replacement puts it back.
  if (obs.running && obs.healthy === true && obs.inPool === false) reasons.push("out-of-pool");
  const changes = meaningfulChanges(obs.changes, expected.scratch);
  if (changes.length > 0) reasons.push("snowflake");
  return reasons.length > 0 ? { reasons, changes } : undefined;
}

/** One line for the refresh log, e.g. `web-2 (3f2a...): snowflake [C /etc/ssl/openssl.cnf]`. */
export function describeDrift(instance: string, drift: InstanceDrift, maxPaths = 10): string {
  const shown = drift.changes.slice(0, maxPaths);
  const more =
    drift.changes.length > shown.length ? `, +${drift.changes.length - shown.length} more` : "";
  const paths = shown.length > 0 ? ` [${shown.join(", ")}${more}]` : "";
  return `${instance}: ${drift.reasons.join(", ")}${paths}; the next \`pulumi up\` replaces it from the same image`;
}
