import { describe, expect, it } from "vitest";
import {
  ADMIN,
  forcedFreeSlots,
  heldSlotsOf,
  parseServersState,
  setState,
  slotsOf,
  slotsToHold,
} from "../../../../lib/local/haproxyRuntime";

// `show servers state app` of haproxy 2.6, trimmed to three slots and the leading columns kept.
const STATE = [
  "1",
  "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight",
  "3 app 1 app1 172.21.0.3 2 0 1 1",
  "3 app 2 app2 172.21.0.4 2 9 1 1",
  "3 app 3 app3 - 0 33 1 1",
  "3 app 4 app4 - 0 32 1 1",
  "4 stats 1 other 10.0.0.1 2 1 1 1",
  "",
].join("\n");

describe("parseServersState", () => {
  it("reads each slot of the app backend by column name", () => {
    expect(parseServersState(STATE)).toEqual([
      { server: "app1", addr: "172.21.0.3", op: 2, admin: 0, uweight: 1, iweight: 1 },
      { server: "app2", addr: "172.21.0.4", op: 2, admin: 9, uweight: 1, iweight: 1 },
      { server: "app3", addr: "-", op: 0, admin: 33, uweight: 1, iweight: 1 },
      { server: "app4", addr: "-", op: 0, admin: 32, uweight: 1, iweight: 1 },
    ]);
  });

  it("rejects another format, showing what it got", () => {
    expect(() => parseServersState("Unknown command\n")).toThrow(
      /format version 1.*Unknown command/,
    );
  });

  it("rejects a header without a column it needs", () => {
    expect(() => parseServersState("1\n# be_id be_name srv_id srv_name\n")).toThrow(
      /srv_addr missing/,
    );
  });
});

describe("slotsOf and setState", () => {
  it("finds the slots of the given addresses and sets their state through the app backend", () => {
    const slots = slotsOf(parseServersState(STATE), ["172.21.0.4", ""]);
    expect(setState(slots, "drain")).toEqual(["set server app/app2 state drain"]);
  });
});

describe("forcedFreeSlots", () => {
  it("returns the slots forced into drain or maint whose address no longer resolves", () => {
    const free = forcedFreeSlots(parseServersState(STATE));
    expect(free.map((s) => s.server)).toEqual(["app3"]);
    expect(free[0].admin & ADMIN.forcedMaint).toBe(ADMIN.forcedMaint);
  });

  it("keeps a forced slot that still points at its instance (it is being drained)", () => {
    const slots = [{ server: "app2", addr: "172.21.0.4", op: 2, admin: ADMIN.forcedDrain }];
    expect(forcedFreeSlots(slots)).toEqual([]);
  });
});

describe("slotsToHold", () => {
  it("holds every free slot not yet forced into maintenance, and no slot with an instance", () => {
    const slots = [
      ...parseServersState(STATE),
      { server: "app5", addr: "0.0.0.0", op: 0, admin: 0 },
      { server: "app6", addr: "172.21.0.9", op: 0, admin: ADMIN.resolutionMaint },
      { server: "app7", addr: "172.21.0.8", op: 0, admin: ADMIN.forcedDrain },
    ];
    expect(slotsToHold(slots).map((s) => s.server)).toEqual(["app4", "app5", "app6"]);
  });
});

describe("heldSlotsOf", () => {
  it("returns the held slots of the given addresses, not the ones already serving", () => {
    const slots = [
      { server: "app1", addr: "172.21.0.3", op: 0, admin: ADMIN.forcedMaint },
      { server: "app2", addr: "172.21.0.4", op: 2, admin: 0 },
      { server: "app3", addr: "172.21.0.5", op: 0, admin: ADMIN.forcedMaint },
    ];
    expect(heldSlotsOf(slots, ["172.21.0.3", "172.21.0.4"]).map((s) => s.server)).toEqual(["app1"]);
  });
});
