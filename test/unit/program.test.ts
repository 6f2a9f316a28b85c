import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
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
    // The prod stack file itself, as `pulumi.Config` hands it over (lists as JSON text).
    const doc = parse(fs.readFileSync(path.join(__dirname, "../../Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const stackConfig = Object.fromEntries(
      Object.entries(doc.config).map(([k, v]) => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    );
    pulumi.runtime.setAllConfig({ ...stackConfig, "phoenix:DB_PASSWORD": SECRET }, [
      "phoenix:DB_PASSWORD",
    ]);
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

  it("applies Pulumi.prod.yaml's production keys: subnets apart, HTTPS, log retention", () => {
    const get = (type: string, name: string) =>
      mocks.resources.find((r) => r.type === type && r.name === name)?.inputs;
    expect(get("aws:lb/loadBalancer:LoadBalancer", "web-fleet-front")?.subnets).toEqual([
      "subnet-0123456789abcdef0",
      "subnet-0fedcba9876543210",
    ]);
    expect(get("aws:autoscaling/group:Group", "web-fleet")?.vpcZoneIdentifiers).toEqual([
      "subnet-0a1b2c3d4e5f60718",
      "subnet-0f1e2d3c4b5a69788",
    ]);
    expect(get("aws:lb/listener:Listener", "web-fleet-front-https")).toMatchObject({
      port: 443,
      certificateArn: expect.stringMatching(/^arn:aws:acm:eu-west-1:/),
    });
    expect(get("aws:cloudwatch/logGroup:LogGroup", "web-fleet-access-logs")).toMatchObject({
      name: "/phoenix/phoenix/prod/web",
      retentionInDays: 90,
    });
    expect(mocks.resources.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")).toEqual([]);
  });

  it("exports the spec hash, the image by digest and no local outputs", async () => {
    expect(await outputOf(pulumi.output(program.specHash))).toMatch(/^[0-9a-f]{64}$/);
    expect(await outputOf(program.imageRef)).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(Object.keys(program).sort()).toEqual([
      "auditFindings",
      "built",
      "fleetName",
      "gitCommit",
      "imageRef",
      "imageTag",
      "repositoryUrl",
      "rollout",
      "specHash",
      "url",
    ]);
    // No phoenix:rollout in Pulumi.prod.yaml: the release goes all at once.
    expect(await outputOf(pulumi.output(program.rollout!))).toMatchObject({
      outcome: "immediate",
      windows: [],
    });
  });

  it("keeps the stack secret out of every recorded input in plain text", () => {
    const plain = JSON.stringify(mocks.resources.map((r) => r.inputs));
    const ssm = mocks.ofType("aws:ssm/parameter:Parameter");
    expect(ssm.length).toBe(1);
    expect(plain.includes(SECRET)).toBe(ssm.some((p) => JSON.stringify(p.inputs).includes(SECRET)));
  });
});
