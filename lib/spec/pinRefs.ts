/**
 * Spec tests that follow their pins: `{{upstream:<package>}}` and `{{version:<package>}}` in a test's
 * `expect` stand for that package's pinned version, so a pin update (by hand or `phoenix pins
 * update`) never leaves a test asserting the version it replaced. Expanded, regex-escaped, before a
 * test runs; the spec text (and so the hash) keeps the reference.
 */
import type { Spec, SpecTest } from "./spec";

/** `{{upstream:openssl}}` / `{{version:openssl}}`. */
const PIN_REF = /\{\{\s*(upstream|version):([^}\s]+)\s*\}\}/g;

/**
 * The upstream release a program reports of itself: the leading dotted digits after the epoch
 * (`3.0.20` of `3.0.20-1~deb12u2`, `18.20.4` of `18.20.4+dfsg-1~deb12u3`, `1.2.13` of
 * `1:1.2.13.dfsg-1`), or the whole upstream part when it does not start with a digit.
 */
export function upstreamOf(version: string): string {
  const noEpoch = version.replace(/^\d+:/, "");
  const upstream = noEpoch.includes("-") ? noEpoch.slice(0, noEpoch.lastIndexOf("-")) : noEpoch;
  return /^\d+(?:\.\d+)*/.exec(upstream)?.[0] ?? upstream;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The package names an `expect` refers to. */
export function pinRefsIn(expect: string): string[] {
  return [...expect.matchAll(PIN_REF)].map((m) => m[2]);
}

/** `expect` with every reference replaced by the escaped pinned value; unknown names are kept. */
export function expandPinRefs(expect: string, packages: Readonly<Record<string, string>>): string {
  return expect.replace(PIN_REF, (whole, kind: string, name: string) => {
    const pinned = Object.prototype.hasOwnProperty.call(packages, name)
      ? packages[name]
      : undefined;
    if (pinned === undefined) return whole;
    return escapeRegex(kind === "upstream" ? upstreamOf(pinned) : pinned);
  });
}

/** The spec's tests as they run: every `expect` with its pin references expanded. */
export function resolvedTests(spec: Pick<Spec, "tests" | "packages">): SpecTest[] {
  return spec.tests.map((t) =>
    t.expect === undefined ? t : { ...t, expect: expandPinRefs(t.expect, spec.packages) },
  );
}
