import { describe, expect, it } from "vitest";
import { zoneProblems } from "../../../../lib/aws/zones";

const alb = [
  { id: "subnet-a1", availabilityZone: "eu-west-1a" },
  { id: "subnet-b1", availabilityZone: "eu-west-1b" },
];

describe("zoneProblems", () => {
  it("accepts instance subnets in zones the load balancer covers", () => {
    expect(
      zoneProblems({
        albSubnets: alb,
        instanceSubnets: [
          { id: "subnet-a2", availabilityZone: "eu-west-1a" },
          { id: "subnet-b2", availabilityZone: "eu-west-1b" },
        ],
      }),
    ).toEqual([]);
  });

  it("names each uncovered zone with its subnets, both config keys and the fix", () => {
    expect(
      zoneProblems({
        albSubnets: alb,
        instanceSubnets: [
          { id: "subnet-a2", availabilityZone: "eu-west-1a" },
          { id: "subnet-c2", availabilityZone: "eu-west-1c" },
          { id: "subnet-c3", availabilityZone: "eu-west-1c" },
          { id: "subnet-d2", availabilityZone: "eu-west-1d" },
        ],
      }),
    ).toEqual([
      "phoenix:instanceSubnetIds: subnet-c2, subnet-c3 are in eu-west-1c, where phoenix:albSubnetIds " +
        "has no subnet (the load balancer covers eu-west-1a, eu-west-1b); instances there would stay " +
        "unused (Target.NotInUse) and never pass the health gate. Add a public subnet in eu-west-1c " +
        "to phoenix:albSubnetIds, or remove subnet-c2, subnet-c3 from phoenix:instanceSubnetIds",
      "phoenix:instanceSubnetIds: subnet-d2 is in eu-west-1d, where phoenix:albSubnetIds has no " +
        "subnet (the load balancer covers eu-west-1a, eu-west-1b); instances there would stay unused " +
        "(Target.NotInUse) and never pass the health gate. Add a public subnet in eu-west-1d to " +
        "phoenix:albSubnetIds, or remove subnet-d2 from phoenix:instanceSubnetIds",
    ]);
  });
});
