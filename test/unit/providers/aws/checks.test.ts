/**
 * check and diff of the AWS dynamic providers that own nothing in AWS (release gate, retire, fleet
 * audit), and the connection helpers they share: bad inputs fail `pulumi preview` naming the
 * property, the value and the fix; no change ever replaces them (a replace would lose their state).
 */
import { describe, expect, it } from "vitest";
import { fleetAuditProvider } from "../../../../providers/aws/awsAudit";
import {
  TARGET_GROUP_ARN,
  checkFailures,
  clientConfig,
  tagRecord,
  updateOnlyDiff,
} from "../../../../providers/aws/awsConnection";
import { type ReleaseGateProps, releaseGateProvider } from "../../../../providers/aws/releaseGate";
import {
  type ReleaseRetireProps,
  releaseRetireProvider,
} from "../../../../providers/aws/releaseRetire";

const TG =
  "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-a1b2c3/0123456789abcdef";
const connection = { region: "eu-west-1", endpoint: "", profile: "", roleArn: "" };

const gate: ReleaseGateProps = {
  ...connection,
  fleetTag: "phoenix/prod/web",
  release: "0123456789ab",
  imageRef: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"a".repeat(64)}`,
  targetGroupArn: TG,
  desiredCount: 3,
  minSize: 3,
  listenerArns: [
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef",
  ],
  timeoutSeconds: 600,
  pollSeconds: 5,
  settleSeconds: 0,
};

const retire: ReleaseRetireProps = {
  ...connection,
  fleetTag: "phoenix/prod/web",
  servingRelease: "0123456789ab",
  servingTargetGroupArn: TG,
  drainingTargetGroupArn: "",
  servingImageRef: gate.imageRef,
  stackTag: "phoenix/prod",
  desiredCount: 3,
};

const audit = {
  ...connection,
  stackTagKey: "phoenix:stack",
  stackTagValue: "phoenix/prod",
  asgNames: ["web-0123456789ab"],
  launchTemplateIds: ["lt-0123abcd"],
};

/** A first check: no recorded inputs (the providers ignore `olds`). */
const NO_OLDS = {} as never;

type Failures = { failures?: { property: string; reason: string }[]; inputs?: unknown };
const failures = async (p: Promise<unknown>) => ((await p) as Failures).failures;

describe("release gate check", () => {
  it("passes valid inputs through", async () => {
    expect(await releaseGateProvider.check!(NO_OLDS, gate)).toEqual({ inputs: gate });
  });

  it("names each bad property with its value and the fix", async () => {
    const bad = {
      ...gate,
      region: "",
      fleetTag: "",
      release: "0123456789AB",
      targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1",
      desiredCount: 0,
      timeoutSeconds: 0,
      pollSeconds: 0,
      settleSeconds: -1,
    };
    expect(await failures(releaseGateProvider.check!(NO_OLDS, bad))).toEqual([
      { property: "region", reason: 'region: must name an AWS region, e.g. us-east-1 (got "")' },
      {
        property: "fleetTag",
        reason: 'fleetTag: must not be empty, e.g. phoenix/dev/web (got "")',
      },
      {
        property: "release",
        reason: 'release: must be 12 hex (a release id) (got "0123456789AB")',
      },
      {
        property: "targetGroupArn",
        reason: `must be a target group ARN (got "${bad.targetGroupArn}")`,
      },
      { property: "desiredCount", reason: "desiredCount: must be at least 1 (got 0)" },
      {
        property: "timeoutSeconds",
        reason: "timeoutSeconds: must be at least 1 (a 0 wait gates nothing) (got 0)",
      },
      { property: "pollSeconds", reason: "pollSeconds: must be positive (got 0)" },
      {
        property: "settleSeconds",
        reason:
          "settleSeconds: must be 0 or more (how long a candidate must stay healthy) (got -1)",
      },
    ]);
  });

  it("names a bad listener ARN, no listener at all, and a negative minSize", async () => {
    const lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1";
    expect(
      await failures(releaseGateProvider.check!(NO_OLDS, { ...gate, listenerArns: [lb] })),
    ).toEqual([{ property: "listenerArns", reason: `must be a listener ARN (got "${lb}")` }]);
    expect(
      await failures(
        releaseGateProvider.check!(NO_OLDS, { ...gate, listenerArns: [], minSize: -1 }),
      ),
    ).toEqual([
      { property: "minSize", reason: "minSize: must be 0 or more (got -1)" },
      {
        property: "listenerArns",
        reason: "listenerArns: at least one listener carries the serving rule (got [])",
      },
    ]);
  });

  it("refuses a whole-number field given a fraction", async () => {
    const got = await failures(
      releaseGateProvider.check!(NO_OLDS, { ...gate, desiredCount: 1.5, timeoutSeconds: 2.5 }),
    );
    expect(got?.map((f) => f.property)).toEqual(["desiredCount", "timeoutSeconds"]);
  });

  it("accepts a fractional poll and settle time", async () => {
    const p = { ...gate, pollSeconds: 0.5, settleSeconds: 2.5 };
    expect(await releaseGateProvider.check!(NO_OLDS, p)).toEqual({ inputs: p });
  });
});

describe("release retire check", () => {
  it("passes valid inputs through", async () => {
    expect(await releaseRetireProvider.check!(NO_OLDS, retire)).toEqual({ inputs: retire });
  });

  it("names each bad property with its value and the fix", async () => {
    const bad = {
      ...retire,
      fleetTag: "",
      servingRelease: "abc",
      servingTargetGroupArn: "tg",
      stackTag: "",
      desiredCount: 0,
    };
    expect(await failures(releaseRetireProvider.check!(NO_OLDS, bad))).toEqual([
      {
        property: "fleetTag",
        reason: 'fleetTag: must not be empty, e.g. phoenix/dev/web (got "")',
      },
      { property: "servingRelease", reason: 'servingRelease: must be 12 hex (got "abc")' },
      { property: "servingTargetGroupArn", reason: 'must be a target group ARN (got "tg")' },
      { property: "stackTag", reason: 'stackTag: must not be empty, e.g. phoenix/prod (got "")' },
      { property: "desiredCount", reason: "desiredCount: must be at least 1 (got 0)" },
    ]);
  });

  it("takes the target group kept at weight 0 as empty or a target group ARN", async () => {
    const draining = { ...retire, drainingTargetGroupArn: TG };
    expect(await releaseRetireProvider.check!(NO_OLDS, draining)).toEqual({ inputs: draining });
    expect(
      await failures(
        releaseRetireProvider.check!(NO_OLDS, { ...retire, drainingTargetGroupArn: "tg" }),
      ),
    ).toEqual([
      {
        property: "drainingTargetGroupArn",
        reason: 'must be empty or a target group ARN (got "tg")',
      },
    ]);
  });
});

describe("fleet audit check", () => {
  it("passes valid inputs through", async () => {
    expect(await fleetAuditProvider.check!(NO_OLDS, audit)).toEqual({ inputs: audit });
  });

  it("names each bad property with its value and the fix", async () => {
    const bad = {
      ...audit,
      stackTagKey: "",
      stackTagValue: "",
      asgNames: [""],
      launchTemplateIds: ["template-1"],
    };
    const got = await failures(fleetAuditProvider.check!(NO_OLDS, bad));
    expect(got).toEqual([
      { property: "stackTagKey", reason: 'stackTagKey: must not be empty (got "")' },
      {
        property: "stackTagValue",
        reason: 'stackTagValue: must not be empty, e.g. phoenix/dev (got "")',
      },
      { property: "asgNames", reason: expect.stringMatching(/\(got ""\)$/) },
      { property: "launchTemplateIds", reason: 'must look like lt-0123abcd (got "template-1")' },
    ]);
  });
});

describe("connection check", () => {
  const check = (c: Partial<typeof connection>) =>
    failures(releaseGateProvider.check!(NO_OLDS, { ...gate, ...c }));

  it("accepts an emulator endpoint and a role to assume", async () => {
    expect(
      await check({
        endpoint: "http://127.0.0.1:5000",
        roleArn: "arn:aws:iam::123456789012:role/deploy",
        profile: "ci",
      }),
    ).toBeUndefined();
    expect(
      await check({
        endpoint: "https://ecr.example",
        roleArn: "arn:aws-cn:iam::123456789012:role/a/b",
      }),
    ).toBeUndefined();
  });

  it("refuses an endpoint that is not an http(s) URL and a role that is not an IAM role ARN", async () => {
    expect(await check({ endpoint: "127.0.0.1:5000", roleArn: "deploy" })).toEqual([
      {
        property: "endpoint",
        reason:
          'endpoint: must be empty or an http(s) URL, e.g. http://127.0.0.1:5000 (got "127.0.0.1:5000")',
      },
      {
        property: "roleArn",
        reason:
          'roleArn: must be empty or an IAM role ARN, e.g. arn:aws:iam::123456789012:role/deploy (got "deploy")',
      },
    ]);
    for (const endpoint of ["ftp://x", "http://", "http://a b", " http://a"]) {
      expect(await check({ endpoint }), endpoint).toHaveLength(1);
    }
    for (const roleArn of [
      "arn:aws:iam::12345678901:role/x",
      "arn:aws:iam::123456789012:user/x",
      "arn:aws:iam::123456789012:role/",
      "xarn:aws:iam::123456789012:role/x",
    ]) {
      expect(await check({ roleArn }), roleArn).toHaveLength(1);
    }
  });
});

describe("diff of the providers that own nothing", () => {
  it("is no change for the same inputs", async () => {
    expect(
      await releaseGateProvider.diff!("id", { ...gate, servingRelease: "x" } as never, gate),
    ).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await releaseRetireProvider.diff!("id", retire as never, retire)).toMatchObject({
      changes: false,
    });
    expect(await fleetAuditProvider.diff!("id", audit as never, audit)).toMatchObject({
      changes: false,
    });
  });

  it("is an update, never a replacement, for any changed input", async () => {
    for (const key of Object.keys(gate) as (keyof ReleaseGateProps)[]) {
      const news = { ...gate, [key]: typeof gate[key] === "number" ? 99 : "changed" };
      expect(await releaseGateProvider.diff!("id", gate as never, news), key).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
    for (const key of Object.keys(retire) as (keyof ReleaseRetireProps)[]) {
      const news = { ...retire, [key]: typeof retire[key] === "number" ? 99 : "changed" };
      expect(await releaseRetireProvider.diff!("id", retire as never, news), key).toMatchObject({
        changes: true,
        replaces: [],
      });
    }
    for (const key of Object.keys(audit) as (keyof typeof audit)[]) {
      const news = { ...audit, [key]: Array.isArray(audit[key]) ? ["other"] : "changed" };
      expect(await fleetAuditProvider.diff!("id", audit as never, news), key).toMatchObject({
        changes: true,
        replaces: [],
      });
    }
  });

  it("ignores what the provider recorded beside its inputs", async () => {
    // No serving target group recorded: with one, the same inputs also read the listeners (a verdict
    // the listeners do not act on yet is re-checked; test/e2e/release.test.ts).
    const olds = {
      ...gate,
      servingRelease: "ffffffffffff",
      servingTargetGroupArn: "",
      servingImageRef: "x",
      drainingTargetGroupArn: TG,
    };
    expect(await releaseGateProvider.diff!("id", olds, gate)).toMatchObject({ changes: false });
    const audited = { ...audit, report: {}, findings: ["x"], clean: false };
    expect(await fleetAuditProvider.diff!("id", audited as never, audit)).toMatchObject({
      changes: false,
    });
  });

  it("compares lists and records by content", () => {
    expect(updateOnlyDiff(["a"], { a: [1, 2] }, { a: [1, 2] }).changes).toBe(false);
    expect(updateOnlyDiff(["a"], { a: [1, 2] }, { a: [2, 1] }).changes).toBe(true);
    expect(updateOnlyDiff(["a", "b"], { a: 1, b: 2 }, { a: 1, b: 3 }).changes).toBe(true);
    expect(updateOnlyDiff([], { a: 1 }, { a: 2 }).changes).toBe(false);
  });
});

describe("connection helpers", () => {
  it("targets the region and the emulator endpoint, with the default credentials", () => {
    expect(clientConfig(connection)).toEqual({ region: "eu-west-1" });
    expect(clientConfig({ ...connection, endpoint: "http://127.0.0.1:5000" })).toEqual({
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:5000",
    });
  });

  it("resolves credentials from the profile, or through the role to assume", () => {
    expect(typeof clientConfig({ ...connection, profile: "ci" }).credentials).toBe("function");
    expect(
      typeof clientConfig({ ...connection, roleArn: "arn:aws:iam::123456789012:role/deploy" })
        .credentials,
    ).toBe("function");
  });

  it("reads AWS tags into a record", () => {
    expect(tagRecord([{ Key: "a", Value: "1" }, { Key: "b" }, { Value: "orphan" }])).toEqual({
      a: "1",
      b: "",
    });
    expect(tagRecord(undefined)).toEqual({});
  });

  it("matches target group ARNs in every partition, and nothing else", () => {
    expect(TARGET_GROUP_ARN.test(TG)).toBe(true);
    expect(TARGET_GROUP_ARN.test(TG.replace("arn:aws:", "arn:aws-us-gov:"))).toBe(true);
    expect(TARGET_GROUP_ARN.test(TG.replace("targetgroup", "loadbalancer"))).toBe(false);
    expect(TARGET_GROUP_ARN.test(`x${TG}`)).toBe(false);
    expect(TARGET_GROUP_ARN.test(`${TG} `)).toBe(false);
    expect(TARGET_GROUP_ARN.test("arn:aws:elasticloadbalancing::targetgroup/x")).toBe(false);
  });

  it("formats a failure with the property and the value found at the issue's path", () => {
    expect(
      checkFailures(
        [
          { path: ["asgNames", 1], message: "must not be empty" },
          { path: [], message: "must be an object" },
        ],
        { asgNames: ["a", ""] },
      ),
    ).toEqual([
      { property: "asgNames", reason: 'must not be empty (got "")' },
      { property: "", reason: 'must be an object (got {"asgNames":["a",""]})' },
    ]);
  });
});
