import { describe, expect, it } from "vitest";
import {
  ebsEncryptionViolations,
  frontDoorTlsViolations,
  imdsHopLimitViolations,
  publicIpViolations,
} from "../../../../lib/guardrails/awsProductionRules";
import { instanceHardening } from "../../../../lib/aws/instanceHardening";
import { frontDoorPlan } from "../../../../lib/aws/frontDoorListeners";

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const hardened = instanceHardening({ securityGroupId: "sg-1", rootDeviceName: "/dev/xvda" });

describe("publicIpViolations", () => {
  it("passes the hardened launch template settings", () => {
    expect(publicIpViolations({ ...hardened })).toEqual([]);
  });

  it("fails a template without a network interface and one that asks for a public IP", () => {
    expect(publicIpViolations({ vpcSecurityGroupIds: ["sg-1"] })).toEqual([
      expect.stringMatching(/^networkInterfaces: none, so the subnet decides/),
    ]);
    expect(
      publicIpViolations({
        networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true" }],
      }),
    ).toEqual([
      expect.stringMatching(
        /^networkInterfaces\[0\]\.associatePublicIpAddress: fleet instances never get a public IP, got "true"/,
      ),
    ]);
    expect(publicIpViolations({ networkInterfaces: [{ deviceIndex: 0 }] })).toHaveLength(1);
  });
});

describe("ebsEncryptionViolations", () => {
  it("passes an encrypted root volume, with or without a key", () => {
    expect(ebsEncryptionViolations({ ...hardened })).toEqual([]);
    const withKey = instanceHardening({
      securityGroupId: "sg-1",
      rootDeviceName: "/dev/xvda",
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    });
    expect(ebsEncryptionViolations({ ...withKey })).toEqual([]);
  });

  it("fails no mapping and an unencrypted volume", () => {
    expect(ebsEncryptionViolations({})).toEqual([
      expect.stringMatching(/^blockDeviceMappings: none, so the root volume is encrypted only if/),
    ]);
    expect(
      ebsEncryptionViolations({
        blockDeviceMappings: [
          { deviceName: "/dev/xvda", ebs: { encrypted: "true" } },
          { deviceName: "/dev/xvdb", ebs: { volumeSize: 10 } },
        ],
      }),
    ).toEqual([
      expect.stringMatching(
        /^blockDeviceMappings\[1\]\.ebs\.encrypted: must be "true", got undefined/,
      ),
    ]);
  });
});

describe("imdsHopLimitViolations", () => {
  it("passes hop limit 1, and 2 only with the opt-in tag", () => {
    expect(imdsHopLimitViolations({ ...hardened })).toEqual([]);
    const optIn = instanceHardening({
      securityGroupId: "sg-1",
      rootDeviceName: "/dev/xvda",
      containerInstanceMetadata: true,
    });
    expect(
      imdsHopLimitViolations({ ...optIn, tags: { "phoenix:container-imds": "allowed" } }),
    ).toEqual([]);
  });

  it("fails hop limit 2 without the opt-in, and anything above 2 with it", () => {
    expect(imdsHopLimitViolations({ metadataOptions: { httpPutResponseHopLimit: 2 } })).toEqual([
      "metadataOptions.httpPutResponseHopLimit: must be 1, got 2: set it to 1 so containers cannot reach the instance role; a spec that needs IMDS in its containers sets runtime.containerInstanceMetadata: true",
    ]);
    expect(imdsHopLimitViolations({ metadataOptions: {} })).toHaveLength(1);
    expect(
      imdsHopLimitViolations({
        metadataOptions: { httpPutResponseHopLimit: 3 },
        tags: { "phoenix:container-imds": "allowed" },
      }),
    ).toEqual([
      "metadataOptions.httpPutResponseHopLimit: must be 1 or 2, got 3: set it to 2 (containers opted in)",
    ]);
  });
});

const HTTPS = {
  port: 443,
  protocol: "HTTPS",
  sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  certificateArn: CERT,
  defaultActions: [{ type: "fixed-response" }],
};
const REDIRECT = {
  port: 80,
  protocol: "HTTP",
  defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }],
};
const PLAIN = { port: 80, protocol: "HTTP", defaultActions: [{ type: "fixed-response" }] };

/** The listeners the front door plans, for a certificate or none (the 80/443 layout only). */
const listenersOf = (certificateArn?: string) =>
  frontDoorPlan(certificateArn).listeners.map((l) =>
    l.protocol === "HTTPS" ? HTTPS : l.action === "redirect-to-https" ? REDIRECT : PLAIN,
  );

describe("frontDoorTlsViolations", () => {
  it("passes the front door's listeners with and without a certificate", () => {
    expect(
      frontDoorTlsViolations({ tags: { "phoenix:tls": "https" }, listeners: listenersOf(CERT) }),
    ).toEqual([]);
    expect(
      frontDoorTlsViolations({ tags: { "phoenix:tls": "http-only" }, listeners: listenersOf() }),
    ).toEqual([]);
  });

  it("fails a configured certificate served without HTTPS, with HTTP still answering", () => {
    expect(
      frontDoorTlsViolations({ tags: { "phoenix:tls": "https" }, listeners: listenersOf() }),
    ).toEqual([
      "listeners: a certificate is configured (phoenix:tls https) but no HTTPS listener on 443 carries it: add one with certificateArn (phoenix:certificateArn)",
      expect.stringMatching(
        /^listener port 80: plain HTTP must answer 301 to https when a certificate is configured, got actions \["fixed-response"\]/,
      ),
    ]);
  });

  it("fails an HTTPS listener on an old TLS policy, tag or not", () => {
    const old = [{ ...HTTPS, sslPolicy: "ELBSecurityPolicy-2016-08" }, REDIRECT];
    expect(frontDoorTlsViolations({ tags: {}, listeners: old })).toEqual([
      'listener port 443: sslPolicy must allow TLS 1.3/1.2 only, got "ELBSecurityPolicy-2016-08": set sslPolicy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    ]);
  });
});
