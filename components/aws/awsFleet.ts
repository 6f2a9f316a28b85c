import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Spec } from "../../lib/spec/spec";
import { AwsStackConfig } from "../../lib/config/stackConfig";
import { UserDataInput, renderUserData, userDataProblems } from "../../lib/aws/userData";
import { instanceHardening } from "../../lib/aws/instanceHardening";
import { AwsFrontDoor } from "./awsFrontDoor";
import { AwsInstanceAccess } from "./awsInstanceAccess";

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
  readonly secretValues?: Readonly<Record<string, pulumi.Input<string>>>;
  /** How long a new ASG may take to become healthy before the release fails. @default - "10m" */
  readonly waitForCapacityTimeout?: string;
}

/** What decides whether instances differ, and so whether the ASG is replaced. */
export interface ReleaseInputs {
  readonly specHash: string;
  readonly imageRef: string;
  readonly amiId: string;
  readonly instanceType: string;
  readonly userData: string;
}

/**
 * 12 hex naming a release: changes with the spec, the image digest, the pinned AMI, the instance
 * type or the boot script, and with nothing else (not the git commit). It is the ASG's replacement
 * trigger and part of its name prefix.
 */
export function releaseId(r: ReleaseInputs): string {
  const doc = JSON.stringify([r.specHash, r.imageRef, r.amiId, r.instanceType, r.userData]);
  return createHash("sha256").update(doc).digest("hex").slice(0, 12);
}

/** Why the aws provider's region cannot serve this stack, or undefined when it matches. */
export function regionProblem(providerRegion: string, configRegion: string): string | undefined {
  return providerRegion === configRegion
    ? undefined
    : `the aws provider targets ${providerRegion} but phoenix:region is ${configRegion}; ` +
        `create the provider with region ${configRegion} (or set aws:region to it)`;
}

/**
 * A fleet of identical EC2 instances running one image by digest behind a stable ALB. Every release
 * (new spec, image, AMI or instance type) makes a NEW autonamed ASG from a new launch template
 * version; the new ASG must have `desiredCount` instances healthy in the target group before the
 * old one is deleted (create-before-delete). No SSH: no key pair, no port 22.
 */
export class AwsFleet extends pulumi.ComponentResource {
  /** Physical name of the current ASG (`<name>-<release>-<suffix>`). */
  readonly asgName: pulumi.Output<string>;
  /** Release id (see {@link releaseId}). */
  readonly release: pulumi.Output<string>;
  /** `http://<alb dns>/`. */
  readonly url: pulumi.Output<string>;
  /** Launch template id. */
  readonly launchTemplateId: pulumi.Output<string>;
  /** Security group of the instances. */
  readonly instanceSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: AwsFleetArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("phoenix:index:AwsFleet", name, {}, opts);
    const { spec, config } = args;
    const ssmPrefix = `/${pulumi.getProject()}/${pulumi.getStack()}`;
    const boot = (imageRef: string): UserDataInput => ({
      name: spec.name,
      imageRef,
      specHash: args.specHash,
      region: config.region,
      port: spec.app.port,
      env: spec.config.env,
      sysctls: spec.config.sysctls,
      secrets: spec.secrets,
      ssmPrefix,
      runtime: spec.runtime,
      stopGraceSeconds: spec.app.stopGraceSeconds,
    });
    const problems = validate(args, boot(`registry.invalid/placeholder@sha256:${"0".repeat(64)}`));
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`AwsFleet ${name}:\n${problems.join("\n")}`, this);
    }
    // phoenix:stack lets the fleet audit (providers/awsAudit.ts) find groups a failed rollout left.
    // No git commit here: a commit-only change must show no resource change in a preview (the
    // commit is the image's revision label and a stack output).
    const baseTags = {
      "phoenix:spec-hash": args.specHash,
      "phoenix:stack": `${pulumi.getProject()}/${pulumi.getStack()}`,
    };
    const tags = (suffix: string) => ({ ...baseTags, Name: `${name}${suffix}` });
    const parent = { parent: this };

    const frontDoor = new AwsFrontDoor(
      `${name}-front`,
      { vpcId: config.vpcId, subnetIds: config.albSubnetIds, app: spec.app, tags: baseTags },
      parent,
    );

    // Instances: the app port from the load balancer only. Nothing else comes in, SSH included.
    const sg = new aws.ec2.SecurityGroup(
      `${name}-instances`,
      {
        vpcId: config.vpcId,
        description: "Phoenix fleet: app port from the load balancer only",
        tags: tags("-instances"),
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-app-from-lb`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: frontDoor.securityGroupId,
        ipProtocol: "tcp",
        fromPort: spec.app.port,
        toPort: spec.app.port,
        description: "App port from the load balancer",
        tags: tags("-app-from-lb"),
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-to-app`,
      {
        securityGroupId: frontDoor.securityGroupId,
        referencedSecurityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: spec.app.port,
        toPort: spec.app.port,
        description: "Load balancer to the app port",
        tags: tags("-lb-to-app"),
      },
      parent,
    );
    // Outbound stays open: instances pull from ECR, read SSM, and the app reaches its dependencies.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      {
        securityGroupId: sg.id,
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
        description: "All outbound",
        tags: tags("-egress"),
      },
      parent,
    );

    const access = new AwsInstanceAccess(
      `${name}-access`,
      {
        region: config.region,
        ssmPrefix,
        secrets: Object.fromEntries(spec.secrets.map((s) => [s, args.secretValues![s]])),
        tags: baseTags,
      },
      parent,
    );

    // ARNs, the boot script and the SSM parameters all assume config.region: refuse a provider
    // pointed elsewhere rather than launch instances that cannot read their secrets.
    const providerRegion = aws.getRegionOutput({}, parent).region.apply((r) => {
      const problem = regionProblem(r, config.region);
      if (problem) throw new pulumi.ResourceError(`AwsFleet ${name}: ${problem}`, this);
      return r;
    });
    const userData = pulumi
      .all([args.imageRef, providerRegion])
      .apply(([ref]) => renderUserData(boot(ref)));
    // Only spec-derived tags go into the instances' tag specifications: those are part of the
    // launch template version, and a new version replaces the ASG.
    const rootDeviceName = aws.ec2.getAmiOutput(
      { filters: [{ name: "image-id", values: [config.amiId] }] },
      parent,
    ).rootDeviceName;
    const instanceTags = { "phoenix:spec-hash": args.specHash, Name: name };
    const lt = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        imageId: config.amiId,
        instanceType: config.instanceType,
        iamInstanceProfile: { arn: access.instanceProfileArn },
        ...instanceHardening({
          securityGroupId: sg.id,
          rootDeviceName,
          kmsKeyId: config.kmsKeyId,
          containerInstanceMetadata: spec.runtime.containerInstanceMetadata,
        }),
        userData: userData.apply((text) => Buffer.from(text, "utf8").toString("base64")),
        updateDefaultVersion: true,
        tagSpecifications: [
          { resourceType: "instance", tags: instanceTags },
          { resourceType: "volume", tags: instanceTags },
        ],
        tags: tags("-lt"),
      },
      parent,
    );

    this.release = pulumi.all([args.imageRef, userData]).apply(([imageRef, text]) =>
      releaseId({
        specHash: args.specHash,
        imageRef,
        amiId: config.amiId,
        instanceType: config.instanceType,
        userData: text,
      }),
    );
    const asg = new aws.autoscaling.Group(
      name,
      {
        namePrefix: pulumi.interpolate`${name}-${this.release}-`,
        launchTemplate: { id: lt.id, version: lt.latestVersion.apply((v) => String(v)) },
        minSize: config.minSize,
        maxSize: config.maxSize,
        desiredCapacity: config.desiredCount,
        vpcZoneIdentifiers: [...config.instanceSubnetIds],
        targetGroupArns: [frontDoor.targetGroupArn],
        healthCheckType: "ELB",
        healthCheckGracePeriod: config.healthCheckGracePeriodSeconds,
        // The new ASG counts as created only when `desiredCount` instances pass the ALB health
        // check; until then the old ASG keeps serving, and a failing release never replaces it.
        waitForElbCapacity: config.desiredCount,
        minElbCapacity: config.desiredCount,
        waitForCapacityTimeout: args.waitForCapacityTimeout ?? "10m",
        tags: [
          ...Object.entries(baseTags).map(([key, value]) => ({
            key,
            value,
            propagateAtLaunch: true,
          })),
          { key: "Name", value: name, propagateAtLaunch: true },
          { key: "phoenix:release", value: this.release, propagateAtLaunch: true },
        ],
      },
      {
        parent: this,
        // Instances boot only once they can read their secrets and be health-checked.
        dependsOn: [access, frontDoor.listener],
        replaceOnChanges: ["launchTemplate"],
        deleteBeforeReplace: false,
        replacementTrigger: this.release,
      },
    );

    this.asgName = asg.name;
    this.url = frontDoor.url;
    this.launchTemplateId = lt.id;
    this.instanceSecurityGroupId = sg.id;
    this.registerOutputs({
      asgName: this.asgName,
      release: this.release,
      url: this.url,
      launchTemplateId: this.launchTemplateId,
      instanceSecurityGroupId: this.instanceSecurityGroupId,
    });
  }
}

function validate(args: AwsFleetArgs, bootInput: UserDataInput): string[] {
  const problems = userDataProblems(bootInput).filter((p) => !p.startsWith("imageRef:"));
  if (args.config.target !== "aws")
    problems.push(`config.target: must be aws, got ${JSON.stringify(args.config.target)}`);
  const missing = args.spec.secrets.filter((s) => args.secretValues?.[s] === undefined);
  for (const secret of missing) {
    problems.push(
      `secrets.${secret}: no value; set it with \`pulumi config set --secret phoenix:${secret} <value>\``,
    );
  }
  return problems;
}
