/**
 * What a fleet refuses or warns about at preview, and the guards its stack config turns on: health
 * timings that cannot pass within the capacity wait, who may reach a candidate through the release
 * header, a protected front door, and promotion from another account.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText, writeSpecRepo } from "../fixtures";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"8".repeat(64)}`;
const RULE = "aws:lb/listenerRule:ListenerRule";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const warn = vi.spyOn(pulumi.log, "warn");

let mocks: MockRecorder;
let fleetModule: typeof import("../../../../components/aws/awsFleet");

const fleet = (name: string, over: { spec?: string; config?: Record<string, string> } = {}) =>
  new fleetModule.AwsFleet(name, {
    spec: parseSpec(over.spec ?? specText()),
    specHash: "8".repeat(64),
    imageRef: REF,
    config: awsConfig(over.config),
    secretValues: { DB_PASSWORD: pulumi.secret("preview-checks-secret") },
  });

describe("AwsFleet preview checks", () => {
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    fleetModule = await import("../../../../components/aws/awsFleet");
    await outputOf(
      fleet("office", {
        config: { candidateSourceCidrs: '["203.0.113.0/24"]', protectFrontDoor: "true" },
      }).retired.urn,
    );
    await outputOf(fleet("plain").retired.urn);
  });

  it("refuses health timings that cannot pass within the 10m capacity wait, naming the fields", () => {
    const slow = specText({
      health: { intervalSeconds: 120, timeoutSeconds: 5, healthyThreshold: 5 },
    });
    expect(() => fleet("slow", { spec: slow })).toThrow(
      /app\.health: the load balancer needs healthyThreshold \(5\) x intervalSeconds \(120s\) = 600s[\s\S]*lower app\.health\.intervalSeconds or app\.health\.healthyThreshold/,
    );
  });

  it("lets only phoenix:candidateSourceCidrs reach a candidate through the release header", () => {
    expect(mocks.get(RULE, "office-candidate").inputs.conditions[1]).toEqual({
      sourceIp: { values: ["203.0.113.0/24"] },
    });
    expect(mocks.get(RULE, "plain-candidate").inputs.conditions[1]).toEqual({
      sourceIp: { values: ["192.0.2.0/32"] },
    });
  });

  it("protects the load balancer with phoenix:protectFrontDoor, and only then", () => {
    expect(mocks.get(LB, "office-front").options.protect).toBe(true);
    expect(mocks.get(LB, "plain-front").options.protect).toBe(false);
  });
});

describe("AwsTarget promoting from another account", () => {
  beforeAll(async () => {
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    const { AwsTarget } = await import("../../../../components/aws/awsTarget");
    const make = (name: string, account: string) =>
      new AwsTarget(name, {
        loaded,
        specHash: hash,
        dockerfile: renderDockerfile(loaded, hash),
        config: awsConfig({
          imageSource: "promote",
          imageRepository: `${account}.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4`,
        }),
        secretValues: { DB_PASSWORD: pulumi.secret("db") },
        gitCommit: "1111111",
      });
    warn.mockClear();
    await outputOf(pulumi.output(make("same", "123456789012").outputs.auditFindings));
    await outputOf(pulumi.output(make("other", "210987654321").outputs.auditFindings));
  });

  it("warns at preview that the retire's live tag needs ECR write actions there, once", () => {
    const messages = warn.mock.calls
      .map((c) => String(c[0]))
      .filter((m) => m.includes("imageRepository"));
    expect(messages).toEqual([
      expect.stringMatching(
        /^phoenix:imageRepository is in account 210987654321, and this stack deploys to 123456789012: /,
      ),
    ]);
  });
});
