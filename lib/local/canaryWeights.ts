import { FRONT_DOOR_BACKEND } from "./haproxyConfig";

/**
 * Traffic shares on the local front door: haproxy's `balance roundrobin` sends each server a share of
 * the requests proportional to its weight (0 to 256), so a canary step that gives the new release p%
 * sets one weight on every slot of the new fleet and another on every slot of the previous one. Pure.
 */

/** haproxy's largest server weight (`set weight`, management guide). */
export const MAX_WEIGHT = 256;

/** The two weights of a step and the share of requests they give the new release. */
export interface ShareWeights {
  readonly candidate: number;
  readonly previous: number;
  /** The share they give, 0 to 1 (the closest haproxy's whole weights get to the step's). */
  readonly share: number;
}

/**
 * The whole weights (1 to 256) closest to giving `percent`% of the requests to `candidates`
 * instances, the rest to `previous` instances; the smaller pair among equally close ones.
 * @throws when either side has no instance (a share of nothing is not a canary).
 */
export function shareWeights(percent: number, candidates: number, previous: number): ShareWeights {
  if (candidates < 1 || previous < 1) {
    throw new Error(
      `a canary share needs instances on both sides, got ${candidates} and ${previous}`,
    );
  }
  const want = percent / 100;
  let best: ShareWeights | undefined;
  for (let p = 1; p <= MAX_WEIGHT; p++) {
    const ideal = (want / (1 - want)) * (previous / candidates) * p;
    for (const c of [Math.floor(ideal), Math.ceil(ideal)].map(clamp)) {
      const share = (candidates * c) / (candidates * c + previous * p);
      if (!best || Math.abs(share - want) < Math.abs(best.share - want) - 1e-12) {
        best = { candidate: c, previous: p, share };
      }
    }
  }
  return best!;
}

/** A weight within haproxy's range for a server that takes requests, 1 to 256. */
function clamp(w: number): number {
  return Math.min(MAX_WEIGHT, Math.max(1, w));
}

/** `set weight` commands giving each of `servers` the weight `w` (a number, or "100%": its initial one). */
export function setWeight(servers: readonly string[], w: number | "100%"): string[] {
  return servers.map((s) => `set weight ${FRONT_DOOR_BACKEND}/${s} ${w}`);
}
