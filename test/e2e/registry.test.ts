/**
 * Registry publishing against a real CNCF distribution registry (Debian's docker-registry,
 * installed by scripts/setup.d/50-registry.sh) started on 127.0.0.1 for this file, and the real
 * Docker engine. The provider's methods are called as the engine would call them.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resolveTag } from "../../lib/image/registry";
import { type RegistryServer, startRegistry } from "./registryServer";
import { buildImage } from "../../providers/docker/dockerBuild";
import {
  type BuildInputs,
  type RegistryImageInputs,
  type RegistryImageOutputs,
  pushImage,
  registryImageProvider as provider,
} from "../../providers/aws/registryImage";

const docker = new Docker();
const run = randomBytes(3).toString("hex");
let dir = "";
let server: RegistryServer;
let registry = "";
let repository = "";

/** A spec stand-in: a FROM-scratch image whose content (and so hash) is `text`. */
function spec(text: string): { specHash: string; tag: string; build: BuildInputs } {
  const specHash = createHash("sha256").update(`${run}:${text}`).digest("hex");
  const file = join(dir, `app-${specHash.slice(0, 12)}.txt`);
  writeFileSync(file, text);
  return {
    specHash,
    tag: `1.0.0-${specHash.slice(0, 12)}`,
    build: {
      dockerfile: `FROM scratch\nCOPY app/ /app/\nLABEL io.phoenix.spec-hash=${specHash}\n`,
      files: [{ path: "app/content.txt", source: file, mode: 0o644 }],
      labels: { "io.phoenix.e2e-run": run },
    },
  };
}

function inputs(s: ReturnType<typeof spec>, extra: Partial<RegistryImageInputs> = {}) {
  return { repository, source: "build" as const, ...s, ...extra };
}

/** True when the local engine holds `repository:tag`: a build (or pull) happened. */
async function localTagExists(tag: string): Promise<boolean> {
  return docker
    .getImage(`${repository}:${tag}`)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

/** Removes the local copy, so a later build or push would have to create it again. */
async function removeLocal(tag: string): Promise<void> {
  await docker
    .getImage(`${repository}:${tag}`)
    .remove({ force: true })
    .catch(() => undefined);
}

async function create(i: RegistryImageInputs): Promise<RegistryImageOutputs> {
  const r = await provider.create(i);
  expect(r.id).toBe(`${repository}:${i.tag}`);
  return r.outs as RegistryImageOutputs;
}

const A = () => spec("version A of the app");
const B = () => spec("version B of the app");
let first: RegistryImageOutputs;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "phoenix-registry-e2e-"));
  server = await startRegistry();
  registry = server.address;
  repository = `${registry}/phoenix/web`;
}, 30_000);

afterAll(async () => {
  await server?.stop();
  const images = await docker.listImages({ filters: { label: [`io.phoenix.e2e-run=${run}`] } });
  for (const img of images)
    await docker
      .getImage(img.Id)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("RegistryImage provider against a real registry", () => {
  it("builds and pushes on first publish, recording the registry's digest", async () => {
    first = await create(inputs(A()));
    expect(first.built).toBe(true);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.imageRef).toBe(`${repository}@${first.digest}`);
    expect(await resolveTag({ registry, repository: "phoenix/web", tag: A().tag })).toBe(
      first.digest,
    );
    expect(await localTagExists(A().tag)).toBe(true);
  }, 120_000);

  it("publishing the same spec again builds nothing and returns the same digest", async () => {
    await removeLocal(A().tag);
    const again = await create(inputs(A()));
    expect(again).toMatchObject({ built: false, digest: first.digest, imageRef: first.imageRef });
    expect(await localTagExists(A().tag)).toBe(false);
  }, 60_000);

  it("pushes a new tag for a changed spec and leaves the old tag alone", async () => {
    const second = await create(inputs(B()));
    expect(second.built).toBe(true);
    expect(second.tag).not.toBe(first.tag);
    expect(second.digest).not.toBe(first.digest);
    expect(await resolveTag({ registry, repository: "phoenix/web", tag: B().tag })).toBe(
      second.digest,
    );
    expect(await resolveTag({ registry, repository: "phoenix/web", tag: A().tag })).toBe(
      first.digest,
    );
  }, 120_000);

  it("a revert gets the first digest back without building", async () => {
    await removeLocal(A().tag);
    // A rebuild would not reproduce the digest (the image config records its creation time),
    // so only reuse can return the very image that ran before.
    const { imageId } = await buildImage({
      ...A().build,
      tag: `${registry}/scratch/rebuild:${run}`,
    });
    const rebuilt = await pushImage({
      imageId,
      repository: `${registry}/scratch/rebuild`,
      tag: run,
    });
    expect(rebuilt).not.toBe(first.digest);

    const reverted = await create(inputs(A()));
    expect(reverted).toMatchObject({ built: false, digest: first.digest });
    expect(await localTagExists(A().tag)).toBe(false);
  }, 120_000);

  it("promote mode gets the digest another stack built, with no build inputs at all", async () => {
    await removeLocal(A().tag);
    const { build: _unused, ...promoted } = inputs(A(), { source: "promote" });
    const got = await create(promoted);
    expect(got).toMatchObject({ built: false, digest: first.digest, source: "promote" });
    expect(await localTagExists(A().tag)).toBe(false);
  }, 60_000);

  it("promote mode fails naming the missing tag, and builds nothing", async () => {
    const missing = spec("never built anywhere");
    const err = await provider.create(inputs(missing, { source: "promote" })).catch((e) => e);
    expect((err as Error).message).toContain(`promote found no image ${repository}:${missing.tag}`);
    expect((err as Error).message).toMatch(/phoenix:imageSource/);
    expect(await localTagExists(missing.tag)).toBe(false);
  }, 60_000);

  it("read reports a tag pushed over behind our back and returns the live digest", async () => {
    const ok = await provider.read!(`${repository}:${first.tag}`, first);
    expect(ok.props).toEqual(first);

    // Someone builds something else and pushes it under our tag.
    const other = spec("a hotfix pushed by hand");
    const { imageId } = await buildImage({ ...other.build, tag: `${repository}:${first.tag}` });
    const overwritten = await pushImage({ imageId, repository, tag: first.tag });
    expect(overwritten).not.toBe(first.digest);

    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const drifted = await provider.read!(`${repository}:${first.tag}`, first);
      expect(drifted.id).toBe(`${repository}:${first.tag}`);
      expect(drifted.props).toMatchObject({
        digest: overwritten,
        imageRef: `${repository}@${overwritten}`,
      });
      const logged = warn.mock.calls.map((c) => String(c[0])).join("\n");
      expect(logged).toContain(`registry image ${repository}:${first.tag} drifted`);
      expect(logged).toContain(`not the recorded ${first.digest}`);
    } finally {
      warn.mockRestore();
    }
  }, 120_000);

  it("fails clearly when the registry is down, before building anything", async () => {
    await server.stop();
    const fresh = spec("published while the registry is down");
    const err = await provider.create(inputs(fresh)).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(`registry ${registry.replace(/\./g, "\\.")} is unreachable .*ECONNREFUSED`),
    );
    expect(await localTagExists(fresh.tag)).toBe(false);
    await expect(provider.read!(`${repository}:${first.tag}`, first)).rejects.toThrow(
      /is unreachable/,
    );
  }, 60_000);
});

describe("RegistryImage provider against a registry that requires basic auth (as ECR does)", () => {
  const credentials = { username: "phoenix", password: `pw-${run}` };
  let authed: RegistryServer;
  let repo = "";

  beforeAll(async () => {
    authed = await startRegistry({ auth: credentials });
    repo = `${authed.address}/phoenix/web`;
  }, 30_000);
  afterAll(async () => authed?.stop());

  it("looks up and pushes with the credentials, and refuses anonymous lookups clearly", async () => {
    const s = spec("published with credentials");
    const r = await provider.create({ repository: repo, source: "build", credentials, ...s });
    const outs = r.outs as RegistryImageOutputs;
    expect(outs.built).toBe(true);
    const lookup = { registry: authed.address, repository: "phoenix/web", tag: s.tag };
    expect(await resolveTag({ ...lookup, credentials })).toBe(outs.digest);
    await expect(resolveTag(lookup)).rejects.toThrow(
      `registry ${authed.address} refused access to phoenix/web (HTTP 401); pass registry credentials`,
    );

    await docker.getImage(`${repo}:${s.tag}`).remove({ force: true });
    const again = await provider.create({ repository: repo, source: "build", credentials, ...s });
    expect(again.outs).toMatchObject({ built: false, digest: outs.digest });
  }, 120_000);

  it("fails before building when the credentials are refused, without echoing the password", async () => {
    const s = spec("never published: wrong password");
    const wrong = { username: "phoenix", password: `wrong-${run}` };
    const err = await provider
      .create({ repository: repo, source: "build", credentials: wrong, ...s })
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain(
      `registry ${authed.address} refused access to phoenix/web (HTTP 401); check the registry username and password`,
    );
    expect((err as Error).message).not.toContain(wrong.password);
    expect(
      await docker
        .getImage(`${repo}:${s.tag}`)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ).toBe(false);
  }, 60_000);

  it("refresh with expired credentials keeps the record and warns that the tag went unchecked", async () => {
    const s = spec("published with credentials");
    const { outs } = await provider.create({
      repository: repo,
      source: "build",
      credentials,
      ...s,
    });
    const stale = {
      ...(outs as RegistryImageOutputs),
      credentials: { ...credentials, password: "expired" },
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const r = await provider.read!(`${repo}:${s.tag}`, stale);
      expect(r.props).toEqual(stale);
      const logged = warn.mock.calls.map((c) => String(c[0])).join("\n");
      expect(logged).toContain(`registry image ${repo}:${s.tag} was not verified`);
      expect(logged).not.toContain('expired"');
    } finally {
      warn.mockRestore();
    }
  }, 60_000);
});
