import { describe, expect, it } from "vitest";
import FileFailures, { FILE_FAILURE_TEST, markFileFailure } from "../../mutation/fileFailures";

type File = Parameters<typeof markFileFailure>[0];

/** A test file task as vitest reports it: `state` for the file itself, `tests` its collected tests. */
function file(state: "pass" | "fail", errors: { message: string }[], tests: string[] = []): File {
  const f = {
    type: "suite",
    id: "f1",
    name: "a.test.ts",
    filepath: "/repo/test/a.test.ts",
    mode: "run",
    tasks: [] as unknown[],
    result: { state, errors },
  };
  f.tasks = tests.map((name) => ({
    type: "test",
    name,
    mode: "run",
    file: f,
    result: { state: "skip" },
  }));
  return f as unknown as File;
}

const failedTests = (f: File) =>
  f.tasks.filter((t) => t.type === "test" && t.result?.state === "fail");

describe("the file-failure reporter", () => {
  it("gives a file that failed to load one failed test carrying the file's error", () => {
    const f = file("fail", [
      { message: "Cannot read properties of undefined (reading 'optional')" },
    ]);
    new FileFailures().onFinished([f]);
    expect(failedTests(f)).toHaveLength(1);
    const [test] = failedTests(f);
    expect(test.name).toBe(FILE_FAILURE_TEST);
    expect(test.file).toBe(f);
    expect(test.result?.errors?.[0]?.message).toMatch(/reading 'optional'/);
  });

  it("adds it beside the tests a failed top-level hook skipped, once however often it runs", () => {
    const f = file("fail", [{ message: "beforeAll: build failed" }], ["builds", "tags"]);
    markFileFailure(f);
    markFileFailure(f);
    expect(f.tasks.map((t) => t.name)).toEqual(["builds", "tags", FILE_FAILURE_TEST]);
  });

  it("leaves a passing file, and a file failed only by its tests (no error of its own), alone", () => {
    const passing = file("pass", [], ["ok"]);
    const testsFailed = file("fail", [], ["broken"]);
    new FileFailures().onFinished([passing, testsFailed]);
    expect(passing.tasks.map((t) => t.name)).toEqual(["ok"]);
    expect(testsFailed.tasks.map((t) => t.name)).toEqual(["broken"]);
  });
});
