/**
 * What every release's instances start from: their security group (the app port from the load
 * balancer only, SSH never) and the launch template (no key pair, no public IP, IMDSv2, encrypted
 * root volume). AwsFleet wires them; the release (group, target group, gate) is in releaseTraffic.ts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceHardening } from "../../lib/aws/instanceHardening";
import { TAGS } from "../../lib/core/identifiers";
import { CONTAINER_IMDS_ALLOWED } from "../../lib/guardrails/awsProductionRules";
import type { AwsStackConfig } from "../../lib/config/stackConfig";
import type { Spec } from "../../lib/spec/spec";
import type { AwsInstanceAccess } from "./awsInstanceAccess";

/** What the instance helpers of one fleet share. */
export interface FleetContext {
  readonly name: string;
  /** The parts of the fleet's arguments the instances are made from. */
  readonly args: {
    readonly spec: Spec;
    readonly config: AwsStackConfig;
    readonly specHash: string;
  };
  readonly parent: pulumi.Resource;
  readonly baseTags: Readonly<Record<string, string>>;
}

/** Tags of a fleet resource named `<fleet><suffix>`. */
export const nameTags = (ctx: FleetContext, suffix: string) => ({
  ...ctx.baseTags,
  Name: `${ctx.name}${suffix}`,
});

/** The instances' security group: the app port from the load balancer only; SSH never. */
export function instanceSecurityGroup(
  ctx: FleetContext,
  loadBalancerSecurityGroupId: pulumi.Input<string>,
): aws.ec2.SecurityGroup {
  const { name, parent } = ctx;
  const port = ctx.args.spec.app.port;
  const sg = new aws.ec2.SecurityGroup(
    `${name}-instances`,
    {
      vpcId: ctx.args.config.vpcId,
      description: "Phoenix fleet: app port from the load balancer only",
      tags: nameTags(ctx, "-instances"),
    },
    { parent },
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-app-from-lb`,
    {
      securityGroupId: sg.id,
      referencedSecurityGroupId: loadBalancerSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description: "App port from the load balancer",
      tags: nameTags(ctx, "-app-from-lb"),
    },
    { parent },
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-lb-to-app`,
    {
      securityGroupId: loadBalancerSecurityGroupId,
      referencedSecurityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description: "Load balancer to the app port",
      tags: nameTags(ctx, "-lb-to-app"),
    },
    { parent },
  );
  // Outbound stays open: instances pull from ECR, read SSM, and the app reaches its dependencies.
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-egress`,
    {
      securityGroupId: sg.id,
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "All outbound",
      tags: nameTags(ctx, "-egress"),
    },
    { parent },
  );
  return sg;
}

/**
 * The launch template every release's instances start from: no key pair, no public IP, IMDSv2,
 * encrypted root volume (lib/aws/instanceHardening.ts). `document` is every input it is made from,
 * resolved: the release id is derived from all of it, so no change to the template (which replaces
 * the group) can skip the gate.
 */
export function launchTemplate(
  ctx: FleetContext,
  input: {
    readonly securityGroupId: pulumi.Input<string>;
    readonly access: AwsInstanceAccess;
    readonly userData: pulumi.Output<string>;
  },
): { template: aws.ec2.LaunchTemplate; document: pulumi.Output<Record<string, unknown>> } {
  const args = launchTemplateArgs(ctx, input);
  const template = new aws.ec2.LaunchTemplate(`${ctx.name}-lt`, args, { parent: ctx.parent });
  return { template, document: pulumi.output(args) as pulumi.Output<Record<string, unknown>> };
}

function launchTemplateArgs(
  ctx: FleetContext,
  input: {
    readonly securityGroupId: pulumi.Input<string>;
    readonly access: AwsInstanceAccess;
    readonly userData: pulumi.Output<string>;
  },
): aws.ec2.LaunchTemplateArgs {
  const { config, specHash, spec } = ctx.args;
  // Only spec-derived tags go into the instances' tag specifications: those are part of the
  // launch template version, and a new version replaces the ASG.
  const instanceTags = { [TAGS.specHash]: specHash, Name: ctx.name };
  const rootDeviceName = aws.ec2.getAmiOutput(
    { filters: [{ name: "image-id", values: [config.amiId] }] },
    { parent: ctx.parent },
  ).rootDeviceName;
  return {
    imageId: config.amiId,
    instanceType: config.instanceType,
    iamInstanceProfile: { arn: input.access.instanceProfileArn },
    ...instanceHardening({
      securityGroupId: input.securityGroupId,
      rootDeviceName,
      kmsKeyId: config.kmsKeyId,
      containerInstanceMetadata: spec.runtime.containerInstanceMetadata,
    }),
    // Stryker disable next-line StringLiteral: Buffer.from falls back to utf8 for an unknown encoding name
    userData: input.userData.apply((text) => Buffer.from(text, "utf8").toString("base64")),
    updateDefaultVersion: true,
    tagSpecifications: [
      { resourceType: "instance", tags: instanceTags },
      { resourceType: "volume", tags: instanceTags },
    ],
    // The opt-in is recorded where the policy pack checks the hop limit.
    tags: {
      ...nameTags(ctx, "-lt"),
      ...(spec.runtime.containerInstanceMetadata
        ? { [TAGS.containerImds]: CONTAINER_IMDS_ALLOWED }
        : {}),
    },
  };
}
