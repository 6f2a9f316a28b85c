/** `phoenix manifest`: the packages installed in an image, as text or a CycloneDX SBOM. */
import * as fs from "node:fs";
import { imageTag, specHash } from "../lib/image/hash";
import { formatManifest } from "../lib/image/manifest";
import { loadSpec } from "../lib/spec/spec";
import { imageForSpecHash, readImageManifest } from "../providers/docker/imageManifest";
import { EXIT, Io, UsageError } from "./io";

const FORM = "phoenix manifest <image-ref|spec.yaml> [--format text|cyclonedx]";
const FORMATS = ["text", "cyclonedx"] as const;
type Format = (typeof FORMATS)[number];

function parse(args: readonly string[]): { target: string; format: Format } {
  const rest: string[] = [];
  let format: string = "text";
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--format") format = args[++i] ?? "";
    else if (a.startsWith("--format=")) format = a.slice("--format=".length);
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}; usage: ${FORM}`);
    else rest.push(a);
  }
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(
      `--format must be text or cyclonedx, got ${JSON.stringify(format)}; usage: ${FORM}`,
    );
  if (rest.length !== 1)
    throw new UsageError(`expected 1 argument, got ${rest.length}; usage: ${FORM}`);
  return { target: rest[0], format: format as Format };
}

/** A spec file names the local image built for its hash; anything else is an image reference. */
async function resolve(target: string): Promise<{ ref: string; name: string; version: string }> {
  if (/\.ya?ml$/.test(target) && fs.existsSync(target)) {
    const loaded = loadSpec(target);
    const hash = specHash(loaded);
    const tag = imageTag(loaded.spec, hash);
    const id = await imageForSpecHash(hash);
    if (!id)
      throw new Error(
        `no local image for ${target} (${loaded.spec.name}:${tag}, spec ${hash.slice(0, 12)}); ` +
          "build it first (pulumi up on a local stack), or pass an image reference",
      );
    return { ref: id, name: loaded.spec.name, version: tag };
  }
  const at = target.lastIndexOf("@");
  const colon = target.lastIndexOf(":");
  const slash = target.lastIndexOf("/");
  const split = at > 0 ? at : colon > slash ? colon : -1;
  return {
    ref: target,
    name: split > 0 ? target.slice(0, split) : target,
    version: split > 0 ? target.slice(split + 1) : "latest",
  };
}

/** `phoenix manifest <image-ref|spec.yaml> [--format text|cyclonedx]`. */
export async function manifest(args: readonly string[], io: Io): Promise<number> {
  const { target, format } = parse(args);
  const { ref, name, version } = await resolve(target);
  const { packages } = await readImageManifest(ref);
  if (format === "text") io.out(formatManifest(packages));
  else {
    // Loaded here: the CycloneDX library alone adds a third of a second to every CLI start.
    const { cycloneDxJson } = require("../lib/image/sbom") as typeof import("../lib/image/sbom");
    io.out(cycloneDxJson({ name, version }, packages));
  }
  return EXIT.ok;
}
