import * as path from "path";
import { defineConfig } from "vitest/config";

/**
 * The unit tests as Stryker runs them (`npm run test:mutation`): the same files as `npm run test:unit`,
 * with more room for the mock tests' `beforeAll`, which imports @pulumi/aws: on two shared cores,
 * with the instrumented sources and the type checker running beside it, that import alone can pass
 * vitest's 10 s default. Stryker runs tests in worker threads, where Pulumi cannot serialize a
 * dynamic provider's closure (it needs the inspector: ERR_TRACE_EVENTS_UNAVAILABLE), so the tests
 * that build a resource graph run in child processes instead.
 */
export default defineConfig({
  test: {
    root: path.resolve(__dirname, "../.."),
    dir: "test/unit",
    hookTimeout: 120_000,
    testTimeout: 60_000,
    poolMatchGlobs: [
      ["**/test/unit/components/**", "forks"],
      ["**/test/unit/policy/**", "forks"],
      ["**/test/unit/program.test.ts", "forks"],
    ],
  },
});
