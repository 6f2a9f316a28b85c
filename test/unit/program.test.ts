import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { MockRecorder, outputOf, setupMocks } from "../mocks";

const SECRET = "program-test-secret-value";

// index.ts with the prod stack's config: the aws target's graph, and nothing of the local target.
describe("index.ts (target aws)", () => {
  let mocks: MockRecorder;
  // index.ts exports the aws target's outputs when phoenix:target is aws.
  let program: Record<string, any>;

  beforeAll(async () => {
    mocks = await setupMocks({ stack: "prod" });
    pulumi.runtime.setAllConfig(
      {
        "phoenix:target": "aws",
        "phoenix:region": "eu-west-1",
        "phoenix:vpcId": "vpc-0123456789abcdef0",
        "phoenix:albSubnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
        "phoenix:instanceSubnetIds": '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
        "phoenix:amiId": "ami-0123456789abcdef0",
        "phoenix:desiredCount": "3",
        "phoenix:DB_PASSWORD": SECRET,
      },
      ["phoenix:DB_PASSWORD"],
    );
    const mod: any = await import("../../index");
    program = mod.default ?? mod;
    await Promise.all([program.url, program.fleetName, program.auditFindings].map(outputOf));
  });

  it("wires the aws target: ECR image, ASG fleet, ALB front door", () => {
    const types = new Set(mocks.resources.map((r) => r.type));
    expect(types).toContain("phoenix:index:AwsTarget");
    expect(types).toContain("aws:ecr/repository:Repository");
    expect(types).toContain("aws:autoscaling/group:Group");
    expect(types).toContain("aws:lb/loadBalancer:LoadBalancer");
    expect(mocks.resources.some((r) => r.name === "web-audit")).toBe(true);
    expect([...types].filter((t) => t.startsWith("phoenix:index:Local"))).toEqual([]);
  });

  it("exports the spec hash, the image by digest and no local outputs", async () => {
    expect(await outputOf(pulumi.output(program.specHash))).toMatch(/^[0-9a-f]{64}$/);
    expect(await outputOf(program.imageRef)).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(Object.keys(program).sort()).toEqual(
      [
        "auditFindings",
        "built",
        "fleetName",
        "gitCommit",
        "imageRef",
        "imageTag",
        "repositoryUrl",
        "specHash",
        "url",
      ],
    );
  });

  it("keeps the stack secret out of every recorded input in plain text", () => {
    const plain = JSON.stringify(mocks.resources.map((r) => r.inputs));
    const ssm = mocks.ofType("aws:ssm/parameter:Parameter");
    expect(ssm.length).toBe(1);
    expect(plain.includes(SECRET)).toBe(ssm.some((p) => JSON.stringify(p.inputs).includes(SECRET)));
  });
});
