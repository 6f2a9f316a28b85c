/** The release helpers of releaseTraffic.ts on their own: rules on several listeners. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { type MockRecorder, outputOf, setupMocks } from "../../../mocks";

const RULE = "aws:lb/listenerRule:ListenerRule";
const LISTENER_ARN = (name: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/${name}`;

let mocks: MockRecorder;
let release: typeof import("../../../../components/aws/releaseTraffic");

beforeAll(async () => {
  mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  release = await import("../../../../components/aws/releaseTraffic");
});

describe("candidateRules and servingRules on two traffic listeners", () => {
  beforeAll(async () => {
    const aws = await import("@pulumi/aws");
    const parent = new pulumi.ComponentResource("test:index:Fleet", "two");
    const listeners = ["two-a", "two-b"].map(
      (name) =>
        new aws.lb.Listener(
          name,
          {
            loadBalancerArn: "lb-arn",
            port: 80,
            defaultActions: [{ type: "forward", targetGroupArn: "tg-arn" }],
          },
          { parent },
        ),
    );
    const args = { listeners, targetGroupArn: "tg-arn", tags: { Name: "two" } };
    const forward = [
      { arn: "tg-arn", weight: 1 },
      { arn: "old-tg-arn", weight: 0 },
    ];
    const rules = [
      ...release.candidateRules(
        "two-candidate",
        { ...args, release: "r1", sourceCidrs: ["203.0.113.0/24"] },
        parent,
      ),
      ...release.servingRules("two-serving", { listeners, forward, tags: args.tags }, { parent }),
    ];
    await Promise.all(rules.map((r) => outputOf(r.urn)));
  });

  it("makes one rule per listener, the first keeping the plain name", () => {
    const rules = mocks.ofType(RULE).map((r) => [r.name, r.inputs.listenerArn, r.inputs.priority]);
    expect(rules.sort()).toEqual([
      ["two-candidate", LISTENER_ARN("two-a"), 10],
      ["two-candidate-1", LISTENER_ARN("two-b"), 10],
      ["two-serving", LISTENER_ARN("two-a"), 50000],
      ["two-serving-1", LISTENER_ARN("two-b"), 50000],
    ]);
    for (const name of ["two-candidate", "two-candidate-1"]) {
      expect(mocks.get(RULE, name).inputs.conditions).toEqual([
        { httpHeader: { httpHeaderName: "X-Phoenix-Release", values: ["r1"] } },
        { sourceIp: { values: ["203.0.113.0/24"] } },
      ]);
    }
  });

  it("keeps the target group that served before in the serving rule at weight 0", () => {
    for (const name of ["two-serving", "two-serving-1"]) {
      expect(mocks.get(RULE, name).inputs.actions).toEqual([
        {
          type: "forward",
          forward: {
            targetGroups: [
              { arn: "tg-arn", weight: 1 },
              { arn: "old-tg-arn", weight: 0 },
            ],
          },
        },
      ]);
    }
  });
});

describe("forwardAction", () => {
  it("forwards to one target group plainly, and to several by weight", () => {
    expect(release.forwardAction([{ arn: "a", weight: 1 }])).toEqual({
      type: "forward",
      targetGroupArn: "a",
    });
    expect(
      release.forwardAction([
        { arn: "a", weight: 1 },
        { arn: "b", weight: 0 },
      ]),
    ).toEqual({
      type: "forward",
      forward: {
        targetGroups: [
          { arn: "a", weight: 1 },
          { arn: "b", weight: 0 },
        ],
      },
    });
  });
});
