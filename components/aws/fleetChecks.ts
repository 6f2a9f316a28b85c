/**
 * Checks of a fleet that need the AWS account's answers (provider function calls at preview), each
 * failing the release before anything of it is created: the pure rules are in lib/aws/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { zoneProblems } from "../../lib/aws/zones";
import { crossAccountPromotionWarning } from "../../lib/aws/releaseChecks";
import { ECR_REPOSITORY_URL_RE } from "../../lib/core/identifiers";

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

/**
 * Warns at preview when a promoting stack's repository is in another account than the one the
 * stack deploys to: the retire's live tag needs ECR write actions there (lib/aws/releaseChecks.ts).
 * Returns the warning (undefined when none), for the caller to wait on or ignore.
 */
export function warnCrossAccountPromotion(
  repositoryUrl: string | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string | undefined> {
  const repositoryAccount = ECR_REPOSITORY_URL_RE.exec(repositoryUrl ?? "")?.[1];
  if (!repositoryAccount) return pulumi.output(undefined);
  return aws.getCallerIdentityOutput({}, { parent }).accountId.apply((deployAccount) => {
    const warning = crossAccountPromotionWarning({ repositoryAccount, deployAccount });
    if (warning) pulumi.log.warn(warning, parent);
    return warning;
  });
}
