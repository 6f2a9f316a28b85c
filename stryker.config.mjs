/**
 * Mutation testing. Stryker mutates lib/, components/, policy/ and the pure parts of providers/ (see
 * test/mutation/providerIo.mjs) and runs only the unit tests that cover each mutant. The targets are
 * per folder and kept by scripts/mutation-check.ts (`npm run test:mutation`, and CI), which re-runs
 * Stryker one stale file at a time and records each file's result in test/mutation/results.json.
 * The incremental file is a local cache (git-ignored): with it, a re-run reuses every mutant whose
 * code and covering tests did not change since the last run on this machine.
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  // PHOENIX_MUTATION_TEST_DIR narrows the tests to one module's own (e.g. test/unit/lib/spec): a
  // module whose mutants are mostly static (module-level schemas) otherwise runs every unit test
  // once per mutant.
  // PHOENIX_MUTATION_RELATED=0 runs every unit test, for a file no test imports (scripts/mutation-check.ts).
  vitest: {
    configFile: "test/mutation/vitest.config.ts",
    dir: process.env.PHOENIX_MUTATION_TEST_DIR ?? "test/unit",
    related: process.env.PHOENIX_MUTATION_RELATED !== "0",
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
