import { describe, expect, it } from "vitest";
import { endpointClientCidrs, privateDnsProblem } from "../../../../lib/aws/vpcEndpoints";

const vpc = {
  id: "vpc-0123456789abcdef0",
  cidrBlockAssociations: [
    { cidrBlock: "10.1.0.0/16", state: "associated" },
    { cidrBlock: "10.0.0.0/16", state: "associated" },
    { cidrBlock: "10.9.0.0/16", state: "disassociated" },
  ],
  ipv6CidrBlock: "2600:1f18:abcd:1200::/56",
  enableDnsSupport: true,
  enableDnsHostnames: true,
};

describe("endpointClientCidrs", () => {
  it("admits every block associated with the VPC, IPv4 and IPv6, and none it let go", () => {
    expect(endpointClientCidrs(vpc)).toEqual({
      ipv4: ["10.0.0.0/16", "10.1.0.0/16"],
      ipv6: ["2600:1f18:abcd:1200::/56"],
    });
    expect(endpointClientCidrs({ ...vpc, ipv6CidrBlock: "" }).ipv6).toEqual([]);
  });
});

describe("privateDnsProblem", () => {
  it("accepts a VPC with DNS support and hostnames on", () => {
    expect(privateDnsProblem(vpc)).toBeUndefined();
  });

  it("names the VPC, the attributes that are off and the fix", () => {
    expect(privateDnsProblem({ ...vpc, enableDnsHostnames: false })).toBe(
      "phoenix:vpcEndpoints: VPC vpc-0123456789abcdef0 has enableDnsHostnames off, which interface " +
        "endpoints with private DNS need; turn it on (aws ec2 modify-vpc-attribute --vpc-id " +
        "vpc-0123456789abcdef0 --enable-dns-hostnames) or set phoenix:vpcEndpoints false and give " +
        "the instances a NAT gateway",
    );
    expect(
      privateDnsProblem({ ...vpc, enableDnsSupport: false, enableDnsHostnames: false }),
    ).toMatch(
      /has enableDnsSupport and enableDnsHostnames off, .*turn them on .*--enable-dns-support\)/,
    );
  });
});
