/**
 * The local fleet's instances behind one interface, whatever runs them: plain containers
 * (./containers.ts) or one-replica Swarm services (./services.ts), picked once from the stack
 * config's `instances` (`fleetInstances(kind)`). The launch, the drain, the sweep, refresh and the
 * network's delete use only this. An id or a label may stand for either kind whatever the fleet runs
 * now (a stack that switched kinds still has the other's instances to remove): `locateAny` and
 * `listAny` ask every kind. What the kinds share is pure data in lib/local/instanceSpec.ts.
 * Serialized by value with the providers: implementations are made per call, no module-level state.
 */
import type { ContainerInspectInfo } from "dockerode";
import type { LocalInstanceKind } from "../../../lib/config/stackConfig";
import type { InstanceParams } from "../../../lib/local/instanceSpec";
import type * as rt from "../../docker/dockerRuntime";
import { containerInstances } from "./containers";
import { serviceInstances } from "./services";

/** One instance as the engine has it now. */
export interface FoundInstance extends rt.Probed {
  /** Its address on the network asked about; "" when it has none there. */
  readonly ip: string;
  readonly kind: LocalInstanceKind;
  /**
   * `docker inspect` of the container serving it now: the container itself, or the running task
   * of a service; undefined while a service has no task running.
   */
  readonly info?: ContainerInspectInfo;
}

/** An instance as a label query lists it. */
export interface ListedInstance {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** How to wait for instances to become healthy. */
export interface InstanceHealthGate {
  /** The network whose addresses the front door resolves. */
  readonly network: string;
  readonly check: rt.HealthCheck;
  /** Epoch ms after which the gate fails. */
  readonly deadline: number;
  /** Prefix of the progress lines. */
  readonly label: string;
}

/** Instances of one kind. */
export interface FleetInstances {
  readonly kind: LocalInstanceKind;
  /**
   * True when an instance carries the fleet's alias from its start, before it is healthy (a
   * container): the launch holds the front door's free slots first and admits it after its gate.
   * Swarm gives a service's task the alias only once its health check passed.
   */
  readonly aliasBeforeHealthy: boolean;
  /**
   * Creates and starts one instance; resolves with its id, name and address ("" while it has none
   * yet: a service). A failure after creating it removes it and rejects with `removed: true`.
   */
  launch(params: InstanceParams): Promise<rt.Probed>;
  /** The instance `id` of this kind with its address on `network`; undefined when none exists. */
  locate(id: string, network: string): Promise<FoundInstance | undefined>;
  /**
   * Waits until every instance is healthy; resolves with their addresses on the gate's network.
   * Rejects with a HealthGateError naming the first that ended, or was not healthy in time.
   */
  waitHealthy(instances: readonly rt.Probed[], gate: InstanceHealthGate): Promise<rt.Probed[]>;
  /**
   * One health reading, as refresh takes it: undefined when its container does not run (or has no
   * address to probe).
   */
  healthy(
    found: FoundInstance,
    check: Pick<rt.HealthCheck, "path" | "port" | "timeoutMs">,
  ): Promise<boolean | undefined>;
  /**
   * Stops instances (the stop signal, `stopGraceSeconds`, SIGKILL) and removes them with their
   * anonymous volumes; missing ones are skipped. Resolves with when the last one stopped (epoch
   * ms; 0 for none).
   */
  remove(ids: readonly string[], stopGraceSeconds: number): Promise<number>;
  /**
   * Instances carrying every one of `labels` ("key=value"), attached to `network` when given
   * (by id or name).
   */
  list(
    labels: readonly string[],
    network?: { readonly id: string; readonly name: string },
  ): Promise<ListedInstance[]>;
}

/** The implementation of `kind`: chosen once per launch from the stack config. */
export function fleetInstances(kind: LocalInstanceKind): FleetInstances {
  return kind === "services" ? serviceInstances() : containerInstances();
}

/**
 * Every kind, services first: a network's delete removes services before anything else, since
 * Swarm would replace their tasks.
 */
export function everyKind(): FleetInstances[] {
  return [serviceInstances(), containerInstances()];
}

/** The instance `id`, whichever kind it is (a container first); undefined when none exists. */
export async function locateAny(id: string, network: string): Promise<FoundInstance | undefined> {
  for (const kind of [containerInstances(), serviceInstances()]) {
    const found = await kind.locate(id, network);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Instances of every kind carrying every one of `labels`: containers, then services. */
export async function listAny(labels: readonly string[]): Promise<ListedInstance[]> {
  return [...(await containerInstances().list(labels)), ...(await serviceInstances().list(labels))];
}
