import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { writeFrontDoorSpec, writeSpecRepo } from "../fixtures";
import {
  TYPES,
  localConfig,
  resolved,
  stubProviderSerialization,
  stubProviderText,
} from "./localGraph";

const SECRET = "local-target-test-secret";
const CHILD = (type: string, name: string) =>
  `urn:pulumi:dev::phoenix::${TYPES.target}$${type}::${name}`;

let mocks: MockRecorder;
let restore: () => void;
let LocalTarget: typeof import("../../../../components/local/localTarget").LocalTarget;

// The mocks and the component both describes use. Each of them awaits this, so an import that
// throws fails their tests (a throwing file-level beforeAll would only skip them, which a mutation
// run counts as passing).
const setUp = builtInBeforeAll(async () => {
  restore = stubProviderSerialization();
  mocks = await setupMocks({ project: "phoenix", stack: "dev" });
  ({ LocalTarget } = await import("../../../../components/local/localTarget"));
});
afterAll(() => restore());

// Stack "dev", plain containers: the app image, the stack's network, the front door built from the
// repository's images/frontdoor.yaml, and the fleet, all children of the component.
describe("LocalTarget (instances: containers)", () => {
  let hash: string;
  let fdHash: string;
  let dockerfile: string;
  let targetUrn: string;
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    await setUp();
    const { root, specPath } = writeSpecRepo({
      health: { intervalSeconds: 3, timeoutSeconds: 1, healthyThreshold: 2 },
    });
    fdHash = specHash(loadSpec(writeFrontDoorSpec(root)));
    const loaded = loadSpec(specPath);
    hash = specHash(loaded);
    dockerfile = renderDockerfile(loaded, hash);
    const target = new LocalTarget("web", {
      loaded,
      specHash: hash,
      dockerfile,
      config: localConfig({ desiredCount: "4", keepImages: "7", frontDoorPort: "18080" }),
      secretValues: { DB_PASSWORD: pulumi.secret(SECRET) },
      gitCommit: "0123abc",
    });
    targetUrn = await outputOf(target.urn);
    outputs = await resolved(target.outputs);
  });

  it("registers a network, two images, a front door and a fleet, each a child of the component", () => {
    expect(mocks.urns.filter((urn) => !urn.endsWith("::bad")).sort()).toEqual(
      [
        `urn:pulumi:dev::phoenix::${TYPES.target}::web`,
        CHILD(TYPES.network, "web-net"),
        CHILD(TYPES.image, "web-frontdoor-image"),
        CHILD(TYPES.image, "web-image"),
        CHILD(TYPES.frontDoor, "web-frontdoor"),
        CHILD(TYPES.fleet, "web"),
      ].sort(),
    );
    const children = mocks.resources.filter((r) => r.type !== TYPES.target);
    expect(children.map((r) => r.options.parent)).toEqual(children.map(() => targetUrn));
    for (const [type, kind] of [
      [TYPES.network, "LocalNetwork"],
      [TYPES.image, "LocalImage"],
      [TYPES.frontDoor, "LocalFrontDoor"],
      [TYPES.fleet, "LocalFleet"],
    ]) {
      for (const r of mocks.ofType(type)) expect(r.inputs.__provider).toBe(stubProviderText(kind));
    }
  });

  it("puts everything on the stack's own network, <stack>-phoenix, not swarm-scoped", () => {
    const { __provider, ...inputs } = mocks.get(TYPES.network, "web-net").inputs;
    expect(inputs).toEqual({ name: "dev-phoenix", stack: "dev" });
  });

  it("builds the app image from the given Dockerfile, keeping keepImages, labelled with the commit", () => {
    const image = mocks.get(TYPES.image, "web-image").inputs;
    expect(image).toMatchObject({
      name: "web",
      tag: `v3.4.1-${hash.slice(0, 12)}`,
      specHash: hash,
      base: "debian:bookworm-slim",
      dockerfile,
      keepImages: 7,
      gitCommit: "0123abc",
    });
    expect(image.files.map((f: { path: string }) => f.path)).toContain("app/server.js");
  });

  it("builds the front door from images/frontdoor.yaml of the spec's repository", () => {
    const image = mocks.get(TYPES.image, "web-frontdoor-image").inputs;
    expect(image).toMatchObject({
      name: "frontdoor",
      tag: `v2.6.12-${fdHash.slice(0, 12)}`,
      specHash: fdHash,
      keepImages: 7,
      gitCommit: "0123abc",
    });
    expect(image.dockerfile).toContain(fdHash);
  });

  it("runs the front door on the network at frontDoorPort, checking instances as the spec says", () => {
    const { __provider, ...door } = mocks.get(TYPES.frontDoor, "web-frontdoor").inputs;
    expect(door).toEqual({
      stack: "dev",
      name: "dev-frontdoor",
      imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      network: "dev-phoenix",
      hostPort: 18080,
      env: {
        PHX_SERVICE: "web",
        PHX_PORT: "8080",
        PHX_HEALTH_PATH: "/healthz",
        // intervalSeconds 3 and timeoutSeconds 1, in milliseconds; two failures take it out.
        PHX_CHECK_INTER: "3000ms",
        PHX_CHECK_FASTINTER: "500ms",
        PHX_CHECK_TIMEOUT: "1000ms",
        PHX_CHECK_RISE: "2",
        PHX_CHECK_FALL: "2",
        PHX_SLOTS: "64",
      },
    });
  });

  it("launches desiredCount containers of the app image behind the front door, health-gated", () => {
    const fleet = mocks.get(TYPES.fleet, "web").inputs;
    expect(fleet).toMatchObject({
      stack: "dev",
      fleet: "web",
      alias: "web",
      network: "dev-phoenix",
      imageId: outputs.imageRef,
      specHash: hash,
      desiredCount: 4,
      port: 8080,
      health: { path: "/healthz", intervalSeconds: 3, timeoutSeconds: 1, healthyThreshold: 2 },
      // The front door drains an instance before it stops: the app's own drain is not needed.
      env: { DRAIN_SECONDS: "0" },
      sysctls: { "net.core.somaxconn": "1024" },
      readOnlyRootFilesystem: false,
      instanceKind: "containers",
      scratch: ["/tmp"],
      stopGraceSeconds: 10,
      frontDoor: "dev-frontdoor",
      // 3000 ms to the next check, one more failure 500 ms later, two 1000 ms timeouts, 1 s slack.
      leavePoolMs: 6500,
      // (2 checks x (3000 + 1000) ms + 15 s to launch) x 2 for a loaded machine.
      healthDeadlineMs: 46_000,
    });
    expect(fleet.imageId).not.toBe(mocks.get(TYPES.frontDoor, "web-frontdoor").inputs.imageId);
  });

  it("orders the graph by what each resource reads: network and images, front door, fleet", () => {
    const deps = (type: string, name: string) => mocks.get(type, name).options.propertyDependencies;
    expect(deps(TYPES.frontDoor, "web-frontdoor")).toMatchObject({
      network: [CHILD(TYPES.network, "web-net")],
      imageId: [CHILD(TYPES.image, "web-frontdoor-image")],
    });
    expect(deps(TYPES.fleet, "web")).toMatchObject({
      network: [CHILD(TYPES.network, "web-net")],
      imageId: [CHILD(TYPES.image, "web-image")],
      frontDoor: [CHILD(TYPES.frontDoor, "web-frontdoor")],
    });
    expect(mocks.get(TYPES.image, "web-image").options.dependencies).toEqual([]);
  });

  it("hands the fleet the spec's secrets as a secret, kept secret in its state, never in plain text", () => {
    const fleet = mocks.get(TYPES.fleet, "web");
    expect(isSecret(fleet.inputs.secretEnv)).toBe(true);
    expect(unsecret(fleet.inputs.secretEnv)).toEqual({ DB_PASSWORD: SECRET });
    expect(fleet.options.additionalSecretOutputs).toEqual(["secretEnv"]);
    const others = mocks.resources.map((r) =>
      r === fleet ? { ...r.inputs, secretEnv: null } : r.inputs,
    );
    expect(JSON.stringify(others)).not.toContain(SECRET);
  });

  it("exports the image, the fleet and the front door's URL, and registers them as its outputs", async () => {
    expect(outputs).toEqual({
      specHash: hash,
      imageTag: `v3.4.1-${hash.slice(0, 12)}`,
      imageRef: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      // The mock engine built the image (reused: false).
      built: true,
      fleetName: "web-id",
      url: "http://127.0.0.1:18080",
      gitCommit: "0123abc",
      instanceIds: [expect.any(String), expect.any(String), expect.any(String), expect.any(String)],
    });
    expect(await mocks.registeredOutputs(targetUrn)).toEqual(outputs);
  });
});

describe("LocalTarget with unset secrets", () => {
  beforeEach(async () => {
    await setUp();
  });

  it("throws one error naming each secret the stack has not set, and only those", () => {
    const { specPath } = writeSpecRepo({ secrets: ["DB_PASSWORD", "API_TOKEN", "SMTP_KEY"] });
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    let failure: unknown;
    try {
      new LocalTarget("bad", {
        loaded,
        specHash: hash,
        dockerfile: renderDockerfile(loaded, hash),
        config: localConfig(),
        secretValues: { DB_PASSWORD: pulumi.secret(SECRET), API_TOKEN: undefined },
      });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(pulumi.ResourceError);
    const message = (failure as Error).message;
    expect(message).toContain(
      "secrets.API_TOKEN: no value; set it with `pulumi config set --secret phoenix:API_TOKEN <value>`",
    );
    expect(message).toContain("secrets.SMTP_KEY: no value");
    expect(message).not.toContain("DB_PASSWORD");
  });

  // Built in the test itself, not a hook: a guard that refuses every stack fails here directly.
  it("builds once every secret has a value, and with no secrets at all", () => {
    for (const secrets of [["DB_PASSWORD", "API_TOKEN"], []]) {
      const { root, specPath } = writeSpecRepo({ secrets });
      writeFrontDoorSpec(root);
      const loaded = loadSpec(specPath);
      const hash = specHash(loaded);
      const values = Object.fromEntries(secrets.map((s) => [s, pulumi.secret(SECRET)]));
      const target = new LocalTarget(`ok-${secrets.length}`, {
        loaded,
        specHash: hash,
        dockerfile: renderDockerfile(loaded, hash),
        config: localConfig(),
        secretValues: values,
      });
      expect(target.outputs.specHash).toBeDefined();
    }
  });
});
