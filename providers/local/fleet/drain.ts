/**
 * Draining fleet instances through the front door's runtime API, so that it needs nothing from
 * the app: each instance's slots go to `drain` (no new requests), the front door's in-flight
 * sessions on them run to 0, the slots go to `maint`, and only then does the instance get SIGTERM,
 * the grace period and SIGKILL. Once Docker's DNS has forgotten the removed instances, their slots
 * are made ready again for the instances that come next. Serialized by value with the providers.
 */
import { parseHaproxyStats } from "../../../lib/local/haproxyConfig";
import { forcedFreeSlots, setState, type SlotState } from "../../../lib/local/haproxyRuntime";
import { dockerClient, dockerStatus, isNotFound } from "../../docker/client";
import * as rt from "../../docker/dockerRuntime";
import { FRONT_DOOR_BACKEND } from "../../../lib/local/haproxyConfig";
import { removeServices, serviceTarget } from "./services";
import { frontDoorCommand, frontDoorRunning, slotStates } from "../frontDoor/runtimeApi";

/** How to drain instances. */
export interface DrainOptions {
  readonly network: string;
  /** Front door container name; without one, instances are stopped at once. */
  readonly frontDoor?: string;
  /** SIGTERM -> SIGKILL grace of `docker stop`. */
  readonly stopGraceSeconds: number;
  readonly label: string;
  /**
   * Longest wait for in-flight requests to finish, ms.
   * @default - 35 s: the front door's `timeout server` (30 s) plus margin
   */
  readonly inFlightDeadlineMs?: number;
}

/**
 * Runs `commands` then `show stat` in one call; resolves with the backend's slots pointing at
 * `ips` and the sessions the front door still has open on them.
 */
async function statAfter(
  frontDoor: string,
  commands: readonly string[],
  ips: readonly string[],
): Promise<{ slots: SlotState[]; inFlight: number }> {
  const out = await frontDoorCommand(frontDoor, [...commands, "show stat"]);
  const rows = parseHaproxyStats(out.slice(out.indexOf("# pxname"))).filter(
    (r) => r.proxy === FRONT_DOOR_BACKEND && ips.includes(r.addr.split(":")[0]),
  );
  return {
    slots: rows.map((r) => ({ server: r.server, addr: r.addr.split(":")[0], op: 0, admin: 0 })),
    inFlight: rows.reduce((n, r) => n + r.current, 0),
  };
}

/**
 * Takes the instances at `ips` out of the front door's pool: drain, wait for 0 in-flight, maint.
 * Resolves with the slots it forced, or [] when no front door is running.
 */
async function leavePool(opts: DrainOptions, ips: readonly string[]): Promise<string[]> {
  const fd = opts.frontDoor;
  if (fd === undefined || ips.length === 0) return [];
  if (!(await frontDoorRunning(fd))) return []; // nothing routes to the instances
  const { slots: mine } = await statAfter(fd, [], ips);
  if (mine.length === 0) return [];
  const deadline = Date.now() + (opts.inFlightDeadlineMs ?? 35_000);
  let busy = (await statAfter(fd, setState(mine, "drain"), ips)).inFlight;
  for (; busy > 0; busy = (await statAfter(fd, [], ips)).inFlight) {
    if (Date.now() > deadline) {
      rt.say(
        `${opts.label}: ${busy} request(s) still in flight at the drain deadline; stopping anyway`,
      );
      break;
    }
    await rt.pause(100);
  }
  await frontDoorCommand(fd, setState(mine, "maint"));
  return mine.map((s) => s.server);
}

/**
 * Makes ready every slot still forced into drain or maint once its instance's address is gone
 * from Docker's DNS (waits for the `forced` slots of this drain, up to 10 s).
 */
export async function releaseSlots(
  frontDoor: string | undefined,
  forced: readonly string[],
): Promise<void> {
  if (frontDoor === undefined) return;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const slots = await slotStates(frontDoor, FRONT_DOOR_BACKEND);
    if (slots === undefined) return;
    const free = forcedFreeSlots(slots);
    const waiting = forced.filter((s) => !free.some((f) => f.server === s));
    if (waiting.length === 0 || Date.now() > deadline) {
      if (free.length > 0) await frontDoorCommand(frontDoor, setState(free, "ready"));
      return;
    }
    await rt.pause(200);
  }
}

/**
 * Drains and removes instances (see the module comment): out of the pool first, then `docker
 * stop` with the grace period and removal with their anonymous volumes (for a container), or the
 * removal of the service, whose task Swarm stops the same way (for a service). Missing ones are
 * skipped.
 */
export async function drainAndRemove(ids: readonly string[], opts: DrainOptions): Promise<void> {
  if (ids.length === 0) return;
  const started = Date.now();
  const docker = dockerClient();
  const found = await Promise.all(
    ids.map(async (id): Promise<(rt.Probed & { service?: true }) | undefined> => {
      try {
        const info = await docker.getContainer(id).inspect();
        const name = String(info.Name ?? id).replace(/^\//, "");
        return { id, name, ip: rt.ipOn(info, opts.network) ?? "" };
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const svc = await serviceTarget(id, opts.network);
      return svc && { id, name: svc.name, ip: svc.ip ?? "", service: true };
    }),
  );
  const live = found.filter((i) => i !== undefined);
  if (live.length === 0) return;
  const forced = await leavePool(
    opts,
    live.map((i) => i.ip).filter((ip) => ip !== ""),
  );
  const outAfter = ((Date.now() - started) / 1000).toFixed(1);
  let stoppedAt = started;
  const services = live.filter((i) => i.service).map((i) => i.id);
  await Promise.all([
    removeServices(services, opts.stopGraceSeconds).then(() => {
      stoppedAt = Math.max(stoppedAt, Date.now());
    }),
    ...live
      .filter((i) => !i.service)
      .map(async (inst) => {
        const c = docker.getContainer(inst.id);
        try {
          await c.stop({ t: opts.stopGraceSeconds });
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
  ]);
  const removedAfter = ((Date.now() - started) / 1000).toFixed(1);
  await releaseSlots(opts.frontDoor, forced);
  rt.say(
    `${opts.label}: drained ${live.length} instance(s): out of the pool with 0 in flight after ` +
      `${outAfter} s, stopped after ${((stoppedAt - started) / 1000).toFixed(1)} s, ` +
      `removed after ${removedAfter} s, slots free after ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
