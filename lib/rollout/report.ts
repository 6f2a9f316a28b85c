import { percentOf, type Tally } from "./analysis";
import type { RolloutPolicy } from "./policy";

/**
 * What a rollout says while it runs and what it leaves behind: progress lines, the error of a
 * rolled-back release, and the record the stack output `rollout` shows. Pure.
 */

/** One watched window of a rollout, as the stack output records it. */
export interface WindowRecord {
  /** "canary" (a step) or "bake". */
  readonly phase: "canary" | "bake";
  /** Share of requests on the new release. */
  readonly percent: number;
  /** Seconds it was watched. */
  readonly seconds: number;
  readonly requests: number;
  readonly failed: number;
  /** How it ended. */
  readonly result: "passed" | "breached" | "inconclusive, promoted" | "inconclusive";
}

/** The last rollout of a fleet: the stack output `rollout`. */
export interface RolloutRecord {
  /** "promoted" after every window passed; "immediate" without a policy (or skipped). */
  readonly outcome: "promoted" | "immediate";
  /** The version-hash that now serves. */
  readonly release: string;
  readonly windows: readonly WindowRecord[];
}

/** The name a window goes by in lines and errors: "canary 10%" or "bake". */
export function windowName(w: Pick<WindowRecord, "phase" | "percent">): string {
  return w.phase === "bake" ? "bake" : `canary ${w.percent}%`;
}

/** `canary 10%: 412 requests, 3 failed (0.7%), 42 s left`. */
export function progressLine(
  w: Pick<WindowRecord, "phase" | "percent">,
  t: Tally,
  leftMs: number,
): string {
  return (
    `${windowName(w)}: ${t.requests} requests, ${t.failed} failed ` +
    `(${percentOf(t.failed, t.requests)}), ${Math.max(0, Math.ceil(leftMs / 1000))} s left`
  );
}

/** The limit as users set it: 0.01 -> "1%", 0.005 -> "0.5%". */
export function limitText(maxErrorRate: number): string {
  return `${Number((maxErrorRate * 100).toFixed(3))}%`;
}

/**
 * The error of a release rolled back in a window:
 * `canary 10%: 23 of 131 requests failed (17.6%) > 1%: rolled back; web-1a2b3c4d5e6f still serves 100%`.
 */
export function breachMessage(
  w: Pick<WindowRecord, "phase" | "percent">,
  t: Tally,
  p: Pick<RolloutPolicy, "maxErrorRate" | "minRequests">,
  previous: string,
): string {
  const share = percentOf(t.failed, t.requests);
  const judged =
    t.requests < p.minRequests
      ? ` (before ${p.minRequests} requests: more failures than ${limitText(p.maxErrorRate)} of ${p.minRequests} allows)`
      : "";
  return (
    `${windowName(w)}: ${t.failed} of ${t.requests} requests failed (${share}) > ` +
    `${limitText(p.maxErrorRate)}${judged}: rolled back; ${previous} still serves 100%`
  );
}

/** The error of a step that ended with too few requests to judge, twice. */
export function inconclusiveMessage(
  w: Pick<WindowRecord, "phase" | "percent" | "seconds">,
  t: Tally,
  p: Pick<RolloutPolicy, "minRequests">,
  previous: string,
): string {
  return (
    `${windowName(w)}: only ${t.requests} requests in ${w.seconds} s, fewer than minRequests ` +
    `(${p.minRequests}), so the release was not judged: rolled back; ${previous} still serves 100%. ` +
    "Send traffic during the rollout, lengthen the step, lower phoenix:rollout.minRequests, or set " +
    "phoenix:rollout.inconclusive promote"
  );
}

/** `v3.4.1-1a2b3c4d5e6f promoted: canary 10% 0 of 412 failed, bake 0 of 2380 failed`. */
export function rolloutSummary(release: string, windows: readonly WindowRecord[]): string {
  const each = windows.map((w) => `${windowName(w)} ${w.failed} of ${w.requests} failed`);
  return `${release} promoted: ${each.join(", ")}`;
}
