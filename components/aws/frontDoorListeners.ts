import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { frontDoorPlan } from "../../lib/aws/frontDoorListeners";

/** Arguments of {@link createFrontDoorListeners}. */
export interface FrontDoorListenersArgs {
  /** Logical name prefix: the front door's name. */
  readonly name: string;
  /** The front door component; every child is parented to it. */
  readonly parent: pulumi.Resource;
  readonly loadBalancerArn: pulumi.Input<string>;
  /** The load balancer's security group; gets one ingress rule per listener port. */
  readonly securityGroupId: pulumi.Input<string>;
  /**
   * The target group the forwarding listener's default action sends traffic to.
   * @default - 503 "no release is serving yet": the fleet's serving rule (components/aws/releaseTraffic.ts)
   * forwards to the serving release's target group, so the default only answers before the first one
   */
  readonly forwardTargetGroupArn?: pulumi.Input<string>;
  /** ACM certificate ARN. @default - HTTP only on port 80, with a warning at preview */
  readonly certificateArn?: string;
  /** Tags put on every resource (plus Name). */
  readonly tags: Readonly<Record<string, string>>;
}

/** The listeners made, and the one that forwards to the fleet. */
export interface FrontDoorListeners {
  /** The listener forwarding to the fleet: HTTPS with a certificate, HTTP without. */
  readonly forward: aws.lb.Listener;
  readonly scheme: "http" | "https";
}

/**
 * The front door's listeners and their ingress rules, as {@link frontDoorPlan} decides. The port 80
 * listener keeps its logical name either way, so adding a certificate updates it in place (from
 * forward to a 301) instead of replacing it.
 */
export function createFrontDoorListeners(args: FrontDoorListenersArgs): FrontDoorListeners {
  const plan = frontDoorPlan(args.certificateArn);
  const opts = { parent: args.parent };
  if (plan.warning) pulumi.log.warn(plan.warning, args.parent);
  const tags = (suffix: string) => ({ ...args.tags, Name: `${args.name}${suffix}` });
  for (const port of plan.ingressPorts) {
    const what = port === 443 ? "HTTPS" : "HTTP";
    const suffix = port === 443 ? "-https-in" : "-http-in";
    new aws.vpc.SecurityGroupIngressRule(
      `${args.name}${suffix}`,
      {
        securityGroupId: args.securityGroupId,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
        description: `${what} from anywhere`,
        tags: tags(suffix),
      },
      opts,
    );
  }
  let forward: aws.lb.Listener | undefined;
  for (const l of plan.listeners) {
    const listener = new aws.lb.Listener(
      `${args.name}${l.suffix}`,
      {
        loadBalancerArn: args.loadBalancerArn,
        port: l.port,
        protocol: l.protocol,
        sslPolicy: l.sslPolicy,
        certificateArn: l.certificateArn,
        defaultActions: [
          l.action === "forward"
            ? forwardAction(args.forwardTargetGroupArn)
            : {
                type: "redirect",
                redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
              },
        ],
        tags: tags(l.suffix),
      },
      opts,
    );
    if (l.action === "forward") forward = listener;
  }
  if (!forward) throw new pulumi.ResourceError(`${args.name}: no forwarding listener`, args.parent);
  return { forward, scheme: plan.scheme };
}

/** The forwarding listener's default action: a target group, or 503 until a release serves. */
function forwardAction(targetGroupArn: pulumi.Input<string> | undefined) {
  return targetGroupArn !== undefined
    ? { type: "forward", targetGroupArn }
    : {
        type: "fixed-response",
        fixedResponse: {
          statusCode: "503",
          contentType: "text/plain",
          messageBody: "no release is serving yet",
        },
      };
}
