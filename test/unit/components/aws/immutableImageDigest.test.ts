/** ImmutableImage hands on an image by digest only: a registry answer without one fails it. */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { loadSpec } from "../../../../lib/spec/spec";
import { outputOf, setupMocks } from "../../../mocks";
import { writeSpecRepo } from "../fixtures";
import { collectUnhandledRejections } from "./graph";

const IMAGE = "pulumi-nodejs:dynamic/phoenix:RegistryImage";
const BUILDER_REPO = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";

describe("ImmutableImage when the registry answers without a digest", () => {
  let rejections: ReturnType<typeof collectUnhandledRejections>;
  let imageRef: pulumi.Output<string>;
  let tag: string;
  const failure = () =>
    `ImmutableImage tagged: the registry returned "${BUILDER_REPO}:${tag}", not a digest ` +
    "reference; the push did not complete";

  beforeAll(async () => {
    await setupMocks({ project: "phoenix", stack: "prod" });
    // The registry reports the image by tag: what a push that never completed would leave.
    const mocks = (pulumi.runtime.getMonitor() as any).mocks;
    const newResource = mocks.newResource.bind(mocks);
    mocks.newResource = (args: pulumi.runtime.MockResourceArgs) => {
      const result = newResource(args);
      if (args.type === IMAGE)
        result.state.imageRef = `${args.inputs.repository}:${args.inputs.tag}`;
      return result;
    };
    rejections = collectUnhandledRejections();
    const { ImmutableImage } = await import("../../../../components/aws/immutableImage");
    const loaded = loadSpec(writeSpecRepo().specPath);
    const image = new ImmutableImage("tagged", {
      loaded,
      specHash: specHash(loaded),
      dockerfile: "FROM scratch",
      keepImages: 10,
      gitCommit: "0123abc",
      source: "promote",
      repositoryUrl: BUILDER_REPO,
    });
    imageRef = image.imageRef;
    tag = image.imageTag;
  });

  afterAll(async () => {
    await rejections.quiet(500);
    rejections.restore();
  });

  it("fails imageRef, quoting what the registry returned", async () => {
    await expect(outputOf(imageRef)).rejects.toThrow(failure());
  });

  it("records no outputs on the component: their registration fails with that error", async () => {
    await vi.waitFor(() => expect(rejections.errors.length).toBeGreaterThan(0), { timeout: 5000 });
    for (const err of rejections.errors)
      expect(err.message).toBe(`error serializing property "outputs": ${failure()}`);
  });
});
