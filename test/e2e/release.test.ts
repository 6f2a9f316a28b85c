import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeTagsCommand,
  ModifyRuleCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateRepositoryCommand,
  ECRClient,
  ListImagesCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveTargetGroup } from "../../lib/aws/release";
import { liveTag } from "../../lib/core/identifiers";
import { releaseGateProvider } from "../../providers/aws/releaseGate";
import { releaseRetireProvider } from "../../providers/aws/releaseRetire";
import { releaseTeardownProvider } from "../../providers/aws/releaseTeardown";
import { type TargetHealthStandIn, startTargetHealthStandIn } from "./targetHealthStandIn";
import { initStack, removeStack, runProgram, setConfig, uniqueStackName } from "./harness";
import { type Moto, MOTO_ENV, startMoto } from "./moto";
import { releaseWorld } from "./releaseWorld";
import { type Traffic, servingForwardOf, startTraffic } from "./albTraffic";
import { ERRORS_TAG } from "./fixtures/release/standIns";

const REGION = "us-east-1";
let moto: Moto;
let conn: { region: string; endpoint: string; profile: string; roleArn: string };

beforeAll(async () => {
  moto = await startMoto();
  conn = { region: REGION, endpoint: moto.endpoint, profile: "", roleArn: "" };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

const {
  clients,
  network,
  servingRule,
  targetGroup,
  targetGroupsOf,
  group,
  groupsOf,
  healthy,
  stopInstancesOf,
} = releaseWorld(() => moto.endpoint);

/** An ECR repository with two images, `v1-old` and `v2-new`, and helpers to tag and read them. */
async function repository(name: string) {
  const ecr = new ECRClient({ region: REGION, endpoint: moto.endpoint });
  const repo = await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  const url = repo.repository?.repositoryUri ?? "";
  const push = async (tag: string) => {
    const fake = `sha256:${createHash("sha256").update(tag).digest("hex")}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: 2,
        digest: fake,
      },
      // moto derives the image digest from the layer digests.
      layers: [
        { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 2, digest: fake },
      ],
    });
    const res = await ecr.send(
      new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: tag }),
    );
    const digest = res.image?.imageId?.imageDigest ?? "";
    return { digest, ref: `${url}@${digest}`, manifest };
  };
  const images = { old: await push("v1-old"), new: await push("v2-new") };
  return {
    ...images,
    async tag(image: { manifest: string }, tag: string) {
      await ecr.send(
        new PutImageCommand({ repositoryName: name, imageManifest: image.manifest, imageTag: tag }),
      );
    },
    async tags(image: { digest: string }) {
      const res = await ecr.send(new ListImagesCommand({ repositoryName: name }));
      return (res.imageIds ?? [])
        .filter((i) => i.imageDigest === image.digest && i.imageTag)
        .map((i) => i.imageTag ?? "")
        .sort();
    },
  };
}

const RELEASE_A = "a".repeat(12);
const RELEASE_B = "b".repeat(12);

describe("releaseRetireProvider against moto", () => {
  it("refuses to retire anything while the serving release is not healthy", async () => {
    const fleetTag = "phoenix/unit/refuse";
    const net = await network();
    const old = await targetGroup("refuse-old", fleetTag);
    const live = await targetGroup("refuse-live", fleetTag);
    await group({ name: "refuse-old", tg: old, fleetTag, count: 2, net });
    await group({ name: "refuse-live", tg: live, fleetTag, count: 2, net });
    await stopInstancesOf("refuse-live");
    const props = {
      ...conn,
      fleetTag,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: live,
      servingImageRef: "",
      stackTag: "phoenix/unit",
      desiredCount: 2,
      drainingTargetGroupArn: "",
    };
    await expect(releaseRetireProvider.create(props)).rejects.toThrow(
      /retire: refusing to remove older releases while the serving one is not healthy: release b{12}: 0\/2 targets healthy/,
    );
    expect((await groupsOf(fleetTag)).map((g) => g.name).sort()).toEqual([
      "refuse-live",
      "refuse-old",
    ]);
  }, 60_000);

  it("drains and deletes only this fleet's superseded groups and target groups, and moves the live tag", async () => {
    const fleetTag = "phoenix/unit/only";
    const net = await network();
    const old = await targetGroup("only-old", fleetTag);
    const live = await targetGroup("only-live", fleetTag);
    const theirs = await targetGroup("only-theirs", "phoenix/other/web");
    await group({ name: "only-old", tg: old, fleetTag, count: 2, net });
    await group({ name: "only-live", tg: live, fleetTag, count: 2, net });
    await group({ name: "only-theirs", tg: theirs, fleetTag: "phoenix/other/web", count: 1, net });
    const images = await repository("web-only");
    const oldLive = liveTag("phoenix/unit", images.old.digest);
    const otherStack = liveTag("phoenix/other", images.old.digest);
    await images.tag(images.old, oldLive);
    await images.tag(images.old, otherStack);
    const created = await releaseRetireProvider.create({
      ...conn,
      fleetTag,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: live,
      servingImageRef: images.new.ref,
      stackTag: "phoenix/unit",
      desiredCount: 2,
      drainingTargetGroupArn: "",
    });
    // The serving digest carries this stack's live tag; the old digest lost it, not another
    // stack's, and kept its own version tag.
    expect(created.outs?.liveTag).toBe(liveTag("phoenix/unit", images.new.digest));
    expect(await images.tags(images.new)).toEqual(
      ["v2-new", liveTag("phoenix/unit", images.new.digest)].sort(),
    );
    expect(await images.tags(images.old)).toEqual(["v1-old", otherStack].sort());
    expect(created.outs?.retiredGroups).toEqual(["only-old"]);
    expect(created.outs?.retiredTargetGroups).toEqual([old]);
    expect((await groupsOf(fleetTag)).map((g) => g.name)).toEqual(["only-live"]);
    expect((await groupsOf("phoenix/other/web")).map((g) => g.name)).toEqual(["only-theirs"]);
    const { elb } = clients();
    const left = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    expect(left.map((t) => t.TargetGroupArn)).toContain(theirs);
    expect(left.map((t) => t.TargetGroupArn)).not.toContain(old);
    expect(await healthy(live)).toBe(2);
  }, 60_000);
});

describe("the drain, against moto behind a stand-in for target health (unused, draining)", () => {
  let standIn: TargetHealthStandIn;
  let via: typeof conn;
  const DELAY = 2;

  beforeAll(async () => {
    standIn = await startTargetHealthStandIn(moto.endpoint);
    via = { ...conn, endpoint: standIn.endpoint };
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  /** Old and live release (2 instances each); the serving rule switched from old to live, old at weight 0. */
  async function switched(prefix: string, fleetTag: string) {
    const net = await network();
    const old = await targetGroup(`${prefix}-old`, fleetTag, DELAY);
    const live = await targetGroup(`${prefix}-live`, fleetTag, DELAY);
    await group({ name: `${prefix}-old`, tg: old, fleetTag, count: 2, net });
    await group({ name: `${prefix}-live`, tg: live, fleetTag, count: 2, net });
    const rule = await servingRule(net.listenerArn, [{ arn: old, weight: 1 }], standIn.endpoint);
    // The switch as the serving rule makes it (components/aws/releaseTraffic.ts, servingForward).
    await clients(standIn.endpoint).elb.send(
      new ModifyRuleCommand({
        RuleArn: rule,
        Actions: [
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: live, Weight: 1 },
                { TargetGroupArn: old, Weight: 0 },
              ],
            },
          },
        ],
      }),
    );
    return { net, old, live, rule };
  }

  it("deletes the old release only after its targets drained, the old target group kept at weight 0", async () => {
    const fleetTag = "phoenix/unit/drain";
    const { old, live } = await switched("drain", fleetTag);
    standIn.violations.length = 0;
    const started = Date.now();
    const created = await releaseRetireProvider.create({
      ...via,
      fleetTag,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: live,
      drainingTargetGroupArn: old,
      servingImageRef: "",
      stackTag: "phoenix/unit",
      desiredCount: 2,
    });
    expect(standIn.violations).toEqual([]);
    expect(standIn.drainingAnswers()).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY * 1000);
    expect(created.outs?.retiredGroups).toEqual(["drain-old"]);
    // Still named by the serving rule: emptied now, deleted by the retire after the next switch.
    expect(created.outs?.retiredTargetGroups).toEqual([]);
    expect((await groupsOf(fleetTag)).map((g) => g.name)).toEqual(["drain-live"]);
    expect((await targetGroupsOf(fleetTag)).sort()).toEqual([old, live].sort());
  }, 60_000);

  it("destroys every release of the fleet, drained, and nothing of another fleet", async () => {
    const fleetTag = "phoenix/unit/destroy";
    const { live, rule } = await switched("destroy", fleetTag);
    const theirs = await targetGroup("destroy-theirs", "phoenix/other/destroy");
    await group({
      name: "destroy-theirs",
      tg: theirs,
      fleetTag: "phoenix/other/destroy",
      count: 1,
      net: await network(),
    });
    const failed = await targetGroup("destroy-failed", fleetTag);
    await group({ name: "destroy-failed", tg: failed, fleetTag, count: 0, net: await network() });
    standIn.violations.length = 0;
    const props = {
      ...via,
      fleetTag,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: live,
      drainingTargetGroupArn: "",
      servingImageRef: "",
      stackTag: "phoenix/unit",
      desiredCount: 2,
      retiredGroups: [],
      retiredTargetGroups: [],
      liveTag: "",
    };
    // A destroy in dependency order: the retire (it drains while the rules still use the target
    // groups), the rules, then the teardown (components/aws/awsFleet.ts wires that order).
    await releaseRetireProvider.delete!(fleetTag, props);
    expect(standIn.violations).toEqual([]);
    expect(await groupsOf(fleetTag)).toEqual([]);
    // It returned only once the deleted groups were no longer listed (their instances terminated),
    // so the instances' security group, deleted after it in a destroy, has no user left.
    expect(Date.now()).toBeGreaterThanOrEqual(standIn.lastGroupGoneAt());
    await clients(standIn.endpoint).elb.send(new DeleteRuleCommand({ RuleArn: rule }));
    await releaseTeardownProvider.delete!(fleetTag, { ...via, fleetTag });
    expect(await targetGroupsOf(fleetTag)).toEqual([]);
    expect((await groupsOf("phoenix/other/destroy")).map((g) => g.name)).toEqual([
      "destroy-theirs",
    ]);
    expect(await targetGroupsOf("phoenix/other/destroy")).toEqual([theirs]);
  }, 60_000);
});

describe("releaseGateProvider against moto", () => {
  it("fails a candidate that never gets healthy, scales it to zero, and keeps the serving group", async () => {
    const fleetTag = "phoenix/unit/gate";
    const net = await network();
    const live = await targetGroup("gate-live", fleetTag);
    const cand = await targetGroup("gate-cand", fleetTag);
    await group({ name: "gate-live", tg: live, fleetTag, count: 2, net });
    await group({ name: "gate-cand", tg: cand, fleetTag, count: 2, net });
    await stopInstancesOf("gate-cand");
    await servingRule(net.listenerArn, [{ arn: live, weight: 1 }]);
    const props = {
      ...conn,
      fleetTag,
      release: RELEASE_B,
      imageRef: "",
      targetGroupArn: cand,
      desiredCount: 2,
      minSize: 2,
      listenerArns: [net.listenerArn],
      timeoutSeconds: 1,
      pollSeconds: 0.2,
      settleSeconds: 0,
    };
    const olds = { ...props, release: RELEASE_A, targetGroupArn: live };
    const serving = {
      servingRelease: RELEASE_A,
      servingTargetGroupArn: live,
      servingImageRef: "",
      drainingTargetGroupArn: "",
    };
    await expect(
      releaseGateProvider.update!(fleetTag, { ...olds, ...serving }, props),
    ).rejects.toThrow(
      new RegExp(
        `release b{12}: 0/2 targets healthy .* after 1s; the listener still forwards to ${live.replace(/[/.]/g, "\\$&")}; scaled the failed group\\(s\\) gate-cand to 0`,
      ),
    );
    const groups = Object.fromEntries((await groupsOf(fleetTag)).map((g) => [g.name, g]));
    expect(groups["gate-cand"]).toMatchObject({ desired: 0, instances: 0 });
    expect(groups["gate-live"]).toMatchObject({ desired: 2, instances: 2 });
    const passed = await releaseGateProvider.create({
      ...props,
      release: RELEASE_A,
      targetGroupArn: live,
    });
    expect(passed.outs).toMatchObject({ servingRelease: RELEASE_A, servingTargetGroupArn: live });
  }, 60_000);
});

describe("a candidate retried after its gate timed out", () => {
  it("is scaled back to desiredCount by the gate, so the same release can pass on the next up", async () => {
    const fleetTag = "phoenix/unit/retry";
    const net = await network();
    const live = await targetGroup("retry-live", fleetTag);
    const cand = await targetGroup("retry-cand", fleetTag);
    await group({ name: "retry-live", tg: live, fleetTag, count: 2, net });
    await group({ name: "retry-cand", tg: cand, fleetTag, count: 2, net });
    await servingRule(net.listenerArn, [{ arn: live, weight: 1 }]);
    await stopInstancesOf("retry-cand");
    const props = {
      ...conn,
      fleetTag,
      release: RELEASE_B,
      imageRef: "",
      targetGroupArn: cand,
      desiredCount: 2,
      minSize: 2,
      listenerArns: [net.listenerArn],
      timeoutSeconds: 1,
      pollSeconds: 0.2,
      settleSeconds: 0,
    };
    const olds = {
      ...props,
      release: RELEASE_A,
      targetGroupArn: live,
      servingRelease: RELEASE_A,
      servingTargetGroupArn: live,
      servingImageRef: "",
      drainingTargetGroupArn: "",
    };
    await expect(releaseGateProvider.update!(fleetTag, olds, props)).rejects.toThrow(
      "or run `pulumi up --stack unit` unchanged to retry this release (the gate first scales its group(s) back to 2)",
    );
    const scaled = (await groupsOf(fleetTag)).find((g) => g.name === "retry-cand");
    expect(scaled).toMatchObject({ desired: 0, instances: 0 });
    // The engine's state still says 2 for that group: an update of it changes nothing. The failed
    // update kept the gate's old inputs, so the next up runs the gate again: it scales the group
    // back to 2 (its new instances are healthy) and lets the release pass.
    const retried = await releaseGateProvider.update!(fleetTag, olds, {
      ...props,
      timeoutSeconds: 10,
    });
    expect(retried.outs).toMatchObject({
      servingTargetGroupArn: cand,
      drainingTargetGroupArn: live,
    });
    expect((await groupsOf(fleetTag)).find((g) => g.name === "retry-cand")).toMatchObject({
      desired: 2,
      instances: 2,
    });
  }, 60_000);
});

describe("the gate's verdict against what the listeners forward to", () => {
  it("is stale while the serving rule does not forward to the recorded target group", async () => {
    const fleetTag = "phoenix/unit/stale";
    const net = await network();
    const live = await targetGroup("stale-live", fleetTag);
    const passed = await targetGroup("stale-passed", fleetTag);
    const rule = await servingRule(net.listenerArn, [{ arn: live, weight: 1 }]);
    const props = {
      ...conn,
      fleetTag,
      release: RELEASE_B,
      imageRef: "",
      targetGroupArn: passed,
      desiredCount: 2,
      minSize: 2,
      listenerArns: [net.listenerArn],
      timeoutSeconds: 1,
      pollSeconds: 0.2,
      settleSeconds: 0,
    };
    const recorded = {
      ...props,
      servingRelease: RELEASE_B,
      servingTargetGroupArn: passed,
      servingImageRef: "",
      drainingTargetGroupArn: live,
    };
    // Same inputs, but the listener still forwards to the release before: the gate runs again.
    expect(await releaseGateProvider.diff!(fleetTag, recorded, props)).toMatchObject({
      changes: true,
    });
    await clients().elb.send(
      new ModifyRuleCommand({
        RuleArn: rule,
        Actions: [
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: passed, Weight: 1 },
                { TargetGroupArn: live, Weight: 0 },
              ],
            },
          },
        ],
      }),
    );
    expect(await releaseGateProvider.diff!(fleetTag, recorded, props)).toMatchObject({
      changes: false,
    });
  }, 60_000);
});

describe("the release gate's settle period against moto", () => {
  const props = (fleetTag: string, targetGroupArn: string, listenerArn: string) => ({
    ...conn,
    fleetTag,
    release: RELEASE_B,
    imageRef: "",
    targetGroupArn,
    desiredCount: 2,
    minSize: 2,
    listenerArns: [listenerArn],
    timeoutSeconds: 5,
    pollSeconds: 0.2,
    settleSeconds: 2,
  });

  it("does not let a candidate that is healthy for a moment and then dies take traffic", async () => {
    const fleetTag = "phoenix/unit/flap";
    const net = await network();
    const cand = await targetGroup("flap-cand", fleetTag);
    await group({ name: "flap-cand", tg: cand, fleetTag, count: 2, net });
    expect(await healthy(cand)).toBe(2);
    const verdict = releaseGateProvider.create(props(fleetTag, cand, net.listenerArn));
    // Well inside the 2 s settle period: the gate has seen the candidate healthy, never for long enough.
    await stopInstancesOf("flap-cand");
    await expect(verdict).rejects.toThrow(
      /release b{12}: 0\/2 targets healthy .* after 5s; no release serves yet/,
    );
    expect((await groupsOf(fleetTag))[0]).toMatchObject({ desired: 0, instances: 0 });
  }, 60_000);

  it("lets a candidate take traffic only once it stayed healthy for settleSeconds", async () => {
    const fleetTag = "phoenix/unit/settle";
    const net = await network();
    const cand = await targetGroup("settle-cand", fleetTag);
    await group({ name: "settle-cand", tg: cand, fleetTag, count: 2, net });
    const started = Date.now();
    const passed = await releaseGateProvider.create(props(fleetTag, cand, net.listenerArn));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(passed.outs).toMatchObject({ servingRelease: RELEASE_B, servingTargetGroupArn: cand });
  }, 60_000);
});

describe("the release lifecycle with the real engine (stand-ins for group, target group, rules)", () => {
  const dir = join(__dirname, "fixtures", "release");
  const stack = uniqueStackName("e2e-release");
  const env = { ...MOTO_ENV };
  let net: Awaited<ReturnType<typeof network>>;
  let fleetTag = "";
  // Every AWS call of the run (the real gate, retire and teardown, the stand-in resources) goes
  // through the target-health stand-in: target groups in no rule are `unused`, deregistered targets
  // drain, a failing release's instances fail their health check, and every instance terminated
  // before it drained is recorded.
  let standIn: TargetHealthStandIn;

  beforeAll(async () => {
    standIn = await startTargetHealthStandIn(moto.endpoint);
    net = await network();
    await initStack(stack, dir);
    fleetTag = `release/${stack}/web`;
    for (const [key, value] of Object.entries({
      endpoint: standIn.endpoint,
      desiredCount: "2",
      gateTimeoutSeconds: "6",
      gateSettleSeconds: "2",
      vpcId: net.vpcId,
      subnetId: net.subnetId,
      launchTemplateId: net.launchTemplateId,
      listenerArn: net.listenerArn,
    })) {
      await setConfig(stack, dir, `release:${key}`, value);
    }
  }, 120_000);

  afterAll(async () => {
    await removeStack(stack, dir);
    await standIn?.stop();
  });

  async function up(version: string, failing: boolean, servingRuleFails = false) {
    await setConfig(stack, dir, "release:version", version);
    await setConfig(stack, dir, "release:failing", String(failing));
    await setConfig(stack, dir, "release:servingRuleFails", String(servingRuleFails));
    return runProgram("up", { cwd: dir, stack, env });
  }

  /** The serving rule's weighted target groups. */
  const servingForwardNow = () => servingForwardOf(moto.endpoint, net.listenerArn);

  /** The target group all traffic goes to, and how many of its targets are healthy. */
  async function serving(): Promise<{ tg: string; healthy: number }> {
    const tg = liveTargetGroup(await servingForwardNow()) ?? "";
    return { tg, healthy: tg ? await healthy(tg, standIn.endpoint) : 0 };
  }

  it("A healthy; B fails; B fails again; revert to A: a healthy release serves after each step", async () => {
    const a = await up("A", false);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const first = await serving();
    expect(first.healthy).toBe(2);
    expect(a.result?.outputs.servingRelease).toBe(a.result?.outputs.candidateRelease);
    expect(await groupsOf(fleetTag)).toHaveLength(1);

    const b = await up("B", true);
    expect(b.code).not.toBe(0);
    expect(b.stdout + b.stderr).toMatch(/release [0-9a-f]{12}: 0\/2 targets healthy/);
    expect(b.stdout + b.stderr).toContain(`run \`pulumi up --stack ${stack}\` unchanged to retry`);
    expect(await serving()).toEqual(first);
    // Nothing of the failed release runs: the gate scaled it to zero.
    const afterB = await groupsOf(fleetTag);
    expect(afterB).toHaveLength(2);
    const failed = afterB.filter((g) => !g.targetGroupArns.includes(first.tg));
    expect(failed).toEqual([expect.objectContaining({ desired: 0, instances: 0 })]);

    // The next up first runs the engine's pending delete of A (pulumi/pulumi#9979): retained, so
    // A keeps serving while B, retried (the gate scales it back up first), fails again.
    const bAgain = await up("B", true);
    expect(bAgain.code).not.toBe(0);
    expect(bAgain.stdout + bAgain.stderr).toMatch(
      /release [0-9a-f]{12}: 0\/2 targets healthy \(.*=unhealthy/,
    );
    expect(await serving()).toEqual(first);
    expect((await groupsOf(fleetTag)).filter((g) => g.instances > 0)).toEqual([
      expect.objectContaining({ targetGroupArns: [first.tg], instances: 2 }),
    ]);

    const revert = await up("A", false);
    expect(revert.code, revert.stdout + revert.stderr).toBe(0);
    const now = await serving();
    expect(now.healthy).toBe(2);
    expect(now.tg).not.toBe(first.tg);
    // No instance of the old A was terminated before it drained.
    expect(standIn.violations).toEqual([]);
    // The serving rule keeps the old A's target group at weight 0: its instances drained before
    // they were deleted. The old A group and the failed B group are gone.
    expect(await servingForwardNow()).toEqual([
      { arn: now.tg, weight: 1 },
      { arn: first.tg, weight: 0 },
    ]);
    const left = await groupsOf(fleetTag);
    expect(left).toEqual([expect.objectContaining({ targetGroupArns: [now.tg], instances: 2 })]);
    expect(revert.result?.outputs.retiredGroups).toHaveLength(2);
    expect(revert.result?.outputs.auditFindings).toEqual([]);
    expect(standIn.violations).toEqual([]);
  }, 600_000);

  it("a retire interrupted midway converges on the next up", async () => {
    const before = await serving();
    const [, drained] = await servingForwardNow();
    // Something else still uses the drained target group of two releases ago: the retire after
    // the next release can delete the old group but not that target group, and fails there.
    const { elb } = clients(standIn.endpoint);
    const blocker = await elb.send(
      new CreateRuleCommand({
        ListenerArn: net.otherListenerArn,
        Priority: 5,
        Conditions: [{ Field: "path-pattern", Values: ["/pinned/*"] }],
        Actions: [{ Type: "forward", TargetGroupArn: drained.arn }],
      }),
    );
    const c = await up("C", false);
    expect(c.code).not.toBe(0);
    expect(c.stdout + c.stderr).toMatch(/in use by a listener or a rule/);
    const switched = await serving();
    expect(switched.healthy).toBe(2);
    expect(switched.tg).not.toBe(before.tg);
    expect((await groupsOf(fleetTag)).map((g) => g.targetGroupArns)).toEqual([[switched.tg]]);

    await elb.send(new DeleteRuleCommand({ RuleArn: blocker.Rules?.[0]?.RuleArn ?? "" }));
    const again = await up("C", false);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.result?.outputs.retiredGroups).toEqual([]);
    const tgs = (await clients().elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    expect(tgs.map((t) => t.TargetGroupArn)).not.toContain(drained.arn);
    expect(await serving()).toEqual(switched);
    expect(standIn.violations).toEqual([]);
  }, 600_000);

  it("re-checks a release the gate passed before a run died, before switching to it", async () => {
    const before = await serving();
    // D passes its gate, then the run dies before the serving rule moves: the gate's state says
    // D serves while the listener still forwards to C.
    const d = await up("D", false, true);
    expect(d.code).not.toBe(0);
    expect(d.stdout + d.stderr).toMatch(/the serving rule's update was interrupted/);
    expect(await serving()).toEqual(before);
    const dGroup = (await groupsOf(fleetTag)).find((g) => !g.targetGroupArns.includes(before.tg));
    // D dies before the next up: the recorded verdict is stale.
    await stopInstancesOf(dGroup?.name ?? "");
    const dAgain = await up("D", false);
    expect(dAgain.code).not.toBe(0);
    expect(dAgain.stdout + dAgain.stderr).toMatch(
      new RegExp(
        `release [0-9a-f]{12}: 0/2 targets healthy .*the listener still forwards to ${before.tg.replace(/[/.]/g, "\\$&")}`,
      ),
    );
    expect(await serving()).toEqual(before);
    expect(standIn.violations).toEqual([]);
  }, 600_000);

  describe("with phoenix:rollout (a canary step at 50%, a bake; traffic from albTraffic.ts)", () => {
    let traffic: Traffic;
    const errorsOf = new Map<string, string>();

    beforeAll(async () => {
      await setConfig(
        stack,
        dir,
        "release:rollout",
        JSON.stringify({ steps: [{ percent: 50, seconds: 3 }], bakeSeconds: 3, minRequests: 10 }),
      );
      // Requests on a target group tagged standin:errors fail: half of them, always or only once
      // it takes every request.
      traffic = startTraffic({
        endpoint: moto.endpoint,
        listenerArn: net.listenerArn,
        failing: async (arn, share) => {
          if (!errorsOf.has(arn)) {
            const tags = await clients().elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
            const tag = tags.TagDescriptions?.[0]?.Tags?.find((t) => t.Key === ERRORS_TAG);
            errorsOf.set(arn, tag?.Value ?? "");
          }
          const errors = errorsOf.get(arn);
          return errors === "always" || (errors === "at-full" && share === 1) ? 0.5 : 0;
        },
      });
    });

    afterAll(async () => {
      await traffic?.stop();
    });

    async function upWith(version: string, errors: string) {
      await setConfig(stack, dir, "release:errors", errors);
      return up(version, false);
    }

    it("B passes health but breaches the canary: rolled back to weight 0, scaled to 0, the up fails", async () => {
      const before = await serving();
      const e = await upWith("E", "always");
      expect(e.code).not.toBe(0);
      expect(e.stdout + e.stderr).toMatch(
        /canary 50%: \d+ of \d+ requests failed \(\d+\.\d%\) > 1%.*: rolled back; release [0-9a-f]{12} still serves 100%/,
      );
      expect(await serving()).toEqual(before);
      const forward = await servingForwardNow();
      expect(liveTargetGroup(forward)).toBe(before.tg);
      const failed = (await groupsOf(fleetTag)).filter(
        (g) => !g.targetGroupArns.includes(before.tg),
      );
      expect(failed.every((g) => g.desired === 0)).toBe(true);
      // The candidate stays in the rule at weight 0 while its instances drain.
      expect(forward.filter((t) => t.weight > 0)).toEqual([{ arn: before.tg, weight: 1 }]);
      expect(standIn.violations).toEqual([]);
    }, 600_000);

    it("B breaches during the bake: switched back to the previous release, still warm, and the up fails", async () => {
      const before = await serving();
      const f = await upWith("F", "at-full");
      expect(f.code).not.toBe(0);
      expect(f.stdout + f.stderr).toMatch(
        /bake: \d+ of \d+ requests failed \(\d+\.\d%\) > 1%.*: rolled back; release [0-9a-f]{12} still serves 100%/,
      );
      // The previous release takes everything back with the instances it had: never retired.
      expect(await serving()).toEqual(before);
      const groups = await groupsOf(fleetTag);
      expect(groups.find((g) => g.targetGroupArns.includes(before.tg))).toMatchObject({
        desired: 2,
        instances: 2,
      });
      expect(
        groups.filter((g) => !g.targetGroupArns.includes(before.tg)).every((g) => g.desired === 0),
      ).toBe(true);
      expect(standIn.violations).toEqual([]);
    }, 600_000);

    it("a good release after both passes the canary and the bake and converges", async () => {
      const before = await serving();
      const g = await upWith("G", "none");
      expect(g.code, g.stdout + g.stderr).toBe(0);
      const now = await serving();
      expect(now.healthy).toBe(2);
      expect(now.tg).not.toBe(before.tg);
      expect(await servingForwardNow()).toEqual([
        { arn: now.tg, weight: 1 },
        { arn: before.tg, weight: 0 },
      ]);
      // Exactly desiredCount instances: the releases that failed and the one before are gone.
      expect(await groupsOf(fleetTag)).toEqual([
        expect.objectContaining({ targetGroupArns: [now.tg], instances: 2 }),
      ]);
      expect(g.result?.outputs.rolloutRecord).toMatchObject({
        outcome: "promoted",
        release: g.result?.outputs.candidateRelease,
        windows: [
          expect.objectContaining({ phase: "canary", percent: 50, result: "passed" }),
          expect.objectContaining({ phase: "bake", percent: 100, result: "passed" }),
        ],
      });
      expect(standIn.violations).toEqual([]);
    }, 600_000);
  });

  it("pulumi destroy drains and deletes every release of the fleet, and leaves nothing of it", async () => {
    expect((await groupsOf(fleetTag)).length).toBeGreaterThan(0);
    const destroyed = await runProgram("destroy", { cwd: dir, stack, env });
    expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
    expect(await groupsOf(fleetTag)).toEqual([]);
    expect(await targetGroupsOf(fleetTag)).toEqual([]);
    expect(standIn.violations).toEqual([]);
  }, 600_000);
});
