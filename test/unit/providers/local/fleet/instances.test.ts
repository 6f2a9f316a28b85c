import { describe, expect, it } from "vitest";
import { everyKind, fleetInstances } from "../../../../../providers/local/fleet/instances";

describe("fleetInstances", () => {
  it("picks the implementation of the stack's instance kind", () => {
    expect(fleetInstances("containers").kind).toBe("containers");
    expect(fleetInstances("services").kind).toBe("services");
  });

  it("holds the front door's slots only for containers, which carry the alias before they are healthy", () => {
    expect(fleetInstances("containers").aliasBeforeHealthy).toBe(true);
    expect(fleetInstances("services").aliasBeforeHealthy).toBe(false);
  });
});

describe("everyKind", () => {
  it("lists services before containers, so Swarm never replaces a task removed before its service", () => {
    expect(everyKind().map((k) => k.kind)).toEqual(["services", "containers"]);
  });
});
