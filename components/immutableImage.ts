import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { materializeContext } from "../lib/contextDir";
import { imageTag } from "../lib/hash";
import { LoadedSpec } from "../lib/spec";

/** Arguments of {@link ImmutableImage}. */
export interface ImmutableImageArgs {
  /** The loaded, validated image spec. */
  readonly loaded: LoadedSpec;
  /** specHash(loaded): names the image tag and tags every resource. */
  readonly specHash: string;
  /** renderDockerfile(loaded, specHash). */
  readonly dockerfile: string;
  /** Images the ECR lifecycle policy keeps for rollback (stack config `keepImages`). */
  readonly keepImages: number;
  /** Git commit of the checkout: the GIT_COMMIT build arg (image revision label) and a tag. */
  readonly gitCommit: string;
  /**
   * Directory holding the build context (Dockerfile, app/, config/).
   * @default - materialized from the spec under os.tmpdir()/phoenix-context-<hash12>
   */
  readonly contextDir?: string;
  /** @default - "linux/amd64", what the fleet's instance types run */
  readonly platform?: string;
}

/** `<registry>/<repository>@sha256:<64 hex>`: an image pinned by content. */
export const DIGEST_REFERENCE = /^[^\s@]+\/[^\s@]+@sha256:[0-9a-f]{64}$/;

/** ECR lifecycle policy document keeping the newest `keep` images, whatever their tags. */
export function lifecyclePolicyDocument(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the newest ${keep} images for rollback; expire older ones`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

/**
 * The image of a spec, built from the rendered Dockerfile and pushed to its own ECR repository:
 * IMMUTABLE tags (a tag names one image forever), scan on push, a lifecycle policy keeping the last
 * `keepImages` images for rollback, and retained when the stack is destroyed. Consumers get the
 * image BY DIGEST (`imageRef`), never by tag.
 */
export class ImmutableImage extends pulumi.ComponentResource {
  /** `<repositoryUrl>@sha256:<digest>` of the pushed image. */
  readonly imageRef: pulumi.Output<string>;
  /** `<repositoryUrl>:<version>-<hash12>`. */
  readonly imageName: pulumi.Output<string>;
  /** `<version>-<hash12>`. */
  readonly imageTag: string;
  /** The spec hash this image was built from. */
  readonly specHash: string;
  /** The ECR repository URL. */
  readonly repositoryUrl: pulumi.Output<string>;

  constructor(name: string, args: ImmutableImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("phoenix:index:ImmutableImage", name, {}, opts);
    const problems = validate(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`ImmutableImage ${name}:\n${problems.join("\n")}`, this);
    }
    const tags = {
      Name: `${name}`,
      "phoenix:spec-hash": args.specHash,
      "phoenix:git-sha": args.gitCommit,
    };

    // Retained on delete: a destroyed stack must not take the images a rollback needs with it.
    const repo = new aws.ecr.Repository(
      name,
      {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        forceDelete: false,
        tags,
      },
      { parent: this, retainOnDelete: true },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: repo.name, policy: lifecyclePolicyDocument(args.keepImages) },
      { parent: this },
    );

    const token = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repo.registryId },
      { parent: this },
    );
    const contextDir =
      args.contextDir ?? materializeContext(args.loaded, args.dockerfile, args.specHash);
    this.imageTag = imageTag(args.loaded.spec, args.specHash);
    this.specHash = args.specHash;
    const image = new docker.Image(
      name,
      {
        imageName: pulumi.interpolate`${repo.repositoryUrl}:${this.imageTag}`,
        build: {
          context: contextDir,
          dockerfile: `${contextDir}/Dockerfile`,
          platform: args.platform ?? "linux/amd64",
          args: { GIT_COMMIT: args.gitCommit },
        },
        registry: {
          server: repo.repositoryUrl,
          username: token.userName,
          password: pulumi.secret(token.password),
        },
      },
      // A new commit with the same spec is the same image: the commit label must not rebuild it.
      { parent: this, ignoreChanges: ["build.args.GIT_COMMIT"] },
    );

    this.repositoryUrl = repo.repositoryUrl;
    this.imageName = image.imageName;
    this.imageRef = image.repoDigest.apply((ref) => {
      if (!DIGEST_REFERENCE.test(ref)) {
        throw new pulumi.ResourceError(
          `ImmutableImage ${name}: the registry returned ${JSON.stringify(ref)}, not a digest reference; the push did not complete`,
          this,
        );
      }
      return ref;
    });
    this.registerOutputs({
      imageRef: this.imageRef,
      imageName: this.imageName,
      imageTag: this.imageTag,
      specHash: this.specHash,
      repositoryUrl: this.repositoryUrl,
    });
  }
}

function validate(args: ImmutableImageArgs): string[] {
  const problems: string[] = [];
  if (!/^[0-9a-f]{64}$/.test(args.specHash)) {
    problems.push(`specHash: must be 64 lowercase hex, got ${JSON.stringify(args.specHash)}`);
  }
  if (!Number.isInteger(args.keepImages) || args.keepImages < 1 || args.keepImages > 1000) {
    problems.push(`keepImages: must be a whole number from 1 to 1000, got ${args.keepImages}`);
  }
  if (!/^(?:[0-9a-f]{7,40}|unknown)$/.test(args.gitCommit)) {
    problems.push(
      `gitCommit: must be a git commit (7-40 hex) or "unknown", got ${JSON.stringify(args.gitCommit)}`,
    );
  }
  if (args.dockerfile.trim() === "")
    problems.push("dockerfile: is empty; pass renderDockerfile(loaded, specHash)");
  return problems;
}
