/**
 * The production guarantees on what AwsFleet registers: with and without a certificate, and with a
 * spec that opts its containers into IMDS, the fleet passes the whole pack; each guarantee, taken
 * away from the recorded graph, is reported by its policy.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../../lib/spec/spec";
import { MockRecorder, outputOf, setupMocks } from "../../mocks";
import { awsConfig, specText } from "../components/fixtures";
import { asPolicyResource, violationsOf } from "./analyzerView";

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const LISTENER = "aws:lb/listener:Listener";

let mocks: MockRecorder;

/** The recorded graph of one fleet (its resources only), as the analyzer sees it. */
function graphOf(fleet: string): PolicyResource[] {
  return mocks.resources
    .filter((r) => r.name === fleet || r.name.startsWith(`${fleet}-`))
    .map(asPolicyResource);
}

function edit(graph: PolicyResource[], type: string, name: string, f: (p: any) => void) {
  const r = graph.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} ${name}`);
  f(r.props);
  return graph;
}

describe("AwsFleet and the production policies", () => {
  // Here, not at file level: a build that throws fails this describe, which a mutation run sees;
  // a failed file-level hook only skips the tests, and skipped tests count as passing there.
  beforeAll(async () => {
    mocks = await setupMocks({ project: "phoenix", stack: "prod" });
    const { AwsFleet } = await import("../../../components/aws/awsFleet");
    const base = {
      specHash: "5".repeat(64),
      imageRef: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"4".repeat(64)}`,
      secretValues: { DB_PASSWORD: pulumi.secret("prod-db-password-1a2b") },
    };
    const fleets = [
      new AwsFleet("plain", { ...base, spec: parseSpec(specText()), config: awsConfig() }),
      new AwsFleet("tls", {
        ...base,
        spec: parseSpec(specText()),
        config: awsConfig({ certificateArn: CERT }),
      }),
      new AwsFleet("imds", {
        ...base,
        spec: parseSpec(`${specText()}runtime: { containerInstanceMetadata: true }\n`),
        config: awsConfig(),
      }),
    ];
    await Promise.all(fleets.map((f) => outputOf(f.asgName)));
  });

  it("passes the whole pack with and without a certificate, and with containers opted into IMDS", async () => {
    for (const fleet of ["plain", "tls", "imds"]) {
      expect(await violationsOf(graphOf(fleet)), fleet).toEqual([]);
    }
  });

  it("reports a public IP, an unencrypted root volume and hop limit 2 without the opt-in", async () => {
    const graph = edit(graphOf("plain"), LT, "plain-lt", (lt) => {
      lt.networkInterfaces[0].associatePublicIpAddress = "true";
      lt.blockDeviceMappings[0].ebs.encrypted = "false";
      lt.metadataOptions.httpPutResponseHopLimit = 2;
    });
    expect((await violationsOf(graph)).map((v) => v.split(" ")[0])).toEqual([
      "phoenix-no-public-ip",
      "phoenix-encrypted-ebs",
      "phoenix-imds-hop-limit",
    ]);
  });

  it("reports an opted-in template that loses its tag", async () => {
    const graph = edit(graphOf("imds"), LT, "imds-lt", (lt) => {
      delete lt.tags["phoenix:container-imds"];
    });
    expect(await violationsOf(graph)).toEqual([
      expect.stringMatching(
        /^phoenix-imds-hop-limit .*: metadataOptions\.httpPutResponseHopLimit: must be 1, got 2/,
      ),
    ]);
  });

  it("reports a certificate stack whose port 80 forwards instead of redirecting, or has no HTTPS", async () => {
    const forwards = edit(graphOf("tls"), LISTENER, "tls-front-http", (l) => {
      l.defaultActions = [{ type: "forward", targetGroupArn: "arn:tg" }];
    });
    expect(await violationsOf(forwards)).toEqual([
      expect.stringMatching(
        /^phoenix-https-front-door .*::tls-front: listener port 80: plain HTTP must answer 301 to https/,
      ),
    ]);
    const noHttps = graphOf("tls").filter((r) => r.name !== "tls-front-https");
    expect(await violationsOf(noHttps)).toEqual([
      expect.stringMatching(/^phoenix-https-front-door .*: listeners: a certificate is configured/),
    ]);
  });
});
