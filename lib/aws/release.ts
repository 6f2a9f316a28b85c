import { createHash } from "node:crypto";

/** What decides whether instances differ, and so whether the ASG is replaced. */
export interface ReleaseInputs {
  readonly specHash: string;
  readonly imageRef: string;
  readonly amiId: string;
  readonly instanceType: string;
  readonly userData: string;
}

/**
 * 12 hex naming a release: changes with the spec, the image digest, the pinned AMI, the instance
 * type or the boot script, and with nothing else (not the git commit). It is the ASG's replacement
 * trigger and part of its name prefix.
 */
export function releaseId(r: ReleaseInputs): string {
  const doc = JSON.stringify([r.specHash, r.imageRef, r.amiId, r.instanceType, r.userData]);
  return createHash("sha256").update(doc).digest("hex").slice(0, 12);
}

/** Why the aws provider's region cannot serve this stack, or undefined when it matches. */
export function regionProblem(providerRegion: string, configRegion: string): string | undefined {
  return providerRegion === configRegion
    ? undefined
    : `the aws provider targets ${providerRegion} but phoenix:region is ${configRegion}; ` +
        `create the provider with region ${configRegion} (or set aws:region to it)`;
}
