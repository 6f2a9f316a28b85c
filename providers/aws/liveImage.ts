import type * as Ecr from "@aws-sdk/client-ecr";
import { ecrImage } from "../../lib/aws/release";
import { isOwnLiveTag, liveTag } from "../../lib/core/identifiers";
import { type AwsConnection, clientConfig } from "./awsConnection";

/**
 * Marks the digest the serving release runs with this stack's live tag, then removes the stack's live
 * tags (in either format, see isOwnLiveTag) from every other digest of the repository: the ECR
 * lifecycle policy never expires a live image, however many newer images are pushed. Removing a tag deletes only the tag (every image keeps its
 * `<version>-<hash12>` tag). Returns the live tag, or "" for an image outside ECR (nothing to protect).
 */
export async function protectLiveImage(
  c: AwsConnection,
  p: { imageRef: string; stackTag: string },
): Promise<string> {
  const image = ecrImage(p.imageRef);
  if (!image) return "";
  const sdk = require("@aws-sdk/client-ecr") as typeof Ecr;
  const client = new sdk.ECRClient(clientConfig(c));
  const repo = { registryId: image.registryId, repositoryName: image.repositoryName };
  const tag = liveTag(p.stackTag, image.digest);
  try {
    const got = await client.send(
      new sdk.BatchGetImageCommand({ ...repo, imageIds: [{ imageDigest: image.digest }] }),
    );
    const found = got.images?.[0];
    if (!found?.imageManifest) {
      throw new Error(
        `live image: ${p.imageRef} is not in ECR (${got.failures?.[0]?.failureReason ?? "not found"}); ` +
          "the release runs an image the registry no longer has: push it again or revert",
      );
    }
    const tags: { digest: string; tag: string }[] = [];
    const query = { ...repo, filter: { tagStatus: "TAGGED" as const } };
    for await (const page of sdk.paginateListImages({ client }, query)) {
      for (const id of page.imageIds ?? []) {
        if (id.imageTag && id.imageDigest) tags.push({ digest: id.imageDigest, tag: id.imageTag });
      }
    }
    if (!tags.some((t) => t.tag === tag)) {
      await client.send(
        new sdk.PutImageCommand({
          ...repo,
          imageManifest: found.imageManifest,
          imageManifestMediaType: found.imageManifestMediaType,
          imageDigest: image.digest,
          imageTag: tag,
        }),
      );
    }
    // Exactly this stack's live tags (either format), never another stack's with a similar name.
    const stale = tags.filter((t) => t.tag !== tag && isOwnLiveTag(p.stackTag, t.tag));
    if (stale.length > 0) {
      await client.send(
        new sdk.BatchDeleteImageCommand({
          ...repo,
          imageIds: stale.map((t) => ({ imageTag: t.tag })),
        }),
      );
    }
    return tag;
  } finally {
    client.destroy();
  }
}
