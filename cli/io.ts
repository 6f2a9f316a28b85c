/** What a command may touch: its arguments and two output streams. Keeps commands testable. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** A command-line mistake (wrong arguments): exit 2 with usage. */
export class UsageError extends Error {}

/** Returns exactly `n` positional arguments or throws UsageError naming the expected form. */
export function positional(args: readonly string[], n: number, form: string): string[] {
  const unknown = args.find((a) => a.startsWith("-") && a !== "-");
  if (unknown) throw new UsageError(`unknown option ${unknown}; usage: ${form}`);
  if (args.length !== n)
    throw new UsageError(
      `expected ${n} argument${n === 1 ? "" : "s"}, got ${args.length}; usage: ${form}`,
    );
  return [...args];
}
