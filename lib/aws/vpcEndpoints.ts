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
