/**
 * Fleet instances as plain containers (stack config `instances: containers`, the default): created
 * from `instanceContainerSpec` (lib/local/instanceSpec.ts) with the fleet's alias from their start,
 * probed directly for their health (their addresses are on a bridge network this host reaches),
 * stopped and removed with `docker stop` and `docker rm`. One implementation of `FleetInstances`
 * (./instances.ts). Serialized by value with the providers: no module-level state, dockerode
 * required inside calls.
 */
import type Dockerode from "dockerode";
import { instanceContainerSpec, type InstanceParams } from "../../../lib/local/instanceSpec";
import { SWARM_SERVICE_LABEL } from "../../../lib/local/serviceSpec";
import { dockerClient, dockerStatus, isNotFound } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import type { FleetInstances, ListedInstance } from "./instances";

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

/** Creates and starts one instance container; resolves with its id, name and IP on the network. */
async function launch(p: InstanceParams): Promise<rt.Probed> {
  const docker = dockerClient();
  const container = await docker.createContainer(
    instanceContainerSpec(p) as Dockerode.ContainerCreateOptions,
  );
  try {
    await container.start();
    const info = await container.inspect();
    const ip = rt.ipOn(info, p.network);
    if (ip === undefined) throw await noAddress(p.name, container.id, info, p.network);
    return { id: container.id, name: p.name, ip };
  } catch (err) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw Object.assign(err as Error, { removed: true });
  }
}

/** Stops each container with the grace period, then removes it; resolves with the last stop. */
async function remove(ids: readonly string[], stopGraceSeconds: number): Promise<number> {
  const docker = dockerClient();
  let stoppedAt = 0;
  await Promise.all(
    ids.map(async (id) => {
      const c = docker.getContainer(id);
      try {
        await c.stop({ t: stopGraceSeconds });
      } catch (err) {
        const code = dockerStatus(err);
        if (code !== 304 && code !== 404) throw err; // 304: already stopped
      }
      stoppedAt = Math.max(stoppedAt, Date.now());
      try {
        await c.remove({ force: true, v: true });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }),
  );
  return stoppedAt;
}

/**
 * Containers carrying every one of `labels`, except the task containers of services (Swarm
 * replaces those: their service is what is removed).
 */
async function list(
  labels: readonly string[],
  network?: { readonly id: string },
): Promise<ListedInstance[]> {
  const filters: Record<string, string[]> = { label: [...labels] };
  if (network !== undefined) filters.network = [network.id];
  const found: Array<{ Id: string; Names?: string[]; Labels?: Record<string, string> }> =
    await dockerClient().listContainers({ all: true, filters });
  return found
    .filter((c) => c.Labels?.[SWARM_SERVICE_LABEL] === undefined)
    .map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""),
      labels: c.Labels ?? {},
    }));
}

/** Instances as plain containers. */
export function containerInstances(): FleetInstances {
  return {
    kind: "containers",
    aliasBeforeHealthy: true,
    launch,
    async locate(id, network) {
      try {
        const info = await dockerClient().getContainer(id).inspect();
        const name = String(info.Name ?? id).replace(/^\//, "");
        return { id, name, ip: rt.ipOn(info, network) ?? "", kind: "containers", info };
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return undefined;
      }
    },
    async waitHealthy(instances, gate) {
      await rt.waitHealthy(instances, gate);
      return [...instances];
    },
    async healthy(found, check) {
      if (found.info?.State?.Running !== true || found.ip === "") return undefined;
      const res = await rt.httpGet(
        `http://${found.ip}:${check.port}${check.path}`,
        check.timeoutMs,
      );
      return res !== undefined && res.status >= 200 && res.status < 300;
    },
    remove,
    list,
  };
}
