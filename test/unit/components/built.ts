import { beforeAll } from "vitest";

/**
 * Build a test file's resource graph in `beforeAll`, and hand it to each test through the returned
 * getter. A failed build does not fail the hook: it fails every test that awaits the getter. When a
 * hook throws, vitest skips the file's tests, and a mutation run counts skipped tests as passing, so
 * a mutant that breaks the build (a missing resource name, a required argument gone) would survive.
 * The build still runs in the hook, so what it executes belongs to every test of the file.
 */
export function builtInBeforeAll<T>(build: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  beforeAll(async () => {
    result = build();
    await result.catch(() => undefined);
  });
  return () => result ?? Promise.reject(new Error("builtInBeforeAll: the build has not started"));
}
