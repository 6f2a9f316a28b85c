import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { namespaceConfig, parseStackConfig } from "../../../../lib/config/stackConfig";

const AWS = {
  target: "aws",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  albSubnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  instanceSubnetIds: '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
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
      instances: "containers",
    });
  });

  it("runs instances as Swarm services when the stack asks for them, and names the choices otherwise", () => {
    expect(parseStackConfig({ target: "local", instances: "services" })).toMatchObject({
      instances: "services",
    });
    expect(problems({ target: "local", instances: "swarm" })).toEqual([
      'phoenix:instances: must be containers or services, got "swarm"',
    ]);
    expect(problems({ ...AWS, instances: "services" })).toEqual([
      "phoenix:instances: only applies to target local, this stack's target is aws; remove it with `pulumi config rm phoenix:instances`",
    ]);
  });

  it("parses aws config as pulumi.Config returns it: strings, JSON lists, namespaced keys", () => {
    const cfg = parseStackConfig({
      "phoenix:target": "aws",
      "phoenix:region": "eu-west-1",
      "phoenix:vpcId": "vpc-0123456789abcdef0",
      "phoenix:albSubnetIds": '["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]',
      "phoenix:instanceSubnetIds": '["subnet-0123456789abcdef2"]',
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
      albSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      instanceSubnetIds: ["subnet-0123456789abcdef2"],
      logRetentionDays: 30,
      vpcEndpoints: false,
      candidateSourceCidrs: [],
      protectFrontDoor: false,
      instanceType: "t3.small",
      amiId: "ami-0123456789abcdef0",
      minSize: 4,
      maxSize: 8,
      healthCheckGracePeriodSeconds: 120,
      imageSource: "build",
      pullAccountIds: [],
    });
  });

  it("accepts subnet lists as arrays and as comma-separated text", () => {
    const a = parseStackConfig({
      ...AWS,
      albSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    });
    const b = parseStackConfig({
      ...AWS,
      albSubnetIds: "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
    });
    expect(a).toEqual(b);
  });

  it("reports every aws problem at once, each with its config key", () => {
    expect(
      problems({
        target: "aws",
        albSubnetIds: '["subnet-0123456789abcdef0"]',
        amiId: "latest",
        instanceType: "big",
        desiredCount: "2",
        minSize: "5",
      }),
    ).toEqual([
      "phoenix:region: required; set it with `pulumi config set phoenix:region eu-west-1`",
      "phoenix:vpcId: required; set it with `pulumi config set phoenix:vpcId vpc-0123456789abcdef0`",
      "phoenix:albSubnetIds: needs at least 2 subnets in different AZs for the load balancer, got 1",
      'phoenix:instanceSubnetIds: required; set it with `pulumi config set phoenix:instanceSubnetIds \'["subnet-…","subnet-…"]\'`',
      'phoenix:instanceType: must be an EC2 instance type like t3.small, got "big"',
      'phoenix:amiId: must be a pinned AMI id like ami-0123456789abcdef0 (look the AMI up once and pin its id, so the fleet only changes when you change it), got "latest"',
      "phoenix:minSize: must be at most desiredCount (2), got 5",
    ]);
  });

  it("names the bad element of a list", () => {
    expect(problems({ ...AWS, albSubnetIds: ["subnet-0123456789abcdef0", "subnet-x"] })).toEqual([
      'phoenix:albSubnetIds[1]: must be a subnet id like subnet-0123456789abcdef0, got "subnet-x"',
    ]);
    expect(
      problems({ ...AWS, albSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"] }),
    ).toEqual(["phoenix:albSubnetIds: must not repeat a subnet, got a list"]);
  });

  it("parses the production keys: certificate, retention, KMS key, VPC endpoints", () => {
    const cert =
      "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const key = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    expect(
      parseStackConfig({
        ...AWS,
        certificateArn: cert,
        logRetentionDays: "365",
        kmsKeyId: key,
        vpcEndpoints: "true",
        instanceRouteTableIds: '["rtb-0123456789abcdef0"]',
      }),
    ).toMatchObject({
      certificateArn: cert,
      logRetentionDays: 365,
      kmsKeyId: key,
      vpcEndpoints: true,
      instanceRouteTableIds: ["rtb-0123456789abcdef0"],
    });
  });

  it("reports every production-key problem at once", () => {
    expect(
      problems({
        ...AWS,
        instanceSubnetIds: '["subnet-0123456789abcdef1"]',
        certificateArn:
          "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        logRetentionDays: "10",
        kmsKeyId: "alias/aws/ebs",
        vpcEndpoints: "yes",
      }),
    ).toEqual([
      'phoenix:logRetentionDays: must be one of CloudWatch\'s retention periods: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got "10"',
      'phoenix:kmsKeyId: must be a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<uuid> (or an alias ARN), got "alias/aws/ebs"',
      'phoenix:vpcEndpoints: must be true or false, got "yes"',
      "phoenix:instanceSubnetIds: must not share subnets with albSubnetIds (instances go in private subnets, the load balancer in public ones), got subnet-0123456789abcdef1 in both",
      "phoenix:certificateArn: must be in the stack's region eu-west-1, got one in us-east-1; create or import it in eu-west-1",
    ]);
  });

  it("ties instanceRouteTableIds to vpcEndpoints, both ways", () => {
    expect(problems({ ...AWS, vpcEndpoints: "true" })).toEqual([
      "phoenix:instanceRouteTableIds: required with vpcEndpoints true (the S3 gateway endpoint ECR layers come from is added to these route tables); set it with `pulumi config set phoenix:instanceRouteTableIds '[\"rtb-…\"]'`",
    ]);
    expect(problems({ ...AWS, instanceRouteTableIds: "rtb-0123456789abcdef0" })).toEqual([
      "phoenix:instanceRouteTableIds: only applies with vpcEndpoints true; remove it with `pulumi config rm phoenix:instanceRouteTableIds` or set phoenix:vpcEndpoints true",
    ]);
  });

  it("names what replaced subnetIds", () => {
    expect(problems({ ...AWS, subnetIds: AWS.albSubnetIds })).toEqual([
      "phoenix:subnetIds: replaced by albSubnetIds (public subnets, at least 2 AZs, for the load balancer) and instanceSubnetIds (private subnets for the instances); set both and remove it with `pulumi config rm phoenix:subnetIds`",
    ]);
  });

  it("rejects keys of the other target and unknown keys, suggesting the right spelling", () => {
    expect(problems({ ...AWS, frontDoorPort: "8080", desiredcount: "3" })).toEqual([
      "phoenix:frontDoorPort: only applies to target local, this stack's target is aws; remove it with `pulumi config rm phoenix:frontDoorPort`",
      `phoenix:desiredcount: unknown key; did you mean phoenix:desiredCount? (known: target, spec, desiredCount, keepImages, rollout, region, vpcId, albSubnetIds, instanceSubnetIds, certificateArn, logRetentionDays, kmsKeyId, vpcEndpoints, instanceRouteTableIds, candidateSourceCidrs, protectFrontDoor, instanceType, amiId, minSize, maxSize, healthCheckGracePeriodSeconds, imageSource, imageRepository, pullAccountIds)`,
    ]);
  });

  it("suggests the key a typo meant, and nothing for a key far from every known one", () => {
    const [typo] = problems({ ...AWS, desiredCont: "5" });
    expect(typo).toMatch(
      /^phoenix:desiredCont: unknown key; did you mean phoenix:desiredCount\? \(known: /,
    );
    const [feature] = problems({ ...AWS, canaryWeight: "10" });
    expect(feature).toMatch(/^phoenix:canaryWeight: unknown key \(known: /);
  });

  it("takes every key of the phoenix namespace from the whole stack config, and no secret value", () => {
    expect(
      namespaceConfig({
        "phoenix:target": "local",
        "phoenix:desiredCont": "5",
        "phoenix:DB_PASSWORD": "s3cret",
        "aws:region": "eu-west-1",
        "phoenixx:spec": "x",
      }),
    ).toEqual({ "phoenix:target": "local", "phoenix:desiredCont": "5" });
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

describe("parseStackConfig pullAccountIds", () => {
  const base = {
    target: "aws",
    region: "eu-west-1",
    vpcId: "vpc-0123456789abcdef0",
    albSubnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
    instanceSubnetIds: '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
    amiId: "ami-0123456789abcdef0",
  };
  it("reads a JSON list of account ids and defaults to none", () => {
    const withIds = parseStackConfig({ ...base, pullAccountIds: '["210987654321"]' });
    expect(withIds.target === "aws" && withIds.pullAccountIds).toEqual(["210987654321"]);
    const none = parseStackConfig(base);
    expect(none.target === "aws" && none.pullAccountIds).toEqual([]);
  });
  it("rejects an id that is not 12 digits, naming the key and element", () => {
    expect(() => parseStackConfig({ ...base, pullAccountIds: '["2109876"]' })).toThrow(
      /phoenix:pullAccountIds\[0\]: must be a 12-digit AWS account id/,
    );
  });
});
