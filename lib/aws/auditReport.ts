/**
 * Fleet audit for the aws target, as pure functions over a snapshot of what AWS reports.
 *
 * Two kinds of drift break the immutable pattern without Pulumi noticing on its own:
 * - instances of a tracked Auto Scaling group that were launched from another launch template (version)
 *   than the one the group now uses: the group's config changed but its instances were never replaced;
 * - Auto Scaling groups or launch templates tagged with this stack that the stack no longer tracks:
 *   leftovers of a failed rollout that keep costing money and serving an old image.
 */

import { TAGS } from "../core/identifiers";

/** Tag key that marks an AWS resource as belonging to one Pulumi stack; value `<project>/<stack>`. */
export const STACK_TAG_KEY = TAGS.stack;

/** A launch template reference as the Auto Scaling API reports it (version may be `$Latest`/`$Default`). */
export interface LaunchTemplateRef {
  readonly id: string;
  readonly version?: string;
}

/** One instance of an Auto Scaling group, with the launch template it was actually launched from. */
export interface InstanceSnapshot {
  readonly id: string;
  /** Launch template id + numeric version the instance was launched from, when AWS says. */
  readonly launchedFrom?: LaunchTemplateRef;
}

/** An Auto Scaling group as seen through DescribeAutoScalingGroups. */
export interface AsgSnapshot {
  readonly name: string;
  /** From LaunchTemplate or MixedInstancesPolicy; undefined for a launch-configuration group. */
  readonly launchTemplate?: LaunchTemplateRef;
  readonly instances: readonly InstanceSnapshot[];
  readonly tags: Readonly<Record<string, string>>;
}

/** A launch template as seen through DescribeLaunchTemplates. */
export interface LaunchTemplateSnapshot {
  readonly id: string;
  readonly name: string;
  readonly latestVersion: number;
  readonly defaultVersion: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** Everything the audit needs: what the stack tracks and what AWS holds. */
export interface AuditInput {
  readonly stackTag: { readonly key: string; readonly value: string };
  /** Auto Scaling group names the stack's state currently holds. */
  readonly trackedAsgNames: readonly string[];
  /** Launch template ids the stack's state currently holds. */
  readonly trackedLaunchTemplateIds: readonly string[];
  /** Tracked groups plus every group carrying the stack tag. */
  readonly asgs: readonly AsgSnapshot[];
  /** Every launch template referenced by those groups plus every one carrying the stack tag. */
  readonly launchTemplates: readonly LaunchTemplateSnapshot[];
}

/** An instance that does not run the launch template version its group now uses. */
export interface OutdatedInstance {
  readonly instanceId: string;
  readonly asgName: string;
  /** Where it was launched from, e.g. `lt-0abc v1`, or `unknown`. */
  readonly launchedFrom: string;
  /** What the group uses now, e.g. `lt-0abc v2`. */
  readonly expected: string;
}

/** A resource carrying the stack tag that the stack no longer tracks. */
export interface UntrackedResource {
  readonly id: string;
  readonly name: string;
}

/** The audit's findings; every list is sorted so two reads of the same situation compare equal. */
export interface AuditReport {
  readonly outdatedInstances: OutdatedInstance[];
  readonly untrackedAsgs: UntrackedResource[];
  readonly untrackedLaunchTemplates: UntrackedResource[];
  /** Tracked group names that AWS no longer has (deleted behind the stack's back). */
  readonly missingAsgs: string[];
  /** True when every list is empty. */
  readonly clean: boolean;
}

/**
 * Resolves a launch template version as the Auto Scaling API stores it (`"3"`, `"$Latest"`,
 * `"$Default"` or absent, which means `$Default`) to a number, or undefined when unknown.
 */
export function resolveVersion(
  version: string | undefined,
  template: LaunchTemplateSnapshot | undefined,
): number | undefined {
  if (version === undefined || version === "" || version === "$Default") {
    return template?.defaultVersion;
  }
  if (version === "$Latest") return template?.latestVersion;
  return numericVersion(version);
}

function numericVersion(version: string | undefined): number | undefined {
  const n = Number(version);
  return version !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function describeRef(id: string, version: number | string | undefined): string {
  if (version === undefined) return `${id} (version unknown)`;
  return typeof version === "number" ? `${id} v${version}` : `${id} version ${version}`;
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function outdatedIn(
  asg: AsgSnapshot,
  templates: ReadonlyMap<string, LaunchTemplateSnapshot>,
): OutdatedInstance[] {
  const current = asg.launchTemplate;
  const expectedVersion = current
    ? resolveVersion(current.version, templates.get(current.id))
    : undefined;
  const expected = current
    ? describeRef(current.id, expectedVersion)
    : "a launch template (the group has none)";
  const out: OutdatedInstance[] = [];
  for (const instance of asg.instances) {
    const from = instance.launchedFrom;
    // Only a number says which version an instance got: `$Latest` as recorded at launch time
    // meant whatever was latest then, not now.
    const fromVersion = from ? numericVersion(from.version) : undefined;
    const upToDate =
      current !== undefined &&
      from !== undefined &&
      from.id === current.id &&
      fromVersion !== undefined &&
      fromVersion === expectedVersion;
    if (!upToDate) {
      out.push({
        instanceId: instance.id,
        asgName: asg.name,
        launchedFrom: from ? describeRef(from.id, fromVersion ?? from.version) : "unknown",
        expected,
      });
    }
  }
  return out;
}

/** Computes the audit report from a snapshot; pure and deterministic. */
export function auditFleet(input: AuditInput): AuditReport {
  const templates = new Map(input.launchTemplates.map((t) => [t.id, t]));
  const trackedAsgs = new Set(input.trackedAsgNames);
  const trackedTemplates = new Set(input.trackedLaunchTemplateIds);
  const { key, value } = input.stackTag;
  const asgsByName = new Map(input.asgs.map((a) => [a.name, a]));

  const outdatedInstances = [...trackedAsgs]
    .sort()
    .flatMap((name) => {
      const asg = asgsByName.get(name);
      return asg ? outdatedIn(asg, templates) : [];
    })
    .sort((a, b) =>
      a.asgName === b.asgName
        ? a.instanceId.localeCompare(b.instanceId)
        : a.asgName.localeCompare(b.asgName),
    );

  const untrackedAsgs = input.asgs
    .filter((a) => a.tags[key] === value && !trackedAsgs.has(a.name))
    .map((a) => ({ id: a.name, name: a.name }))
    .sort(byName);
  const untrackedLaunchTemplates = input.launchTemplates
    .filter((t) => t.tags[key] === value && !trackedTemplates.has(t.id))
    .map((t) => ({ id: t.id, name: t.name }))
    .sort(byName);
  const missingAsgs = [...trackedAsgs].filter((n) => !asgsByName.has(n)).sort();

  return {
    outdatedInstances,
    untrackedAsgs,
    untrackedLaunchTemplates,
    missingAsgs,
    clean:
      outdatedInstances.length === 0 &&
      untrackedAsgs.length === 0 &&
      untrackedLaunchTemplates.length === 0 &&
      missingAsgs.length === 0,
  };
}

/** One line per finding, each saying what is wrong and what to do about it. */
export function formatAuditReport(report: AuditReport): string[] {
  const lines: string[] = [];
  for (const i of report.outdatedInstances) {
    lines.push(
      `instance ${i.instanceId} of ${i.asgName} runs ${i.launchedFrom}, the group uses ${i.expected}: ` +
        "run `pulumi up` to replace the fleet (or start an instance refresh)",
    );
  }
  for (const a of report.untrackedAsgs) {
    lines.push(
      `auto scaling group ${a.name} is tagged with this stack but not tracked by it ` +
        "(left by a failed rollout?): delete it once nothing routes to it",
    );
  }
  for (const t of report.untrackedLaunchTemplates) {
    lines.push(
      `launch template ${t.id} (${t.name}) is tagged with this stack but not tracked by it: delete it`,
    );
  }
  for (const n of report.missingAsgs) {
    lines.push(
      `auto scaling group ${n} is tracked by the stack but missing in AWS: run \`pulumi refresh\` then \`pulumi up\``,
    );
  }
  return lines;
}
