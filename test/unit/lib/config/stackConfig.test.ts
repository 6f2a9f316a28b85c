import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { parseStackConfig } from "../../../../lib/config/stackConfig";

const AWS = {
  target: "aws",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  amiId: "ami-0123456789abcdef0",
};

/** The issues of a config that must fail, as `<path>: <message>` lines. */
function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ValidationError");
}

describe("parseStackConfig", () => {
  it("applies the local defaults", () => {
    expect(parseStackConfig({ target: "local" })).toEqual({
      target: "local",
      spec: "images/web.yaml",
      desiredCount: 3,
      keepImages: 5,
      frontDoorPort: 8080,
    });
  });

  it("parses aws config as pulumi.Config returns it: strings, JSON lists, namespaced keys", () => {
    const cfg = parseStackConfig({
      "phoenix:target": "aws",
      "phoenix:region": "eu-west-1",
      "phoenix:vpcId": "vpc-0123456789abcdef0",
      "phoenix:subnetIds": '["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]',
      "phoenix:amiId": "ami-0123456789abcdef0",
      "phoenix:desiredCount": "4",
      "phoenix:maxSize": "8",
      "aws:region": "us-east-1",
      "phoenix:DB_PASSWORD": "never-read-here",
    });
    expect(cfg).toEqual({
      target: "aws",
      spec: "images/web.yaml",
      desiredCount: 4,
      keepImages: 10,
      region: "eu-west-1",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      instanceType: "t3.small",
      amiId: "ami-0123456789abcdef0",
      minSize: 4,
      maxSize: 8,
      healthCheckGracePeriodSeconds: 120,
      imageSource: "build",
    });
  });

  it("accepts subnet lists as arrays and as comma-separated text", () => {
    const a = parseStackConfig({
      ...AWS,
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    });
    const b = parseStackConfig({
      ...AWS,
      subnetIds: "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
    });
    expect(a).toEqual(b);
  });

  it("reports every aws problem at once, each with its config key", () => {
    expect(
      problems({
        target: "aws",
        subnetIds: '["subnet-0123456789abcdef0"]',
        amiId: "latest",
        instanceType: "big",
        desiredCount: "2",
        minSize: "5",
      }),
    ).toEqual([
      "phoenix:region: required; set it with `pulumi config set phoenix:region eu-west-1`",
      "phoenix:vpcId: required; set it with `pulumi config set phoenix:vpcId vpc-0123456789abcdef0`",
      "phoenix:subnetIds: needs at least 2 subnets in different AZs for the load balancer, got 1",
      'phoenix:instanceType: must be an EC2 instance type like t3.small, got "big"',
      'phoenix:amiId: must be a pinned AMI id like ami-0123456789abcdef0 (look the AMI up once and pin its id, so the fleet only changes when you change it), got "latest"',
      "phoenix:minSize: must be at most desiredCount (2), got 5",
    ]);
  });

  it("names the bad element of a list", () => {
    expect(problems({ ...AWS, subnetIds: ["subnet-0123456789abcdef0", "subnet-x"] })).toEqual([
      'phoenix:subnetIds[1]: must be a subnet id like subnet-0123456789abcdef0, got "subnet-x"',
    ]);
    expect(
      problems({ ...AWS, subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] }),
    ).toEqual(["phoenix:subnetIds: must not repeat a subnet, got a list"]);
  });

  it("rejects keys of the other target and unknown keys, suggesting the right spelling", () => {
    expect(problems({ ...AWS, frontDoorPort: "8080", desiredcount: "3" })).toEqual([
      "phoenix:frontDoorPort: only applies to target local, this stack's target is aws; remove it with `pulumi config rm phoenix:frontDoorPort`",
      `phoenix:desiredcount: unknown key; did you mean phoenix:desiredCount? (known: target, spec, desiredCount, keepImages, region, vpcId, subnetIds, instanceType, amiId, minSize, maxSize, healthCheckGracePeriodSeconds, imageSource, imageRepository)`,
    ]);
  });

  it("still checks shared keys when the target is missing or wrong", () => {
    expect(problems({ target: "gcp", desiredCount: "many", spec: "../outside.yaml" })).toEqual([
      'phoenix:target: must be local or aws, got "gcp"; set it with `pulumi config set phoenix:target local`',
      "phoenix:spec: must be a relative path to a .yaml file inside the project, without '..', e.g. images/web.yaml, got \"../outside.yaml\"",
      'phoenix:desiredCount: must be a whole number, got "many"',
    ]);
    expect(problems({})).toEqual([
      "phoenix:target: required; set it with `pulumi config set phoenix:target local`",
    ]);
  });

  it("rejects out-of-range numbers with the range", () => {
    expect(
      problems({ target: "local", frontDoorPort: "70000", keepImages: "0", desiredCount: "2.5" }),
    ).toEqual([
      'phoenix:desiredCount: must be a whole number, got "2.5"',
      'phoenix:keepImages: must be at least 1, got "0"',
      'phoenix:frontDoorPort: must be at most 65535, got "70000"',
    ]);
  });

  it("never echoes a secret value", () => {
    expect(() => parseStackConfig({ target: "bogus", DB_PASSWORD: "hunter2" })).toThrow(/target/);
    try {
      parseStackConfig({ target: "bogus", DB_PASSWORD: "hunter2", "phoenix:API_TOKEN": "t0k3n" });
    } catch (e) {
      expect((e as Error).message).not.toMatch(/hunter2|t0k3n/);
    }
  });
});
