/**
 * Moving instances into and out of the front door's pool through its runtime API: hold the free
 * slots before a launch, admit the healthy instances, wait until they are served, drain instances
 * out before any signal reaches them, and make their slots ready once Docker's DNS has forgotten
 * them. Used through `frontDoor(name)` (./frontDoor.ts); every function here takes a running front
 * door's container name. Serialized by value with the providers: no module-level state.
 */
import { FRONT_DOOR_BACKEND, parseHaproxyStats, poolState } from "../../../lib/local/haproxyConfig";
import {
  forcedFreeSlots,
  heldSlotsOf,
  setState,
  slotsOf,
  slotsToHold,
  type SlotState,
} from "../../../lib/local/haproxyRuntime";
import * as rt from "../../docker/dockerRuntime";
import { frontDoorCommand, frontDoorRunning, frontDoorServers, slotStates } from "./runtimeApi";

/** The deadline and the progress label of a wait on the pool. */
export interface PoolGate {
  /** Epoch ms after which the wait fails. */
  readonly deadline: number;
  /** Prefix of the progress lines. */
  readonly label: string;
}

/** How to take instances out of the pool. */
export interface LeavePoolOptions {
  /** Prefix of the progress lines. */
  readonly label: string;
  /**
   * Longest wait for in-flight requests to finish, ms.
   * @default - 35 s: the front door's `timeout server` (30 s) plus margin
   */
  readonly inFlightDeadlineMs?: number;
}

/**
 * Holds the fleet backend's free slots in maintenance (see `slotsToHold`), before a launch of
 * instances that carry the fleet's alias from their start. `releaseSlots` makes them ready again
 * once the launch is over.
 */
export async function holdFreeSlots(frontDoor: string): Promise<void> {
  const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
  const hold = slotsToHold(slots ?? []);
  if (hold.length > 0) await frontDoorCommand(frontDoor, setState(hold, "maint"));
}

/**
 * Puts instances that passed their health gate into the pool: makes ready the held slots that
 * Docker's DNS handed them, waiting until it has handed each one a slot. Resolves at once when the
 * front door is not running (waitInPool says so).
 */
export async function admitToPool(
  frontDoor: string,
  instances: readonly rt.Probed[],
  gate: PoolGate,
): Promise<void> {
  const { deadline } = gate;
  const waiting = new Set(instances.map((i) => i.ip));
  for (;;) {
    const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
    if (slots === undefined) return;
    const placed = slotsOf(slots, [...waiting]);
    const held = heldSlotsOf(placed, [...waiting]);
    if (held.length > 0) await frontDoorCommand(frontDoor, setState(held, "ready"));
    for (const s of placed) waiting.delete(s.addr);
    if (waiting.size === 0) return;
    if (Date.now() > deadline) {
      const missing = instances.find((i) => waiting.has(i.ip))!;
      throw rt.healthGateError(
        `${missing.name} (${missing.ip}) got no slot in the front door's pool (the front door did not resolve it)`,
        missing,
      );
    }
    await rt.pause(200);
  }
}

/** Waits until the front door sends traffic to every instance (each is fully UP in its pool). */
export async function waitInPool(
  frontDoor: string,
  instances: readonly rt.Probed[],
  gate: PoolGate,
): Promise<void> {
  const { deadline, label } = gate;
  let reported = -1;
  for (;;) {
    const rows = await frontDoorServers(frontDoor);
    if (rows === undefined) {
      rt.say(`${label}: front door ${frontDoor} not reachable; not waiting for its pool`);
      return;
    }
    const up = instances.filter((i) => poolState(rows, i.ip).fullyUp).length;
    if (up !== reported) {
      rt.say(`${label}: ${up}/${instances.length} in the front door's pool`);
      reported = up;
    }
    if (up === instances.length) return;
    if (Date.now() > deadline) {
      const missing = instances.find((i) => !poolState(rows, i.ip).fullyUp)!;
      throw rt.healthGateError(
        `${missing.name} (${missing.ip}) never came UP in the front door's pool`,
        missing,
      );
    }
    await rt.pause(200);
  }
}

/**
 * Runs `commands` then `show stat` in one call; resolves with the backend's slots pointing at
 * `ips` and the sessions the front door still has open on them.
 */
async function statAfter(
  frontDoor: string,
  commands: readonly string[],
  ips: readonly string[],
): Promise<{ slots: SlotState[]; inFlight: number }> {
  const out = await frontDoorCommand(frontDoor, [...commands, "show stat"]);
  const rows = parseHaproxyStats(out.slice(out.indexOf("# pxname"))).filter(
    (r) => r.proxy === FRONT_DOOR_BACKEND && ips.includes(r.addr.split(":")[0]),
  );
  return {
    slots: rows.map((r) => ({ server: r.server, addr: r.addr.split(":")[0], op: 0, admin: 0 })),
    inFlight: rows.reduce((n, r) => n + r.current, 0),
  };
}

/**
 * Takes the instances at `ips` out of the front door's pool: drain, wait for 0 in-flight, maint.
 * Resolves with the slots it forced, or [] when the front door is not running (nothing routes to
 * the instances).
 */
export async function leavePool(
  frontDoor: string,
  ips: readonly string[],
  opts: LeavePoolOptions,
): Promise<string[]> {
  if (ips.length === 0) return [];
  if (!(await frontDoorRunning(frontDoor))) return [];
  const { slots: mine } = await statAfter(frontDoor, [], ips);
  if (mine.length === 0) return [];
  const deadline = Date.now() + (opts.inFlightDeadlineMs ?? 35_000);
  let busy = (await statAfter(frontDoor, setState(mine, "drain"), ips)).inFlight;
  for (; busy > 0; busy = (await statAfter(frontDoor, [], ips)).inFlight) {
    if (Date.now() > deadline) {
      rt.say(
        `${opts.label}: ${busy} request(s) still in flight at the drain deadline; stopping anyway`,
      );
      break;
    }
    await rt.pause(100);
  }
  await frontDoorCommand(frontDoor, setState(mine, "maint"));
  return mine.map((s) => s.server);
}

/**
 * Makes ready every slot still forced into drain or maint once its instance's address is gone
 * from Docker's DNS (waits for the `forced` slots of a drain, up to 10 s).
 */
export async function releaseSlots(frontDoor: string, forced: readonly string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
    if (slots === undefined) return;
    const free = forcedFreeSlots(slots);
    const waiting = forced.filter((s) => !free.some((f) => f.server === s));
    if (waiting.length === 0 || Date.now() > deadline) {
      if (free.length > 0) await frontDoorCommand(frontDoor, setState(free, "ready"));
      return;
    }
    await rt.pause(200);
  }
}
