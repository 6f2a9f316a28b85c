/**
 * What a fleet instance is made of, whichever kind runs it: a plain container (the Docker Engine
 * API body of `POST /containers/create`, {@link instanceContainerSpec}) or a one-replica Swarm
 * service (`instanceServiceSpec`, ./serviceSpec.ts). The settings both kinds share, its name and its
 * labels are defined here once; the providers only send these bodies to the engine.
 */
import { LABELS } from "../core/identifiers";
import { SCRATCH_TMPFS_OPTIONS } from "../image/render";
import { instanceName } from "./fleetPlan";

/** The settings every instance gets, container or service. */
export const INSTANCE = {
  /** docker-init as PID 1: the server gets its signals even if it ignores them as PID 1. */
  init: true,
  /** Size of each scratch tmpfs, MiB: a dev machine runs many instances, and tmpfs is memory. */
  scratchMiB: 64,
} as const;

/**
 * How Docker keeps the logs of every container the local target runs (instances, their Swarm tasks
 * and the front door): json-file, at most two files of 1 MB, so a chatty instance never fills the
 * engine's disk.
 */
export const LOG_CAP = {
  driver: "json-file",
  options: { "max-size": "1m", "max-file": "2" },
} as const;

/** What an instance is made from, whichever kind runs it. */
export interface InstanceParams {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly imageId: string;
  /** Run-time environment (plain and secret), KEY -> value. */
  readonly env: Record<string, string>;
  readonly network: string;
  /** The fleet's DNS alias on `network`, which the front door resolves. */
  readonly alias: string;
  readonly sysctls: Record<string, string>;
  readonly readOnlyRootFilesystem: boolean;
  /** Paths mounted as tmpfs when the root filesystem is read-only. */
  readonly scratch: readonly string[];
  /** SIGTERM -> SIGKILL grace when the instance is stopped. */
  readonly stopGraceSeconds: number;
  /** Start period of the image's health check (services keep it on): the launch's deadline, ms. */
  readonly healthStartMs: number;
}

/** Who a new instance is: the fleet, its launch and its slot. */
export interface InstanceOrigin {
  readonly stack: string;
  /** Logical fleet name (the spec's name). */
  readonly fleet: string;
  /** The LocalFleet resource id that launches it. */
  readonly fleetId: string;
  readonly specHash: string;
  readonly slot: number;
  /** Random characters keeping names unique across launches. */
  readonly suffix: string;
}

/** A new instance's name and labels (the same on a container, a service and its tasks). */
export function instanceIdentity(o: InstanceOrigin): {
  name: string;
  labels: Record<string, string>;
} {
  const name = instanceName({
    stack: o.stack,
    fleet: o.fleet,
    specHash: o.specHash,
    index: o.slot,
    suffix: o.suffix,
  });
  const labels = {
    [LABELS.stack]: o.stack,
    [LABELS.role]: "instance",
    [LABELS.fleet]: o.fleet,
    [LABELS.fleetId]: o.fleetId,
    [LABELS.specHash]: o.specHash,
    [LABELS.instance]: String(o.slot),
  };
  return { name, labels };
}

/**
 * The label filter (`key=value`) every instance of the stack's fleet carries, whichever launch
 * started it: how a sweep and refresh find instances the state does not track.
 */
export function fleetSelector(p: { readonly stack: string; readonly fleet: string }): string[] {
  return [`${LABELS.stack}=${p.stack}`, `${LABELS.role}=instance`, `${LABELS.fleet}=${p.fleet}`];
}

/** `KEY=value` lines of the Docker Engine API. */
export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** The Docker Engine API body of `POST /containers/create` for one instance. */
export function instanceContainerSpec(p: InstanceParams): Record<string, unknown> {
  const tmpfs: Record<string, string> = {};
  if (p.readOnlyRootFilesystem)
    for (const s of p.scratch) tmpfs[s] = `${SCRATCH_TMPFS_OPTIONS},size=${INSTANCE.scratchMiB}m`;
  return {
    name: p.name,
    Image: p.imageId,
    Env: envList(p.env),
    Labels: p.labels,
    StopTimeout: p.stopGraceSeconds,
    // The image's HEALTHCHECK is off for instance containers: the front door's own HTTP check
    // decides who is in the pool, refresh probes each instance itself, and Docker's status triggers
    // nothing (restart policies act on exits only). Left on, it costs a `docker exec` of bash per
    // instance per interval: at 30 instances a third of a core in the daemons and the instances.
    Healthcheck: { Test: ["NONE"] },
    HostConfig: {
      Init: INSTANCE.init,
      NetworkMode: p.network,
      Sysctls: p.sysctls,
      ReadonlyRootfs: p.readOnlyRootFilesystem,
      Tmpfs: tmpfs,
      // Docker brings an instance back by itself after it exits, is killed or the daemon restarts
      // ("always": `docker kill` counts as a manual stop for "unless-stopped"), but only when the
      // root filesystem is read-only: then the restarted container is exactly the image again
      // (scratch paths are fresh tmpfs). A writable instance that exits stays down for refresh to
      // find and the next `pulumi up` to replace. Draining uses `docker stop`, which Docker never
      // undoes, and removes the container.
      RestartPolicy: { Name: p.readOnlyRootFilesystem ? "always" : "no" },
      LogConfig: { Type: LOG_CAP.driver, Config: { ...LOG_CAP.options } },
    },
    // The fleet's alias from the start, in a slot the front door holds in maintenance until the
    // instance passed its health gate (launchGated): no endpoint re-attach, which the daemon
    // serializes, per instance.
    NetworkingConfig: { EndpointsConfig: { [p.network]: { Aliases: [p.alias] } } },
  };
}
