/**
 * Launching fleet instances: hold the front door's free slots (for instances that carry the
 * fleet's alias before they are healthy), start the instances, gate them on their health, admit
 * them to the pool, wait until the front door serves them, and clean up everything a failed launch
 * started. The kind of instance is picked once (`fleetInstances`, ./instances.ts) and the front
 * door is one object (`frontDoor`, ../frontDoor/frontDoor.ts). Used by the LocalFleet provider
 * (serialized by value into the state with it: no module-level state, dockerode required inside
 * calls).
 */
import type { FleetInstance } from "../../../lib/local/fleetPlan";
import { fastInterMs } from "../../../lib/local/haproxyConfig";
import { instanceIdentity, type InstanceParams } from "../../../lib/local/instanceSpec";
import * as rt from "../../docker/dockerRuntime";
import { frontDoor } from "../frontDoor/frontDoor";
import { drainAndRemove } from "./drain";
import { fleetInstances } from "./instances";
import type { LocalFleetInputs } from "./types";

/** Four random base-36 characters, keeping container and fleet names unique. */
export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 6).padEnd(4, "0");
}

/** How many launches failed after their instance was created (the kind removed those itself). */
function removedAtLaunch(results: readonly PromiseSettledResult<unknown>[]): number {
  return results.filter(
    (r) =>
      r.status === "rejected" && (r.reason as { removed?: boolean } | undefined)?.removed === true,
  ).length;
}

/** What the instance in `slot` of fleet `fleetId` is made from. */
function instanceParams(fleetId: string, p: LocalFleetInputs, slot: number): InstanceParams {
  return {
    ...instanceIdentity({
      stack: p.stack,
      fleet: p.fleet,
      fleetId,
      specHash: p.specHash,
      slot,
      suffix: randomSuffix(),
    }),
    imageId: p.imageId,
    env: { ...p.env, ...p.secretEnv },
    network: p.network,
    alias: p.alias,
    sysctls: p.sysctls,
    readOnlyRootFilesystem: p.readOnlyRootFilesystem,
    scratch: p.scratch,
    stopGraceSeconds: p.stopGraceSeconds,
    healthStartMs: p.healthDeadlineMs,
  };
}

/**
 * Launches instances into `slots`, waits until they are healthy, admits them to the front door's
 * pool and waits until they are in it. Resolves with them and their addresses on the network.
 * On any failure removes every instance it started and throws with the failing one's log tail.
 */
export async function launchGated(
  fleetId: string,
  p: LocalFleetInputs,
  slots: readonly number[],
): Promise<Array<FleetInstance & rt.Probed>> {
  const label = `${p.fleet} ${p.specHash.slice(0, 12)}`;
  const kind = fleetInstances(p.instanceKind);
  const door = frontDoor(p.frontDoor);
  // Instances that carry the alias from their start (containers) land in slots held until they
  // pass their health gate (the hold also takes in the free slots a killed deployment left forced;
  // all are released below). Swarm gives a service task the alias only once it is healthy: then
  // slots a killed deployment left forced into drain or maint would never carry traffic again.
  if (kind.aliasBeforeHealthy) await door.hold();
  else await door.releaseSlots();
  const started: Array<rt.Probed & { index: number }> = [];
  let healthy: rt.Probed[];
  const results = await Promise.allSettled(
    slots.map(async (slot) => {
      started.push({ ...(await kind.launch(instanceParams(fleetId, p, slot))), index: slot });
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
    healthy = await kind.waitHealthy(started, { network: p.network, check, deadline, label });
    if (kind.aliasBeforeHealthy) await door.admit(healthy, { deadline, label });
    await door.waitInPool(healthy, { deadline: deadline + p.leavePoolMs, label });
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
    if (kind.aliasBeforeHealthy)
      await door
        .releaseSlots()
        .catch((err: Error) =>
          rt.say(
            `${label}: could not make the front door's free slots ready again: ${err.message}`,
          ),
        );
  }
  const ipOf = new Map(healthy.map((h) => [h.id, h.ip]));
  return started
    .map((s) => ({ index: s.index, id: s.id, name: s.name, ip: ipOf.get(s.id) ?? s.ip }))
    .sort((x, y) => x.index - y.index);
}
