/**
 * How every fleet instance is locked down, as launch template settings. Pure: the component passes
 * its security group and the AMI's root device in and spreads the result into the launch template.
 *
 * - No public IP, whatever the subnet's "auto-assign public IP" says: the one network interface
 *   sets `associatePublicIpAddress: "false"` (the instances live in private subnets and are
 *   reached through the load balancer only).
 * - IMDSv2 only, hop limit 1: a container (one network hop further away than the host) cannot
 *   reach the instance role's credentials. A spec that needs them sets
 *   `runtime.containerInstanceMetadata: true`, which raises the limit to 2.
 * - The root volume encrypted, with the account's default EBS key or `kmsKeyId`.
 */

/** Launch template settings of a fleet instance; `S` is the security group id's type. */
export interface InstanceHardening<S, D> {
  readonly networkInterfaces: {
    readonly deviceIndex: number;
    readonly associatePublicIpAddress: "false";
    readonly deleteOnTermination: "true";
    readonly securityGroups: S[];
  }[];
  readonly metadataOptions: {
    readonly httpEndpoint: "enabled";
    readonly httpTokens: "required";
    readonly httpPutResponseHopLimit: 1 | 2;
  };
  readonly blockDeviceMappings: {
    readonly deviceName: D;
    readonly ebs: {
      readonly encrypted: "true";
      readonly kmsKeyId?: string;
      readonly volumeType: "gp3";
      readonly deleteOnTermination: "true";
    };
  }[];
}

/** Inputs of {@link instanceHardening}. */
export interface InstanceHardeningInput<S, D> {
  /** The instances' security group. */
  readonly securityGroupId: S;
  /** The AMI's root device name (e.g. /dev/xvda), so the mapping replaces the root volume. */
  readonly rootDeviceName: D;
  /** A KMS key ARN for the volumes. @default - the account's default EBS key (aws/ebs) */
  readonly kmsKeyId?: string;
  /** The spec's `runtime.containerInstanceMetadata`. @default - false: hop limit 1 */
  readonly containerInstanceMetadata?: boolean;
}

/** Launch template settings: private network interface, IMDSv2 hop limit 1, encrypted root volume. */
export function instanceHardening<S, D>(
  input: InstanceHardeningInput<S, D>,
): InstanceHardening<S, D> {
  return {
    networkInterfaces: [
      {
        deviceIndex: 0,
        associatePublicIpAddress: "false",
        deleteOnTermination: "true",
        securityGroups: [input.securityGroupId],
      },
    ],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: input.containerInstanceMetadata ? 2 : 1,
    },
    blockDeviceMappings: [
      {
        deviceName: input.rootDeviceName,
        ebs: {
          encrypted: "true",
          ...(input.kmsKeyId ? { kmsKeyId: input.kmsKeyId } : {}),
          volumeType: "gp3",
          deleteOnTermination: "true",
        },
      },
    ],
  };
}
