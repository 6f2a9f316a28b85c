/**
 * The canary rollout of a new local fleet, on the front door's runtime API: before the launch every
 * slot gets the weight of its side (free slots the new release's, the serving fleet's slots the
 * previous'), so the new instances take exactly the first step's share the moment they join the pool;
 * each step then moves the weights and is judged on the front door's own per-server counters of the
 * new instances (lib/rollout/analysis.ts), so any HTTP server works unchanged; the bake gives the new
 * release 100% with the previous fleet kept healthy at weight 0. A breach gives the previous fleet
 * its weight back and the new one 0 in one runtime API call, before anything else. Serialized by
 * value with the LocalFleet provider: no module-level state.
 */
import { shareWeights } from "../../../lib/local/canaryWeights";
import { FRONT_DOOR_BACKEND } from "../../../lib/local/haproxyConfig";
import { isFree, offWeightSlots, slotsOf, type SlotState } from "../../../lib/local/haproxyRuntime";
import {
  judgeBake,
  judgeStep,
  tallySince,
  type Counters,
  type Verdict,
} from "../../../lib/rollout/analysis";
import type { RolloutPolicy } from "../../../lib/rollout/policy";
import {
  breachMessage,
  inconclusiveMessage,
  progressLine,
  windowName,
  type WindowRecord,
} from "../../../lib/rollout/report";
import { LABELS } from "../../../lib/core/identifiers";
import { dockerClient } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import { frontDoor, type FrontDoor } from "../frontDoor/frontDoor";
import { drainAndRemove } from "./drain";
import { strays } from "./sweep";
import type { LocalFleetInputs } from "./types";

/** How often a window reads the counters; a breach is acted on within one period. */
const POLL_MS = 250;
/** How often a window prints its progress line. */
const PROGRESS_MS = 5000;

/** A rollout that ended the release: the message for the `up`, and how fast traffic went back. */
export class RolloutFailed extends Error {
  constructor(
    message: string,
    /** Milliseconds from the last reading within the limit to the new release at weight 0. */
    readonly toZeroMs: number,
    readonly windows: readonly WindowRecord[],
  ) {
    super(message);
    this.name = "RolloutFailed";
  }
}

/** The serving fleet's slots and the free ones, apart from the instances at `candidateIps`. */
function sides(slots: readonly SlotState[], candidateIps: readonly string[]) {
  const candidate = slotsOf(slots, candidateIps);
  const mine = new Set(candidate.map((s) => s.server));
  return {
    candidate: candidate.map((s) => s.server),
    previous: slots.filter((s) => !isFree(s) && !mine.has(s.server)).map((s) => s.server),
    free: slots.filter((s) => isFree(s)).map((s) => s.server),
  };
}

/**
 * Sets the weights before a launch of `count` instances and says how many instances serve now.
 * Without a policy (or nothing serving to compare with) every slot gets its normal weight back, so
 * a rollout cut short never leaves a slot at another weight. With one, free slots (where the new
 * instances land) get the first step's weight and the serving fleet's slots the other: the new
 * instances take that share as they join. A policy with no step starts with the bake: normal weights.
 */
export async function prepareWeights(
  name: string | undefined,
  policy: RolloutPolicy | undefined,
  count: number,
): Promise<{ previous: number }> {
  const door = frontDoor(name);
  const slots = await door.slotStates();
  if (slots === undefined) return { previous: 0 };
  const { previous, free } = sides(slots, []);
  const first = policy?.steps[0];
  if (first === undefined || previous.length === 0) {
    await door.setWeights([[[...previous, ...free], "100%"]]);
    return { previous: previous.length };
  }
  const w = shareWeights(first.percent, count, previous.length);
  await door.setWeights([
    [previous, w.previous],
    [free, w.candidate],
  ]);
  return { previous: previous.length };
}

/** The cumulative counters of the slots at `ips`, keyed by slot and address (a reused slot restarts). */
async function countersOf(door: FrontDoor, ips: readonly string[]) {
  const rows = (await door.counters()).filter(
    (r) => r.proxy === FRONT_DOOR_BACKEND && ips.includes(r.addr.split(":")[0]),
  );
  const counters = new Map<string, Counters>(
    rows.map((r) => [`${r.server}@${r.addr}`, { requests: r.requests, failed: r.failed }]),
  );
  const down = rows.filter((r) => !r.status.startsWith("UP")).map((r) => r.addr.split(":")[0]);
  return { counters, down };
}

/** What a rollout needs to know of the release it runs. */
export interface RolloutRun {
  readonly frontDoor: string;
  readonly policy: RolloutPolicy;
  /** The new instances, in the pool. */
  readonly candidates: readonly rt.Probed[];
  /** The release that serves now, as the error names it (`<version>-<hash12>`). */
  readonly previous: string;
  /** Prefix of the progress lines. */
  readonly label: string;
}

/**
 * Runs the steps and the bake (see the module comment). Resolves with the record of every window
 * once the last passed, the new release at its normal weight and the previous fleet at 0 (the
 * caller drains it). Throws {@link RolloutFailed} after a breach or an inconclusive step, with the
 * previous fleet back at its normal weight and the new one at 0 (the caller removes it).
 */
export async function runRollout(run: RolloutRun): Promise<WindowRecord[]> {
  const { policy } = run;
  const door = frontDoor(run.frontDoor);
  const ips = run.candidates.map((c) => c.ip);
  const windows: WindowRecord[] = [];
  const pool = async () => sides((await door.slotStates()) ?? [], ips);

  for (const step of policy.steps) {
    const s = await pool();
    const w = shareWeights(step.percent, s.candidate.length, s.previous.length);
    await door.setWeights([
      [s.previous, w.previous],
      [s.candidate, w.candidate],
    ]);
    rt.say(
      `${run.label}: canary ${step.percent}%: ${s.candidate.length} new instance(s) at weight ` +
        `${w.candidate}, ${s.previous.length} previous at ${w.previous} ` +
        `(${(w.share * 100).toFixed(1)}% of requests), watched for ${step.seconds} s`,
    );
    const window = { phase: "canary" as const, percent: step.percent, seconds: step.seconds };
    windows.push(await watch(run, window, s, windows));
  }
  // The new release takes 100% and the previous fleet no new request: it stays healthy in the pool
  // at weight 0 for the bake, or until the caller drains it.
  const s = await pool();
  await door.setWeights([
    [s.candidate, "100%"],
    [s.previous, 0],
  ]);
  if (policy.bakeSeconds > 0) {
    rt.say(
      `${run.label}: bake: the new release takes 100%; ${s.previous.length} previous instance(s) ` +
        `stay warm at weight 0 for ${policy.bakeSeconds} s`,
    );
    const window = { phase: "bake" as const, percent: 100, seconds: policy.bakeSeconds };
    windows.push(await watch(run, window, s, windows));
  }
  return windows;
}

/** Watches one window until it passes; on a breach rolls back and throws RolloutFailed. */
async function watch(
  run: RolloutRun,
  window: Pick<WindowRecord, "phase" | "percent" | "seconds">,
  s: { candidate: string[]; previous: string[] },
  done: readonly WindowRecord[],
): Promise<WindowRecord> {
  const { policy } = run;
  const door = frontDoor(run.frontDoor);
  const ips = run.candidates.map((c) => c.ip);
  const baseline = (await countersOf(door, ips)).counters;
  const started = Date.now();
  let extended = false;
  let lastClean = started;
  let printed = started;
  for (;;) {
    await rt.pause(POLL_MS);
    const now = await countersOf(door, ips);
    const t = tallySince(baseline, now.counters);
    const elapsed = Date.now() - started;
    const verdict: Verdict =
      now.down.length > 0
        ? { kind: "breach" }
        : window.phase === "bake"
          ? judgeBake(t, policy, elapsed)
          : judgeStep(t, policy, window, elapsed, extended);
    const seconds = Math.round(elapsed / 1000);
    if (verdict.kind === "watch") {
      lastClean = Date.now();
      if (Date.now() - printed >= PROGRESS_MS) {
        const ends = window.seconds * 1000 * (extended ? 2 : 1);
        rt.say(`${run.label}: ${progressLine(window, t, ends - elapsed)}`);
        printed = Date.now();
      }
      continue;
    }
    if (verdict.kind === "extend") {
      extended = true;
      rt.say(
        `${run.label}: ${windowName(window)}: ${t.requests} requests, fewer than minRequests ` +
          `(${policy.minRequests}): watching ${window.seconds} s more`,
      );
      lastClean = Date.now();
      continue;
    }
    const record = (result: WindowRecord["result"]): WindowRecord => ({
      ...window,
      seconds,
      requests: t.requests,
      failed: t.failed,
      result,
    });
    if (
      verdict.kind === "pass" ||
      (verdict.kind === "inconclusive" && verdict.then === "promote")
    ) {
      const result = verdict.kind === "pass" ? "passed" : "inconclusive, promoted";
      rt.say(`${run.label}: ${progressLine(window, t, 0)}: ${result}`);
      return record(result);
    }
    const toZeroMs = await rollBack(door, s, lastClean);
    const why =
      now.down.length > 0
        ? `${windowName(window)}: new instance(s) at ${now.down.join(", ")} left the front door's ` +
          `pool (failed its health check): rolled back; ${run.previous} still serves 100%`
        : verdict.kind === "breach"
          ? breachMessage(window, t, policy, run.previous)
          : inconclusiveMessage(window, t, policy, run.previous);
    rt.say(
      `${run.label}: ${why} (new release at 0% ${(toZeroMs / 1000).toFixed(2)} s after the last reading within the limit)`,
    );
    throw new RolloutFailed(why, toZeroMs, [
      ...done,
      record(verdict.kind === "breach" ? "breached" : "inconclusive"),
    ]);
  }
}

/** Previous fleet back to its normal weight first, then the new one to 0: one runtime API call. */
async function rollBack(
  door: FrontDoor,
  s: { candidate: string[]; previous: string[] },
  lastClean: number,
): Promise<number> {
  await door.setWeights([
    [s.previous, "100%"],
    [s.candidate, 0],
  ]);
  return Date.now() - lastClean;
}

/**
 * Every slot back at its normal weight, then the instances of this same release that an
 * interrupted deployment left (same spec hash, another fleet) drained and removed: they must not
 * count as the serving fleet a canary is compared with, nor serve again after a rollback.
 */
export async function dropLeftovers(p: LocalFleetInputs): Promise<void> {
  const found = (await strays(p, [])).filter((s) => s.specHash === p.specHash);
  if (found.length === 0) return;
  const door = frontDoor(p.frontDoor);
  const slots = (await door.slotStates()) ?? [];
  await door.setWeights([[slots.map((s) => s.server), "100%"]]);
  rt.say(
    `${p.fleet}: removing ${found.length} instance(s) of this release an interrupted deployment ` +
      `left: ${found.map((s) => s.name).join(", ")}`,
  );
  await drainAndRemove(
    found.map((s) => s.id),
    {
      network: p.network,
      frontDoor: p.frontDoor,
      stopGraceSeconds: p.stopGraceSeconds,
      label: `${p.fleet} leftovers`,
    },
  );
}

/** The release the stack's other instances run, `<version>-<hash12>` (what a rollback keeps serving). */
export async function servingRelease(p: LocalFleetInputs): Promise<string> {
  const hashes = [...new Set((await strays(p, [])).map((s) => s.specHash))].filter(
    (h) => h !== p.specHash && h !== "",
  );
  const names = await Promise.all(
    hashes.map(async (h) => {
      const images = await dockerClient().listImages({
        filters: { label: [`${LABELS.specHash}=${h}`] },
      });
      const version = images[0]?.Labels?.["org.opencontainers.image.version"];
      return version ? `${version}-${h.slice(0, 12)}` : h.slice(0, 12);
    }),
  );
  return names.length > 0 ? names.join(" and ") : "the previous release";
}

/**
 * After a failed rollout or any error during one: the serving fleet back at its normal weight and
 * the new instances at 0 (idempotent after a rollback), then the new instances drained and removed.
 */
export async function removeCandidates(
  p: LocalFleetInputs,
  candidates: readonly rt.Probed[],
): Promise<void> {
  const door = frontDoor(p.frontDoor);
  const s = sides(
    (await door.slotStates()) ?? [],
    candidates.map((c) => c.ip),
  );
  await door.setWeights([
    [s.previous, "100%"],
    [s.candidate, 0],
  ]);
  await drainAndRemove(
    candidates.map((c) => c.id),
    {
      network: p.network,
      frontDoor: p.frontDoor,
      stopGraceSeconds: p.stopGraceSeconds,
      label: `${p.fleet} ${p.specHash.slice(0, 12)} (rolled back)`,
    },
  );
}

/** Servers of the front door whose weight a rollout cut short left other than normal (none: []). */
export async function weightsOff(name: string | undefined): Promise<string[]> {
  return offWeightSlots((await frontDoor(name).slotStates()) ?? []).map(
    (s) => `${s.server} (${s.addr}) at weight ${s.uweight} of ${s.iweight}`,
  );
}
