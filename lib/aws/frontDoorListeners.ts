/**
 * Which listeners the AWS front door opens, decided from the stack's certificate. Pure: the
 * component creates one `aws.lb.Listener` per entry.
 *
 * With a certificate: HTTPS on 443 with a current TLS policy (TLS 1.3 and 1.2 only) forwarding to
 * the fleet, and port 80 answering 301 to https. Without one: HTTP on 80 forwarding to the fleet,
 * and a warning at preview, so nobody ships plain HTTP without being told.
 */

/**
 * The ALB security policy of the HTTPS listener: TLS 1.3 + 1.2 with the restricted cipher set and
 * post-quantum key exchange, the console's default since 2025-09.
 */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09";

/** One listener of the front door. */
export interface ListenerPlan {
  /** Suffix of the listener's logical name (`<frontdoor>-http`, `<frontdoor>-https`). */
  readonly suffix: "-http" | "-https";
  readonly port: 80 | 443;
  readonly protocol: "HTTP" | "HTTPS";
  /** forward: to the fleet's target group; redirect: 301 to the same URL on https. */
  readonly action: "forward" | "redirect-to-https";
  readonly sslPolicy?: string;
  readonly certificateArn?: string;
}

/** What the front door opens: its listeners, the ports it admits, and a warning when HTTP only. */
export interface FrontDoorPlan {
  readonly listeners: readonly ListenerPlan[];
  /** Ports the load balancer's security group admits from anywhere. */
  readonly ingressPorts: readonly (80 | 443)[];
  readonly scheme: "http" | "https";
  /** Set when the front door serves plain HTTP only. */
  readonly warning?: string;
}

/** The front door's listeners for a certificate ARN (validated by the stack config) or none. */
export function frontDoorPlan(certificateArn: string | undefined): FrontDoorPlan {
  if (!certificateArn) {
    return {
      listeners: [{ suffix: "-http", port: 80, protocol: "HTTP", action: "forward" }],
      ingressPorts: [80],
      scheme: "http",
      warning:
        "phoenix:certificateArn is not set: the front door serves plain HTTP on port 80 only. " +
        "Set it to an ACM certificate ARN in the stack's region (`pulumi config set " +
        "phoenix:certificateArn arn:aws:acm:...`) to serve HTTPS on 443 and redirect port 80 there.",
    };
  }
  return {
    listeners: [
      {
        suffix: "-https",
        port: 443,
        protocol: "HTTPS",
        action: "forward",
        sslPolicy: TLS_POLICY,
        certificateArn,
      },
      { suffix: "-http", port: 80, protocol: "HTTP", action: "redirect-to-https" },
    ],
    ingressPorts: [80, 443],
    scheme: "https",
  };
}
