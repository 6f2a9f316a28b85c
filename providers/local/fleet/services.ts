/**
 * Fleet instances as one-replica Docker Swarm services (stack config `instances: services`, see
 * lib/local/serviceSpec.ts): create, gate on Swarm's view of their health, find the container of
 * each one's current task, remove them and stop their task containers. One implementation of
 * `FleetInstances` (./instances.ts); an instance id is the service id. Serialized by value with the
 * providers: no module-level state, dockerode required inside calls.
 */
import {
  attachesTo,
  instanceServiceSpec,
  serviceState,
  SWARM_SERVICE_LABEL,
  type ListedService,
  type SwarmTask,
} from "../../../lib/local/serviceSpec";
import type { InstanceParams } from "../../../lib/local/instanceSpec";
import type { ContainerInspectInfo } from "dockerode";
import { dockerClient, dockerStatus, isNotFound } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import type { FleetInstances, InstanceHealthGate, ListedInstance } from "./instances";

/** True when the daemon is a Swarm manager (it can run services). */
export async function isSwarmManager(): Promise<boolean> {
  const info = (await dockerClient().info()) as {
    Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
  };
  return info.Swarm?.LocalNodeState === "active" && info.Swarm?.ControlAvailable === true;
}

/** The error for a stack that asks for services from a daemon that cannot run them. */
export function notSwarmManager(): Error {
  return new Error(
    "instances: services needs a Docker Swarm manager, and this Docker daemon is not one: run " +
      "`docker swarm init` (on a machine with several addresses: `docker swarm init --advertise-addr <ip>`), " +
      "or set `pulumi config set phoenix:instances containers`",
  );
}

/** Creates one instance service; resolves with its id and name (it has no address yet). */
async function createInstanceService(params: InstanceParams): Promise<rt.Probed> {
  const svc = await dockerClient().createService(instanceServiceSpec(params) as never);
  return { id: svc.id, name: params.name, ip: "" };
}

/** The tasks of a service, newest first. */
async function tasksOf(serviceId: string): Promise<SwarmTask[]> {
  const tasks = (await dockerClient().listTasks({
    filters: { service: [serviceId] },
  } as never)) as unknown as SwarmTask[];
  return [...tasks].sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)));
}

/** An instance service's current task container: its id and address on `network`, if running. */
interface ServiceTarget {
  readonly serviceId: string;
  readonly name: string;
  /** Container of the running task; undefined while none runs. */
  readonly containerId?: string;
  readonly ip?: string;
  /** `docker inspect` of that container. */
  readonly info?: ContainerInspectInfo;
}

/** The service `id` and its running task container, or undefined when no such service exists. */
async function serviceTarget(id: string, network: string): Promise<ServiceTarget | undefined> {
  let spec: { Spec?: { Name?: string } };
  try {
    spec = (await dockerClient().getService(id).inspect()) as typeof spec;
  } catch (err) {
    // 404: no such service; 503: the daemon is not a swarm manager (so it has no services).
    if (isNotFound(err) || dockerStatus(err) === 503) return undefined;
    throw err;
  }
  const name = spec.Spec?.Name ?? id;
  const now = serviceState(await tasksOf(id));
  if (now.state !== "running") return { serviceId: id, name };
  try {
    const info = await dockerClient().getContainer(now.containerId).inspect();
    return { serviceId: id, name, containerId: now.containerId, ip: rt.ipOn(info, network), info };
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return { serviceId: id, name };
  }
}

/**
 * Waits until every service's task runs (Swarm runs a task with a health check only once it is
 * healthy, and only then gives it the alias); resolves with their task addresses. Rejects with a
 * HealthGateError naming the first instance whose task ended, or that is not healthy by the
 * deadline.
 */
async function waitServicesHealthy(
  services: readonly rt.Probed[],
  gate: InstanceHealthGate,
): Promise<rt.Probed[]> {
  const what = `its HEALTHCHECK (GET ${gate.check.path} on port ${gate.check.port} with a 2xx)`;
  const ready = new Map<string, rt.Probed>();
  let reported = -1;
  for (;;) {
    await Promise.all(
      services
        .filter((s) => !ready.has(s.id))
        .map(async (s) => {
          const now = serviceState(await tasksOf(s.id));
          if (now.state === "ended") {
            const failed = { id: now.containerId ?? s.id, name: s.name, ip: "" };
            throw rt.healthGateError(
              `${s.name} ${now.why} before passing its health check: ${rt.CRASH_HINT}`,
              failed,
            );
          }
          if (now.state !== "running") return;
          const info = await dockerClient().getContainer(now.containerId).inspect();
          const ip = rt.ipOn(info, gate.network);
          if (ip !== undefined) ready.set(s.id, { ...s, ip });
        }),
    );
    if (ready.size !== reported) {
      rt.say(`${gate.label}: ${ready.size}/${services.length} healthy`);
      reported = ready.size;
    }
    if (ready.size === services.length) return services.map((s) => ready.get(s.id)!);
    if (Date.now() > gate.deadline) {
      const late = services.find((s) => !ready.has(s.id))!;
      throw rt.healthGateError(`${late.name} did not pass ${what} before the deadline`, late);
    }
    await rt.pause(200);
  }
}

/** A service's task containers, ended ones included. */
async function taskContainers(serviceId: string): Promise<Array<{ Id: string }>> {
  return dockerClient().listContainers({
    all: true,
    filters: { label: [`${SWARM_SERVICE_LABEL}=${serviceId}`] },
  });
}

/**
 * Removes services, then stops their task containers itself (the stop signal, the grace period,
 * SIGKILL) and removes them: Swarm would do the same, but only after a fixed 2 s pause of its own
 * for its service-discovery gossip, which a drained instance does not need. Once the service is
 * removed, nothing replaces its tasks. Resolves with when the last one was stopped and removed.
 */
async function removeServices(ids: readonly string[], stopGraceSeconds: number): Promise<number> {
  if (ids.length === 0) return 0;
  const docker = dockerClient();
  await Promise.all(
    ids.map((id) =>
      docker
        .getService(id)
        .remove()
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
    ),
  );
  // 304: already stopped, 404: already removed, 409: Swarm is removing it.
  const gone = (err: unknown) => {
    if (![304, 404, 409].includes(dockerStatus(err) ?? 0)) throw err;
  };
  const containers = (await Promise.all(ids.map(taskContainers))).flat();
  await Promise.all(
    containers.map(async (c) => {
      const container = docker.getContainer(c.Id);
      await container.stop({ t: stopGraceSeconds }).catch(gone);
      await container.remove({ force: true, v: true }).catch(gone);
    }),
  );
  return Date.now();
}

/** Services carrying every one of `labels` ("key=value"); [] on a daemon that is no swarm manager. */
async function servicesLabelled(labels: readonly string[]): Promise<ListedService[]> {
  try {
    return (await dockerClient().listServices({
      filters: { label: [...labels] },
    } as never)) as unknown as ListedService[];
  } catch (err) {
    if (dockerStatus(err) === 503) return [];
    throw err;
  }
}

/** Instances as one-replica Swarm services. */
export function serviceInstances(): FleetInstances {
  return {
    kind: "services",
    aliasBeforeHealthy: false,
    launch: createInstanceService,
    async locate(id, network) {
      const svc = await serviceTarget(id, network);
      if (svc === undefined) return undefined;
      return { id, name: svc.name, ip: svc.ip ?? "", kind: "services", info: svc.info };
    },
    waitHealthy: waitServicesHealthy,
    async healthy(found) {
      // A task's address is on an overlay network, out of this host's reach: Docker's own check.
      if (found.info?.State?.Running !== true) return undefined;
      return found.info.State.Health?.Status === "healthy";
    },
    remove: removeServices,
    async list(labels, network): Promise<ListedInstance[]> {
      return (await servicesLabelled(labels))
        .filter((s) => network === undefined || attachesTo(s, network))
        .map((s) => ({ id: s.ID, name: s.Spec?.Name ?? s.ID, labels: s.Spec?.Labels ?? {} }));
    },
  };
}
