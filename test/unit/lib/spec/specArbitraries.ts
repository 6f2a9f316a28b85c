/** fast-check generators of valid image specs, as plain data ready to serialize to YAML. */
import fc from "fast-check";

const noControl = (s: string) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s);
const SECRET_LIKE = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE/;

/** Free text as users type it, including quotes, `$`, backslashes, Dockerfile keywords and unicode. */
export const freeText = fc
  .oneof(
    fc.string({ maxLength: 24 }),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.constantFrom(
      '"; RUN id; "',
      "$(reboot)",
      "${HOME}",
      "\\",
      "'\\''",
      "a \\",
      "RUN rm -rf /",
      "] && [",
      "`id`",
      "#",
      "# escape=`",
    ),
  )
  .filter(noControl);

export const packageName = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,15}$/);
export const packageVersion = fc.stringMatching(/^([0-9]{1,2}:)?[0-9][A-Za-z0-9.+~-]{0,14}$/);
const envKey = fc
  .stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/)
  .filter((k) => !SECRET_LIKE.test(k) && !k.startsWith("PHOENIX_"));
const sysctlKey = fc.stringMatching(/^[a-z0-9_]{1,6}(\.[a-z0-9_-]{1,6}){1,3}$/);
const semver = fc
  .tuple(
    fc.nat(30),
    fc.nat(30),
    fc.nat(30),
    fc.option(fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/), { nil: undefined }),
  )
  .map(([a, b, c, pre]) => `v${a}.${b}.${c}${pre ? `-${pre}` : ""}`);

/** A valid spec whose sources point at the tmpRepo layout (../app, ../config/web.json). */
export const specData = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    base: fc.constantFrom(
      "debian:bookworm-slim",
      `debian:bookworm-slim@sha256:${"0f".repeat(32)}`,
      "localhost:5000/base:1",
    ),
    packages: fc.dictionary(packageName, packageVersion, { maxKeys: 6 }),
    app: fc.record({
      version: semver,
      source: fc.constant("../app"),
      command: fc.array(
        freeText.filter((s) => s !== ""),
        { minLength: 1, maxLength: 4 },
      ),
      port: fc.integer({ min: 1, max: 65535 }),
      health: fc.record({
        path: fc.stringMatching(/^\/[a-z0-9._~/-]{0,12}$/),
        intervalSeconds: fc.integer({ min: 1, max: 300 }),
        timeoutSeconds: fc.integer({ min: 1, max: 120 }),
        healthyThreshold: fc.integer({ min: 1, max: 10 }),
      }),
    }),
    config: fc.record({
      files: fc.constant({ "/etc/web/config.json": "../config/web.json" }),
      env: fc.dictionary(envKey, freeText, { maxKeys: 5 }),
      sysctls: fc.dictionary(
        sysctlKey,
        freeText.filter((s) => s !== ""),
        { maxKeys: 4 },
      ),
    }),
    secrets: fc.uniqueArray(envKey, { maxLength: 3 }),
    tests: fc.uniqueArray(
      fc.record(
        {
          name: fc.stringMatching(/^[a-z][a-z0-9 ]{0,15}$/),
          run: fc.array(
            freeText.filter((s) => s !== ""),
            { minLength: 1, maxLength: 3 },
          ),
          expect: fc.constantFrom("^ok$", "3\\.0\\.22", "(Library: [^)]*)?"),
          timeoutSeconds: fc.integer({ min: 1, max: 600 }),
        },
        { requiredKeys: ["name", "run"] },
      ),
      { selector: (t) => t.name, maxLength: 3 },
    ),
  })
  .filter((s) => s.secrets.every((k) => !(k in s.config.env)));

/** Deterministically shuffles the keys of every mapping (lists keep their order). */
export function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const entries = Object.entries(value).map(
    ([k, v]) => [k, shuffleKeys(v, seed + k.length), rand()] as const,
  );
  entries.sort((a, b) => a[2] - b[2]);
  return Object.fromEntries(entries.map(([k, v]) => [k, v]));
}
