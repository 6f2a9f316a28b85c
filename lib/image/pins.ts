/**
 * Pins against the archive: whether each exact version a spec pins is still published, and what to
 * move a rotten pin to. Debian keeps only the current version of a package in each suite, so a
 * security update or a point release removes the version a spec pinned. The archive is read the way
 * the build reads it (providers/docker/aptArchive.ts runs apt inside the spec's base image); this
 * module only parses apt's answers and decides, so it is tested against recorded output.
 */

/** One version apt can install, and the suites (e.g. "bookworm-security") that publish it. */
export interface ArchiveVersion {
  readonly version: string;
  readonly suites: readonly string[];
}

/** What the archive holds for one package. */
export interface ArchivePackage {
  /** The version `apt-get install <name>` picks today; undefined when apt has none. */
  readonly candidate?: string;
  /** Every version apt knows, in apt's order (highest first). */
  readonly versions: readonly ArchiveVersion[];
  /** Source package of each version (Debian builds binaries of one source at one version). */
  readonly sources: Readonly<Record<string, string>>;
}

/** The archive's answer for a set of packages; a package apt does not know is absent. */
export type Archive = ReadonlyMap<string, ArchivePackage>;

/**
 * Parses `apt-cache policy <pkg>...`. Versions come from the version table; suites from its source
 * lines (`500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages`); the
 * dpkg status line of an installed package is not a suite and is left out.
 */
export function parseAptPolicy(
  text: string,
): Map<string, { candidate?: string; versions: ArchiveVersion[] }> {
  const out = new Map<string, { candidate?: string; versions: ArchiveVersion[] }>();
  let current: { candidate?: string; versions: ArchiveVersion[] } | undefined;
  let version: { version: string; suites: string[] } | undefined;
  for (const line of text.split("\n")) {
    const pkg = /^(\S+):$/.exec(line);
    if (pkg) {
      current = { versions: [] };
      version = undefined;
      out.set(pkg[1], current);
      continue;
    }
    if (!current) continue;
    const candidate = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (candidate) {
      if (candidate[1] !== "(none)") current.candidate = candidate[1];
      continue;
    }
    const row = /^\s+(?:\*\*\*)?\s+(\S+)\s+-?\d+$/.exec(line);
    if (row && !/^\s+Version table:/.test(line)) {
      version = { version: row[1], suites: [] };
      current.versions.push(version);
      continue;
    }
    const source = /^\s+-?\d+\s+\S+\s+([^/\s]+)\/\S+\s+\S+\s+Packages$/.exec(line);
    if (source && version && !version.suites.includes(source[1])) version.suites.push(source[1]);
  }
  return out;
}

/**
 * Parses `apt-cache show <pkg>...` records into package -> version -> source package. A record
 * without `Source:` is its own source; `Source: openssl (3.0.15-1)` names the source and its version.
 */
export function parseAptShow(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const record of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}: *(.+)$`, "m").exec(record)?.[1]?.trim();
    const pkg = field("Package");
    const version = field("Version");
    if (!pkg || !version) continue;
    const source = (field("Source") ?? pkg).split(/\s/)[0];
    out.set(pkg, { ...(out.get(pkg) ?? {}), [version]: source });
  }
  return out;
}

/** Both apt answers joined into one archive view. */
export function archiveFrom(policyText: string, showText: string): Archive {
  const policy = parseAptPolicy(policyText);
  const show = parseAptShow(showText);
  const out = new Map<string, ArchivePackage>();
  for (const [name, p] of policy) {
    if (p.versions.every((v) => v.suites.length === 0) && p.candidate === undefined) continue;
    out.set(name, {
      candidate: p.candidate,
      versions: p.versions.filter((v) => v.suites.length > 0),
      sources: show.get(name) ?? {},
    });
  }
  return out;
}

/** One pin's standing in the archive. */
export type PinStatus =
  | {
      readonly name: string;
      readonly pinned: string;
      readonly state: "present";
      readonly suites: readonly string[];
    }
  | {
      readonly name: string;
      readonly pinned: string;
      readonly state: "rotten";
      readonly available: readonly ArchiveVersion[];
    }
  | { readonly name: string; readonly pinned: string; readonly state: "unknown" };

/** The standing of every pin, in the spec's order. */
export function checkPins(
  packages: Readonly<Record<string, string>>,
  archive: Archive,
): PinStatus[] {
  return Object.entries(packages).map(([name, pinned]): PinStatus => {
    const pkg = archive.get(name);
    if (!pkg) return { name, pinned, state: "unknown" };
    const found = pkg.versions.find((v) => v.version === pinned);
    return found
      ? { name, pinned, state: "present", suites: found.suites }
      : { name, pinned, state: "rotten", available: pkg.versions };
  });
}

/** `3.0.20-1~deb12u2 (bookworm)` lines for a rotten pin's available versions. */
export function describeAvailable(available: readonly ArchiveVersion[]): string {
  if (available.length === 0) return "none";
  return available.map((v) => `${v.version} (${v.suites.join(", ")})`).join(", ");
}

/** The report `phoenix pins check` prints: one line per pin, rotten ones with what is there now. */
export function formatPinReport(specPath: string, statuses: readonly PinStatus[]): string {
  const lines = statuses.map((s) => {
    if (s.state === "present") return `  ok      ${s.name} ${s.pinned} (${s.suites.join(", ")})`;
    if (s.state === "unknown")
      return `  unknown ${s.name} ${s.pinned}: no such package in the base image's archive`;
    return `  rotten  ${s.name} ${s.pinned}: not in the archive; available now: ${describeAvailable(s.available)}`;
  });
  const bad = statuses.filter((s) => s.state !== "present");
  const verdict =
    bad.length === 0
      ? `${specPath}: all ${statuses.length} pins are in the archive\n`
      : `${specPath}: ${bad.length} of ${statuses.length} pins are not in the archive; ` +
        `fix with: npx phoenix pins update ${specPath}\n`;
  return `${lines.join("\n")}${lines.length ? "\n" : ""}${verdict}`;
}

/** One rewritten pin. */
export interface PinMove {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  /** Why it moved: rotten itself, `--all`, or in step with a package of the same source. */
  readonly reason: "rotten" | "all" | "same source";
}

/**
 * The version a pin moves to: apt's own candidate, the version a plain `apt-get install <name>` takes
 * today from the suites the base image lists (for bookworm: bookworm, bookworm-updates and
 * bookworm-security; a backports suite has a lower priority and is never the candidate). So a pin
 * stays in its suite family, and is always one exact version: never a range, never "latest".
 */
function target(pkg: ArchivePackage): string | undefined {
  // A candidate that no suite publishes is a locally installed version: never a pin to move to.
  const published = pkg.versions.find((v) => v.version === pkg.candidate);
  return (published ?? pkg.versions[0])?.version;
}

/**
 * Decides the rewrite: rotten pins (every pin with `all`) move to apt's candidate, and every other
 * pin built from the same source package moves with them, so `openssl` and `libssl3` stay at one
 * version. Throws, naming the packages, when a pin has no version to move to.
 */
export function planPinUpdate(
  packages: Readonly<Record<string, string>>,
  archive: Archive,
  opts: { readonly all?: boolean } = {},
): PinMove[] {
  const statuses = checkPins(packages, archive);
  const unknown = statuses.filter((s) => s.state === "unknown").map((s) => s.name);
  if (unknown.length > 0)
    throw new Error(
      `packages.${unknown.join(", packages.")}: no such package in the base image's archive; ` +
        "fix the package name in the spec (apt-cache search <word> lists names)",
    );
  // A rotten version is no longer in the archive: the source of what the name builds from today.
  const sourceOf = (name: string) => {
    const pkg = archive.get(name);
    return pkg?.sources[pkg.candidate ?? ""] ?? Object.values(pkg?.sources ?? {})[0] ?? name;
  };
  const moving = new Map<string, PinMove["reason"]>();
  for (const s of statuses) {
    if (s.state === "rotten") moving.set(s.name, "rotten");
    else if (opts.all) moving.set(s.name, "all");
  }
  const movingSources = new Set([...moving.keys()].map(sourceOf));
  for (const name of Object.keys(packages)) {
    if (!moving.has(name) && movingSources.has(sourceOf(name))) moving.set(name, "same source");
  }
  const moves: PinMove[] = [];
  const stuck: string[] = [];
  for (const [name, pinned] of Object.entries(packages)) {
    const reason = moving.get(name);
    if (!reason) continue;
    const to = target(archive.get(name)!);
    if (to === undefined) stuck.push(name);
    else if (to !== pinned) moves.push({ name, from: pinned, to, reason });
  }
  if (stuck.length > 0)
    throw new Error(
      `packages.${stuck.join(", packages.")}: the archive has no installable version; ` +
        "check the base image's apt sources or drop the package",
    );
  return moves;
}

/** `~ openssl: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2 (rotten)` lines. */
export function formatPinMoves(moves: readonly PinMove[]): string {
  return moves.map((m) => `  ~ ${m.name}: ${m.from} -> ${m.to} (${m.reason})\n`).join("");
}

/**
 * A missing-version line of apt (`E: Version '1.2-3' for 'nginx-light' was not found`) in build
 * output, with any terminal control codes removed first.
 */
export function missingVersions(buildOutput: string): Array<{ name: string; version: string }> {
  const plain = plainText(buildOutput);
  const out: Array<{ name: string; version: string }> = [];
  for (const m of plain.matchAll(/E: Version '([^']+)' for '([^']+)' was not found/g))
    out.push({ name: m[2], version: m[1] });
  return out;
}

/**
 * The first lines of a build that failed on versions apt no longer has: each package, its pin and
 * what the archive has now, then the one command that fixes it.
 */
export function formatMissingPins(opts: {
  readonly specFile: string;
  readonly missing: ReadonlyArray<{ name: string; version: string }>;
  /** What the archive has now; undefined when it could not be read. */
  readonly archive?: Archive;
}): string {
  const lines = opts.missing.map(({ name, version }) => {
    const available = opts.archive?.get(name)?.versions;
    const now = available === undefined ? "" : ` (available now: ${describeAvailable(available)})`;
    return `packages.${name}: version ${version} is not in Debian's archive any more${now}`;
  });
  return (
    `${lines.join("\n")}\n` +
    `Debian keeps only the current version of each package; fix with: npx phoenix pins update ${opts.specFile}\n` +
    "(then review the change with `phoenix diff` and run `pulumi up` again; the running fleet is untouched)"
  );
}

/** Text without terminal control sequences (colours, cursor moves) that builders print. */
export function plainText(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r(?!\n)/g, "\n");
}
