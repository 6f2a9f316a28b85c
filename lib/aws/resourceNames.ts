/**
 * Names of the aws target's resources that AWS limits more tightly than a spec name allows. Pure.
 *
 * Load balancers and target groups: "This name must be unique per region per account, can have a
 * maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not begin or
 * end with a hyphen, and must not begin with "internal-"."
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html;
 * API_CreateTargetGroup.html says the same without the "internal-" rule). Pulumi autonames both as
 * the logical name, "-" and 7 random characters, and pulumi-aws refuses a result over 32
 * characters (pulumi/pulumi-aws#2121; pulumi/pulumi-cdk#62 shows the error: `"name" cannot be
 * longer than 32 characters: "loadbalancedserviceLB1BE8EDCE-403d9b7"`). So the logical name of
 * either may have at most 24 characters. The random part stays: every release creates a target
 * group while the serving one still exists, and a revert creates one for a release id whose first
 * target group may still serve, so no name derived from the release alone would be unique.
 */

import { createHash } from "node:crypto";

/** AWS's limit on a load balancer's or a target group's name. */
export const ELB_NAME_MAX = 32;
/** What Pulumi's default autoname appends to a logical name: "-" and 7 random characters. */
export const AUTONAME_SUFFIX_LENGTH = 8;
/** The longest logical name whose autoname fits {@link ELB_NAME_MAX}. */
export const ELB_LOGICAL_NAME_MAX = ELB_NAME_MAX - AUTONAME_SUFFIX_LENGTH;
/** Hex of sha256(logical name) a shortened name ends with. */
const HASH_HEX = 6;

/** A load balancer or target group name as AWS takes it (the rules quoted above). */
export const ELB_NAME_RE = /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/**
 * The logical name to give a load balancer or target group so that its autoname fits AWS's rules:
 * `logical` itself when it fits (so a stack that deployed it keeps its resources), otherwise at
 * most 17 leading characters of it, "-" and 6 hex of sha256(`logical`): the same for the same
 * name on every run, different for names that differ only in what was cut off. A leading
 * "internal-" loses its hyphens.
 */
export function elbLogicalName(logical: string): string {
  if (logical.length <= ELB_LOGICAL_NAME_MAX && ELB_NAME_RE.test(logical)) return logical;
  const hash = createHash("sha256").update(logical).digest("hex").slice(0, HASH_HEX);
  const head = logical
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/^internal-+/, "internal")
    .slice(0, ELB_LOGICAL_NAME_MAX - HASH_HEX - 1)
    .replace(/^-+|-+$/g, "");
  return head === "" ? `n${hash}` : `${head}-${hash}`;
}
