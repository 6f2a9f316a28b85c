import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import { vpcEndpointPlan } from "../../lib/aws/vpcEndpoints";

/** Arguments of {@link AwsVpcEndpoints}. */
export interface AwsVpcEndpointsArgs {
  readonly vpcId: string;
  readonly region: string;
  /** The instances' private subnets: the interface endpoints get a network interface in each. */
  readonly subnetIds: readonly string[];
  /** The private subnets' route tables: the S3 gateway endpoint adds its route to them. */
  readonly routeTableIds: readonly string[];
  /** The instances' security group: the only source the endpoints admit (HTTPS). */
  readonly instanceSecurityGroupId: pulumi.Input<string>;
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * VPC endpoints for private instances without a NAT gateway (phoenix:vpcEndpoints): ECR api and
 * dkr, SSM and CloudWatch Logs as interface endpoints with private DNS (the AWS CLI and Docker
 * reach them under their usual names), S3 as a gateway endpoint, and a security group admitting
 * HTTPS from the fleet's instances only.
 */
export class AwsVpcEndpoints extends pulumi.ComponentResource {
  /** Id of each endpoint, by service suffix (e.g. `-ecr-api`). */
  readonly endpointIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: AwsVpcEndpointsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsVpcEndpoints, name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => ({ ...args.tags, Name: `${name}${suffix}` });
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "Phoenix VPC endpoints: HTTPS from the fleet",
        tags: tags("-sg"),
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-https-from-fleet`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: args.instanceSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS from the fleet's instances",
        tags: tags("-https-from-fleet"),
      },
      parent,
    );
    this.endpointIds = {};
    for (const e of vpcEndpointPlan(args.region)) {
      const endpoint = new aws.ec2.VpcEndpoint(
        `${name}${e.suffix}`,
        e.type === "Gateway"
          ? {
              vpcId: args.vpcId,
              serviceName: e.serviceName,
              vpcEndpointType: "Gateway",
              routeTableIds: [...args.routeTableIds],
              tags: tags(e.suffix),
            }
          : {
              vpcId: args.vpcId,
              serviceName: e.serviceName,
              vpcEndpointType: "Interface",
              privateDnsEnabled: true,
              subnetIds: [...args.subnetIds],
              securityGroupIds: [sg.id],
              tags: tags(e.suffix),
            },
        parent,
      );
      this.endpointIds[e.suffix] = endpoint.id;
    }
    this.registerOutputs({ endpointIds: this.endpointIds });
  }
}
