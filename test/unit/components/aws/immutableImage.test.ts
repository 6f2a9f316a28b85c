import * as fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../../mocks";
import { writeSpecRepo } from "../fixtures";
import { parentOf, registeredOutputs } from "./graph";

const REPO = "aws:ecr/repository:Repository";
const IMAGE = "pulumi-nodejs:dynamic/phoenix:RegistryImage";

let mocks: MockRecorder;
let imageModule: typeof import("../../../../components/aws/immutableImage");

describe("ImmutableImage", () => {
  let hash: string;
  let out: { imageRef: string; imageName: string; imageTag: string; repositoryUrl: string };
  let webUrn: string;

  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    imageModule = await import("../../../../components/aws/immutableImage");
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    hash = specHash(loaded);
    const image = new imageModule.ImmutableImage("web", {
      loaded,
      specHash: hash,
      dockerfile: renderDockerfile(loaded, hash),
      keepImages: 7,
      gitCommit: "0123abc",
    });
    const shared = new imageModule.ImmutableImage("shared", {
      loaded,
      specHash: hash,
      dockerfile: renderDockerfile(loaded, hash),
      keepImages: 7,
      gitCommit: "0123abc",
      pullAccountIds: ["210987654321", "109876543210"],
    });
    await outputOf(shared.imageRef);
    out = {
      imageRef: await outputOf(image.imageRef),
      imageName: await outputOf(image.imageName),
      imageTag: image.imageTag,
      repositoryUrl: await outputOf(image.repositoryUrl),
    };
    webUrn = await outputOf(image.urn);
  });

  it("parents the repository, its policies and the image to the component", () => {
    const children = mocks.resources.filter(
      (r) => r.type !== "phoenix:index:ImmutableImage" && /^(web|shared)(-|$)/.test(r.name),
    );
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "aws:ecr/lifecyclePolicy:LifecyclePolicy shared-lifecycle",
      "aws:ecr/lifecyclePolicy:LifecyclePolicy web-lifecycle",
      "aws:ecr/repository:Repository shared",
      "aws:ecr/repository:Repository web",
      "aws:ecr/repositoryPolicy:RepositoryPolicy shared-pull",
      `${IMAGE} shared`,
      `${IMAGE} web`,
    ]);
    for (const r of children) {
      const owner = r.name.startsWith("shared") ? "shared" : "web";
      expect(parentOf(r), `${r.type} ${r.name}`).toBe(`phoenix:index:ImmutableImage::${owner}`);
    }
  });

  it("records the image's outputs on the component in the state", async () => {
    expect(await registeredOutputs(webUrn)).toEqual({
      ...out,
      specHash: hash,
      built: true,
    });
  });

  it("lets the configured accounts pull, and only pull; no policy without accounts", () => {
    expect(mocks.ofType("aws:ecr/repositoryPolicy:RepositoryPolicy").map((r) => r.name)).toEqual([
      "shared-pull",
    ]);
    const policy = JSON.parse(
      mocks.get("aws:ecr/repositoryPolicy:RepositoryPolicy", "shared-pull").inputs.policy,
    );
    expect(policy.Statement).toEqual([
      {
        Sid: "PullFromOtherAccounts",
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam::109876543210:root", "arn:aws:iam::210987654321:root"] },
        Action: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
        ],
      },
    ]);
  });

  it("creates an ECR repository with IMMUTABLE tags, scan on push, retained on delete", () => {
    const repo = mocks.get(REPO, "web");
    expect(repo.inputs).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      forceDelete: false,
    });
    expect(repo.options.retainOnDelete).toBe(true);
    // The commit is the image's revision label, not a tag: a new commit is no repository update.
    expect(repo.inputs.tags).toEqual({ Name: "web", "phoenix:spec-hash": hash });
  });

  it("keeps the last keepImages images, and every live one, with a lifecycle policy", () => {
    const policy = JSON.parse(
      mocks.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", "web-lifecycle").inputs.policy,
    );
    expect(policy.rules).toEqual([
      expect.objectContaining({
        selection: expect.objectContaining({ tagPrefixList: ["phoenix-live-"] }),
      }),
      expect.objectContaining({
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 7 },
        action: { type: "expire" },
      }),
    ]);
  });

  it("tags the image <version>-<hash12> and outputs it by digest", () => {
    expect(out.imageTag).toBe(`v3.4.1-${hash.slice(0, 12)}`);
    expect(out.imageName).toBe(`${out.repositoryUrl}:${out.imageTag}`);
    expect(out.imageRef).toMatch(
      new RegExp(`^${out.repositoryUrl.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`),
    );
  });

  it("builds the rendered Dockerfile for linux/amd64 with the commit as a build arg", () => {
    const image = mocks.get(IMAGE, "web");
    expect(image.inputs).toMatchObject({
      repository: out.repositoryUrl,
      tag: out.imageTag,
      specHash: hash,
      source: "build",
    });
    expect(image.inputs.build.platform).toBe("linux/amd64");
    expect(image.inputs.build.buildArgs).toEqual({ GIT_COMMIT: "0123abc" });
    expect(isSecret(image.inputs.credentials)).toBe(true);
    expect(unsecret(image.inputs.credentials)).toEqual({
      username: "AWS",
      password: "mock-ecr-password",
    });
    expect(image.options.additionalSecretOutputs).toContain("credentials");
  });

  it("passes the build context as files: Dockerfile text, app/ and config/<i>", () => {
    const { dockerfile, files } = mocks.get(IMAGE, "web").inputs.build;
    expect(dockerfile).toContain(hash);
    const paths = (files as { path: string; source: string }[]).map((f) => f.path);
    expect(paths).toContain("app/server.js");
    expect(paths).toContain("config/0");
    const config = (files as { path: string; source: string }[]).find((f) => f.path === "config/0");
    expect(fs.readFileSync(config!.source, "utf8")).toBe('{"greeting":"hello"}\n');
  });

  it("asks ECR for registry credentials of its own repository", () => {
    const calls = mocks.calls.filter(
      (c) => c.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken",
    );
    // One per image ("web" and "shared"), each for this account's own registry.
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.inputs.registryId).toBe("123456789012");
  });

  it("rejects bad arguments, listing every problem", async () => {
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    expect(
      () =>
        new imageModule.ImmutableImage("bad", {
          loaded,
          specHash: "nothex",
          dockerfile: "",
          keepImages: 0,
          gitCommit: "main",
        }),
    ).toThrow(
      /specHash: must be 64 lowercase hex[\s\S]*keepImages: must be a whole number from 1 to 1000, got 0[\s\S]*gitCommit:[\s\S]*dockerfile: is empty/,
    );
  });
});

describe("lifecyclePolicyDocument", () => {
  it("never expires an image with a live tag and keeps the newest `keepImages` of the rest", async () => {
    const { lifecyclePolicyDocument } = await import("../../../../components/aws/immutableImage");
    const { liveTag } = await import("../../../../lib/core/identifiers");
    const [live, rest] = JSON.parse(lifecyclePolicyDocument(10)).rules;
    expect(live.rulePriority).toBeLessThan(rest.rulePriority);
    expect(live.selection).toEqual({
      tagStatus: "tagged",
      tagPrefixList: ["phoenix-live-"],
      countType: "imageCountMoreThan",
      countNumber: 9999,
    });
    expect(
      liveTag("phoenix/prod", `sha256:${"ab".repeat(32)}`).startsWith(
        live.selection.tagPrefixList[0],
      ),
    ).toBe(true);
    expect(rest.selection).toEqual({
      tagStatus: "any",
      countType: "imageCountMoreThan",
      countNumber: 10,
    });
    expect(rest.action).toEqual({ type: "expire" });
  });
});
