/**
 * Pure planning for the local fleet: container names, which instances an update keeps, drains and
 * launches, and how long a health gate may take.
 */
import type { InstanceDrift } from "./drift";

/** One instance of a fleet as recorded in the state. */
export interface FleetInstance {
  /** Slot in the fleet, 0..desiredCount-1; a replacement takes the slot of the instance it replaces. */
  readonly index: number;
  /** Docker container id. */
  readonly id: string;
  /** Docker container name. */
  readonly name: string;
  /** Set by `pulumi refresh` when the instance has drifted. */
  readonly drift?: InstanceDrift;
}

/** What an in-place fleet update does. */
export interface FleetUpdatePlan {
  readonly keep: FleetInstance[];
  /** Instances to drain and remove: drifted ones and those beyond the desired count. */
  readonly drain: FleetInstance[];
  /** Slots to launch a fresh instance into, ascending. */
  readonly launch: number[];
}

/**
 * Plans an update that keeps the image: drifted instances are replaced in their slot, the fleet
 * grows by launching the lowest free slots and shrinks by draining the highest ones.
 */
export function planFleetUpdate(
  instances: readonly FleetInstance[],
  desiredCount: number,
): FleetUpdatePlan {
  if (!Number.isInteger(desiredCount) || desiredCount < 0) {
    throw new Error(`desiredCount: must be a whole number >= 0, got ${desiredCount}`);
  }
  const keep: FleetInstance[] = [];
  const drain: FleetInstance[] = [];
  const taken = new Set<number>();
  const sorted = [...instances].sort((a, b) => a.index - b.index);
  for (const inst of sorted) {
    if (inst.drift === undefined && inst.index < desiredCount && !taken.has(inst.index)) {
      keep.push(inst);
      taken.add(inst.index);
    } else {
      drain.push(inst);
    }
  }
  const launch: number[] = [];
  for (let i = 0; i < desiredCount; i++) if (!taken.has(i)) launch.push(i);
  return { keep, drain, launch };
}

const NAME_PART = /[^a-zA-Z0-9_.-]/g;

/**
 * Docker name of an instance: `<stack>-<fleet>-<hash8>-<index>-<suffix>`, e.g.
 * `dev-web-3f2a9c1e-0-k2x9`. The suffix keeps names unique while an old and a new instance of the
 * same slot and image overlap (a drift replacement, a reverted spec).
 */
export function instanceName(p: {
  readonly stack: string;
  readonly fleet: string;
  readonly specHash: string;
  readonly index: number;
  readonly suffix: string;
}): string {
  const clean = (s: string) => s.replace(NAME_PART, "-");
  return `${clean(p.stack)}-${clean(p.fleet)}-${p.specHash.slice(0, 8)}-${p.index}-${clean(p.suffix)}`;
}

/** Health-check timing of the fleet, from the spec. */
export interface HealthTiming {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive passing checks that make an instance healthy. */
  readonly healthyThreshold: number;
  /** Time an instance may take to start before failing checks count. */
  readonly startPeriodMs: number;
}

/**
 * The overall deadline for a whole fleet to become healthy: the start period, the checks needed
 * to reach the threshold (each may take its timeout), and `launchAllowanceMs` for starting the
 * containers; then `slack` times that, for a loaded machine.
 */
export function healthDeadlineMs(t: HealthTiming, launchAllowanceMs = 15_000, slack = 2): number {
  const checks = t.healthyThreshold * (t.intervalMs + t.timeoutMs);
  return Math.ceil((t.startPeriodMs + checks + launchAllowanceMs) * slack);
}
