/** AwsFleet refuses bad arguments before it creates anything, one problem per line. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import type { AwsStackConfig } from "../../../../lib/config/stackConfig";
import { parseSpec } from "../../../../lib/spec/spec";
import { setupMocks } from "../../../mocks";
import { awsConfig, specText } from "../fixtures";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"4".repeat(64)}`;

describe("AwsFleet arguments", () => {
  let fleetModule: typeof import("../../../../components/aws/awsFleet");

  beforeAll(async () => {
    await setupMocks({ project: "phoenix", stack: "prod" });
    fleetModule = await import("../../../../components/aws/awsFleet");
  });

  /** The message AwsFleet `name` throws with these overrides of valid arguments. */
  function refusal(
    name: string,
    over: Partial<import("../../../../components/aws/awsFleet").AwsFleetArgs>,
  ): string {
    try {
      new fleetModule.AwsFleet(name, {
        spec: parseSpec(specText()),
        specHash: "5".repeat(64),
        imageRef: REF,
        config: awsConfig(),
        secretValues: { DB_PASSWORD: pulumi.secret("args-test-secret") },
        ...over,
      });
    } catch (err) {
      expect(err).toBeInstanceOf(pulumi.ResourceError);
      return (err as Error).message;
    }
    throw new Error(`AwsFleet ${name} was created`);
  }

  it("refuses a config of another target, naming the target", () => {
    const config = { ...awsConfig(), target: "local" } as unknown as AwsStackConfig;
    expect(refusal("other-target", { config })).toBe(
      'AwsFleet other-target:\nconfig.target: must be aws, got "local"',
    );
  });

  it("refuses a malformed capacity wait as one of its problems, under the fleet's name", () => {
    expect(refusal("bad-wait", { waitForCapacityTimeout: "ten minutes" })).toBe(
      'AwsFleet bad-wait:\nwaitForCapacityTimeout: must be a duration like 10m, 90s or 1h, got "ten minutes"',
    );
  });

  it("lists every problem on a line of its own, under the fleet's name", () => {
    const spec = parseSpec(specText());
    const message = refusal("two-problems", {
      spec: { ...spec, config: { ...spec.config, sysctls: { "vm.swappiness": "1" } } },
      secretValues: {},
    });
    expect(message.split("\n")).toEqual([
      "AwsFleet two-problems:",
      expect.stringMatching(
        /^config\.sysctls\.vm\.swappiness: Docker only sets namespaced sysctls/,
      ),
      expect.stringMatching(/^secrets\.DB_PASSWORD: no value/),
    ]);
  });

  it("refuses at preview a boot script over EC2's 16 KB, naming its size and what makes it grow", () => {
    const spec = parseSpec(specText());
    const message = refusal("big-env", {
      spec: { ...spec, config: { ...spec.config, env: { BLOB: "x".repeat(16 * 1024) } } },
    });
    expect(message).toMatch(
      /^AwsFleet big-env:\nuserData: the boot script is \d+ bytes, over EC2's 16384 \(16 KB, before base64\); it grows with config\.env, config\.sysctls and secrets/,
    );
  });

  it("refuses at preview a secret named like a variable of the boot script, naming the fix", () => {
    const spec = parseSpec(specText({ secrets: ["IMAGE"] }));
    expect(refusal("secret-image", { spec, secretValues: { IMAGE: pulumi.secret("x") } })).toBe(
      "AwsFleet secret-image:\nsecrets.IMAGE: IMAGE is the boot script's own variable; the boot script reads each secret into a shell variable of its name, which would overwrite it. Rename the secret in the spec's secrets: (e.g. APP_IMAGE), read that name in the app, and set it with: pulumi config set --secret APP_IMAGE <value>",
    );
  });
});
