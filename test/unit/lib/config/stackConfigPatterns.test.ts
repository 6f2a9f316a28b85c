import { describe, expect, it } from "vitest";
import { namespaceConfig, nearestKey, parseStackConfig } from "../../../../lib/config/stackConfig";

// Imports stackConfig.ts alone, so its mutation result is the only one this file covers.

const AWS = {
  target: "aws",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  albSubnetIds: '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  instanceSubnetIds: '["subnet-0123456789abcdef2","subnet-0123456789abcdef3"]',
  amiId: "ami-0123456789abcdef0",
};

/** The issues of a config that must fail, as `<path>: <message>` lines. */
function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toHaveProperty("name", "ValidationError");
    return (e as { issues: { path: string; message: string }[] }).issues.map(
      (i) => `${i.path}: ${i.message}`,
    );
  }
  throw new Error("expected a ValidationError");
}

describe("stack setting patterns: the whole value must match, not a part of it", () => {
  it.each([
    ["amiId", "ami-01234567"],
    ["region", "us-gov-west-1"],
    ["region", "ap-southeast-10"],
    ["vpcId", "vpc-01234567"],
    ["instanceType", "m5dn.xlarge"],
    ["instanceType", "c6g-x.large"],
  ])("accepts %s %s", (key, value) => {
    expect(parseStackConfig({ ...AWS, [key]: value })).toMatchObject({ [key]: value });
  });

  it.each([
    ["amiId", "xami-0123456789abcdef0", "must be a pinned AMI id like ami-0123456789abcdef0"],
    ["amiId", "ami-0123456789abcdef0x", "must be a pinned AMI id like ami-0123456789abcdef0"],
    ["amiId", "ami-0", "must be a pinned AMI id like ami-0123456789abcdef0"],
    ["region", "1eu-west-1", "must be an AWS region like eu-west-1"],
    ["region", "eu-west-1x", "must be an AWS region like eu-west-1"],
    ["vpcId", "xvpc-0123456789abcdef0", "must be a VPC id like vpc-0123456789abcdef0"],
    ["vpcId", "vpc-0123456789abcdef0x", "must be a VPC id like vpc-0123456789abcdef0"],
    ["vpcId", "vpc-0", "must be a VPC id like vpc-0123456789abcdef0"],
    ["vpcId", "vpc-zzzzzzzz", "must be a VPC id like vpc-0123456789abcdef0"],
    ["instanceType", "3t.small", "must be an EC2 instance type like t3.small"],
    ["instanceType", "t3.small!", "must be an EC2 instance type like t3.small"],
  ])("refuses %s %s, naming the setting and the shape it wants", (key, value, message) => {
    expect(problems({ ...AWS, [key]: value })).toEqual([
      `phoenix:${key}: ${message}, got ${JSON.stringify(value)}`,
    ]);
  });

  it("refuses a pull account id with a digit too many or something after it", () => {
    const wanted = "must be a 12-digit AWS account id like 210987654321";
    expect(problems({ ...AWS, pullAccountIds: "2109876543210" })).toEqual([
      `phoenix:pullAccountIds[0]: ${wanted}, got "2109876543210"`,
    ]);
    expect(problems({ ...AWS, pullAccountIds: "210987654321x" })).toEqual([
      `phoenix:pullAccountIds[0]: ${wanted}, got "210987654321x"`,
    ]);
    expect(parseStackConfig({ ...AWS, pullAccountIds: "210987654321" })).toMatchObject({
      pullAccountIds: ["210987654321"],
    });
  });

  it("refuses a pull account twice, and a value that is no list", () => {
    expect(problems({ ...AWS, pullAccountIds: "210987654321,210987654321" })).toEqual([
      'phoenix:pullAccountIds: must not repeat an account, got "210987654321,210987654321"',
    ]);
    expect(problems({ ...AWS, pullAccountIds: { a: 1 } })).toEqual([
      "phoenix:pullAccountIds: must be a list of 12-digit AWS account ids, got a mapping",
    ]);
  });

  it("takes a spec path ending in .yml, refuses one with more after .yaml or that is no string", () => {
    expect(parseStackConfig({ target: "local", spec: "images/web.yml" })).toMatchObject({
      spec: "images/web.yml",
    });
    expect(problems({ target: "local", spec: "images/web.yaml.bak" })).toEqual([
      "phoenix:spec: must be a relative path to a .yaml file inside the project, without '..', e.g. images/web.yaml, got \"images/web.yaml.bak\"",
    ]);
    expect(problems({ target: "local", spec: 5 })).toEqual([
      "phoenix:spec: must be a path to the image spec, relative to the project root, got 5",
    ]);
  });
});

describe("the AMI id's own messages", () => {
  it("says how to set a missing AMI id, and what an AMI id is when it is no string", () => {
    const { amiId: _, ...noAmi } = AWS;
    expect(problems(noAmi)).toEqual([
      "phoenix:amiId: required; set it with `pulumi config set phoenix:amiId ami-0123456789abcdef0`",
    ]);
    expect(problems({ ...AWS, amiId: 5 })).toEqual(["phoenix:amiId: must be an AMI id, got 5"]);
  });

  it("tells a moving AMI reference to pin an id, and only such a reference", () => {
    const pin =
      "(look the AMI up once and pin its id, so the fleet only changes when you change it)";
    for (const moving of ["ami-latest", "resolve:ssm:/aws/service/ami", "ami-*"])
      expect(problems({ ...AWS, amiId: moving })[0]).toContain(pin);
    expect(problems({ ...AWS, amiId: "ami-zz" })[0]).not.toContain(pin);
  });
});

describe("settings of other namespaces and secrets", () => {
  it("ignores UPPER_CASE secret names only when the whole name is upper case", () => {
    expect(parseStackConfig({ target: "local", "phoenix:DB_PASSWORD": "x" })).toMatchObject({
      target: "local",
    });
    for (const key of ["dbPASSWORD", "Spec"])
      expect(problems({ target: "local", [key]: "x" })[0]).toMatch(
        new RegExp(`^phoenix:${key}: unknown key`),
      );
    expect(
      namespaceConfig({
        "phoenix:DB_PASSWORD": "s",
        "phoenix:dbPASSWORD": "a",
        "phoenix:Spec": "b",
      }),
    ).toEqual({ "phoenix:dbPASSWORD": "a", "phoenix:Spec": "b" });
  });

  it("says a missing target is required and how to set it", () => {
    expect(problems({})).toEqual([
      "phoenix:target: required; set it with `pulumi config set phoenix:target local`",
    ]);
    expect(problems({ target: "gcp" })[0]).toBe(
      'phoenix:target: must be local or aws, got "gcp"; set it with `pulumi config set phoenix:target local`',
    );
  });
});

describe("sizes around desiredCount", () => {
  it("holds minSize and maxSize to the default desiredCount of 3 when it is not set", () => {
    expect(problems({ ...AWS, minSize: 4 })).toEqual([
      "phoenix:minSize: must be at most desiredCount (3), got 4",
    ]);
    expect(problems({ ...AWS, maxSize: 2 })).toEqual([
      "phoenix:maxSize: must be at least desiredCount (3), got 2",
    ]);
  });

  it("takes maxSize equal to desiredCount", () => {
    expect(parseStackConfig({ ...AWS, desiredCount: 4, maxSize: 4 })).toMatchObject({
      desiredCount: 4,
      maxSize: 4,
    });
  });

  it("leaves a size that is no whole number to the schema's own message", () => {
    expect(problems({ ...AWS, minSize: "4.5" })).toEqual([
      'phoenix:minSize: must be a whole number, got "4.5"',
    ]);
  });
});

describe("imageRepository with imageSource promote", () => {
  const repo = (region: string) =>
    `123456789012.dkr.ecr.${region}.amazonaws.com/phoenix-web-0123456789abcdef`;

  it("says how to set the repository when promote has none", () => {
    expect(problems({ ...AWS, imageSource: "promote" })).toEqual([
      'phoenix:imageRepository: required with imageSource promote; set it with `pulumi config set phoenix:imageRepository "$(pulumi stack output repositoryUrl -s <building stack>)"`',
    ]);
  });

  it("takes a repository in the stack's region, and refuses one elsewhere naming both regions", () => {
    expect(
      parseStackConfig({ ...AWS, imageSource: "promote", imageRepository: repo("eu-west-1") }),
    ).toMatchObject({ imageSource: "promote", imageRepository: repo("eu-west-1") });
    expect(
      problems({ ...AWS, imageSource: "promote", imageRepository: repo("us-east-1") }),
    ).toEqual([
      "phoenix:imageRepository: must be in the stack's region eu-west-1, got a repository in us-east-1; promote from a building stack in eu-west-1, or replicate the repository there (ECR cross-Region replication) and set imageRepository to the replica",
    ]);
  });

  it("says a repository only applies with promote, and how to remove it", () => {
    expect(problems({ ...AWS, imageRepository: repo("eu-west-1") })).toEqual([
      "phoenix:imageRepository: only applies with imageSource promote (a building stack creates its own repository); remove it with `pulumi config rm phoenix:imageRepository` or set phoenix:imageSource promote",
    ]);
  });
});

describe("nearestKey", () => {
  const known = ["desiredCount", "minSize", "maxSize", "spec", "target"];

  it("suggests the closest key within two edits, the first of equally close ones", () => {
    expect(nearestKey("desiredcont", known)).toBe("desiredCount");
    expect(nearestKey("mxSize", known)).toBe("maxSize");
    expect(nearestKey("misSize", known)).toBe("minSize");
    expect(nearestKey("spc", known)).toBe("spec");
  });

  it("allows a third of a long key's length, and no more", () => {
    // 12 characters: 4 edits allowed; 5 are too many.
    expect(nearestKey("deXiXedXoXnt", known)).toBe("desiredCount");
    expect(nearestKey("deXiXeXXoXnt", known)).toBeUndefined();
  });

  it("suggests nothing for a key far from every known one", () => {
    expect(nearestKey("zzzzzz", known)).toBeUndefined();
  });
});
