/**
 * LocalFrontDoor: a dynamic provider for the stack's front door, one long-lived haproxy container
 * that publishes the stable host port (127.0.0.1:<hostPort>) and balances over whatever fleet
 * currently carries the service alias on the stack network (Docker DNS + active health checks).
 * Fleet swaps never touch it. Replacing it (a new front door image or port) means a short gap on
 * the port, so it is deleted before its replacement is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "../../dynamicResource";
import { FRONT_DOOR_LISTEN_PORT } from "../../../lib/local/haproxyConfig";
import { LABELS } from "../../../lib/core/identifiers";
import * as rt from "../../docker/dockerRuntime";
import { dockerClient, isNotFound } from "../../docker/client";
import { LOG_CAP } from "../../../lib/local/instanceSpec";
import { frontDoor } from "./frontDoor";

/** Inputs of a LocalFrontDoor. */
export interface LocalFrontDoorInputs {
  readonly stack: string;
  /** Container name, e.g. "dev-frontdoor". */
  readonly name: string;
  /** Front door image (built from images/frontdoor.yaml). */
  readonly imageId: string;
  readonly network: string;
  /** Host port published on 127.0.0.1. */
  readonly hostPort: number;
  /** Settings haproxy.cfg reads (lib/local/haproxyConfig.ts frontDoorEnv). */
  readonly env: Record<string, string>;
}

/** Outputs of a LocalFrontDoor. */
export interface LocalFrontDoorOutputs extends LocalFrontDoorInputs {
  readonly containerId: string;
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** False when refresh found the container stopped; the next `pulumi up` replaces it. */
  readonly running: boolean;
}

const REPLACE_ON = ["stack", "name", "imageId", "network", "hostPort", "env"] as const;

async function removeByName(name: string, stack: string): Promise<void> {
  const docker = dockerClient();
  try {
    const info = await docker.getContainer(name).inspect();
    if (
      info.Config?.Labels?.[LABELS.stack] !== stack ||
      info.Config?.Labels?.[LABELS.role] !== "frontdoor"
    ) {
      throw new Error(
        `container ${name} exists and is not this stack's front door; remove it (docker rm -f ${name}) ` +
          `or use another stack name`,
      );
    }
    await docker.getContainer(name).remove({ force: true, v: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * Why 127.0.0.1:`port` cannot be the front door's, in the words of the stack config; undefined when
 * it is free. Probed by binding it for a moment, as Docker's port publishing will.
 */
async function portTaken(port: number): Promise<string | undefined> {
  const net = require("node:net") as typeof import("node:net");
  const code = await new Promise<string | undefined>((resolve) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(undefined)));
  });
  if (code === undefined) return undefined;
  return code === "EADDRINUSE"
    ? `phoenix:frontDoorPort: port ${port} on 127.0.0.1 is already in use by another process; ` +
        "choose a free one with `pulumi config set phoenix:frontDoorPort <port>` " +
        `(or stop what listens there: \`ss -ltnp 'sport = :${port}'\`)`
    : `phoenix:frontDoorPort: port ${port} on 127.0.0.1 cannot be bound (${code}); ` +
        "choose another with `pulumi config set phoenix:frontDoorPort <port>`";
}

/** The front door's diff, given whether its container runs now. */
export function frontDoorDiff(
  olds: LocalFrontDoorOutputs,
  news: LocalFrontDoorInputs,
  running: boolean,
) {
  const replaces: string[] = REPLACE_ON.filter(
    (k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
  );
  if (olds.running === false || !running) replaces.push("running");
  // The host port can be bound only once: the old container must go first.
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
}

/** True when a front door container of `stack` publishes host port `port`. */
async function ownFrontDoorOn(stack: string, port: number): Promise<boolean> {
  const mine: Array<{ Ports?: Array<{ PublicPort?: number }> }> =
    await dockerClient().listContainers({
      all: true,
      filters: { label: [`${LABELS.stack}=${stack}`, `${LABELS.role}=frontdoor`] },
    });
  return mine.some((c) => (c.Ports ?? []).some((p) => p.PublicPort === port));
}

/** True when the container exists and runs. */
async function containerRunning(id: string | undefined): Promise<boolean> {
  if (!id) return false;
  try {
    return (await dockerClient().getContainer(id).inspect()).State?.Running === true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The LocalFrontDoor provider. */
export const localFrontDoorProvider: pulumi.dynamic.ResourceProvider<
  LocalFrontDoorInputs,
  LocalFrontDoorOutputs
> = {
  async check(olds, news) {
    // A port another process holds is refused here, at preview, while the old front door still
    // serves: the replace deletes the old container before it binds the new port.
    // The stack's own front door holding the port is no conflict: a replace removes it first.
    if (olds?.hostPort === news.hostPort || (await ownFrontDoorOn(news.stack, news.hostPort)))
      return { inputs: news };
    const problem = await portTaken(news.hostPort);
    return problem ? { failures: [{ property: "hostPort", reason: problem }] } : { inputs: news };
  },

  async diff(_id, olds, news) {
    // Read live, as refresh would: a front door removed or stopped by hand is replaced by a plain
    // preview and up, without a refresh first.
    return frontDoorDiff(olds, news, await containerRunning(olds.containerId));
  },

  async create(inputs) {
    const docker = dockerClient();
    await removeByName(inputs.name, inputs.stack); // a leftover of an interrupted run
    const port = `${FRONT_DOOR_LISTEN_PORT}/tcp`;
    const container = await docker.createContainer({
      name: inputs.name,
      Image: inputs.imageId,
      Env: Object.entries(inputs.env).map(([k, v]) => `${k}=${v}`),
      Labels: { [LABELS.stack]: inputs.stack, [LABELS.role]: "frontdoor" },
      ExposedPorts: { [port]: {} },
      HostConfig: {
        NetworkMode: inputs.network,
        PortBindings: { [port]: [{ HostIp: "127.0.0.1", HostPort: String(inputs.hostPort) }] },
        RestartPolicy: { Name: "unless-stopped" },
        LogConfig: { Type: LOG_CAP.driver, Config: { ...LOG_CAP.options } },
      },
    });
    const url = `http://127.0.0.1:${inputs.hostPort}`;
    try {
      await container.start();
      const deadline = Date.now() + 30_000;
      for (;;) {
        const stats = await frontDoor(container.id).servers();
        const front = await rt.httpGet(`${url}/`, 2000);
        if (stats !== undefined && front !== undefined) break;
        const state = (await container.inspect()).State;
        if (!state.Running || Date.now() > deadline) {
          throw new Error(
            state.Running
              ? `front door ${inputs.name} did not answer on ${url}`
              : `front door ${inputs.name} exited (code ${state.ExitCode})`,
          );
        }
        await rt.pause(200);
      }
    } catch (err) {
      const tail = await rt.logSection(inputs.name, container.id);
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw new Error(`${(err as Error).message}${tail}`, { cause: err });
    }
    rt.say(`front door ${inputs.name} is serving ${url}`);
    return { id: container.id, outs: { ...inputs, containerId: container.id, url, running: true } };
  },

  async read(id, props) {
    const p = props!;
    try {
      const info = await dockerClient().getContainer(id).inspect();
      const running = info.State?.Running === true;
      if (!running)
        rt.say(`drift: front door ${p.name} is not running; the next \`pulumi up\` replaces it`);
      return { id, props: { ...p, running } };
    } catch (err) {
      if (isNotFound(err)) return { id: "" };
      throw err;
    }
  },

  async delete(id) {
    const c = dockerClient().getContainer(id);
    try {
      await c.remove({ force: true, v: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};

/** Resource arguments. */
export type LocalFrontDoorArgs = {
  readonly [K in keyof LocalFrontDoorInputs]: pulumi.Input<LocalFrontDoorInputs[K]>;
};

/** The stack's front door (see the module comment). */
export class LocalFrontDoor extends DynamicResource {
  declare readonly name: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;
  declare readonly containerId: pulumi.Output<string>;

  constructor(name: string, args: LocalFrontDoorArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      localFrontDoorProvider,
      "localFrontDoor",
      name,
      { ...args, containerId: undefined, url: undefined, running: undefined },
      opts,
    );
  }
}
