import { defineConfig } from "vitest/config";

/**
 * End-to-end tests (test/e2e): the real Pulumi engine and Docker. One file at a time (they share the
 * engine, the Docker daemon and host ports), long timeouts, no retries.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    exclude: ["test/e2e/fixtures/**", "node_modules/**"],
    globalSetup: ["test/e2e/globalSetup.ts"],
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    teardownTimeout: 60_000,
    retry: 0,
  },
});
