/**
 * `phoenix build [--base <git rev>] <spec.yaml>`: builds the spec's image in the local Docker engine
 * exactly as the local target does (reused when an image of the same spec hash and base exists) and
 * runs its spec tests, so a review can compare the packages of two images without deploying.
 */
import * as path from "node:path";
import { gitCommit } from "../lib/core/gitCommit";
import { specHash } from "../lib/image/hash";
import { loadSpec } from "../lib/spec/spec";
import { baseTree, parseBaseArgs } from "./gitBase";
import { EXIT, Io, UsageError } from "./io";

const FORM = "phoenix build [--base <git rev>] <spec.yaml>";

function parse(args: readonly string[]): { base?: string; spec: string } {
  const { base, files } = parseBaseArgs(args, FORM);
  if (files.length !== 1)
    throw new UsageError(`expected 1 argument, got ${files.length}; usage: ${FORM}`);
  return { base, spec: files[0] };
}

/** Builds (or reuses) and tests the image; prints its reference and id last. */
export async function build(args: readonly string[], io: Io): Promise<number> {
  const { base, spec } = parse(args);
  const tree = base === undefined ? undefined : baseTree(spec, base);
  try {
    const loaded = loadSpec(tree?.specPath ?? spec);
    const hash = specHash(loaded);
    // Loaded here: the provider pulls in the Pulumi SDK, which every other command can do without.
    const { localImageInputs, localImageProvider } =
      require("../providers/local/image/localImage") as typeof import("../providers/local/image/localImage");
    const commit = tree?.commit ?? gitCommit(path.dirname(path.resolve(spec)));
    // keepImages only prunes; a review build must never remove the images a stack keeps.
    const inputs = localImageInputs({ loaded, hash, keepImages: 1000, gitCommit: commit });
    const checked = await localImageProvider.check!({} as never, inputs as never);
    if (!checked.inputs)
      throw new Error((checked.failures ?? []).map((f) => `${f.property}: ${f.reason}`).join("\n"));
    const { outs } = await localImageProvider.create!(checked.inputs);
    if (!outs) throw new Error(`${inputs.name}:${inputs.tag}: the provider returned no outputs`);
    const tests = loaded.spec.tests.length === 0 ? "no spec tests" : "spec tests passed";
    io.out(`${outs.ref} ${outs.imageId} ${outs.reused ? "reused" : "built"}, ${tests}\n`);
    return EXIT.ok;
  } finally {
    tree?.cleanup();
  }
}
