/**
 * The pack's own wiring at its edges: what each policy says it enforces, where a stack secret is
 * looked for on each resource type, and which load balancer a listener belongs to.
 */
import type {
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { TYPES } from "../../../lib/guardrails/policyRules";
import { knownSecrets, policies } from "../../../policy/policies";

const stackPolicy = (name: string) =>
  policies.find((p) => p.name === name) as StackValidationPolicy;
const resource = (
  type: string,
  name: string,
  props: Record<string, unknown>,
  extra: Partial<PolicyResource> = {},
) =>
  ({
    type,
    name,
    props,
    urn: `urn:pulumi:dev::phoenix::${type}::${name}`,
    opts: {},
    dependencies: [],
    propertyDependencies: {},
    ...extra,
  }) as unknown as PolicyResource;
const run = async (policy: StackValidationPolicy, resources: PolicyResource[]) => {
  const out: string[] = [];
  await policy.validateStack(
    { resources, stackTags: new Map(), getConfig: () => ({}) } as never,
    (m, urn) => out.push(`${urn?.split("::").at(-1)}: ${m}`),
  );
  return out;
};

describe("the pack's descriptions", () => {
  it("say in a sentence what each policy enforces", () => {
    for (const p of policies) expect(p.description, p.name).toMatch(/^[A-Z].{20,}\.$/);
  });
});

describe("phoenix-no-secret-values-in-plaintext, place by place", () => {
  const policy = stackPolicy("phoenix-no-secret-values-in-plaintext");
  const secret = "correct-horse-battery-staple";
  const ssm = resource(TYPES.ssmParameter, "db", {
    name: "/phoenix/prod/DB_PASSWORD",
    type: "SecureString",
    value: secret,
  });

  it("looks in a group's tags, a local image's tag and a container's or local fleet's labels", async () => {
    const v = await run(policy, [
      ssm,
      resource(TYPES.autoscalingGroup, "asg", { tags: [{ key: "k", value: secret }] }),
      resource(TYPES.autoscalingGroup, "asg1", { tag: [{ key: "k", value: `x ${secret}` }] }),
      resource(TYPES.localImage, "img", { tag: `web:${secret}` }),
      resource(TYPES.dockerContainer, "ctr", { labels: [{ label: "l", value: secret }] }),
      resource(TYPES.localFleet, "fleet", { labels: { l: secret } }),
      resource(TYPES.launchTemplate, "lt", { tags: { Name: secret } }),
      resource(TYPES.ecrRepository, "repo", { name: secret }),
    ]);
    expect(v.map((m) => m.split(": contains")[0])).toEqual([
      "asg: tags",
      "asg1: tags",
      "img: tag",
      "ctr: labels",
      "fleet: labels",
      "lt: tags",
    ]);
    expect(v.join("\n")).not.toContain(secret);
  });

  it("never joins two values into one that looks like a secret", async () => {
    const v = await run(policy, [
      resource(TYPES.ssmParameter, "db", { type: "SecureString", value: "abcdef" }),
      resource(TYPES.localFleet, "fleet", { labels: { a: "abc", b: "def", c: null, d: 7 } }),
    ]);
    expect(v).toEqual([]);
  });

  it("takes secrets from SecureString parameters and secret outputs only", () => {
    const secrets = knownSecrets([
      resource(TYPES.ssmParameter, "plain", { type: "String", value: "not-a-secret-1" }),
      resource(TYPES.localFleet, "fleet", { type: "SecureString", value: "not-a-secret-2" }),
      resource(TYPES.localFleet, "bare", { secretEnv: "not-a-secret-3" }, {
        opts: undefined,
      } as never),
      resource(TYPES.ssmParameter, "db", {
        type: "SecureString",
        value: ["s3cret-one", { v: "s3cret-two" }],
      }),
      resource(TYPES.localFleet, "web", { secretEnv: { A: "s3cret-three" } }, {
        opts: { additionalSecretOutputs: ["secretEnv"] },
      } as never),
    ]);
    expect(secrets).toEqual([
      { source: "SSM parameter db", value: "s3cret-one" },
      { source: "SSM parameter db", value: "s3cret-two" },
      { source: "web.secretEnv", value: "s3cret-three" },
    ]);
  });
});

describe("phoenix-images-by-digest on local resources", () => {
  it("checks a local fleet's imageRef", async () => {
    const p = policies.find((x) => x.name === "phoenix-images-by-digest")!;
    const out: string[] = [];
    const fn = (p as ResourceValidationPolicy).validateResource as unknown as (
      a: unknown,
      r: (m: string) => void,
    ) => void;
    fn({ type: TYPES.localFleet, props: { imageRef: "web:latest" } }, (m) => out.push(m));
    expect(out).toEqual([expect.stringMatching(/^imageRef: image "web:latest" has tag "latest"/)]);
  });
});

describe("phoenix-https-front-door with several load balancers", () => {
  const policy = stackPolicy("phoenix-https-front-door");
  const LB = "aws:lb/loadBalancer:LoadBalancer";
  const LISTENER = "aws:lb/listener:Listener";
  const lb = (name: string) => resource(LB, name, { tags: { "phoenix:tls": "https" } });
  const https = {
    protocol: "HTTPS",
    port: 443,
    certificateArn: "arn:cert",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  };
  const listener = (name: string, props: Record<string, unknown>, of?: PolicyResource) =>
    resource(LISTENER, name, props, {
      propertyDependencies: of ? { loadBalancerArn: [of] } : {},
    } as never);

  it("judges each load balancer by the listeners that depend on it", async () => {
    const a = lb("a");
    const b = lb("b");
    const v = await run(policy, [
      a,
      b,
      listener("a-https", https, a),
      listener("b-http", { protocol: "HTTP", port: 80 }, b),
    ]);
    expect(v).toEqual([
      expect.stringMatching(/^b: listeners: a certificate is configured/),
      expect.stringMatching(/^b: listener port 80: plain HTTP must answer 301/),
    ]);
  });

  it("gives a listener without dependencies to the only load balancer, and to none of several", async () => {
    const a = lb("a");
    expect(
      await run(policy, [
        a,
        resource(LISTENER, "l", https, { propertyDependencies: undefined } as never),
      ]),
    ).toEqual([]);
    const v = await run(policy, [a, lb("b"), listener("l", https)]);
    expect(v.map((m) => m.split(":")[0])).toEqual(["a", "b"]);
  });
});
