/**
 * A vitest reporter for the unit tests as Stryker runs them: a test file that fails as a whole
 * counts as a failed test.
 *
 * When a mutant makes a module throw while it loads (a schema builder returning nothing, a
 * module-level constant gone) or makes a file's top-level `beforeAll` throw, vitest marks the file
 * failed and collects no test, or skips them all. @stryker-mutator/vitest-runner reads only tests
 * (a skipped one counts as failed only under a failed `describe`), so such a mutant, which fails
 * `npm run test:unit` outright, would be reported as survived. This reporter gives each failed file
 * one failed test carrying the file's error, which the runner reads like any other.
 */
import type { Reporter } from "vitest/reporters";

type Files = Parameters<NonNullable<Reporter["onFinished"]>>[0];
type FileTask = Files[number];

/** The name of the test that stands for a whole test file failing. */
export const FILE_FAILURE_TEST = "(test file failed)";

/** Adds the failed test to `file` when the file itself failed (not only some of its tests). */
export function markFileFailure(file: FileTask): void {
  const errors = file.result?.errors ?? [];
  if (file.result?.state !== "fail" || errors.length === 0) return;
  if (file.tasks.some((t) => t.name === FILE_FAILURE_TEST)) return;
  file.tasks.push({
    type: "test",
    id: `${file.id}_file_failure`,
    name: FILE_FAILURE_TEST,
    mode: "run",
    file,
    result: { state: "fail", errors },
    meta: {},
    context: undefined as never,
    annotations: [],
  } as unknown as FileTask["tasks"][number]);
}

export default class FileFailures implements Reporter {
  onFinished(files: Files): void {
    for (const file of files) markFileFailure(file);
  }
}
