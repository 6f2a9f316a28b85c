/**
 * The credentials the release gate, the retire and the audit call AWS with: every credential
 * setting of the aws provider (static keys, session token, shared files, profile, the role's
 * external id, session name, duration, policies, tags, source identity), resolved the way the AWS
 * SDK does. The role itself is assumed against moto in test/e2e/connection.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { providerConnection } from "../../../../lib/aws/providerConnection";
import {
  assumeRoleParams,
  clientConfig,
  connectionShape,
  credentialSource,
} from "../../../../providers/aws/awsConnection";
import { releaseGateProvider } from "../../../../providers/aws/releaseGate";
import { releaseRetireProvider } from "../../../../providers/aws/releaseRetire";
import { fleetAuditProvider } from "../../../../providers/aws/awsAudit";

const ROLE = "arn:aws:iam::123456789012:role/deploy";
const keys = providerConnection("eu-west-1", {
  accessKey: "AKIAIOSFODNN7EXAMPLE",
  secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  token: "session-token",
});

describe("credentialSource", () => {
  it("takes the provider's static keys and session token before any profile", () => {
    expect(credentialSource({ ...keys, profile: "ignored" })).toEqual({
      kind: "static",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      sessionToken: "session-token",
    });
  });

  it("reads the profile from the configured shared files, else the SDK's default chain", () => {
    const files = providerConnection("eu-west-1", {
      profile: "ci",
      sharedCredentialsFiles: ["/tmp/creds"],
      sharedConfigFiles: ["/tmp/config"],
    });
    expect(credentialSource(files)).toEqual({
      kind: "ini",
      profile: "ci",
      filepath: "/tmp/creds",
      configFilepath: "/tmp/config",
    });
    expect(credentialSource(providerConnection("eu-west-1", {}))).toEqual({ kind: "default" });
    // A connection recorded before credentials existed still works.
    expect(
      credentialSource({ region: "eu-west-1", endpoint: "", profile: "", roleArn: "" }),
    ).toEqual({
      kind: "default",
    });
  });
});

describe("clientConfig", () => {
  it("signs with the static keys and the session token", async () => {
    const creds = clientConfig(keys).credentials;
    await expect(creds!()).resolves.toEqual({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      sessionToken: "session-token",
    });
  });

  it("reads the profile's keys from aws:sharedCredentialsFiles, not ~/.aws", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-creds-"));
    const file = path.join(dir, "credentials");
    fs.writeFileSync(
      file,
      "[ci]\naws_access_key_id = AKIAFROMTHEFILE00000\naws_secret_access_key = from-the-file\n",
    );
    const c = providerConnection("eu-west-1", {
      profile: "ci",
      sharedCredentialsFiles: [file],
      sharedConfigFiles: [path.join(dir, "config")],
    });
    const resolved = await clientConfig(c).credentials!();
    expect(resolved).toMatchObject({
      accessKeyId: "AKIAFROMTHEFILE00000",
      secretAccessKey: "from-the-file",
    });
  });
});

describe("assumeRoleParams", () => {
  it("passes every field of aws:assumeRoles[0] to STS AssumeRole", () => {
    const c = providerConnection("eu-west-1", {
      assumeRoles: [
        {
          roleArn: ROLE,
          externalId: "ext-42",
          sessionName: "deployer",
          duration: "2h",
          policy: '{"Version":"2012-10-17","Statement":[]}',
          policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
          tags: { team: "web" },
          transitiveTagKeys: ["team"],
          sourceIdentity: "alice",
        },
      ],
    });
    expect(assumeRoleParams(c)).toEqual({
      RoleArn: ROLE,
      RoleSessionName: "deployer",
      ExternalId: "ext-42",
      DurationSeconds: 7200,
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
      Tags: [{ Key: "team", Value: "web" }],
      TransitiveTagKeys: ["team"],
      SourceIdentity: "alice",
    });
  });

  it("names the session phoenix-release by default, and assumes nothing without a role", () => {
    const c = providerConnection("eu-west-1", { assumeRoles: [{ roleArn: ROLE }] });
    expect(assumeRoleParams(c)).toEqual({ RoleArn: ROLE, RoleSessionName: "phoenix-release" });
    expect(assumeRoleParams(keys)).toBeUndefined();
  });
});

describe("the providers keep the credentials they are given", () => {
  it("accepts them at check and records them, for the gate, the retire and the audit", async () => {
    const { z } = await import("zod");
    expect(z.object(connectionShape()).parse(keys)).toEqual(keys);
    const tg =
      "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef";
    const gate = await releaseGateProvider.check!({} as never, {
      ...keys,
      fleetTag: "phoenix/prod/web",
      release: "0123456789ab",
      imageRef: "r@sha256:" + "a".repeat(64),
      targetGroupArn: tg,
      desiredCount: 1,
      minSize: 1,
      listenerArns: [
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/front/0123456789abcdef/0123456789abcdef",
      ],
      timeoutSeconds: 60,
      pollSeconds: 5,
      settleSeconds: 0,
    });
    expect(gate.inputs?.credentials).toEqual(keys.credentials);
    const retire = await releaseRetireProvider.check!({} as never, {
      ...keys,
      fleetTag: "phoenix/prod/web",
      servingRelease: "0123456789ab",
      servingTargetGroupArn: tg,
      drainingTargetGroupArn: "",
      servingImageRef: "r@sha256:" + "a".repeat(64),
      stackTag: "phoenix/prod",
      desiredCount: 1,
    });
    expect(retire.inputs?.credentials).toEqual(keys.credentials);
    const audit = await fleetAuditProvider.check!({} as never, {
      ...keys,
      stackTagKey: "phoenix:stack",
      stackTagValue: "phoenix/prod",
      asgNames: [],
      launchTemplateIds: [],
    });
    expect(audit.inputs?.credentials).toEqual(keys.credentials);
  });

  it("sees a change of credentials as an update (never a replacement)", async () => {
    const olds = {
      ...keys,
      stackTagKey: "k",
      stackTagValue: "v",
      asgNames: [],
      launchTemplateIds: [],
    };
    const news = { ...olds, credentials: { ...keys.credentials, externalId: "other" } };
    const diff = await fleetAuditProvider.diff!("id", olds as never, news as never);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });
});
