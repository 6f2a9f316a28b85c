/**
 * The front door's runtime API as one object: what a launch, a drain, refresh and the front door's
 * own provider do with the haproxy of a stack (`frontDoor(name)`). Reads and commands go through
 * ./runtimeApi.ts (the admin socket, by `docker exec`), pool moves are in ./pool.ts, and the pure
 * command texts and parsers in lib/local/haproxyRuntime.ts and lib/local/haproxyConfig.ts: a new
 * capability (per-server weights, per-server counters) is one more method here over one more
 * module function there (the canary's `setWeights` and `counters` are). Serialized by value with the providers: the object is made per call, and
 * holds nothing but the container's name.
 */
import { setWeight } from "../../../lib/local/canaryWeights";
import type { ServerCounters, ServerState } from "../../../lib/local/haproxyConfig";
import { FRONT_DOOR_BACKEND } from "../../../lib/local/haproxyConfig";
import type { SlotState } from "../../../lib/local/haproxyRuntime";
import type * as rt from "../../docker/dockerRuntime";
import {
  admitToPool,
  holdFreeSlots,
  leavePool,
  releaseSlots,
  waitInPool,
  type LeavePoolOptions,
  type PoolGate,
} from "./pool";
import {
  frontDoorCommand,
  frontDoorRunning,
  frontDoorServers,
  serverCounters,
  slotStates,
} from "./runtimeApi";

/** Servers of the fleet's backend and the weight they get: a number 0 to 256, or "100%" (normal). */
export type WeightAssignment = readonly [servers: readonly string[], weight: number | "100%"];

export type { LeavePoolOptions, PoolGate } from "./pool";

/**
 * A stack's front door, seen through its runtime API. Without a front door (a fleet launched
 * alone, as the provider tests do) every method is a no-op that reports nothing running, except
 * `command`, which throws.
 */
export interface FrontDoor {
  /** The front door container's name or id; undefined when the fleet has none. */
  readonly name: string | undefined;
  /**
   * Runs runtime API commands in one connection and resolves with their output. Throws when the
   * front door cannot run them (none, not running, no admin socket), naming the container.
   */
  command(commands: readonly string[]): Promise<string>;
  /** True when the front door container exists and runs. */
  running(): Promise<boolean>;
  /** The admin state of every slot of the fleet's backend; undefined when it is not running. */
  slotStates(): Promise<SlotState[] | undefined>;
  /**
   * The server rows of `show stat` (state, address, sessions); undefined when it is not running or
   * does not answer.
   */
  servers(): Promise<ServerState[] | undefined>;
  /**
   * Holds the backend's free slots in maintenance before instances that carry the fleet's alias
   * from their start are launched: haproxy would count one UP before its first check.
   */
  hold(): Promise<void>;
  /**
   * Makes ready the held slots Docker's DNS handed `instances` (which passed their health gate),
   * waiting until each has one. Rejects with a HealthGateError at the deadline.
   */
  admit(instances: readonly rt.Probed[], gate: PoolGate): Promise<void>;
  /**
   * Waits until the front door sends traffic to every one of `instances`. Rejects with a
   * HealthGateError at the deadline; resolves at once, saying so, when it does not answer.
   */
  waitInPool(instances: readonly rt.Probed[], gate: PoolGate): Promise<void>;
  /**
   * Takes the instances at `ips` out of the pool: drain, wait for 0 in-flight sessions, maint.
   * Resolves with the slots it forced ([] when it is not running).
   */
  leavePool(ips: readonly string[], opts: LeavePoolOptions): Promise<string[]>;
  /**
   * Makes ready every slot forced into drain or maint whose instance is gone from Docker's DNS,
   * waiting up to 10 s for the `forced` ones (a drain's) to be gone.
   * @param forced - @default - none: release what is free now
   */
  releaseSlots(forced?: readonly string[]): Promise<void>;
  /**
   * Sets the weights of servers of the fleet's backend, in order, in one runtime API call (so a
   * rollback's two moves happen together).
   */
  setWeights(assignments: readonly WeightAssignment[]): Promise<void>;
  /** Every server's cumulative request counters; throws when the front door does not answer. */
  counters(): Promise<ServerCounters[]>;
}

/** The front door container `name` (see {@link FrontDoor}); undefined: the fleet has none. */
export function frontDoor(name: string | undefined): FrontDoor {
  if (name === undefined) return noFrontDoor();
  return {
    name,
    command: (commands) => frontDoorCommand(name, commands),
    running: () => frontDoorRunning(name),
    slotStates: () => slotStates(name, FRONT_DOOR_BACKEND),
    servers: () => frontDoorServers(name),
    hold: () => holdFreeSlots(name),
    admit: (instances, gate) => admitToPool(name, instances, gate),
    waitInPool: (instances, gate) => waitInPool(name, instances, gate),
    leavePool: (ips, opts) => leavePool(name, ips, opts),
    releaseSlots: (forced = []) => releaseSlots(name, forced),
    setWeights: async (assignments) => {
      const commands = assignments.flatMap(([servers, w]) => setWeight(servers, w));
      if (commands.length > 0) await frontDoorCommand(name, commands);
    },
    counters: () => serverCounters(name),
  };
}

/** A fleet without a front door: nothing routes to its instances. */
function noFrontDoor(): FrontDoor {
  return {
    name: undefined,
    command: async () => {
      throw new Error("front door command: this fleet has no front door (LocalFleet frontDoor)");
    },
    running: async () => false,
    slotStates: async () => undefined,
    servers: async () => undefined,
    hold: async () => undefined,
    admit: async () => undefined,
    waitInPool: async () => undefined,
    leavePool: async () => [],
    releaseSlots: async () => undefined,
    setWeights: async () => undefined,
    counters: async () => [],
  };
}
