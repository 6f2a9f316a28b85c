import { describe, expect, it } from "vitest";
import { pushFailure } from "../../../../providers/aws/registryImage";

describe("pushFailure", () => {
  it("says an expired ECR token first, with what to run", () => {
    const ecr = "denied: Your authorization token has expired. Reauthenticate and try again.";
    expect(pushFailure("1.dkr.ecr.eu-west-1.amazonaws.com/web:v1-abc", ecr).split("\n")).toEqual([
      "push of 1.dkr.ecr.eu-west-1.amazonaws.com/web:v1-abc: the ECR authorization token has expired " +
        "(a token lasts 12 hours); run `pulumi up` again, which fetches a new one. Nothing was pushed " +
        "and the fleet is untouched.",
      ecr,
    ]);
  });

  it("names what to check for any other refusal", () => {
    expect(pushFailure("r/web:v1", "unauthorized: authentication required")).toBe(
      "push of r/web:v1 failed: unauthorized: authentication required; check that the repository " +
        "exists and that the registry credentials may push to it",
    );
  });
});
