/**
 * Launching fleet instances: create and start containers (in front door slots held in maintenance),
 * gate them on their health check, admit them to the pool once healthy, wait until the front door
 * has them in it, and clean up everything a failed launch started. Used by the LocalFleet provider (serialized by value into
 * the state with it: no module-level state, dockerode required inside calls).
 */
import { instanceName, type FleetInstance } from "../../../lib/local/fleetPlan";
import { LABELS } from "../../../lib/core/identifiers";
import { SCRATCH_TMPFS_OPTIONS } from "../../../lib/image/render";
import { fastInterMs } from "../../../lib/local/haproxyConfig";
import { dockerClient } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import { drainAndRemove, releaseSlots } from "./drain";
import { createInstanceService, waitServicesHealthy } from "./services";
import { admitToPool, holdFreeSlots, waitInPool } from "../frontDoor/runtimeApi";
import type { LocalFleetInputs } from "./types";

/** Four random base-36 characters, keeping container and fleet names unique. */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 6).padEnd(4, "0");
}

/**
 * Why a started instance has no address: almost always its command exited at once (a server that
 * cannot open its port, log or pid file, a missing binary), so the message says how it exited and
 * what it printed (`logTail`, read before the container is removed).
 */
async function noAddress(
  name: string,
  id: string,
  info: Parameters<typeof rt.crashOf>[1],
  network: string,
): Promise<Error> {
  const crash = await rt.crashOf(id, info);
  if (crash === undefined)
    return new Error(`${name}: started but has no address on network ${network}`);
  return Object.assign(new Error(`${name} ${crash} right after it started: ${rt.CRASH_HINT}`), {
    logTail: await rt.logSection(name, id),
  });
}

/** How many launches failed after their container was created (launchOne removed those itself). */
function removedAtLaunch(results: readonly PromiseSettledResult<unknown>[]): number {
  return results.filter(
    (r) =>
      r.status === "rejected" && (r.reason as { removed?: boolean } | undefined)?.removed === true,
  ).length;
}

/** A new instance's name and labels. */
function identity(fleetId: string, p: LocalFleetInputs, slot: number) {
  const name = instanceName({
    stack: p.stack,
    fleet: p.fleet,
    specHash: p.specHash,
    index: slot,
    suffix: randomSuffix(),
  });
  const labels = {
    [LABELS.stack]: p.stack,
    [LABELS.role]: "instance",
    [LABELS.fleet]: p.fleet,
    [LABELS.fleetId]: fleetId,
    [LABELS.specHash]: p.specHash,
    [LABELS.instance]: String(slot),
  };
  return { name, labels };
}

/** Creates one instance service in `slot` (it has no address until Swarm finds it healthy). */
function launchService(fleetId: string, p: LocalFleetInputs, slot: number): Promise<rt.Probed> {
  return createInstanceService({
    ...identity(fleetId, p, slot),
    imageId: p.imageId,
    env: { ...p.env, ...p.secretEnv },
    network: p.network,
    alias: p.alias,
    sysctls: p.sysctls,
    readOnlyRootFilesystem: p.readOnlyRootFilesystem,
    scratch: p.scratch,
    stopGraceSeconds: p.stopGraceSeconds,
    healthStartMs: p.healthDeadlineMs,
  });
}

/** Creates and starts one instance in `slot`; resolves with its id, name and IP on the network. */
async function launchOne(fleetId: string, p: LocalFleetInputs, slot: number): Promise<rt.Probed> {
  const docker = dockerClient();
  const { name, labels } = identity(fleetId, p, slot);
  const env = { ...p.env, ...p.secretEnv };
  const tmpfs: Record<string, string> = {};
  // 64 MiB each: a dev machine runs many instances, and tmpfs is memory.
  if (p.readOnlyRootFilesystem)
    for (const s of p.scratch) tmpfs[s] = `${SCRATCH_TMPFS_OPTIONS},size=64m`;
  const container = await docker.createContainer({
    name,
    Image: p.imageId,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    StopTimeout: p.stopGraceSeconds,
    // The image's HEALTHCHECK is off for fleet instances: the front door's own HTTP check decides
    // who is in the pool, refresh probes each instance itself, and Docker's status triggers nothing
    // (restart policies act on exits only). Left on, it costs a `docker exec` of bash per instance
    // per interval: at 30 instances a third of a core in the daemons and the instances, idle.
    Healthcheck: { Test: ["NONE"] },
    HostConfig: {
      // docker-init as PID 1: the server gets its signals even if it ignores them as PID 1.
      Init: true,
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
      LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "2" } },
    },
    // The service alias from the start, in a slot the front door holds in maintenance until the
    // instance passed its health gate (launchGated): no endpoint re-attach, which the daemon
    // serializes, per instance.
    NetworkingConfig: { EndpointsConfig: { [p.network]: { Aliases: [p.alias] } } },
  });
  try {
    await container.start();
    const info = await container.inspect();
    const ip = rt.ipOn(info, p.network);
    if (ip === undefined) throw await noAddress(name, container.id, info, p.network);
    return { id: container.id, name, ip };
  } catch (err) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw Object.assign(err as Error, { removed: true });
  }
}

/**
 * Launches instances into `slots`, waits until they are healthy, admits them to the front door's
 * pool and waits until they are in it.
 * On any failure removes every container it started and throws with the failing one's log tail.
 */
export async function launchGated(
  fleetId: string,
  p: LocalFleetInputs,
  slots: readonly number[],
): Promise<FleetInstance[]> {
  const label = `${p.fleet} ${p.specHash.slice(0, 12)}`;
  const containers = p.instanceKind !== "services";
  // Swarm gives a service task the alias only once it is healthy; containers carry it from the
  // start, so the slots Docker's DNS will hand them are held until they pass their health gate
  // (which also takes in the free slots a killed deployment left forced; all are released below).
  // Services: slots a killed deployment left forced into drain or maint would never carry traffic
  // again.
  if (containers) await holdFreeSlots(p.frontDoor);
  else await releaseSlots(p.frontDoor, []);
  const started: Array<rt.Probed & { index: number }> = [];
  const launch = p.instanceKind === "services" ? launchService : launchOne;
  const results = await Promise.allSettled(
    slots.map(async (slot) => {
      started.push({ ...(await launch(fleetId, p, slot)), index: slot });
    }),
  );
  try {
    const failedLaunch = results.find((r) => r.status === "rejected");
    if (failedLaunch) throw (failedLaunch as PromiseRejectedResult).reason;
    rt.say(`${label}: launched ${started.length} instance(s) from ${p.imageId.slice(7, 19)}`);
    const deadline = Date.now() + p.healthDeadlineMs;
    const check = {
      path: p.health.path,
      port: p.port,
      // Between the passes that make a new instance healthy: the front door's own pace for a server
      // changing state (haproxy `fastinter`), not the steady-state interval of the spec.
      intervalMs: fastInterMs(p.health.intervalSeconds * 1000),
      timeoutMs: p.health.timeoutSeconds * 1000,
      healthyThreshold: p.health.healthyThreshold,
    };
    let healthy: rt.Probed[] = started;
    if (containers) {
      await rt.waitHealthy(started, { check, deadline, label });
      await admitToPool(started, { frontDoor: p.frontDoor, deadline, label });
    } else {
      const what = `its HEALTHCHECK (GET ${p.health.path} on port ${p.port} with a 2xx)`;
      healthy = await waitServicesHealthy(started, { network: p.network, deadline, label, what });
    }
    await waitInPool(healthy, {
      frontDoor: p.frontDoor,
      deadline: deadline + p.leavePoolMs,
      label,
    });
  } catch (err) {
    const failed = rt.failedInstance(err);
    const tail = failed
      ? await rt.logSection(failed.name, failed.id)
      : ((err as { logTail?: string } | undefined)?.logTail ?? "");
    await drainAndRemove(
      started.map((s) => s.id),
      {
        network: p.network,
        frontDoor: p.frontDoor,
        stopGraceSeconds: 0,
        label: `${label} (failed launch)`,
      },
    );
    throw new Error(
      `fleet ${p.fleet} (image ${p.imageId.slice(7, 19)}): ${String((err as Error)?.message ?? err)}; ` +
        `removed the ${started.length + removedAtLaunch(results)} instance(s) this deployment started, ` +
        `the running fleet is untouched${tail}`,
      { cause: err },
    );
  } finally {
    // The free slots held for this launch (and the failed launch's, once DNS forgot them). Never
    // in place of the launch's own error: what stays held, the next launch releases first.
    if (containers)
      await releaseSlots(p.frontDoor, []).catch((err: Error) =>
        rt.say(`${label}: could not make the front door's free slots ready again: ${err.message}`),
      );
  }
  return started
    .map((s) => ({ index: s.index, id: s.id, name: s.name }))
    .sort((x, y) => x.index - y.index);
}
