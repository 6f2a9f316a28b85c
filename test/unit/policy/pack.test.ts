import type { PolicyResource, ResourceValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { TYPES } from "../../../lib/guardrails/policyRules";
import { policies } from "../../../policy/policies";

const HASH = "9c1d22e4" + "cd".repeat(28);
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web";
const DIGEST = `sha256:${"e".repeat(64)}`;
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Runs every resource policy on one resource, the way the analyzer would; returns policy: message. */
async function violations(type: string, props: Record<string, unknown>): Promise<string[]> {
  const out: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:pulumi:dev::phoenix::${type}::web`,
    name: "web",
    opts: {} as ResourceValidationArgs["opts"],
    stackTags: new Map<string, string>(),
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
    notApplicable: () => {
      throw new Error("not applicable");
    },
  } as unknown as ResourceValidationArgs;
  for (const p of policies) {
    if (!("validateResource" in p) || !p.validateResource) continue;
    const fns = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
    for (const fn of fns) await fn(args, (m) => out.push(`${p.name}: ${m}`));
  }
  return out;
}

const goodScript = `#!/bin/bash\nIMAGE='${ECR}@${DIGEST}'\ndocker pull "$IMAGE"\ndocker run --detach --env DB_PASSWORD "$IMAGE"\n`;
const goodLaunchTemplate = {
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
  networkInterfaces: [
    { deviceIndex: 0, associatePublicIpAddress: "false", securityGroups: ["sg-1"] },
  ],
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
  userData: b64(goodScript),
  tags: { "phoenix:spec-hash": HASH, Name: "web" },
};

describe("phoenix-guardrails policy pack", () => {
  it("is entirely mandatory and has unique names", () => {
    expect(policies.map((p) => p.enforcementLevel)).toEqual(policies.map(() => "mandatory"));
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
  });

  it("passes a compliant launch template, group, repository and security group", async () => {
    expect(await violations(TYPES.launchTemplate, goodLaunchTemplate)).toEqual([]);
    expect(
      await violations(TYPES.autoscalingGroup, {
        tags: [{ key: "phoenix:spec-hash", value: HASH, propagateAtLaunch: true }],
      }),
    ).toEqual([]);
    expect(await violations(TYPES.ecrRepository, { imageTagMutability: "IMMUTABLE" })).toEqual([]);
    expect(
      await violations(TYPES.securityGroup, {
        ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["sg-1"] }],
      }),
    ).toEqual([]);
  });

  it("fails a launch template with a key pair, no IMDSv2, a latest image and a literal secret", async () => {
    const script = `#!/bin/bash\ndocker run --env API_TOKEN=abc123abc ${ECR}:latest\n`;
    const v = await violations(TYPES.launchTemplate, {
      keyName: "ops",
      userData: b64(script),
      tags: { Name: "web" },
    });
    expect(v.map((m) => m.split(":")[0])).toEqual([
      "phoenix-launch-template-hardening",
      "phoenix-launch-template-hardening",
      "phoenix-no-secrets-in-user-data",
      "phoenix-images-by-digest",
      "phoenix-spec-hash-tag",
      "phoenix-no-public-ip",
      "phoenix-encrypted-ebs",
      "phoenix-imds-hop-limit",
    ]);
    expect(v.join("\n")).not.toContain("abc123abc");
  });

  it("fails SSH ingress, a mutable repository, an untagged container and a local fleet on latest", async () => {
    expect(
      await violations(TYPES.securityGroupRule, {
        type: "ingress",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrBlocks: ["0.0.0.0/0"],
      }),
    ).toEqual([expect.stringMatching(/^phoenix-no-ssh-ingress: ingress opens SSH/)]);
    expect(await violations(TYPES.ecrRepository, { imageTagMutability: "MUTABLE" })).toEqual([
      expect.stringMatching(/^phoenix-ecr-immutable-tags: imageTagMutability: must be "IMMUTABLE"/),
    ]);
    expect(await violations(TYPES.dockerContainer, { image: "web:latest", labels: [] })).toEqual([
      expect.stringMatching(
        /^phoenix-images-by-digest: image: image "web:latest" has tag "latest"/,
      ),
      expect.stringMatching(/^phoenix-spec-hash-tag: labels\.io\.phoenix\.spec-hash: /),
    ]);
    expect(await violations(TYPES.localFleet, { specHash: HASH, imageId: "web" })).toEqual([
      expect.stringMatching(/^phoenix-images-by-digest: imageId: image "web" has no tag/),
    ]);
  });

  it("checks the front door's image too", async () => {
    expect(await violations(TYPES.localFrontDoor, { imageId: `sha256:${"f".repeat(64)}` })).toEqual(
      [],
    );
    expect(await violations(TYPES.localFrontDoor, { imageId: "haproxy:2.6" })).toEqual([
      expect.stringMatching(
        /^phoenix-images-by-digest: imageId: image "haproxy:2.6" has tag "2.6"/,
      ),
    ]);
  });

  it("names the user data as the place of a secret-looking literal in a launch template", async () => {
    const script = `#!/bin/bash\ndocker run --env API_TOKEN=abc123abc ${ECR}@sha256:${"a".repeat(64)}\n`;
    const v = await violations(TYPES.launchTemplate, { userData: b64(script) });
    expect(v.filter((m) => m.startsWith("phoenix-no-secrets-in-user-data"))).toEqual([
      expect.stringMatching(/^phoenix-no-secrets-in-user-data: userData: contains a literal/),
    ]);
  });

  it("fails a rendered Dockerfile holding a secret-looking literal", async () => {
    const v = await violations(TYPES.localImage, {
      dockerfile: "FROM x\nENV DB_PASSWORD=hunter22\n",
    });
    expect(v).toEqual([
      expect.stringMatching(/^phoenix-no-secrets-in-user-data: dockerfile: contains a literal/),
    ]);
  });
});

describe("phoenix-no-secret-values-in-plaintext (stack policy)", () => {
  const policy = policies.find(
    (p) => p.name === "phoenix-no-secret-values-in-plaintext",
  ) as StackValidationPolicy;
  const resource = (
    type: string,
    name: string,
    props: Record<string, unknown>,
    secretOutputs: string[] = [],
  ) =>
    ({
      type,
      name,
      props,
      urn: `urn:pulumi:dev::phoenix::${type}::${name}`,
      opts: { additionalSecretOutputs: secretOutputs },
      dependencies: [],
      propertyDependencies: {},
    }) as unknown as PolicyResource;
  const run = async (resources: PolicyResource[]) => {
    const out: { message: string; urn?: string }[] = [];
    await policy.validateStack(
      { resources, stackTags: new Map(), getConfig: () => ({}) } as never,
      (message, urn) => out.push({ message, urn }),
    );
    return out;
  };
  const secret = "correct-horse-battery-staple";
  const ssm = resource(TYPES.ssmParameter, "web-DB_PASSWORD", {
    name: "/phoenix/prod/DB_PASSWORD",
    type: "SecureString",
    value: secret,
  });

  it("passes when the secret lives only in its SSM parameter", async () => {
    expect(await run([ssm, resource(TYPES.launchTemplate, "web", goodLaunchTemplate)])).toEqual([]);
  });

  it("fails user data holding an SSM secret's value, naming the parameter not the value", async () => {
    const leaky = { ...goodLaunchTemplate, userData: b64(`${goodScript}echo ${secret}\n`) };
    const v = await run([ssm, resource(TYPES.launchTemplate, "web", leaky)]);
    expect(v).toEqual([
      {
        message: expect.stringMatching(
          /^userData: contains the value of SSM parameter \/phoenix\/prod\/DB_PASSWORD/,
        ),
        urn: `urn:pulumi:dev::phoenix::${TYPES.launchTemplate}::web`,
      },
    ]);
    expect(JSON.stringify(v)).not.toContain(secret);
  });

  it("fails a Dockerfile or label holding a value a resource marks as a secret output", async () => {
    const fleet = resource(
      TYPES.localFleet,
      "web",
      { secretEnv: { DB_PASSWORD: secret }, labels: {} },
      ["secretEnv"],
    );
    const image = resource(TYPES.localImage, "web", { dockerfile: `FROM x\nLABEL pw=${secret}\n` });
    const v = await run([fleet, image]);
    expect(v.map((x) => x.message)).toEqual([
      expect.stringMatching(/^dockerfile: contains the value of web\.secretEnv/),
    ]);
  });
});
