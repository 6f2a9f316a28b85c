import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  ebsEncryptionViolations,
  frontDoorTlsViolations,
  imdsHopLimitViolations,
  publicIpViolations,
} from "../lib/guardrails/awsProductionRules";
import { TYPES } from "../lib/guardrails/policyRules";
import { forTypes } from "./forTypes";

/**
 * The aws target's production guarantees: private instances, encrypted volumes, IMDS out of the
 * containers' reach, HTTPS whenever a certificate is configured. All mandatory.
 */

const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";

const noPublicIp: ResourceValidationPolicy = {
  name: "phoenix-no-public-ip",
  description: "Fleet launch templates give instances no public IP.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.launchTemplate], (_t, props) => publicIpViolations(props)),
};

const encryptedEbs: ResourceValidationPolicy = {
  name: "phoenix-encrypted-ebs",
  description: "Fleet launch templates encrypt every EBS volume, the root volume included.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.launchTemplate], (_t, props) => ebsEncryptionViolations(props)),
};

const imdsHopLimit: ResourceValidationPolicy = {
  name: "phoenix-imds-hop-limit",
  description:
    "IMDS hop limit 1 (containers cannot reach the instance role) unless the spec opts in.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([TYPES.launchTemplate], (_t, props) => imdsHopLimitViolations(props)),
};

/**
 * The load balancer each listener belongs to: from the engine's property dependencies when it
 * sends them, else the stack's only load balancer (the ARN itself is unknown during a preview).
 */
function listenersByLoadBalancer(
  resources: readonly PolicyResource[],
): Map<PolicyResource, PolicyResource[]> {
  const lbs = resources.filter((r) => r.type === LOAD_BALANCER);
  const groups = new Map<PolicyResource, PolicyResource[]>(lbs.map((lb) => [lb, []]));
  for (const l of resources.filter((r) => r.type === LISTENER)) {
    // Stryker disable next-line ArrayDeclaration: a made-up dependency has no URN, so it matches no load balancer
    const deps = l.propertyDependencies?.loadBalancerArn ?? [];
    const lb =
      lbs.find((b) => deps.some((d) => d.urn === b.urn)) ?? (lbs.length === 1 ? lbs[0] : undefined);
    if (lb) groups.get(lb)!.push(l);
  }
  return groups;
}

const httpsFrontDoor: StackValidationPolicy = {
  name: "phoenix-https-front-door",
  description:
    "With a certificate configured, the front door serves HTTPS on 443 with a TLS 1.3/1.2 policy and port 80 redirects.",
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    for (const [lb, listeners] of listenersByLoadBalancer(args.resources)) {
      const door = { tags: lb.props.tags, listeners: listeners.map((l) => l.props) };
      for (const message of frontDoorTlsViolations(door)) report(message, lb.urn);
    }
  },
};

/** The aws production policies, in the order they are reported. */
export const awsProductionPolicies = [noPublicIp, encryptedEbs, imdsHopLimit, httpsFrontDoor];
