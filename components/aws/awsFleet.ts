import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Spec } from "../../lib/spec/spec";
import { AwsStackConfig } from "../../lib/config/stackConfig";
import {
  FLEET_TAG_KEY,
  RELEASE_TAG_KEY,
  durationSeconds,
  regionProblem,
  releaseId,
} from "../../lib/aws/release";
import { UserDataInput, renderUserData, userDataProblems } from "../../lib/aws/userData";
import { fleetLogGroupName } from "../../lib/aws/instancePolicies";
import { elbLogicalName } from "../../lib/aws/resourceNames";
import { AwsFrontDoor } from "./awsFrontDoor";
import { AwsInstanceAccess } from "./awsInstanceAccess";
import { AwsVpcEndpoints } from "./awsVpcEndpoints";
import { awsProviderConnection } from "./awsProviderConnection";
import type { AwsConnection } from "../../providers/aws/awsConnection";
import { healthTimingProblem } from "../../lib/aws/releaseChecks";
import {
  albHealthCheck,
  candidateRules,
  releaseTargetGroup,
  releaseTeardown,
  servingRules,
  settleSeconds,
  switchWhenHealthy,
} from "./releaseTraffic";
import {
  type FleetContext,
  instanceSecurityGroup,
  launchTemplate,
  nameTags,
} from "./fleetInstances";
import { releaseGroup } from "./releaseGroup";
import { coveredInstanceSubnets, ebsKeyAccess } from "./fleetChecks";
import { formatIssues } from "../../lib/core/errors";
import { COMPONENT_TYPES, TAGS } from "../../lib/core/identifiers";
import { missingSecretIssues } from "../../lib/config/secrets";
import { effectivePolicy } from "../../lib/rollout/policy";
import type { RolloutRecord } from "../../lib/rollout/report";
import { rolloutTimingWarnings } from "../../lib/aws/canary";

/** How long a release may take to have `desiredCount` healthy targets before it fails. */
export const DEFAULT_CAPACITY_TIMEOUT = "10m";

/** Arguments of {@link AwsFleet}. */
export interface AwsFleetArgs {
  /** The validated spec: port, health, sysctls, env, secret names, runtime. */
  readonly spec: Spec;
  /** specHash of the spec; tags everything and goes into the release id. */
  readonly specHash: string;
  /** The image BY DIGEST (ImmutableImage.imageRef). */
  readonly imageRef: pulumi.Input<string>;
  /** Validated aws stack config. */
  readonly config: AwsStackConfig;
  /**
   * Value of each name in `spec.secrets`, from stack secrets (`config.requireSecret(NAME)`), stored
   * as SSM SecureString parameters `/<project>/<stack>/<NAME>` that instances read at boot.
   * @default - no values; an error if the spec lists secrets
   */
  readonly secretValues?: Readonly<Record<string, pulumi.Input<string> | undefined>>;
  /** How long a new ASG may take to become healthy before the release fails. @default - "10m" */
  readonly waitForCapacityTimeout?: string;
  /**
   * Where and as whom the release gate and retire call AWS.
   * @default - phoenix:region with every credential setting of the aws provider (`aws:*`)
   */
  readonly connection?: pulumi.Input<AwsConnection>;
}

/**
 * A fleet of identical EC2 instances running one image by digest behind a stable ALB. Every release
 * (new spec, image, AMI, instance type or secret version) makes a NEW autonamed ASG from the launch
 * template's latest version, with a NEW target group of its own. The listener moves to it only once
 * it has `desiredCount` healthy targets (the release gate); only then are older releases and the
 * leftovers of failed ones drained and deleted (the retire). A failed release never moves traffic,
 * is scaled to zero, and is deleted by the next healthy release. No SSH: no key pair, no port 22.
 */
export class AwsFleet extends pulumi.ComponentResource {
  /** Physical name of the current ASG (`<name>-<release>-<suffix>`). */
  readonly asgName: pulumi.Output<string>;
  /** Release id (see releaseId in lib/aws/release.ts). */
  readonly release: pulumi.Output<string>;
  /** The current release's own target group. */
  readonly targetGroupArn: pulumi.Output<string>;
  /** The release the listener forwards to (moves only when a candidate passed the gate). */
  readonly servingRelease: pulumi.Output<string>;
  /** The retire step; depend on it for anything that must see only the serving release. */
  readonly retired: pulumi.Resource;
  /** The last rollout: the canary steps and bake the serving release passed (stack output `rollout`). */
  readonly rollout: pulumi.Output<RolloutRecord>;
  /** `http://<alb dns>/`. */
  readonly url: pulumi.Output<string>;
  /** Launch template id. */
  readonly launchTemplateId: pulumi.Output<string>;
  /** Security group of the instances. */
  readonly instanceSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: AwsFleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsFleet, name, {}, opts);
    const { spec, config } = args;
    const ssmPrefix = `/${pulumi.getProject()}/${pulumi.getStack()}`;
    const boot = (imageRef: string, secretVersions: Record<string, number>): UserDataInput =>
      bootInput(args, ssmPrefix, imageRef, secretVersions);
    // The image reference and the secrets' SSM versions are Outputs known only at deploy time; the
    // boot script is checked now with the longest values they can take (an ECR repository name has
    // at most 256 characters), so a script over EC2's 16 KB is refused at preview.
    const problems = validate(
      args,
      boot(
        `${"0".repeat(12)}.dkr.ecr.${config.region}.amazonaws.com.cn/${"r".repeat(256)}@sha256:${"0".repeat(64)}`,
        Object.fromEntries(spec.secrets.map((s) => [s, Number.MAX_SAFE_INTEGER])),
      ),
    );
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`AwsFleet ${name}:\n${problems.join("\n")}`, this);
    }
    const ctx: FleetContext = { name, args, parent: this, baseTags: baseTags(args) };

    const frontDoor = new AwsFrontDoor(
      `${name}-front`,
      {
        vpcId: config.vpcId,
        subnetIds: config.albSubnetIds,
        tags: ctx.baseTags,
        certificateArn: config.certificateArn,
        // Its DNS name is the stack's URL: with protectFrontDoor, a spec rename (every logical
        // name derives from the spec's name) or any other change replacing it fails at preview.
        protect: config.protectFrontDoor,
      },
      { parent: this },
    );
    const sg = instanceSecurityGroup(ctx, frontDoor.securityGroupId);
    // Without a NAT gateway, private instances reach ECR, S3, SSM and CloudWatch Logs through these.
    const endpoints = config.vpcEndpoints
      ? new AwsVpcEndpoints(
          `${name}-endpoints`,
          {
            vpcId: config.vpcId,
            region: config.region,
            subnetIds: config.instanceSubnetIds,
            routeTableIds: config.instanceRouteTableIds ?? [],
            tags: ctx.baseTags,
          },
          { parent: this },
        )
      : undefined;
    const access = new AwsInstanceAccess(
      `${name}-access`,
      {
        region: config.region,
        ssmPrefix,
        // validate() refused any missing value above.
        secrets: Object.fromEntries(spec.secrets.map((s) => [s, args.secretValues![s]!])),
        tags: ctx.baseTags,
        imageRef: args.imageRef,
        logGroupName: logGroupOf(args),
        logRetentionDays: config.logRetentionDays,
      },
      { parent: this },
    );
    // The boot reads each secret at the SSM version this release is made from (never the newest).
    const userData = pulumi
      .all([args.imageRef, access.secretVersions, providerRegion(ctx)])
      .apply(([ref, versions]) => renderUserData(boot(ref, versions)));
    const { template: lt, document } = launchTemplate(ctx, {
      securityGroupId: sg.id,
      access,
      userData,
    });

    // Every instance subnet in a zone the load balancer covers, or no release at all.
    const instanceSubnetIds = coveredInstanceSubnets(name, config, this);
    // Auto Scaling may use the volumes' key, or no release at all.
    const ebsKey = ebsKeyAccess(name, config, this);
    // Derived from everything the launch template and the group's instances are made from: any
    // change that replaces the group is a new release, with its own target group and the gate.
    this.release = pulumi
      .all([args.imageRef, document, access.secretVersions, instanceSubnetIds, ebsKey.checked])
      .apply(([imageRef, launchTemplate, secretVersions, subnetIds]) =>
        releaseId({
          specHash: args.specHash,
          imageRef,
          launchTemplate,
          instanceSubnetIds: subnetIds,
          secretVersions,
        }),
      );
    // Every release is a group AND a target group of its own, tagged with the fleet so the retire
    // finds what older and failed releases left, whatever the state still tracks.
    const fleetTag = `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;
    const releaseTags = (suffix: string) => ({
      ...nameTags(ctx, suffix),
      [FLEET_TAG_KEY]: fleetTag,
      [RELEASE_TAG_KEY]: this.release,
    });
    const connection = args.connection ?? awsProviderConnection(config.region, this);
    // Deletes every release when the fleet is destroyed: after the rules and groups (they depend on
    // the target group, which depends on it), before the launch template and security group.
    const teardown = releaseTeardown(
      `${name}-teardown`,
      { connection, fleetTag, dependsOn: [lt] },
      this,
    );
    const tg = releaseTargetGroup(
      elbLogicalName(`${name}-tg`),
      {
        vpcId: config.vpcId,
        app: spec.app,
        release: this.release,
        tags: releaseTags("-tg"),
        dependsOn: [teardown],
      },
      this,
    );
    const candidate = candidateRules(
      `${name}-candidate`,
      {
        listeners: frontDoor.trafficListeners,
        release: this.release,
        targetGroupArn: tg.arn,
        sourceCidrs: config.candidateSourceCidrs,
        tags: nameTags(ctx, "-candidate"),
      },
      this,
    );
    const capacityTimeout = args.waitForCapacityTimeout ?? DEFAULT_CAPACITY_TIMEOUT;
    // PHOENIX_ROLLOUT=skip: one emergency up without canary steps or bake.
    const rollout = effectivePolicy(config.rollout, process.env);
    for (const warning of rollout ? rolloutTimingWarnings(rollout) : []) {
      pulumi.log.warn(warning, this);
    }
    const asg = releaseGroup(
      name,
      {
        launchTemplate: lt,
        config,
        instanceSubnetIds,
        targetGroupArn: tg.arn,
        release: this.release,
        tags: { ...ctx.baseTags, [FLEET_TAG_KEY]: fleetTag, Name: name },
        waitForCapacityTimeout: capacityTimeout,
        // Instances boot only once they can read their secrets and are health-checked (their
        // target group is on the load balancer through the candidate rule).
        dependsOn: [access, ...candidate, ...(endpoints ? [endpoints] : []), ...ebsKey.grants],
      },
      this,
    );
    const switched = switchWhenHealthy(
      name,
      {
        connection,
        fleetTag,
        release: this.release,
        imageRef: args.imageRef,
        targetGroupArn: tg.arn,
        desiredCount: config.desiredCount,
        minSize: config.minSize,
        listenerArns: frontDoor.trafficListeners.map((l) => l.arn),
        // Stryker disable next-line StringLiteral: the name shows only in the duration error, and validate() refused such a value already
        timeoutSeconds: durationSeconds("waitForCapacityTimeout", capacityTimeout),
        settleSeconds: settleSeconds(args.spec.app),
        rollout,
        candidateRules: candidate,
        group: asg,
        route: (forward, opts) =>
          servingRules(
            `${name}-serving`,
            { listeners: frontDoor.trafficListeners, forward, tags: nameTags(ctx, "-serving") },
            opts,
          ),
      },
      this,
    );

    this.asgName = asg.name;
    this.targetGroupArn = tg.arn;
    this.servingRelease = switched.gate.servingRelease;
    this.retired = switched.retire;
    this.rollout = switched.rollout;
    this.url = frontDoor.url;
    this.launchTemplateId = lt.id;
    this.instanceSecurityGroupId = sg.id;
    this.registerOutputs({
      asgName: this.asgName,
      release: this.release,
      targetGroupArn: this.targetGroupArn,
      servingRelease: this.servingRelease,
      rollout: this.rollout,
      url: this.url,
      launchTemplateId: this.launchTemplateId,
      instanceSecurityGroupId: this.instanceSecurityGroupId,
    });
  }
}

/**
 * The boot script's input (lib/aws/userData.ts) for one image reference and the SSM versions of the
 * stack secrets: the constructor calls it once with the longest values they can take, to check the
 * script's size at preview, and once with the deployed values.
 */
function bootInput(
  args: AwsFleetArgs,
  ssmPrefix: string,
  imageRef: string,
  secretVersions: Record<string, number>,
): UserDataInput {
  const { spec, config } = args;
  return {
    name: spec.name,
    imageRef,
    specHash: args.specHash,
    region: config.region,
    port: spec.app.port,
    env: spec.config.env,
    sysctls: spec.config.sysctls,
    secrets: spec.secrets,
    secretVersions,
    ssmPrefix,
    runtime: spec.runtime,
    stopGraceSeconds: spec.app.stopGraceSeconds,
    logGroupName: logGroupOf(args),
  };
}

/** The fleet's log group: one per stack and spec. */
function logGroupOf(args: AwsFleetArgs): string {
  return fleetLogGroupName({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    fleet: args.spec.name,
  });
}

/**
 * Tags of every fleet resource; the stack tag lets the fleet audit find groups a failed rollout left.
 * No git commit here: a commit-only change must show no resource change in a preview (the commit is
 * the image's revision label and a stack output).
 */
function baseTags(args: AwsFleetArgs): Record<string, string> {
  return {
    [TAGS.specHash]: args.specHash,
    [TAGS.stack]: `${pulumi.getProject()}/${pulumi.getStack()}`,
  };
}

/**
 * The aws provider's region, refusing a provider pointed elsewhere: ARNs, the boot script and the
 * SSM parameters all assume config.region, and instances elsewhere could not read their secrets.
 */
function providerRegion(ctx: FleetContext): pulumi.Output<string> {
  return aws.getRegionOutput({}, { parent: ctx.parent }).region.apply((r) => {
    const problem = regionProblem(r, ctx.args.config.region);
    if (problem) throw new pulumi.ResourceError(`AwsFleet ${ctx.name}: ${problem}`, ctx.parent);
    return r;
  });
}

function validate(args: AwsFleetArgs, bootInput: UserDataInput): string[] {
  const problems = userDataProblems(bootInput);
  if (args.config.target !== "aws")
    problems.push(`config.target: must be aws, got ${JSON.stringify(args.config.target)}`);
  const timeout = args.waitForCapacityTimeout ?? DEFAULT_CAPACITY_TIMEOUT;
  try {
    if (durationSeconds("waitForCapacityTimeout", timeout) === 0) {
      problems.push(
        'waitForCapacityTimeout: "0" turns the health wait off, so a failing release would count as created; use a duration like 10m',
      );
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  const check = albHealthCheck(args.spec.app);
  const timing = healthTimingProblem({
    intervalSeconds: check.interval,
    healthyThreshold: check.healthyThreshold,
    settleSeconds: settleSeconds(args.spec.app),
    timeoutSeconds: safeDuration(timeout),
  });
  if (timing) problems.push(timing);
  const missing = missingSecretIssues(args.spec.secrets, args.secretValues ?? {});
  problems.push(...missing.map((issue) => formatIssues([issue])));
  return problems;
}

/** Seconds of a duration, or Infinity when it is malformed (reported on its own). */
function safeDuration(text: string): number {
  try {
    return durationSeconds("waitForCapacityTimeout", text) || Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
