/**
 * docs/aws-deploy-role.md's policy allows every AWS SDK command Phoenix's providers call, and its
 * table names every resource type the aws components create: the page cannot fall behind the code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..", "..");
const PAGE = fs.readFileSync(path.join(ROOT, "docs", "aws-deploy-role.md"), "utf8");

/** IAM's service prefix of each AWS SDK v3 client package the providers use. */
const PREFIX: Readonly<Record<string, string>> = {
  "auto-scaling": "autoscaling",
  cloudwatch: "cloudwatch",
  ec2: "ec2",
  ecr: "ecr",
  "elastic-load-balancing-v2": "elasticloadbalancing",
};

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

function policy(): { Version: string; Statement: Statement[] } {
  const json = /```json\n([\s\S]*?)\n```/.exec(PAGE)?.[1];
  expect(json, "a ```json block").toBeDefined();
  return JSON.parse(json!);
}

/** True when an action pattern of the policy (with `*` wildcards) covers `action`. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(
    action,
  );

function allowed(action: string): boolean {
  return policy().Statement.some(
    (s) => s.Effect === "Allow" && [s.Action].flat().some((p) => covers(p, action)),
  );
}

/** Every `<prefix>:<Operation>` the files under `dir` call through an AWS SDK v3 client. */
function sdkActions(dir: string): string[] {
  const actions = new Set<string>();
  for (const file of fs.readdirSync(path.join(ROOT, dir))) {
    if (!file.endsWith(".ts")) continue;
    const text = fs.readFileSync(path.join(ROOT, dir, file), "utf8");
    for (const m of text.matchAll(/(\w+)\s*[:=]\s*require\("@aws-sdk\/client-([a-z0-9-]+)"\)/g)) {
      const [, alias, client] = m;
      const prefix = PREFIX[client];
      expect(prefix, `${file}: IAM prefix of @aws-sdk/client-${client}`).toBeDefined();
      const calls = new RegExp(`\\b${alias}\\.(?:paginate(\\w+)\\(|(\\w+)Command\\()`, "g");
      for (const c of text.matchAll(calls)) actions.add(`${prefix}:${c[1] ?? c[2]}`);
    }
  }
  return [...actions].sort();
}

describe("docs/aws-deploy-role.md", () => {
  it("holds a policy document IAM takes: version, and Sid, Effect, Action, Resource on each statement", () => {
    const doc = policy();
    expect(doc.Version).toBe("2012-10-17");
    for (const s of doc.Statement) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe("Allow");
      for (const a of [s.Action].flat()) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
      expect([s.Resource].flat().length).toBeGreaterThan(0);
    }
  });

  it("allows every AWS SDK command the gate, the retire, the live tag and the audit call", () => {
    const actions = sdkActions("providers/aws");
    expect(actions).toEqual(
      expect.arrayContaining([
        "cloudwatch:GetMetricData",
        "cloudwatch:DescribeAlarms",
        "elasticloadbalancing:ModifyRule",
        "autoscaling:DeleteAutoScalingGroup",
        "ecr:BatchDeleteImage",
        "elasticloadbalancing:DescribeTargetHealth",
        "ec2:DescribeInstances",
      ]),
    );
    expect(actions.filter((a) => !allowed(a))).toEqual([]);
  });

  it("allows what the aws provider's lookups and the image push call", () => {
    const lookups = ["sts:GetCallerIdentity", "ec2:DescribeImages", "ecr:GetAuthorizationToken"];
    const push = ["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"];
    const launch = ["ec2:RunInstances", "iam:PassRole"];
    expect([...lookups, ...push, ...launch, "ecr:PutImage"].filter((a) => !allowed(a))).toEqual([]);
  });

  it("lists every resource type the aws components create", () => {
    const types = new Set<string>();
    const dir = path.join(ROOT, "components", "aws");
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      for (const m of text.matchAll(/new (aws\.[a-z0-9]+\.[A-Za-z]+)\(/g)) types.add(m[1]);
    }
    expect(types.size).toBeGreaterThan(10);
    expect([...types].filter((t) => !PAGE.includes(`\`${t}\``)).sort()).toEqual([]);
  });
});
