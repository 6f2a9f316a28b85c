/**
 * The aws provider's settings that decide where and as whom AWS is called, turned into what the
 * dynamic providers use, so the fleet's own AWS calls (gate, retire, audit) reach the same account
 * and region, with the same credentials, as the resources the aws provider creates. Pure: the caller
 * reads `aws:*` config.
 *
 * Followed: `aws:region`, `aws:profile`, `aws:accessKey`, `aws:secretKey`, `aws:token`,
 * `aws:sharedCredentialsFiles`, `aws:sharedConfigFiles` (one file each), and one `aws:assumeRoles`
 * entry with all of its fields (roleArn, externalId, sessionName, duration, policy, policyArns,
 * tags, transitiveTagKeys, sourceIdentity). Every other setting that changes where or as whom the
 * provider calls AWS is refused by name (see {@link UNSUPPORTED_SETTINGS}): the gate, the retire and
 * the audit would otherwise call with the SDK's default chain, possibly another account.
 */

/** Credentials of the dynamic providers besides the profile and the role ARN. "" / 0 / [] = unset. */
export interface ConnectionCredentials {
  /** `aws:accessKey`. */
  readonly accessKey: string;
  /** `aws:secretKey`: a secret; the caller passes it on as a secret Output only. */
  readonly secretKey: string;
  /** `aws:token` (session token): a secret, as `secretKey`. */
  readonly token: string;
  /** `aws:sharedCredentialsFiles[0]`. */
  readonly sharedCredentialsFile: string;
  /** `aws:sharedConfigFiles[0]`. */
  readonly sharedConfigFile: string;
  /** The fields of `aws:assumeRoles[0]` besides roleArn. */
  readonly externalId: string;
  readonly sessionName: string;
  /** `duration` in seconds; 0 = STS's default (1 hour). */
  readonly durationSeconds: number;
  readonly policy: string;
  readonly policyArns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity: string;
}

/** Connection settings of the dynamic providers (mirrors providers/aws/awsConnection.ts). */
export interface ProviderConnection {
  readonly region: string;
  readonly endpoint: string;
  readonly profile: string;
  readonly roleArn: string;
  readonly credentials: ConnectionCredentials;
}

/** One `aws:assumeRoles` entry, as `pulumi.Config("aws").getObject` returns it. */
export interface AssumeRoleSettings {
  readonly roleArn?: string;
  readonly externalId?: string;
  readonly sessionName?: string;
  readonly duration?: string;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
}

/** Raw `aws:*` stack config, as `pulumi.Config("aws")` returns it (secrets as plain text here). */
export interface AwsProviderSettings {
  readonly region?: string;
  readonly profile?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly token?: string;
  readonly sharedCredentialsFiles?: readonly string[];
  readonly sharedConfigFiles?: readonly string[];
  readonly assumeRoles?: readonly AssumeRoleSettings[];
  /** Any of {@link UNSUPPORTED_SETTINGS}, as set (undefined when not). */
  readonly unsupported?: Readonly<Record<string, unknown>>;
}

/**
 * `aws:*` settings that change where or as whom the aws provider calls AWS and that the release
 * gate, the retire and the audit cannot follow: each is refused by name at preview, with the fix.
 */
export const UNSUPPORTED_SETTINGS: Readonly<Record<string, string>> = {
  assumeRoleWithWebIdentity:
    "web identity federation is not followed by the release gate, retire and audit; " +
    "use aws:assumeRoles (or a profile with web_identity_token_file in a shared config file)",
  endpoints:
    "custom service endpoints are not followed by the release gate, retire and audit, which " +
    "would call the real AWS endpoints; remove it",
  stsRegion:
    "the gate, retire and audit call STS in the stack's region; remove it (or set aws:region)",
  useFipsEndpoint:
    "the gate, retire and audit do not call FIPS endpoints; remove it or set it false",
  useDualstackEndpoint:
    "the gate, retire and audit do not call dual-stack endpoints; remove it or set it false",
  customCaBundle:
    "the gate, retire and audit verify AWS with the default CA bundle; remove it (or set " +
    "AWS_CA_BUNDLE in the environment of `pulumi up`, which both follow)",
  ec2MetadataServiceEndpoint:
    "the gate, retire and audit use the default instance metadata endpoint; remove it",
  httpProxy:
    "set HTTP_PROXY in the environment of `pulumi up` instead, which both follow; remove it",
  httpsProxy:
    "set HTTPS_PROXY in the environment of `pulumi up` instead, which both follow; remove it",
};

/** Seconds of a Go duration ("1h", "15m", "3600s", "1h30m"), as the provider reads `duration`. */
function goDurationSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === "") return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** What the stack's `aws:*` settings ask for that the connection cannot do, each naming its key. */
export function connectionProblems(aws: AwsProviderSettings): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(aws.unsupported ?? {})) {
    if (value === undefined || value === false || value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    problems.push(`aws:${key}: ${UNSUPPORTED_SETTINGS[key] ?? "not supported"}`);
  }
  // Stryker disable next-line ArrayDeclaration: a stand-in entry has no roleArn, so the filter drops it
  const roles = (aws.assumeRoles ?? []).filter((r) => r.roleArn);
  if (roles.length > 1) {
    problems.push(
      `aws:assumeRoles: the fleet's release gate, retire and audit assume one role, got a chain of ${roles.length}; ` +
        "assume the last role directly (or set aws:profile to a profile that does)",
    );
  }
  const duration = roles[0]?.duration;
  const seconds = duration === undefined ? 0 : goDurationSeconds(duration);
  if (seconds === undefined || (seconds !== 0 && (seconds < 900 || seconds > 43200))) {
    problems.push(
      `aws:assumeRoles[0].duration: must be a duration from 15m to 12h like 1h or 3600s, got ${JSON.stringify(duration)}`,
    );
  }
  for (const key of ["sharedCredentialsFiles", "sharedConfigFiles"] as const) {
    if ((aws[key] ?? []).length > 1) {
      problems.push(
        `aws:${key}: the gate, retire and audit read one file, got ${aws[key]?.length}; ` +
          "merge the profiles into one file",
      );
    }
  }
  if (Boolean(aws.accessKey) !== Boolean(aws.secretKey)) {
    const missing = aws.accessKey ? "secretKey" : "accessKey";
    problems.push(
      `aws:${missing}: required with aws:${missing === "secretKey" ? "accessKey" : "secretKey"}; ` +
        `set it with \`pulumi config set${missing === "secretKey" ? " --secret" : ""} aws:${missing} ...\``,
    );
  }
  if (aws.token && !aws.accessKey) {
    problems.push("aws:token: a session token goes with aws:accessKey and aws:secretKey; set them");
  }
  return problems;
}

/**
 * The connection for a stack whose phoenix:region is `region`.
 * @throws Error listing every problem of {@link connectionProblems}, one line each.
 */
export function providerConnection(region: string, aws: AwsProviderSettings): ProviderConnection {
  const problems = connectionProblems(aws);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const role = (aws.assumeRoles ?? []).find((r) => r.roleArn) ?? {};
  return {
    region: aws.region ?? region,
    endpoint: "",
    profile: aws.profile ?? "",
    roleArn: role.roleArn ?? "",
    credentials: {
      accessKey: aws.accessKey ?? "",
      secretKey: aws.secretKey ?? "",
      token: aws.token ?? "",
      sharedCredentialsFile: aws.sharedCredentialsFiles?.[0] ?? "",
      sharedConfigFile: aws.sharedConfigFiles?.[0] ?? "",
      externalId: role.externalId ?? "",
      sessionName: role.sessionName ?? "",
      durationSeconds: role.duration ? (goDurationSeconds(role.duration) ?? 0) : 0,
      policy: role.policy ?? "",
      policyArns: [...(role.policyArns ?? [])],
      tags: { ...(role.tags ?? {}) },
      transitiveTagKeys: [...(role.transitiveTagKeys ?? [])],
      sourceIdentity: role.sourceIdentity ?? "",
    },
  };
}

/** True when the credentials hold a secret (`aws:secretKey` or `aws:token`). */
export function hasSecretCredentials(c: ConnectionCredentials): boolean {
  return c.secretKey !== "" || c.token !== "";
}
