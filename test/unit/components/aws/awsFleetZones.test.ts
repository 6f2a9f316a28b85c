/**
 * A fleet whose instance subnets include one in an Availability Zone the load balancer has no
 * subnet in fails at preview, before any release resource is made: its instances would be
 * registered but `unused` (Target.NotInUse) and never healthy.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";
import { collectUnhandledRejections } from "./graph";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"7".repeat(64)}`;
// fixtures: albSubnetIds ...def0, ...def1; instanceSubnetIds ...def2, ...def3
const ZONES: Record<string, string> = {
  "subnet-0123456789abcdef0": "eu-west-1a",
  "subnet-0123456789abcdef1": "eu-west-1b",
  "subnet-0123456789abcdef2": "eu-west-1a",
  "subnet-0123456789abcdef3": "eu-west-1c",
};

describe("AwsFleet with an instance subnet outside the load balancer's zones", () => {
  let mocks: MockRecorder;
  let rejections: ReturnType<typeof collectUnhandledRejections>;
  let covered: pulumi.Output<string>;
  let uncovered: pulumi.Output<string>;

  beforeAll(async () => {
    mocks = await setupMocks({
      project: "phoenix",
      stack: "prod",
      calls: {
        "aws:ec2/getSubnet:getSubnet": (inputs) => ({
          id: inputs.id,
          availabilityZone: ZONES[inputs.id],
        }),
      },
    });
    rejections = collectUnhandledRejections();
    const { AwsFleet } = await import("../../../../components/aws/awsFleet");
    const make = (name: string, instanceSubnetIds: string[]) =>
      new AwsFleet(name, {
        spec: parseSpec(specText()),
        specHash: "7".repeat(64),
        imageRef: REF,
        config: { ...awsConfig(), instanceSubnetIds },
        secretValues: { DB_PASSWORD: pulumi.secret("zones-test-secret") },
      });
    const ok = make("covered", ["subnet-0123456789abcdef2"]);
    covered = ok.release;
    await outputOf(ok.retired.urn);
    uncovered = make("uncovered", ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]).release;
  });

  afterAll(async () => {
    await rejections.quiet(500);
    rejections.restore();
  });

  it("deploys instance subnets in covered zones, looking each subnet up", async () => {
    expect(await outputOf(covered)).toMatch(/^[0-9a-f]{12}$/);
    const group = mocks.get("aws:autoscaling/group:Group", "covered");
    expect(group.inputs.vpcZoneIdentifiers).toEqual(["subnet-0123456789abcdef2"]);
    const looked = mocks.calls.filter((c) => c.token === "aws:ec2/getSubnet:getSubnet");
    expect(looked.map((c) => c.inputs.id)).toEqual(
      expect.arrayContaining([
        "subnet-0123456789abcdef0",
        "subnet-0123456789abcdef1",
        "subnet-0123456789abcdef2",
      ]),
    );
  });

  it("fails the release naming the subnet, the zone and both config keys", async () => {
    await expect(outputOf(uncovered)).rejects.toThrow(
      "phoenix:instanceSubnetIds: subnet-0123456789abcdef3 is in eu-west-1c, where " +
        "phoenix:albSubnetIds has no subnet (the load balancer covers eu-west-1a, eu-west-1b)",
    );
  });
});
