/**
 * The front door's runtime API, as pure data: where its admin socket lives, how to read `show
 * servers state`, and which commands take an instance out of the pool before any signal reaches it
 * (drain, then maintenance) and give its slot back once Docker's DNS has forgotten it.
 */
import { FRONT_DOOR_BACKEND } from "./haproxyConfig";

/** The admin socket inside the front door container (haproxy.cfg `stats socket`). */
export const FRONT_DOOR_ADMIN_SOCKET = "/tmp/haproxy-admin.sock";

/** haproxy's server admin-state bits (`srv_admin_state`, include/haproxy/server-t.h). */
export const ADMIN = {
  /** Forced into maintenance (`set server ... state maint`). */
  forcedMaint: 0x01,
  /** Forced into drain (`set server ... state drain`). */
  forcedDrain: 0x08,
  /** Down because its address no longer resolves (the slot is free). */
  resolutionMaint: 0x20,
} as const;

/** One slot of the backend, from `show servers state <backend>`. */
export interface SlotState {
  /** Server name, e.g. "app3". */
  readonly server: string;
  /** Address the slot points at; "0.0.0.0" or "-" when it has none. */
  readonly addr: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly op: number;
  /** srv_admin_state bit field (see {@link ADMIN}). */
  readonly admin: number;
  /** Weight set through the runtime API (srv_uweight); `iweight` until one is set. */
  readonly uweight?: number;
  /** Weight from the configuration (srv_iweight): the slot's normal weight. */
  readonly iweight?: number;
}

/**
 * Parses `show servers state` (format version 1: a version line, a `# be_id be_name srv_id ...`
 * header, then space-separated rows). Columns are located by name. Throws on another format.
 */
export function parseServersState(text: string): SlotState[] {
  const lines = text.split("\n").map((l) => l.trim());
  const head = lines.find((l) => l.startsWith("# "));
  if (lines[0] !== "1" || head === undefined) {
    throw new Error(
      `haproxy show servers state: expected format version 1 with a "# be_id ..." header, got ` +
        JSON.stringify(text.slice(0, 120)),
    );
  }
  const cols = head.slice(2).split(/\s+/);
  const at = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`haproxy show servers state: column ${name} missing from ${head}`);
    return i;
  };
  const [be, name, addr, op, admin, uweight, iweight] = [
    "be_name",
    "srv_name",
    "srv_addr",
    "srv_op_state",
    "srv_admin_state",
    "srv_uweight",
    "srv_iweight",
  ].map(at);
  return lines
    .filter((l) => l !== "" && l !== "1" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/))
    .filter((f) => f[be] === FRONT_DOOR_BACKEND)
    .map((f) => ({
      server: f[name] ?? "",
      addr: f[addr] ?? "",
      op: Number(f[op]),
      admin: Number(f[admin]),
      uweight: Number(f[uweight]),
      iweight: Number(f[iweight]),
    }));
}

/** The slots pointing at one of `ips`. */
export function slotsOf(slots: readonly SlotState[], ips: readonly string[]): SlotState[] {
  const wanted = new Set(ips.filter((ip) => ip !== ""));
  return slots.filter((s) => wanted.has(s.addr));
}

/** `set server` commands putting `slots` into `state` (drain, maint or ready). */
export function setState(
  slots: readonly SlotState[],
  state: "drain" | "maint" | "ready",
): string[] {
  return slots.map((s) => `set server ${FRONT_DOOR_BACKEND}/${s.server} state ${state}`);
}

/**
 * Slots still forced into drain or maintenance although their instance is gone (its address no
 * longer resolves): they must be made ready again, or the next instance Docker's DNS hands that
 * slot would never receive traffic. Also covers slots a killed deployment left forced.
 */
export function forcedFreeSlots(slots: readonly SlotState[]): SlotState[] {
  const forced = ADMIN.forcedMaint | ADMIN.forcedDrain;
  return slots.filter((s) => (s.admin & forced) !== 0 && isFree(s));
}

/**
 * Free slots (no instance behind them) not yet forced into maintenance. A launch of containers
 * holds them in maintenance before its instances start: haproxy counts a server that Docker's DNS
 * newly hands a slot as UP before its first check, so an instance that carries the fleet's alias
 * from its start must land in a held slot, and gets traffic only once its health gate passed.
 */
export function slotsToHold(slots: readonly SlotState[]): SlotState[] {
  return slots.filter((s) => isFree(s) && (s.admin & ADMIN.forcedMaint) === 0);
}

/** The slots pointing at one of `ips` that are held in maintenance (see {@link slotsToHold}). */
export function heldSlotsOf(slots: readonly SlotState[], ips: readonly string[]): SlotState[] {
  return slotsOf(slots, ips).filter((s) => (s.admin & ADMIN.forcedMaint) !== 0);
}

/** True when no instance is behind the slot: its address is gone from DNS, or it never had one. */
export function isFree(s: SlotState): boolean {
  return (s.admin & ADMIN.resolutionMaint) !== 0 || !isAddr(s.addr);
}

/** True when the slot points at a real address. */
function isAddr(addr: string): boolean {
  return addr !== "" && addr !== "-" && addr !== "0.0.0.0";
}

/** Slots with an instance behind them whose weight is not their normal one (a rollout cut short). */
export function offWeightSlots(slots: readonly SlotState[]): SlotState[] {
  return slots.filter((s) => !isFree(s) && s.uweight !== s.iweight);
}
