import { describe, expect, it } from "vitest";
import {
  COMPONENT_TYPES,
  DIGEST_REFERENCE_RE,
  DIGEST_RE,
  DYNAMIC_NAMES,
  DYNAMIC_TYPES,
  ECR_REPOSITORY_URL_EXAMPLE,
  ECR_REPOSITORY_URL_RE,
  IMAGE_SOURCES,
  LABELS,
  SPEC_HASH_SHORT,
  TAGS,
  TESTED_IMAGE_REPOSITORY,
  gitCommitProblem,
  isGitCommit,
  isImageSource,
  isSpecHash,
  specHashProblem,
} from "../../../../lib/core/identifiers";

const HASH = "a".repeat(64);

// These names are written into Docker objects, AWS tags and Pulumi state by earlier releases. A new
// Phoenix reads them back to find the fleet it replaces, so changing one orphans every running fleet
// (and a changed type token replaces every component unless it gets `aliases`). They are pinned here.
describe("identifiers written by earlier releases", () => {
  it("keeps the Docker label keys", () => {
    expect(LABELS).toEqual({
      specHash: "io.phoenix.spec-hash",
      baseId: "io.phoenix.base-id",
      name: "io.phoenix.name",
      stack: "io.phoenix.stack",
      role: "io.phoenix.role",
      fleet: "io.phoenix.fleet",
      fleetId: "io.phoenix.fleet-id",
      instance: "io.phoenix.instance",
    });
  });

  it("keeps the AWS tag keys", () => {
    expect(TAGS).toEqual({
      specHash: "phoenix:spec-hash",
      stack: "phoenix:stack",
      release: "phoenix:release",
      fleet: "phoenix:fleet",
      containerImds: "phoenix:container-imds",
      tls: "phoenix:tls",
    });
  });

  it("keeps the component type tokens", () => {
    expect(COMPONENT_TYPES).toEqual({
      localTarget: "phoenix:index:LocalTarget",
      awsTarget: "phoenix:index:AwsTarget",
      awsFleet: "phoenix:index:AwsFleet",
      awsFrontDoor: "phoenix:index:AwsFrontDoor",
      awsInstanceAccess: "phoenix:index:AwsInstanceAccess",
      awsVpcEndpoints: "phoenix:index:AwsVpcEndpoints",
      immutableImage: "phoenix:index:ImmutableImage",
    });
  });

  it("keeps the dynamic resource names and the type tokens the engine gives them", () => {
    expect(DYNAMIC_NAMES).toEqual({
      localImage: "LocalImage",
      localFleet: "LocalFleet",
      localFrontDoor: "LocalFrontDoor",
      localNetwork: "LocalNetwork",
      registryImage: "RegistryImage",
      fleetAudit: "FleetAudit",
      releaseGate: "ReleaseGate",
      releaseRetire: "ReleaseRetire",
      releaseTeardown: "ReleaseTeardown",
    });
    expect(DYNAMIC_TYPES.localFleet).toBe("pulumi-nodejs:dynamic/phoenix:LocalFleet");
    expect(DYNAMIC_TYPES.releaseRetire).toBe("pulumi-nodejs:dynamic/phoenix:ReleaseRetire");
    expect(Object.keys(DYNAMIC_TYPES)).toEqual(Object.keys(DYNAMIC_NAMES));
  });

  it("keeps the tested-image repository, the image sources and the short hash length", () => {
    expect(TESTED_IMAGE_REPOSITORY).toBe("phoenix-tested");
    expect(IMAGE_SOURCES).toEqual(["build", "promote"]);
    expect(SPEC_HASH_SHORT).toBe(12);
  });
});

describe("spec hash", () => {
  it("is exactly 64 lowercase hex", () => {
    expect(isSpecHash(HASH)).toBe(true);
    expect(isSpecHash("0123456789abcdef".repeat(4))).toBe(true);
    for (const bad of [
      "a".repeat(63),
      "a".repeat(65),
      "A".repeat(64),
      "g".repeat(64),
      ` ${HASH}`,
      `${HASH}\n`,
    ]) {
      expect(isSpecHash(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isSpecHash(42)).toBe(false);
    // Only a string: a list or an object that prints as a hash is not one.
    expect(isSpecHash([HASH])).toBe(false);
    expect(isSpecHash({ toString: () => HASH })).toBe(false);
    expect(isSpecHash(undefined)).toBe(false);
  });

  it("names the field and shows the bad value", () => {
    expect(specHashProblem("specHash", HASH)).toBeUndefined();
    expect(specHashProblem("specHash", "abc")).toBe(
      'specHash: must be 64 lowercase hex, got "abc"',
    );
    expect(specHashProblem("image.specHash", undefined)).toBe(
      "image.specHash: must be 64 lowercase hex, got undefined",
    );
  });
});

describe("git commit", () => {
  it('is 7-40 lowercase hex, or "unknown"', () => {
    expect(isGitCommit("abcdef0")).toBe(true);
    expect(isGitCommit("0".repeat(40))).toBe(true);
    expect(isGitCommit("unknown")).toBe(true);
    for (const bad of [
      "abcdef",
      "0".repeat(41),
      "ABCDEF0",
      "unknownx",
      "xunknown",
      "abcdefg",
      "",
      "main",
    ]) {
      expect(isGitCommit(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isGitCommit(1234567)).toBe(false);
  });

  it("names the field and shows the bad value", () => {
    expect(gitCommitProblem("gitCommit", "unknown")).toBeUndefined();
    expect(gitCommitProblem("gitCommit", "HEAD")).toBe(
      'gitCommit: must be a git commit (7-40 hex) or "unknown", got "HEAD"',
    );
  });
});

describe("digests", () => {
  it("accepts sha256:<64 hex> only", () => {
    expect(DIGEST_RE.test(`sha256:${HASH}`)).toBe(true);
    for (const bad of [
      HASH,
      `sha256:${"a".repeat(63)}`,
      `sha512:${HASH}`,
      `sha256:${HASH}x`,
      `xsha256:${HASH}`,
      `sha256:${"A".repeat(64)}`,
    ]) {
      expect(DIGEST_RE.test(bad), bad).toBe(false);
    }
  });

  it("accepts an image pinned by digest, with or without a registry port", () => {
    const ok = [
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4@sha256:${HASH}`,
      `localhost:5000/team/web@sha256:${HASH}`,
      `registry.local/a.b_c/d-e@sha256:${HASH}`,
      `r/a@sha256:${HASH}`,
    ];
    for (const ref of ok) expect(DIGEST_REFERENCE_RE.test(ref), ref).toBe(true);
  });

  it("refuses a tag, a bare repository or anything around the reference", () => {
    const bad = [
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:latest`,
      `web@sha256:${HASH}`,
      `Registry.local/web@sha256:${HASH}`,
      `-registry/web@sha256:${HASH}`,
      `registry:port/web@sha256:${HASH}`,
      `registry/Web@sha256:${HASH}`,
      `registry/web-@sha256:${HASH}`,
      `registry/web@sha256:${"a".repeat(63)}`,
      ` registry/web@sha256:${HASH}`,
      `registry/web@sha256:${HASH} `,
      `registry/web:tag@sha256:${HASH}`,
    ];
    for (const ref of bad) expect(DIGEST_REFERENCE_RE.test(ref), ref).toBe(false);
  });
});

describe("ECR repository URL", () => {
  it("captures the 12-digit account", () => {
    expect(ECR_REPOSITORY_URL_RE.exec(ECR_REPOSITORY_URL_EXAMPLE)?.[1]).toBe("123456789012");
    expect(
      ECR_REPOSITORY_URL_RE.exec("210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/a/b.c_d-e")?.[1],
    ).toBe("210987654321");
  });

  it("refuses other registries and malformed URLs", () => {
    const bad = [
      "12345678901.dkr.ecr.eu-west-1.amazonaws.com/web",
      "1234567890123.dkr.ecr.eu-west-1.amazonaws.com/web",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/-web",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Web",
      "123456789012.dkr.ecr.EU-west-1.amazonaws.com/web",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil/web",
      "123456789012.dkr.ecrXeu-west-1.amazonaws.com/web",
      "x123456789012.dkr.ecr.eu-west-1.amazonaws.com/web",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web ",
      "registry.local/web",
    ];
    for (const url of bad) expect(ECR_REPOSITORY_URL_RE.test(url), url).toBe(false);
  });
});

describe("image sources", () => {
  it("are build and promote, nothing else", () => {
    expect(isImageSource("build")).toBe(true);
    expect(isImageSource("promote")).toBe(true);
    expect(isImageSource("Build")).toBe(false);
    expect(isImageSource("pull")).toBe(false);
    expect(isImageSource(undefined)).toBe(false);
  });
});
