import { z } from "zod";
import { Issue, ValidationError, show } from "../core/errors";
import {
  AWS_PRODUCTION_KEYS,
  REPLACED_KEYS,
  awsProductionFields,
  awsProductionIssues,
} from "./awsProductionConfig";
import { CONFIG_NAMESPACE, int, setHint, text, toList, toMapping, toNumber } from "./configFields";
import { RolloutSchema } from "../rollout/policy";
import {
  ECR_REPOSITORY_URL_EXAMPLE,
  ECR_REPOSITORY_URL_RE,
  IMAGE_SOURCES,
} from "../core/identifiers";

/**
 * The stack config schema (namespace `phoenix`) for both targets, validated with zod. Pure: the
 * caller reads raw values with `pulumi.Config` and passes them in as strings or parsed JSON.
 */

export { CONFIG_NAMESPACE };

/** Keys every target accepts. */
export const COMMON_KEYS = ["target", "spec", "desiredCount", "keepImages", "rollout"] as const;
/** Keys only the local target accepts. */
export const LOCAL_KEYS = ["frontDoorPort", "instances"] as const;
/** Keys only the aws target accepts. */
export const AWS_KEYS = [
  "region",
  "vpcId",
  ...AWS_PRODUCTION_KEYS,
  "instanceType",
  "amiId",
  "minSize",
  "maxSize",
  "healthCheckGracePeriodSeconds",
  "imageSource",
  "imageRepository",
  "pullAccountIds",
] as const;
/** Every non-secret key, for callers that read them one by one with `pulumi.Config.get`. */
export const STACK_CONFIG_KEYS = [...COMMON_KEYS, ...LOCAL_KEYS, ...AWS_KEYS] as const;

/**
 * How the local target runs instances: plain containers (restart policy "always"), or one-replica
 * Docker Swarm services (also rescheduled after `docker kill`; needs a swarm manager).
 */
export const LOCAL_INSTANCE_KINDS = ["containers", "services"] as const;
/** How the local target runs instances. */
export type LocalInstanceKind = (typeof LOCAL_INSTANCE_KINDS)[number];

/** Fleet targets. */
export const TARGETS = ["local", "aws"] as const;
/** A fleet target. */
export type Target = (typeof TARGETS)[number];

/** Secret values (`pulumi config set --secret DB_PASSWORD ...`) are UPPER_CASE and not part of this schema. */
const SECRET_KEY = /^[A-Z][A-Z0-9_]*$/;

const specPath = z
  .string({ error: "must be a path to the image spec, relative to the project root" })
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\u0000-\u001f\u007f]+\.ya?ml$/, {
    error:
      "must be a relative path to a .yaml file inside the project, without '..', e.g. images/web.yaml",
  });

const common = {
  spec: specPath.default("images/web.yaml"),
  desiredCount: int("desiredCount", 1, 100, "3").default(3),
  rollout: RolloutSchema.optional(),
};

const CommonSchema = z.object({
  target: z.undefined(),
  ...common,
  keepImages: int("keepImages", 1, 1000, "10").optional(),
});

const LocalSchema = z.object({
  target: z.literal("local"),
  ...common,
  keepImages: int("keepImages", 1, 100, "5").default(5),
  rollout: RolloutSchema.refine((r) => r.alarms.length === 0, {
    path: ["alarms"],
    error:
      "only applies to target aws (CloudWatch alarms); the local target judges the front door's " +
      `own counters: remove it with \`pulumi config rm --path ${CONFIG_NAMESPACE}:rollout.alarms\``,
  }).optional(),
  frontDoorPort: int("frontDoorPort", 1, 65535, "8080").default(8080),
  instances: z
    .enum(LOCAL_INSTANCE_KINDS, {
      error: `must be ${LOCAL_INSTANCE_KINDS.join(" or ")}`,
    })
    .default("containers"),
});

const amiId = z
  .string({
    error: (iss) =>
      iss.input === undefined
        ? `required; ${setHint("amiId", "ami-0123456789abcdef0")}`
        : "must be an AMI id",
  })
  .regex(/^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, {
    error: (iss) =>
      `must be a pinned AMI id like ami-0123456789abcdef0${
        typeof iss.input === "string" && /latest|resolve:ssm|\*/.test(iss.input)
          ? " (look the AMI up once and pin its id, so the fleet only changes when you change it)"
          : ""
      }`,
  });

const AwsSchema = z
  .object({
    target: z.literal("aws"),
    ...common,
    keepImages: int("keepImages", 1, 1000, "10").default(10),
    region: text(
      "region",
      /^[a-z]{2}(?:-[a-z]+)+-\d+$/,
      "an AWS region like eu-west-1",
      "eu-west-1",
    ),
    vpcId: text(
      "vpcId",
      /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/,
      "a VPC id like vpc-0123456789abcdef0",
      "vpc-0123456789abcdef0",
    ),
    ...awsProductionFields,
    instanceType: text(
      "instanceType",
      /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
      "an EC2 instance type like t3.small",
      "t3.small",
    ).default("t3.small"),
    amiId,
    minSize: int("minSize", 0, 1000, "3").optional(),
    maxSize: int("maxSize", 1, 1000, "6").optional(),
    healthCheckGracePeriodSeconds: int("healthCheckGracePeriodSeconds", 0, 7200, "120").default(
      120,
    ),
    // build: look the spec's tag up in ECR, build and push only when missing; promote: deploy the
    // image the stack owning imageRepository built, never build.
    imageSource: z
      .enum(IMAGE_SOURCES, { error: `must be ${IMAGE_SOURCES.join(" or ")}` })
      .default("build"),
    imageRepository: text(
      "imageRepository",
      ECR_REPOSITORY_URL_RE,
      `an ECR repository URL like ${ECR_REPOSITORY_URL_EXAMPLE} (the building stack's repositoryUrl output)`,
      ECR_REPOSITORY_URL_EXAMPLE,
    ).optional(),
    // Accounts whose stacks may pull this stack's images (a repository policy; pull only).
    pullAccountIds: z
      .preprocess(
        toList,
        z
          .array(
            text("pullAccountIds", /^\d{12}$/, "a 12-digit AWS account id like 210987654321", ""),
            {
              error: "must be a list of 12-digit AWS account ids",
            },
          )
          .refine((ids) => new Set(ids).size === ids.length, "must not repeat an account"),
      )
      .default([]),
  })
  .transform((c) => ({
    ...c,
    minSize: c.minSize ?? c.desiredCount,
    maxSize: c.maxSize ?? c.desiredCount,
  }));
/** Stack config of the local target (Docker Engine on this machine). */
export type LocalStackConfig = z.output<typeof LocalSchema>;
/** Stack config of the aws target (ECR + launch template + ASG + ALB). */
export type AwsStackConfig = z.output<typeof AwsSchema>;
/** Stack config, discriminated on `target`. */
export type StackConfig = LocalStackConfig | AwsStackConfig;

function keyPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  return `${CONFIG_NAMESPACE}:${String(head)}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

function valueAt(values: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let v: unknown = values[String(path[0])];
  if (path.length > 1) v = toList(toMapping(v));
  for (const p of path.slice(1)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** minSize <= desiredCount <= maxSize, checked outside zod so it is reported next to other problems. */
function sizeIssues(values: Record<string, unknown>): Issue[] {
  const n = (key: string): number | undefined => {
    const v = toNumber(values[key]);
    return typeof v === "number" && Number.isInteger(v) ? v : undefined;
  };
  const desired = values.desiredCount === undefined ? 3 : n("desiredCount");
  const issues: Issue[] = [];
  if (desired === undefined || desired < 1 || desired > 100) return issues; // reported by the schema
  const min = n("minSize");
  const max = n("maxSize");
  if (min !== undefined && min > desired) {
    issues.push({
      path: `${CONFIG_NAMESPACE}:minSize`,
      message: `must be at most desiredCount (${desired}), got ${min}`,
    });
  }
  if (max !== undefined && max < desired) {
    issues.push({
      path: `${CONFIG_NAMESPACE}:maxSize`,
      message: `must be at least desiredCount (${desired}), got ${max}`,
    });
  }
  return issues;
}

/** imageRepository goes with imageSource promote, and only with it. */
function promoteIssues(values: Record<string, unknown>): Issue[] {
  const path = `${CONFIG_NAMESPACE}:imageRepository`;
  const promote = values.imageSource === "promote";
  if (promote && values.imageRepository === undefined) {
    const example = '"$(pulumi stack output repositoryUrl -s <building stack>)"';
    return [
      {
        path,
        message: `required with imageSource promote; ${setHint("imageRepository", example)}`,
      },
    ];
  }
  const repoRegion =
    typeof values.imageRepository === "string"
      ? /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/.exec(values.imageRepository)?.[1]
      : undefined;
  if (promote && repoRegion && typeof values.region === "string" && repoRegion !== values.region) {
    // The boot script logs in to ECR in the stack's region, and the retire tags the live image
    // there: a repository in another region fails both on every release.
    return [
      {
        path,
        message:
          `must be in the stack's region ${values.region}, got a repository in ${repoRegion}; ` +
          `promote from a building stack in ${values.region}, or replicate the repository there ` +
          "(ECR cross-Region replication) and set imageRepository to the replica",
      },
    ];
  }
  if (!promote && values.imageRepository !== undefined) {
    return [
      {
        path,
        message:
          "only applies with imageSource promote (a building stack creates its own repository); " +
          `remove it with \`pulumi config rm ${path}\` or set ${CONFIG_NAMESPACE}:imageSource promote`,
      },
    ];
  }
  return [];
}

/**
 * The keys of the `phoenix` namespace in Pulumi's whole stack config (`pulumi.runtime.allConfig()`),
 * as parseStackConfig takes them; secret values (UPPER_CASE names) are left out.
 */
export function namespaceConfig(all: Readonly<Record<string, string>>): Record<string, string> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(all).filter(
      ([k]) => k.startsWith(prefix) && !SECRET_KEY.test(k.slice(prefix.length)),
    ),
  );
}

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length];
}

/** The known key a typo most likely meant: within 2 edits (or a third of its length), else none. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 3));
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (d <= limit && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

/**
 * Validate raw stack config. Keys may be bare (`desiredCount`) or namespaced (`phoenix:desiredCount`);
 * keys of other namespaces (`aws:region`) and UPPER_CASE secret names are ignored; any other unknown
 * key, or a key of the other target, is an error.
 * @throws ValidationError listing every problem, each with its config key, e.g.
 *   `phoenix:albSubnetIds: needs at least 2 subnets in different AZs for the load balancer, got 1`.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const values: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [fullKey, value] of Object.entries(raw)) {
    const ns = fullKey.includes(":") ? fullKey.slice(0, fullKey.indexOf(":")) : CONFIG_NAMESPACE;
    const key = fullKey.includes(":") ? fullKey.slice(fullKey.indexOf(":") + 1) : fullKey;
    if (ns !== CONFIG_NAMESPACE || SECRET_KEY.test(key) || value === undefined || value === null)
      continue;
    values[key] = value;
  }

  const target = values.target;
  if (target !== "local" && target !== "aws") {
    issues.push({
      path: `${CONFIG_NAMESPACE}:target`,
      message: `${target === undefined ? "required" : `must be local or aws, got ${show(target)}`}; ${setHint("target", "local")}`,
    });
  }
  const allowed: readonly string[] =
    target === "local"
      ? [...COMMON_KEYS, ...LOCAL_KEYS]
      : target === "aws"
        ? [...COMMON_KEYS, ...AWS_KEYS]
        : STACK_CONFIG_KEYS;
  for (const key of Object.keys(values)) {
    if (allowed.includes(key)) continue;
    const other = (LOCAL_KEYS as readonly string[]).includes(key)
      ? "local"
      : (AWS_KEYS as readonly string[]).includes(key)
        ? "aws"
        : undefined;
    const near = nearestKey(key, STACK_CONFIG_KEYS);
    issues.push({
      path: `${CONFIG_NAMESPACE}:${key}`,
      message: REPLACED_KEYS[key]
        ? REPLACED_KEYS[key]
        : other
          ? `only applies to target ${other}, this stack's target is ${String(target)}; remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:${key}\``
          : `unknown key${near ? `; did you mean ${CONFIG_NAMESPACE}:${near}?` : ""} (known: ${allowed.join(", ")})`,
    });
    delete values[key];
  }

  let parsed: StackConfig | undefined;
  // With no usable target, still check the keys every target shares, so one run reports everything.
  const schema = target === "local" ? LocalSchema : target === "aws" ? AwsSchema : CommonSchema;
  const result = schema.safeParse(
    target === "local" || target === "aws" ? values : { ...values, target: undefined },
  );
  if (result.success) {
    if (result.data.target !== undefined) parsed = result.data;
  } else {
    for (const iss of result.error.issues) {
      const bad = valueAt(values, iss.path);
      const quiet =
        bad === undefined || iss.code === "unrecognized_keys" || iss.message.includes(", got ");
      const shown = quiet ? "" : `, got ${show(bad)}`;
      issues.push({ path: keyPath(iss.path), message: `${iss.message}${shown}` });
    }
  }
  if (target === "aws")
    issues.push(...sizeIssues(values), ...promoteIssues(values), ...awsProductionIssues(values));
  if (issues.length > 0 || parsed === undefined) throw new ValidationError(issues);
  return parsed;
}
