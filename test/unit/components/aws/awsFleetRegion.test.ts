/**
 * A fleet whose aws provider targets another region than phoenix:region fails its release: the
 * boot script, the ARNs and the SSM parameters all assume phoenix:region.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";
import { collectUnhandledRejections } from "./graph";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"6".repeat(64)}`;
const MISMATCH =
  "AwsFleet elsewhere: the aws provider targets us-east-1 but phoenix:region is eu-west-1; " +
  "create the provider with region eu-west-1 (or set aws:region to it)";

describe("AwsFleet with a provider in another region", () => {
  let rejections: ReturnType<typeof collectUnhandledRejections>;
  let release: pulumi.Output<string>;

  beforeAll(async () => {
    await setupMocks({
      project: "phoenix",
      stack: "prod",
      calls: {
        "aws:index/getRegion:getRegion": () => ({
          id: "us-east-1",
          name: "us-east-1",
          region: "us-east-1",
        }),
      },
    });
    rejections = collectUnhandledRejections();
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    release = new AwsFleet("elsewhere", {
      spec: parseSpec(specText()),
      specHash: "6".repeat(64),
      imageRef: REF,
      config: awsConfig(),
      secretValues: { DB_PASSWORD: pulumi.secret("region-test-secret") },
    }).release;
  });

  afterAll(async () => {
    await rejections.quiet(500);
    rejections.restore();
  });

  it("fails the release, naming both regions and the fix", async () => {
    await expect(outputOf(release)).rejects.toThrow(MISMATCH);
  });

  it("fails the launch template's registration, and every other one using it, with it", async () => {
    await vi.waitFor(() => expect(rejections.errors.length).toBeGreaterThan(0), { timeout: 5000 });
    for (const err of rejections.errors) expect(err.message.endsWith(MISMATCH)).toBe(true);
    expect(rejections.errors.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^error serializing property "userData"/),
    );
  });
});
