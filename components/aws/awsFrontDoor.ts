import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, TAGS } from "../../lib/core/identifiers";
import { elbLogicalName } from "../../lib/aws/resourceNames";
import { createFrontDoorListeners } from "./frontDoorListeners";

/** Arguments of {@link AwsFrontDoor}. */
export interface AwsFrontDoorArgs {
  readonly vpcId: string;
  /** At least two subnets in different AZs (an ALB requirement). */
  readonly subnetIds: readonly string[];
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * ACM certificate ARN: HTTPS on 443 (TLS 1.3/1.2) and port 80 redirecting to it.
   * @default - HTTP only on port 80, with a warning at preview
   */
  readonly certificateArn?: string;
  /** Protect the load balancer: a change that would delete or replace it fails. @default false */
  readonly protect?: boolean;
}

/**
 * The stable front door of an AWS fleet: an internet-facing ALB in the public subnets, its security
 * group (80, and 443 with a certificate, from anywhere) and its listeners (see frontDoorListeners.ts:
 * HTTPS + 301, or HTTP only). Releases come and go behind it: each brings its own target group, and
 * the fleet's listener rules (components/aws/releaseTraffic.ts) forward every listener in
 * `trafficListeners` to the serving release; until a first release is healthy they answer 503.
 * Nothing here depends on the image, so it is never replaced by a release.
 */
export class AwsFrontDoor extends pulumi.ComponentResource {
  /** Security group of the load balancer; the fleet admits the app port from it only. */
  readonly securityGroupId: pulumi.Output<string>;
  /**
   * The listeners that carry traffic (HTTPS with a certificate, HTTP without; never the redirect):
   * the fleet adds its release rules (the candidate header rule, the forward to the serving
   * release's target group) to each of them.
   */
  readonly trafficListeners: aws.lb.Listener[];
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
    // Autonamed within AWS's 32 characters whatever the spec name's length (resourceNames.ts).
    const alb = new aws.lb.LoadBalancer(
      elbLogicalName(name),
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [sg.id],
        subnets: [...args.subnetIds],
        dropInvalidHeaderFields: true,
        // The policy pack holds the listeners to this: https means HTTPS on 443 and 80 -> 301.
        tags: { ...tags(""), [TAGS.tls]: args.certificateArn ? "https" : "http-only" },
      },
      { parent: this, protect: args.protect ?? false },
    );
    const listeners = createFrontDoorListeners({
      name,
      parent: this,
      loadBalancerArn: alb.arn,
      securityGroupId: sg.id,
      certificateArn: args.certificateArn,
      tags: args.tags,
    });
    this.trafficListeners = [listeners.forward];

    this.securityGroupId = sg.id;
    this.dnsName = alb.dnsName;
    this.url = pulumi.interpolate`${listeners.scheme}://${alb.dnsName}/`;
    this.registerOutputs({
      securityGroupId: this.securityGroupId,
      dnsName: this.dnsName,
      url: this.url,
    });
  }
}
