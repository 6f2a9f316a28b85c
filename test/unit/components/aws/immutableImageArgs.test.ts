/** ImmutableImage refuses bad arguments before it creates anything, one problem per line. */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { specHash } from "../../../../lib/image/hash";
import { type LoadedSpec, loadSpec } from "../../../../lib/spec/spec";
import { setupMocks } from "../../../mocks";
import { writeSpecRepo } from "../fixtures";

const BUILDER_REPO = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4";

describe("ImmutableImage arguments", () => {
  let imageModule: typeof import("../../../../components/aws/immutableImage");
  let loaded: LoadedSpec;

  beforeAll(async () => {
    await setupMocks({ project: "phoenix", stack: "prod" });
    imageModule = await import("../../../../components/aws/immutableImage");
    loaded = loadSpec(writeSpecRepo().specPath);
  });

  /** The problems ImmutableImage `name` is refused with (the lines under its name). */
  function problems(
    name: string,
    over: Partial<import("../../../../components/aws/immutableImage").ImmutableImageArgs>,
  ): string[] {
    try {
      new imageModule.ImmutableImage(name, {
        loaded,
        specHash: specHash(loaded),
        dockerfile: "FROM scratch",
        keepImages: 10,
        gitCommit: "0123abc",
        ...over,
      });
    } catch (err) {
      expect(err).toBeInstanceOf(pulumi.ResourceError);
      const [head, ...lines] = (err as Error).message.split("\n");
      expect(head).toBe(`ImmutableImage ${name}:`);
      return lines;
    }
    throw new Error(`ImmutableImage ${name} was created`);
  }

  const EMPTY_DOCKERFILE = "dockerfile: is empty; pass renderDockerfile(loaded, specHash)";

  it("keeps 1 to 1000 images, and refuses fewer, more or a fraction", () => {
    // An empty Dockerfile makes every one of these fail, so only keepImages differs.
    for (const keepImages of [1, 1000])
      expect(problems("keep-ok", { keepImages, dockerfile: "" }), `${keepImages}`).toEqual([
        EMPTY_DOCKERFILE,
      ]);
    for (const keepImages of [0, 1001, 2.5])
      expect(problems("keep-bad", { keepImages }), `${keepImages}`).toEqual([
        `keepImages: must be a whole number from 1 to 1000, got ${keepImages}`,
      ]);
  });

  it("refuses a Dockerfile of whitespace only, and lists each problem on a line of its own", () => {
    expect(problems("blank", { dockerfile: " \n\t" })).toEqual([EMPTY_DOCKERFILE]);
    expect(problems("two", { dockerfile: "", keepImages: 0 })).toEqual([
      "keepImages: must be a whole number from 1 to 1000, got 0",
      EMPTY_DOCKERFILE,
    ]);
  });

  it("refuses a source other than build or promote, naming the config key", () => {
    expect(problems("pull", { source: "pull" as never })).toEqual([
      'source: must be build or promote (phoenix:imageSource), got "pull"',
    ]);
  });

  it("refuses pull accounts on a promoting stack: the building stack grants them", () => {
    expect(
      problems("promote-pull", {
        source: "promote",
        repositoryUrl: BUILDER_REPO,
        pullAccountIds: ["123456789012"],
      }),
    ).toEqual([
      "pullAccountIds: only applies to source build (the building stack owns the repository and " +
        "its policy); set it on the building stack, or remove phoenix:pullAccountIds here",
    ]);
  });

  it("refuses promote without the building stack's repository URL, showing an example", () => {
    expect(problems("promote-none", { source: "promote" })).toEqual([
      "repositoryUrl: promote needs the ECR repository URL of the stack that builds (its " +
        "repositoryUrl output, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1a2b3c4; " +
        'set phoenix:imageRepository), got ""',
    ]);
    expect(problems("promote-bad", { source: "promote", repositoryUrl: "docker.io/web" })).toEqual([
      expect.stringMatching(/^repositoryUrl: promote needs .*, got "docker\.io\/web"$/),
    ]);
  });

  it("refuses a repository URL on a building stack, naming both ways out", () => {
    expect(problems("build-url", { repositoryUrl: BUILDER_REPO })).toEqual([
      "repositoryUrl: only applies to source promote (a building stack creates its own " +
        "repository); remove phoenix:imageRepository or set phoenix:imageSource promote",
    ]);
  });
});
