/**
 * What the state does not track: instances (containers or services) labelled with the stack and the fleet that
 * are not part of the fleet the state records (left by a deployment whose engine was killed, or
 * started by hand with the stack's labels). Refresh names them, and every create or update of the
 * fleet drains and removes them once its own instances are live. Serialized by value with the
 * LocalFleet provider.
 */
import { LABELS } from "../../../lib/core/identifiers";
import { plainContainersLabelled, servicesLabelled } from "./services";
import * as rt from "../../docker/dockerRuntime";
import { drainAndRemove } from "./drain";
import type { LocalFleetInputs } from "./types";

/** One container the state does not track. */
export interface Stray {
  readonly id: string;
  readonly name: string;
  /** The fleet id (LocalFleet resource id) it was launched by. */
  readonly fleetId: string;
}

/** Instance containers of the stack's fleet whose ids are not in `keep`. */
export async function strays(
  p: Pick<LocalFleetInputs, "stack" | "fleet">,
  keep: readonly string[],
): Promise<Stray[]> {
  const kept = new Set(keep);
  const labels = [
    `${LABELS.stack}=${p.stack}`,
    `${LABELS.role}=instance`,
    `${LABELS.fleet}=${p.fleet}`,
  ];
  const containers = (await plainContainersLabelled(labels)).map((c) => ({
    id: c.Id,
    name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""),
    fleetId: c.Labels?.[LABELS.fleetId] ?? "?",
  }));
  const services = (await servicesLabelled(labels)).map((s) => ({
    id: s.ID,
    name: s.Spec?.Name ?? s.ID,
    fleetId: s.Spec?.Labels?.[LABELS.fleetId] ?? "?",
  }));
  return [...containers, ...services].filter((c) => !kept.has(c.id));
}

/**
 * Drains and removes every instance container of the stack's fleet but `keep` (see the module
 * comment). `what` names them in the log line.
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
