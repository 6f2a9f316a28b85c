/** The `phoenix` command line: validate, hash, render and diff image specs. */
import { ValidationError } from "../lib/core/errors";
import { diff, hash, render, validate } from "./commands";
import { EXIT, Io, UsageError } from "./io";
import { summary } from "./summary";

/** Shown by `phoenix --help` and after usage errors. */
export const USAGE = `phoenix - immutable images named by the hash of their spec

Usage:
  phoenix validate <spec.yaml>         check a spec; prints a one-line summary
  phoenix hash <spec.yaml>             print the spec's content hash (64 hex) and nothing else
  phoenix render <spec.yaml>           print the Dockerfile rendered from the spec
  phoenix diff <old.yaml> <new.yaml>   what changed, and whether the fleet will be replaced
  phoenix summary [preview.json|-]     summarize \`pulumi preview --json\` (a file, or stdin)
  phoenix --help                       this text

Exit codes: 0 ok, 1 invalid spec (every problem is printed), 2 usage error.
`;

const COMMANDS: Record<string, (args: readonly string[], io: Io) => number> = {
  validate,
  hash,
  render,
  diff,
  summary,
};

/** Runs the CLI with `argv` (without node and script) and returns the exit code. Never throws. */
export function main(argv: readonly string[], io: Io): number {
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
    return command(args, io);
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
  process.exitCode = main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
