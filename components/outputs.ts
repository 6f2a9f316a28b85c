import * as pulumi from "@pulumi/pulumi";
import type { RolloutRecord } from "../lib/rollout/report";

/**
 * The stack outputs of either target: the same names with the same formats, so scripts, tests and
 * people read a local stack and an aws stack the same way.
 */
export interface StackOutputs {
  /** The spec hash of the image the fleet runs: 64 hex. */
  readonly specHash: pulumi.Input<string>;
  /** The image's tag on both targets: `<app.version>-<hash12>`. */
  readonly imageTag: pulumi.Input<string>;
  /** The image the instances run, by content: `sha256:<id>` locally, `<repository>@sha256:<digest>` on aws. */
  readonly imageRef: pulumi.Input<string>;
  /** True when this deployment built the image; false when an image of the same spec hash was reused. */
  readonly built: pulumi.Input<boolean>;
  /** The fleet now serving: the local fleet's id, or the aws auto-scaling group's name. */
  readonly fleetName: pulumi.Input<string>;
  /** The stable front door: `http://127.0.0.1:<port>` locally, the load balancer's URL on aws. */
  readonly url: pulumi.Input<string>;
  /** Git commit of the checkout that deployed (the image's revision label, never a resource tag). */
  readonly gitCommit: pulumi.Input<string>;
  /** The last release's rollout: its canary windows with their figures, and how it ended. */
  readonly rollout?: pulumi.Input<RolloutRecord | undefined>;
  /** local only: the instances' container ids, in slot order. */
  readonly instanceIds?: pulumi.Input<string[]>;
  /** aws only: what the last refresh found wrong with the fleet (empty when clean). */
  readonly auditFindings?: pulumi.Input<string[]>;
  /** aws only: the ECR repository the stack's image is in (what a promoting stack deploys from). */
  readonly repositoryUrl?: pulumi.Input<string>;
}

/** A target component (LocalTarget, AwsTarget): whatever it builds, it reports {@link StackOutputs}. */
export interface Target {
  readonly outputs: StackOutputs;
}

/** The stack outputs of `target`: every output it has, and none that is undefined. */
export function stackOutputs(target: Target): Partial<StackOutputs> {
  return Object.fromEntries(
    Object.entries(target.outputs).filter(([, value]) => value !== undefined),
  ) as Partial<StackOutputs>;
}
