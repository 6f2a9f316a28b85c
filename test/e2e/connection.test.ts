/**
 * The gate's, the retire's and the audit's connection against moto's STS: the aws provider's role
 * is assumed with every setting of `aws:assumeRoles[0]` (moto answers AssumeRole with temporary
 * credentials that expire after the requested DurationSeconds), on top of the provider's static
 * keys, and the clients sign with what came back. No Docker, no engine.
 */
import type * as AutoScaling from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providerConnection } from "../../lib/aws/providerConnection";
import { clientConfig } from "../../providers/aws/awsConnection";
import { type Moto, startMoto } from "./moto";

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

describe("clientConfig against moto's STS", () => {
  it("assumes the role with the configured duration, on top of the static keys, and calls AWS with it", async () => {
    const c = {
      ...providerConnection("us-east-1", {
        accessKey: "AKIAIOSFODNN7EXAMPLE",
        secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        assumeRoles: [
          {
            roleArn: "arn:aws:iam::123456789012:role/deploy",
            externalId: "ext-42",
            sessionName: "phoenix-e2e",
            duration: "2h",
            tags: { team: "web" },
          },
        ],
      }),
      endpoint: moto.endpoint,
    };
    const config = clientConfig(c);
    const before = Date.now();
    const creds = await config.credentials!();
    // Temporary credentials from AssumeRole, not the static keys they were asked with.
    expect(creds.accessKeyId).not.toBe("AKIAIOSFODNN7EXAMPLE");
    expect(creds.sessionToken).toBeTruthy();
    const lifetime = ((creds.expiration?.getTime() ?? 0) - before) / 1000;
    expect(lifetime).toBeGreaterThan(7200 - 120);
    expect(lifetime).toBeLessThan(7200 + 120);

    const as = require("@aws-sdk/client-auto-scaling") as typeof AutoScaling;
    const client = new as.AutoScalingClient(config);
    const out = await client.send(new as.DescribeAutoScalingGroupsCommand({}));
    expect(out.AutoScalingGroups).toEqual([]);
  });
});
