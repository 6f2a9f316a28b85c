import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { setupMocks } from "../mocks";

// index.ts on a stack with a mistyped key and a key of a feature that does not exist: both fail the
// program (so preview and up) before any resource, instead of being silently ignored.
describe("index.ts with unknown phoenix: keys", () => {
  let failure: unknown;

  beforeAll(async () => {
    await setupMocks({ stack: "dev" });
    pulumi.runtime.setAllConfig({
      "phoenix:target": "local",
      "phoenix:desiredCont": "5",
      "phoenix:canaryPercent": "10",
      "phoenix:DB_PASSWORD": "a-secret",
      "aws:region": "eu-west-1",
    });
    failure = await import("../../index").then(
      () => undefined,
      (err: unknown) => err,
    );
  });

  it("names each unknown key, with did you mean where one is near", () => {
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain(
      "phoenix:desiredCont: unknown key; did you mean phoenix:desiredCount?",
    );
    expect(message).toContain("phoenix:canaryPercent: unknown key (known: ");
    expect(message).not.toContain("a-secret");
  });
});
