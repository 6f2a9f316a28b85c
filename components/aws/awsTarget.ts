import * as pulumi from "@pulumi/pulumi";
import { LoadedSpec } from "../../lib/spec/spec";
import { AwsStackConfig } from "../../lib/config/stackConfig";
import { FleetAudit } from "../../providers/aws/awsAudit";
import { AwsFleet } from "./awsFleet";
import { awsProviderConnection } from "./awsProviderConnection";
import { warnCrossAccountPromotion } from "./fleetChecks";
import { ImmutableImage } from "./immutableImage";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import type { StackOutputs, Target } from "../outputs";

/** Arguments of {@link AwsTarget}. */
export interface AwsTargetArgs {
  /** The loaded, validated image spec of the app. */
  readonly loaded: LoadedSpec;
  /** specHash(loaded). */
  readonly specHash: string;
  /** renderDockerfile(loaded, specHash). */
  readonly dockerfile: string;
  /** The stack's config (target aws). */
  readonly config: AwsStackConfig;
  /** Each name in the spec's `secrets:` -> its stack secret, undefined when not set (reported, all at once). */
  readonly secretValues: Readonly<Record<string, pulumi.Output<string> | undefined>>;
  /** Git commit of the checkout: the image's revision label and an output, never a resource tag. */
  readonly gitCommit: string;
}

/**
 * The aws target: the spec's image in ECR, found by its spec-hash tag or built and pushed once, and
 * a fleet of EC2 instances running it BY DIGEST behind a stable ALB, with a new ASG for every release.
 */
export class AwsTarget extends pulumi.ComponentResource implements Target {
  /** What the stack exports (see StackOutputs). */
  readonly outputs: StackOutputs;

  constructor(name: string, args: AwsTargetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsTarget, name, {}, opts);
    const { loaded, config } = args;
    const image = new ImmutableImage(
      name,
      {
        loaded,
        specHash: args.specHash,
        dockerfile: args.dockerfile,
        keepImages: config.keepImages,
        gitCommit: args.gitCommit,
        source: config.imageSource,
        repositoryUrl: config.imageRepository,
        pullAccountIds: config.pullAccountIds,
      },
      { parent: this },
    );
    const connection = awsProviderConnection(config.region, this);
    if (config.imageSource === "promote") warnCrossAccountPromotion(config.imageRepository, this);
    const fleet = new AwsFleet(
      `${name}-fleet`,
      {
        spec: loaded.spec,
        specHash: args.specHash,
        imageRef: image.imageRef,
        config,
        secretValues: args.secretValues,
        connection,
      },
      { parent: this },
    );
    // On `pulumi refresh`: instances off the current launch template version, and groups or templates
    // tagged with this stack that it no longer tracks (left behind by a failed rollout). It runs
    // after the retire, so what this `up` replaces is gone by then and never reported.
    const audit = new FleetAudit(
      `${name}-audit`,
      {
        region: connection.region,
        endpoint: connection.endpoint,
        profile: connection.profile,
        roleArn: connection.roleArn,
        credentials: connection.credentials,
        stackTagValue: `${pulumi.getProject()}/${pulumi.getStack()}`,
        asgNames: [fleet.asgName],
        launchTemplateIds: [fleet.launchTemplateId],
      },
      { parent: this, dependsOn: [fleet.retired] },
    );
    this.outputs = {
      specHash: args.specHash,
      imageTag: image.imageTag,
      imageRef: image.imageRef,
      built: image.built,
      fleetName: fleet.asgName,
      url: fleet.url,
      gitCommit: args.gitCommit,
      auditFindings: audit.findings,
      repositoryUrl: image.repositoryUrl,
      rollout: fleet.rollout,
    };
    this.registerOutputs({ ...this.outputs });
  }
}
