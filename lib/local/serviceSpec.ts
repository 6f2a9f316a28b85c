/**
 * A fleet instance as a Docker Swarm service (stack config `instances: services`): one replica,
 * rescheduled by Swarm whenever its task ends for any reason, `docker kill` and a daemon restart
 * included. Each new task is a new container from the image (never a restarted one), so an
 * instance always comes back with exactly the image's filesystem. Swarm puts a task's address
 * under the fleet's alias only once the image's HEALTHCHECK passes, which is what keeps the front
 * door from seeing an instance that is still starting; the start period is the launch's health
 * deadline, so a slow start is never taken for a failure. What it shares with an instance
 * container (init, scratch size, log cap, name and labels) is in ./instanceSpec.ts.
 */
import { envList, INSTANCE, LOG_CAP, type InstanceParams } from "./instanceSpec";

/** Swarm's label of a task container: the id of its service. */
export const SWARM_SERVICE_LABEL = "com.docker.swarm.service.id";

/** Pause before Swarm starts a replacement task (nanoseconds): short, without spinning. */
export const RESTART_DELAY_NS = 500_000_000;

/** What an instance service is made from: the same as an instance container. */
export type InstanceServiceParams = InstanceParams;

/** The Docker Engine API body of `POST /services/create` for one instance. */
export function instanceServiceSpec(p: InstanceServiceParams): Record<string, unknown> {
  return {
    Name: p.name,
    Labels: p.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: p.imageId,
        Labels: p.labels,
        Env: envList(p.env),
        Init: INSTANCE.init,
        ReadOnly: p.readOnlyRootFilesystem,
        // Swarm's tmpfs takes a size and a mode only: world-writable, sticky, for the app user.
        Mounts: p.readOnlyRootFilesystem
          ? p.scratch.map((target) => ({
              Type: "tmpfs",
              Target: target,
              TmpfsOptions: { SizeBytes: INSTANCE.scratchMiB * 1024 * 1024, Mode: 0o1777 },
            }))
          : [],
        Sysctls: p.sysctls,
        StopGracePeriod: p.stopGraceSeconds * 1_000_000_000,
        // The image's test, interval, timeout and retries; only the start period is ours.
        Healthcheck: { StartPeriod: p.healthStartMs * 1_000_000 },
      },
      RestartPolicy: { Condition: "any", Delay: RESTART_DELAY_NS, MaxAttempts: 0 },
      LogDriver: { Name: LOG_CAP.driver, Options: { ...LOG_CAP.options } },
      Networks: [{ Target: p.network, Aliases: [p.alias] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    // The front door resolves every task's address itself: no virtual IP in between.
    EndpointSpec: { Mode: "dnsrr" },
  };
}

/** A Swarm task as `GET /tasks` lists it (the fields read here). */
export interface SwarmTask {
  readonly DesiredState?: string;
  readonly CreatedAt?: string;
  readonly Status?: {
    readonly State?: string;
    readonly Err?: string;
    readonly ContainerStatus?: { readonly ContainerID?: string; readonly ExitCode?: number };
  };
}

/** Task states after which a task never runs again (an array: providers hold no module-level Set). */
const ENDED: readonly string[] = [
  "complete",
  "shutdown",
  "failed",
  "rejected",
  "orphaned",
  "remove",
];

/**
 * Where an instance service stands: `running` with the container of its running task (Swarm
 * reports a task with a health check as running only once it is healthy), `ended` when a task
 * has ended unasked (the error Swarm gives, or its exit code), otherwise `starting`.
 */
export function serviceState(
  tasks: readonly SwarmTask[],
):
  | { readonly state: "running"; readonly containerId: string }
  | { readonly state: "ended"; readonly why: string; readonly containerId?: string }
  | { readonly state: "starting" } {
  const running = tasks.find((t) => t.Status?.State === "running" && t.DesiredState === "running");
  const id = running?.Status?.ContainerStatus?.ContainerID;
  if (id) return { state: "running", containerId: id };
  const ended = tasks.find((t) => ENDED.includes(t.Status?.State ?? ""));
  if (ended) {
    const code = ended.Status?.ContainerStatus?.ExitCode;
    const why = ended.Status?.Err || `exited with code ${code ?? "?"}`;
    return {
      state: "ended",
      why,
      containerId: ended.Status?.ContainerStatus?.ContainerID || undefined,
    };
  }
  return { state: "starting" };
}

/** A service as `GET /services` lists it (the fields read here). */
export interface ListedService {
  readonly ID: string;
  readonly Spec?: {
    readonly Name?: string;
    readonly Labels?: Record<string, string>;
    readonly TaskTemplate?: { readonly Networks?: ReadonlyArray<{ readonly Target?: string }> };
  };
}

/** True when the service's tasks attach to the network `idOrName`. */
export function attachesTo(
  service: ListedService,
  network: { readonly id: string; readonly name: string },
): boolean {
  return (service.Spec?.TaskTemplate?.Networks ?? []).some(
    (n) => n.Target === network.id || n.Target === network.name,
  );
}
