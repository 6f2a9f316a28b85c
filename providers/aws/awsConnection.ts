import type * as Creds from "@aws-sdk/credential-providers";
import type { ConnectionCredentials } from "../../lib/aws/providerConnection";

/**
 * Where and as whom the dynamic providers call AWS: the same region, profile and assumed role as the
 * stack's aws provider (see `awsProviderConnection` in components/aws/releaseTraffic.ts), so an audit
 * or a retire never acts on another account than the one the stack deploys to. It is stored in the
 * state with the resource: when `credentials` holds `aws:secretKey` or `aws:token`, the caller
 * passes the whole connection as a secret Output, so the state keeps it encrypted.
 */
export interface AwsConnection {
  region: string;
  /** Custom AWS API endpoint (an emulator); empty = the SDK default (honours AWS_ENDPOINT_URL). */
  endpoint: string;
  /** Shared-config profile (`aws:profile`); empty = the SDK's default credential chain. */
  profile: string;
  /** Role to assume (`aws:assumeRoles[0].roleArn`); empty = none. */
  roleArn: string;
  /**
   * The provider's static keys, shared files and the assumed role's other fields.
   * @default - none of them: the profile, or the SDK's default chain
   */
  credentials?: ConnectionCredentials;
}

/** A target group ARN (the gate's and the retire's inputs). */
export const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:\S+:targetgroup\/\S+$/;

/** Zod shape of {@link AwsConnection}, built when needed (providers are serialized by value). */
export function connectionShape() {
  const { z } = require("zod") as typeof import("zod");
  return {
    region: z.string().min(1, "region: must name an AWS region, e.g. us-east-1"),
    endpoint: z.string().refine((e) => e === "" || /^https?:\/\/\S+$/.test(e), {
      message: "endpoint: must be empty or an http(s) URL, e.g. http://127.0.0.1:5000",
    }),
    profile: z.string(),
    roleArn: z
      .string()
      .refine((r) => r === "" || /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(r), {
        message:
          "roleArn: must be empty or an IAM role ARN, e.g. arn:aws:iam::123456789012:role/deploy",
      }),
    credentials: z
      .object({
        accessKey: z.string(),
        secretKey: z.string(),
        token: z.string(),
        sharedCredentialsFile: z.string(),
        sharedConfigFile: z.string(),
        externalId: z.string(),
        sessionName: z.string(),
        durationSeconds: z.number().int().min(0),
        policy: z.string(),
        policyArns: z.array(z.string()),
        tags: z.record(z.string(), z.string()),
        transitiveTagKeys: z.array(z.string()),
        sourceIdentity: z.string(),
      })
      .optional(),
  };
}

/** Where the base credentials (before any role) come from, in the aws provider's order. */
export type CredentialSource =
  | { kind: "static"; accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | { kind: "ini"; profile?: string; filepath?: string; configFilepath?: string }
  | { kind: "default" };

/**
 * The base credentials of a connection: static keys from the provider config first, then the
 * profile and shared files, else the SDK's default chain (environment, files, SSO, instance role),
 * the order the aws provider documents for its own credentials.
 */
export function credentialSource(c: AwsConnection): CredentialSource {
  const k = c.credentials;
  if (k?.accessKey) {
    return {
      kind: "static",
      accessKeyId: k.accessKey,
      secretAccessKey: k.secretKey,
      ...(k.token ? { sessionToken: k.token } : {}),
    };
  }
  if (c.profile || k?.sharedCredentialsFile || k?.sharedConfigFile) {
    return {
      kind: "ini",
      ...(c.profile ? { profile: c.profile } : {}),
      ...(k?.sharedCredentialsFile ? { filepath: k.sharedCredentialsFile } : {}),
      ...(k?.sharedConfigFile ? { configFilepath: k.sharedConfigFile } : {}),
    };
  }
  return { kind: "default" };
}

/** STS AssumeRole parameters of a connection's role (every `aws:assumeRoles[0]` field), or none. */
export function assumeRoleParams(c: AwsConnection):
  | {
      RoleArn: string;
      RoleSessionName: string;
      ExternalId?: string;
      DurationSeconds?: number;
      Policy?: string;
      PolicyArns?: { arn: string }[];
      Tags?: { Key: string; Value: string }[];
      TransitiveTagKeys?: string[];
      SourceIdentity?: string;
    }
  | undefined {
  if (!c.roleArn) return undefined;
  const k = c.credentials;
  const tags = Object.entries(k?.tags ?? {});
  return {
    RoleArn: c.roleArn,
    RoleSessionName: k?.sessionName || "phoenix-release",
    ...(k?.externalId ? { ExternalId: k.externalId } : {}),
    ...(k?.durationSeconds ? { DurationSeconds: k.durationSeconds } : {}),
    ...(k?.policy ? { Policy: k.policy } : {}),
    ...(k?.policyArns.length ? { PolicyArns: k.policyArns.map((arn) => ({ arn })) } : {}),
    ...(tags.length ? { Tags: tags.map(([Key, Value]) => ({ Key, Value })) } : {}),
    ...(k?.transitiveTagKeys.length ? { TransitiveTagKeys: [...k.transitiveTagKeys] } : {}),
    ...(k?.sourceIdentity ? { SourceIdentity: k.sourceIdentity } : {}),
  };
}

/**
 * SDK client config for a connection. Called inside each provider method: clients and credential
 * providers are never captured in a provider's serialized closure.
 */
export function clientConfig(c: AwsConnection): {
  region: string;
  endpoint?: string;
  credentials?: ReturnType<typeof Creds.fromIni>;
} {
  const creds = require("@aws-sdk/credential-providers") as typeof Creds;
  const base = { region: c.region, ...(c.endpoint ? { endpoint: c.endpoint } : {}) };
  const source = credentialSource(c);
  let credentials: ReturnType<typeof Creds.fromIni> | undefined;
  if (source.kind === "static") {
    const { kind: _kind, ...keys } = source;
    credentials = () => Promise.resolve(keys);
  } else if (source.kind === "ini") {
    const { kind: _kind, ...init } = source;
    credentials = creds.fromIni(init);
  }
  const params = assumeRoleParams(c);
  if (params) {
    credentials = creds.fromTemporaryCredentials({
      params,
      ...(credentials ? { masterCredentials: credentials } : {}),
      clientConfig: base,
    });
  }
  return { ...base, ...(credentials ? { credentials } : {}) };
}

/** Reads `{ Key, Value }[]` tags into a record. */
export function tagRecord(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

/** Resolves after `ms` milliseconds; the providers wait on AWS conditions with deadlines. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A zod-style parse result: the parsed inputs, or the issues found. */
type Parsed<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };

/** A dynamic provider's check: the inputs as the schema parsed them, or one failure per problem. */
export function checkResult<T>(
  parsed: Parsed<T>,
  news: unknown,
): { inputs: T } | { failures: { property: string; reason: string }[] } {
  return parsed.success
    ? { inputs: parsed.data }
    : { failures: checkFailures(parsed.error.issues, news) };
}

/**
 * The diff of a provider that owns nothing in AWS (gate, retire, audit): any changed input among
 * `keys` is an update, never a replacement, so the state it holds survives every change.
 */
export function updateOnlyDiff<T>(
  keys: readonly (keyof T)[],
  olds: T,
  news: T,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: false } {
  const changes = keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  return { changes, replaces: [], deleteBeforeReplace: false };
}

/** Formats zod issues as dynamic-provider check failures, each naming its property and value. */
export function checkFailures(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  news: unknown,
): { property: string; reason: string }[] {
  return issues.map((i) => ({
    property: String(i.path[0] ?? ""),
    reason: `${i.message} (got ${JSON.stringify(
      i.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], news),
    )})`,
  }));
}
