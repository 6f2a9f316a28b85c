/**
 * LocalNetwork: a dynamic provider for the stack's user-defined Docker network: a bridge, or an
 * attachable overlay when the instances are Swarm services. The fleet and the front door share
 * it; Docker's embedded DNS on it resolves the fleet's alias, which is how the front door follows
 * fleet swaps. It is deleted last, so its delete also removes every
 * service, container and volume labelled with the stack that the state did not track.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../../dynamicResource";
import { LABELS } from "../../../lib/core/identifiers";
import { dockerClient, isNotFound } from "../../docker/client";
import { everyKind } from "../fleet/instances";
import { isSwarmManager, notSwarmManager } from "../fleet/services";

/** Inputs of a LocalNetwork. */
export interface LocalNetworkInputs {
  /** Docker network name, e.g. "dev-phoenix". */
  readonly name: string;
  readonly stack: string;
  /**
   * An attachable overlay network, for instances that are Swarm services (`instances: services`);
   * otherwise a bridge network.
   */
  readonly swarm?: boolean;
}

/** Outputs of a LocalNetwork. */
export interface LocalNetworkOutputs extends LocalNetworkInputs {
  /** Docker's network id. */
  readonly networkId: string;
}

/** The network's diff, given whether it exists now. */
export function networkDiff(olds: LocalNetworkOutputs, news: LocalNetworkInputs, exists: boolean) {
  const replaces: string[] = (["name", "stack", "swarm"] as const).filter(
    (k) => (olds[k] ?? false) !== (news[k] ?? false),
  );
  if (replaces.length === 0 && !exists) replaces.push("networkId");
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: olds.name === news.name };
}

/** True when the network exists. */
async function networkExists(id: string | undefined): Promise<boolean> {
  if (!id) return false;
  try {
    await dockerClient().getNetwork(id).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The LocalNetwork provider. */
export const localNetworkProvider: pulumi.dynamic.ResourceProvider<
  LocalNetworkInputs,
  LocalNetworkOutputs
> = {
  async diff(_id, olds, news) {
    // Read live, as refresh would: a network removed by hand is made again by a plain up.
    return networkDiff(olds, news, await networkExists(olds.networkId));
  },

  async create(inputs) {
    const docker = dockerClient();
    // The name filter matches substrings: keep exact matches only.
    const existing = (
      (await docker.listNetworks({ filters: { name: [inputs.name] } })) as Array<{
        Id: string;
        Name: string;
        Labels?: Record<string, string>;
      }>
    ).filter((n) => n.Name === inputs.name);
    const same = existing.find((n) => n.Labels?.[LABELS.stack] === inputs.stack);
    // Left behind by an interrupted run of this stack: adopt it.
    if (same) return { id: same.Id, outs: { ...inputs, networkId: same.Id } };
    if (existing.length > 0) {
      throw new Error(
        `network ${inputs.name} already exists and does not belong to stack ${inputs.stack}; ` +
          `remove it (docker network rm ${inputs.name}) or choose another stack name`,
      );
    }
    if (inputs.swarm === true && !(await isSwarmManager())) throw notSwarmManager();
    const net = await docker.createNetwork({
      Name: inputs.name,
      ...(inputs.swarm === true ? { Driver: "overlay", Attachable: true } : { Driver: "bridge" }),
      CheckDuplicate: true,
      Labels: { [LABELS.stack]: inputs.stack },
    });
    return { id: net.id, outs: { ...inputs, networkId: net.id } };
  },

  async read(id, props) {
    try {
      await dockerClient().getNetwork(id).inspect();
      return { id, props };
    } catch (err) {
      if (isNotFound(err)) return { id: "" };
      throw err;
    }
  },

  async delete(id, props) {
    const net = dockerClient().getNetwork(id);
    let info: { Containers?: Record<string, { Name: string }> };
    try {
      info = await net.inspect();
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    // The fleet and the front door are gone by now: whatever of the stack is still attached was
    // left by a deployment cut short, and goes with the stack (with its anonymous volumes).
    const docker = dockerClient();
    // Services first (everyKind's order): Swarm would replace the task containers removed later.
    let removed = 0;
    for (const kind of everyKind()) {
      const ours = await kind.list([`${LABELS.stack}=${props.stack}`], { id, name: props.name });
      await kind.remove(
        ours.map((i) => i.id),
        0,
      );
      removed += ours.length;
    }
    if (removed > 0) info = await net.inspect();
    // An overlay network's own load-balancer endpoint ("lb-<network>") goes with the network.
    const attached = Object.entries(info.Containers ?? {})
      .filter(([key]) => !key.startsWith("lb-"))
      .map(([, c]) => c.Name);
    if (attached.length > 0) {
      throw new Error(
        `network ${props.name}: still used by ${attached.join(", ")}, which do not belong to stack ` +
          `${props.stack}: disconnect or remove them (docker rm -f ...) and run destroy again`,
      );
    }
    await net.remove();
    // Volumes labelled with the stack (the images declare none; a hand-made one goes too).
    const { Volumes } = await docker.listVolumes({
      filters: { label: [`${LABELS.stack}=${props.stack}`] },
    });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true });
  },
};

/** Resource arguments. */
export type LocalNetworkArgs = {
  readonly [K in keyof LocalNetworkInputs]: pulumi.Input<LocalNetworkInputs[K]>;
};

/** The stack's Docker network (see the module comment). */
export class LocalNetwork extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly networkId: pulumi.Output<string>;

  constructor(name: string, args: LocalNetworkArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(localNetworkProvider, "localNetwork", name, { ...args, networkId: undefined }, opts);
  }
}
