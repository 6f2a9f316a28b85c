/**
 * Judging a spec test's run and reporting it. The run itself (a throwaway container of the new
 * image, as the app user) is providers/docker/imageTests.ts; this module decides pass or fail and
 * writes the message a failed `pulumi up` shows.
 */
import type { SpecTest } from "../spec/spec";

/** What one test run produced. */
export interface TestRun {
  /** The process's exit code; undefined when it was killed at its timeout. */
  readonly exitCode?: number;
  /** stdout and stderr, interleaved as the container wrote them. */
  readonly output: string;
  /** True when the test ran past its timeoutSeconds and was killed. */
  readonly timedOut: boolean;
  /** The engine's reason when the command could not start (e.g. no such program in the image). */
  readonly startError?: string;
}

/** Lines of output a failure message shows. */
export const OUTPUT_TAIL_LINES = 20;

/**
 * Why a run failed, or undefined when it passed: exit code 0 within the timeout and, when the test
 * has `expect`, output (trailing whitespace trimmed, so `$` anchors at the last line) that matches.
 */
export function judgeTest(test: SpecTest, run: TestRun): string | undefined {
  if (run.startError !== undefined) return `could not start: ${run.startError}`;
  if (run.timedOut) return `did not finish within ${test.timeoutSeconds} s (timeoutSeconds)`;
  if (run.exitCode !== 0) return `exited with code ${run.exitCode}`;
  if (test.expect !== undefined && !new RegExp(test.expect).test(run.output.trimEnd()))
    return `exited with code 0, but its output does not match expect /${test.expect}/`;
  return undefined;
}

/** The last `lines` lines of output, or a note that there was none. */
export function outputTail(output: string, lines = OUTPUT_TAIL_LINES): string {
  const all = output.replace(/\r\n/g, "\n").trimEnd().split("\n");
  if (all.length === 1 && all[0] === "") return "(no output)";
  const shown = all.slice(-lines);
  const cut = all.length - shown.length;
  return (cut > 0 ? [`(${cut} earlier lines not shown)`, ...shown] : shown).join("\n");
}

/** One failed test, as `pulumi up` reports it: test name, command, why, and the output's tail. */
export interface TestFailure {
  readonly test: SpecTest;
  readonly run: TestRun;
  readonly reason: string;
}

/**
 * The error text for failed tests of the image `ref`: every failure with its test name, command,
 * exit code and output tail, then what happened to the fleet and how to go on.
 */
export function formatTestFailures(ref: string, failures: readonly TestFailure[]): string {
  const n = failures.length;
  const blocks = failures.map(({ test, run, reason }) =>
    [
      `test ${JSON.stringify(test.name)} failed: ${JSON.stringify(test.run)} ${reason}`,
      "--- output (tail) ---",
      outputTail(run.output),
    ].join("\n"),
  );
  return (
    `image ${ref}: ${n} spec test${n === 1 ? "" : "s"} failed; the image is not used by any ` +
    `fleet or published, and the running fleet is untouched.\n${blocks.join("\n\n")}\n` +
    "Fix the spec (the package pins or the test's expect) and run `pulumi up` again."
  );
}
