/** `phoenix summary [preview.json]`: a reviewer's summary of `pulumi preview --json` (file or stdin). */
import { readFileSync } from "node:fs";
import type { PackageChange } from "../lib/image/manifest";
import {
  deltaKey,
  fleetChanges,
  parsePreview,
  summarizePreview,
} from "../lib/guardrails/previewSummary";
import { packageDelta } from "./imagePackages";
import { EXIT, Io, UsageError } from "./io";

/**
 * Reads the preview JSON from the file argument, or from stdin when it is absent or `-`. When the
 * images of a fleet's old and new spec are both in the local engine, its line counts every package
 * that moved, not only the pins.
 */
export async function summary(args: readonly string[], io: Io): Promise<number> {
  const form = "phoenix summary [preview.json|-]";
  const unknown = args.find((a) => a.startsWith("-") && a !== "-");
  if (unknown) throw new UsageError(`unknown option ${unknown}; usage: ${form}`);
  if (args.length > 1)
    throw new UsageError(`expected at most 1 argument, got ${args.length}; usage: ${form}`);
  const file = args[0] === undefined || args[0] === "-" ? 0 : args[0];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file === 0 ? "stdin" : file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const where = file === 0 ? "stdin" : file;
    throw new Error(
      `${where}: not JSON (${(e as Error).message}); pass the output of \`pulumi preview --json\``,
      { cause: e },
    );
  }
  const deltas = new Map<string, PackageChange[]>();
  for (const c of fleetChanges(parsePreview(json))) {
    if (!c.oldSpec || !c.newSpec || c.oldSpec === c.newSpec) continue;
    const delta = await packageDelta(c.oldSpec, c.newSpec);
    if ("changes" in delta) deltas.set(deltaKey(c.oldSpec, c.newSpec), delta.changes);
  }
  io.out(`${summarizePreview(json, { deltas }).join("\n")}\n`);
  return EXIT.ok;
}
