import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, DYNAMIC_NAMES } from "../../lib/core/identifiers";
import { type AwsConnection, checkResult, connectionShape, updateOnlyDiff } from "./awsConnection";
import { deleteTargetGroup, fleetTargetGroups } from "./fleetApi";
import { drainFleet } from "./releaseRetire";

/** Plain inputs of the teardown, as the provider receives them. */
export interface ReleaseTeardownProps extends AwsConnection {
  /** `<project>/<stack>/<fleet>`: the phoenix:fleet tag of the fleet's groups and target groups. */
  fleetTag: string;
}

/** What a teardown removed when the fleet was destroyed. */
export interface ReleaseTeardownResult {
  groups: string[];
  targetGroupArns: string[];
}

function propsSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.object({
    ...connectionShape(),
    fleetTag: z.string().min(1, "fleetTag: must not be empty, e.g. phoenix/dev/web"),
  });
}

/**
 * Deletes every release of the fleet (tag `phoenix:fleet = fleetTag`, the retire's scoping): any
 * group still left (drained and deleted, waited on until gone), then every target group. Run when
 * the fleet is destroyed, after every listener rule (they depend on it), so no target group is in
 * use any more.
 */
export async function teardown(props: ReleaseTeardownProps): Promise<ReleaseTeardownResult> {
  const groups = await drainFleet(props);
  const targetGroupArns = (await fleetTargetGroups(props, props.fleetTag)).map((t) => t.arn).sort();
  for (const arn of targetGroupArns) await deleteTargetGroup(props, arn);
  return { groups, targetGroupArns };
}

/**
 * Dynamic provider of the teardown. It does nothing while the fleet lives; its delete removes what
 * `retainOnDelete` keeps the engine from deleting (groups and target groups of every release).
 */
export const releaseTeardownProvider: pulumi.dynamic.ResourceProvider<
  ReleaseTeardownProps,
  ReleaseTeardownProps
> = {
  async check(_olds, news) {
    return checkResult(propsSchema().safeParse(news), news);
  },
  async diff(_id, olds, news) {
    // Never replaced: a replacement would delete (tear down) the live fleet.
    const keys = ["region", "endpoint", "profile", "roleArn", "fleetTag"] as const;
    return updateOnlyDiff(keys, olds, news);
  },
  async create(inputs) {
    return { id: inputs.fleetTag, outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete(_id, props) {
    await teardown(props);
  },
};

/** Arguments of {@link ReleaseTeardown}. */
export interface ReleaseTeardownArgs {
  readonly connection: pulumi.Input<AwsConnection>;
  readonly fleetTag: pulumi.Input<string>;
}

/**
 * Deletes every release of a fleet when the fleet is destroyed. Everything that names a release's
 * target group (rules, groups) must depend on it, and it on the instances' security group (or what
 * holds it), so a destroy deletes the rules, then this, then the security group.
 */
export class ReleaseTeardown extends pulumi.dynamic.Resource {
  constructor(name: string, args: ReleaseTeardownArgs, opts: pulumi.CustomResourceOptions = {}) {
    const c = pulumi.output(args.connection);
    super(
      releaseTeardownProvider,
      name,
      {
        region: c.region,
        endpoint: c.endpoint,
        profile: c.profile,
        roleArn: c.roleArn,
        fleetTag: args.fleetTag,
      },
      opts,
      DYNAMIC_MODULE,
      DYNAMIC_NAMES.releaseTeardown,
    );
  }
}
