/**
 * Setup for the unit tests as Stryker runs them (never for `npm run test:unit`).
 *
 * Stryker's instrumented functions close over its coverage bookkeeping, so Pulumi serializing a
 * dynamic provider's closure (every RegistryImage, release gate or audit a mock test creates) would
 * walk all of it: the mock tests' `beforeAll` then never finishes, and in worker threads the
 * serializer cannot run at all (it needs the inspector). No unit test runs or reads the serialized
 * provider, so under Stryker it is serialized to a fixed marker instead.
 */
import { createRequire } from "module";
import { afterAll, beforeAll, inject } from "vitest";

const require = createRequire(__filename);
const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
  serializeFunction: (...args: unknown[]) => Promise<{ text: string; containsSecrets: boolean }>;
};
closure.serializeFunction = async () => ({
  text: "exports.handler = undefined; // not serialized under mutation testing",
  containsSecrets: false,
});

/**
 * Per-test coverage for what a test file does in its `beforeAll`. Stryker counts a mutant as
 * covered by a test only when it is hit while that test runs; a hit in a hook counts as "static",
 * and a static mutant is run against every unit test related to its file, with the environment
 * reloaded. The mock tests build their resource graph in `beforeAll`, so most mutants in lib/ and
 * components/ were static and each cost the whole related suite. A hook's hits belong to every
 * test of its file: a mutant changes what the hook builds for all of them, and in a mutant run the
 * hook runs again, mutated, before the selected tests (Stryker activates the mutant in its own
 * `beforeAll`, registered before this one). Hits while a test file is collected (its imports and
 * `describe` bodies) stay static: they happen before any hook, so Stryker reloads for those.
 */
interface StrykerCoverage {
  static: Record<string, number>;
  perTest: Record<string, Record<string, number>>;
}
interface Task {
  name: string;
  mode: string;
  type: string;
  file?: { filepath: string };
  suite?: Task;
  tasks?: Task[];
}

if (inject("mode" as never) === "dry-run") {
  const namespace = inject("globalNamespace" as never) as string;
  const ns = (globalThis as Record<string, unknown>)[namespace] as
    { mutantCoverage?: StrykerCoverage } | undefined;
  let before: Record<string, number> = {};
  beforeAll(() => {
    before = { ...(ns?.mutantCoverage?.static ?? {}) };
  });
  afterAll((file) => {
    const coverage = ns?.mutantCoverage;
    if (!coverage) return;
    // The test id exactly as @stryker-mutator/vitest-runner's setup builds it.
    const testId = (test: Task): string => {
      const names = [test.name];
      for (let s = test.suite; s; s = s.suite) names.unshift(s.name);
      return `${test.file?.filepath ?? "unknown.js"}#${names.join(" ").trim()}`;
    };
    const tests: string[] = [];
    const walk = (t: Task): void => {
      if (t.type === "test" && t.mode === "run") tests.push(testId(t));
      t.tasks?.forEach(walk);
    };
    walk(file as unknown as Task);
    if (tests.length === 0) return;
    for (const [mutant, hits] of Object.entries(coverage.static)) {
      const inHooks = hits - (before[mutant] ?? 0);
      if (inHooks <= 0) continue;
      if (hits === inHooks) delete coverage.static[mutant];
      else coverage.static[mutant] = hits - inHooks;
      for (const id of tests) {
        const perTest = (coverage.perTest[id] ??= {});
        perTest[mutant] = (perTest[mutant] ?? 0) + inHooks;
      }
    }
  });
}
