/**
 * Checks of a fleet that need the AWS account's answers (provider function calls at preview), each
 * failing the release before anything of it is created: the pure rules are in lib/aws/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { zoneProblems } from "../../lib/aws/zones";

/**
 * The instance subnets, once every one of them is in an Availability Zone the load balancer has a
 * subnet in (lib/aws/zones.ts); fails naming the subnets, the zone and the config keys otherwise.
 */
export function coveredInstanceSubnets(
  name: string,
  subnets: { readonly albSubnetIds: readonly string[]; readonly instanceSubnetIds: readonly string[] },
  parent: pulumi.Resource,
): pulumi.Output<string[]> {
  const zonesOf = (ids: readonly string[]) =>
    pulumi.all(
      ids.map((id) =>
        aws.ec2
          .getSubnetOutput({ id }, { parent })
          .availabilityZone.apply((availabilityZone) => ({ id, availabilityZone })),
      ),
    );
  return pulumi
    .all([zonesOf(subnets.albSubnetIds), zonesOf(subnets.instanceSubnetIds)])
    .apply(([albSubnets, instanceSubnets]) => {
      const problems = zoneProblems({ albSubnets, instanceSubnets });
      if (problems.length > 0) {
        throw new pulumi.ResourceError(`AwsFleet ${name}:\n${problems.join("\n")}`, parent);
      }
      return instanceSubnets.map((s) => s.id);
    });
}
