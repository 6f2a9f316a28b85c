import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_TAG_KEY } from "../../lib/aws/release";
import { AwsStackConfig } from "../../lib/config/stackConfig";
import { releaseResourceOptions } from "./releaseTraffic";

/** Arguments of {@link releaseGroup}. */
export interface ReleaseGroupArgs {
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly config: Pick<
    AwsStackConfig,
    "minSize" | "maxSize" | "desiredCount" | "instanceSubnetIds" | "healthCheckGracePeriodSeconds"
  >;
  /**
   * The instance subnets, checked against the load balancer's zones.
   * @default - config.instanceSubnetIds as they are
   */
  readonly instanceSubnetIds?: pulumi.Input<string[]>;
  /** The release's own target group. */
  readonly targetGroupArn: pulumi.Input<string>;
  readonly release: pulumi.Input<string>;
  /** Tags propagated to the instances (plus phoenix:release). */
  readonly tags: Readonly<Record<string, string>>;
  /** A duration like "10m"; validated by the caller ("0" would turn the wait off). */
  readonly waitForCapacityTimeout: string;
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The Auto Scaling group of one release, named `<name>-<release>-<suffix>`, on the launch template's
 * latest version. It counts as created only once `desiredCount` instances pass its target group's
 * health check (ELB capacity wait); it is replaced on every release and retained on delete (the
 * retire deletes it once another release serves).
 */
export function releaseGroup(
  name: string,
  args: ReleaseGroupArgs,
  parent: pulumi.Resource,
): aws.autoscaling.Group {
  const { config } = args;
  return new aws.autoscaling.Group(
    name,
    {
      namePrefix: pulumi.interpolate`${name}-${args.release}-`,
      launchTemplate: {
        id: args.launchTemplate.id,
        version: args.launchTemplate.latestVersion.apply((v) => String(v)),
      },
      minSize: config.minSize,
      maxSize: config.maxSize,
      desiredCapacity: config.desiredCount,
      vpcZoneIdentifiers: args.instanceSubnetIds ?? [...config.instanceSubnetIds],
      targetGroupArns: [args.targetGroupArn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: config.healthCheckGracePeriodSeconds,
      waitForElbCapacity: config.desiredCount,
      minElbCapacity: config.desiredCount,
      waitForCapacityTimeout: args.waitForCapacityTimeout,
      tags: [
        ...Object.entries(args.tags).map(([key, value]) => ({
          key,
          value,
          propagateAtLaunch: true,
        })),
        { key: RELEASE_TAG_KEY, value: args.release, propagateAtLaunch: true },
      ],
    },
    {
      parent,
      dependsOn: args.dependsOn,
      replaceOnChanges: ["launchTemplate"],
      ...releaseResourceOptions(args.release),
    },
  );
}
