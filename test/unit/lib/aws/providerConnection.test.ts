import { describe, expect, it } from "vitest";
import {
  UNSUPPORTED_SETTINGS,
  connectionProblems,
  hasSecretCredentials,
  providerConnection,
} from "../../../../lib/aws/providerConnection";

const ROLE = "arn:aws:iam::123456789012:role/phoenix";
const NONE = {
  accessKey: "",
  secretKey: "",
  token: "",
  sharedCredentialsFile: "",
  sharedConfigFile: "",
  externalId: "",
  sessionName: "",
  durationSeconds: 0,
  policy: "",
  policyArns: [],
  tags: {},
  transitiveTagKeys: [],
  sourceIdentity: "",
};

describe("providerConnection", () => {
  it("uses the aws provider's region, profile and single assumed role", () => {
    expect(
      providerConnection("eu-west-1", { profile: "deploy", assumeRoles: [{ roleArn: ROLE }] }),
    ).toEqual({
      region: "eu-west-1",
      endpoint: "",
      profile: "deploy",
      roleArn: ROLE,
      credentials: NONE,
    });
    expect(providerConnection("eu-west-1", { region: "us-east-1" }).region).toBe("us-east-1");
  });

  it("carries every credential setting of the provider: keys, files and the role's fields", () => {
    const c = providerConnection("eu-west-1", {
      accessKey: "AKIAEXAMPLE",
      secretKey: "secret",
      token: "session-token",
      sharedCredentialsFiles: ["~/.aws/ci-credentials"],
      sharedConfigFiles: ["/etc/aws/config"],
      assumeRoles: [
        {
          roleArn: ROLE,
          externalId: "ext-42",
          sessionName: "deployer",
          duration: "1h30m",
          policy: '{"Version":"2012-10-17"}',
          policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
          tags: { team: "web" },
          transitiveTagKeys: ["team"],
          sourceIdentity: "alice",
        },
      ],
    });
    expect(c.credentials).toEqual({
      accessKey: "AKIAEXAMPLE",
      secretKey: "secret",
      token: "session-token",
      sharedCredentialsFile: "~/.aws/ci-credentials",
      sharedConfigFile: "/etc/aws/config",
      externalId: "ext-42",
      sessionName: "deployer",
      durationSeconds: 5400,
      policy: '{"Version":"2012-10-17"}',
      policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      tags: { team: "web" },
      transitiveTagKeys: ["team"],
      sourceIdentity: "alice",
    });
    expect(hasSecretCredentials(c.credentials)).toBe(true);
    expect(hasSecretCredentials(providerConnection("eu-west-1", {}).credentials)).toBe(false);
    expect(
      hasSecretCredentials({ ...NONE, token: "t" }) &&
        !hasSecretCredentials({ ...NONE, accessKey: "a" }),
    ).toBe(true);
  });

  it("rejects a chain of roles, naming aws:assumeRoles", () => {
    expect(() =>
      providerConnection("eu-west-1", {
        assumeRoles: [{ roleArn: ROLE }, { roleArn: "arn:aws:iam::123456789012:role/b" }],
      }),
    ).toThrow(
      "aws:assumeRoles: the fleet's release gate, retire and audit assume one role, got a chain of 2; " +
        "assume the last role directly (or set aws:profile to a profile that does)",
    );
  });

  it("uses the default credentials when nothing is set", () => {
    expect(providerConnection("eu-west-1", {})).toEqual({
      region: "eu-west-1",
      endpoint: "",
      profile: "",
      roleArn: "",
      credentials: NONE,
    });
  });

  it("skips role entries without an ARN, so one real role among them is no chain", () => {
    expect(
      providerConnection("eu-west-1", { assumeRoles: [{}, { roleArn: ROLE }, { roleArn: "" }] })
        .roleArn,
    ).toBe(ROLE);
    expect(providerConnection("eu-west-1", { assumeRoles: [{}] }).roleArn).toBe("");
  });
});

describe("connectionProblems", () => {
  it("refuses every setting the gate, retire and audit cannot follow, naming each key", () => {
    const problems = connectionProblems({
      unsupported: {
        endpoints: [{ ec2: "http://localhost:4566" }],
        assumeRoleWithWebIdentity: { roleArn: ROLE },
        useFipsEndpoint: false,
        stsRegion: undefined,
        httpProxy: [],
      },
    });
    expect(problems).toEqual([
      `aws:endpoints: ${UNSUPPORTED_SETTINGS.endpoints}`,
      `aws:assumeRoleWithWebIdentity: ${UNSUPPORTED_SETTINGS.assumeRoleWithWebIdentity}`,
    ]);
  });

  it("reports every problem at once: files, half a key pair, a token alone, a bad duration", () => {
    expect(
      connectionProblems({
        accessKey: "AKIAEXAMPLE",
        sharedCredentialsFiles: ["a", "b"],
        sharedConfigFiles: ["c", "d"],
        assumeRoles: [{ roleArn: ROLE, duration: "90 minutes" }],
      }),
    ).toEqual([
      'aws:assumeRoles[0].duration: must be a duration from 15m to 12h like 1h or 3600s, got "90 minutes"',
      "aws:sharedCredentialsFiles: the gate, retire and audit read one file, got 2; merge the profiles into one file",
      "aws:sharedConfigFiles: the gate, retire and audit read one file, got 2; merge the profiles into one file",
      "aws:secretKey: required with aws:accessKey; set it with `pulumi config set --secret aws:secretKey ...`",
    ]);
    expect(connectionProblems({ secretKey: "s" })).toEqual([
      "aws:accessKey: required with aws:secretKey; set it with `pulumi config set aws:accessKey ...`",
    ]);
    expect(connectionProblems({ token: "t" })).toEqual([
      "aws:token: a session token goes with aws:accessKey and aws:secretKey; set them",
    ]);
    expect(connectionProblems({ assumeRoles: [{ roleArn: ROLE, duration: "5m" }] })).toHaveLength(
      1,
    );
    expect(connectionProblems({ assumeRoles: [{ roleArn: ROLE, duration: "12h" }] })).toEqual([]);
  });
});
