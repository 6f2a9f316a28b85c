/**
 * The aws provider's settings that decide where and as whom AWS is called, turned into what the
 * dynamic providers use, so the fleet's own AWS calls (gate, retire, audit) reach the same account
 * and region as the resources the aws provider creates. Pure: the caller reads `aws:*` config.
 */

/** Connection settings of the dynamic providers (mirrors providers/aws/awsConnection.ts). */
export interface ProviderConnection {
  readonly region: string;
  readonly endpoint: string;
  readonly profile: string;
  readonly roleArn: string;
}

/** Raw `aws:*` stack config, as `pulumi.Config("aws")` returns it. */
export interface AwsProviderSettings {
  readonly region?: string;
  readonly profile?: string;
  readonly assumeRoles?: readonly { readonly roleArn?: string }[];
}

/**
 * The connection for a stack whose phoenix:region is `region`.
 * @throws Error naming `aws:assumeRoles` when it chains roles (the providers assume one role).
 */
export function providerConnection(region: string, aws: AwsProviderSettings): ProviderConnection {
  // Stryker disable next-line ArrayDeclaration: a stand-in entry has no roleArn, so the filter drops it
  const roles = (aws.assumeRoles ?? []).filter((r) => r.roleArn);
  if (roles.length > 1) {
    throw new Error(
      `aws:assumeRoles: the fleet's release gate, retire and audit assume one role, got a chain of ${roles.length}; ` +
        "assume the last role directly (or set aws:profile to a profile that does)",
    );
  }
  return {
    region: aws.region ?? region,
    endpoint: "",
    profile: aws.profile ?? "",
    roleArn: roles[0]?.roleArn ?? "",
  };
}
