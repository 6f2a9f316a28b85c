/**
 * The checks of components/aws/fleetChecks.ts on their own: what each asks AWS (and through which
 * provider), and what it fails or warns with.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { type RecordedInvoke, collectUnhandledRejections, recordInvokes } from "./graph";

const KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const SAME_ACCOUNT_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";
const OTHER_ACCOUNT_REPO = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";
/** Each subnet's zone is the letter its id ends with. */
const zoneOf = (id: string) => `eu-west-1${id.slice(-1)}`;

describe("fleet checks", () => {
  let mocks: MockRecorder;
  let invokes: RecordedInvoke[];
  let checks: typeof import("../../../../components/aws/fleetChecks");
  let parent: pulumi.ComponentResource;
  let providerRef: string;
  const warn = vi.spyOn(pulumi.log, "warn");

  beforeAll(async () => {
    mocks = await setupMocks({
      project: "phoenix",
      stack: "prod",
      calls: {
        "aws:ec2/getSubnet:getSubnet": (inputs) => ({
          id: inputs.id,
          availabilityZone: zoneOf(String(inputs.id)),
        }),
      },
    });
    invokes = recordInvokes();
    const aws = await import("@pulumi/aws");
    checks = await import("../../../../components/aws/fleetChecks");
    const provider = new aws.Provider("checks-aws", { region: "eu-west-1" });
    parent = new pulumi.ComponentResource("test:index:Checks", "checks", {}, { provider });
    providerRef = `${await outputOf(provider.urn)}::${await outputOf(provider.id)}`;
  });

  beforeEach(() => {
    warn.mockClear();
    invokes.length = 0;
  });

  it("fails naming every uncovered zone, one problem per line", async () => {
    // The failure also rejects every unawaited use of the output: collected, not reported.
    const rejections = collectUnhandledRejections();
    const subnets = checks.coveredInstanceSubnets(
      "f",
      { albSubnetIds: ["subnet-a", "subnet-b"], instanceSubnetIds: ["subnet-c", "subnet-d"] },
      parent,
    );
    const message = await outputOf(subnets).then(
      () => "",
      (e: Error) => e.message,
    );
    await rejections.quiet(100);
    rejections.restore();
    for (const e of rejections.errors) expect(e.message).toBe(message);
    const lines = message.split("\n");
    expect(lines[0]).toBe("AwsFleet f:");
    expect(lines.slice(1).map((l) => l.match(/ is in (eu-west-1\w),/)?.[1])).toEqual([
      "eu-west-1c",
      "eu-west-1d",
    ]);
  });

  it("passes the instance subnets on once every zone is covered", async () => {
    const subnets = checks.coveredInstanceSubnets(
      "f",
      { albSubnetIds: ["subnet-a", "subnet-b"], instanceSubnetIds: ["subnet-b"] },
      parent,
    );
    expect(await outputOf(subnets)).toEqual(["subnet-b"]);
    for (const i of invokes) expect(i.provider, i.token).toBe(providerRef);
  });

  it("asks for no account without a repository to promote from", async () => {
    expect(await outputOf(checks.warnCrossAccountPromotion(undefined, parent))).toBeUndefined();
    expect(invokes).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("warns nothing when the repository is in the account the stack deploys to", async () => {
    const warning = checks.warnCrossAccountPromotion(SAME_ACCOUNT_REPO, parent);
    expect(await outputOf(warning)).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
    // The deploying account is the stack provider's, not the default provider's.
    expect(invokes.map((i) => [i.token, i.provider])).toEqual([
      ["aws:index/getCallerIdentity:getCallerIdentity", providerRef],
    ]);
  });

  it("warns, naming both accounts, when the repository is in another account", async () => {
    const warning = await outputOf(checks.warnCrossAccountPromotion(OTHER_ACCOUNT_REPO, parent));
    expect(warning).toMatch(/210987654321.*123456789012/);
    expect(warn).toHaveBeenCalledWith(warning, parent);
  });

  it("looks up Auto Scaling's service-linked role by its exact name and path", async () => {
    const { checked } = checks.ebsKeyAccess(
      "f",
      { kmsKeyId: KMS_KEY, region: "eu-west-1" },
      parent,
    );
    await outputOf(checked);
    const lookups = mocks.calls.filter((c) => c.token === "aws:iam/getRoles:getRoles");
    expect(lookups.map((c) => c.inputs)).toEqual([
      {
        nameRegex: "^AWSServiceRoleForAutoScaling$",
        pathPrefix: "/aws-service-role/autoscaling.amazonaws.com/",
      },
    ]);
  });
});
