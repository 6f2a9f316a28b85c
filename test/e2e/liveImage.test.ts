import { createHash } from "node:crypto";
import {
  CreateRepositoryCommand,
  ECRClient,
  ListImagesCommand,
  PutImageCommand,
} from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveTag } from "../../lib/core/identifiers";
import { protectLiveImage } from "../../providers/aws/liveImage";
import { type Moto, startMoto } from "./moto";

// The live-tag logic of the retire against moto's ECR: which tags it adds and which it removes.
const REGION = "us-east-1";
let moto: Moto;
let conn: { region: string; endpoint: string; profile: string; roleArn: string };

beforeAll(async () => {
  moto = await startMoto();
  conn = { region: REGION, endpoint: moto.endpoint, profile: "", roleArn: "" };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

/** A repository with images `v1` and `v2`, and helpers to tag and read them. */
async function repository(name: string) {
  const ecr = new ECRClient({ region: REGION, endpoint: moto.endpoint });
  const url = (await ecr.send(new CreateRepositoryCommand({ repositoryName: name }))).repository
    ?.repositoryUri;
  const push = async (tag: string) => {
    const fake = `sha256:${createHash("sha256").update(tag).digest("hex")}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: 2,
        digest: fake,
      },
      layers: [
        { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 2, digest: fake },
      ],
    });
    const res = await ecr.send(
      new PutImageCommand({ repositoryName: name, imageManifest: manifest, imageTag: tag }),
    );
    const digest = res.image?.imageId?.imageDigest ?? "";
    return { digest, ref: `${url}@${digest}`, manifest };
  };
  const images = { v1: await push("v1"), v2: await push("v2") };
  return {
    ...images,
    async tag(image: { manifest: string }, tag: string) {
      await ecr.send(
        new PutImageCommand({ repositoryName: name, imageManifest: image.manifest, imageTag: tag }),
      );
    },
    async tags(image: { digest: string }) {
      const res = await ecr.send(new ListImagesCommand({ repositoryName: name }));
      return (res.imageIds ?? [])
        .filter((i) => i.imageDigest === image.digest && i.imageTag)
        .map((i) => i.imageTag ?? "")
        .sort();
    },
  };
}

/** The live tag as releases before the hashed format wrote it. */
const legacy = (stackTag: string, digest: string) =>
  `phoenix-live-${stackTag.replace(/[^a-zA-Z0-9._-]/g, ".")}-${digest.slice(7, 19)}`;

describe("protectLiveImage against moto", () => {
  it("moves this stack's live tag and leaves the tags of stacks with look-alike names", async () => {
    const repo = await repository("live-lookalike");
    // Stacks a.b/c and a/b.c, and stacks prod and prod-eu of one project, each serve v1.
    const theirs = [
      liveTag("a/b.c", repo.v1.digest),
      liveTag("p/prod-eu", repo.v1.digest),
      legacy("p/prod-eu", repo.v1.digest),
      legacy("p/prod-abcdef012345", repo.v1.digest),
    ];
    for (const t of theirs) await repo.tag(repo.v1, t);
    await repo.tag(repo.v1, liveTag("a.b/c", repo.v1.digest));

    // Stack a.b/c now serves v2.
    const tag = await protectLiveImage(conn, { imageRef: repo.v2.ref, stackTag: "a.b/c" });
    expect(tag).toBe(liveTag("a.b/c", repo.v2.digest));
    expect(await repo.tags(repo.v2)).toEqual(["v2", tag].sort());
    expect(await repo.tags(repo.v1)).toEqual(["v1", ...theirs].sort());
  }, 60_000);

  it("removes the live tag an earlier release of this stack wrote in the earlier format", async () => {
    const repo = await repository("live-legacy");
    await repo.tag(repo.v1, legacy("p/prod", repo.v1.digest));
    await repo.tag(repo.v1, legacy("p/prod-eu", repo.v1.digest));

    const tag = await protectLiveImage(conn, { imageRef: repo.v2.ref, stackTag: "p/prod" });
    expect(await repo.tags(repo.v2)).toEqual(["v2", tag].sort());
    expect(await repo.tags(repo.v1)).toEqual(["v1", legacy("p/prod-eu", repo.v1.digest)].sort());
  }, 60_000);

  it("keeps the serving digest's tags as they are when it already carries the live tag", async () => {
    const repo = await repository("live-again");
    const first = await protectLiveImage(conn, { imageRef: repo.v1.ref, stackTag: "p/prod" });
    const again = await protectLiveImage(conn, { imageRef: repo.v1.ref, stackTag: "p/prod" });
    expect(again).toBe(first);
    expect(await repo.tags(repo.v1)).toEqual(["v1", first].sort());
  }, 60_000);
});
