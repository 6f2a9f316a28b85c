/**
 * Availability Zones of the fleet: an Application Load Balancer routes only to targets in the
 * Availability Zones it has a subnet in. An instance in any other zone is registered but reported
 * `unused` with reason `Target.NotInUse` ("The target group is not used by any load balancer or the
 * target is in an Availability Zone that is not enabled for its load balancer",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html), so
 * it never turns healthy and the release gate times out. Pure: the component looks the subnets up.
 */
import { CONFIG_NAMESPACE } from "../config/configFields";

/** A subnet and the Availability Zone it is in (ec2 DescribeSubnets / aws.ec2.getSubnet). */
export interface SubnetZone {
  readonly id: string;
  readonly availabilityZone: string;
}

/**
 * One problem per Availability Zone that has instance subnets but no load balancer subnet, naming
 * the subnets, the zone, both config keys and the fix; empty when every zone is covered.
 */
export function zoneProblems(p: {
  readonly albSubnets: readonly SubnetZone[];
  readonly instanceSubnets: readonly SubnetZone[];
}): string[] {
  const covered = new Set(p.albSubnets.map((s) => s.availabilityZone));
  const uncovered = new Map<string, string[]>();
  for (const s of p.instanceSubnets) {
    if (covered.has(s.availabilityZone)) continue;
    uncovered.set(s.availabilityZone, [...(uncovered.get(s.availabilityZone) ?? []), s.id]);
  }
  const albKey = `${CONFIG_NAMESPACE}:albSubnetIds`;
  const instanceKey = `${CONFIG_NAMESPACE}:instanceSubnetIds`;
  return [...uncovered.entries()].map(
    ([zone, ids]) =>
      `${instanceKey}: ${ids.join(", ")} ${ids.length > 1 ? "are" : "is"} in ${zone}, where ` +
      `${albKey} has no subnet (the load balancer covers ${[...covered].sort().join(", ") || "no zone"}); ` +
      `instances there would stay unused (Target.NotInUse) and never pass the health gate. ` +
      `Add a public subnet in ${zone} to ${albKey}, or remove ${ids.join(", ")} from ${instanceKey}`,
  );
}
