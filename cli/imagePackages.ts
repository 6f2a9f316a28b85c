/**
 * The whole package delta between the images of two spec hashes, when both images are in the local
 * Docker engine (after a build): what `phoenix diff` and `phoenix summary` show beyond the pins.
 */
import { type PackageChange, diffManifests } from "../lib/image/manifest";
import { imageForSpecHash, readImageManifest } from "../providers/docker/imageManifest";

/** The delta, or why there is none. */
export type PackageDelta = { readonly changes: PackageChange[] } | { readonly unavailable: string };

/** Reads both images' manifests and compares them; never throws (the reason is returned). */
export async function packageDelta(oldHash: string, newHash: string): Promise<PackageDelta> {
  try {
    const ids = await Promise.all([imageForSpecHash(oldHash), imageForSpecHash(newHash)]);
    const missing = [oldHash, newHash].filter((_, i) => ids[i] === undefined);
    if (missing.length > 0)
      return {
        unavailable:
          `no local image for spec ${missing.map((h) => h.slice(0, 12)).join(" or ")}; ` +
          "build it (pulumi up on a local stack) to see every package that moves",
      };
    const [a, b] = await Promise.all(ids.map((id) => readImageManifest(id as string)));
    return { changes: diffManifests(a.packages, b.packages) };
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}
