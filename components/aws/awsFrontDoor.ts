import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Spec } from "../../lib/spec/spec";
import { COMPONENT_TYPES } from "../../lib/core/identifiers";
import { createFrontDoorListeners } from "./frontDoorListeners";

/** Arguments of {@link AwsFrontDoor}. */
export interface AwsFrontDoorArgs {
  readonly vpcId: string;
  /** At least two subnets in different AZs (an ALB requirement). */
  readonly subnetIds: readonly string[];
  /** The app's port on the instances and its health check. */
  readonly app: Pick<Spec["app"], "port" | "health" | "stopGraceSeconds">;
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * ACM certificate ARN: HTTPS on 443 (TLS 1.3/1.2) and port 80 redirecting to it.
   * @default - HTTP only on port 80, with a warning at preview
   */
  readonly certificateArn?: string;
}

/** ALB target group health check settings. */
export interface AlbHealthCheck {
  readonly path: string;
  readonly port: string;
  readonly protocol: "HTTP";
  readonly matcher: string;
  readonly interval: number;
  readonly timeout: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/**
 * The spec's health check as an ALB target group health check. Path and port are the spec's; the
 * timings are the spec's raised to the ALB's floors (interval >= 5 s, timeout 2..interval-1,
 * healthy threshold >= 2), because the spec's timings also drive the container HEALTHCHECK, where
 * shorter values are fine.
 */
export function albHealthCheck(app: Pick<Spec["app"], "port" | "health">): AlbHealthCheck {
  const interval = Math.min(300, Math.max(5, app.health.intervalSeconds));
  return {
    path: app.health.path,
    port: String(app.port),
    protocol: "HTTP",
    matcher: "200-299",
    interval,
    timeout: Math.min(interval - 1, Math.max(2, app.health.timeoutSeconds)),
    healthyThreshold: Math.min(10, Math.max(2, app.health.healthyThreshold)),
    unhealthyThreshold: 2,
  };
}

/**
 * The stable front door of an AWS fleet: an internet-facing ALB in the public subnets, its security
 * group (80, and 443 with a certificate, from anywhere), a target group on the app port with the
 * spec's health check, and its listeners (see frontDoorListeners.ts: HTTPS + 301, or HTTP only).
 * Fleets come and go behind it; nothing here depends on the image, so it is never replaced by a
 * release.
 */
export class AwsFrontDoor extends pulumi.ComponentResource {
  /** Security group of the load balancer; the fleet admits the app port from it only. */
  readonly securityGroupId: pulumi.Output<string>;
  /** Target group the fleet's ASGs register in. */
  readonly targetGroupArn: pulumi.Output<string>;
  /** The forwarding listener; depend on it so instances are health-checked once they register. */
  readonly listener: aws.lb.Listener;
  /** DNS name of the load balancer. */
  readonly dnsName: pulumi.Output<string>;
  /** `https://<dnsName>/` with a certificate, `http://<dnsName>/` without. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: AwsFrontDoorArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsFrontDoor, name, {}, opts);
    if (args.subnetIds.length < 2) {
      throw new pulumi.ResourceError(
        `AwsFrontDoor ${name}: subnetIds: needs at least 2 subnets in different AZs for the load balancer, got ${args.subnetIds.length}`,
        this,
      );
    }
    const tags = (suffix: string) => ({ ...args.tags, Name: `${name}${suffix}` });

    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "Phoenix front door: HTTP from anywhere",
        tags: tags("-sg"),
      },
      { parent: this },
    );
    const alb = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [sg.id],
        subnets: [...args.subnetIds],
        dropInvalidHeaderFields: true,
        tags: tags(""),
      },
      { parent: this },
    );
    const tg = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        targetType: "instance",
        protocol: "HTTP",
        port: args.app.port,
        healthCheck: { enabled: true, ...albHealthCheck(args.app) },
        // Drain for as long as the app is given to stop, not the ALB's default 300 s.
        deregistrationDelay: args.app.stopGraceSeconds,
        tags: tags("-tg"),
      },
      { parent: this },
    );
    const listeners = createFrontDoorListeners({
      name,
      parent: this,
      loadBalancerArn: alb.arn,
      securityGroupId: sg.id,
      forwardTargetGroupArn: tg.arn,
      certificateArn: args.certificateArn,
      tags: args.tags,
    });
    this.listener = listeners.forward;

    this.securityGroupId = sg.id;
    this.targetGroupArn = tg.arn;
    this.dnsName = alb.dnsName;
    this.url = pulumi.interpolate`${listeners.scheme}://${alb.dnsName}/`;
    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      targetGroupArn: this.targetGroupArn,
      dnsName: this.dnsName,
      url: this.url,
    });
  }
}
