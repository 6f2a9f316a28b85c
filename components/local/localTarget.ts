import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { healthDeadlineMs } from "../../lib/local/fleetPlan";
import { frontDoorEnv, leavePoolMs } from "../../lib/local/haproxyConfig";
import { specHash } from "../../lib/image/hash";
import { LoadedSpec, loadSpec } from "../../lib/spec/spec";
import { LocalStackConfig } from "../../lib/config/stackConfig";
import { LocalFleet } from "../../providers/local/fleet/localFleet";
import { LocalFrontDoor } from "../../providers/local/frontDoor/localFrontDoor";
import { LocalImage, localImageInputs } from "../../providers/local/image/localImage";
import { LocalNetwork } from "../../providers/local/network/localNetwork";
import { formatIssues } from "../../lib/core/errors";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import { missingSecretIssues } from "../../lib/config/secrets";
import { imageTag } from "../../lib/image/hash";
import type { StackOutputs, Target } from "../outputs";

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
  /** Each name in the spec's `secrets:` -> its stack secret, undefined when not set (reported, all at once). */
  readonly secretValues: Readonly<Record<string, pulumi.Output<string> | undefined>>;
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
export class LocalTarget extends pulumi.ComponentResource implements Target {
  /** What the stack exports (see StackOutputs). */
  readonly outputs: StackOutputs;

  constructor(name: string, args: LocalTargetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.localTarget, name, {}, opts);
    const missing = missingSecretIssues(args.loaded.spec.secrets, args.secretValues);
    if (missing.length > 0) throw new pulumi.ResourceError(formatIssues(missing), this);
    const ctx: TargetContext = {
      name,
      args,
      parent: this,
      stack: pulumi.getStack(),
      gitCommit: args.gitCommit ?? "unknown",
      check: healthCheckOf(args.loaded.spec),
    };
    const network = new LocalNetwork(
      `${name}-net`,
      // Services need a swarm-scoped network: another name, so that a stack switching kinds gets
      // a new network (and with it a new front door and fleet) before the old one goes.
      args.config.instances === "services"
        ? { name: `${ctx.stack}-phoenix-swarm`, stack: ctx.stack, swarm: true }
        : { name: `${ctx.stack}-phoenix`, stack: ctx.stack },
      { parent: this },
    );
    const frontDoor = frontDoorOf(ctx, network);
    const image = new LocalImage(
      `${name}-image`,
      localImageInputs({
        loaded: args.loaded,
        hash: args.specHash,
        dockerfile: args.dockerfile,
        keepImages: args.config.keepImages,
        gitCommit: ctx.gitCommit,
      }),
      { parent: this },
    );
    const fleet = fleetOf(ctx, { network, frontDoor, image });

    this.outputs = {
      specHash: image.specHash,
      imageTag: imageTag(args.loaded.spec, args.specHash),
      imageRef: image.imageId,
      built: image.reused.apply((reused) => !reused),
      fleetName: fleet.id,
      url: frontDoor.url,
      gitCommit: ctx.gitCommit,
      instanceIds: fleet.instanceIds,
      rollout: fleet.lastRollout,
    };
    this.registerOutputs({ ...this.outputs });
  }
}

/** What the helpers below share. */
interface TargetContext {
  readonly name: string;
  readonly args: LocalTargetArgs;
  readonly parent: pulumi.Resource;
  readonly stack: string;
  readonly gitCommit: string;
  readonly check: HealthCheck;
}

/** How the front door checks an instance, from the spec's health settings. */
interface HealthCheck {
  readonly checkIntervalMs: number;
  readonly checkTimeoutMs: number;
  readonly fall: number;
}

function healthCheckOf(spec: LoadedSpec["spec"]): HealthCheck {
  const health = spec.app.health;
  return {
    checkIntervalMs: health.intervalSeconds * 1000,
    checkTimeoutMs: health.timeoutSeconds * 1000,
    fall: 2,
  };
}

/** The front door, built from its own spec; the fleet only reaches it through env values. */
function frontDoorOf(ctx: TargetContext, network: LocalNetwork): LocalFrontDoor {
  const { name, args, stack } = ctx;
  const spec = args.loaded.spec;
  const fdLoaded = loadSpec(
    args.frontDoorSpec ?? path.join(args.loaded.repoRoot, "images", "frontdoor.yaml"),
  );
  const fdImage = new LocalImage(
    `${name}-frontdoor-image`,
    localImageInputs({
      loaded: fdLoaded,
      hash: specHash(fdLoaded),
      keepImages: args.config.keepImages,
      gitCommit: ctx.gitCommit,
    }),
    { parent: ctx.parent },
  );
  return new LocalFrontDoor(
    `${name}-frontdoor`,
    {
      stack,
      name: `${stack}-frontdoor`,
      imageId: fdImage.imageId,
      network: network.name,
      hostPort: args.config.frontDoorPort,
      env: frontDoorEnv({
        ...ctx.check,
        service: spec.name,
        port: spec.app.port,
        healthPath: spec.app.health.path,
        rise: spec.app.health.healthyThreshold,
        maxFleetSize: args.config.desiredCount,
      }),
    },
    { parent: ctx.parent },
  );
}

/** The fleet: `desiredCount` instances of the image, health-gated into the front door's pool. */
function fleetOf(
  ctx: TargetContext,
  deps: {
    readonly network: LocalNetwork;
    readonly frontDoor: LocalFrontDoor;
    readonly image: LocalImage;
  },
): LocalFleet {
  const { args, check } = ctx;
  const spec = args.loaded.spec;
  const health = spec.app.health;
  const leaveMs = leavePoolMs(check);
  return new LocalFleet(
    ctx.name,
    {
      stack: ctx.stack,
      fleet: spec.name,
      alias: spec.name,
      network: deps.network.name,
      imageId: deps.image.imageId,
      specHash: args.specHash,
      desiredCount: args.config.desiredCount,
      port: spec.app.port,
      health,
      // The front door has taken an instance out of its pool before it gets SIGTERM: the example
      // app's own drain window is not needed, it stops at once.
      env: { DRAIN_SECONDS: "0" },
      secretEnv: pulumi.secret(
        pulumi.all(args.secretValues as Record<string, pulumi.Output<string>>),
      ),
      sysctls: spec.config.sysctls,
      readOnlyRootFilesystem: spec.runtime.readOnlyRootFilesystem,
      instanceKind: args.config.instances,
      scratch: spec.runtime.scratch,
      stopGraceSeconds: spec.app.stopGraceSeconds,
      frontDoor: deps.frontDoor.name,
      rollout: args.config.rollout,
      release: imageTag(spec, args.specHash),
      leavePoolMs: leaveMs,
      healthDeadlineMs: healthDeadlineMs({
        intervalMs: check.checkIntervalMs,
        timeoutMs: check.checkTimeoutMs,
        healthyThreshold: health.healthyThreshold,
        startPeriodMs: 0,
      }),
    },
    { parent: ctx.parent },
  );
}
