import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// The steps themselves (scripts/pins-bump.sh) run for real in test/e2e/pins.test.ts.
const ROOT = join(__dirname, "..", "..", "..");
const workflow = parse(readFileSync(join(ROOT, ".github/workflows/pins-bump.yml"), "utf8"));
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
const steps: Step[] = workflow.jobs.bump.steps;

describe(".github/workflows/pins-bump.yml", () => {
  it("runs on a schedule and on demand, with a token that may push a branch and open a PR", () => {
    expect(workflow.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \d$/);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.permissions).toEqual({ contents: "write", "pull-requests": "write" });
  });

  it("runs scripts/pins-bump.sh, and opens the pull request only when a spec changed", () => {
    const bump = steps.find((s) => s.run?.includes("scripts/pins-bump.sh"));
    expect(bump?.id).toBe("bump");
    const pr = steps.find((s) => s.uses?.startsWith("peter-evans/create-pull-request@"));
    expect(pr?.if).toBe("steps.bump.outputs.changed != '0'");
    expect(pr?.with?.["body-path"]).toBe("${{ runner.temp }}/pins/body.md");
    expect(bump?.run).toContain('"$RUNNER_TEMP/pins"');
    expect(pr?.with?.["add-paths"]).toBe("images/*.yaml");
  });

  it("its script is valid bash and refuses to run without an output folder", () => {
    const script = join(ROOT, "scripts", "pins-bump.sh");
    expect(spawnSync("bash", ["-n", script]).status).toBe(0);
    const r = spawnSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("usage: scripts/pins-bump.sh <out-dir>");
  });
});
