import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { setupMocks } from "../mocks";

// index.ts on a stack that has set none of the spec's secrets: one error naming every one of them.
describe("index.ts with unset stack secrets", () => {
  let failure: unknown;

  beforeAll(async () => {
    await setupMocks({ stack: "dev" });
    pulumi.runtime.setAllConfig({
      "phoenix:target": "local",
      "phoenix:spec": "test/fixtures/specs/two-secrets.yaml",
    });
    failure = await import("../../index").then(
      () => undefined,
      (err: unknown) => err,
    );
  });

  it("reports every missing secret at once, each with the command that sets it", () => {
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain(
      "secrets.API_TOKEN: no value; set it with `pulumi config set --secret phoenix:API_TOKEN <value>`",
    );
    expect(message).toContain(
      "secrets.DB_PASSWORD: no value; set it with `pulumi config set --secret phoenix:DB_PASSWORD <value>`",
    );
  });
});
