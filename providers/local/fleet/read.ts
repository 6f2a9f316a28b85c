/**
 * What `pulumi refresh` sees of a fleet: each recorded instance (gone, exited, another image,
 * unhealthy, a snowflake, or not in the front door's pool), the service as a whole (how many
 * instances the front door actually sends traffic to), and containers with the fleet's labels
 * that the state does not track. Serialized by value with the LocalFleet provider.
 */
import { classifyDrift, describeDrift, type ContainerChange } from "../../../lib/local/drift";
import type { FleetInstance } from "../../../lib/local/fleetPlan";
import { poolState } from "../../../lib/local/haproxyConfig";
import { dockerClient } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import { frontDoor } from "../frontDoor/frontDoor";
import { fleetInstances, locateAny } from "./instances";
import { strays } from "./sweep";
import type { LocalFleetOutputs } from "./types";

/** Docker answers `null` for a pristine container, which dockerode hands over as a raw Buffer. */
function parseChanges(raw: unknown): ContainerChange[] {
  const value = Buffer.isBuffer(raw)
    ? (JSON.parse(raw.toString("utf8") || "null") as unknown)
    : raw;
  return Array.isArray(value) ? (value as ContainerChange[]) : [];
}

/** The instances with their drift, and the names of the untracked containers of the fleet. */
export async function observeFleet(
  p: LocalFleetOutputs,
): Promise<{ instances: FleetInstance[]; orphans: string[] }> {
  const docker = dockerClient();
  const checkTimeout = p.health.timeoutSeconds * 1000;
  // The front door's view; undefined without a front door or when it does not answer.
  const rows = await frontDoor(p.frontDoor).servers();
  let inPool = 0;
  const instances = await Promise.all(
    p.instances.map(async (inst): Promise<FleetInstance> => {
      const base = { index: inst.index, id: inst.id, name: inst.name };
      // The container an instance id stands for: the container itself, or the running task of the
      // service with that id.
      const found = await locateAny(inst.id, p.network);
      if (found === undefined || found.info === undefined) {
        const exists = found !== undefined; // a service with no task running
        return { ...base, drift: classifyDrift({ exists, running: false, changes: [] }, p)! };
      }
      const { info } = found;
      const running = info.State?.Running === true;
      const ip = found.ip === "" ? undefined : found.ip;
      const healthy = await fleetInstances(found.kind).healthy(found, {
        path: p.health.path,
        port: p.port,
        timeoutMs: checkTimeout,
      });
      const served =
        rows === undefined ? undefined : ip !== undefined && poolState(rows, ip).fullyUp;
      if (served) inPool++;
      // A read-only root cannot change (scratch is tmpfs, which Docker's diff does not list): only
      // a writable one is worth a container diff, the costliest read here.
      const changes = p.readOnlyRootFilesystem
        ? []
        : parseChanges(await docker.getContainer(info.Id).changes());
      const drift = classifyDrift(
        { exists: true, running, imageId: info.Image, healthy, inPool: served, changes },
        p,
      );
      return drift === undefined ? base : { ...base, drift };
    }),
  );
  for (const inst of instances) {
    if (inst.drift) rt.say(`drift: ${describeDrift(inst.name, inst.drift)}`);
  }
  if (p.frontDoor !== undefined) {
    const where = rows === undefined ? " (the front door does not answer)" : "";
    if (rows === undefined || inPool < p.desiredCount) {
      rt.say(
        `drift: front door: ${inPool}/${p.desiredCount} instances in the pool${where}; ` +
          "the next `pulumi up` replaces the instances it does not serve",
      );
    }
  }
  const orphans = await strays(
    p,
    p.instances.map((i) => i.id),
  );
  for (const o of orphans) {
    rt.say(
      `drift: ${o.name} (fleet ${o.fleetId}) carries the stack's labels but is not in its state; ` +
        "the next `pulumi up` removes it",
    );
  }
  return { instances, orphans: orphans.map((o) => o.name) };
}

/** How long a live read waits for healthy instances to enter a front door's pool before judging. */
export const POOL_SETTLE_MS = 10_000;

/**
 * observeFleet for a plain preview and up: an instance that is healthy and only out of the pool is
 * read again until it is in the pool or POOL_SETTLE_MS has passed, so a front door created moments
 * ago (still resolving the fleet's DNS alias) does not get its healthy fleet replaced.
 */
export async function observeSettled(
  p: LocalFleetOutputs,
): Promise<{ instances: FleetInstance[]; orphans: string[] }> {
  const deadline = Date.now() + POOL_SETTLE_MS;
  for (;;) {
    const seen = await observeFleet(p);
    const unsettled = seen.instances.some(
      (i) => i.drift?.reasons.length === 1 && i.drift.reasons[0] === "out-of-pool",
    );
    if (!unsettled || Date.now() > deadline) return seen;
    await rt.pause(500);
  }
}
