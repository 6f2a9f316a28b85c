/**
 * The transport of haproxy's runtime API on the front door's admin socket (a UNIX socket inside the
 * front door container, never published), and its reads: each slot's admin state, the servers'
 * statistics and their request counters. Commands run through `docker exec` with the perl of the image's base system
 * (perl-base is Essential in Debian), so the socket is reachable by nothing on the stack network.
 * Everything else uses these through `frontDoor(name)` (./frontDoor.ts). Serialized by value with
 * the providers: no module-level state, dockerode required inside calls.
 */
import {
  FRONT_DOOR_ADMIN_SOCKET,
  parseServersState,
  type SlotState,
} from "../../../lib/local/haproxyRuntime";
import {
  parseHaproxyStats,
  parseServerCounters,
  type ServerCounters,
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
 * Every server's cumulative request counters (`show stat`: what a canary is judged on). Throws when
 * the front door cannot answer: a rollout must not judge a release on nothing.
 */
export async function serverCounters(frontDoor: string): Promise<ServerCounters[]> {
  const out = await frontDoorCommand(frontDoor, ["show stat"]);
  return parseServerCounters(out.slice(Math.max(0, out.indexOf("# pxname"))));
}
