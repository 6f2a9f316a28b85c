import * as path from "path";
import { defineConfig } from "vitest/config";

/**
 * The unit tests as Stryker runs them (`npm run test:mutation`): the same files as `npm run test:unit`,
 * with more room for the mock tests' `beforeAll`, which imports @pulumi/aws: on two shared cores,
 * with the instrumented sources and the type checker running beside it, that import alone can pass
 * vitest's 10 s default. test/mutation/setup.ts keeps Pulumi from serializing dynamic providers
 * through Stryker's bookkeeping; for the same reason the tests of that serialization's cache
 * (test/unit/providers/dynamicResource.test.ts, which serialize providers themselves) do not run here.
 * test/mutation/fileFailures.ts reports a test file that fails as a whole (a mutant that breaks a
 * module's loading) as a failed test, which Stryker would otherwise not see.
 * PHOENIX_MUTATION_TEST_FILES (comma-separated paths) runs only those test files: the mutation check
 * (scripts/mutation-check.ts) re-runs a file against the test files that cover it.
 */
const dir = process.env.PHOENIX_MUTATION_TEST_DIR ?? "test/unit";
// vitest matches `include` relative to `dir` (stryker.config.mjs passes the same one).
const only = process.env.PHOENIX_MUTATION_TEST_FILES?.split(",")
  .filter((f) => f !== "")
  .map((f) => path.posix.relative(dir, f));

export default defineConfig({
  test: {
    root: path.resolve(__dirname, "../.."),
    dir: "test/unit",
    ...(only && only.length > 0 ? { include: only } : {}),
    exclude: ["**/node_modules/**", "**/dynamicResource.test.ts"],
    hookTimeout: 120_000,
    testTimeout: 60_000,
    setupFiles: [path.resolve(__dirname, "setup.ts")],
    reporters: ["default", path.resolve(__dirname, "fileFailures.ts")],
  },
});
