/**
 * LocalFleet: a dynamic provider for a fleet of identical containers launched from one image.
 *
 * create launches every instance in parallel and returns only when all of them pass the health
 * check and are in the front door's pool; if one fails, everything this create started is removed
 * and the error carries that instance's log tail. A new image, port, env or secret replaces the
 * whole fleet (the engine creates the new one before deleting the old); a desired-count change or
 * drift found by refresh is an in-place update that launches or drains only the difference.
 * delete drains each instance out of the front door's pool before stopping it.
 */
import * as pulumi from "@pulumi/pulumi";
import { classifyDrift, describeDrift, type ContainerChange } from "../../lib/local/drift";
import { planFleetUpdate, type FleetInstance } from "../../lib/local/fleetPlan";
import { DYNAMIC_MODULE, DYNAMIC_NAMES, LABELS } from "../../lib/core/identifiers";
import * as rt from "../docker/dockerRuntime";
import { launchGated, randomSuffix } from "./fleetLaunch";
import type { ContainerInspectInfo } from "dockerode";
import { dockerClient, isNotFound } from "../docker/client";
import type { LocalFleetInputs, LocalFleetOutputs } from "./fleetTypes";

export type { LocalFleetInputs, LocalFleetOutputs } from "./fleetTypes";

/** Fields whose change replaces the whole fleet (never modify a running instance). */
const REPLACE_ON = [
  "stack",
  "fleet",
  "alias",
  "network",
  "imageId",
  "port",
  "health",
  "env",
  "secretEnv",
  "sysctls",
  "readOnlyRootFilesystem",
  "scratch",
] as const;

/** JSON with object keys sorted, so two equal maps always compare equal. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

/** Docker answers `null` for a pristine container, which dockerode hands over as a raw Buffer. */
function parseChanges(raw: unknown): ContainerChange[] {
  const value = Buffer.isBuffer(raw)
    ? (JSON.parse(raw.toString("utf8") || "null") as unknown)
    : raw;
  return Array.isArray(value) ? (value as ContainerChange[]) : [];
}

function outputs(p: LocalFleetInputs, instances: FleetInstance[]): LocalFleetOutputs {
  const sorted = [...instances].sort((a, b) => a.index - b.index);
  return {
    ...p,
    instances: sorted,
    instanceIds: sorted.map((i) => i.id),
    drifted: sorted.filter((i) => i.drift !== undefined).map((i) => i.name),
  };
}

function drainOptions(p: LocalFleetInputs, label: string): rt.DrainOptions {
  return {
    network: p.network,
    frontDoor: p.frontDoor,
    leavePoolMs: p.leavePoolMs,
    stopGraceSeconds: p.stopGraceSeconds,
    label,
  };
}

/** The LocalFleet provider. */
export const localFleetProvider: pulumi.dynamic.ResourceProvider<
  LocalFleetInputs,
  LocalFleetOutputs
> = {
  async diff(_id, olds, news) {
    const replaces = REPLACE_ON.filter((k) => stable(olds[k]) !== stable(news[k]));
    const drifted = (olds.instances ?? []).some((i) => i.drift !== undefined);
    const changes =
      replaces.length > 0 ||
      drifted ||
      olds.desiredCount !== news.desiredCount ||
      stable([
        olds.frontDoor,
        olds.stopGraceSeconds,
        olds.leavePoolMs,
        olds.healthDeadlineMs,
        olds.specHash,
      ]) !==
        stable([
          news.frontDoor,
          news.stopGraceSeconds,
          news.leavePoolMs,
          news.healthDeadlineMs,
          news.specHash,
        ]);
    return { changes, replaces: [...replaces] };
  },

  async create(inputs) {
    const started = Date.now();
    const fleetId = `${inputs.stack}-${inputs.fleet}-${inputs.specHash.slice(0, 8)}-${randomSuffix()}`;
    const slots = Array.from({ length: inputs.desiredCount }, (_, i) => i);
    const instances = await launchGated(fleetId, inputs, slots);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    rt.say(
      `${inputs.fleet}: fleet ${fleetId} is live with ${instances.length} instance(s) after ${took} s`,
    );
    return { id: fleetId, outs: outputs(inputs, instances) };
  },

  async update(id, olds, news) {
    const plan = planFleetUpdate(olds.instances ?? [], news.desiredCount);
    const launched =
      plan.launch.length > 0
        ? await launchGated(id, { ...news, imageId: olds.imageId }, plan.launch)
        : [];
    await rt.drainAndRemove(
      plan.drain.map((i) => i.id),
      drainOptions(news, `${news.fleet} update`),
    );
    if (plan.launch.length + plan.drain.length > 0) {
      rt.say(
        `${news.fleet}: launched ${plan.launch.length}, drained ${plan.drain.length}, kept ${plan.keep.length}`,
      );
    }
    return { outs: outputs(news, [...plan.keep, ...launched]) };
  },

  async read(id, props) {
    const p = props!;
    const docker = dockerClient();
    const checkTimeout = p.health.timeoutSeconds * 1000;
    const instances = await Promise.all(
      p.instances.map(async (inst): Promise<FleetInstance> => {
        const base = { index: inst.index, id: inst.id, name: inst.name };
        let info: ContainerInspectInfo;
        try {
          info = await docker.getContainer(inst.id).inspect();
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return {
            ...base,
            drift: classifyDrift({ exists: false, running: false, changes: [] }, p)!,
          };
        }
        const running = info.State?.Running === true;
        const ip = rt.ipOn(info, p.network);
        let healthy: boolean | undefined;
        if (running && ip !== undefined) {
          const res = await rt.httpGet(`http://${ip}:${p.port}${p.health.path}`, checkTimeout);
          healthy = res !== undefined && res.status >= 200 && res.status < 300;
        }
        const changes = parseChanges(await docker.getContainer(inst.id).changes());
        const drift = classifyDrift(
          { exists: true, running, imageId: info.Image, healthy, changes },
          p,
        );
        return drift === undefined ? base : { ...base, drift };
      }),
    );
    for (const inst of instances)
      if (inst.drift) rt.say(`drift: ${describeDrift(inst.name, inst.drift)}`);
    return { id, props: outputs(p, instances) };
  },

  async delete(id, props) {
    const docker = dockerClient();
    // Also sweep containers of this fleet the state does not know (e.g. an interrupted update).
    const labelled: Array<{ Id: string }> = await docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.fleetId}=${id}`] },
    });
    const ids = [
      ...new Set([...(props.instances ?? []).map((i) => i.id), ...labelled.map((c) => c.Id)]),
    ];
    await rt.drainAndRemove(
      ids,
      drainOptions(props, `${props.fleet} ${props.specHash.slice(0, 12)}`),
    );
  },
};

/** Resource arguments: every LocalFleetInputs field may be an Output. */
export type LocalFleetArgs = {
  readonly [K in keyof LocalFleetInputs]: pulumi.Input<LocalFleetInputs[K]>;
};

/** A health-gated fleet of containers (see the module comment). */
export class LocalFleet extends pulumi.dynamic.Resource {
  declare readonly instanceIds: pulumi.Output<string[]>;
  declare readonly instances: pulumi.Output<FleetInstance[]>;
  declare readonly drifted: pulumi.Output<string[]>;
  declare readonly imageId: pulumi.Output<string>;

  constructor(name: string, args: LocalFleetArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      localFleetProvider,
      name,
      { ...args, instances: undefined, instanceIds: undefined, drifted: undefined },
      // The secret env stays encrypted in the state's outputs as well as its inputs.
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "secretEnv"] },
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.localFleet,
    );
  }
}
