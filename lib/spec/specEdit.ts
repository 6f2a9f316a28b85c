/**
 * Edits of a spec file that keep everything else byte for byte: its comments, its layout, its flow
 * maps. The yaml library's document API finds each value's exact source range; only those characters
 * are replaced, and the result is parsed again to prove it says what was meant.
 */
import { Scalar, isScalar, parseDocument } from "yaml";

/**
 * `text` with `packages.<name>` set to `versions[name]` for every entry. Throws naming the package
 * when a pin is not a plain value in the file (e.g. it comes from an alias), so nothing is half-edited.
 */
export function setPackageVersions(
  text: string,
  versions: Readonly<Record<string, string>>,
): string {
  const doc = parseDocument(text);
  const edits: Array<{ start: number; end: number; value: string }> = [];
  for (const [name, version] of Object.entries(versions)) {
    const node = doc.getIn(["packages", name], true);
    if (!isScalar(node) || !node.range)
      throw new Error(`packages.${name}: not a plain version in the file; edit it by hand`);
    edits.push({ start: node.range[0], end: node.range[1], value: quoted(node, version) });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.value + out.slice(e.end);
  const check = parseDocument(out);
  for (const [name, version] of Object.entries(versions)) {
    if (check.getIn(["packages", name]) !== version)
      throw new Error(`packages.${name}: the rewritten file does not read back as ${version}`);
  }
  return out;
}

/** The value written the way the file wrote the old one (plain, 'single' or "double" quoted). */
function quoted(node: Scalar, value: string): string {
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  return value;
}
