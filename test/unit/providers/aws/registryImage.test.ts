import { describe, expect, it } from "vitest";
import {
  type RegistryImageInputs,
  type RegistryImageOutputs,
  registryImageProvider as provider,
  replacingChanges,
  validateInputs,
} from "../../../../providers/aws/registryImage";

const HASH = "3f2a9c1e77d0" + "a".repeat(52);
const base: RegistryImageInputs = {
  repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c",
  tag: "v3.4.1-3f2a9c1e77d0",
  specHash: HASH,
  source: "build",
  credentials: { username: "AWS", password: "token-1" },
  build: { dockerfile: "FROM scratch\n", files: [], buildArgs: { GIT_COMMIT: "0123abc" } },
};
const digest = "sha256:" + "b".repeat(64);
const recorded: RegistryImageOutputs = {
  ...base,
  digest,
  imageRef: `${base.repository}@${digest}`,
  built: true,
};

describe("validateInputs", () => {
  it("accepts a content-addressed tag for the spec hash", () => {
    expect(validateInputs(base)).toEqual([]);
  });

  it("rejects a tag that does not end with the spec hash's first 12 characters", () => {
    expect(validateInputs({ ...base, tag: "latest" })).toEqual([
      'tag: must be <version>-3f2a9c1e77d0 (imageTag(spec, specHash)) so the tag names the content, got "latest"',
    ]);
  });

  it("lists every problem at once", () => {
    const problems = validateInputs({
      ...base,
      repository: "web",
      specHash: "nothex",
      source: "pull" as never,
      build: undefined,
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^repository: must start with a registry host/);
    expect(problems[1]).toBe('specHash: must be 64 lowercase hex, got "nothex"');
    expect(problems[2]).toBe('source: must be one of build, promote, got "pull"');
  });

  it("requires build inputs only when the source is build", () => {
    expect(validateInputs({ ...base, build: undefined })).toEqual([
      "build: required when source is build (or set source to promote)",
    ]);
    expect(validateInputs({ ...base, source: "promote", build: undefined })).toEqual([]);
  });
});

describe("registryImageProvider.diff", () => {
  it("replaces when the spec hash and tag change", async () => {
    const hash2 = "0123456789ab" + "c".repeat(52);
    const news = { ...base, specHash: hash2, tag: "v3.4.1-0123456789ab" };
    expect(replacingChanges(recorded, news)).toEqual(["specHash", "tag"]);
    expect(await provider.diff!("id", recorded, news)).toEqual({
      changes: true,
      replaces: ["specHash", "tag"],
    });
  });

  it("replaces when the repository changes", async () => {
    const news = { ...base, repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/other" };
    expect(await provider.diff!("id", recorded, news)).toEqual({
      changes: true,
      replaces: ["repository"],
    });
  });

  it("sees no change for a new ECR token or a new commit's build arg", async () => {
    const news = {
      ...base,
      credentials: { username: "AWS", password: "token-2" },
      build: { ...base.build!, buildArgs: { GIT_COMMIT: "4567def" } },
    };
    expect(await provider.diff!("id", recorded, news)).toEqual({ changes: false, replaces: [] });
  });

  it("updates in place when only the source changes", async () => {
    const news = { ...base, source: "promote" as const, build: undefined };
    expect(await provider.diff!("id", recorded, news)).toEqual({ changes: true, replaces: [] });
    const { outs } = await provider.update!("id", recorded, news);
    expect(outs).toMatchObject({ source: "promote", digest, imageRef: recorded.imageRef });
  });
});

describe("registryImageProvider.create", () => {
  it("rejects invalid inputs before any registry call, naming each field", async () => {
    await expect(provider.create({ ...base, tag: "latest" })).rejects.toThrow(/^tag: must be/);
  });
});
