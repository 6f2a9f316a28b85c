import { describe, expect, it } from "vitest";
import {
  auditFleet,
  formatAuditReport,
  resolveVersion,
  type AsgSnapshot,
  type AuditInput,
  type LaunchTemplateSnapshot,
} from "../../../../lib/aws/auditReport";

const STACK = { key: "phoenix:stack", value: "phoenix/dev" };
const ours = { "phoenix:stack": "phoenix/dev" };
const lt = (
  id: string,
  latest: number,
  def: number,
  tags: Record<string, string> = ours,
): LaunchTemplateSnapshot => ({
  id,
  name: `name-${id}`,
  latestVersion: latest,
  defaultVersion: def,
  tags,
});
const asg = (name: string, over: Partial<AsgSnapshot> = {}): AsgSnapshot => ({
  name,
  launchTemplate: { id: "lt-1", version: "2" },
  instances: [],
  tags: ours,
  ...over,
});
const input = (over: Partial<AuditInput>): AuditInput => ({
  stackTag: STACK,
  trackedAsgNames: ["web"],
  trackedLaunchTemplateIds: ["lt-1"],
  asgs: [],
  launchTemplates: [lt("lt-1", 2, 1)],
  ...over,
});

describe("resolveVersion", () => {
  it("resolves $Latest, $Default and an absent version through the template", () => {
    const t = lt("lt-1", 5, 3);
    expect(resolveVersion("$Latest", t)).toBe(5);
    expect(resolveVersion("$Default", t)).toBe(3);
    expect(resolveVersion(undefined, t)).toBe(3);
    expect(resolveVersion("4", t)).toBe(4);
  });

  it("returns undefined when the version cannot be known", () => {
    expect(resolveVersion("$Latest", undefined)).toBeUndefined();
    expect(resolveVersion("v2", lt("lt-1", 2, 1))).toBeUndefined();
    expect(resolveVersion("0", lt("lt-1", 2, 1))).toBeUndefined();
  });
});

describe("auditFleet", () => {
  it("is clean when every instance runs the group's current version", () => {
    const report = auditFleet(
      input({
        asgs: [
          asg("web", { instances: [{ id: "i-1", launchedFrom: { id: "lt-1", version: "2" } }] }),
        ],
      }),
    );
    expect(report.clean).toBe(true);
    expect(formatAuditReport(report)).toEqual([]);
  });

  it("resolves the group's $Latest before comparing", () => {
    const report = auditFleet(
      input({
        asgs: [
          asg("web", {
            launchTemplate: { id: "lt-1", version: "$Latest" },
            instances: [
              { id: "i-new", launchedFrom: { id: "lt-1", version: "2" } },
              { id: "i-old", launchedFrom: { id: "lt-1", version: "1" } },
            ],
          }),
        ],
      }),
    );
    expect(report.outdatedInstances).toEqual([
      { instanceId: "i-old", asgName: "web", launchedFrom: "lt-1 v1", expected: "lt-1 v2" },
    ]);
  });

  it("flags instances from another template, of unknown origin, or with a symbolic version", () => {
    const report = auditFleet(
      input({
        asgs: [
          asg("web", {
            instances: [
              { id: "i-c", launchedFrom: { id: "lt-0", version: "2" } },
              { id: "i-a" },
              { id: "i-b", launchedFrom: { id: "lt-1", version: "$Latest" } },
            ],
          }),
        ],
      }),
    );
    expect(report.outdatedInstances.map((o) => [o.instanceId, o.launchedFrom])).toEqual([
      ["i-a", "unknown"],
      ["i-b", "lt-1 version $Latest"],
      ["i-c", "lt-0 v2"],
    ]);
  });

  it("reports tagged groups and templates the stack does not track, and only those", () => {
    const report = auditFleet(
      input({
        asgs: [
          asg("web"),
          asg("web-old"),
          asg("prod-web", { tags: { "phoenix:stack": "phoenix/prod" } }),
          asg("untagged", { tags: {} }),
        ],
        launchTemplates: [lt("lt-1", 2, 1), lt("lt-0", 1, 1), lt("lt-9", 1, 1, {})],
      }),
    );
    expect(report.untrackedAsgs).toEqual([{ id: "web-old", name: "web-old" }]);
    expect(report.untrackedLaunchTemplates).toEqual([{ id: "lt-0", name: "name-lt-0" }]);
    expect(report.clean).toBe(false);
  });

  it("reports a tracked group that AWS no longer has", () => {
    const report = auditFleet(input({ asgs: [] }));
    expect(report.missingAsgs).toEqual(["web"]);
    expect(formatAuditReport(report)[0]).toMatch(/^auto scaling group web is tracked .* missing/);
  });

  it("flags every instance of a group without a launch template", () => {
    const report = auditFleet(
      input({
        asgs: [asg("web", { launchTemplate: undefined, instances: [{ id: "i-1" }] })],
      }),
    );
    expect(report.outdatedInstances[0]?.expected).toBe("a launch template (the group has none)");
  });
});

describe("formatAuditReport", () => {
  it("says what is wrong and what to do for each finding", () => {
    const lines = formatAuditReport(
      auditFleet(
        input({
          asgs: [
            asg("web", { instances: [{ id: "i-1", launchedFrom: { id: "lt-1", version: "1" } }] }),
            asg("web-old"),
          ],
          launchTemplates: [lt("lt-1", 2, 1), lt("lt-0", 1, 1)],
        }),
      ),
    );
    expect(lines).toEqual([
      "instance i-1 of web runs lt-1 v1, the group uses lt-1 v2: run `pulumi up` to replace the fleet (or start an instance refresh)",
      "auto scaling group web-old is tagged with this stack but not tracked by it (left by a failed rollout?): delete it once nothing routes to it",
      "launch template lt-0 (name-lt-0) is tagged with this stack but not tracked by it: delete it",
    ]);
  });
});
