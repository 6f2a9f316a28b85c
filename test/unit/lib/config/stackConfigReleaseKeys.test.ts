/** The aws keys that guard a release before it serves: candidate sources, front door protection, promotion. */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { parseStackConfig } from "../../../../lib/config/stackConfig";

const AWS = {
  target: "aws",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  albSubnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  instanceSubnetIds: '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
  amiId: "ami-0123456789abcdef0",
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ValidationError");
}

describe("candidateSourceCidrs", () => {
  it("defaults to none, and reads IPv4 and IPv6 blocks", () => {
    expect(parseStackConfig(AWS)).toMatchObject({ candidateSourceCidrs: [] });
    expect(
      parseStackConfig({ ...AWS, candidateSourceCidrs: '["203.0.113.0/24","2001:db8::/56"]' }),
    ).toMatchObject({ candidateSourceCidrs: ["203.0.113.0/24", "2001:db8::/56"] });
  });

  it("rejects a block that is no CIDR and more than 3 blocks, with the others", () => {
    expect(
      problems({
        ...AWS,
        candidateSourceCidrs: '["203.0.113.7","10.0.0.0/8"]',
        protectFrontDoor: "yes",
      }),
    ).toEqual([
      'phoenix:candidateSourceCidrs[0]: must be a CIDR block like 203.0.113.0/24 or 2001:db8::/56, got "203.0.113.7"',
      'phoenix:protectFrontDoor: must be true or false, got "yes"',
    ]);
    expect(
      problems({ ...AWS, candidateSourceCidrs: "10.0.0.0/8,10.1.0.0/16,10.2.0.0/16,10.3.0.0/16" }),
    ).toEqual([
      "phoenix:candidateSourceCidrs: takes at most 3 CIDR blocks (an ALB rule condition compares at most 3 values), got 4",
    ]);
  });
});

describe("protectFrontDoor", () => {
  it("defaults to false and reads true", () => {
    expect(parseStackConfig(AWS)).toMatchObject({ protectFrontDoor: false });
    expect(parseStackConfig({ ...AWS, protectFrontDoor: "true" })).toMatchObject({
      protectFrontDoor: true,
    });
  });
});

describe("imageRepository of a promoting stack", () => {
  it("must be in the stack's region: the boot's ECR login and the retire's live tag use it", () => {
    expect(
      problems({
        ...AWS,
        imageSource: "promote",
        imageRepository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-1a2b3c4",
      }),
    ).toEqual([
      "phoenix:imageRepository: must be in the stack's region eu-west-1, got a repository in " +
        "us-east-1; promote from a building stack in eu-west-1, or replicate the repository there " +
        "(ECR cross-Region replication) and set imageRepository to the replica",
    ]);
    expect(
      parseStackConfig({
        ...AWS,
        imageSource: "promote",
        imageRepository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4",
      }),
    ).toMatchObject({ imageSource: "promote" });
  });
});
