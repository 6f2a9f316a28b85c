/**
 * haproxy's runtime API on the front door's admin socket (a UNIX socket inside the front door
 * container, never published): the providers put instances into drain and maintenance before
 * any signal reaches them, and read each slot's admin state. Commands run through `docker exec`
 * with the perl of the image's base system (perl-base is Essential in Debian), so the socket is
 * reachable by nothing on the stack network. Serialized by value with the providers: no
 * module-level state, dockerode required inside calls.
 */
import {
  FRONT_DOOR_ADMIN_SOCKET,
  heldSlotsOf,
  parseServersState,
  setState,
  slotsOf,
  slotsToHold,
  type SlotState,
} from "../../../lib/local/haproxyRuntime";
import {
  FRONT_DOOR_BACKEND,
  parseHaproxyStats,
  poolState,
  type ServerState,
} from "../../../lib/local/haproxyConfig";
import { dockerClient, isNotFound } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";

/** Sends the commands to the admin socket in one connection; one line, `;`-separated. */
const CLIENT = [
  "use IO::Socket::UNIX;",
  "my $s = IO::Socket::UNIX->new(Peer => shift) or die qq(cannot connect: $!\\n);",
  'print $s join(";", @ARGV), "\\n";',
  "print while <$s>;",
].join(" ");

/**
 * Runs runtime API commands on the front door container and resolves with their output. Throws
 * when the front door cannot run them (not running, no admin socket), naming the container.
 */
export async function frontDoorCommand(
  frontDoor: string,
  commands: readonly string[],
): Promise<string> {
  for (const c of commands) {
    if (/[;\n]/.test(c))
      throw new Error(`front door command ${JSON.stringify(c)}: contains ; or a newline`);
  }
  const exec = await dockerClient()
    .getContainer(frontDoor)
    .exec({
      Cmd: ["perl", "-e", CLIENT, FRONT_DOOR_ADMIN_SOCKET, ...commands],
      AttachStdout: true,
      AttachStderr: true,
    });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const { stdout, stderr } = rt.demux(Buffer.concat(chunks));
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) {
    throw new Error(
      `front door ${frontDoor}: runtime API call failed (exit ${ExitCode}): ${stderr.trim() || stdout.trim()}`,
    );
  }
  return stdout;
}

/** True when the front door container exists and runs. */
export async function frontDoorRunning(frontDoor: string): Promise<boolean> {
  try {
    const info = await dockerClient().getContainer(frontDoor).inspect();
    return info.State?.Running === true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * The admin state of every slot of the fleet's backend, or undefined when the front door is not
 * running (nothing routes through it then).
 */
export async function slotStates(
  frontDoor: string,
  backend: string,
): Promise<SlotState[] | undefined> {
  if (!(await frontDoorRunning(frontDoor))) return undefined;
  return parseServersState(await frontDoorCommand(frontDoor, [`show servers state ${backend}`]));
}

/**
 * The front door's server rows (`show stat` on the admin socket, which works whatever the stack
 * network's driver: an overlay network's addresses are not reachable from this host), or
 * undefined when the front door is not running or does not answer.
 */
export async function frontDoorServers(frontDoor: string): Promise<ServerState[] | undefined> {
  if (!(await frontDoorRunning(frontDoor))) return undefined;
  try {
    const out = await frontDoorCommand(frontDoor, ["show stat"]);
    return parseHaproxyStats(out.slice(Math.max(0, out.indexOf("# pxname"))));
  } catch {
    return undefined;
  }
}

/**
 * Waits until the front door sends traffic to every instance (each is fully UP in its pool).
 * Resolves at once when there is no front door.
 */
export async function waitInPool(
  instances: readonly rt.Probed[],
  gate: { readonly frontDoor?: string; readonly deadline: number; readonly label: string },
): Promise<void> {
  const { frontDoor, deadline, label } = gate;
  if (frontDoor === undefined) return;
  let reported = -1;
  for (;;) {
    const rows = await frontDoorServers(frontDoor);
    if (rows === undefined) {
      rt.say(`${label}: front door ${frontDoor} not reachable; not waiting for its pool`);
      return;
    }
    const up = instances.filter((i) => poolState(rows, i.ip).fullyUp).length;
    if (up !== reported) {
      rt.say(`${label}: ${up}/${instances.length} in the front door's pool`);
      reported = up;
    }
    if (up === instances.length) return;
    if (Date.now() > deadline) {
      const missing = instances.find((i) => !poolState(rows, i.ip).fullyUp)!;
      throw rt.healthGateError(
        `${missing.name} (${missing.ip}) never came UP in the front door's pool`,
        missing,
      );
    }
    await rt.pause(200);
  }
}

/**
 * Holds the fleet backend's free slots in maintenance (see `slotsToHold`), before a launch of
 * instances that carry the fleet's alias from their start. Nothing to do without a running front
 * door. `releaseSlots` makes them ready again once the launch is over.
 */
export async function holdFreeSlots(frontDoor: string | undefined): Promise<void> {
  if (frontDoor === undefined) return;
  const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
  const hold = slotsToHold(slots ?? []);
  if (hold.length > 0) await frontDoorCommand(frontDoor, setState(hold, "maint"));
}

/**
 * Puts instances that passed their health gate into the pool: makes ready the held slots that
 * Docker's DNS handed them, waiting until it has handed each one a slot. Resolves at once without
 * a running front door (waitInPool says so).
 */
export async function admitToPool(
  instances: readonly rt.Probed[],
  gate: { readonly frontDoor?: string; readonly deadline: number; readonly label: string },
): Promise<void> {
  const { frontDoor, deadline } = gate;
  if (frontDoor === undefined) return;
  const waiting = new Set(instances.map((i) => i.ip));
  for (;;) {
    const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
    if (slots === undefined) return;
    const placed = slotsOf(slots, [...waiting]);
    const held = heldSlotsOf(placed, [...waiting]);
    if (held.length > 0) await frontDoorCommand(frontDoor, setState(held, "ready"));
    for (const s of placed) waiting.delete(s.addr);
    if (waiting.size === 0) return;
    if (Date.now() > deadline) {
      const missing = instances.find((i) => waiting.has(i.ip))!;
      throw rt.healthGateError(
        `${missing.name} (${missing.ip}) got no slot in the front door's pool (the front door did not resolve it)`,
        missing,
      );
    }
    await rt.pause(200);
  }
}
