import { describe, expect, it } from "vitest";
import { frontDoor } from "../../../../../providers/local/frontDoor/frontDoor";

describe("frontDoor", () => {
  const none = frontDoor(undefined);
  const instance = { id: "c1", name: "dev-web-0", ip: "10.0.0.2" };
  const gate = { deadline: Date.now() + 1_000, label: "test" };

  it("reports nothing running for a fleet without a front door", async () => {
    expect(none.name).toBeUndefined();
    expect(await none.running()).toBe(false);
    expect(await none.slotStates()).toBeUndefined();
    expect(await none.servers()).toBeUndefined();
  });

  it("holds, admits, waits, drains and releases nothing without a front door", async () => {
    await expect(none.hold()).resolves.toBeUndefined();
    await expect(none.admit([instance], gate)).resolves.toBeUndefined();
    await expect(none.waitInPool([instance], gate)).resolves.toBeUndefined();
    await expect(none.leavePool([instance.ip], { label: "test" })).resolves.toEqual([]);
    await expect(none.releaseSlots(["app1"])).resolves.toBeUndefined();
  });

  it("refuses a runtime API command without a front door, saying the fleet has none", async () => {
    await expect(none.command(["show stat"])).rejects.toThrow(/has no front door/);
  });

  it("names the container it was made for", () => {
    expect(frontDoor("dev-frontdoor").name).toBe("dev-frontdoor");
  });
});
