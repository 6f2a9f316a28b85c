/**
 * The aws provider's static keys and session token reach the dynamic providers through the real
 * engine, sign their AWS calls (moto), and stay secret in the state: the checkpoint holds them
 * encrypted only. No Docker.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exportStack,
  initStack,
  removeStack,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "./harness";
import { type Moto, startMoto } from "./moto";

const SECRET_KEY = "phoenix-e2e-secret-key-never-in-state";
const TOKEN = "phoenix-e2e-session-token-never-in-state";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

let moto: Moto;
const dir = join(__dirname, "fixtures", "credentials");
const stack = uniqueStackName("e2e-credentials");

beforeAll(async () => {
  moto = await startMoto();
  await initStack(stack, dir);
  await setConfig(stack, dir, "credentials:endpoint", moto.endpoint);
  await setConfig(stack, dir, "aws:region", "us-east-1");
  await setConfig(stack, dir, "aws:accessKey", "AKIAIOSFODNN7EXAMPLE");
  await setConfig(stack, dir, "aws:secretKey", SECRET_KEY, { secret: true });
  await setConfig(stack, dir, "aws:token", TOKEN, { secret: true });
}, 120_000);

afterAll(async () => {
  await removeStack(stack, dir);
  await moto?.stop();
});

describe("the aws provider's keys in the dynamic providers, with the real engine", () => {
  it("audits with them and keeps the secret key and the token encrypted in the state", async () => {
    // Without AWS_* variables: only the stack's keys can sign the emulator's calls.
    const env = {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const result = await runProgramOk("up", { cwd: dir, stack, env });
    expect(JSON.stringify(result)).toContain("clean");
    const state = await exportStack(stack, dir);
    const text = JSON.stringify(state);
    expect(text).not.toContain(SECRET_KEY);
    expect(text).not.toContain(TOKEN);
    const audit = state.deployment.resources?.find((r) => r.urn.endsWith("::fleet-audit"));
    expect(audit, "the audit in the state").toBeDefined();
    for (const side of [audit?.inputs, audit?.outputs]) {
      const credentials = side?.credentials as Record<string, unknown> | undefined;
      expect(credentials?.[SECRET_SIG]).toBe("1b47061264138c4ac30d75fd1eb44270");
      expect(typeof credentials?.ciphertext).toBe("string");
    }
  });
});
