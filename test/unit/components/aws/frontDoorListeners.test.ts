/** createFrontDoorListeners on its own: a target group to forward to, and a plan that forwards nowhere. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as plans from "../../../../lib/aws/frontDoorListeners";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";

vi.mock("../../../../lib/aws/frontDoorListeners", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../../../lib/aws/frontDoorListeners")>();
  return { ...actual, frontDoorPlan: vi.fn(actual.frontDoorPlan) };
});

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/fixed/0123456789abcdef";

describe("createFrontDoorListeners", () => {
  let mocks: MockRecorder;
  let listenersModule: typeof import("../../../../components/aws/frontDoorListeners");
  let parent: pulumi.ComponentResource;

  const args = (name: string) => ({
    name,
    parent,
    loadBalancerArn: "lb-arn",
    securityGroupId: "sg-id",
    certificateArn: CERT,
    tags: {},
  });

  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    listenersModule = await import("../../../../components/aws/frontDoorListeners");
    parent = new pulumi.ComponentResource("test:index:Door", "door");
    const made = listenersModule.createFrontDoorListeners({
      ...args("fixed"),
      forwardTargetGroupArn: TG,
    });
    await outputOf(made.forward.urn);
  });

  it("forwards to the given target group instead of answering 503", () => {
    expect(mocks.get("aws:lb/listener:Listener", "fixed-https").inputs.defaultActions).toEqual([
      { type: "forward", targetGroupArn: TG },
    ]);
  });

  it("refuses a plan without a forwarding listener, naming the front door", () => {
    const plan = plans.frontDoorPlan(CERT);
    vi.mocked(plans.frontDoorPlan).mockReturnValueOnce({
      ...plan,
      listeners: plan.listeners.filter((l) => l.action !== "forward"),
    });
    expect(() => listenersModule.createFrontDoorListeners(args("redirect-only"))).toThrow(
      new pulumi.ResourceError("redirect-only: no forwarding listener", parent),
    );
  });
});
