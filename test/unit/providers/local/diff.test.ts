import { networkDiff } from "../../../../providers/local/network/localNetwork";
import { describe, expect, it } from "vitest";
import { fleetDiff, type LocalFleetOutputs } from "../../../../providers/local/fleet/localFleet";
import {
  frontDoorDiff,
  type LocalFrontDoorOutputs,
} from "../../../../providers/local/frontDoor/localFrontDoor";
import { imageDiff, type LocalImageOutputs } from "../../../../providers/local/image/localImage";

const HASH = "a".repeat(64);

const fleet: LocalFleetOutputs = {
  stack: "dev",
  fleet: "web",
  alias: "web",
  network: "dev-phoenix",
  imageId: "sha256:" + "1".repeat(64),
  specHash: HASH,
  desiredCount: 3,
  port: 8080,
  health: { path: "/healthz", intervalSeconds: 2, timeoutSeconds: 2, healthyThreshold: 2 },
  env: { DRAIN_SECONDS: "9" },
  secretEnv: { DB_PASSWORD: "x" },
  sysctls: { "net.core.somaxconn": "1024" },
  readOnlyRootFilesystem: false,
  instanceKind: "containers",
  scratch: ["/tmp"],
  stopGraceSeconds: 10,
  frontDoor: "dev-frontdoor",
  leavePoolMs: 7500,
  healthDeadlineMs: 46000,
  instances: [0, 1, 2].map((index) => ({ index, id: `c${index}`, name: `n${index}` })),
  instanceIds: ["c0", "c1", "c2"],
  drifted: [],
  orphans: [],
};

describe("localFleetProvider.diff", () => {
  const diff = (news: Partial<LocalFleetOutputs>, olds: LocalFleetOutputs = fleet) =>
    fleetDiff(olds, { ...fleet, ...news });

  it("reports no change for the same inputs, whatever the key order of maps", async () => {
    expect(
      await diff({ sysctls: { "net.core.somaxconn": "1024" }, env: { DRAIN_SECONDS: "9" } }),
    ).toEqual({
      changes: false,
      replaces: [],
    });
  });

  it.each([
    ["imageId", { imageId: "sha256:" + "2".repeat(64) }],
    ["port", { port: 9090 }],
    ["env", { env: { DRAIN_SECONDS: "9", LOG_LEVEL: "debug" } }],
    ["secretEnv", { secretEnv: { DB_PASSWORD: "rotated" } }],
    ["sysctls", { sysctls: {} }],
    ["health", { health: { ...fleet.health, path: "/ready" } }],
    ["instanceKind", { instanceKind: "services" }],
  ] as const)("replaces the whole fleet when %s changes", async (field, news) => {
    expect(await diff(news)).toEqual({ changes: true, replaces: [field] });
  });

  it("takes a fleet recorded before instances could be services for containers", async () => {
    const { instanceKind: _, ...recorded } = fleet;
    const before = recorded as LocalFleetOutputs;
    expect(await diff({ instanceKind: "containers" }, before)).toEqual({
      changes: false,
      replaces: [],
    });
    expect(await diff({ instanceKind: "services" }, before)).toEqual({
      changes: true,
      replaces: ["instanceKind"],
    });
  });

  it("updates in place when only the desired count changes", async () => {
    expect(await diff({ desiredCount: 5 })).toEqual({ changes: true, replaces: [] });
  });

  it("updates in place, replacing nothing, when refresh found a drifted instance", async () => {
    const drifted = {
      ...fleet,
      instances: [
        fleet.instances[0],
        {
          ...fleet.instances[1],
          drift: { reasons: ["snowflake" as const], changes: ["C /etc/x"] },
        },
      ],
    };
    expect(await diff({}, drifted)).toEqual({ changes: true, replaces: [] });
  });
});

const image: LocalImageOutputs = {
  name: "web",
  tag: "v1-aaaaaaaaaaaa",
  specHash: HASH,
  base: "debian:bookworm-slim",
  baseId: "sha256:" + "b".repeat(64),
  dockerfile: "FROM debian:bookworm-slim\n",
  files: [],
  keepImages: 5,
  gitCommit: "abc",
  imageId: "sha256:" + "c".repeat(64),
  ref: "web:v1-aaaaaaaaaaaa",
  reused: false,
};

describe("localImageProvider.diff", () => {
  const diff = (news: Partial<LocalImageOutputs>) => imageDiff(image, { ...image, ...news }, true);

  it("replaces the image when the spec hash changes", async () => {
    expect((await diff({ specHash: "d".repeat(64) })).replaces).toEqual(["specHash"]);
  });

  it("replaces the image when the base tag now points at another image", async () => {
    expect((await diff({ baseId: "sha256:" + "e".repeat(64) })).replaces).toEqual(["baseId"]);
  });

  it("does not rebuild for a new commit or a new keepImages", async () => {
    expect(await diff({ gitCommit: "def" })).toMatchObject({ changes: false, replaces: [] });
    expect(await diff({ keepImages: 9 })).toMatchObject({ changes: true, replaces: [] });
  });

  it("builds the image again when it was removed by hand, without a refresh first", () => {
    expect(imageDiff(image, image, false)).toEqual({
      changes: true,
      replaces: ["imageId"],
      deleteBeforeReplace: false,
    });
  });
});

const door: LocalFrontDoorOutputs = {
  stack: "dev",
  name: "dev-frontdoor",
  imageId: "sha256:" + "f".repeat(64),
  network: "dev-phoenix",
  hostPort: 8080,
  env: { PHX_SERVICE: "web" },
  containerId: "x",
  url: "http://127.0.0.1:8080",
  running: true,
};

describe("localFrontDoorProvider.diff", () => {
  it("deletes before replacing, since the host port can be bound only once", async () => {
    expect(frontDoorDiff(door, { ...door, hostPort: 9090 }, true)).toEqual({
      changes: true,
      replaces: ["hostPort"],
      deleteBeforeReplace: true,
    });
  });

  it("replaces a front door refresh found stopped", async () => {
    expect(frontDoorDiff({ ...door, running: false }, door, true).replaces).toEqual(["running"]);
  });

  it("replaces a front door that is gone or stopped now, without a refresh first", () => {
    expect(frontDoorDiff(door, door, false)).toEqual({
      changes: true,
      replaces: ["running"],
      deleteBeforeReplace: true,
    });
  });

  it("leaves a running front door alone when nothing changed", async () => {
    expect(frontDoorDiff(door, door, true).changes).toBe(false);
  });
});

describe("localFleetProvider.diff with refresh findings", () => {
  it("updates in place when refresh found containers the state does not track", async () => {
    const olds = { ...fleet, orphans: ["dev-web-aaaaaaaa-0-zz00"] };
    expect(fleetDiff(olds, fleet)).toEqual({ changes: true, replaces: [] });
  });

  it("updates in place when what runs now has drifted or is untracked, without a refresh first", () => {
    const gone = {
      instances: [{ index: 1, id: "c1", name: "n1", drift: { kind: "missing" } }],
      orphans: [],
    };
    expect(fleetDiff(fleet, fleet, gone as never)).toEqual({ changes: true, replaces: [] });
    expect(fleetDiff(fleet, fleet, { instances: fleet.instances, orphans: ["x"] })).toEqual({
      changes: true,
      replaces: [],
    });
    expect(fleetDiff(fleet, fleet, { instances: fleet.instances, orphans: [] }).changes).toBe(
      false,
    );
  });

  it("updates in place when a rollout cut short left the front door's weights off", () => {
    const live = { instances: fleet.instances, orphans: [] };
    expect(
      fleetDiff(fleet, fleet, { ...live, weightsOff: ["app1 (172.18.0.3) at weight 0 of 1"] }),
    ).toEqual({ changes: true, replaces: [] });
    expect(fleetDiff(fleet, fleet, { ...live, weightsOff: [] }).changes).toBe(false);
  });

  it("changes nothing that runs when only the rollout policy or the release name changes", () => {
    const policy = {
      steps: [{ percent: 10, seconds: 60 }],
      bakeSeconds: 120,
      maxErrorRate: 0.01,
      minRequests: 100,
      inconclusive: "fail" as const,
      alarms: [],
    };
    expect(fleetDiff(fleet, { ...fleet, rollout: policy, release: "v1-aaaaaaaaaaaa" })).toEqual({
      changes: false,
      replaces: [],
    });
  });
});

describe("localNetworkProvider.diff", () => {
  const net = { name: "dev-phoenix", stack: "dev", networkId: "n1" };

  it("makes the network again when it is gone now, without a refresh first", () => {
    expect(networkDiff(net, { name: "dev-phoenix", stack: "dev" }, false)).toEqual({
      changes: true,
      replaces: ["networkId"],
      deleteBeforeReplace: true,
    });
  });

  it("keeps a bridge network recorded before networks could be overlays", async () => {
    expect(networkDiff(net, { name: "dev-phoenix", stack: "dev", swarm: false }, true)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  it("replaces the network when the stack switches to Swarm services", async () => {
    const news = { name: "dev-phoenix-swarm", stack: "dev", swarm: true };
    expect(networkDiff(net, news, true)).toEqual({
      changes: true,
      replaces: ["name", "swarm"],
      deleteBeforeReplace: false,
    });
  });
});
