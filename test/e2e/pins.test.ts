/**
 * Pins against Debian's archive as it is today, with the real Docker engine and the real Pulumi
 * engine: `phoenix pins check` names a rotten pin and what is there now, `phoenix pins update`
 * fixes it and the image builds, and a rotten pin fails `pulumi up` before any fleet change with the
 * command that fixes it, while the serving fleet stays.
 *
 * The rotten pins are versions Debian really published and then replaced: nginx-light
 * 1.22.1-9+deb12u11 (replaced by a security update) and busybox 1:1.35.0-4 (replaced in a point
 * release). A superseded version never returns to a suite, so they stay rotten.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArchive } from "../../providers/docker/aptArchive";
import { REPO_ROOT, phoenixEnv, runProgram, uniqueStackName } from "./harness";
import { LocalStack, type LocalOutputs } from "./localStack";

const BIN = path.join(REPO_ROOT, "bin", "phoenix.js");
const ROTTEN_NGINX = "1.22.1-9+deb12u11";
const ROTTEN_BUSYBOX = "1:1.35.0-4";

function phoenix(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: phoenixEnv() });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Today's candidate of a package in the base image's archive. */
async function current(name: string): Promise<string> {
  const pkg = (await readArchive("debian:bookworm-slim", [name])).get(name);
  if (!pkg?.candidate) throw new Error(`the archive has no ${name}`);
  return pkg.candidate;
}

describe("phoenix pins check and update", { timeout: 10 * 60_000 }, () => {
  const dir = path.join(REPO_ROOT, ".pulumi-state", "e2e", uniqueStackName("e2e-pins"));
  const spec = path.join(dir, "images", "pinned.yaml");
  const rel = path.relative(REPO_ROOT, spec);
  let busybox: string;
  let nginx: string;

  beforeAll(async () => {
    [busybox, nginx] = [await current("busybox"), await current("nginx-light")];
    fs.mkdirSync(path.join(dir, "images"), { recursive: true });
    fs.mkdirSync(path.join(dir, "app"), { recursive: true });
    fs.writeFileSync(path.join(dir, "app", "README"), "nothing to run\n");
    fs.writeFileSync(
      spec,
      [
        "# Two pins: one the archive has, one it dropped.",
        `name: e2e-pins-${path.basename(dir).slice(-6)}`,
        "base: debian:bookworm-slim",
        "packages:",
        `  busybox: "${busybox}" # present`,
        `  nginx-light: ${ROTTEN_NGINX} # rotten: a security update replaced it`,
        "app: { version: v1.0.0, source: ../app, command: [sleep, infinity], port: 8080 }",
        "tests:",
        "  - { name: nginx is the pinned build, run: [dpkg-query, -W, nginx-light], expect: '\\t{{version:nginx-light}}$' }",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("check names the rotten pin, the versions there now, and the command that fixes it", async () => {
    const r = await phoenix("pins", "check", rel);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`  ok      busybox ${busybox} (`);
    expect(r.out).toMatch(
      new RegExp(
        `  rotten  nginx-light 1\\.22\\.1-9\\+deb12u11: not in the archive; available now: ` +
          `${nginx.replace(/[.+]/g, "\\$&")} \\(bookworm-security\\)`,
      ),
    );
    expect(r.out).toContain(`${rel}: 1 of 2 pins are not in the archive; fix with: npx phoenix pins update ${rel}\n`);
  });

  it("update moves it to today's version, keeps the file's comments, and the image builds", async () => {
    const r = await phoenix("pins", "update", rel);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`  ~ nginx-light: ${ROTTEN_NGINX} -> ${nginx} (rotten)\n`);
    expect(r.out).toMatch(/\nfleet: REPLACE \(spec [0-9a-f]{12} -> [0-9a-f]{12}\)\n/);
    const text = fs.readFileSync(spec, "utf8");
    expect(text).toContain(`  nginx-light: ${nginx} # rotten: a security update replaced it\n`);
    expect(text).toContain(`  busybox: "${busybox}" # present\n`);
    expect((await phoenix("pins", "check", rel)).code).toBe(0);
    const built = await phoenix("build", rel);
    expect(built.err + built.out).toMatch(/ built, spec tests passed\n$/);
    expect(built.code).toBe(0);
  });
});

describe("a rotten pin in pulumi preview and up", { timeout: 10 * 60_000 }, () => {
  const stack = new LocalStack({
    prefix: "e2e-rotten",
    spec: "test/e2e/fixtures/servers/busybox-httpd.yaml",
    copy: ["servers/www"],
    desiredCount: 2,
  });
  let first: LocalOutputs;

  beforeAll(async () => {
    await stack.init();
    first = (await stack.up()).outputs;
  });
  afterAll(() => stack.dispose());

  it("preview warns and up fails before any fleet change, naming the pin and the fix", async () => {
    stack.editSpec(/busybox: \S+/, `busybox: ${ROTTEN_BUSYBOX}`);
    const specFile = path.relative(REPO_ROOT, stack.specFile);
    const preview = await runProgram("preview", { cwd: REPO_ROOT, stack: stack.name });
    expect(preview.stdout + preview.stderr).toMatch(/warning: bbhttpd:\S+ is not built yet and its build will fail:/);
    expect(preview.stdout + preview.stderr).toContain(`rotten  busybox ${ROTTEN_BUSYBOX}: not in the archive`);

    const failed = await runProgram("up", { cwd: REPO_ROOT, stack: stack.name });
    expect(failed.code).not.toBe(0);
    const out = failed.stdout + failed.stderr;
    // The project's words come first, then apt's; no terminal control codes.
    const at = out.indexOf(`packages.busybox: version ${ROTTEN_BUSYBOX} is not in Debian's archive any more (available now: `);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(out.indexOf("docker build of ")).toBeGreaterThan(at);
    expect(out).toContain(`fix with: npx phoenix pins update ${specFile}`);
    expect(out).not.toMatch(/\x1b\[/);
    const left = await stack.containers("instance");
    expect(left.map((c) => c.Id).sort()).toEqual([...first.instanceIds].sort());
    const res = await fetch(`${stack.url}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
  });
});
