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
import { DynamicResource } from "../../dynamicResource";
import { planFleetUpdate, type FleetInstance } from "../../../lib/local/fleetPlan";
import { LABELS } from "../../../lib/core/identifiers";
import * as rt from "../../docker/dockerRuntime";
import { drainAndRemove, type DrainOptions } from "./drain";
import { launchGated, randomSuffix } from "./launch";
import { listAny } from "./instances";
import { observeFleet, observeSettled } from "./read";
import { sweepStrays } from "./sweep";
import {
  dropLeftovers,
  prepareWeights,
  removeCandidates,
  runRollout,
  servingRelease,
  weightsOff,
} from "./rollout";
import { rolloutSummary, type RolloutRecord, type WindowRecord } from "../../../lib/rollout/report";
import type { LocalFleetInputs, LocalFleetOutputs } from "./types";

export type { LocalFleetInputs, LocalFleetOutputs } from "./types";

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
  "instanceKind",
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

function outputs(
  p: LocalFleetInputs,
  instances: FleetInstance[],
  orphans: string[] = [],
): LocalFleetOutputs {
  const sorted = [...instances]
    .sort((a, b) => a.index - b.index)
    .map(({ index, id, name, drift }) =>
      drift === undefined ? { index, id, name } : { index, id, name, drift },
    );
  return {
    ...p,
    instances: sorted,
    instanceIds: sorted.map((i) => i.id),
    drifted: sorted.filter((i) => i.drift !== undefined).map((i) => i.name),
    orphans,
  };
}

function drainOptions(p: LocalFleetInputs, label: string): DrainOptions {
  return {
    network: p.network,
    frontDoor: p.frontDoor,
    stopGraceSeconds: p.stopGraceSeconds,
    label,
  };
}

/** The fleet's diff; `live` is what runs now (observeFleet), when read. */
export function fleetDiff(
  olds: LocalFleetOutputs,
  news: LocalFleetInputs,
  live?: {
    instances: readonly FleetInstance[];
    orphans: readonly string[];
    /** Slots a rollout cut short left at another weight: the update sets them back. */
    weightsOff?: readonly string[];
  },
) {
  // A fleet recorded before instances could be services ran containers.
  const was = { ...olds, instanceKind: olds.instanceKind ?? "containers" };
  const replaces = REPLACE_ON.filter((k) => stable(was[k]) !== stable(news[k]));
  const drifted = [...(olds.instances ?? []), ...(live?.instances ?? [])].some(
    (i) => i.drift !== undefined,
  );
  // Containers with the fleet's labels that the state does not track: the update removes them.
  // (A deployment cut short is retried by the next up, whose launch sweeps too.)
  const untracked = (olds.orphans ?? []).length > 0 || (live?.orphans ?? []).length > 0;
  const changes =
    replaces.length > 0 ||
    drifted ||
    untracked ||
    (live?.weightsOff ?? []).length > 0 ||
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
}

/** The LocalFleet provider. */
export const localFleetProvider: pulumi.dynamic.ResourceProvider<
  LocalFleetInputs,
  LocalFleetOutputs
> = {
  async diff(_id, olds, news) {
    // What runs now, read here as refresh reads it, so a plain preview and up see instances removed,
    // stopped or changed by hand without a refresh first (a replace makes a new fleet anyway).
    const replacing = fleetDiff(olds, news).replaces.length > 0;
    const live = !replacing && olds.instances?.length ? await observeSettled(olds) : undefined;
    const weights = live && (await weightsOff(olds.frontDoor));
    return fleetDiff(olds, news, live && { ...live, weightsOff: weights });
  },

  async create(inputs) {
    const started = Date.now();
    const fleetId = `${inputs.stack}-${inputs.fleet}-${inputs.specHash.slice(0, 8)}-${randomSuffix()}`;
    const slots = Array.from({ length: inputs.desiredCount }, (_, i) => i);
    const policy = inputs.rollout;
    if (policy !== undefined) await dropLeftovers(inputs);
    const { previous } = await prepareWeights(inputs.frontDoor, policy, inputs.desiredCount);
    const instances = await launchGated(fleetId, inputs, slots);
    const took = ((Date.now() - started) / 1000).toFixed(1);
    rt.say(
      `${inputs.fleet}: fleet ${fleetId} is live with ${instances.length} instance(s) after ${took} s`,
    );
    let windows: WindowRecord[] = [];
    if (policy !== undefined && inputs.frontDoor !== undefined && previous > 0) {
      try {
        windows = await runRollout({
          frontDoor: inputs.frontDoor,
          policy,
          candidates: instances,
          previous: await servingRelease(inputs),
          label: `${inputs.fleet} ${inputs.release ?? inputs.specHash.slice(0, 12)}`,
        });
      } catch (err) {
        // Whatever went wrong, the serving fleet takes its traffic back and this release goes.
        await removeCandidates(inputs, instances);
        throw err;
      }
      rt.say(
        `${inputs.fleet}: ${rolloutSummary(inputs.release ?? inputs.specHash.slice(0, 12), windows)}`,
      );
    } else if (policy !== undefined) {
      rt.say(`${inputs.fleet}: no previous release in the front door's pool: released at once`);
    }
    // Only now, with the new fleet serving (and its bake passed): the previous fleet (the engine's
    // delete then finds nothing left) and whatever a deployment cut short left behind.
    await sweepStrays(
      inputs,
      instances.map((i) => i.id),
      "older instance(s) of the stack (the previous fleet, or left by an interrupted deployment)",
    );
    const lastRollout = {
      outcome: windows.length > 0 ? ("promoted" as const) : ("immediate" as const),
      release: inputs.release ?? inputs.specHash.slice(0, 12),
      windows,
    };
    return { id: fleetId, outs: { ...outputs(inputs, instances), lastRollout } };
  },

  async update(id, olds, news) {
    // The instances as they are now (not as the last refresh saw them): drifted ones are replaced.
    const observed = olds.instances?.length ? (await observeSettled(olds)).instances : [];
    const plan = planFleetUpdate(observed, news.desiredCount);
    // Every slot at its normal weight first: a rollout cut short may have left the serving fleet at 0.
    await prepareWeights(news.frontDoor, undefined, plan.launch.length);
    const launched =
      plan.launch.length > 0
        ? await launchGated(id, { ...news, imageId: olds.imageId }, plan.launch)
        : [];
    await drainAndRemove(
      plan.drain.map((i) => i.id),
      drainOptions(news, `${news.fleet} update`),
    );
    const kept = [...plan.keep, ...launched];
    await sweepStrays(
      news,
      kept.map((i) => i.id),
      "container(s) the state does not track",
    );
    if (plan.launch.length + plan.drain.length > 0) {
      rt.say(
        `${news.fleet}: launched ${plan.launch.length}, drained ${plan.drain.length}, kept ${plan.keep.length}`,
      );
    }
    return { outs: { ...outputs(news, kept), lastRollout: olds.lastRollout } };
  },

  async read(id, props) {
    const { instances, orphans } = await observeFleet(props!);
    return { id, props: outputs(props!, instances, orphans) };
  },

  async delete(id, props) {
    // Also sweep instances of this fleet the state does not know (e.g. an interrupted update).
    const labelled = (await listAny([`${LABELS.fleetId}=${id}`])).map((i) => i.id);
    const ids = [...new Set([...(props.instances ?? []).map((i) => i.id), ...labelled])];
    await drainAndRemove(ids, drainOptions(props, `${props.fleet} ${props.specHash.slice(0, 12)}`));
  },
};

/** Resource arguments: every LocalFleetInputs field may be an Output. */
export type LocalFleetArgs = {
  readonly [K in keyof LocalFleetInputs]: pulumi.Input<LocalFleetInputs[K]>;
};

/** A health-gated fleet of containers (see the module comment). */
export class LocalFleet extends DynamicResource {
  declare readonly instanceIds: pulumi.Output<string[]>;
  declare readonly instances: pulumi.Output<FleetInstance[]>;
  declare readonly drifted: pulumi.Output<string[]>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly lastRollout: pulumi.Output<RolloutRecord | undefined>;

  constructor(name: string, args: LocalFleetArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      localFleetProvider,
      "localFleet",
      name,
      {
        ...args,
        instances: undefined,
        instanceIds: undefined,
        drifted: undefined,
        orphans: undefined,
        lastRollout: undefined,
      },
      // The secret env stays encrypted in the state's outputs as well as its inputs.
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "secretEnv"] },
    );
  }
}
