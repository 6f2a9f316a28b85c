/**
 * AwsVpcEndpoints in a VPC without DNS hostnames fails at preview, before any interface endpoint is
 * created: private DNS needs enableDnsSupport and enableDnsHostnames (CreateVpcEndpoint).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type MockRecorder, setupMocks } from "../../../mocks";
import { collectUnhandledRejections } from "./graph";

describe("AwsVpcEndpoints in a VPC without DNS hostnames", () => {
  let mocks: MockRecorder;
  let rejections: ReturnType<typeof collectUnhandledRejections>;

  beforeAll(async () => {
    mocks = await setupMocks({
      project: "phoenix",
      stack: "prod",
      calls: {
        "aws:ec2/getVpc:getVpc": (inputs) => ({
          id: inputs.id,
          cidrBlockAssociations: [{ cidrBlock: "10.0.0.0/16", state: "associated" }],
          ipv6CidrBlock: "",
          enableDnsSupport: true,
          enableDnsHostnames: false,
        }),
      },
    });
    rejections = collectUnhandledRejections();
    const { AwsVpcEndpoints } = await import("../../../../components/aws/awsVpcEndpoints");
    new AwsVpcEndpoints("nodns", {
      vpcId: "vpc-0123456789abcdef0",
      region: "eu-west-1",
      subnetIds: ["subnet-0123456789abcdef2"],
      routeTableIds: ["rtb-0123456789abcdef0"],
      tags: {},
    });
  });

  afterAll(async () => {
    await rejections.quiet(500);
    rejections.restore();
  });

  it("fails naming the VPC, the attribute and the fix, and creates no interface endpoint", async () => {
    await vi.waitFor(() => expect(rejections.errors.length).toBeGreaterThan(0), { timeout: 5000 });
    expect(rejections.errors.map((e) => e.message)).toContainEqual(
      expect.stringContaining(
        "phoenix:vpcEndpoints: VPC vpc-0123456789abcdef0 has enableDnsHostnames off",
      ),
    );
    const interfaces = mocks
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .filter((e) => e.inputs.vpcEndpointType === "Interface");
    expect(interfaces).toEqual([]);
  });
});
