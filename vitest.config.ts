import { defineConfig } from "vitest/config";

/**
 * Unit tests (test/unit, `npm run test:unit`): no engine, no Docker. The Pulumi mock tests build a
 * whole resource graph in `beforeAll`, which takes seconds on a loaded 2-core machine: hooks get a
 * minute and tests half of one, so a busy machine slows the suite down instead of failing it.
 */
export default defineConfig({
  test: {
    dir: "test/unit",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
