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
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABELS } from "../../lib/core/identifiers";
import { readArchive } from "../../providers/docker/aptArchive";
import { versionSpan } from "./archive";
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
    expect(r.out).toContain(
      `${rel}: 1 of 2 pins are not in the archive; fix with: npx phoenix pins update ${rel}\n`,
    );
  });

  it("names a Docker engine that is not there first, with the fix", async () => {
    const r = await new Promise<{ code: number; err: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "pins", "check", rel], {
        cwd: REPO_ROOT,
        env: { ...phoenixEnv(), DOCKER_HOST: `unix://${dir}/no-engine.sock` },
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code: code ?? -1, err }));
    });
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe(
      `phoenix pins: Docker engine at ${dir}/no-engine.sock: no Docker engine answers there (ENOENT); ` +
        "start one (`npm run setup` starts Debian's docker.io where none runs) or point DOCKER_HOST at a running engine",
    );
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
    expect(preview.stdout + preview.stderr).toMatch(
      /warning: bbhttpd:\S+ is not built yet and its build will fail:/,
    );
    expect(preview.stdout + preview.stderr).toContain(
      `rotten  busybox ${ROTTEN_BUSYBOX}: not in the archive`,
    );

    const failed = await runProgram("up", { cwd: REPO_ROOT, stack: stack.name });
    expect(failed.code).not.toBe(0);
    const out = failed.stdout + failed.stderr;
    // The project's words come first, then apt's; no terminal control codes.
    const at = out.indexOf(
      `packages.busybox: version ${ROTTEN_BUSYBOX} is not in Debian's archive any more (available now: `,
    );
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

describe("scripts/pins-bump.sh, the scheduled bump's steps", { timeout: 10 * 60_000 }, () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-bump-"));
  const name = `e2e-bump-${path.basename(repo).slice(-6).toLowerCase()}`;
  const git = (...args: string[]) => {
    const r = spawnSync("git", args, { cwd: repo, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  };

  afterAll(async () => {
    const docker = new Docker();
    for (const img of await docker.listImages({ filters: { label: [`${LABELS.name}=${name}`] } }))
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => undefined);
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it("moves an old pin, builds both images, and writes the body: spec diff, transitive packages, tests", async () => {
    // zlib1g-dev of bookworm's main suite, one behind today's (a security update of zlib): the base
    // image carries zlib1g of the main suite, which the newer zlib1g-dev pulls up with it.
    const { older, newer } = await versionSpan("debian:bookworm-slim", "zlib1g-dev");
    fs.mkdirSync(path.join(repo, "images"));
    fs.mkdirSync(path.join(repo, "app"));
    fs.writeFileSync(path.join(repo, "app", "README"), "nothing to run\n");
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: bump\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(repo, "images", "z.yaml"),
      `name: ${name}\nbase: debian:bookworm-slim\npackages:\n  zlib1g-dev: "${older}" # headers\n` +
        "app: { version: v1.0.0, source: ../app, command: [sleep, infinity], port: 8080 }\n" +
        "tests:\n  - { name: zlib is the pinned build, run: [dpkg-query, -W, zlib1g-dev], expect: '\\t{{version:zlib1g-dev}}$' }\n",
    );
    git("init", "-q");
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "spec");
    const outputs = path.join(repo, "github-output");
    const r = spawnSync(
      "bash",
      [path.join(REPO_ROOT, "scripts", "pins-bump.sh"), "out", "images/z.yaml"],
      {
        cwd: repo,
        env: { ...phoenixEnv(), PHOENIX: `${process.execPath} ${BIN}`, GITHUB_OUTPUT: outputs },
        encoding: "utf8",
      },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(outputs, "utf8")).toBe("changed=1\ntests=passed\n");
    expect(fs.readFileSync(path.join(repo, "images", "z.yaml"), "utf8")).toContain(
      `  zlib1g-dev: "${newer}" # headers\n`,
    );
    const body = fs.readFileSync(path.join(repo, "out", "body.md"), "utf8");
    expect(body).toContain("### images/z.yaml\n");
    expect(body).toContain("spec tests: **passed**\n");
    expect(body).toContain(`packages:\n  ~ zlib1g-dev: ${older} -> ${newer}\nfleet: REPLACE`);
    expect(body).toContain(`  ~ zlib1g: ${older} -> ${newer}\n`); // not pinned: moved with it
  });
});
