import { join } from "node:path";
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  collectSnapshot,
  fleetAuditProvider,
  type FleetAuditProps,
} from "../../providers/aws/awsAudit";
import { type Moto, MOTO_ENV, startMoto } from "./moto";
import {
  exportStack,
  initStack,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "./harness";

const REGION = "us-east-1";
const STACK = "phoenix/audit-e2e";
let moto: Moto | undefined;
let endpoint = "";

beforeAll(async () => {
  moto = await startMoto();
  endpoint = moto.endpoint;
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto?.reset();
});

function clients() {
  const config = { region: REGION, endpoint };
  return { ec2: new EC2Client(config), asg: new AutoScalingClient(config) };
}

const stackTags = (value = STACK) => [{ Key: "phoenix:stack", Value: value }];

async function launchTemplate(ec2: EC2Client, name: string, stack?: string): Promise<string> {
  const res = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { ImageId: "ami-12c6146b", InstanceType: "t3.micro" },
      TagSpecifications: stack
        ? [{ ResourceType: "launch-template", Tags: stackTags(stack) }]
        : undefined,
    }),
  );
  return res.LaunchTemplate?.LaunchTemplateId ?? "";
}

async function group(
  asg: AutoScalingClient,
  args: {
    name: string;
    ltId: string;
    version: string;
    count: number;
    subnet: string;
    stack?: string;
  },
): Promise<void> {
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: args.name,
      MinSize: args.count,
      MaxSize: args.count + 2,
      DesiredCapacity: args.count,
      LaunchTemplate: { LaunchTemplateId: args.ltId, Version: args.version },
      VPCZoneIdentifier: args.subnet,
      Tags: args.stack
        ? [{ Key: "phoenix:stack", Value: args.stack, PropagateAtLaunch: true }]
        : undefined,
    }),
  );
}

async function subnet(ec2: EC2Client): Promise<string> {
  const res = await ec2.send(new DescribeSubnetsCommand({}));
  return res.Subnets?.[0]?.SubnetId ?? "";
}

describe("fleetAuditProvider against moto", () => {
  it("reports nothing for a fleet on its current launch template version", async () => {
    const { ec2, asg } = clients();
    const lt = await launchTemplate(ec2, "web-lt", STACK);
    await group(asg, {
      name: "web-asg",
      ltId: lt,
      version: "1",
      count: 2,
      subnet: await subnet(ec2),
      stack: STACK,
    });

    const props: FleetAuditProps = {
      region: REGION,
      endpoint,
      profile: "",
      roleArn: "",
      stackTagKey: "phoenix:stack",
      stackTagValue: STACK,
      asgNames: ["web-asg"],
      launchTemplateIds: [lt],
    };
    const created = await fleetAuditProvider.create(props);
    expect(created.id).toBe(`phoenix:stack=${STACK}`);
    expect(created.outs?.report).toEqual({
      outdatedInstances: [],
      untrackedAsgs: [],
      untrackedLaunchTemplates: [],
      missingAsgs: [],
      clean: true,
    });
    expect(created.outs?.findings).toEqual([]);
  }, 60_000);

  it("reports old-version instances and untracked leftovers on read (refresh), then clean once fixed", async () => {
    const { ec2, asg } = clients();
    const sub = await subnet(ec2);
    const lt = await launchTemplate(ec2, "web-lt", STACK);
    await group(asg, {
      name: "web-asg",
      ltId: lt,
      version: "1",
      count: 2,
      subnet: sub,
      stack: STACK,
    });
    const props: FleetAuditProps = {
      region: REGION,
      endpoint,
      profile: "",
      roleArn: "",
      stackTagKey: "phoenix:stack",
      stackTagValue: STACK,
      asgNames: ["web-asg"],
      launchTemplateIds: [lt],
    };
    const created = await fleetAuditProvider.create(props);
    expect(created.outs?.clean).toBe(true);
    const before = await collectSnapshot(props);
    const oldInstances =
      before.asgs.find((a) => a.name === "web-asg")?.instances.map((i) => i.id) ?? [];
    expect(oldInstances).toHaveLength(2);

    // Drift: a new template version becomes the group's version, but nothing replaces the
    // instances already running; one more instance then comes up on v2.
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt,
        SourceVersion: "1",
        LaunchTemplateData: { InstanceType: "t3.small" },
      }),
    );
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt, DefaultVersion: "2" }));
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: "web-asg",
        LaunchTemplate: { LaunchTemplateId: lt, Version: "2" },
        DesiredCapacity: 3,
      }),
    );
    // Leftovers of a failed rollout, tagged with this stack but not tracked by it.
    const oldLt = await launchTemplate(ec2, "web-lt-3f2a91c0", STACK);
    await group(asg, {
      name: "web-asg-3f2a91c0",
      ltId: oldLt,
      version: "1",
      count: 1,
      subnet: sub,
      stack: STACK,
    });
    // Not ours: another stack's template and an untagged group must not be reported.
    const prodLt = await launchTemplate(ec2, "web-lt-prod", "phoenix/prod");
    await group(asg, {
      name: "someone-elses-asg",
      ltId: prodLt,
      version: "1",
      count: 1,
      subnet: sub,
    });

    const read = await fleetAuditProvider.read!(created.id, created.outs);
    expect(read.id).toBe(created.id);
    const report = read.props?.report;
    expect(report?.outdatedInstances).toEqual(
      [...oldInstances].sort().map((instanceId) => ({
        instanceId,
        asgName: "web-asg",
        launchedFrom: `${lt} v1`,
        expected: `${lt} v2`,
      })),
    );
    expect(report?.untrackedAsgs).toEqual([{ id: "web-asg-3f2a91c0", name: "web-asg-3f2a91c0" }]);
    expect(report?.untrackedLaunchTemplates).toEqual([{ id: oldLt, name: "web-lt-3f2a91c0" }]);
    expect(report?.missingAsgs).toEqual([]);
    expect(read.props?.clean).toBe(false);
    expect(read.props?.findings).toHaveLength(4);
    expect(read.props?.findings[0]).toContain(
      `instance ${[...oldInstances].sort()[0]} of web-asg runs ${lt} v1`,
    );

    // Fix it the immutable way: replace the old instances, delete the leftovers.
    for (const id of oldInstances) {
      await asg.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: id,
          ShouldDecrementDesiredCapacity: false,
        }),
      );
    }
    await asg.send(
      new DeleteAutoScalingGroupCommand({
        AutoScalingGroupName: "web-asg-3f2a91c0",
        ForceDelete: true,
      }),
    );
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: oldLt }));
    const again = await fleetAuditProvider.read!(created.id, read.props);
    expect(again.props?.report.clean).toBe(true);
    expect(again.props?.findings).toEqual([]);
  }, 60_000);

  it("reports a tracked group deleted behind the stack's back", async () => {
    const { ec2 } = clients();
    const lt = await launchTemplate(ec2, "web-lt", STACK);
    const created = await fleetAuditProvider.create({
      region: REGION,
      endpoint,
      profile: "",
      roleArn: "",
      stackTagKey: "phoenix:stack",
      stackTagValue: STACK,
      asgNames: ["web-asg-gone"],
      launchTemplateIds: [lt],
    });
    expect(created.outs?.report.missingAsgs).toEqual(["web-asg-gone"]);
    expect(created.outs?.findings).toEqual([
      "auto scaling group web-asg-gone is tracked by the stack but missing in AWS: run `pulumi refresh` then `pulumi up`",
    ]);
  }, 60_000);

  it("check rejects a malformed endpoint and launch template id, naming each field", async () => {
    const res = await fleetAuditProvider.check!({} as FleetAuditProps, {
      region: REGION,
      endpoint: "127.0.0.1:5000",
      profile: "",
      roleArn: "",
      stackTagKey: "phoenix:stack",
      stackTagValue: STACK,
      asgNames: [],
      launchTemplateIds: ["web-lt"],
    });
    expect(res.failures?.map((f) => f.property)).toEqual(["endpoint", "launchTemplateIds"]);
    expect(res.failures?.[0]?.reason).toContain('got "127.0.0.1:5000"');
  });
});

describe("FleetAudit with the real engine: pulumi up, then pulumi refresh after drift", () => {
  const dir = join(__dirname, "fixtures", "audit");
  const stack = uniqueStackName("e2e-audit");
  const env = { ...MOTO_ENV };

  afterAll(async () => {
    await runProgram("destroy", { cwd: dir, stack, env });
    await removeStack(stack, dir);
  });

  it("warns about drift on refresh and records it in the audit's state", async () => {
    const { ec2, asg } = clients();
    const sub = await subnet(ec2);
    const lt = await launchTemplate(ec2, "web-lt", STACK);
    await group(asg, {
      name: "web-asg",
      ltId: lt,
      version: "1",
      count: 2,
      subnet: sub,
      stack: STACK,
    });
    await initStack(stack, dir);
    await setConfig(stack, dir, "audit:region", REGION);
    await setConfig(stack, dir, "audit:endpoint", endpoint);
    await setConfig(stack, dir, "audit:stackTagValue", STACK);
    await setConfig(stack, dir, "audit:asgNames", JSON.stringify(["web-asg"]));
    await setConfig(stack, dir, "audit:launchTemplateIds", JSON.stringify([lt]));

    const up = await runProgramOk("up", { cwd: dir, stack, env });
    expect(up.changes).toEqual({ create: 2 });
    expect(up.outputs.clean).toBe(true);
    expect(up.outputs.findings).toEqual([]);

    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt,
        SourceVersion: "1",
        LaunchTemplateData: { InstanceType: "t3.small" },
      }),
    );
    await asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: "web-asg",
        LaunchTemplate: { LaunchTemplateId: lt, Version: "2" },
      }),
    );
    const orphanLt = await launchTemplate(ec2, "web-lt-old", STACK);

    // refresh re-reads every resource (the program does not run, so stack outputs stay as they
    // were): the audit's new findings land in its recorded state.
    const refresh = await runProgram("refresh", { cwd: dir, stack, env });
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(refresh.stdout).toContain(`warning: [runtime] fleet audit: instance `);
    expect(refresh.stdout).toContain(`fleet audit: launch template ${orphanLt} (web-lt-old)`);
    const state = await exportStack(stack, dir);
    const audit = state.deployment.resources?.find((r) => r.type.endsWith(":FleetAudit"));
    expect(audit?.outputs?.clean).toBe(false);
    const findings = audit?.outputs?.findings as string[];
    expect(
      findings.filter((f) => f.includes(`runs ${lt} v1, the group uses ${lt} v2`)),
    ).toHaveLength(2);
    expect(findings).toContain(
      `launch template ${orphanLt} (web-lt-old) is tagged with this stack but not tracked by it: delete it`,
    );
    expect(findings).toHaveLength(3);
  });
});
