import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../../../cli/main";

const ROOT = join(__dirname, "..", "..", "..");
const workflow = parse(readFileSync(join(ROOT, ".github/workflows/pr-preview.yml"), "utf8"));
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
const steps: Step[] = workflow.jobs.preview.steps;
const step = (name: string): Step => {
  const s = steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step named ${name}`);
  return s;
};
const runs = steps.filter((s) => s.run).map((s) => s.run as string);
const script = runs.join("\n");
// GitHub expressions are substituted before bash sees the script.
const bashable = (run: string) => run.replace(/\$\{\{[^}]*\}\}/g, "x");

function bash(run: string, env: Record<string, string>) {
  return spawnSync("bash", ["-e", "-c", bashable(run)], {
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    // stdin must not be a socket: bash would take it for rshd and source ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
  });
}

describe(".github/workflows/pr-preview.yml", () => {
  it("runs on pull requests with full history, Node 20 and a token that may comment", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions["pull-requests"]).toBe("write");
    expect(steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"]).toBe(
      0,
    );
    expect(
      steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.["node-version"],
    ).toBe(20);
  });

  it("every run block is valid bash", () => {
    for (const run of runs) {
      const r = spawnSync("bash", ["-n", "-c", bashable(run)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(r.stderr, run).toBe("");
      expect(r.status).toBe(0);
    }
  });

  it("uses only npm scripts and phoenix commands that exist", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    for (const [, name] of script.matchAll(/npm run ([\w:-]+)/g))
      expect(pkg.scripts).toHaveProperty(name);
    const commands = [
      ...new Set([...script.matchAll(/npx phoenix (\w+)/g)].map((m) => m[1])),
    ].sort();
    expect(commands).toEqual(["build", "diff", "summary", "validate"]);
    for (const command of commands) {
      expect(await main([command, "--help"], { out: () => {}, err: () => {} }), command).toBe(0);
    }
    expect(script).toContain("npm ci");
  });

  it("previews dev and prod with --diff and the policy pack, and summarizes each", () => {
    for (const stack of ["dev", "prod"]) {
      expect(script).toContain(
        `pulumi preview --stack ${stack} --diff --non-interactive --policy-pack policy/analyzer`,
      );
      expect(script).toContain(`pulumi preview --stack ${stack} --json`);
      expect(script).toContain(`npx phoenix summary "$OUT/${stack}.json"`);
    }
    expect(existsSync(join(ROOT, "policy/PulumiPolicy.yaml"))).toBe(true);
    expect(statSync(join(ROOT, "policy/analyzer")).mode & 0o111).not.toBe(0);
    expect(existsSync(join(ROOT, "scripts/env.sh"))).toBe(true);
  });

  it("installs the same Pulumi version as npm run setup", () => {
    const env = readFileSync(join(ROOT, "scripts/env.sh"), "utf8");
    const pinned = /PHOENIX_PULUMI_VERSION="(v[\d.]+)"/.exec(env)?.[1];
    expect(workflow.env.PULUMI_VERSION).toBe(pinned);
  });

  it("posts exactly one sticky comment, from the file the compose step writes", () => {
    const comments = steps.filter((s) =>
      s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect(comments).toHaveLength(1);
    expect(comments[0].with?.header).toBe("phoenix-pr-preview");
    expect(comments[0].with?.path).toBe(".preview/comment.md");
    expect(workflow.env.OUT).toBe("${{ github.workspace }}/.preview");
  });

  it("composes one comment holding both summaries, the spec diff and both previews", () => {
    const out = mkdtempSync(join(tmpdir(), "phoenix-preview-"));
    const files: Record<string, string> = {
      "dev.summary":
        "fleet web: REPLACE, 3 instances, spec 3f2a91c0 -> 9c1d22e4: openssl 3.0.11 -> 3.0.12\n",
      "prod.summary": "fleet prod: not previewed\n",
      "spec-diff.txt": "### images/web.yaml\npackages:\n  openssl: 3.0.11 -> 3.0.12\n",
      "dev.txt": `+-pulumi-nodejs:dynamic/phoenix:LocalFleet web replace\n${"x".repeat(30000)}\nEND-OF-DEV\n`,
      "dev.rc": "0\n",
      "prod.txt": "skipped\n",
      "prod.rc": "0\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
    const r = bash(step("Compose the comment").run as string, {
      OUT: out,
      GITHUB_SHA: "0123456789abcdef",
      GITHUB_STEP_SUMMARY: join(out, "step-summary.md"),
    });
    expect(r.stderr).toBe("");
    const comment = readFileSync(join(out, "comment.md"), "utf8");
    expect(
      comment.startsWith("<!-- phoenix-pr-preview -->\n## Phoenix preview for 01234567\n"),
    ).toBe(true);
    expect(comment).toContain(
      "fleet web: REPLACE, 3 instances, spec 3f2a91c0 -> 9c1d22e4: openssl 3.0.11 -> 3.0.12\nfleet prod: not previewed\n",
    );
    expect(comment).toContain("openssl: 3.0.11 -> 3.0.12");
    expect(comment).toContain("pulumi preview --diff: dev (exit 0)");
    expect(comment).toContain("(first part cut)");
    expect(comment).toContain("END-OF-DEV");
    expect(comment.length).toBeLessThan(65536);
    expect(readFileSync(join(out, "step-summary.md"), "utf8")).toBe(comment);
  });

  it("fails the job when a preview failed, after the comment is posted", () => {
    const gate = step("Fail on a failed preview or a policy violation");
    expect(steps.indexOf(gate)).toBe(steps.length - 1);
    const out = mkdtempSync(join(tmpdir(), "phoenix-preview-"));
    writeFileSync(join(out, "dev.rc"), "0\n");
    writeFileSync(join(out, "prod.rc"), "255\n");
    const failed = bash(gate.run as string, { OUT: out });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("preview of prod failed (exit 255)");
    writeFileSync(join(out, "prod.rc"), "0\n");
    expect(bash(gate.run as string, { OUT: out }).status).toBe(0);
  });
});
