import type { RolloutPolicy } from "./policy";

/**
 * Judging a canary step or the bake on what the new release's instances answered, as counted by
 * whatever stands in front of them (the local front door's per-server counters, the ALB's metrics).
 * Pure.
 */

/** Requests the new release answered during a window, and how many of them failed. */
export interface Tally {
  readonly requests: number;
  /** 5xx answers, connection errors, resets and timeouts. */
  readonly failed: number;
}

/** What a step or the bake does next. */
export type Verdict =
  | { readonly kind: "watch" }
  | { readonly kind: "breach" }
  | { readonly kind: "pass" }
  /** Too few requests when the window ended: watch once more for as long again. */
  | { readonly kind: "extend" }
  /** Still too few after the extension: the policy's `inconclusive` decides. */
  | { readonly kind: "inconclusive"; readonly then: "fail" | "promote" };

/**
 * True once the failures make the window fail whatever comes next: more than `maxErrorRate` of its
 * requests once it has `minRequests`, or, before that, more failures than `maxErrorRate` allows of
 * `minRequests` (the share at `minRequests` would be over the limit even if every request until then
 * succeeded). So a release that fails every request is rolled back after a handful of them, and one
 * within the limit is never judged on fewer than `minRequests`.
 */
export function breached(
  t: Tally,
  p: Pick<RolloutPolicy, "maxErrorRate" | "minRequests">,
): boolean {
  return t.failed > p.maxErrorRate * Math.max(t.requests, p.minRequests);
}

/**
 * The verdict on a canary step so far. `elapsedMs` counts from the step's start; `extended` says
 * the step already got its one extension (it then ends at twice its length).
 */
export function judgeStep(
  t: Tally,
  p: RolloutPolicy,
  step: { readonly seconds: number },
  elapsedMs: number,
  extended: boolean,
): Verdict {
  if (breached(t, p)) return { kind: "breach" };
  const ends = step.seconds * 1000 * (extended ? 2 : 1);
  if (elapsedMs < ends) return { kind: "watch" };
  if (t.requests >= p.minRequests) return { kind: "pass" };
  return extended ? { kind: "inconclusive", then: p.inconclusive } : { kind: "extend" };
}

/**
 * The verdict on the bake so far: a breach rolls back, the end of the window passes. The bake needs
 * no minimum of requests: its steps already had their evidence, it watches for late failures.
 */
export function judgeBake(t: Tally, p: RolloutPolicy, elapsedMs: number): Verdict {
  if (breached(t, p)) return { kind: "breach" };
  return elapsedMs < p.bakeSeconds * 1000 ? { kind: "watch" } : { kind: "pass" };
}

/** The counters of one server (or target group) at one moment, cumulative. */
export interface Counters {
  readonly requests: number;
  readonly failed: number;
}

/**
 * The tally of a window: each counter's growth since the window's baseline, summed. A counter that
 * went down (its server restarted, or its slot changed hands) counts from 0.
 */
export function tallySince(
  baseline: ReadonlyMap<string, Counters>,
  now: ReadonlyMap<string, Counters>,
): Tally {
  let requests = 0;
  let failed = 0;
  for (const [key, c] of now) {
    const b = baseline.get(key);
    const grew = b !== undefined && c.requests >= b.requests && c.failed >= b.failed;
    requests += grew ? c.requests - b.requests : c.requests;
    failed += grew ? c.failed - b.failed : c.failed;
  }
  return { requests, failed };
}

/** "17.6%" (one decimal), "0%" for no requests. */
export function percentOf(part: number, whole: number): string {
  return whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(1)}%`;
}
