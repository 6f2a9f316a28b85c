/**
 * `tsx scripts/patch-version.ts <spec.yaml> <package>`: prints `<pinned> <other>`, the spec's pin of
 * the package and another version Debian's archive has today (the demo's OpenSSL patch), so the
 * story never depends on a version the archive has since dropped.
 */
import { loadSpec } from "../lib/spec/spec";
import { patchVersions } from "../providers/docker/aptArchive";

async function main(): Promise<void> {
  const [specFile, name] = process.argv.slice(2);
  if (!specFile || !name)
    throw new Error("usage: tsx scripts/patch-version.ts <spec.yaml> <package>");
  const { from, to } = await patchVersions(loadSpec(specFile).spec, name, specFile);
  console.log(`${from} ${to}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
