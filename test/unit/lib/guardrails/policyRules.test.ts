import { describe, expect, it } from "vitest";
import {
  decodeUserData,
  ecrViolations,
  imageRefViolations,
  ingressViolations,
  launchTemplateViolations,
  parseImageRef,
  secretPatternViolations,
  secretValueViolations,
  specHashTagViolations,
  TYPES,
  userDataImageRefs,
  userDataImageViolations,
} from "../../../../lib/guardrails/policyRules";
import { renderUserData } from "../../../../lib/aws/userData";

const HASH = "3f2a91c0" + "ab".repeat(28);
const DIGEST = `sha256:${"d".repeat(64)}`;
const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web";
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("ingressViolations", () => {
  it("rejects SSH on an inline security group rule, from any source", () => {
    const props = {
      ingress: [
        { protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["sg-alb"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, securityGroups: ["sg-bastion"] },
      ],
    };
    const v = ingressViolations(TYPES.securityGroup, props);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/^ingress\[1\]: ingress opens SSH \(protocol "tcp", ports 22-22\)/);
  });

  it("rejects a TCP range that contains 22 and protocol -1", () => {
    expect(
      ingressViolations(TYPES.securityGroupRule, {
        type: "ingress",
        protocol: "tcp",
        fromPort: 0,
        toPort: 1024,
        cidrBlocks: ["10.0.0.0/8"],
      }),
    ).toHaveLength(1);
    expect(
      ingressViolations(TYPES.ingressRule, { ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" })[0],
    ).toContain('opens SSH (protocol "-1", all ports)');
  });

  it("rejects every port from anywhere even when the protocol is UDP", () => {
    const v = ingressViolations(TYPES.ingressRule, {
      ipProtocol: "udp",
      fromPort: 0,
      toPort: 65535,
      cidrIpv6: "::/0",
    });
    expect(v).toEqual([
      "ingress opens ports 0-65535 to ::/0: open only the app port, from the load balancer's security group",
    ]);
  });

  it("accepts the app port from the load balancer and port 80 from anywhere", () => {
    expect(
      ingressViolations(TYPES.securityGroup, {
        ingress: [
          { protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["sg-alb"] },
          { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "udp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] },
        ],
      }),
    ).toEqual([]);
    expect(
      ingressViolations(TYPES.securityGroupRule, {
        type: "egress",
        protocol: "-1",
        cidrBlocks: ["0.0.0.0/0"],
      }),
    ).toEqual([]);
  });
});

describe("ingressViolations at the edges", () => {
  const rule = (r: Record<string, unknown>) =>
    ingressViolations(TYPES.securityGroupRule, { type: "ingress", ...r });

  it.each([
    ["tcp 22-22", { protocol: "tcp", fromPort: 22, toPort: 22 }],
    ["TCP 20-22", { protocol: "TCP", fromPort: 20, toPort: 22 }],
    ["tcp 22-23", { protocol: "tcp", fromPort: 22, toPort: 23 }],
    ["protocol 6 (tcp) over 22", { protocol: "6", fromPort: 1, toPort: 100 }],
    ["protocol all", { protocol: "all" }],
    ["tcp with no ports (every port)", { protocol: "tcp" }],
  ])("finds SSH in %s from a private range", (_what, r) => {
    expect(rule({ ...r, cidrBlocks: ["10.0.0.0/8"] })).toEqual([
      expect.stringMatching(/^ingress opens SSH \(protocol "/),
    ]);
  });

  it.each([
    ["tcp 23-30", { protocol: "tcp", fromPort: 23, toPort: 30 }],
    ["tcp 20-21", { protocol: "tcp", fromPort: 20, toPort: 21 }],
    ["udp 22", { protocol: "udp", fromPort: 22, toPort: 22 }],
    ["udp 1-65535", { protocol: "udp", fromPort: 1, toPort: 65535 }],
    ["udp 0-65534", { protocol: "udp", fromPort: 0, toPort: 65534 }],
  ])("accepts %s, even from anywhere", (_what, r) => {
    expect(rule({ ...r, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })).toEqual([]);
  });

  it("names every anywhere-source of an all-ports rule, IPv4 and IPv6", () => {
    expect(
      rule({
        protocol: "udp",
        cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
      }),
    ).toEqual([
      "ingress opens ports 0-65535 to 0.0.0.0/0, ::/0: open only the app port, from the load balancer's security group",
    ]);
    expect(
      ingressViolations(TYPES.securityGroup, {
        ingress: [{ protocol: "-1", ipv6CidrBlocks: ["::/0"] }],
      }),
    ).toEqual([
      expect.stringMatching(/^ingress\[0\]: ingress opens SSH \(protocol "-1", all ports\)/),
    ]);
    expect(
      ingressViolations(TYPES.ingressRule, { ipProtocol: "udp", cidrIpv4: "0.0.0.0/0" }),
    ).toEqual([
      "ingress opens ports 0-65535 to 0.0.0.0/0: open only the app port, from the load balancer's security group",
    ]);
  });

  it("finds every port opened to anywhere through an inline ingress entry, whatever the protocol's case", () => {
    expect(
      ingressViolations(TYPES.securityGroup, {
        ingress: [
          { protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "UDP", cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
          { protocol: "ALL", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        ],
      }),
    ).toEqual([
      "ingress[1]: ingress opens ports 0-65535 to 0.0.0.0/0, ::/0: open only the app port, from the load balancer's security group",
      "ingress[2]: ingress opens all ports to 0.0.0.0/0: open only the app port, from the load balancer's security group",
    ]);
    expect(ingressViolations(TYPES.ingressRule, { ipProtocol: "udp", cidrIpv6: "::/0" })).toEqual([
      "ingress opens ports 0-65535 to ::/0: open only the app port, from the load balancer's security group",
    ]);
  });

  it("reads an ingress rule's protocol in any case: SSH over tcp, every port over all", () => {
    const rule = (r: Record<string, unknown>) => ingressViolations(TYPES.ingressRule, r);
    expect(rule({ ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" })).toEqual([
      expect.stringMatching(/^ingress opens SSH \(protocol "tcp", ports 22-22\)/),
    ]);
    expect(rule({ ipProtocol: "All", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" })).toEqual([
      "ingress opens all ports to 0.0.0.0/0: open only the app port, from the load balancer's security group",
    ]);
  });

  it("says the fix in full when a rule opens SSH", () => {
    expect(
      ingressViolations(TYPES.securityGroupRule, {
        type: "ingress",
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
      }),
    ).toEqual([
      'ingress opens SSH (protocol "tcp", ports 22-22): no-SSH is the rule; replace the fleet instead of logging in, and open only the app port to the load balancer',
    ]);
  });

  it("reads the rule shapes only on their own resource types", () => {
    const everyShape = {
      type: "ingress",
      protocol: "-1",
      ipProtocol: "-1",
      cidrBlocks: ["0.0.0.0/0"],
      cidrIpv4: "0.0.0.0/0",
    };
    for (const type of [TYPES.launchTemplate, TYPES.autoscalingGroup, TYPES.ecrRepository]) {
      expect(ingressViolations(type, everyShape), type).toEqual([]);
    }
  });

  it("reads a rule without a protocol as opening no protocol", () => {
    expect(rule({ fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] })).toEqual([]);
  });

  it("ignores an all-ports rule from a private range and resources that open nothing", () => {
    expect(rule({ protocol: "udp", cidrBlocks: ["10.0.0.0/8"] })).toEqual([]);
    const open = { protocol: "-1", cidrBlocks: ["0.0.0.0/0"] };
    expect(ingressViolations(TYPES.launchTemplate, open)).toEqual([]);
    expect(ingressViolations(TYPES.securityGroup, { ingress: "none" })).toEqual([]);
    expect(ingressViolations(TYPES.securityGroup, { ingress: [null, "x"] })).toEqual([]);
  });
});

describe("launchTemplateViolations", () => {
  it("rejects a key pair and a template without IMDSv2", () => {
    const v = launchTemplateViolations({
      keyName: "ops",
      metadataOptions: { httpTokens: "optional" },
    });
    expect(v).toEqual([
      'keyName: launch templates must not carry a key pair, got "ops": remove keyName',
      'metadataOptions.httpTokens: must be "required" (IMDSv2 only), got "optional": set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }',
    ]);
    expect(launchTemplateViolations({})[0]).toContain("got undefined");
  });

  it("accepts no key pair with httpTokens required", () => {
    expect(launchTemplateViolations({ metadataOptions: { httpTokens: "required" } })).toEqual([]);
  });
});

describe("secretPatternViolations", () => {
  it("finds literal secrets without echoing them", () => {
    const text = "docker run --env 'DB_PASSWORD=hunter2hunter2' img\nAKIAABCDEFGHIJKLMNOP\n";
    const v = secretPatternViolations("userData", text);
    expect(v.map((m) => m.split(":")[1].trim())).toEqual([
      "contains an AWS access key id",
      "contains a literal value assigned to a secret-looking name",
    ]);
    expect(v.join("\n")).not.toContain("hunter2");
  });

  it("accepts secrets read at boot and passed by name", () => {
    const script = [
      'DB_PASSWORD="$(aws ssm get-parameter --name /phoenix/prod/DB_PASSWORD --with-decryption)"',
      "export DB_PASSWORD",
      "docker login --username AWS --password-stdin 1234.dkr.ecr.eu-west-1.amazonaws.com",
      "docker run --env DB_PASSWORD img",
    ].join("\n");
    expect(secretPatternViolations("userData", script)).toEqual([]);
  });
});

describe("secretValueViolations", () => {
  it("reports the source of a leaked value, never the value", () => {
    const v = secretValueViolations("userData", "x s3cr3t-value y", [
      { source: "SSM parameter /phoenix/dev/DB_PASSWORD", value: "s3cr3t-value" },
      { source: "short", value: "x" },
    ]);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(
      /^userData: contains the value of SSM parameter \/phoenix\/dev\/DB_PASSWORD/,
    );
    expect(v[0]).not.toContain("s3cr3t-value");
  });
});

describe("image references", () => {
  it("parses name, tag and digest", () => {
    expect(parseImageRef(`localhost:5000/web:v1.0.0-abc@${DIGEST}`)).toEqual({
      name: "localhost:5000/web",
      tag: "v1.0.0-abc",
      digest: DIGEST,
    });
    expect(parseImageRef("localhost:5000/web")).toEqual({
      name: "localhost:5000/web",
      digest: undefined,
    });
    expect(parseImageRef(DIGEST)).toEqual({ name: "", digest: DIGEST });
  });

  it("accepts a digest, a local image id and a spec-hash tag", () => {
    expect(imageRefViolations("image", `${ECR}@${DIGEST}`)).toEqual([]);
    expect(imageRefViolations("image", DIGEST)).toEqual([]);
    expect(imageRefViolations("image", `web:v1.4.2-${HASH.slice(0, 12)}`)).toEqual([]);
  });

  it("rejects latest, no tag and other tags", () => {
    expect(imageRefViolations("image", "web:latest")[0]).toContain('has tag "latest"');
    expect(imageRefViolations("image", ECR)[0]).toContain("has no tag (means latest)");
    expect(imageRefViolations("image", "web:v1.4.2")).toHaveLength(1);
  });

  it("finds the images a boot script runs, through variables and docker run options", () => {
    const script = [
      `IMAGE='${ECR}:latest'`,
      'docker pull "$IMAGE"',
      "docker run --detach --name web --env A=1 --publish 80:80 --read-only \\",
      "  nginx:1.25 nginx -g 'daemon off;'",
    ].join("\n");
    expect(userDataImageRefs(script)).toEqual([`${ECR}:latest`, "nginx:1.25"]);
    expect(userDataImageViolations(script)).toHaveLength(2);
    expect(userDataImageViolations('docker run "$UNSET"')[0]).toContain("cannot tell which image");
  });

  it("accepts the boot script lib/userData.ts renders", () => {
    const script = renderUserData({
      name: "web",
      imageRef: `${ECR}@${DIGEST}`,
      specHash: HASH,
      region: "eu-west-1",
      port: 8080,
      env: { LOG_LEVEL: "info" },
      sysctls: { "net.core.somaxconn": "1024" },
      secrets: ["DB_PASSWORD"],
      secretVersions: { DB_PASSWORD: 1 },
      ssmPrefix: "/phoenix/prod",
      logGroupName: "/phoenix/phoenix/prod/web",
      runtime: { readOnlyRootFilesystem: true, scratch: ["/tmp"] },
      stopGraceSeconds: 10,
    });
    expect(userDataImageRefs(script)).toEqual([`${ECR}@${DIGEST}`]);
    expect(userDataImageViolations(script)).toEqual([]);
    expect(secretPatternViolations("userData", script)).toEqual([]);
    expect(decodeUserData(b64(script))).toBe(script);
  });
});

describe("ecrViolations", () => {
  it("requires IMMUTABLE tags", () => {
    expect(ecrViolations({ imageTagMutability: "IMMUTABLE" })).toEqual([]);
    expect(ecrViolations({ imageTagMutability: "MUTABLE" })[0]).toMatch(
      /^imageTagMutability: must be "IMMUTABLE", got "MUTABLE"/,
    );
    expect(ecrViolations({})[0]).toContain('got "MUTABLE (default)"');
  });
});

describe("specHashTagViolations", () => {
  it("accepts the tag on a launch template, a group, a local fleet and a container", () => {
    expect(
      specHashTagViolations(TYPES.launchTemplate, { tags: { "phoenix:spec-hash": HASH } }),
    ).toEqual([]);
    expect(
      specHashTagViolations(TYPES.autoscalingGroup, {
        tags: [{ key: "phoenix:spec-hash", value: HASH, propagateAtLaunch: true }],
      }),
    ).toEqual([]);
    expect(specHashTagViolations(TYPES.localFleet, { specHash: HASH })).toEqual([]);
    expect(
      specHashTagViolations(TYPES.dockerContainer, {
        labels: [{ label: "io.phoenix.spec-hash", value: HASH }],
      }),
    ).toEqual([]);
  });

  it("rejects fleet resources without it, naming the field", () => {
    expect(specHashTagViolations(TYPES.launchTemplate, { tags: { Name: "web" } })[0]).toMatch(
      /^tags\.phoenix:spec-hash: every fleet resource carries the spec hash .* got undefined/,
    );
    expect(
      specHashTagViolations(TYPES.autoscalingGroup, {
        tags: [{ key: "phoenix:spec-hash", value: "latest" }],
      })[0],
    ).toContain('got "latest"');
    expect(specHashTagViolations(TYPES.localFleet, {})[0]).toMatch(/^specHash: /);
  });

  it("ignores resources that are not part of a fleet", () => {
    expect(specHashTagViolations(TYPES.ecrRepository, {})).toEqual([]);
  });
});

describe("decodeUserData", () => {
  it("decodes base64, also when wrapped over lines, and passes plain text and non-strings through", () => {
    const script = "#!/bin/bash\nset -euo pipefail\necho ok\n";
    expect(decodeUserData(b64(script))).toBe(script);
    expect(decodeUserData(b64(script).replace(/(.{8})/g, "$1\n  "))).toBe(script);
    expect(decodeUserData(script)).toBe(script);
    // Base64 letters only, but not a whole number of 4-character groups: plain text.
    for (const t of ["abcde", "abcdef", "abcdefg"]) expect(decodeUserData(t)).toBe(t);
    expect(decodeUserData("abc=d")).toBe("abc=d");
    expect(decodeUserData("x!" + b64(script))).toBe("x!" + b64(script));
    expect(decodeUserData(b64(script) + "!")).toBe(b64(script) + "!");
    expect(decodeUserData("  ")).toBe("  ");
    expect(decodeUserData(undefined)).toBe("");
    expect(decodeUserData(42)).toBe("");
  });
});

describe("secretPatternViolations, pattern by pattern", () => {
  const found = (text: string) =>
    secretPatternViolations("userData", text).map((m) => m.split(": contains ")[1].split(":")[0]);

  it.each([
    ["an AWS access key id", "key ASIAABCDEFGHIJKLMNOP here"],
    ["a private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n"],
    ["a private key", "-----BEGIN PRIVATE KEY-----"],
    ...["ghp", "gho", "ghu", "ghs", "ghr"].map((p) => [
      "a GitHub token",
      `${p}_${"a1B2".repeat(9)}`,
    ]),
    ["a Slack token", "xoxb-1234567890-abcdef"],
    ["a literal value assigned to a secret-looking name", "export db_passwd=x"],
    ["a literal value assigned to a secret-looking name", "MY_SECRET_VALUE='abc'"],
    ["a literal value assigned to a secret-looking name", 'GH_TOKEN="abc"'],
    ["a literal value assigned to a secret-looking name", "STRIPE_APIKEY=abc"],
    ["a literal value assigned to a secret-looking name", "STRIPE_API_KEY=abc"],
    ["a literal value assigned to a secret-looking name", "SSH_PRIVATE_KEY=abc"],
    ["a literal value assigned to a secret-looking name", "AWS_ACCESS_KEY=abc"],
    ["a literal value assigned to a secret-looking name", "PASSWORD=abc"],
  ])("finds %s in %j", (what, text) => {
    expect(found(text)).toEqual([what]);
  });

  it.each([
    ["a key id one character short", "AKIAABCDEFGHIJKLMNO"],
    ["a key id inside a longer word", "XAKIAABCDEFGHIJKLMNOP"],
    ["a public key", "-----BEGIN PUBLIC KEY-----"],
    ["a GitHub token one character short", `ghp_${"a".repeat(35)}`],
    ["another gh_ prefix", `ghx_${"a".repeat(36)}`],
    ["a Slack token too short", "xoxb-123456789"],
    ["a secret read from a variable", 'DB_PASSWORD="$DB_PASSWORD"'],
    ["a secret with an empty value", "DB_PASSWORD= docker run"],
    ["a secret-looking name without a value", "export DB_PASSWORD"],
    ["a name that only mentions a secret", "PASS=abc TOKENS_DIR"],
  ])("accepts %s", (_what, text) => {
    expect(found(text)).toEqual([]);
  });

  it("names every kind found, in order, once each", () => {
    expect(found("AKIAABCDEFGHIJKLMNOP xoxp-1234567890-x DB_TOKEN=1 AKIAABCDEFGHIJKLMNOQ")).toEqual(
      [
        "an AWS access key id",
        "a Slack token",
        "a literal value assigned to a secret-looking name",
      ],
    );
  });
});

describe("secretValueViolations at the length limit", () => {
  it("searches values of 6 characters or more, never shorter ones", () => {
    const secrets = [
      { source: "five", value: "abcde" },
      { source: "six", value: "abcdef" },
    ];
    expect(secretValueViolations("labels", "xx abcdef yy", secrets)).toEqual([
      "labels: contains the value of six in plain text: pass the secret at run time (SSM at boot on aws, container env on local), never in user data, images or labels",
    ]);
    expect(secretValueViolations("labels", "abcde", secrets)).toEqual([]);
  });
});

describe("image references at the edges", () => {
  it("takes the last colon after the last slash as the tag", () => {
    expect(parseImageRef("registry:5000/team/web:v1")).toEqual({
      name: "registry:5000/team/web",
      tag: "v1",
      digest: undefined,
    });
    expect(parseImageRef("web")).toEqual({ name: "web", digest: undefined });
    expect(parseImageRef(`web@${DIGEST}`)).toEqual({ name: "web", digest: DIGEST });
  });

  it("accepts spec-hash tags with a pre-release part, and nothing looser", () => {
    const h12 = HASH.slice(0, 12);
    expect(imageRefViolations("image", `web:v1.4.2-rc.1-${h12}`)).toEqual([]);
    for (const tag of [
      `1.4.2-${h12}`,
      `v1.4-${h12}`,
      `v1.4.2-${h12.slice(1)}`,
      `v1.4.2-${h12}0`,
      `v1.4.2-${h12.toUpperCase()}`,
      `v1.4.2${h12}`,
      `xv1.4.2-${h12}`,
    ]) {
      expect(imageRefViolations("image", `web:${tag}`), tag).toEqual([
        `image: image ${JSON.stringify(`web:${tag}`)} has tag ${JSON.stringify(tag)}: reference images by digest (<repo>@sha256:...) or by spec-hash tag (<version>-<hash12>), never latest`,
      ]);
    }
  });

  it("rejects a digest that is not a whole sha256", () => {
    expect(imageRefViolations("image", "web@sha256:abc")[0]).toContain("has no tag (means latest)");
    expect(imageRefViolations("image", "web:latest@sha256:abc")[0]).toContain('has tag "latest"');
  });
});

describe("userDataImageRefs at the edges", () => {
  const BOOLEAN_OPTIONS = ["-d", "--detach", "--rm", "-i", "-t", "-it", "--interactive", "--tty"];
  const MORE_BOOLEAN_OPTIONS = [
    "--read-only",
    "--init",
    "--privileged",
    "-P",
    "--publish-all",
    "-q",
  ];
  it.each([...BOOLEAN_OPTIONS, ...MORE_BOOLEAN_OPTIONS])(
    "skips the boolean option %s without taking the image for its value",
    (flag) => {
      expect(userDataImageRefs(`docker run ${flag} nginx:1.25 sh`)).toEqual(["nginx:1.25"]);
    },
  );

  it("skips options with a value, joined or not, and reads docker create and pull", () => {
    expect(userDataImageRefs("docker create --name=web -p 80:80 web:v1 x")).toEqual(["web:v1"]);
    expect(userDataImageRefs("docker pull alpine:3")).toEqual(["alpine:3"]);
    expect(userDataImageRefs("docker push alpine:3")).toEqual([]);
    expect(userDataImageRefs("docker run --rm")).toEqual([]);
  });

  it("resolves ${NAME}, exported and double-quoted assignments; leaves unknown variables as written", () => {
    const script = [
      'export IMG="web:v2"',
      "  OTHER=alpine:3  ",
      "docker run ${IMG}",
      "docker run $OTHER",
      "docker run $MISSING",
      "docker run ${IMG}x",
    ].join("\n");
    expect(userDataImageRefs(script)).toEqual(["$MISSING", "${IMG}x", "alpine:3", "web:v2"]);
  });

  it("finds registry-qualified references anywhere, with a port, a tag or a digest", () => {
    const refs = userDataImageRefs(
      [
        `echo IMAGE=${ECR}:v1 ok`,
        `X=localhost:5000/web@sha256:${"a".repeat(64)}`,
        "echo example.com/web not-a-registry/web Registry.Example.com/web",
      ].join("\n"),
    );
    expect(refs).toEqual([
      `${ECR}:v1`,
      "example.com/web",
      `localhost:5000/web@sha256:${"a".repeat(64)}`,
    ]);
  });

  it("joins continued lines before reading them", () => {
    expect(userDataImageRefs("docker run \\\n  --rm \\\r\n  web:v3")).toEqual(["web:v3"]);
  });
});

describe("specHashTagViolations at the edges", () => {
  it("accepts 12 to 64 lowercase hex, nothing shorter, longer or upper-case", () => {
    const tagged = (v: string) => specHashTagViolations(TYPES.localFleet, { specHash: v });
    expect(tagged(HASH.slice(0, 12))).toEqual([]);
    expect(tagged(HASH)).toEqual([]);
    for (const v of [HASH.slice(0, 11), HASH + "a", HASH.toUpperCase(), `x${HASH.slice(0, 12)}`]) {
      expect(tagged(v), v).toHaveLength(1);
    }
  });

  it("reads a group's tag list, its singular tag blocks, and a container's labels, naming the field", () => {
    expect(
      specHashTagViolations(TYPES.autoscalingGroup, {
        tag: [null, { key: "phoenix:spec-hash", value: HASH }],
      }),
    ).toEqual([]);
    expect(
      specHashTagViolations(TYPES.autoscalingGroup, { tags: [{ key: "Name", value: HASH }] }),
    ).toHaveLength(1);
    expect(
      specHashTagViolations(TYPES.dockerContainer, {
        labels: [{ label: "other", value: HASH }],
      })[0],
    ).toMatch(/^labels\.io\.phoenix\.spec-hash: .* got undefined: tag it with the specHash output/);
    expect(specHashTagViolations(TYPES.dockerContainer, { labels: "x" })).toHaveLength(1);
    expect(specHashTagViolations(TYPES.launchTemplate, { tags: [HASH] })).toHaveLength(1);
  });
});

describe("policy rules: every message in full, and the grammar's edges", () => {
  it("accepts an empty key name, and says each fix in full", () => {
    expect(
      launchTemplateViolations({ keyName: "", metadataOptions: { httpTokens: "required" } }),
    ).toEqual([]);
    expect(secretPatternViolations("dockerfile", "AKIAABCDEFGHIJKLMNOP")).toEqual([
      "dockerfile: contains an AWS access key id: secrets never go into dockerfile; name them in the spec's secrets: and set them with `pulumi config set --secret` (read from SSM at boot)",
    ]);
    expect(userDataImageViolations("docker run web:latest")).toEqual([
      'userData: image "web:latest" has tag "latest": reference images by digest (<repo>@sha256:...) or by spec-hash tag (<version>-<hash12>), never latest',
    ]);
    expect(userDataImageViolations('docker run "$UNSET"')).toEqual([
      'userData: cannot tell which image "$UNSET" is: assign it a literal image reference',
    ]);
    expect(ecrViolations({ imageTagMutability: "MUTABLE" })).toEqual([
      'imageTagMutability: must be "IMMUTABLE", got "MUTABLE": set imageTagMutability: "IMMUTABLE" so a tag always names the same image',
    ]);
  });

  it("decodes only text that is base64 to its end", () => {
    expect(decodeUserData("abcd#!/bin/bash!")).toBe("abcd#!/bin/bash!");
  });

  it("reads a reference that starts with @ as a digest only", () => {
    expect(parseImageRef(`@${DIGEST}`)).toEqual({ name: "", digest: DIGEST });
  });

  it("accepts versions of several digits in a spec-hash tag", () => {
    expect(imageRefViolations("image", `web:v10.20.30-${HASH.slice(0, 12)}`)).toEqual([]);
  });

  it("reads assignments only at the start of a line, with any spacing after export", () => {
    const script = [
      "echo IMG=web:v9",
      "export  OTHER=web:v2",
      "docker run $IMG",
      "docker run $OTHER",
      "docker run x$OTHER",
    ].join("\n");
    expect(userDataImageRefs(script)).toEqual(["$IMG", "web:v2", "x$OTHER"]);
  });

  it("keeps the words of a continued line apart and reads each line on its own", () => {
    expect(userDataImageRefs("docker run --rm\\\nweb:v3")).toEqual(["web:v3"]);
    expect(userDataImageRefs("docker run\nweb:v1")).toEqual([]);
    expect(userDataImageRefs("echo run web:v1\nsudo pull web:v2")).toEqual([]);
  });

  it("keeps a quoted option value with spaces as one word, in either quotes", () => {
    expect(userDataImageRefs(`docker run --name 'a b' --label "c d" web:v1 sh`)).toEqual([
      "web:v1",
    ]);
  });

  it("finds a registry reference only when the whole word is one, after a NAME= prefix only", () => {
    expect(userDataImageRefs("echo example.com/docs#install example.com/web:v1,x")).toEqual([]);
    expect(userDataImageRefs("echo 1A=example.com/web")).toEqual([]);
  });

  it("reads a container's labels past entries that are not labels, and refuses a hash that is not a string", () => {
    expect(
      specHashTagViolations(TYPES.dockerContainer, {
        labels: [null, { label: "io.phoenix.spec-hash", value: HASH }],
      }),
    ).toEqual([]);
    expect(specHashTagViolations(TYPES.localFleet, { specHash: 123456789012 })).toHaveLength(1);
  });
});
