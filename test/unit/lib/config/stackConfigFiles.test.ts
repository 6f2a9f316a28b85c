import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig } from "../../../../lib/config/stackConfig";

const ROOT = path.resolve(__dirname, "../../../..");

/** A stack file's config as `pulumi.Config.get` hands it over: lists and maps as JSON text. */
function stackConfig(file: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

describe("Pulumi.<stack>.yaml", () => {
  it("prod is a valid aws stack: pinned AMI, public and private subnets apart, HTTPS, retention", () => {
    const cfg = parseStackConfig(stackConfig("Pulumi.prod.yaml"));
    expect(cfg).toMatchObject({
      target: "aws",
      amiId: expect.stringMatching(/^ami-[0-9a-f]{17}$/),
      albSubnetIds: [expect.stringMatching(/^subnet-/), expect.stringMatching(/^subnet-/)],
      instanceSubnetIds: [expect.stringMatching(/^subnet-/), expect.stringMatching(/^subnet-/)],
      certificateArn: expect.stringMatching(/^arn:aws:acm:eu-west-1:/),
      logRetentionDays: 90,
      vpcEndpoints: false,
    });
  });

  it("prod releases through canary steps and a bake; dev all at once", () => {
    const prod = parseStackConfig(stackConfig("Pulumi.prod.yaml"));
    expect(prod.rollout?.steps.map((s) => s.percent)).toEqual([10, 50]);
    expect(prod.rollout?.bakeSeconds).toBeGreaterThan(0);
    expect(parseStackConfig(stackConfig("Pulumi.dev.yaml")).rollout).toBeUndefined();
  });

  it("prod's aws provider region is phoenix:region", () => {
    const raw = stackConfig("Pulumi.prod.yaml");
    expect(raw["aws:region"]).toBe(raw["phoenix:region"]);
  });
});
