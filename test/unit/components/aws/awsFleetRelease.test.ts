/**
 * Every change that replaces a release's group is a new release: the release id is derived from
 * everything the launch template and the group's instances are made from, so the target group (whose
 * replacement trigger is the release) is replaced with the group and the candidate goes through the
 * gate. Each variant is the same fleet under a parent of its own type, so every logical name, mock id
 * and ARN is equal and only the one input differs.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const HASH = "a".repeat(64);
const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"1".repeat(64)}`;
const KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const config = awsConfig({ desiredCount: "3", maxSize: "6" });
const TG = "aws:lb/targetGroup:TargetGroup";
const ASG = "aws:autoscaling/group:Group";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

type Variant = { spec?: string; config?: Partial<typeof config> };
const VARIANTS: Record<string, Variant> = {
  base: {},
  kmsKeyId: { config: { kmsKeyId: KMS_KEY } },
  amiId: { config: { amiId: "ami-0fedcba9876543210" } },
  instanceType: { config: { instanceType: "m7i.large" } },
  instanceSubnetIds: { config: { instanceSubnetIds: [config.instanceSubnetIds[0]] } },
  containerInstanceMetadata: {
    spec: `${specText()}runtime: { containerInstanceMetadata: true }\n`,
  },
  // A size change updates the group in place: no new release.
  desiredCount: { config: { desiredCount: 4 } },
};

let mocks: MockRecorder;
const releases: Record<string, string> = {};
/** The recorded registrations of a variant: the one whose parent chain is its own type. */
const of = (type: string, variant: string) => {
  const found = mocks
    .ofType(type)
    .filter((r) => r.options.parent.includes(`test:variant:${variant}$`));
  expect(found, `${type} of ${variant}`).toHaveLength(1);
  return found[0];
};

describe("AwsFleet release id", () => {
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    for (const [variant, over] of Object.entries(VARIANTS)) {
      const parent = new pulumi.ComponentResource(`test:variant:${variant}`, "v");
      const fleet = new AwsFleet(
        "web",
        {
          spec: parseSpec(over.spec ?? specText()),
          specHash: HASH,
          imageRef: REF,
          config: { ...config, ...over.config },
          secretValues: { DB_PASSWORD: pulumi.secret("s3cr3t") },
        },
        { parent },
      );
      releases[variant] = await outputOf(fleet.release);
      await outputOf(fleet.retired.urn);
    }
  });

  it("builds every variant from the same names, so only the one input differs", () => {
    expect(of(LT, "kmsKeyId").inputs.networkInterfaces).toEqual(
      of(LT, "base").inputs.networkInterfaces,
    );
    expect(of(LT, "kmsKeyId").inputs.iamInstanceProfile).toEqual(
      of(LT, "base").inputs.iamInstanceProfile,
    );
  });

  for (const variant of Object.keys(VARIANTS).filter((v) => v !== "base" && v !== "desiredCount")) {
    it(`makes a new release and a new target group when ${variant} changes`, () => {
      expect(releases[variant]).not.toBe(releases.base);
      expect(of(TG, variant).options.replacementTrigger).toBe(releases[variant]);
      expect(of(ASG, variant).options.replacementTrigger).toBe(releases[variant]);
      expect(of(TG, variant).options.replacementTrigger).not.toBe(
        of(TG, "base").options.replacementTrigger,
      );
    });
  }

  it("changes the launch template with kmsKeyId (which replaces the group)", () => {
    expect(of(LT, "kmsKeyId").inputs.blockDeviceMappings).not.toEqual(
      of(LT, "base").inputs.blockDeviceMappings,
    );
    expect(of(ASG, "kmsKeyId").options.replaceOnChanges).toEqual(["launchTemplate"]);
  });

  it("keeps the release (and the target group) when only the group's size changes", () => {
    expect(releases.desiredCount).toBe(releases.base);
    expect(of(ASG, "desiredCount").inputs.desiredCapacity).toBe(4);
  });
});
