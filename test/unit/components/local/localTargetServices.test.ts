import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../../mocks";
import { writeFrontDoorSpec, writeSpecRepo } from "../fixtures";
import { TYPES, localConfig, resolved, stubProviderSerialization } from "./localGraph";

const TOKEN = "plain-token-value";

let mocks: MockRecorder;
let restore: () => void;
let fdHash: string;
let outputs: Record<string, unknown>;

describe("LocalTarget (instances: services)", () => {
  // Stack "dev" with swarm services, the config's defaults, no git checkout, a front door spec given
  // explicitly (the repository's images/frontdoor.yaml is another one) and a secret value that
  // arrives as a plain Output.
  // Here, not at file level: a build that throws fails this describe, which a mutation run sees;
  // a failed file-level hook only skips the tests, and skipped tests count as passing there.
  beforeAll(async () => {
    restore = stubProviderSerialization();
    mocks = await setupMocks({ project: "phoenix", stack: "dev" });
    const { LocalTarget } = await import("../../../../components/local/localTarget");
    const { root, specPath } = writeSpecRepo({ secrets: ["API_TOKEN"] });
    writeFrontDoorSpec(root);
    const edge = writeFrontDoorSpec(root, { file: "edge.yaml", name: "edge", version: "v9.9.9" });
    fdHash = specHash(loadSpec(edge));
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    const target = new LocalTarget("svc", {
      loaded,
      specHash: hash,
      dockerfile: renderDockerfile(loaded, hash),
      config: localConfig({ instances: "services" }),
      secretValues: { API_TOKEN: pulumi.output(TOKEN) },
      frontDoorSpec: edge,
    });
    await outputOf(target.urn);
    outputs = await resolved(target.outputs);
  });
  afterAll(() => restore());

  it("puts the stack on a swarm-scoped network of its own name, <stack>-phoenix-swarm", () => {
    const { __provider, ...inputs } = mocks.get(TYPES.network, "svc-net").inputs;
    expect(inputs).toEqual({ name: "dev-phoenix-swarm", stack: "dev", swarm: true });
    expect(mocks.get(TYPES.frontDoor, "svc-frontdoor").inputs.network).toBe("dev-phoenix-swarm");
  });

  it("launches the fleet as services on that network", () => {
    expect(mocks.get(TYPES.fleet, "svc").inputs).toMatchObject({
      network: "dev-phoenix-swarm",
      instanceKind: "services",
      desiredCount: 3,
    });
  });

  it("builds the front door from the spec it is given", () => {
    expect(mocks.get(TYPES.image, "svc-frontdoor-image").inputs).toMatchObject({
      name: "edge",
      tag: `v9.9.9-${fdHash.slice(0, 12)}`,
      specHash: fdHash,
    });
  });

  it('labels both images with commit "unknown" outside a checkout, keeping 5 of each', () => {
    for (const name of ["svc-image", "svc-frontdoor-image"]) {
      expect(mocks.get(TYPES.image, name).inputs).toMatchObject({
        gitCommit: "unknown",
        keepImages: 5,
      });
    }
    expect(outputs.gitCommit).toBe("unknown");
  });

  it("serves on the default front door port, 8080", () => {
    expect(mocks.get(TYPES.frontDoor, "svc-frontdoor").inputs.hostPort).toBe(8080);
    expect(outputs.url).toBe("http://127.0.0.1:8080");
  });

  it("makes a secret of a secret value that arrived in plain text", () => {
    const fleet = mocks.get(TYPES.fleet, "svc");
    expect(isSecret(fleet.inputs.secretEnv)).toBe(true);
    expect(unsecret(fleet.inputs.secretEnv)).toEqual({ API_TOKEN: TOKEN });
    const others = mocks.resources.map((r) =>
      r === fleet ? { ...r.inputs, secretEnv: null } : r.inputs,
    );
    expect(JSON.stringify(others)).not.toContain(TOKEN);
  });
});
