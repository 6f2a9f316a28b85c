/** The `phoenix` command line: validate, hash, render and diff image specs; read image manifests. */
import { ValidationError } from "../lib/core/errors";
import { build } from "./build";
import { hash, render, validate } from "./commands";
import { diff } from "./diff";
import { EXIT, Io, UsageError } from "./io";
import { manifest } from "./manifest";
import { pins } from "./pins";
import { summary } from "./summary";

/** Shown by `phoenix --help` and after usage errors. */
export const USAGE = `phoenix - immutable images named by the hash of their spec

Usage:
  phoenix validate <spec.yaml>         check a spec; prints a one-line summary
  phoenix hash <spec.yaml>             print the spec's content hash (64 hex) and nothing else
  phoenix render <spec.yaml>           print the Dockerfile rendered from the spec
  phoenix diff <old.yaml> <new.yaml>   what changed, and whether the fleet will be replaced; with
  phoenix diff --base <rev> <spec.yaml>  both images in the local engine, every package that moved
                                       (--base reads the old side from git at <rev>)
  phoenix build [--base <rev>] <spec.yaml>
                                       build (or reuse) the spec's image in the local Docker engine
                                       and run its spec tests (--base: the spec as of git <rev>)
  phoenix manifest <image|spec.yaml> [--format text|cyclonedx]
                                       the packages installed in an image (by reference, or the
                                       local image built for a spec): name version lines, or a
                                       CycloneDX SBOM
  phoenix pins check [--if-unbuilt] <spec.yaml>
                                       whether Debian's archive still has every pinned version (read
                                       by apt inside the spec's base image); exit 1 when one is gone
                                       (--if-unbuilt: ok at once when the image is already built)
  phoenix pins update [--all] <spec.yaml>
                                       rewrite the pins the archive lost (every pin with --all) to the
                                       version apt installs today, same source packages in step;
                                       comments and layout kept; prints the phoenix diff
  phoenix summary [preview.json|-]     summarize \`pulumi preview --json\` (a file, or stdin)
  phoenix --help                       this text

Exit codes: 0 ok, 1 invalid spec or rotten pins (every problem is printed), 2 usage error.
`;

const COMMANDS: Record<string, (args: readonly string[], io: Io) => number | Promise<number>> = {
  validate,
  hash,
  render,
  diff,
  summary,
  manifest,
  build,
  pins,
};

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. Never rejects. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`phoenix: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    if (args.includes("--help") || args.includes("-h")) {
      io.out(USAGE);
      return EXIT.ok;
    }
    return await command(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`phoenix ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof ValidationError) {
      const n = e.issues.length;
      io.err(
        `phoenix ${name}: invalid spec, ${n} problem${n === 1 ? "" : "s"}:\n${e.issues.map((i) => `  ${i.path}: ${i.message}\n`).join("")}`,
      );
      return EXIT.invalid;
    }
    io.err(`phoenix ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.invalid;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then((code) => (process.exitCode = code));
}
