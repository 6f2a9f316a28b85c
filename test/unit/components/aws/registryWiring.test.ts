/**
 * The AWS wiring of content-addressed images, through the shared mocks: the ECR repository stays
 * IMMUTABLE while images are published by RegistryImage (look up by tag, build only when
 * missing), the launch template runs the digest RegistryImage reports, and a promoting stack
 * creates no repository and never builds.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { parseStackConfig } from "../../../../lib/config/stackConfig";
import { type MockRecorder, isSecret, outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";
import { awsConfig, writeSpecRepo } from "../fixtures";

const REPO = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const IMAGE = "pulumi-nodejs:dynamic/phoenix:RegistryImage";
const DOCKER_IMAGE = "docker:index/image:Image";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const TOKEN = "aws:ecr/getAuthorizationToken:getAuthorizationToken";
const BUILDER_REPO = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";

const config = awsConfig();

let mocks: MockRecorder;
let imageModule: typeof import("../../../../components/aws/immutableImage");
let fleetModule: typeof import("../../../../components/aws/awsFleet");

/** One image + fleet pair, as index.ts wires them; resolves once both are registered. */
async function deploy(
  name: string,
  image: { source?: "build" | "promote"; repositoryUrl?: string },
) {
  const { specPath } = writeSpecRepo();
  const loaded = loadSpec(specPath);
  const hash = specHash(loaded);
  const img = new imageModule.ImmutableImage(name, {
    loaded,
    specHash: hash,
    dockerfile: renderDockerfile(loaded, hash),
    keepImages: 10,
    gitCommit: "0123abc",
    ...image,
  });
  const fleet = new fleetModule.AwsFleet(`${name}-fleet`, {
    spec: loaded.spec,
    specHash: hash,
    imageRef: img.imageRef,
    config,
    secretValues: { DB_PASSWORD: pulumi.secret("s3cret") },
  });
  await outputOf(fleet.asgName);
  return { hash, imageRef: await outputOf(img.imageRef), tag: img.imageTag };
}

function userDataOf(fleetName: string): string {
  return Buffer.from(mocks.get(LT, `${fleetName}-lt`).inputs.userData, "base64").toString("utf8");
}

// The mocks and modules the first three describes use. Each of them awaits this, so an import that
// throws fails their tests (a throwing file-level beforeAll would only skip them, which a mutation
// run counts as passing).
const setUp = builtInBeforeAll(async () => {
  mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  imageModule = await import("../../../../components/aws/immutableImage");
  fleetModule = await import("../../../../components/aws/awsFleet");
});

describe("ImmutableImage + AwsFleet, building stack", () => {
  let built: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    await setUp();
    built = await deploy("web", {});
  });

  it("keeps the ECR repository IMMUTABLE and publishes through RegistryImage, not docker.Image", () => {
    expect(mocks.get(REPO, "web").inputs.imageTagMutability).toBe("IMMUTABLE");
    expect(mocks.ofType(DOCKER_IMAGE)).toEqual([]);
    const image = mocks.get(IMAGE, "web");
    expect(image.inputs).toMatchObject({ source: "build", specHash: built.hash, tag: built.tag });
    expect(image.inputs.repository).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\//);
    expect(isSecret(image.inputs.credentials)).toBe(true);
  });

  it("gives the launch template the digest RegistryImage reports, never the tag", () => {
    const image = mocks.get(IMAGE, "web");
    expect(built.imageRef).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(built.imageRef.startsWith(`${image.inputs.repository}@`)).toBe(true);
    const userData = userDataOf("web-fleet");
    expect(userData).toContain(built.imageRef);
    expect(userData).not.toContain(`:${built.tag}`);
  });
});

describe("ImmutableImage + AwsFleet, promoting stack", () => {
  let promoted: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    await setUp();
    promoted = await deploy("prom", { source: "promote", repositoryUrl: BUILDER_REPO });
  });

  it("creates no repository or lifecycle policy and passes no build inputs", () => {
    expect(mocks.ofType(REPO).map((r) => r.name)).not.toContain("prom");
    expect(mocks.ofType(LIFECYCLE).map((r) => r.name)).not.toContain("prom-lifecycle");
    const image = mocks.get(IMAGE, "prom");
    expect(image.inputs).toMatchObject({ source: "promote", repository: BUILDER_REPO });
    expect(image.inputs.build).toBeUndefined();
  });

  it("asks ECR for a token of the building stack's registry", () => {
    const registryIds = mocks.calls
      .filter((c) => c.token === TOKEN)
      .map((c) => c.inputs.registryId);
    expect(registryIds).toContain("210987654321");
  });

  it("runs the promoted digest from the building stack's repository", () => {
    expect(promoted.imageRef.startsWith(`${BUILDER_REPO}@sha256:`)).toBe(true);
    expect(userDataOf("prom-fleet")).toContain(promoted.imageRef);
  });
});

describe("ImmutableImage arguments for promotion", () => {
  beforeEach(async () => {
    await setUp();
  });

  it("rejects promote without the building stack's repository URL, naming the config key", () => {
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    const args = {
      loaded,
      specHash: hash,
      dockerfile: "FROM x",
      keepImages: 5,
      gitCommit: "abcdef0",
    };
    expect(() => new imageModule.ImmutableImage("bad1", { ...args, source: "promote" })).toThrow(
      /repositoryUrl: promote needs the ECR repository URL of the stack that builds.*phoenix:imageRepository.*got ""/,
    );
    expect(
      () => new imageModule.ImmutableImage("bad2", { ...args, repositoryUrl: BUILDER_REPO }),
    ).toThrow(/repositoryUrl: only applies to source promote/);
  });
});

describe("parseStackConfig imageSource / imageRepository", () => {
  const aws = {
    target: "aws",
    region: "eu-west-1",
    vpcId: "vpc-0123456789abcdef0",
    albSubnetIds: "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    instanceSubnetIds: "subnet-0123456789abcdef2",
    amiId: "ami-0123456789abcdef0",
  };

  it("defaults to build and accepts promote with the building stack's repository", () => {
    expect(parseStackConfig(aws)).toMatchObject({ imageSource: "build" });
    expect(
      parseStackConfig({ ...aws, imageSource: "promote", imageRepository: BUILDER_REPO }),
    ).toMatchObject({ imageSource: "promote", imageRepository: BUILDER_REPO });
  });

  it("requires imageRepository with promote and refuses it without", () => {
    expect(() => parseStackConfig({ ...aws, imageSource: "promote" })).toThrow(
      /phoenix:imageRepository: required with imageSource promote/,
    );
    expect(() => parseStackConfig({ ...aws, imageRepository: BUILDER_REPO })).toThrow(
      /phoenix:imageRepository: only applies with imageSource promote/,
    );
    expect(() => parseStackConfig({ ...aws, imageSource: "pull" })).toThrow(
      /phoenix:imageSource: must be build or promote, got "pull"/,
    );
  });
});
