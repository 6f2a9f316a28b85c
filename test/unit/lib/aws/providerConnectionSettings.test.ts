/**
 * The edges of the `aws:*` settings the release gate, retire and audit follow: the assumed role's
 * duration as the aws provider reads it (a Go duration, 15m to 12h: AWS STS AssumeRole
 * DurationSeconds, 900 to 43200), settings left null, and the fix each refusal names.
 */
import { describe, expect, it } from "vitest";
import {
  UNSUPPORTED_SETTINGS,
  connectionProblems,
  hasSecretCredentials,
  providerConnection,
} from "../../../../lib/aws/providerConnection";

const ROLE = "arn:aws:iam::123456789012:role/phoenix";

/** The role's duration in seconds, as the gate, retire and audit would ask STS for it. */
function durationOf(duration: string): number {
  return providerConnection("eu-west-1", { assumeRoles: [{ roleArn: ROLE, duration }] }).credentials
    .durationSeconds;
}

function durationProblems(duration: string): string[] {
  return connectionProblems({ assumeRoles: [{ roleArn: ROLE, duration }] });
}

describe("the assumed role's duration", () => {
  it("reads hours, minutes and seconds alone or together, around blanks", () => {
    expect(durationOf("30m")).toBe(1800);
    expect(durationOf("3600s")).toBe(3600);
    expect(durationOf("20m30s")).toBe(1230);
    expect(durationOf("1h0m15s")).toBe(3615);
    expect(durationOf(" 2h ")).toBe(7200);
  });

  it("accepts 15m and 12h, the bounds STS allows, and refuses just outside them", () => {
    expect(durationProblems("15m")).toEqual([]);
    expect(durationProblems("900s")).toEqual([]);
    expect(durationProblems("12h")).toEqual([]);
    for (const outside of ["899s", "14m59s", "12h0m1s", "13h"]) {
      expect(durationProblems(outside), outside).toEqual([
        `aws:assumeRoles[0].duration: must be a duration from 15m to 12h like 1h or 3600s, got "${outside}"`,
      ]);
    }
  });

  it("refuses an empty or blank duration rather than reading it as STS's default", () => {
    for (const blank of ["", "  "]) expect(durationProblems(blank), `"${blank}"`).toHaveLength(1);
  });
});

describe("settings the gate, retire and audit cannot follow", () => {
  /** What each refusal tells the user to do, besides naming the key. */
  const FIX: Record<string, string> = {
    assumeRoleWithWebIdentity: "use aws:assumeRoles",
    endpoints: "remove it",
    stsRegion: "set aws:region",
    useFipsEndpoint: "remove it or set it false",
    useDualstackEndpoint: "remove it or set it false",
    customCaBundle: "remove it (or set AWS_CA_BUNDLE in the environment of `pulumi up`",
    ec2MetadataServiceEndpoint: "remove it",
    httpProxy: "set HTTP_PROXY in the environment",
    httpsProxy: "set HTTPS_PROXY in the environment",
  };

  it("names the fix for every one of them", () => {
    expect(Object.keys(UNSUPPORTED_SETTINGS).sort()).toEqual(Object.keys(FIX).sort());
    for (const [key, fix] of Object.entries(FIX)) {
      const [problem] = connectionProblems({ unsupported: { [key]: "set" } });
      expect(problem.startsWith(`aws:${key}: `), key).toBe(true);
      expect(problem, key).toContain(fix);
    }
  });

  it("ignores a setting left null, and refuses one it has no advice for as not supported", () => {
    expect(connectionProblems({ unsupported: { customCaBundle: null, httpProxy: null } })).toEqual(
      [],
    );
    expect(connectionProblems({ unsupported: { someFutureSetting: "on" } })).toEqual([
      "aws:someFutureSetting: not supported",
    ]);
  });
});

describe("hasSecretCredentials", () => {
  it("is true for a secret key alone, as for a session token alone", () => {
    const none = providerConnection("eu-west-1", {}).credentials;
    expect(hasSecretCredentials({ ...none, secretKey: "s" })).toBe(true);
    expect(hasSecretCredentials({ ...none, token: "t" })).toBe(true);
    expect(hasSecretCredentials(none)).toBe(false);
  });
});
