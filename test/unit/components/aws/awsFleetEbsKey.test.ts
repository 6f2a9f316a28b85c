/**
 * A fleet whose volumes use a customer managed key grants Auto Scaling's service-linked role the
 * key's use before its group launches anything; without the grant (or key policy) Auto Scaling
 * terminates every instance at launch ("Required AWS KMS key policy for use with encrypted
 * volumes"). Without phoenix:kmsKeyId, an account default EBS key that is customer managed, and a
 * missing service-linked role, fail at preview.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";
import { collectUnhandledRejections } from "./graph";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"9".repeat(64)}`;
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const ALIAS = "arn:aws:kms:eu-west-1:123456789012:alias/phoenix-ebs";
const GRANT = "aws:kms/grant:Grant";
const SLR =
  "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";

const make = async (name: string, kmsKeyId?: string) => {
  const { AwsFleet } = await import("../../../../components/aws/awsFleet");
  return new AwsFleet(name, {
    spec: parseSpec(specText()),
    specHash: "9".repeat(64),
    imageRef: REF,
    config: { ...awsConfig(), kmsKeyId },
    secretValues: { DB_PASSWORD: pulumi.secret("ebs-key-secret") },
  });
};

describe("AwsFleet with phoenix:kmsKeyId", () => {
  let mocks: MockRecorder;
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    await outputOf((await make("own-key", KEY)).retired.urn);
    await outputOf((await make("aliased", ALIAS)).retired.urn);
    await outputOf((await make("default-key")).retired.urn);
  });

  it("grants Auto Scaling's service-linked role the key's use, with the documented operations", () => {
    expect(mocks.get(GRANT, "own-key-ebs-key-grant").inputs).toEqual({
      keyId: KEY,
      granteePrincipal: SLR,
      operations: [
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "DescribeKey",
        "CreateGrant",
      ],
    });
  });

  it("launches the group only once the grant exists", () => {
    const deps = mocks.get("aws:autoscaling/group:Group", "own-key").options.dependencies;
    expect(deps.some((urn) => urn.endsWith("::own-key-ebs-key-grant"))).toBe(true);
  });

  it("grants on the key an alias ARN names (a grant takes no alias)", () => {
    const keyId = mocks.get(GRANT, "aliased-ebs-key-grant").inputs.keyId as string;
    expect(keyId).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\//);
  });

  it("makes no grant with the AWS managed default key", () => {
    expect(
      mocks
        .ofType(GRANT)
        .map((g) => g.name)
        .sort(),
    ).toEqual(["aliased-ebs-key-grant", "own-key-ebs-key-grant"]);
  });
});

describe("AwsFleet in an account whose default EBS key is customer managed, without the role", () => {
  let rejections: ReturnType<typeof collectUnhandledRejections>;
  let defaultKey: pulumi.Output<string>;
  let noRole: pulumi.Output<string>;

  beforeAll(async () => {
    await setupMocks({
      project: "phoenix",
      stack: "prod",
      calls: {
        "aws:ebs/getDefaultKmsKey:getDefaultKmsKey": () => ({ id: "eu-west-1", keyArn: KEY }),
        "aws:iam/getRoles:getRoles": () => ({ id: "eu-west-1", arns: [], names: [] }),
      },
    });
    rejections = collectUnhandledRejections();
    defaultKey = (await make("cmk-default")).release;
    noRole = (await make("no-role", KEY)).release;
  });

  afterAll(async () => {
    await rejections.quiet(500);
    rejections.restore();
  });

  it("fails the release at preview, saying to set phoenix:kmsKeyId to the default key", async () => {
    await expect(outputOf(defaultKey)).rejects.toThrow(
      `phoenix:kmsKeyId: the account's default EBS key ${KEY} is a customer managed key`,
    );
  });

  it("fails the release at preview when the service-linked role does not exist yet", async () => {
    await expect(outputOf(noRole)).rejects.toThrow(
      /AWSServiceRoleForAutoScaling does not exist in this account yet/,
    );
  });
});
