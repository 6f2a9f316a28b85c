import * as pulumi from "@pulumi/pulumi";
import { LoadedSpec } from "../../lib/spec/spec";
import { AwsStackConfig } from "../../lib/config/stackConfig";
import { FleetAudit } from "../../providers/aws/awsAudit";
import { AwsFleet } from "./awsFleet";
import { awsProviderConnection } from "./awsRelease";
import { ImmutableImage } from "./immutableImage";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";

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
  /** A value for every name in the spec's `secrets:` (stack config secrets). */
  readonly secretValues: Record<string, pulumi.Output<string>>;
  /** Git commit of the checkout: an image label and a tag, never a reason to rebuild or replace. */
  readonly gitCommit: string;
}

/**
 * The aws target: the spec's image in ECR, found by its spec-hash tag or built and pushed once, and
 * a fleet of EC2 instances running it BY DIGEST behind a stable ALB, with a new ASG for every release.
 */
export class AwsTarget extends pulumi.ComponentResource {
  /** Hash of the spec the fleet runs. */
  readonly specHash: string;
  /** `<version>-<hash12>`. */
  readonly imageTag: string;
  /** `<repository>@sha256:<digest>`: what every instance runs. */
  readonly imageRef: pulumi.Output<string>;
  /** False when the registry already had the spec's image and nothing was built. */
  readonly built: pulumi.Output<boolean>;
  /** Name of the current ASG (a new one per release). */
  readonly asgName: pulumi.Output<string>;
  /** The ALB's URL, stable across releases. */
  readonly url: pulumi.Output<string>;
  /** What the last refresh found wrong with the fleet (empty when clean). */
  readonly auditFindings: pulumi.Output<string[]>;
  /** Git commit of the checkout: an output and the image's revision label, never a resource tag. */
  readonly gitCommit: string;

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
      },
      { parent: this },
    );
    const connection = awsProviderConnection(config.region);
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
        ...connection,
        stackTagValue: `${pulumi.getProject()}/${pulumi.getStack()}`,
        asgNames: [fleet.asgName],
        launchTemplateIds: [fleet.launchTemplateId],
      },
      { parent: this, dependsOn: [fleet.retired] },
    );
    this.specHash = args.specHash;
    this.imageTag = image.imageTag;
    this.imageRef = image.imageRef;
    this.built = image.built;
    this.asgName = fleet.asgName;
    this.url = fleet.url;
    this.auditFindings = audit.findings;
    this.gitCommit = args.gitCommit;
    this.registerOutputs({
      specHash: this.specHash,
      imageTag: this.imageTag,
      imageRef: this.imageRef,
      built: this.built,
      asgName: this.asgName,
      url: this.url,
      auditFindings: this.auditFindings,
      gitCommit: this.gitCommit,
    });
  }
}
