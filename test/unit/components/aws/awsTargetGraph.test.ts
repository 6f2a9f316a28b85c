/**
 * AwsTarget's graph: its image, fleet and audit are its children (and everything named after it is
 * below it), the audit checks this stack's fleet once the retire has run, and the target registers
 * what the stack exports as its outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { StackOutputs } from "../../../../components/outputs";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { awsConfig, writeSpecRepo } from "../fixtures";
import { recordGraph } from "../graph";

const TARGET = "phoenix:index:AwsTarget";
const AUDIT = "pulumi-nodejs:dynamic/phoenix:FleetAudit";
const CHILDREN = [
  ["phoenix:index:ImmutableImage", "web"],
  ["phoenix:index:AwsFleet", "web-fleet"],
  [AUDIT, "web-audit"],
] as const;

const built = builtInBeforeAll(async () => {
  const { specPath } = writeSpecRepo();
  const loaded = loadSpec(specPath);
  const hash = specHash(loaded);
  const mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  const graph = recordGraph();
  const { AwsTarget } = await import("../../../../components/aws/awsTarget");
  const target = new AwsTarget("web", {
    loaded,
    specHash: hash,
    dockerfile: renderDockerfile(loaded, hash),
    config: awsConfig(),
    secretValues: { DB_PASSWORD: pulumi.secret("target-graph-secret") },
    gitCommit: "1111111",
  });
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target.outputs)) {
    outputs[key] = await outputOf(pulumi.output(value as StackOutputs[keyof StackOutputs]));
  }
  return { mocks, graph, outputs };
});

describe("AwsTarget's graph", () => {
  it("parents the image, the fleet and the audit to the target", async () => {
    const { graph } = await built();
    const target = graph.get(TARGET, "web");
    for (const [type, name] of CHILDREN) {
      const child = graph.get(type, name);
      expect(child.parent, name).toBe(target.urn);
      expect(child.urn, name).toBe(`urn:pulumi:prod::phoenix::${TARGET}$${type}::${name}`);
    }
  });

  it("has every resource named after it below it", async () => {
    const { graph } = await built();
    const below = graph.namedAfter(graph.get(TARGET, "web"));
    expect(below.length).toBeGreaterThan(20);
    expect(below.filter((c) => !c.underIt).map((c) => c.registration.urn)).toEqual([]);
  });
});

describe("AwsTarget's fleet audit", () => {
  it("audits this stack's tag, the fleet's group and its launch template, in the stack's region", async () => {
    const { mocks, outputs } = await built();
    expect(mocks.get(AUDIT, "web-audit").inputs).toMatchObject({
      region: "eu-west-1",
      stackTagKey: "phoenix:stack",
      stackTagValue: "phoenix/prod",
      asgNames: [outputs.fleetName],
      launchTemplateIds: ["web-fleet-lt-id"],
    });
  });

  it("runs after the retire of replaced releases", async () => {
    const { mocks, graph } = await built();
    const retire = graph.get("pulumi-nodejs:dynamic/phoenix:ReleaseRetire", "web-fleet-retire");
    expect(mocks.get(AUDIT, "web-audit").options.dependencies).toContain(retire.urn);
  });
});

describe("AwsTarget's outputs", () => {
  it("registers what the stack exports as the target's outputs", async () => {
    const { graph, outputs } = await built();
    const registered = await graph.registeredOutputs(graph.get(TARGET, "web").urn);
    // Undefined outputs (the audit's findings, unknown until a refresh) are not registered.
    const defined = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
    expect(Object.keys(defined)).toEqual(
      expect.arrayContaining(["specHash", "imageRef", "fleetName", "url", "gitCommit"]),
    );
    expect(registered).toEqual(defined);
  });
});
