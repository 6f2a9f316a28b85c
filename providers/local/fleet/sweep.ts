/**
 * What the state does not track: instances (containers or services) labelled with the stack and
 * the fleet that are not part of the fleet the state records (left by a deployment whose engine
 * was killed, or started by hand with the stack's labels). Refresh names them, and every create or
 * update of the fleet drains and removes them once its own instances are live. Serialized by value
 * with the LocalFleet provider.
 */
import { LABELS } from "../../../lib/core/identifiers";
import { fleetSelector } from "../../../lib/local/instanceSpec";
import * as rt from "../../docker/dockerRuntime";
import { drainAndRemove } from "./drain";
import { listAny } from "./instances";
import type { LocalFleetInputs } from "./types";

/** One instance (container or service) the state does not track. */
export interface Stray {
  readonly id: string;
  readonly name: string;
  /** The fleet id (LocalFleet resource id) it was launched by. */
  readonly fleetId: string;
  /** The spec hash of the release it runs. */
  readonly specHash: string;
}

/** Instances of the stack's fleet, of either kind, whose ids are not in `keep`. */
export async function strays(
  p: Pick<LocalFleetInputs, "stack" | "fleet">,
  keep: readonly string[],
): Promise<Stray[]> {
  const kept = new Set(keep);
  const found = (await listAny(fleetSelector(p))).map((i) => ({
    id: i.id,
    name: i.name,
    fleetId: i.labels[LABELS.fleetId] ?? "?",
    specHash: i.labels[LABELS.specHash] ?? "",
  }));
  return found.filter((c) => !kept.has(c.id));
}

/**
 * Drains and removes every instance of the stack's fleet but `keep` (see the module comment).
 * `what` names them in the log line.
 */
export async function sweepStrays(
  p: LocalFleetInputs,
  keep: readonly string[],
  what: string,
): Promise<void> {
  const found = await strays(p, keep);
  if (found.length === 0) return;
  rt.say(`${p.fleet}: removing ${found.length} ${what}: ${found.map((s) => s.name).join(", ")}`);
  await drainAndRemove(
    found.map((s) => s.id),
    {
      network: p.network,
      frontDoor: p.frontDoor,
      stopGraceSeconds: p.stopGraceSeconds,
      label: `${p.fleet} sweep`,
    },
  );
}
