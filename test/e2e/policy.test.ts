/**
 * The guardrails policy pack run for real by the engine (`preview`/`up --policy-pack policy/analyzer`)
 * on resources shaped like the local target's: a compliant stack passes and deploys, a violating one
 * fails the preview with every mandatory violation and never prints the secret. The real local stack
 * (index.ts) is deployed through the same pack in test/e2e/secrets.test.ts.
 */
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  exportStack,
  initStack,
  pulumi,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "./harness";

const FIXTURE = path.join(__dirname, "fixtures", "guardrails");
const PACK = ["--policy-pack", path.join(REPO_ROOT, "policy", "analyzer")];
const SECRET = `guardrails-${Math.random().toString(36).slice(2, 12)}`;
const stack = uniqueStackName("policy");

beforeAll(async () => {
  await initStack(stack, FIXTURE);
  await setConfig(stack, FIXTURE, "guardrails:dbPassword", SECRET, { secret: true });
});

afterAll(async () => {
  await runProgram("destroy", { cwd: FIXTURE, stack });
  await removeStack(stack, FIXTURE);
});

describe("policy pack phoenix-guardrails with the real engine", () => {
  it("passes and deploys a compliant local fleet", async () => {
    await setConfig(stack, FIXTURE, "guardrails:mode", "compliant");
    const preview = await runProgram("preview", { cwd: FIXTURE, stack, args: PACK });
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/✅ phoenix-guardrails@v0\.1\.0 \(local: .*policy\/analyzer\)/);
    const up = await runProgramOk("up", { cwd: FIXTURE, stack, args: PACK });
    expect(up.changes).toEqual({ create: 3 });
    expect(JSON.stringify(await exportStack(stack, FIXTURE))).not.toContain(SECRET);
  });

  it("fails the preview of a violating one with each mandatory violation", async () => {
    await setConfig(stack, FIXTURE, "guardrails:mode", "violating");
    const r = await runProgram("preview", { cwd: FIXTURE, stack, args: PACK });
    expect(r.code).not.toBe(0);
    const out = r.stdout;
    expect(out).toContain("❌ phoenix-guardrails@v0.1.0");
    const violations = [...out.matchAll(/\[mandatory\]\s+(\S+)\s+\((\S+): (\S+)\)/g)].map(
      (m) => `${m[1]} ${m[2].split(":").pop()} ${m[3]}`,
    );
    expect(violations.sort()).toEqual([
      "phoenix-images-by-digest LocalFleet web",
      "phoenix-no-secret-values-in-plaintext LocalImage web-image",
      "phoenix-no-secrets-in-user-data LocalImage web-image",
      "phoenix-spec-hash-tag LocalFleet web",
    ]);
    expect(out).toContain('imageId: image "web:latest" has tag "latest"');
    expect(out).toContain("dockerfile: contains the value of web.secretEnv in plain text");
    expect(out + r.stderr).not.toContain(SECRET);
  });

  it("fails the same way through the plain CLI, as the PR workflow runs it", async () => {
    await setConfig(stack, FIXTURE, "guardrails:mode", "violating");
    const r = await pulumi(["preview", "--diff", ...PACK], { cwd: FIXTURE, stack });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /\[mandatory\]\s+phoenix-spec-hash-tag\s+\(pulumi-nodejs:dynamic\/phoenix:LocalFleet: web\)/,
    );
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
