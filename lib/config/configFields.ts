import { z } from "zod";

/**
 * Field builders shared by the stack config schemas: every one reads values the way
 * `pulumi.Config.get` returns them (strings, JSON text for lists) and says how to set a missing key.
 */

/** Config namespace of every Phoenix key. */
export const CONFIG_NAMESPACE = "phoenix";

/** "set it with `pulumi config set phoenix:<key> <example>`". */
export const setHint = (key: string, example: string): string =>
  `set it with \`pulumi config set ${CONFIG_NAMESPACE}:${key} ${example}\``;

/** Accepts a number or a string of digits, as `pulumi.Config.get` returns numbers. */
export const toNumber = (v: unknown): unknown =>
  typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;

/** Accepts a boolean or the text "true"/"false", as `pulumi.Config.get` returns booleans. */
export const toBoolean = (v: unknown): unknown =>
  typeof v === "string" && /^(?:true|false)$/i.test(v.trim())
    ? v.trim().toLowerCase() === "true"
    : v;

/** A JSON mapping given as text (what `pulumi.Config.get` returns for a `--path` key) parsed; else as is. */
export function toMapping(v: unknown): unknown {
  if (typeof v !== "string" || !v.trim().startsWith("{")) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Accepts an array, a JSON array string (what `pulumi.Config.get` returns for a list) or "a,b". */
export function toList(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const s = v.trim();
  if (s.startsWith("[")) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return v;
    }
  }
  return s === "" ? [] : s.split(",").map((x) => x.trim());
}

/** A whole number in [min, max]. */
export function int(key: string, min: number, max: number, example: string) {
  return z.preprocess(
    toNumber,
    z
      .number({
        error: (iss) =>
          iss.input === undefined ? `required; ${setHint(key, example)}` : "must be a whole number",
      })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
}

/** A string matching `pattern`, described as `what` in the error. */
export function text(key: string, pattern: RegExp, what: string, example: string) {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined ? `required; ${setHint(key, example)}` : `must be ${what}`,
    })
    .regex(pattern, `must be ${what}`);
}

const SUBNET_ID = /^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A list of distinct subnet ids, at least `min` of them; `why` explains the minimum. */
export function subnetList(key: string, min: number, why: string) {
  return z.preprocess(
    toList,
    z
      .array(text(key, SUBNET_ID, "a subnet id like subnet-0123456789abcdef0", ""), {
        error: (iss) =>
          iss.input === undefined
            ? `required; ${setHint(key, '\'["subnet-…","subnet-…"]\'')}`
            : "must be a list of subnet ids",
      })
      .min(min, {
        error: (iss) =>
          `needs at least ${min} ${min === 1 ? "subnet" : "subnets"} ${why}, got ${Array.isArray(iss.input) ? iss.input.length : 0}`,
      })
      .refine((ids) => new Set(ids).size === ids.length, "must not repeat a subnet"),
  );
}
