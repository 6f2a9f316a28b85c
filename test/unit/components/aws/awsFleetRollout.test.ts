/**
 * What `phoenix:rollout` changes in an aws fleet's graph: the gate gets the canary steps, the retire
 * the bake with the listeners a breach moves back, a window too short for CloudWatch's 60 s periods
 * is warned about at preview, PHOENIX_ROLLOUT=skip drops both for one up, and a fleet without a
 * rollout registers the gate and the retire with the inputs it always had.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"7".repeat(64)}`;
const GATE = "pulumi-nodejs:dynamic/phoenix:ReleaseGate";
const RETIRE = "pulumi-nodejs:dynamic/phoenix:ReleaseRetire";
const RULE = "aws:lb/listenerRule:ListenerRule";
const warn = vi.spyOn(pulumi.log, "warn");

const ROLLOUT = JSON.stringify({
  steps: [
    { percent: 10, seconds: 300 },
    { percent: 50, seconds: 60 },
  ],
  bakeSeconds: 600,
  maxErrorRate: 0.02,
  alarms: ["web-p99"],
});
const POLICY = {
  steps: [
    { percent: 10, seconds: 300 },
    { percent: 50, seconds: 60 },
  ],
  bakeSeconds: 600,
  maxErrorRate: 0.02,
  minRequests: 100,
  inconclusive: "fail",
  alarms: ["web-p99"],
};

let mocks: MockRecorder;
let fleetModule: typeof import("../../../../components/aws/awsFleet");
const records: Record<string, unknown> = {};

const fleet = (name: string, config: Record<string, string> = {}) =>
  new fleetModule.AwsFleet(name, {
    spec: parseSpec(specText()),
    specHash: "7".repeat(64),
    imageRef: REF,
    config: awsConfig(config),
    secretValues: { DB_PASSWORD: pulumi.secret("rollout-secret") },
  });

describe("AwsFleet with phoenix:rollout", () => {
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    fleetModule = await import("../../../../components/aws/awsFleet");
    warn.mockClear();
    const configs: Record<string, Record<string, string>> = {
      canary: { rollout: ROLLOUT },
      plain: {},
      bakeOnly: { rollout: JSON.stringify({ bakeSeconds: 300 }) },
    };
    for (const [name, config] of Object.entries(configs)) {
      const f = fleet(name, config);
      records[name] = await outputOf(f.rollout);
      await outputOf(f.retired.urn);
    }
    process.env.PHOENIX_ROLLOUT = "skip";
    try {
      const skipped = fleet("skipped", { rollout: ROLLOUT });
      await outputOf(skipped.retired.urn);
    } finally {
      delete process.env.PHOENIX_ROLLOUT;
    }
  });

  afterAll(() => {
    delete process.env.PHOENIX_ROLLOUT;
  });

  it("gives the gate the canary steps and the retire the bake with the serving listeners", () => {
    expect(mocks.get(GATE, "canary-gate").inputs.rollout).toEqual(POLICY);
    const bake = mocks.get(RETIRE, "canary-retire").inputs.bake;
    expect(bake.rollout).toEqual(POLICY);
    expect(bake.pollSeconds).toBe(5);
    expect(bake.listenerArns).toEqual(mocks.get(GATE, "canary-gate").inputs.listenerArns);
    expect(bake.listenerArns).toHaveLength(1);
  });

  it("registers the gate and the retire without a rollout input when the stack has none", () => {
    expect(Object.keys(mocks.get(GATE, "plain-gate").inputs)).not.toContain("rollout");
    expect(Object.keys(mocks.get(RETIRE, "plain-retire").inputs)).not.toContain("bake");
  });

  it("gives only the retire a policy that has a bake and no steps", () => {
    expect(Object.keys(mocks.get(GATE, "bakeOnly-gate").inputs)).not.toContain("rollout");
    expect(mocks.get(RETIRE, "bakeOnly-retire").inputs.bake.rollout.bakeSeconds).toBe(300);
  });

  it("drops the steps and the bake for one up with PHOENIX_ROLLOUT=skip", () => {
    expect(Object.keys(mocks.get(GATE, "skipped-gate").inputs)).not.toContain("rollout");
    expect(Object.keys(mocks.get(RETIRE, "skipped-retire").inputs)).not.toContain("bake");
  });

  it("warns at preview about a step shorter than three 60 s metric periods, unless skipped", () => {
    const messages = warn.mock.calls.map((c) => String(c[0]));
    // Once: the fleet "canary"; "skipped" runs no steps, "bakeOnly" bakes for 300 s.
    expect(messages.filter((m) => m.startsWith("phoenix:rollout."))).toEqual([
      expect.stringMatching(/^phoenix:rollout\.steps\[1\]\.seconds: 60s is under 180s/),
    ]);
  });

  it("keeps the engine's serving rule on the gate's pointer at weight 1, with or without a rollout", () => {
    for (const name of ["canary-serving", "plain-serving"]) {
      expect(mocks.get(RULE, name).inputs.actions).toEqual([
        {
          type: "forward",
          targetGroupArn: mocks.get(GATE, name.replace("serving", "gate")).inputs.targetGroupArn,
        },
      ]);
    }
  });

  it("exports the last rollout: immediate until a gate or retire watched a window", () => {
    expect(records.plain).toEqual({
      outcome: "immediate",
      release: mocks.get(GATE, "plain-gate").inputs.release,
      windows: [],
    });
  });
});
