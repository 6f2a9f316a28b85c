/**
 * The LocalImage provider's methods called directly against the real Docker engine, with a tiny
 * spec (no packages) so builds take seconds. Needs debian:bookworm-slim (`npm run setup`).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFiles } from "../../../../../lib/image/context";
import { imageTag, specHash } from "../../../../../lib/image/hash";
import { renderDockerfile } from "../../../../../lib/image/render";
import { loadSpec } from "../../../../../lib/spec/spec";
import {
  localImageProvider,
  type LocalImageInputs,
} from "../../../../../providers/local/image/localImage";
import { REPO_ROOT } from "../../../harness";

const docker = new Docker();
const id = crypto.randomBytes(3).toString("hex");
const name = `phx-img-test-${id}`;
const base = `phx-test-base-${id}:bookworm`;
const work = path.join(REPO_ROOT, ".pulumi-state", "e2e-providers", `image-${id}`);

/** Writes a spec with the given app version and returns the provider inputs for it. */
function inputs(version: string, keepImages = 5): LocalImageInputs {
  fs.mkdirSync(path.join(work, "app"), { recursive: true });
  fs.writeFileSync(path.join(work, "app", "hello.txt"), "hello\n");
  const specFile = path.join(work, `spec-${version}.yaml`);
  fs.writeFileSync(
    specFile,
    [
      `name: ${name}`,
      `base: ${base}`,
      "app:",
      `  version: ${version}`,
      "  source: app",
      "  command: [sleep, infinity]",
      "  port: 8080",
      "",
    ].join("\n"),
  );
  const loaded = loadSpec(specFile);
  const hash = specHash(loaded);
  return {
    name,
    tag: imageTag(loaded.spec, hash),
    specHash: hash,
    base,
    dockerfile: renderDockerfile(loaded, hash),
    files: contextFiles(loaded),
    keepImages,
    gitCommit: "test",
  };
}

async function checked(i: LocalImageInputs): Promise<LocalImageInputs> {
  const r = await localImageProvider.check!({} as LocalImageInputs, i);
  if (!r.inputs) throw new Error(`check failed: ${JSON.stringify(r.failures)}`);
  return r.inputs;
}

async function ourImages(): Promise<Docker.ImageInfo[]> {
  return docker.listImages({ filters: { label: [`io.phoenix.name=${name}`] } });
}

/** Points the test's base tag at a new image (a rebuilt base under the same tag). */
async function rebuildBase(label: string): Promise<void> {
  const { buildImage } = await import("../../../../../providers/docker/dockerBuild");
  await buildImage({
    dockerfile: `FROM debian:bookworm-slim\nLABEL rebuilt=${label}\n`,
    files: [],
    tag: base,
  });
}

describe("localImageProvider", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await docker
      .getImage("debian:bookworm-slim")
      .tag({ repo: base.split(":")[0], tag: "bookworm" });
  });

  afterAll(async () => {
    for (const c of await docker.listContainers({
      all: true,
      filters: { label: [`phx-test=${id}`] },
    })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
    for (const img of await ourImages()) await docker.getImage(img.Id).remove({ force: true });
    await docker
      .getImage(base)
      .remove({ force: true })
      .catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("refuses a base image the engine does not have, saying how to get it", async () => {
    const r = await localImageProvider.check!({} as LocalImageInputs, {
      ...inputs("v1.0.0"),
      base: `nope-${id}:x`,
    });
    expect(r.failures?.[0]).toMatchObject({ property: "base" });
    expect(r.failures?.[0].reason).toMatch(/not in the local Docker engine; run `npm run setup`/);
  });

  it("builds an image labelled with its spec hash and base id, tagged <version>-<hash12>", async () => {
    const i = await checked(inputs("v1.0.0"));
    const r = await localImageProvider.create(i);
    expect(r.outs?.reused).toBe(false);
    expect(r.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const info = await docker.getImage(`${name}:${i.tag}`).inspect();
    expect(info.Id).toBe(r.id);
    expect(info.Config.Labels).toMatchObject({
      "io.phoenix.spec-hash": i.specHash,
      "io.phoenix.base-id": i.baseId,
      "io.phoenix.name": name,
      "org.opencontainers.image.revision": "test",
    });
  });

  it("reuses the image for the same spec and base: same id, nothing built", async () => {
    const i = await checked(inputs("v1.0.0"));
    const first = (await ourImages()).map((x) => x.Id);
    const r = await localImageProvider.create(i);
    expect(r.outs?.reused).toBe(true);
    expect(first).toContain(r.id);
    expect((await ourImages()).map((x) => x.Id).sort()).toEqual(first.sort());
  });

  it("treats a rebuilt base under the same tag as a new image", async () => {
    const before = await checked(inputs("v1.0.0"));
    const old = await localImageProvider.create(before);
    await rebuildBase(id);
    const after = await checked(inputs("v1.0.0"));
    expect(after.baseId).not.toBe(before.baseId);
    expect((await localImageProvider.diff!(old.id, old.outs!, after)).replaces).toEqual(["baseId"]);
    const r = await localImageProvider.create(after);
    expect(r.outs?.reused).toBe(false);
    expect(r.id).not.toBe(old.id);
  });

  it("keeps the image on delete, prunes beyond keepImages, and never removes an image in use", async () => {
    const v1 = await localImageProvider.create(await checked(inputs("v1.0.0", 2))); // newest v1 build
    const inUse = await docker.createContainer({
      Image: v1.id,
      Labels: { "phx-test": id },
      Cmd: ["true"],
    });
    const v2 = await localImageProvider.create(await checked(inputs("v2.0.0", 2)));
    const v3 = await localImageProvider.create(await checked(inputs("v3.0.0", 2)));
    await localImageProvider.delete!(v3.id, v3.outs!);
    const left = (await ourImages()).map((x) => x.Id);
    expect(left).toEqual(expect.arrayContaining([v1.id, v2.id, v3.id])); // v1 is used by a container
    expect(left).toHaveLength(3);
    await inUse.remove({ force: true });
    await localImageProvider.delete!(v3.id, v3.outs!);
    expect((await ourImages()).map((x) => x.Id).sort()).toEqual([v2.id, v3.id].sort());
  });

  it("fails a broken build with Docker's message and the last lines of output", async () => {
    const i = await checked(inputs("v9.0.0"));
    const broken = {
      ...i,
      dockerfile: i.dockerfile.replace(
        /^COPY app\/ /m,
        "RUN echo about-to-fail && false\nCOPY app/ ",
      ),
    };
    await expect(localImageProvider.create(broken)).rejects.toThrow(
      /docker build of .* failed: The command .* returned a non-zero code: 1\n--- last build output ---\n[\s\S]*about-to-fail/,
    );
  });
});
