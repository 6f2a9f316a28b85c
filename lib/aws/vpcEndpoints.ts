/**
 * The VPC endpoints a private fleet instance needs when the VPC has no NAT gateway: everything the
 * boot script and the Docker daemon talk to. Pure: the component creates one endpoint per entry.
 *
 * - ECR API (`ecr.api`: the login token) and ECR Docker (`ecr.dkr`: manifests);
 * - S3, a gateway endpoint on the instance subnets' route tables (ECR serves image layers from S3);
 * - SSM (the stack's secrets at boot);
 * - CloudWatch Logs (`logs`: the awslogs driver and the boot log).
 */

/** One endpoint: its logical-name suffix, AWS service name and kind. */
export interface VpcEndpointPlan {
  readonly suffix: string;
  readonly serviceName: string;
  readonly type: "Interface" | "Gateway";
}

/** Services the instances reach, in creation order. */
export const ENDPOINT_SERVICES = [
  { service: "ecr.api", type: "Interface" },
  { service: "ecr.dkr", type: "Interface" },
  { service: "s3", type: "Gateway" },
  { service: "ssm", type: "Interface" },
  { service: "logs", type: "Interface" },
] as const;

/** The endpoints of a region (China regions name services `cn.com.amazonaws.<region>.<service>`). */
export function vpcEndpointPlan(region: string): VpcEndpointPlan[] {
  const prefix = region.startsWith("cn-") ? "cn.com.amazonaws" : "com.amazonaws";
  return ENDPOINT_SERVICES.map(({ service, type }) => ({
    suffix: `-${service.replace(".", "-")}`,
    serviceName: `${prefix}.${region}.${service}`,
    type,
  }));
}

/** The VPC as ec2 DescribeVpcs (aws.ec2.getVpc) reports it: what its endpoints' clients need. */
export interface VpcSnapshot {
  readonly id: string;
  readonly cidrBlockAssociations: readonly { readonly cidrBlock: string; readonly state: string }[];
  readonly ipv6CidrBlock?: string;
  readonly enableDnsSupport: boolean;
  readonly enableDnsHostnames: boolean;
}

/**
 * Who the interface endpoints must admit: every address of the VPC. With private DNS, the service
 * names (ecr, ssm, logs) resolve to the endpoints for everything in the VPC, not only this fleet
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html,
 * PrivateDnsEnabled: "Indicates whether to associate a private hosted zone with the specified VPC.
 * The private hosted zone contains a record set for the default public DNS name for the service for
 * the Region ..., which resolves to the private IP addresses of the endpoint network interfaces in
 * the VPC"); admitting only the fleet would cut every other client in the VPC off those services.
 */
export function endpointClientCidrs(vpc: VpcSnapshot): { ipv4: string[]; ipv6: string[] } {
  return {
    ipv4: vpc.cidrBlockAssociations
      .filter((a) => a.state === "associated" || a.state === "available")
      .map((a) => a.cidrBlock)
      .sort(),
    ipv6: vpc.ipv6CidrBlock ? [vpc.ipv6CidrBlock] : [],
  };
}

/**
 * Why the VPC cannot use interface endpoints with private DNS, or undefined: both DNS attributes
 * must be on ("To use a private hosted zone, you must set the following VPC attributes to true:
 * enableDnsHostnames and enableDnsSupport", CreateVpcEndpoint, as above).
 */
export function privateDnsProblem(vpc: VpcSnapshot): string | undefined {
  const off = (["enableDnsSupport", "enableDnsHostnames"] as const).filter((k) => !vpc[k]);
  if (off.length === 0) return undefined;
  return (
    `phoenix:vpcEndpoints: VPC ${vpc.id} has ${off.join(" and ")} off, which interface endpoints ` +
    `with private DNS need; turn ${off.length > 1 ? "them" : "it"} on (aws ec2 modify-vpc-attribute ` +
    `--vpc-id ${vpc.id} --${off[0] === "enableDnsSupport" ? "enable-dns-support" : "enable-dns-hostnames"}) ` +
    "or set phoenix:vpcEndpoints false and give the instances a NAT gateway"
  );
}
