/**
 * RegistryImage through the real Pulumi engine (local file backend) and a real distribution
 * registry on 127.0.0.1: two stacks share one repository, one builds and the other promotes;
 * refresh reports a tag pushed over behind our back; with the registry down an update fails
 * before anything is recorded. Needs `npm run setup`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTag } from "../../lib/image/registry";
import { buildImage } from "../../providers/docker/dockerBuild";
import { pushImage } from "../../providers/aws/registryImage";
import {
  type ExportedResource,
  exportStack,
  initStack,
  removeStack,
  runProgram,
  runProgramOk,
  setConfig,
  uniqueStackName,
} from "./harness";
import { type RegistryServer, startRegistry } from "./registryServer";

const PROJECT = path.join(__dirname, "fixtures", "registry");
const STEP_TIMEOUT = 5 * 60_000;
const IMAGE_TYPE = "pulumi-nodejs:dynamic/phoenix:RegistryImage";
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;

const builder = uniqueStackName("e2e-reg-build");
const promoter = uniqueStackName("e2e-reg-promote");
const docker = new Docker();
let server: RegistryServer;
let repository = "";
let work = "";

async function imageState(stack: string): Promise<ExportedResource | undefined> {
  const resources = (await exportStack(stack, PROJECT)).deployment.resources ?? [];
  return resources.find((r) => r.type === IMAGE_TYPE);
}

async function configure(stack: string, content: string, source: string): Promise<void> {
  await setConfig(stack, PROJECT, "reg:repository", repository);
  await setConfig(stack, PROJECT, "reg:dir", work);
  await setConfig(stack, PROJECT, "reg:content", content);
  await setConfig(stack, PROJECT, "reg:source", source);
  await setConfig(stack, PROJECT, "reg:password", PASSWORD, { secret: true });
}

describe("RegistryImage through the real engine", { timeout: STEP_TIMEOUT }, () => {
  let first = "";

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-e2e-registry-"));
    server = await startRegistry();
    repository = `${server.address}/phoenix/web`;
    for (const stack of [builder, promoter]) await initStack(stack, PROJECT);
    await configure(builder, "release one", "build");
    await configure(promoter, "release one", "promote");
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await server?.stop();
    for (const stack of [builder, promoter]) {
      await removeStack(stack, PROJECT).catch(() => undefined);
      fs.rmSync(path.join(PROJECT, `Pulumi.${stack}.yaml`), { force: true });
    }
    const left = await docker.listImages({ filters: { label: ["io.phoenix.e2e=registry"] } });
    for (const img of left)
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => 0);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  it("the building stack builds, pushes and records the digest, credentials as a secret", async () => {
    const r = await runProgramOk("up", { cwd: PROJECT, stack: builder });
    expect(r.changes).toEqual({ create: 2 });
    expect(r.outputs).toMatchObject({ built: true });
    first = String(r.outputs.digest);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.outputs.imageRef).toBe(`${repository}@${first}`);
    const tag = String(r.outputs.tag);
    expect(await resolveTag({ registry: server.address, repository: "phoenix/web", tag })).toBe(
      first,
    );

    const exported = JSON.stringify(await exportStack(builder, PROJECT));
    expect(exported).not.toContain(PASSWORD);
    expect((await imageState(builder))?.outputs?.digest).toBe(first);
  });

  it("a second up of the same spec changes nothing", async () => {
    const r = await runProgramOk("preview", {
      cwd: PROJECT,
      stack: builder,
      args: ["--expect-no-changes"],
    });
    expect(r.changes).toEqual({ same: 2 });
  });

  it("a second stack in promote mode deploys the same digest without building", async () => {
    const r = await runProgramOk("up", { cwd: PROJECT, stack: promoter });
    expect(r.outputs).toMatchObject({ built: false, digest: first });
  });

  it("promote mode fails naming the missing tag and records nothing", async () => {
    await setConfig(promoter, PROJECT, "reg:content", "release two, not built yet");
    const r = await runProgram("up", { cwd: PROJECT, stack: promoter });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(
        `promote found no image ${repository.replace(/\./g, "\\.")}:1\\.0\\.0-[0-9a-f]{12}`,
      ),
    );
    expect((await imageState(promoter))?.outputs?.digest).toBe(first);
    await setConfig(promoter, PROJECT, "reg:content", "release one");
  });

  it("refresh reports a tag pushed over behind our back and records the live digest", async () => {
    const tag = String((await imageState(builder))?.outputs?.tag);
    const file = path.join(work, "hotfix.txt");
    fs.writeFileSync(file, "hotfix pushed by hand");
    const { imageId } = await buildImage({
      dockerfile: "FROM scratch\nCOPY hotfix.txt /hotfix.txt\n",
      files: [{ path: "hotfix.txt", source: file, mode: 0o644 }],
      labels: { "io.phoenix.e2e": "registry" },
      tag: `${repository}:${tag}`,
    });
    const overwritten = await pushImage({ imageId, repository, tag });
    expect(overwritten).not.toBe(first);

    const r = await runProgram("refresh", { cwd: PROJECT, stack: builder });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain(`registry image ${repository}:${tag} drifted`);
    expect((await imageState(builder))?.outputs?.digest).toBe(overwritten);
  });

  it("with the registry down, an update fails clearly and the state keeps the old record", async () => {
    const before = await imageState(builder);
    await server.stop();
    await setConfig(builder, PROJECT, "reg:content", "release two");
    const r = await runProgram("up", { cwd: PROJECT, stack: builder });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(`registry ${server.address.replace(/\./g, "\\.")} is unreachable`),
    );
    const after = await imageState(builder);
    // Secrets are re-encrypted on every save, so compare everything but the credentials.
    const { credentials: _a, ...kept } = after?.outputs ?? {};
    const { credentials: _b, ...was } = before?.outputs ?? {};
    expect(kept).toEqual(was);
    expect(kept.specHash).not.toBe(createHash("sha256").update("release two").digest("hex"));
    // Nothing was built for release two: the lookup failed before the builder ran.
    const tagTwo = `1.0.0-${createHash("sha256").update("release two").digest("hex").slice(0, 12)}`;
    const local = await docker
      .getImage(`${repository}:${tagTwo}`)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    expect(local).toBe(false);
  });
});
