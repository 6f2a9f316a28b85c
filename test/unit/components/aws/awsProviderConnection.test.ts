/**
 * The stack's `aws:*` credential settings reach the release gate, the retire and the audit, and the
 * secret ones (`aws:secretKey`, `aws:token`) only ever as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../../mocks";
import { type MockRecorder, isSecret, outputOf, setupMocks, unsecret } from "../../../mocks";
import { specHash } from "../../../../lib/image/hash";
import { renderDockerfile } from "../../../../lib/image/render";
import { loadSpec } from "../../../../lib/spec/spec";
import { awsConfig, writeSpecRepo } from "../fixtures";

const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
const ROLE = "arn:aws:iam::210987654321:role/deploy";
const GATE = "pulumi-nodejs:dynamic/phoenix:ReleaseGate";
const RETIRE = "pulumi-nodejs:dynamic/phoenix:ReleaseRetire";
const AUDIT = "pulumi-nodejs:dynamic/phoenix:FleetAudit";

let mocks: MockRecorder;
let connectionModule: typeof import("../../../../components/aws/awsProviderConnection");

/** A recorded input with every secret's value blanked, as the state shows it without the key. */
function withoutSecrets(value: unknown): unknown {
  if (isSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

describe("awsProviderConnection", () => {
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    connectionModule = await import("../../../../components/aws/awsProviderConnection");
  });

  it("falls back to phoenix:region, no profile, no role and no keys without aws:* config", async () => {
    pulumi.runtime.setAllConfig({});
    const c = await outputOf(connectionModule.awsProviderConnection("eu-west-1"));
    expect(c).toMatchObject({ region: "eu-west-1", endpoint: "", profile: "", roleArn: "" });
    expect(c.credentials).toMatchObject({ accessKey: "", secretKey: "", token: "" });
    expect(await pulumi.isSecret(connectionModule.awsProviderConnection("eu-west-1"))).toBe(false);
  });

  it("reads every credential setting: region, profile, files, keys, token and the role's fields", async () => {
    pulumi.runtime.setAllConfig(
      {
        "aws:region": "eu-central-1",
        "aws:profile": "deployer",
        "aws:sharedCredentialsFiles": JSON.stringify(["/ci/credentials"]),
        "aws:sharedConfigFiles": JSON.stringify(["/ci/config"]),
        "aws:accessKey": "AKIAIOSFODNN7EXAMPLE",
        "aws:secretKey": SECRET_KEY,
        "aws:token": TOKEN,
        "aws:assumeRoles": JSON.stringify([
          { roleArn: ROLE, externalId: "ext-42", sessionName: "ci", duration: "1h" },
        ]),
      },
      ["aws:secretKey", "aws:token"],
    );
    const output = connectionModule.awsProviderConnection("eu-west-1");
    expect(await pulumi.isSecret(output)).toBe(true);
    const c = await outputOf(output);
    expect(c).toMatchObject({ region: "eu-central-1", profile: "deployer", roleArn: ROLE });
    expect(c.credentials).toMatchObject({
      accessKey: "AKIAIOSFODNN7EXAMPLE",
      secretKey: SECRET_KEY,
      token: TOKEN,
      sharedCredentialsFile: "/ci/credentials",
      sharedConfigFile: "/ci/config",
      externalId: "ext-42",
      sessionName: "ci",
      durationSeconds: 3600,
    });
  });

  it("refuses a setting the gate, retire and audit cannot follow, naming the key, at preview", () => {
    pulumi.runtime.setAllConfig({
      "aws:endpoints": JSON.stringify([{ ec2: "http://localhost:4566" }]),
      "aws:assumeRoleWithWebIdentity": JSON.stringify({ roleArn: ROLE }),
    });
    expect(() => connectionModule.awsProviderConnection("eu-west-1")).toThrow(
      /aws:assumeRoleWithWebIdentity: web identity federation[\s\S]*\naws:endpoints: custom service endpoints/,
    );
  });

  it("reads string settings as text and takes false or empty ones as unset", () => {
    pulumi.runtime.setAllConfig({
      "aws:httpProxy": "http://proxy.internal:3128",
      "aws:useFipsEndpoint": "false",
      "aws:endpoints": "[]",
    });
    expect(() => connectionModule.awsProviderConnection("eu-west-1")).toThrow(
      /^aws:httpProxy: set HTTP_PROXY in the environment/,
    );
    pulumi.runtime.setAllConfig({ "aws:useFipsEndpoint": "false", "aws:endpoints": "[]" });
    expect(() => connectionModule.awsProviderConnection("eu-west-1")).not.toThrow();
  });
});

describe("AwsTarget with static keys and a role", () => {
  let records: RecordedResource[];
  beforeAll(async () => {
    pulumi.runtime.setAllConfig(
      {
        "aws:accessKey": "AKIAIOSFODNN7EXAMPLE",
        "aws:secretKey": SECRET_KEY,
        "aws:token": TOKEN,
        "aws:assumeRoles": JSON.stringify([{ roleArn: ROLE, externalId: "ext-42" }]),
      },
      ["aws:secretKey", "aws:token"],
    );
    const { specPath } = writeSpecRepo();
    const loaded = loadSpec(specPath);
    const hash = specHash(loaded);
    const { AwsTarget } = await import("../../../../components/aws/awsTarget");
    const target = new AwsTarget("web", {
      loaded,
      specHash: hash,
      dockerfile: renderDockerfile(loaded, hash),
      config: awsConfig(),
      secretValues: { DB_PASSWORD: pulumi.secret("db") },
      gitCommit: "1111111",
    });
    await outputOf(pulumi.output(target.outputs.auditFindings));
    records = [GATE, RETIRE, AUDIT].map((type) => mocks.ofType(type)[0]);
  });

  it("gives the gate, the retire and the audit the keys, the token and the role's external id", () => {
    for (const r of records) {
      expect(isSecret(r.inputs.credentials), r.type).toBe(true);
      expect(unsecret(r.inputs.credentials), r.type).toMatchObject({
        accessKey: "AKIAIOSFODNN7EXAMPLE",
        secretKey: SECRET_KEY,
        token: TOKEN,
        externalId: "ext-42",
      });
      expect(unsecret(r.inputs.roleArn), r.type).toBe(ROLE);
    }
  });

  it("never sends the secret key or the token to the engine outside a secret", () => {
    const plain = JSON.stringify(mocks.resources.map((r) => withoutSecrets(r.inputs)));
    expect(plain).not.toContain(SECRET_KEY);
    expect(plain).not.toContain(TOKEN);
  });
});
