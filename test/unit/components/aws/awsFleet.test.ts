import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../../lib/spec/spec";
import { MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const SECRET = "s3cr3t-value-that-must-not-leak";
const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);
const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567";
const REF_A = `${REPO}@sha256:${"1".repeat(64)}`;
const REF_B = `${REPO}@sha256:${"2".repeat(64)}`;

const config = awsConfig({ desiredCount: "3", maxSize: "6" });
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

let mocks: MockRecorder;
let fleetModule: typeof import("../../../../components/aws/awsFleet");

const ASG = "aws:autoscaling/group:Group";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const TG = "aws:lb/targetGroup:TargetGroup";
const RULE = "aws:lb/listenerRule:ListenerRule";
const GATE = "pulumi-nodejs:dynamic/phoenix:ReleaseGate";
const RETIRE = "pulumi-nodejs:dynamic/phoenix:ReleaseRetire";
const TEARDOWN = "pulumi-nodejs:dynamic/phoenix:ReleaseTeardown";
const TG_ARN = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}`;

interface Built {
  release: string;
  asgName: string;
}

/**
 * Build one fleet and wait until its ASG and its retire step are registered: the retire depends on
 * the serving rules, the last children created, so every child is recorded however slow the run.
 */
async function fleet(
  name: string,
  over: {
    spec?: string;
    specHash?: string;
    imageRef?: string;
    amiId?: string;
    config?: Partial<typeof config>;
    secret?: string;
  } = {},
): Promise<Built> {
  const f = new fleetModule.AwsFleet(name, {
    spec: parseSpec(over.spec ?? specText()),
    specHash: over.specHash ?? HASH_A,
    imageRef: over.imageRef ?? REF_A,
    config: { ...config, amiId: over.amiId ?? config.amiId, ...over.config },
    secretValues: { DB_PASSWORD: pulumi.secret(over.secret ?? SECRET) },
  });
  const built = { release: await outputOf(f.release), asgName: await outputOf(f.asgName) };
  await outputOf(f.retired.urn);
  return built;
}

function userDataOf(name: string): string {
  return Buffer.from(mocks.get(LT, `${name}-lt`).inputs.userData, "base64").toString("utf8");
}

describe("AwsFleet", () => {
  const built: Record<string, Built> = {};

  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    fleetModule = await import("../../../../components/aws/awsFleet");
    built.a = await fleet("a");
    built.imdsOptIn = await fleet("imds-opt-in", {
      spec: `${specText()}runtime: { containerInstanceMetadata: true }\n`,
    });
    built.ownKey = await fleet("own-key", { config: { kmsKeyId: KMS_KEY } });
    built.tls = await fleet("tls", { config: { certificateArn: CERT } });
    built.longLogs = await fleet("long-logs", { config: { logRetentionDays: 365 } });
    built.newSpec = await fleet("new-spec", {
      spec: specText({ openssl: "3.0.16-1~deb12u1" }),
      specHash: HASH_B,
      imageRef: REF_B,
    });
    built.newAmi = await fleet("new-ami", { amiId: "ami-0fedcba9876543210" });
    built.newHealth = await fleet("new-health", {
      spec: specText().replace("path: /healthz", "path: /ready"),
      specHash: HASH_B,
    });
    built.rotated = await fleet("rotated", { secret: "rotated-value-of-the-secret" });
  });

  it("opens no port 22 and no full port range on any security group", () => {
    const groups = mocks.ofType("aws:ec2/securityGroup:SecurityGroup");
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g.inputs.ingress ?? []).toEqual([]);
    const rules = mocks.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.inputs.ipProtocol).toBe("tcp");
      expect(r.inputs.fromPort <= 22 && 22 <= r.inputs.toPort).toBe(false);
      expect(r.inputs.toPort - r.inputs.fromPort).toBe(0);
    }
  });

  it("admits only the app port from the load balancer's security group to the instances", () => {
    const rule = mocks.get(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "a-app-from-lb",
    );
    expect(rule.inputs).toMatchObject({
      fromPort: 8080,
      toPort: 8080,
      securityGroupId: "a-instances-id",
    });
    expect(rule.inputs.referencedSecurityGroupId).toBe("a-front-sg-id");
    expect(rule.inputs.cidrIpv4).toBeUndefined();
    const toInstances = mocks
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.securityGroupId === "a-instances-id");
    expect(toInstances).toHaveLength(1);
  });

  it("requires IMDSv2 with hop limit 1 and sets no key pair on the launch template", () => {
    const lt = mocks.get(LT, "a-lt").inputs;
    expect(lt.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    expect(lt.keyName).toBeUndefined();
    expect(lt.imageId).toBe("ami-0123456789abcdef0");
    expect(lt.instanceType).toBe("t3.small");
  });

  it("raises the IMDS hop limit to 2 only for a spec that opts its containers in", () => {
    const lt = mocks.get(LT, "imds-opt-in-lt").inputs;
    expect(lt.metadataOptions.httpPutResponseHopLimit).toBe(2);
  });

  it("never gives an instance a public IP: one interface, no public address, the fleet's group", () => {
    const lt = mocks.get(LT, "a-lt").inputs;
    expect(lt.networkInterfaces).toEqual([
      {
        deviceIndex: 0,
        associatePublicIpAddress: "false",
        deleteOnTermination: "true",
        securityGroups: ["a-instances-id"],
      },
    ]);
    // Security groups live on the interface; the top-level list would conflict with it.
    expect(lt.vpcSecurityGroupIds).toBeUndefined();
  });

  it("encrypts the root volume of the AMI with the default key, or with kmsKeyId", () => {
    expect(mocks.get(LT, "a-lt").inputs.blockDeviceMappings).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: { encrypted: "true", volumeType: "gp3", deleteOnTermination: "true" },
      },
    ]);
    expect(mocks.get(LT, "own-key-lt").inputs.blockDeviceMappings[0].ebs).toEqual({
      encrypted: "true",
      kmsKeyId: KMS_KEY,
      volumeType: "gp3",
      deleteOnTermination: "true",
    });
    const ami = mocks.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi");
    expect(ami?.inputs.filters).toEqual([{ name: "image-id", values: ["ami-0123456789abcdef0"] }]);
  });

  it("serves the stack's certificate on 443 and routes releases on that listener", () => {
    const https = mocks.get("aws:lb/listener:Listener", "tls-front-https").inputs;
    expect(https).toMatchObject({ protocol: "HTTPS", certificateArn: CERT });
    const httpsArn =
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/tls-front-https";
    expect(mocks.get(RULE, "tls-candidate").inputs.listenerArn).toBe(httpsArn);
    expect(mocks.get(RULE, "tls-serving").inputs.listenerArn).toBe(httpsArn);
    expect(
      mocks
        .ofType(RULE)
        .filter((r) => r.name.startsWith("tls-"))
        .map((r) => r.name),
    ).toEqual(["tls-candidate", "tls-serving"]);
    const deps = mocks.get(ASG, "tls").options.dependencies;
    expect(deps.some((urn) => urn.endsWith("::tls-candidate"))).toBe(true);
  });

  it("puts the load balancer in albSubnetIds and the instances in instanceSubnetIds", () => {
    expect(mocks.get("aws:lb/loadBalancer:LoadBalancer", "a-front").inputs.subnets).toEqual(
      config.albSubnetIds,
    );
    expect(mocks.get(ASG, "a").inputs.vpcZoneIdentifiers).toEqual(config.instanceSubnetIds);
  });

  it("starts the image by digest with the spec's sysctls and env, and no secret value", () => {
    const text = userDataOf("a");
    expect(text).toContain(`'${REF_A}'`);
    expect(text).not.toMatch(/web-1234567:v3\.4\.1/);
    expect(text).toContain("--sysctl 'net.core.somaxconn=1024'");
    expect(text).toContain("--env 'LOG_LEVEL=info'");
    expect(text).toMatch(/--name '\/phoenix\/prod\/DB_PASSWORD:\d+'/);
    expect(text).toContain("--env DB_PASSWORD");
    expect(text).not.toContain(SECRET);
  });

  it("stores each spec secret as an SSM SecureString under /<project>/<stack>/", () => {
    const p = mocks.get("aws:ssm/parameter:Parameter", "a-access-secret-db_password");
    expect(p.inputs.name).toBe("/phoenix/prod/DB_PASSWORD");
    expect(p.inputs.type).toBe("SecureString");
    expect(isSecret(p.inputs.value)).toBe(true);
    expect(unsecret(p.inputs.value)).toBe(SECRET);
  });

  it("lets the instance role pull from the fleet's repository only, not every repository", () => {
    expect(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    const policy = JSON.parse(
      mocks.get("aws:iam/rolePolicy:RolePolicy", "a-access-ecr-pull").inputs.policy,
    );
    expect(policy.Statement).toEqual([
      { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullFleetImage",
        Effect: "Allow",
        Action: [
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchCheckLayerAvailability",
        ],
        Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/web-1234567",
      },
    ]);
  });

  it("creates one log group per stack and fleet with the configured retention", () => {
    const group = mocks.get("aws:cloudwatch/logGroup:LogGroup", "a-access-logs").inputs;
    expect(group).toMatchObject({ name: "/phoenix/phoenix/prod/web", retentionInDays: 30 });
    const longer = mocks.get("aws:cloudwatch/logGroup:LogGroup", "long-logs-access-logs").inputs;
    expect(longer.retentionInDays).toBe(365);
  });

  it("lets the instance role write to the fleet's log group only", () => {
    const policy = JSON.parse(
      mocks.get("aws:iam/rolePolicy:RolePolicy", "a-access-logs").inputs.policy,
    );
    const group = "arn:aws:logs:eu-west-1:123456789012:log-group:/phoenix/phoenix/prod/web";
    expect(policy.Statement).toEqual([
      {
        Sid: "WriteFleetLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [group, `${group}:log-stream:*`],
      },
    ]);
  });

  it("sends the container's logs and the boot's to that log group", () => {
    const text = userDataOf("a");
    expect(text).toContain("LOG_GROUP='/phoenix/phoenix/prod/web'");
    expect(text).toContain("--log-driver awslogs");
  });

  it("lets the instance role read the stack's SSM parameters only", () => {
    const policy = JSON.parse(
      mocks.get("aws:iam/rolePolicy:RolePolicy", "a-access-secrets").inputs.policy,
    );
    expect(policy.Statement[0].Resource).toBe(
      "arn:aws:ssm:eu-west-1:123456789012:parameter/phoenix/prod/*",
    );
    expect(policy.Statement[1].Condition.StringEquals["kms:ViaService"]).toBe(
      "ssm.eu-west-1.amazonaws.com",
    );
  });

  it("autonames the ASG with a name prefix and never a fixed name", () => {
    const asg = mocks.get(ASG, "a").inputs;
    expect(asg.name).toBeUndefined();
    expect(asg.namePrefix).toBe(`a-${built.a.release}-`);
    expect(built.a.asgName.startsWith(asg.namePrefix)).toBe(true);
  });

  it("replaces the ASG on launch template changes, creating the new one before letting the old go", () => {
    const { options } = mocks.get(ASG, "a");
    expect(options.replaceOnChanges).toEqual(["launchTemplate"]);
    expect(options.deleteBeforeReplace).toBe(false);
    expect(options.replacementTrigger).toBe(built.a.release);
    // Retained: the engine never deletes a release (not even a pending delete of a failed up);
    // the retire step does, once another release serves.
    expect(options.retainOnDelete).toBe(true);
  });

  it("launches from the launch template's latest version, not a pinned one", () => {
    // The mock launch template reports latestVersion 7.
    expect(mocks.get(ASG, "a").inputs.launchTemplate).toEqual({ id: "a-lt-id", version: "7" });
  });

  it("waits for desiredCount healthy targets within 10m, in the group and in the gate", () => {
    const asg = mocks.get(ASG, "a").inputs;
    expect(asg).toMatchObject({
      healthCheckType: "ELB",
      healthCheckGracePeriod: 120,
      waitForElbCapacity: 3,
      minElbCapacity: 3,
      waitForCapacityTimeout: "10m",
      desiredCapacity: 3,
      minSize: 3,
      maxSize: 6,
    });
    const gate = mocks.get(GATE, "a-gate").inputs;
    // The fixture's 2 s health interval is raised to the ALB's 5 s minimum: the candidate must stay
    // healthy for the two failed checks (2 x 5 s) the load balancer needs to mark a target unhealthy.
    expect(gate).toMatchObject({
      desiredCount: 3,
      timeoutSeconds: 600,
      settleSeconds: 10,
      release: built.a.release,
    });
    expect(gate.targetGroupArn).toBe(TG_ARN("a-tg"));
  });

  it("rejects a capacity wait of 0 (no wait) and a malformed one, naming the field", () => {
    const make = (waitForCapacityTimeout: string) => () =>
      new fleetModule.AwsFleet(`bad-wait-${waitForCapacityTimeout.length}`, {
        spec: parseSpec(specText()),
        specHash: HASH_A,
        imageRef: REF_A,
        config,
        secretValues: { DB_PASSWORD: pulumi.secret(SECRET) },
        waitForCapacityTimeout,
      });
    expect(make("0")).toThrow(/waitForCapacityTimeout: "0" turns the health wait off/);
    expect(make("ten minutes")).toThrow(
      /waitForCapacityTimeout: must be a duration like 10m, 90s or 1h, got "ten minutes"/,
    );
  });

  it("registers each release in a target group of its own, replaced with the release", () => {
    expect(mocks.get(ASG, "a").inputs.targetGroupArns).toEqual([TG_ARN("a-tg")]);
    const tg = mocks.get(TG, "a-tg");
    expect(tg.options.replacementTrigger).toBe(built.a.release);
    expect(tg.options.deleteBeforeReplace).toBe(false);
    expect(tg.options.retainOnDelete).toBe(true);
    expect(tg.inputs.tags).toMatchObject({
      "phoenix:fleet": "phoenix/prod/a",
      "phoenix:release": built.a.release,
    });
    const deps = mocks.get(ASG, "a").options.dependencies;
    expect(deps.some((urn) => urn.endsWith("::a-candidate"))).toBe(true);
    expect(deps.some((urn) => urn.endsWith("::a-access-secret-db_password"))).toBe(true);
  });

  it("checks health with this release's path, 2xx only, and drains for stopGraceSeconds", () => {
    const tg = mocks.get(TG, "a-tg").inputs;
    expect(tg.port).toBe(8080);
    expect(tg.healthCheck).toEqual({
      enabled: true,
      path: "/healthz",
      port: "8080",
      protocol: "HTTP",
      matcher: "200-299",
      interval: 5,
      timeout: 2,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    });
    expect(tg.deregistrationDelay).toBe(10);
    // A new health path is a new release with a new target group: the old release's instances
    // keep being checked on their own path.
    const other = mocks.get(TG, "new-health-tg");
    expect(other.inputs.healthCheck.path).toBe("/ready");
    expect(built.newHealth.release).not.toBe(built.a.release);
    expect(other.options.replacementTrigger).toBe(built.newHealth.release);
  });

  it("switches traffic to the gate's serving target group only after the group and the gate", () => {
    const listener = mocks.get("aws:lb/listener:Listener", "a-front-http").inputs;
    expect(listener.defaultActions).toEqual([
      {
        type: "fixed-response",
        fixedResponse: {
          statusCode: "503",
          contentType: "text/plain",
          messageBody: "no release is serving yet",
        },
      },
    ]);
    const serving = mocks.get(RULE, "a-serving");
    expect(serving.inputs).toMatchObject({
      priority: 50000,
      conditions: [{ pathPattern: { values: ["*"] } }],
      actions: [{ type: "forward", targetGroupArn: TG_ARN("a-tg") }],
    });
    const deps = serving.options.dependencies;
    expect(deps.some((urn) => urn.endsWith("$aws:autoscaling/group:Group::a"))).toBe(true);
    expect(deps.some((urn) => urn.endsWith("::a-gate"))).toBe(true);
    const candidate = mocks.get(RULE, "a-candidate").inputs;
    expect(candidate).toMatchObject({
      priority: 10,
      conditions: [
        { httpHeader: { httpHeaderName: "X-Phoenix-Release", values: [built.a.release] } },
        // No phoenix:candidateSourceCidrs: an address no internet client has (TEST-NET-1).
        { sourceIp: { values: ["192.0.2.0/32"] } },
      ],
      actions: [{ type: "forward", targetGroupArn: TG_ARN("a-tg") }],
    });
    // The gate watches the candidate while its group is created: it must not wait for the group.
    const gateDeps = mocks.get(GATE, "a-gate").options.dependencies;
    expect(gateDeps.some((urn) => urn.endsWith("$aws:autoscaling/group:Group::a"))).toBe(false);
    expect(gateDeps.some((urn) => urn.endsWith("::a-candidate"))).toBe(true);
  });

  it("retires older releases only after the switch, with the aws provider's region", () => {
    const retire = mocks.get(RETIRE, "a-retire");
    expect(retire.inputs).toMatchObject({
      fleetTag: "phoenix/prod/a",
      servingRelease: built.a.release,
      servingTargetGroupArn: TG_ARN("a-tg"),
      desiredCount: 3,
      region: "eu-west-1",
      profile: "",
      roleArn: "",
    });
    expect(retire.options.dependencies.some((urn) => urn.endsWith("::a-serving"))).toBe(true);
  });

  it("deletes every release in a destroy after the rules and groups, before the launch template", () => {
    const teardown = mocks.get(TEARDOWN, "a-teardown");
    expect(teardown.inputs).toMatchObject({ fleetTag: "phoenix/prod/a", region: "eu-west-1" });
    // A destroy deletes dependents first: the rules and the group use the target group, which
    // depends on the teardown, which depends on the launch template (and so on the instances'
    // security group): the teardown runs once no rule uses a target group, and before the
    // security group, which an instance that still runs would hold (DependencyViolation).
    expect(teardown.options.dependencies.some((urn) => urn.endsWith(`$${LT}::a-lt`))).toBe(true);
    const tg = mocks.get(TG, "a-tg");
    expect(tg.options.dependencies.some((urn) => urn.endsWith("::a-teardown"))).toBe(true);
    expect(tg.options.retainOnDelete).toBe(true);
  });

  it("gives the gate the listeners whose serving rule it must find switched, and the group's MinSize", () => {
    const gate = mocks.get(GATE, "a-gate").inputs;
    expect(gate.listenerArns).toEqual([
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/a-front-http",
    ]);
    expect(gate.minSize).toBe(config.minSize);
  });

  it("makes a new release when a secret's SSM version changes, never from its value", () => {
    expect(built.rotated.release).not.toBe(built.a.release);
    expect(userDataOf("rotated")).not.toContain("rotated-value-of-the-secret");
  });

  it("boots each release with the SSM version of every secret it was made from", () => {
    // The mock SSM parameter's version moves with its value, as a real PutParameter's does.
    const version = (f: string) =>
      /--name '\/phoenix\/prod\/DB_PASSWORD:(\d+)'/.exec(userDataOf(f))?.[1];
    expect(version("a")).toMatch(/^\d+$/);
    expect(version("rotated")).toMatch(/^\d+$/);
    expect(version("rotated")).not.toBe(version("a"));
    // Apart from the version read, a rotation leaves the boot script as it was.
    expect(userDataOf("rotated").replace(/DB_PASSWORD:\d+/g, "")).toBe(
      userDataOf("a").replace(/DB_PASSWORD:\d+/g, ""),
    );
  });

  it("changes the release (the ASG's replacement trigger) when the spec changes", () => {
    expect(built.newSpec.release).not.toBe(built.a.release);
    expect(mocks.get(ASG, "new-spec").options.replacementTrigger).toBe(built.newSpec.release);
    expect(userDataOf("new-spec")).toContain(REF_B);
  });

  it("changes the release when the pinned AMI changes", () => {
    expect(built.newAmi.release).not.toBe(built.a.release);
    expect(mocks.get(LT, "new-ami-lt").inputs.imageId).toBe("ami-0fedcba9876543210");
  });

  it("tags every taggable resource with the spec hash and the stack, never the git commit", () => {
    const mine = mocks.resources.filter(
      (r) => r.custom && (r.name === "a" || r.name.startsWith("a-")),
    );
    expect(mine.length).toBeGreaterThan(8);
    for (const r of mine) {
      if (
        r.type.startsWith("pulumi-nodejs:dynamic/") ||
        r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" ||
        r.type === "aws:iam/rolePolicy:RolePolicy"
      )
        continue;
      const tags = Array.isArray(r.inputs.tags)
        ? Object.fromEntries(
            r.inputs.tags.map((t: { key: string; value: string }) => [t.key, t.value]),
          )
        : r.inputs.tags;
      expect(tags, `${r.type} ${r.name}`).toMatchObject({
        "phoenix:spec-hash": HASH_A,
        "phoenix:stack": "phoenix/prod",
      });
      expect(JSON.stringify(tags), `${r.type} ${r.name}`).not.toMatch(/git/);
    }
  });

  it("rejects a spec secret without a value, and unsafe sysctls, naming each", () => {
    expect(
      () =>
        new fleetModule.AwsFleet("bad", {
          spec: {
            ...parseSpec(specText()),
            config: { files: {}, env: {}, sysctls: { "vm.swappiness": "1" } },
          },
          specHash: HASH_A,
          imageRef: REF_A,
          config,
        }),
    ).toThrow(
      /config\.sysctls\.vm\.swappiness: Docker only sets namespaced sysctls[\s\S]*secrets\.DB_PASSWORD: no value/,
    );
  });

  it("asks the provider for its region, the account, the AMI, the subnets and the EBS keys, and nothing else", () => {
    expect([...new Set(mocks.calls.map((c) => c.token))].sort()).toEqual([
      "aws:ebs/getDefaultKmsKey:getDefaultKmsKey",
      "aws:ec2/getAmi:getAmi",
      "aws:ec2/getSubnet:getSubnet",
      "aws:iam/getRoles:getRoles",
      "aws:index/getCallerIdentity:getCallerIdentity",
      "aws:index/getRegion:getRegion",
      "aws:kms/getKey:getKey",
    ]);
  });

  it("fails loudly on a provider function the mocks do not know", async () => {
    const aws = await import("@pulumi/aws");
    await expect(aws.getAvailabilityZones({})).rejects.toThrow(
      /unmocked provider function aws:index\/getAvailabilityZones/,
    );
  });
});

describe("regionProblem", () => {
  // The rule on its own; awsFleetRegion.test.ts shows a fleet failing its release with it.
  it("accepts the configured region and names both regions otherwise", async () => {
    const { regionProblem } = await import("../../../../lib/aws/release");
    expect(regionProblem("eu-west-1", "eu-west-1")).toBeUndefined();
    expect(regionProblem("us-east-1", "eu-west-1")).toBe(
      "the aws provider targets us-east-1 but phoenix:region is eu-west-1; " +
        "create the provider with region eu-west-1 (or set aws:region to it)",
    );
  });
});
