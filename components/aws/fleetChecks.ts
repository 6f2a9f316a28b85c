/**
 * Checks of a fleet that need the AWS account's answers (provider function calls at preview), each
 * failing the release before anything of it is created: the pure rules are in lib/aws/.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { zoneProblems } from "../../lib/aws/zones";
import { crossAccountPromotionWarning } from "../../lib/aws/releaseChecks";
import { ECR_REPOSITORY_URL_RE } from "../../lib/core/identifiers";
import {
  AUTOSCALING_KEY_OPERATIONS,
  AUTOSCALING_SERVICE_ROLE,
  autoScalingServiceRoleArn,
  defaultKeyProblem,
  serviceRoleProblem,
} from "../../lib/aws/ebsKeyGrant";

/**
 * The instance subnets, once every one of them is in an Availability Zone the load balancer has a
 * subnet in (lib/aws/zones.ts); fails naming the subnets, the zone and the config keys otherwise.
 */
export function coveredInstanceSubnets(
  name: string,
  subnets: {
    readonly albSubnetIds: readonly string[];
    readonly instanceSubnetIds: readonly string[];
  },
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

/**
 * What lets Auto Scaling launch instances whose volumes use a customer managed key
 * (lib/aws/ebsKeyGrant.ts): with phoenix:kmsKeyId, a KMS grant to Auto Scaling's service-linked
 * role, which must exist; without it, that the account's default EBS key is no customer managed key
 * (the stack makes no grant on it). `checked` fails at preview naming the problem (the release
 * waits on it); the group depends on `grants`.
 */
export function ebsKeyAccess(
  name: string,
  p: { readonly kmsKeyId?: string; readonly region: string },
  parent: pulumi.Resource,
): { checked: pulumi.Output<unknown>; grants: pulumi.Resource[] } {
  const opts = { parent };
  const fail = (problem: string | undefined) => {
    if (problem) throw new pulumi.ResourceError(`AwsFleet ${name}: ${problem}`, parent);
  };
  if (!p.kmsKeyId) {
    // DescribeKey on the default's alias/aws/ebs works even before that key exists: "If you specify
    // a predefined Amazon Web Services alias (an Amazon Web Services alias with no key ID), KMS
    // associates the alias with an Amazon Web Services managed key and returns its KeyId and Arn"
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html, KeyId).
    const key = aws.kms.getKeyOutput(
      { keyId: aws.ebs.getDefaultKmsKeyOutput({}, opts).keyArn },
      opts,
    );
    const checked = pulumi
      .all([key.arn, key.keyManager])
      .apply(([keyArn, keyManager]) => fail(defaultKeyProblem({ keyArn, keyManager })));
    return { checked, grants: [] };
  }
  const checked = aws.iam
    .getRolesOutput(
      {
        nameRegex: `^${AUTOSCALING_SERVICE_ROLE}$`,
        pathPrefix: "/aws-service-role/autoscaling.amazonaws.com/",
      },
      opts,
    )
    .names.apply((names) => fail(serviceRoleProblem(names.includes(AUTOSCALING_SERVICE_ROLE))));
  const account = aws.getCallerIdentityOutput({}, opts).accountId;
  const grant = new aws.kms.Grant(
    `${name}-ebs-key-grant`,
    {
      // A grant takes a key id or key ARN, never an alias: an alias ARN is resolved to its key.
      keyId: aws.kms.getKeyOutput({ keyId: p.kmsKeyId }, opts).arn,
      granteePrincipal: pulumi
        .all([account, checked])
        .apply(([accountId]) => autoScalingServiceRoleArn({ region: p.region, accountId })),
      operations: [...AUTOSCALING_KEY_OPERATIONS],
    },
    opts,
  );
  return { checked, grants: [grant] };
}
