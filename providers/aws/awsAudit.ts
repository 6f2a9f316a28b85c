import type * as AutoScaling from "@aws-sdk/client-auto-scaling";
import type * as EC2 from "@aws-sdk/client-ec2";
import * as pulumi from "@pulumi/pulumi";
import {
  auditFleet,
  formatAuditReport,
  STACK_TAG_KEY,
  type AsgSnapshot,
  type AuditInput,
  type AuditReport,
  type LaunchTemplateSnapshot,
} from "../../lib/aws/auditReport";
import { DYNAMIC_MODULE, DYNAMIC_NAMES } from "../../lib/core/identifiers";
import type { ConnectionCredentials } from "../../lib/aws/providerConnection";
import {
  type AwsConnection,
  checkResult,
  clientConfig,
  connectionShape,
  tagRecord,
  updateOnlyDiff,
} from "./awsConnection";

/** Plain inputs of the audit, as the provider receives them (region, endpoint, profile, role). */
export interface FleetAuditProps extends AwsConnection {
  stackTagKey: string;
  stackTagValue: string;
  asgNames: string[];
  launchTemplateIds: string[];
}

/** What the audit records in the state: its inputs plus the findings of the last create/read/update. */
export interface FleetAuditOutputs extends FleetAuditProps {
  report: AuditReport;
  findings: string[];
  clean: boolean;
}

/**
 * The input schema, built when needed: the provider is serialized into the state, and a module-level
 * zod schema would be serialized by value (and fail); zod itself is required by name in the provider.
 */
function propsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    ...connectionShape(),
    stackTagKey: z.string().min(1, "stackTagKey: must not be empty"),
    stackTagValue: z.string().min(1, "stackTagValue: must not be empty, e.g. phoenix/dev"),
    asgNames: z.array(z.string().min(1)),
    launchTemplateIds: z.array(z.string().regex(/^lt-[0-9a-f]+$/, "must look like lt-0123abcd")),
  });
}

function asgTemplate(
  g: AutoScaling.AutoScalingGroup,
): { id: string; version?: string } | undefined {
  const spec =
    g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return spec?.LaunchTemplateId ? { id: spec.LaunchTemplateId, version: spec.Version } : undefined;
}

function ltSnapshot(t: EC2.LaunchTemplate): LaunchTemplateSnapshot {
  return {
    id: t.LaunchTemplateId ?? "",
    name: t.LaunchTemplateName ?? "",
    latestVersion: t.LatestVersionNumber ?? 0,
    defaultVersion: t.DefaultVersionNumber ?? 0,
    tags: tagRecord(t.Tags),
  };
}

/**
 * Reads what the audit needs from AWS: tracked groups, groups and templates carrying the stack tag,
 * and for each instance the launch template version EC2 launched it from.
 */
export async function collectSnapshot(props: FleetAuditProps): Promise<AuditInput> {
  // The aws provider's region, profile and role: the audit reads the account the stack deploys to.
  const config = clientConfig(props);
  // Required here, not imported at the top: the provider's code is serialized into the state and
  // node_modules packages must be loaded by name when it runs.
  const as = require("@aws-sdk/client-auto-scaling") as typeof AutoScaling;
  const ec2sdk = require("@aws-sdk/client-ec2") as typeof EC2;
  const autoscaling = new as.AutoScalingClient(config);
  const ec2 = new ec2sdk.EC2Client(config);
  try {
    const groups = new Map<string, AutoScaling.AutoScalingGroup>();
    const queries = [
      ...(props.asgNames.length > 0 ? [{ AutoScalingGroupNames: props.asgNames }] : []),
      { Filters: [{ Name: `tag:${props.stackTagKey}`, Values: [props.stackTagValue] }] },
    ];
    for (const query of queries) {
      for await (const page of as.paginateDescribeAutoScalingGroups(
        { client: autoscaling },
        query,
      )) {
        for (const g of page.AutoScalingGroups ?? []) groups.set(g.AutoScalingGroupName ?? "", g);
      }
    }

    // EC2 tags every instance launched from a template with the numeric version it used; users
    // cannot edit aws:* tags. The group's own per-instance record may say `$Latest`, which is
    // ambiguous once a newer version exists, so the tag wins and the record is the fallback.
    const instanceIds = [...groups.values()].flatMap((g) =>
      (g.Instances ?? []).map((i) => i.InstanceId ?? ""),
    );
    const launchedFrom = new Map<string, { id: string; version?: string }>();
    for (let i = 0; i < instanceIds.length; i += 200) {
      const Filters = [{ Name: "instance-id", Values: instanceIds.slice(i, i + 200) }];
      for await (const page of ec2sdk.paginateDescribeInstances({ client: ec2 }, { Filters })) {
        for (const inst of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
          const tags = tagRecord(inst.Tags);
          const id = tags["aws:ec2launchtemplate:id"];
          if (inst.InstanceId && id) {
            launchedFrom.set(inst.InstanceId, {
              id,
              version: tags["aws:ec2launchtemplate:version"],
            });
          }
        }
      }
    }

    const templates = new Map<string, LaunchTemplateSnapshot>();
    const tagFilter = [{ Name: `tag:${props.stackTagKey}`, Values: [props.stackTagValue] }];
    for await (const page of ec2sdk.paginateDescribeLaunchTemplates(
      { client: ec2 },
      { Filters: tagFilter },
    )) {
      for (const t of page.LaunchTemplates ?? [])
        templates.set(t.LaunchTemplateId ?? "", ltSnapshot(t));
    }
    const referenced = new Set<string>(props.launchTemplateIds);
    for (const g of groups.values()) {
      const ref = asgTemplate(g);
      if (ref) referenced.add(ref.id);
    }
    for (const id of referenced) {
      if (templates.has(id)) continue;
      try {
        const res = await ec2.send(
          new ec2sdk.DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }),
        );
        for (const t of res.LaunchTemplates ?? []) templates.set(id, ltSnapshot(t));
      } catch (err) {
        // A template deleted behind the stack's back is a finding (its instances show as
        // launched from an unknown version), not a reason to fail the whole audit.
        if ((err as { name?: string }).name !== "InvalidLaunchTemplateId.NotFound") throw err;
      }
    }

    const asgs: AsgSnapshot[] = [...groups.values()].map((g) => ({
      name: g.AutoScalingGroupName ?? "",
      launchTemplate: asgTemplate(g),
      tags: tagRecord(g.Tags),
      instances: (g.Instances ?? []).map((i) => {
        const id = i.InstanceId ?? "";
        const record = i.LaunchTemplate?.LaunchTemplateId
          ? { id: i.LaunchTemplate.LaunchTemplateId, version: i.LaunchTemplate.Version }
          : undefined;
        return { id, launchedFrom: launchedFrom.get(id) ?? record };
      }),
    }));
    return {
      stackTag: { key: props.stackTagKey, value: props.stackTagValue },
      trackedAsgNames: props.asgNames,
      trackedLaunchTemplateIds: props.launchTemplateIds,
      asgs,
      launchTemplates: [...templates.values()],
    };
  } finally {
    autoscaling.destroy();
    ec2.destroy();
  }
}

async function audit(props: FleetAuditProps): Promise<FleetAuditOutputs> {
  const report = auditFleet(await collectSnapshot(props));
  const findings = formatAuditReport(report);
  // Warnings show in the engine's output of `pulumi refresh`/`up`. Required here: capturing the
  // `pulumi` module would serialize the stack's config into the provider's state.
  const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
  for (const line of findings) await log.warn(`fleet audit: ${line}`);
  return { ...props, report, findings, clean: report.clean };
}

function inputsOf(p: FleetAuditProps): FleetAuditProps {
  const { region, endpoint, stackTagKey, stackTagValue, asgNames, launchTemplateIds } = p;
  const { profile, roleArn, credentials } = p;
  return {
    region,
    endpoint,
    profile: profile ?? "",
    roleArn: roleArn ?? "",
    // Only when set: an undefined output property cannot be serialized into the state.
    ...(credentials ? { credentials } : {}),
    stackTagKey,
    stackTagValue,
    asgNames,
    launchTemplateIds,
  };
}

/**
 * Dynamic provider of the fleet audit. It owns nothing in AWS: create, update and read all run the
 * audit, so `pulumi refresh` shows new findings as a change of `report`/`findings`.
 */
export const fleetAuditProvider: pulumi.dynamic.ResourceProvider<
  FleetAuditProps,
  FleetAuditOutputs
> = {
  async check(_olds, news) {
    return checkResult(propsSchema().safeParse(news), news);
  },
  async diff(_id, olds, news) {
    // Nothing in AWS belongs to the audit, so a changed input never needs a replacement.
    return updateOnlyDiff(Object.keys(inputsOf(news)) as (keyof FleetAuditProps)[], olds, news);
  },
  async create(inputs) {
    return { id: `${inputs.stackTagKey}=${inputs.stackTagValue}`, outs: await audit(inputs) };
  },
  async read(id, props) {
    if (!props) throw new Error(`fleet audit ${id}: read needs the recorded inputs, got none`);
    const outs = await audit(inputsOf(props));
    return { id, props: outs };
  },
  async update(_id, _olds, news) {
    return { outs: await audit(inputsOf(news)) };
  },
  async delete() {
    // The audit created nothing, so there is nothing to delete.
  },
};

/** Arguments of {@link FleetAudit}. */
export interface FleetAuditArgs {
  readonly region: pulumi.Input<string>;
  /** @default - the AWS SDK default endpoint (or AWS_ENDPOINT_URL) */
  readonly endpoint?: pulumi.Input<string>;
  /** Shared-config profile of the aws provider. @default - the SDK's default credential chain */
  readonly profile?: pulumi.Input<string>;
  /** Role the aws provider assumes. @default - none */
  readonly roleArn?: pulumi.Input<string>;
  /** The aws provider's other credential settings. @default - none: the profile or the default chain */
  readonly credentials?: pulumi.Input<ConnectionCredentials | undefined>;
  /** Value of the stack tag, `<project>/<stack>`. */
  readonly stackTagValue: pulumi.Input<string>;
  /** @default - `phoenix:stack` */
  readonly stackTagKey?: pulumi.Input<string>;
  /** Auto Scaling group names the stack tracks (the current fleet). */
  readonly asgNames: pulumi.Input<pulumi.Input<string>[]>;
  /** Launch template ids the stack tracks. */
  readonly launchTemplateIds: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Reports, on every `pulumi refresh`, instances of the tracked Auto Scaling groups that are not on the
 * group's current launch template version and tagged groups/templates the stack no longer tracks.
 */
export class FleetAudit extends pulumi.dynamic.Resource {
  declare public readonly report: pulumi.Output<AuditReport>;
  declare public readonly findings: pulumi.Output<string[]>;
  declare public readonly clean: pulumi.Output<boolean>;

  constructor(name: string, args: FleetAuditArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      fleetAuditProvider,
      name,
      {
        region: args.region,
        endpoint: args.endpoint ?? "",
        profile: args.profile ?? "",
        roleArn: args.roleArn ?? "",
        credentials: args.credentials,
        stackTagKey: args.stackTagKey ?? STACK_TAG_KEY,
        stackTagValue: args.stackTagValue,
        asgNames: args.asgNames,
        launchTemplateIds: args.launchTemplateIds,
        report: undefined,
        findings: undefined,
        clean: undefined,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.fleetAudit,
    );
  }
}
