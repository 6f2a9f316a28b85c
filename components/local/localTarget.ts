import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { healthDeadlineMs } from "../../lib/local/fleetPlan";
import { frontDoorEnv, leavePoolMs } from "../../lib/local/haproxyConfig";
import { specHash } from "../../lib/image/hash";
import { LoadedSpec, loadSpec } from "../../lib/spec/spec";
import { LocalStackConfig } from "../../lib/config/stackConfig";
import { LocalFleet } from "../../providers/local/localFleet";
import { LocalFrontDoor } from "../../providers/local/localFrontDoor";
import { LocalImage, localImageInputs } from "../../providers/local/localImage";
import { LocalNetwork } from "../../providers/local/localNetwork";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";

/** Arguments of {@link LocalTarget}. */
export interface LocalTargetArgs {
  /** The loaded, validated image spec of the app. */
  readonly loaded: LoadedSpec;
  /** specHash(loaded). */
  readonly specHash: string;
  /** renderDockerfile(loaded, specHash). */
  readonly dockerfile: string;
  /** The stack's config (target local). */
  readonly config: LocalStackConfig;
  /** A value for every name in the spec's `secrets:` (stack config secrets). */
  readonly secretValues: Record<string, pulumi.Output<string>>;
  /** Git commit of the checkout, the GIT_COMMIT build arg. @default - "unknown" */
  readonly gitCommit?: string;
  /** Spec of the front door image. @default - images/frontdoor.yaml in the spec's repository */
  readonly frontDoorSpec?: string;
}

/**
 * The local target: the spec's image in the local Docker engine, a health-gated fleet of
 * containers launched from it, and a long-lived haproxy front door on 127.0.0.1:<frontDoorPort>
 * that follows every fleet swap with no failed requests. Every change of the spec hash builds (or
 * reuses) an image and replaces the whole fleet; the old fleet is drained, then removed.
 */
export class LocalTarget extends pulumi.ComponentResource {
  /** Hash of the spec the running fleet was launched from. */
  readonly specHash: pulumi.Output<string>;
  /** `<name>:<version>-<hash12>`. */
  readonly imageTag: pulumi.Output<string>;
  /** sha256:... of the fleet's image. */
  readonly imageId: pulumi.Output<string>;
  /** True when the last image change found an existing image and built nothing. */
  readonly reused: pulumi.Output<boolean>;
  /** Container ids of the fleet, in slot order. */
  readonly instanceIds: pulumi.Output<string[]>;
  /** The front door, e.g. http://127.0.0.1:8080. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: LocalTargetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.localTarget, name, {}, opts);
    const { loaded, config } = args;
    const spec = loaded.spec;
    const missing = spec.secrets.filter((s) => args.secretValues[s] === undefined);
    if (missing.length > 0) {
      throw new pulumi.ResourceError(
        missing
          .map(
            (s) =>
              `secrets.${s}: no value; set it with \`pulumi config set --secret ${s} <value>\``,
          )
          .join("\n"),
        this,
      );
    }
    const stack = pulumi.getStack();
    const gitCommit = args.gitCommit ?? "unknown";

    const network = new LocalNetwork(
      `${name}-net`,
      { name: `${stack}-phoenix`, stack },
      { parent: this },
    );

    // The front door's own image, from its own spec; the fleet only reaches it through env values.
    const fdLoaded = loadSpec(
      args.frontDoorSpec ?? path.join(loaded.repoRoot, "images", "frontdoor.yaml"),
    );
    const fdHash = specHash(fdLoaded);
    const fdImage = new LocalImage(
      `${name}-frontdoor-image`,
      localImageInputs({
        loaded: fdLoaded,
        hash: fdHash,
        keepImages: config.keepImages,
        gitCommit,
      }),
      { parent: this },
    );
    const health = spec.app.health;
    const check = {
      checkIntervalMs: health.intervalSeconds * 1000,
      checkTimeoutMs: health.timeoutSeconds * 1000,
      fall: 2,
    };
    const frontDoor = new LocalFrontDoor(
      `${name}-frontdoor`,
      {
        stack,
        name: `${stack}-frontdoor`,
        imageId: fdImage.imageId,
        network: network.name,
        hostPort: config.frontDoorPort,
        env: frontDoorEnv({
          ...check,
          service: spec.name,
          port: spec.app.port,
          healthPath: health.path,
          rise: health.healthyThreshold,
          maxFleetSize: config.desiredCount,
        }),
      },
      { parent: this },
    );

    const image = new LocalImage(
      `${name}-image`,
      localImageInputs({
        loaded,
        hash: args.specHash,
        dockerfile: args.dockerfile,
        keepImages: config.keepImages,
        gitCommit,
      }),
      { parent: this },
    );
    const leaveMs = leavePoolMs(check);
    const fleet = new LocalFleet(
      name,
      {
        stack,
        fleet: spec.name,
        alias: spec.name,
        network: network.name,
        imageId: image.imageId,
        specHash: args.specHash,
        desiredCount: config.desiredCount,
        port: spec.app.port,
        health,
        // The app keeps serving this long after SIGTERM: past the front door dropping it.
        env: { DRAIN_SECONDS: String(Math.ceil(leaveMs / 1000) + 1) },
        secretEnv: pulumi.secret(pulumi.all(args.secretValues)),
        sysctls: spec.config.sysctls,
        readOnlyRootFilesystem: spec.runtime.readOnlyRootFilesystem,
        scratch: spec.runtime.scratch,
        stopGraceSeconds: spec.app.stopGraceSeconds,
        frontDoor: frontDoor.name,
        leavePoolMs: leaveMs,
        healthDeadlineMs: healthDeadlineMs({
          intervalMs: check.checkIntervalMs,
          timeoutMs: check.checkTimeoutMs,
          healthyThreshold: health.healthyThreshold,
          startPeriodMs: 0,
        }),
      },
      { parent: this },
    );

    this.specHash = image.specHash;
    this.imageTag = image.ref;
    this.imageId = image.imageId;
    this.reused = image.reused;
    this.instanceIds = fleet.instanceIds;
    this.url = frontDoor.url;
    this.registerOutputs({
      specHash: this.specHash,
      imageTag: this.imageTag,
      imageId: this.imageId,
      reused: this.reused,
      instanceIds: this.instanceIds,
      url: this.url,
    });
  }
}
