import { describe, expect, it } from "vitest";
import {
  durationSeconds,
  failedCandidateGroups,
  gateProblem,
  groupsToRestore,
  liveTargetGroup,
  notYetLeft,
  planRetire,
  servingForward,
  releaseId,
  settleRead,
  type GroupSnapshot,
} from "../../../../lib/aws/release";

const FLEET = "phoenix/prod/web-fleet";
const TG_A = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/a/1";
const TG_B = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/b/2";
const TG_OTHER = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/o/3";
const group = (name: string, tg: string, fleet = FLEET): GroupSnapshot => ({
  name,
  targetGroupArns: [tg],
  tags: { "phoenix:fleet": fleet },
  instanceIds: [`i-${name}`],
});

describe("settleRead", () => {
  const fold = (reads: [number, string | undefined][], settleSeconds: number) => {
    let state = {};
    return reads.map(([now, problem]) => {
      const r = settleRead(state, { now, problem, release: "abc" }, settleSeconds);
      state = r.state;
      return r;
    });
  };

  it("passes only once every read for settleSeconds passed", () => {
    const verdicts = fold(
      [
        [1000, undefined],
        [2500, undefined],
        [3000, undefined],
      ],
      2,
    );
    expect(verdicts.map((v) => v.passed)).toEqual([false, false, true]);
    expect(verdicts[1].problem).toBe(
      "release abc: healthy on every read for 1.5s, not yet the 2s it must stay healthy (settleSeconds)",
    );
    expect(verdicts[2].problem).toBeUndefined();
  });

  it("starts the settle period again after a failed read, and reports that read's problem", () => {
    const verdicts = fold(
      [
        [0, undefined],
        [1500, "release abc: 1/2 targets healthy"],
        [2000, undefined],
        [3500, undefined],
        [4000, undefined],
      ],
      2,
    );
    expect(verdicts.map((v) => v.passed)).toEqual([false, false, false, false, true]);
    expect(verdicts[1]).toMatchObject({ problem: "release abc: 1/2 targets healthy", state: {} });
    expect(verdicts[3].problem).toMatch(/healthy on every read for 1\.5s/);
  });

  it("passes on the first healthy read when settleSeconds is 0", () => {
    expect(fold([[5, undefined]], 0)[0].passed).toBe(true);
  });
});

describe("gateProblem", () => {
  const targets = [
    { id: "i-1", state: "healthy" },
    { id: "i-2", state: "unhealthy" },
    { id: "i-3", state: "healthy" },
  ];
  const ofRelease = { ...group("b", TG_B), instanceIds: ["i-1", "i-2", "i-3"] };
  const gate = (over: Partial<Parameters<typeof gateProblem>[0]>) =>
    gateProblem({
      release: "abc",
      targetGroupArn: TG_B,
      targets,
      groups: [ofRelease],
      desiredCount: 2,
      ...over,
    });

  it("passes only with desiredCount healthy targets, naming every target's state otherwise", () => {
    expect(gate({})).toBeUndefined();
    expect(gate({ desiredCount: 3 })).toBe(
      "release abc: 2/3 targets healthy (i-1=healthy, i-2=unhealthy, i-3=healthy)",
    );
    expect(gate({ targets: [], desiredCount: 1 })).toBe(
      "release abc: 0/1 targets healthy (no targets registered)",
    );
  });

  it("counts only in-service instances of the release's own groups", () => {
    // i-3 is still registered but no longer in service (e.g. a failed group scaled to zero).
    expect(gate({ groups: [{ ...ofRelease, instanceIds: ["i-1", "i-2"] }] })).toBe(
      "release abc: 1/2 targets healthy (i-1=healthy, i-2=unhealthy, i-3=not in service)",
    );
    expect(gate({ groups: [{ ...ofRelease, targetGroupArns: [TG_A] }] })).toMatch(/0\/2/);
  });
});

describe("planRetire", () => {
  it("retires every group and target group of the fleet but the serving ones, nothing of others", () => {
    const plan = planRetire({
      fleetTag: FLEET,
      servingTargetGroupArn: TG_B,
      groups: [group("old", TG_A), group("live", TG_B), group("theirs", TG_OTHER, "x/y/z")],
      targetGroups: [
        { arn: TG_A, tags: { "phoenix:fleet": FLEET } },
        { arn: TG_B, tags: { "phoenix:fleet": FLEET } },
        { arn: TG_OTHER, tags: { "phoenix:fleet": "x/y/z" } },
      ],
    });
    expect(plan.groups.map((g) => g.name)).toEqual(["old"]);
    expect(plan.targetGroupArns).toEqual([TG_A]);
  });

  it("drains the groups of the target group the serving rule keeps at weight 0, and keeps it", () => {
    const plan = planRetire({
      fleetTag: FLEET,
      servingTargetGroupArn: TG_B,
      drainingTargetGroupArn: TG_A,
      groups: [group("old", TG_A), group("live", TG_B)],
      targetGroups: [
        { arn: TG_A, tags: { "phoenix:fleet": FLEET } },
        { arn: TG_B, tags: { "phoenix:fleet": FLEET } },
        { arn: TG_OTHER, tags: { "phoenix:fleet": FLEET } },
      ],
    });
    expect(plan.groups.map((g) => g.name)).toEqual(["old"]);
    expect(plan.targetGroupArns).toEqual([TG_OTHER]);
  });
});

describe("servingForward and liveTargetGroup", () => {
  it("sends all traffic to the serving target group and keeps the previous one at weight 0", () => {
    expect(servingForward(TG_B, TG_A)).toEqual([
      { arn: TG_B, weight: 1 },
      { arn: TG_A, weight: 0 },
    ]);
    expect(servingForward(TG_B, "")).toEqual([{ arn: TG_B, weight: 1 }]);
    expect(servingForward(TG_B, TG_B)).toEqual([{ arn: TG_B, weight: 1 }]);
    expect(liveTargetGroup(servingForward(TG_B, TG_A))).toBe(TG_B);
  });

  it("names the target group with the highest weight above 0, or none", () => {
    expect(liveTargetGroup([{ arn: TG_A, weight: 0 }])).toBeUndefined();
    expect(
      liveTargetGroup([
        { arn: TG_A, weight: 1 },
        { arn: TG_B, weight: 5 },
      ]),
    ).toBe(TG_B);
    expect(liveTargetGroup([])).toBeUndefined();
  });
});

describe("notYetLeft", () => {
  it("counts a group's targets in any state but unused, ignoring other instances", () => {
    const targets = [
      { id: "i-1", state: "draining" },
      { id: "i-2", state: "unused" },
      { id: "i-3", state: "healthy" },
      { id: "i-other", state: "healthy" },
    ];
    expect(notYetLeft(["i-1", "i-2", "i-3"], targets).map((t) => t.id)).toEqual(["i-1", "i-3"]);
    expect(notYetLeft(["i-2"], targets)).toEqual([]);
  });
});

describe("groupsToRestore", () => {
  const base = { fleetTag: FLEET, candidateTargetGroupArn: TG_B, desiredCount: 3, minSize: 2 };
  it("picks the candidate's groups an earlier failed gate left below the stack's size", () => {
    const scaledDown = { ...group("failed", TG_B), desiredCapacity: 0, minSize: 0 };
    const full = { ...group("full", TG_B), desiredCapacity: 3, minSize: 2 };
    const lowMin = { ...group("low-min", TG_B), desiredCapacity: 3, minSize: 0 };
    const picked = groupsToRestore({
      ...base,
      servingTargetGroupArn: TG_A,
      groups: [scaledDown, full, lowMin, { ...group("serving", TG_A), desiredCapacity: 0 }],
    });
    expect(picked.map((g) => g.name)).toEqual(["failed", "low-min"]);
  });

  it("never touches the group of the target group the listeners forward to", () => {
    const live = { ...group("live", TG_B), desiredCapacity: 0, minSize: 0 };
    expect(groupsToRestore({ ...base, servingTargetGroupArn: TG_B, groups: [live] })).toEqual([]);
  });
});

describe("failedCandidateGroups", () => {
  it("picks the candidate's groups and never one attached to the serving target group", () => {
    const shared = { ...group("both", TG_B), targetGroupArns: [TG_A, TG_B] };
    const picked = failedCandidateGroups({
      fleetTag: FLEET,
      candidateTargetGroupArn: TG_B,
      servingTargetGroupArn: TG_A,
      groups: [group("serving", TG_A), group("failed", TG_B), shared, group("x", TG_B, "o/t/h")],
    });
    expect(picked.map((g) => g.name)).toEqual(["failed"]);
  });
});

describe("durationSeconds", () => {
  it("reads Terraform durations and rejects anything else, naming the field", () => {
    expect(durationSeconds("t", "10m")).toBe(600);
    expect(durationSeconds("t", "1h5m30s")).toBe(3930);
    expect(durationSeconds("t", "0")).toBe(0);
    expect(() => durationSeconds("waitForCapacityTimeout", "10 minutes")).toThrow(
      'waitForCapacityTimeout: must be a duration like 10m, 90s or 1h, got "10 minutes"',
    );
  });
});

describe("releaseId", () => {
  const base = {
    specHash: "a".repeat(64),
    imageRef: "r/x@sha256:" + "1".repeat(64),
    launchTemplate: {
      imageId: "ami-0123456789abcdef0",
      instanceType: "t3.small",
      userData: "IyEvYmluL3No",
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
    },
    instanceSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    secretVersions: { DB_PASSWORD: 1 },
  };
  it("changes with a secret's version and not with the order of the secrets", () => {
    expect(releaseId({ ...base, secretVersions: { DB_PASSWORD: 2 } })).not.toBe(releaseId(base));
    expect(releaseId({ ...base, secretVersions: { A: 1, B: 2 } })).toBe(
      releaseId({ ...base, secretVersions: { B: 2, A: 1 } }),
    );
    expect(releaseId(base)).toMatch(/^[0-9a-f]{12}$/);
  });

  it("changes with any launch template input, however deep, and with the group's subnets", () => {
    const lt = base.launchTemplate;
    const ebs = lt.blockDeviceMappings[0].ebs;
    const variants = [
      { ...lt, imageId: "ami-0fedcba9876543210" },
      { ...lt, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" },
      { ...lt, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { ...ebs, kmsKeyId: "k" } }] },
      { ...lt, blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs }] },
      { ...lt, metadataOptions: { httpPutResponseHopLimit: 2 } },
    ];
    const ids = variants.map((launchTemplate) => releaseId({ ...base, launchTemplate }));
    expect(new Set([releaseId(base), ...ids]).size).toBe(variants.length + 1);
    expect(releaseId({ ...base, instanceSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"] })).not.toBe(
      releaseId(base),
    );
  });

  it("does not change with the order of keys or subnets, nor with an undefined field", () => {
    const { imageId, ...rest } = base.launchTemplate;
    expect(releaseId({ ...base, launchTemplate: { ...rest, keyName: undefined, imageId } })).toBe(
      releaseId(base),
    );
    expect(releaseId({ ...base, instanceSubnetIds: [...base.instanceSubnetIds].reverse() })).toBe(
      releaseId(base),
    );
  });
});
