/**
 * A commit that changes nothing but the git commit must show no resource change in `pulumi
 * preview`: every resource of the aws target gets the same inputs, except the image's build args,
 * which the RegistryImage provider's own diff reports as no change. The commit stays visible as a
 * stack output (and as the image's revision label when the image is built).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, writeSpecRepo } from "../fixtures";

// Not re-exported by @pulumi/pulumi's runtime index: the settings module's wait for pending RPCs.

const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
  waitForRPCs(): Promise<void>;
};

const IMAGE = "pulumi-nodejs:dynamic/phoenix:RegistryImage";

/** One program run's recordings per commit: the same target, deployed as `pulumi preview` would. */
const runs: Record<string, MockRecorder> = {};
const commits: Record<string, string> = {};

/** Recorded inputs by type and name, with the launch template's user data decoded. */
function inputsOf(mocks: MockRecorder): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of mocks.resources) {
    const inputs = { ...r.inputs };
    if (typeof inputs.userData === "string")
      inputs.userData = Buffer.from(inputs.userData, "base64").toString("utf8");
    out[`${r.type}::${r.name}`] = inputs;
  }
  return out;
}

describe("AwsTarget, commit-only change", () => {
  // Here, not at file level: a build that throws fails this describe, which a mutation run sees;
  // a failed file-level hook only skips the tests, and skipped tests count as passing there.
  beforeAll(async () => {
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    for (const commit of ["1111111", "2222222"]) {
      const mocks = await setupMocks({ project: "phoenix", stack: "prod" });
      const { AwsTarget } = await import("../../../../components/aws/awsTarget");
      const t = new AwsTarget("web", {
        loaded,
        specHash: hash,
        dockerfile: renderDockerfile(loaded, hash),
        config: awsConfig(),
        secretValues: { DB_PASSWORD: pulumi.secret("s3cret-value") },
        gitCommit: commit,
      });
      await Promise.all([
        outputOf(pulumi.output(t.outputs.fleetName)),
        outputOf(pulumi.output(t.outputs.auditFindings!)),
      ]);
      // Every registration of this run (outputs included) reaches its monitor before the next run.
      await waitForRPCs();
      runs[commit] = mocks;
      commits[commit] = await outputOf(pulumi.output(t.outputs.gitCommit));
    }
  });

  it("registers the same resources with the same inputs, build args aside", () => {
    const one = inputsOf(runs["1111111"]);
    const two = inputsOf(runs["2222222"]);
    expect(Object.keys(one).length).toBeGreaterThan(15);
    expect(Object.keys(two).sort()).toEqual(Object.keys(one).sort());
    const image = `${IMAGE}::web`;
    for (const key of Object.keys(one)) {
      if (key === image) continue;
      expect(two[key], key).toEqual(one[key]);
    }
    expect(one["aws:ec2/launchTemplate:LaunchTemplate::web-fleet-lt"]).toBeDefined();
    const { [image]: _image, ...rest } = one;
    expect(JSON.stringify(rest)).not.toContain("1111111");
  });

  it("leaves the image unchanged: the provider's diff ignores the commit build arg", async () => {
    const { registryImageProvider } = await import("../../../../providers/aws/registryImage");
    const [a, b] = ["1111111", "2222222"].map((c) => runs[c].get(IMAGE, "web").inputs);
    expect(a.build.buildArgs).toEqual({ GIT_COMMIT: "1111111" });
    expect(b.build.buildArgs).toEqual({ GIT_COMMIT: "2222222" });
    const olds = { ...a, imageRef: "x", digest: "y", built: true };
    const diff = await registryImageProvider.diff!("id", olds, { ...b });
    expect(diff).toEqual({ changes: false, replaces: [] });
  });

  it("keeps the commit as the target's output", () => {
    expect(commits).toEqual({ "1111111": "1111111", "2222222": "2222222" });
  });
});
