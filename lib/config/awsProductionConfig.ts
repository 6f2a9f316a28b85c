import { z } from "zod";
import { Issue } from "../core/errors";
import { CONFIG_NAMESPACE, setHint, subnetList, text, toBoolean, toList } from "./configFields";

/**
 * The aws target's production keys: where the load balancer and the instances live, TLS, how long
 * logs are kept, the EBS key and the VPC endpoints for private instances. Pure: schemas and
 * cross-key checks that `parseStackConfig` reports next to every other problem.
 */

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const PARTITION = "aws(?:-cn|-us-gov)?";
const CERTIFICATE_ARN = new RegExp(
  `^arn:${PARTITION}:acm:([a-z0-9-]+):\\d{12}:certificate/[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$`,
);
const KMS_KEY_ARN = new RegExp(
  `^arn:${PARTITION}:kms:([a-z0-9-]+):\\d{12}:(?:key/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})|alias/[A-Za-z0-9/_-]+)$`,
);
const ROUTE_TABLE_ID = /^rtb-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Keys of this module, in the order the README lists them. */
export const AWS_PRODUCTION_KEYS = [
  "albSubnetIds",
  "instanceSubnetIds",
  "certificateArn",
  "logRetentionDays",
  "kmsKeyId",
  "vpcEndpoints",
  "instanceRouteTableIds",
  "candidateSourceCidrs",
  "protectFrontDoor",
] as const;

/** An IPv4 or IPv6 CIDR block. */
const CIDR =
  /^(?:(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(?:3[0-2]|[12]?\d)|[0-9a-fA-F]*:[0-9a-fA-F:]*\/(?:12[0-8]|1[01]\d|[1-9]?\d))$/;

/**
 * Comparison strings an ALB rule condition takes ("up to three comparison strings per condition and
 * up to five per rule", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html).
 */
export const MAX_CANDIDATE_SOURCE_CIDRS = 3;

/** Keys that no longer exist, with what replaced them. */
export const REPLACED_KEYS: Readonly<Record<string, string>> = {
  subnetIds:
    "replaced by albSubnetIds (public subnets, at least 2 AZs, for the load balancer) and " +
    "instanceSubnetIds (private subnets for the instances); set both and remove it with " +
    `\`pulumi config rm ${CONFIG_NAMESPACE}:subnetIds\``,
};

/** zod fields of the production keys, spread into the aws schema. */
export const awsProductionFields = {
  albSubnetIds: subnetList("albSubnetIds", 2, "in different AZs for the load balancer"),
  instanceSubnetIds: subnetList("instanceSubnetIds", 1, "(private) for the instances"),
  certificateArn: text(
    "certificateArn",
    CERTIFICATE_ARN,
    "an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>",
    "",
  ).optional(),
  logRetentionDays: z
    .preprocess(
      (v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
      z.union(
        LOG_RETENTION_DAYS.map((d) => z.literal(d)),
        {
          error: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
        },
      ),
    )
    .default(30),
  kmsKeyId: text(
    "kmsKeyId",
    KMS_KEY_ARN,
    "a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<uuid> (or an alias ARN)",
    "",
  ).optional(),
  vpcEndpoints: z
    .preprocess(toBoolean, z.boolean({ error: "must be true or false" }))
    .default(false),
  instanceRouteTableIds: z
    .preprocess(
      toList,
      z
        .array(
          text(
            "instanceRouteTableIds",
            ROUTE_TABLE_ID,
            "a route table id like rtb-0123456789abcdef0",
            "",
          ),
          { error: "must be a list of route table ids" },
        )
        .min(1, "needs at least 1 route table (of the instance subnets) for the S3 endpoint"),
    )
    .optional(),
  // Who may reach a candidate release through the X-Phoenix-Release header before it serves.
  candidateSourceCidrs: z
    .preprocess(
      toList,
      z
        .array(
          text(
            "candidateSourceCidrs",
            CIDR,
            "a CIDR block like 203.0.113.0/24 or 2001:db8::/56",
            "",
          ),
          { error: "must be a list of CIDR blocks" },
        )
        .max(MAX_CANDIDATE_SOURCE_CIDRS, {
          error: (iss) =>
            `takes at most ${MAX_CANDIDATE_SOURCE_CIDRS} CIDR blocks (an ALB rule condition ` +
            `compares at most 3 values), got ${Array.isArray(iss.input) ? iss.input.length : 0}`,
        }),
    )
    .default([]),
  // Refuse, at preview, any change that would delete or replace the load balancer (its DNS name).
  protectFrontDoor: z
    .preprocess(toBoolean, z.boolean({ error: "must be true or false" }))
    .default(false),
};

/** The values of these keys after parsing. */
export type AwsProductionConfig = {
  readonly [K in keyof typeof awsProductionFields]: z.output<(typeof awsProductionFields)[K]>;
};

const listOf = (v: unknown): string[] => {
  const l = toList(v);
  return Array.isArray(l) ? l.filter((s): s is string => typeof s === "string") : [];
};

/** Checks across keys: private subnets apart from public ones, ARNs in the stack's region, endpoints. */
export function awsProductionIssues(values: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const at = (key: string) => `${CONFIG_NAMESPACE}:${key}`;
  const shared = listOf(values.instanceSubnetIds).filter((s) =>
    listOf(values.albSubnetIds).includes(s),
  );
  if (shared.length > 0) {
    issues.push({
      path: at("instanceSubnetIds"),
      message:
        `must not share subnets with albSubnetIds (instances go in private subnets, the load ` +
        `balancer in public ones), got ${shared.join(", ")} in both`,
    });
  }
  for (const [key, re] of [
    ["certificateArn", CERTIFICATE_ARN],
    ["kmsKeyId", KMS_KEY_ARN],
  ] as const) {
    const m = typeof values[key] === "string" ? re.exec(values[key] as string) : null;
    if (m && typeof values.region === "string" && m[1] !== values.region) {
      issues.push({
        path: at(key),
        message: `must be in the stack's region ${values.region}, got one in ${m[1]}; create or import it in ${values.region}`,
      });
    }
  }
  const endpoints = toBoolean(values.vpcEndpoints) === true;
  if (endpoints && values.instanceRouteTableIds === undefined) {
    issues.push({
      path: at("instanceRouteTableIds"),
      message:
        "required with vpcEndpoints true (the S3 gateway endpoint ECR layers come from is added " +
        `to these route tables); ${setHint("instanceRouteTableIds", "'[\"rtb-…\"]'")}`,
    });
  }
  if (!endpoints && values.instanceRouteTableIds !== undefined) {
    issues.push({
      path: at("instanceRouteTableIds"),
      message:
        "only applies with vpcEndpoints true; remove it with " +
        `\`pulumi config rm ${at("instanceRouteTableIds")}\` or set ${at("vpcEndpoints")} true`,
    });
  }
  return issues;
}
