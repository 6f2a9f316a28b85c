import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { contextFiles } from "../../lib/image/context";
import { imageTag } from "../../lib/image/hash";
import { LoadedSpec } from "../../lib/spec/spec";
import { resolvedTests } from "../../lib/spec/pinRefs";
import {
  COMPONENT_TYPES,
  DIGEST_REFERENCE_RE,
  ECR_REPOSITORY_URL_EXAMPLE,
  ECR_REPOSITORY_URL_RE,
  IMAGE_SOURCES,
  LIVE_TAG_PREFIX,
  TAGS,
  type ImageSource,
  gitCommitProblem,
  isImageSource,
  specHashProblem,
} from "../../lib/core/identifiers";
import { RegistryImage } from "../../providers/aws/registryImage";
import { pullPolicyDocument } from "../../lib/aws/repositoryPolicy";

/** More live images than any repository holds: the protecting rule never expires one. */
const LIVE_IMAGES_NEVER_EXPIRE = 9999;

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
  /**
   * Git commit of the checkout: the GIT_COMMIT build arg, so the image's revision label when this
   * deployment builds it. Never an image tag or a resource tag: a commit-only change is no change
   * of the registry image (its diff ignores build inputs).
   */
  readonly gitCommit: string;
  /**
   * Stack config `phoenix:imageSource`: `build` looks the spec's tag up in the registry and builds
   * and pushes only when it is missing; `promote` deploys the image another stack built and never
   * builds (it fails naming the tag when it is absent).
   * @default "build"
   */
  readonly source?: ImageSource;
  /**
   * Stack config `phoenix:imageRepository`: the ECR repository URL of the stack that builds (its
   * `repositoryUrl` output). Required with source `promote`, which creates no repository.
   * @default - a repository of this stack's own (source build)
   */
  readonly repositoryUrl?: string;
  /**
   * Stack config `phoenix:pullAccountIds`: other AWS accounts whose stacks may pull this stack's
   * images (a repository policy granting pull only). Source build only.
   * @default - no repository policy: only this account pulls
   */
  readonly pullAccountIds?: readonly string[];
  /** @default - "linux/amd64", what the fleet's instance types run */
  readonly platform?: string;
}

/**
 * ECR lifecycle policy document: images carrying a live tag (`phoenix-live-...`, put by the retire on
 * the digest each stack serves) are never expired, whatever their age or count; of the others the
 * newest `keep` are kept for rollback. ECR never lets a lower-priority rule expire an image a
 * higher-priority rule selects; live images still count toward `keep`.
 */
export function lifecyclePolicyDocument(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: "Never expire an image a stack serves (its live tag)",
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [LIVE_TAG_PREFIX],
          countType: "imageCountMoreThan",
          countNumber: LIVE_IMAGES_NEVER_EXPIRE,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the newest ${keep} images for rollback; expire older ones`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

/**
 * The image of a spec in ECR, content-addressed: its tag `<version>-<hash12>` is looked up first and
 * reused by digest when present (a revert brings back the very image that ran before; an IMMUTABLE
 * repository never sees a second push of a tag); only a missing tag is built and pushed. With
 * `source: "promote"` it deploys what another stack built and never builds. The stack that builds
 * owns the repository: IMMUTABLE tags, scan on push, a lifecycle policy keeping the last
 * `keepImages` images for rollback, retained when the stack is destroyed. Consumers get the image
 * BY DIGEST (`imageRef`), never by tag.
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
  /** True when this deployment built and pushed the image, false when the registry had it. */
  readonly built: pulumi.Output<boolean>;

  constructor(name: string, args: ImmutableImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.immutableImage, name, {}, opts);
    const problems = validate(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`ImmutableImage ${name}:\n${problems.join("\n")}`, this);
    }
    const source = args.source ?? "build";
    const tags = {
      Name: `${name}`,
      [TAGS.specHash]: args.specHash,
    };

    let repositoryUrl: pulumi.Output<string>;
    let registryId: pulumi.Input<string>;
    if (source === "build") {
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
      const pullAccountIds = args.pullAccountIds ?? [];
      if (pullAccountIds.length > 0) {
        new aws.ecr.RepositoryPolicy(
          `${name}-pull`,
          {
            repository: repo.name,
            // The partition from the repository's own ARN (arn:<partition>:ecr:...).
            policy: repo.arn.apply((arn) =>
              pullPolicyDocument({ partition: arn.split(":")[1], accountIds: pullAccountIds }),
            ),
          },
          { parent: this },
        );
      }
      repositoryUrl = repo.repositoryUrl;
      registryId = repo.registryId;
    } else {
      const url = args.repositoryUrl as string; // validated above
      repositoryUrl = pulumi.output(url);
      registryId = (ECR_REPOSITORY_URL_RE.exec(url) as RegExpExecArray)[1];
    }

    const token = aws.ecr.getAuthorizationTokenOutput({ registryId }, { parent: this });
    this.imageTag = imageTag(args.loaded.spec, args.specHash);
    this.specHash = args.specHash;
    const image = new RegistryImage(
      name,
      {
        repository: repositoryUrl,
        tag: this.imageTag,
        specHash: args.specHash,
        source,
        credentials: pulumi
          .all([token.userName, token.password])
          .apply(([username, password]) => ({ username, password })),
        // Used only when the tag is missing; the commit label never makes a new image.
        build: {
          dockerfile: args.dockerfile,
          files: contextFiles(args.loaded),
          buildArgs: { GIT_COMMIT: args.gitCommit },
          platform: args.platform ?? "linux/amd64",
          pins: {
            specFile: args.loaded.specPath.slice(args.loaded.repoRoot.length + 1),
            base: args.loaded.spec.base,
          },
        },
        tests: resolvedTests(args.loaded.spec),
      },
      { parent: this },
    );

    this.repositoryUrl = repositoryUrl;
    this.imageName = pulumi.interpolate`${repositoryUrl}:${this.imageTag}`;
    this.built = image.built;
    this.imageRef = image.imageRef.apply((ref) => {
      if (!DIGEST_REFERENCE_RE.test(ref)) {
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
      built: this.built,
    });
  }
}

function validate(args: ImmutableImageArgs): string[] {
  const problems = [
    specHashProblem("specHash", args.specHash),
    Number.isInteger(args.keepImages) && args.keepImages >= 1 && args.keepImages <= 1000
      ? undefined
      : `keepImages: must be a whole number from 1 to 1000, got ${args.keepImages}`,
    gitCommitProblem("gitCommit", args.gitCommit),
  ].filter((p): p is string => p !== undefined);
  if (args.dockerfile.trim() === "")
    problems.push("dockerfile: is empty; pass renderDockerfile(loaded, specHash)");
  const source = args.source ?? "build";
  if (!isImageSource(source)) {
    problems.push(
      `source: must be ${IMAGE_SOURCES.join(" or ")} (phoenix:imageSource), got ${JSON.stringify(source)}`,
    );
  } else if (source === "promote" && (args.pullAccountIds ?? []).length > 0) {
    problems.push(
      "pullAccountIds: only applies to source build (the building stack owns the repository and " +
        "its policy); set it on the building stack, or remove phoenix:pullAccountIds here",
    );
  } else if (
    source === "promote" &&
    // Stryker disable next-line StringLiteral: no stand-in for a missing URL matches the ECR URL pattern
    !ECR_REPOSITORY_URL_RE.test(args.repositoryUrl ?? "")
  ) {
    problems.push(
      "repositoryUrl: promote needs the ECR repository URL of the stack that builds (its " +
        `repositoryUrl output, e.g. ${ECR_REPOSITORY_URL_EXAMPLE}; ` +
        `set phoenix:imageRepository), got ${JSON.stringify(args.repositoryUrl ?? "")}`,
    );
  } else if (source === "build" && args.repositoryUrl !== undefined) {
    problems.push(
      "repositoryUrl: only applies to source promote (a building stack creates its own " +
        "repository); remove phoenix:imageRepository or set phoenix:imageSource promote",
    );
  }
  return problems;
}
