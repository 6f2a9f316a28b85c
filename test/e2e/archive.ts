/**
 * The end-to-end tests against a moving Debian archive. Debian keeps only the current version of a
 * package in each suite, so a literal pin in a test rots the day an update ships. Here:
 * - `currentPins` (the e2e global setup) moves every rotten pin of the specs the tests build to the
 *   version apt installs today, exactly as `phoenix pins update` does, and puts the files back after
 *   the run;
 * - `patchVersions` gives the OpenSSL patch story two versions the archive has now, instead of
 *   literals.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { planPinUpdate } from "../../lib/image/pins";
import { loadSpec } from "../../lib/spec/spec";
import { setPackageVersions } from "../../lib/spec/specEdit";
import { patchVersions as patchOf, readArchive } from "../../providers/docker/aptArchive";

/** Every spec file the end-to-end tests build: the project's images and the test servers. */
export function e2eSpecFiles(root: string): string[] {
  const yamls = (dir: string): string[] =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => path.join(root, dir, f));
  return [...yamls("images"), ...yamls("test/e2e/fixtures/servers")];
}

/**
 * Moves the rotten pins of `files` in place to apt's current versions (same source packages in
 * step); returns what to write back afterwards and one line per moved pin.
 */
export async function currentPins(
  files: readonly string[],
): Promise<{ restore: Array<[string, string]>; moved: string[] }> {
  const specs = files.map((file) => ({ file, spec: loadSpec(file).spec }));
  const bases = [...new Set(specs.map((s) => s.spec.base))];
  const restore: Array<[string, string]> = [];
  const moved: string[] = [];
  for (const base of bases) {
    const mine = specs.filter((s) => s.spec.base === base);
    const names = [...new Set(mine.flatMap((s) => Object.keys(s.spec.packages)))];
    const archive = await readArchive(base, names);
    for (const { file, spec } of mine) {
      const moves = planPinUpdate(spec.packages, archive);
      if (moves.length === 0) continue;
      const text = fs.readFileSync(file, "utf8");
      restore.push([file, text]);
      fs.writeFileSync(
        file,
        setPackageVersions(text, Object.fromEntries(moves.map((m) => [m.name, m.to]))),
      );
      for (const m of moves) moved.push(`${file}: ${m.name} ${m.from} -> ${m.to} (${m.reason})`);
    }
  }
  return { restore, moved };
}

/**
 * Two versions of `name` for a patch story: the spec's pin (`from`) and another version apt can
 * install now (`to`: apt's candidate when the pin is not it, else the next one the archive lists).
 */
export async function patchVersions(
  specFile: string,
  name: string,
): Promise<{ from: string; to: string }> {
  return patchOf(loadSpec(specFile).spec, name, specFile);
}

/** Sets pins in a spec file, keeping the rest of it byte for byte. */
export function setPins(specFile: string, versions: Readonly<Record<string, string>>): void {
  fs.writeFileSync(specFile, setPackageVersions(fs.readFileSync(specFile, "utf8"), versions));
}

/**
 * The newest and the oldest version of `name` the base image's archive lists today (for bookworm's
 * zlib1g-dev: the security update, and the main suite's, which the base image's zlib1g matches).
 * Throws when the archive has only one, since then no update can be shown.
 */
export async function versionSpan(
  base: string,
  name: string,
): Promise<{ older: string; newer: string }> {
  const versions = ((await readArchive(base, [name])).get(name)?.versions ?? []).map(
    (v) => v.version,
  );
  const [newer, older] = [versions[0], versions[versions.length - 1]];
  if (newer === undefined || newer === older)
    throw new Error(`the archive has one ${name} (${newer}) or none: no update to show`);
  return { older, newer };
}
