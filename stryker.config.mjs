/**
 * Mutation testing: `npm run test:mutation`. Stryker mutates lib/, components/, policy/ and the pure
 * parts of providers/ (see test/mutation/providerIo.mjs), runs only the unit tests that cover each
 * mutant, and fails below the overall target; test/mutation/score.ts then checks the per-folder
 * targets. Incremental: only mutants whose code or covering tests changed since the committed
 * result in test/mutation/incremental.json are run again.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  // PHOENIX_MUTATION_TEST_DIR narrows the tests to one module's own (e.g. test/unit/lib/spec): a
  // module whose mutants are mostly static (module-level schemas) otherwise runs every unit test
  // once per mutant.
  vitest: {
    configFile: "test/mutation/vitest.config.ts",
    dir: process.env.PHOENIX_MUTATION_TEST_DIR ?? "test/unit",
  },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  coverageAnalysis: "perTest",
  mutate: [
    "lib/**/*.ts",
    "components/**/*.ts",
    "policy/**/*.ts",
    "providers/**/*.ts",
    "!policy/index.ts",
  ],
  plugins: ["@stryker-mutator/*", "./test/mutation/providerIo.mjs"],
  ignorers: ["provider-io"],
  // The sandbox copy drops the executable bit the CLI test checks.
  buildCommand: "chmod +x bin/phoenix.js",
  incremental: true,
  incrementalFile: "test/mutation/incremental.json",
  ignorePatterns: [".tools", ".pulumi-state", "bench/results", "reports", ".scratch-*"],
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: 80 },
  // Two cores shared with other test runs: one test runner per core (run times in docs/reports/2026-12-07-benchmarks.md).
  concurrency: 2,
  timeoutMS: 10000,
  dryRunTimeoutMinutes: 15,
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
