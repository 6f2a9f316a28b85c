/**
 * Draining fleet instances through the front door's runtime API, so that it needs nothing from
 * the app: each instance's slots go to `drain` (no new requests), the front door's in-flight
 * sessions on them run to 0, the slots go to `maint`, and only then does the instance get SIGTERM,
 * the grace period and SIGKILL. Once Docker's DNS has forgotten the removed instances, their slots
 * are made ready again for the instances that come next. Serialized by value with the providers.
 */
import * as rt from "../../docker/dockerRuntime";
import { frontDoor } from "../frontDoor/frontDoor";
import { everyKind, locateAny } from "./instances";

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
 * Drains and removes instances of either kind (see the module comment): out of the pool first,
 * then stopped with the grace period and removed (a container with its anonymous volumes; a
 * service, whose task is stopped the same way). Missing ones are skipped.
 */
export async function drainAndRemove(ids: readonly string[], opts: DrainOptions): Promise<void> {
  if (ids.length === 0) return;
  const started = Date.now();
  const door = frontDoor(opts.frontDoor);
  const found = await Promise.all(ids.map((id) => locateAny(id, opts.network)));
  const live = found.filter((i) => i !== undefined);
  if (live.length === 0) return;
  const forced = await door.leavePool(
    live.map((i) => i.ip).filter((ip) => ip !== ""),
    { label: opts.label, inFlightDeadlineMs: opts.inFlightDeadlineMs },
  );
  const outAfter = ((Date.now() - started) / 1000).toFixed(1);
  const stopped = await Promise.all(
    everyKind().map((kind) =>
      kind.remove(
        live.filter((i) => i.kind === kind.kind).map((i) => i.id),
        opts.stopGraceSeconds,
      ),
    ),
  );
  const stoppedAt = Math.max(started, ...stopped);
  const removedAfter = ((Date.now() - started) / 1000).toFixed(1);
  await door.releaseSlots(forced);
  rt.say(
    `${opts.label}: drained ${live.length} instance(s): out of the pool with 0 in flight after ` +
      `${outAfter} s, stopped after ${((stoppedAt - started) / 1000).toFixed(1)} s, ` +
      `removed after ${removedAfter} s, slots free after ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
