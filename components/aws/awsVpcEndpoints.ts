import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import {
  endpointClientCidrs,
  privateDnsProblem,
  vpcEndpointPlan,
} from "../../lib/aws/vpcEndpoints";

/** Arguments of {@link AwsVpcEndpoints}. */
export interface AwsVpcEndpointsArgs {
  readonly vpcId: string;
  readonly region: string;
  /** The instances' private subnets: the interface endpoints get a network interface in each. */
  readonly subnetIds: readonly string[];
  /** The private subnets' route tables: the S3 gateway endpoint adds its route to them. */
  readonly routeTableIds: readonly string[];
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * VPC endpoints for private instances without a NAT gateway (phoenix:vpcEndpoints): ECR api and
 * dkr, SSM and CloudWatch Logs as interface endpoints with private DNS (the AWS CLI and Docker
 * reach them under their usual names), S3 as a gateway endpoint, and a security group admitting
 * HTTPS from the whole VPC: private DNS points every client in the VPC at these endpoints, not only
 * this fleet (lib/aws/vpcEndpoints.ts). One stack per VPC creates them: a second set with private DNS
 * in the same VPC fails (Route 53 ConflictingDomainExists: "The VPC that you specified is already
 * associated with another hosted zone that has the same name"); other stacks in the VPC set
 * vpcEndpoints false and use these.
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
        description: "Phoenix VPC endpoints: HTTPS from the VPC",
        tags: tags("-sg"),
      },
      parent,
    );
    const vpc = aws.ec2.getVpcOutput({ id: args.vpcId }, parent).apply((v) => {
      const snapshot = {
        id: v.id,
        cidrBlockAssociations: v.cidrBlockAssociations,
        ipv6CidrBlock: v.ipv6CidrBlock,
        enableDnsSupport: v.enableDnsSupport,
        enableDnsHostnames: v.enableDnsHostnames,
      };
      const problem = privateDnsProblem(snapshot);
      if (problem) throw new pulumi.ResourceError(`AwsVpcEndpoints ${name}: ${problem}`, this);
      return endpointClientCidrs(snapshot);
    });
    // One rule with every block of the VPC: how many blocks there are is known only from the lookup.
    const fromVpc = new aws.ec2.SecurityGroupRule(
      `${name}-https-from-vpc`,
      {
        type: "ingress",
        securityGroupId: sg.id,
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrBlocks: vpc.ipv4,
        ipv6CidrBlocks: vpc.ipv6,
        description: "HTTPS from the VPC (private DNS sends all of it here)",
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
        { ...parent, dependsOn: [fromVpc] },
      );
      this.endpointIds[e.suffix] = endpoint.id;
    }
    this.registerOutputs({ endpointIds: this.endpointIds });
  }
}
