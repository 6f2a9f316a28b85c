/**
 * The package manifest: every package installed in an image and its version, recorded from dpkg's
 * database by the build's last RUN step at a fixed path inside the image, so the record is as
 * immutable as the image itself. This module reads, compares and describes manifests; it never
 * touches Docker.
 */
import { byCodeUnits } from "../spec/specRules";

/** The directory of the manifest in every image Phoenix builds. */
const MANIFEST_DIR = "/usr/share/phoenix";
/** Where the manifest lives in every image Phoenix builds. */
export const MANIFEST_PATH = `${MANIFEST_DIR}/packages.txt`;

/**
 * The build step that writes the manifest: only packages dpkg reports as installed (not ones
 * removed with their config files left), one `name version architecture` line each, sorted. No
 * pipefail in dash, so dpkg-query writes a file first and its failure fails the build.
 */
export const MANIFEST_STEP = [
  `RUN mkdir -p ${MANIFEST_DIR} \\`,
  " && dpkg-query --show \\",
  "      --showformat='${db:Status-Status} ${Package} ${Version} ${Architecture}\\n' \\",
  "      > /tmp/phoenix-dpkg \\",
  ` && awk '$1 == "installed" { print $2, $3, $4 }' /tmp/phoenix-dpkg \\`,
  `      | LC_ALL=C sort > ${MANIFEST_PATH} \\`,
  " && rm /tmp/phoenix-dpkg",
];

/** One installed package. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** dpkg architecture, e.g. `amd64` or `all`. */
  readonly architecture: string;
}

/** Parses a manifest file; throws naming the line when the text is not one. */
export function parseManifest(text: string, source = MANIFEST_PATH): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) {
      throw new Error(
        `${source}: line ${i + 1} is not "name version architecture": ${JSON.stringify(line)}`,
      );
    }
    out.push({ name: parts[0], version: parts[1], architecture: parts[2] });
  });
  return out.sort(
    (a, b) => byCodeUnits(a.name, b.name) || byCodeUnits(a.architecture, b.architecture),
  );
}

/** `name version` lines, as `phoenix manifest` prints them. */
export function formatManifest(pkgs: readonly InstalledPackage[]): string {
  return pkgs.map((p) => `${p.name} ${p.version}\n`).join("");
}

/** One package whose presence or version differs between two images. */
export interface PackageChange {
  readonly name: string;
  /** Version in the old image; undefined when the package is new. */
  readonly from?: string;
  /** Version in the new image; undefined when the package is gone. */
  readonly to?: string;
}

/** Versions by name; a package installed for two architectures shows as `v (arch), v (arch)`. */
function versions(pkgs: readonly InstalledPackage[]): Map<string, string> {
  const byName = new Map<string, InstalledPackage[]>();
  for (const p of pkgs) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const out = new Map<string, string>();
  for (const [name, list] of byName) {
    const each = list.map((p) => `${p.version} (${p.architecture})`);
    out.set(name, list.length === 1 ? list[0].version : each.join(", "));
  }
  return out;
}

/** Every package added, removed or at another version, sorted by name. */
export function diffManifests(
  a: readonly InstalledPackage[],
  b: readonly InstalledPackage[],
): PackageChange[] {
  const va = versions(a);
  const vb = versions(b);
  const names = [...new Set([...va.keys(), ...vb.keys()])].sort(byCodeUnits);
  return names.flatMap((name): PackageChange[] => {
    const from = va.get(name);
    const to = vb.get(name);
    return from === to ? [] : [{ name, from, to }];
  });
}

/** The upstream part of a Debian version, for short summaries: `3.0.22-1~deb12u2` -> `3.0.22` (epoch kept). */
export function upstreamVersion(version: string): string {
  const dash = version.lastIndexOf("-");
  return dash > 0 ? version.slice(0, dash) : version;
}

/** One change as a reviewer reads it: `~ openssl: 3.0.20-1~deb12u2 -> 3.0.22-1~deb12u2`. */
export function describePackageChange(c: PackageChange): string {
  if (c.from === undefined) return `+ ${c.name}: ${c.to}`;
  if (c.to === undefined) return `- ${c.name}: ${c.from}`;
  return `~ ${c.name}: ${c.from} -> ${c.to}`;
}

/**
 * A one-line count for summaries, the pinned packages first: "openssl 3.0.20 -> 3.0.22 and 3 more
 * packages". `lead` names packages to show first (e.g. the spec's pins), at most `show` of them.
 */
export function summarizePackageChanges(
  changes: readonly PackageChange[],
  opts: { readonly lead?: readonly string[]; readonly show?: number } = {},
): string {
  if (changes.length === 0) return "no package changes";
  const lead = new Set(opts.lead ?? []);
  const ordered = [
    ...changes.filter((c) => lead.has(c.name)),
    ...changes.filter((c) => !lead.has(c.name)),
  ];
  const shown = ordered.slice(0, Math.max(1, opts.show ?? 1));
  const text = shown.map((c) => {
    if (c.from === undefined) return `${c.name} ${upstreamVersion(c.to ?? "")} added`;
    if (c.to === undefined) return `${c.name} ${upstreamVersion(c.from)} removed`;
    // Same upstream version (a Debian revision moved): the short form would read "x -> x".
    const [from, to] = [upstreamVersion(c.from), upstreamVersion(c.to)];
    return from === to ? `${c.name} ${c.from} -> ${c.to}` : `${c.name} ${from} -> ${to}`;
  });
  const rest = changes.length - shown.length;
  return rest === 0
    ? text.join(", ")
    : `${text.join(", ")} and ${rest} more package${rest === 1 ? "" : "s"}`;
}
