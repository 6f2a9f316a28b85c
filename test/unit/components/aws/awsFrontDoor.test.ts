import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { TLS_POLICY } from "../../../../lib/aws/frontDoorListeners";
import { MockRecorder, outputOf, setupMocks } from "../../../mocks";
import { builtInBeforeAll } from "../built";

const LISTENER = "aws:lb/listener:Listener";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

let mocks: MockRecorder;
const urls: Record<string, string> = {};
const warn = vi.spyOn(pulumi.log, "warn");

// Both describes read this build: a build that throws fails each test through the beforeEach below
// (a throwing file-level beforeAll would only skip them, which a mutation run counts as passing).
const built = builtInBeforeAll(async () => {
  mocks = await setupMocks({ project: "phoenix", stack: "prod" });
  const { AwsFrontDoor } = await import("../../../../components/aws/awsFrontDoor");
  for (const [name, certificateArn] of [
    ["tls", CERT],
    ["plain", undefined],
  ] as const) {
    const door = new AwsFrontDoor(name, {
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      tags: { "phoenix:stack": "phoenix/prod" },
      certificateArn,
    });
    urls[name] = await outputOf(door.url);
    expect(door.trafficListeners).toHaveLength(1);
    await outputOf(door.trafficListeners[0].arn);
  }
});
beforeEach(async () => {
  await built();
});

afterAll(() => warn.mockRestore());

describe("AwsFrontDoor with certificateArn", () => {
  it("serves HTTPS on 443 with a TLS 1.3/1.2 policy, answering 503 until a release serves", () => {
    const https = mocks.get(LISTENER, "tls-https").inputs;
    expect(https).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      certificateArn: CERT,
    });
    expect(TLS_POLICY).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
    // The fleet's serving rule forwards to the serving release (components/aws/releaseTraffic.ts).
    expect(https.defaultActions).toEqual([
      {
        type: "fixed-response",
        fixedResponse: {
          statusCode: "503",
          contentType: "text/plain",
          messageBody: "no release is serving yet",
        },
      },
    ]);
  });

  it("answers port 80 with a 301 to https and forwards nothing there", () => {
    const http = mocks.get(LISTENER, "tls-http").inputs;
    expect(http).toMatchObject({ port: 80, protocol: "HTTP" });
    expect(http.defaultActions).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("admits 80 and 443 from anywhere, and reports an https URL", () => {
    const ports = mocks
      .ofType(INGRESS)
      .filter((r) => r.name.startsWith("tls-"))
      .map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]);
    expect(ports.sort()).toEqual([
      [443, 443, "0.0.0.0/0"],
      [80, 80, "0.0.0.0/0"],
    ]);
    expect(urls.tls).toBe("https://tls.eu-west-1.elb.amazonaws.com/");
  });
});

describe("AwsFrontDoor without certificateArn", () => {
  it("serves HTTP on 80 only, answering 503 until a release serves", () => {
    expect(
      mocks
        .ofType(LISTENER)
        .filter((r) => r.name.startsWith("plain-"))
        .map((r) => r.name),
    ).toEqual(["plain-http"]);
    expect(mocks.get(LISTENER, "plain-http").inputs).toMatchObject({
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        {
          type: "fixed-response",
          fixedResponse: {
            statusCode: "503",
            contentType: "text/plain",
            messageBody: "no release is serving yet",
          },
        },
      ],
    });
    expect(
      mocks
        .ofType(INGRESS)
        .filter((r) => r.name.startsWith("plain-"))
        .map((r) => r.name),
    ).toEqual(["plain-http-in"]);
    expect(urls.plain).toBe("http://plain.eu-west-1.elb.amazonaws.com/");
  });

  it("warns once (for this door, not the one with a certificate), naming the key to set", () => {
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      expect.stringMatching(/^phoenix:certificateArn is not set: the front door serves plain HTTP/),
    ]);
  });
});
