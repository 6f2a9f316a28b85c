/**
 * The image spec's schema and YAML parsing. Parsing is strict (unknown keys are errors) and reports
 * every problem at once as `<path>: <message>`. Import from ./spec, which re-exports all of this.
 */
import { type Document, LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { z } from "zod";
import { Issue, ValidationError, joinPath, show } from "../core/errors";
import * as rules from "./specRules";
import { byCodeUnits } from "./specRules";
import { pinRefsIn } from "./pinRefs";

/** Reports `message` as a refinement issue at `path` below the value being checked. */
function refuse(
  ctx: { addIssue(issue: z.core.$ZodSuperRefineIssue): void },
  message: string,
  path: PropertyKey[] = [],
): void {
  // Stryker disable next-line StringLiteral: zod passes an issue on whatever its code, and toIssues words a code it does not name by the message alone
  ctx.addIssue({ code: "custom", path, message });
}

/** A zod string that must pass the control-character check and then `check`. */
function text(check: rules.Check) {
  return z.string().superRefine((v, ctx) => {
    const problem = rules.noControlChars(v) ?? check(v);
    if (problem) refuse(ctx, problem);
  });
}

/** A whole number in [min, max]. */
function int(min: number, max: number) {
  return z.number().superRefine((v, ctx) => {
    if (!Number.isInteger(v) || v < min || v > max)
      refuse(ctx, `must be a whole number from ${min} to ${max}, got ${v}`);
  });
}

/** A strict object whose unknown-key error lists the keys that are allowed. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      // Stryker disable next-line ConditionalExpression: a strict object's only other issue, invalid_type, is worded by toIssues, which ignores zod's message
      iss.code === "unrecognized_keys" ? `allowed keys here: ${allowed}` : undefined,
  });
}

export { byCodeUnits } from "./specRules";

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort(byCodeUnits)) out[k] = r[k];
  return out;
}

function map(key: rules.Check, value: rules.Check) {
  return z.record(text(key), text(value)).transform(sortedRecord).prefault({});
}

function list(item: rules.Check, fallback: string[]) {
  return z
    .array(text(item))
    .superRefine((items, ctx) => {
      items.forEach((v, i) => {
        if (items.indexOf(v) !== i) refuse(ctx, `duplicate ${show(v)}`, [i]);
      });
    })
    .transform((items) => [...items].sort(byCodeUnits))
    .prefault(fallback);
}

/** A test's name: shown in failures, unique within the spec. */
const checkTestName: rules.Check = (v) =>
  v.trim() === ""
    ? "must not be empty"
    : v.length > 80
      ? "must be at most 80 characters"
      : undefined;

/** A test's `expect`: a JavaScript regular expression the test's combined output must match. */
const checkRegex: rules.Check = (v) => {
  if (v === "") return "must not be empty; leave `expect` out when exit status 0 is enough";
  try {
    new RegExp(v);
    return undefined;
  } catch (e) {
    return (
      `is not a valid regular expression (${(e as Error).message}); ` +
      'backslashes in YAML double quotes must be doubled, e.g. "^OpenSSL 3\\\\.0"'
    );
  }
};

/**
 * One image test: a command run in a throwaway container of the freshly built image, as the app
 * user, before any fleet or registry sees the image.
 */
const TestSchema = strict({
  name: text(checkTestName),
  run: z.array(text(rules.checkNonEmpty)).superRefine((c, ctx) => {
    if (c.length === 0) refuse(ctx, "must list at least the program, e.g. [openssl, version]");
  }),
  expect: text(checkRegex).optional(),
  timeoutSeconds: int(1, 600).default(30),
});

/** Tests, sorted by name (each runs alone, so order means nothing and must not move the hash). */
const tests = z
  .array(TestSchema)
  .transform((items) => [...items].sort((a, b) => byCodeUnits(a.name, b.name)))
  .prefault([]);

/** The image spec schema. Output is normalized: maps sorted by key, lists sorted, defaults applied. */
export const SpecSchema = strict({
  name: text(rules.checkName),
  base: text(rules.checkBase),
  packages: map(rules.checkPackageName, rules.checkPackageVersion),
  app: strict({
    version: text(rules.checkAppVersion),
    source: text(rules.checkRelativeSource),
    command: z.array(text(rules.checkNonEmpty)).superRefine((c, ctx) => {
      if (c.length === 0) refuse(ctx, "must list at least the program, e.g. [node, server.js]");
    }),
    port: int(1, 65535),
    health: strict({
      path: text(rules.checkHealthPath).default("/healthz"),
      intervalSeconds: int(1, 300).default(5),
      timeoutSeconds: int(1, 120).default(2),
      healthyThreshold: int(1, 10).default(2),
    }).prefault({}),
    /** SIGTERM -> SIGKILL grace while an instance drains. */
    stopGraceSeconds: int(0, 3600).default(10),
  }),
  config: strict({
    files: map(rules.checkImagePath, rules.checkRelativeSource),
    env: map(rules.checkEnvKey, rules.anyText),
    sysctls: map(rules.checkSysctlKey, rules.checkNonEmpty),
  }).prefault({}),
  secrets: list(rules.checkVarName, []),
  runtime: strict({
    readOnlyRootFilesystem: z.boolean().default(false),
    /**
     * aws: let containers reach the instance metadata service (IMDS hop limit 2) and so the
     * instance role. Optional without a default, so specs that leave it out keep their hash.
     */
    containerInstanceMetadata: z.boolean().optional(),
    /** Absolute paths whose changes never count as drift (tmpfs when the root fs is read-only). */
    scratch: list(rules.checkImagePath, ["/tmp"]),
  }).prefault({}),
  tests,
});

/** One validated image test. */
export type SpecTest = z.infer<typeof TestSchema>;

/** A validated, normalized image spec. */
export type Spec = z.infer<typeof SpecSchema>;

/** The raw value at `p`, or undefined when any step is missing. */
export function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of p) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function toIssues(zi: z.core.$ZodIssue, raw: unknown): Issue[] {
  const p = zi.path as PropertyKey[];
  switch (zi.code) {
    case "invalid_type": {
      const got = valueAt(raw, p);
      if (got === undefined)
        return [{ path: joinPath(p), message: `is required (expected ${zi.expected})` }];
      const quote =
        zi.expected === "string" && (typeof got === "number" || typeof got === "boolean")
          ? ` (write it in quotes, "${String(got)}", so YAML keeps it as text)`
          : "";
      return [{ path: joinPath(p), message: `expected ${zi.expected}, got ${show(got)}${quote}` }];
    }
    case "unrecognized_keys":
      return zi.keys.map((k) => ({
        path: joinPath([...p, k]),
        message: `unknown key ${show(k)}; ${zi.message}`,
      }));
    case "invalid_key":
      return zi.issues.map((inner) => ({ path: joinPath(p), message: `key ${inner.message}` }));
    default:
      return [{ path: joinPath(p), message: zi.message }];
  }
}

/** Test names must be unique: a failure names the test, so two with one name would be ambiguous. */
function duplicateTestNames(raw: unknown): Issue[] {
  const list = valueAt(raw, ["tests"]);
  if (!Array.isArray(list)) return [];
  const names = list.map((t) => valueAt(t, ["name"]));
  return names.flatMap((n, i) =>
    typeof n === "string" && names.indexOf(n) !== i
      ? [
          {
            path: `tests[${i}].name`,
            message: `duplicate test name ${show(n)}; give each test its own name`,
          },
        ]
      : [],
  );
}

/** Checks that span fields, run on the raw document so they report even when other fields fail. */
function crossChecks(raw: unknown): Issue[] {
  return [...secretsInEnv(raw), ...duplicateTestNames(raw), ...unpinnedRefs(raw)];
}

/** A test's `{{upstream:<name>}}` must name a pinned package: it stands for that pin. */
function unpinnedRefs(raw: unknown): Issue[] {
  const list = valueAt(raw, ["tests"]);
  const packages = valueAt(raw, ["packages"]);
  if (!Array.isArray(list)) return [];
  const pinned = (n: string) =>
    !!packages && typeof packages === "object" && Object.prototype.hasOwnProperty.call(packages, n);
  return list.flatMap((t, i) => {
    const expect = valueAt(t, ["expect"]);
    if (typeof expect !== "string") return [];
    return pinRefsIn(expect)
      .filter((n) => !pinned(n))
      .map((n) => ({
        path: `tests[${i}].expect`,
        message: `refers to ${show(n)}, which packages does not pin; pin it or fix the name`,
      }));
  });
}

/** A name may be plain env or a secret, not both. */
function secretsInEnv(raw: unknown): Issue[] {
  const env = valueAt(raw, ["config", "env"]);
  const secrets = valueAt(raw, ["secrets"]);
  if (!env || typeof env !== "object" || !Array.isArray(secrets)) return [];
  return secrets.flatMap((s, i) =>
    typeof s === "string" && Object.prototype.hasOwnProperty.call(env, s)
      ? [
          {
            path: `secrets[${i}]`,
            message: `${show(s)} is also set in config.env; a name is either plain env or a secret, remove it from config.env`,
          },
        ]
      : [],
  );
}

/** Parse result with every issue, for callers that add their own checks before throwing. */
export interface SpecParse {
  spec?: Spec;
  /** The YAML as plain data, for checks that must run even when the schema fails. */
  raw: unknown;
  issues: Issue[];
}

/** Parses YAML text into a spec, collecting every issue instead of throwing. */
export function collectSpec(textIn: string): SpecParse {
  const lines = new LineCounter();
  const doc = parseDocument(textIn, {
    // Core, even under a %YAML 1.1 directive: yes/no and 0o17 mean what YAML 1.2 says.
    // Stryker disable next-line StringLiteral: yaml reads an empty schema name as core
    schema: "core",
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter: lines,
  });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      const key = e.code === "DUPLICATE_KEY" ? keyPathAt(doc, e.pos[0]) : undefined;
      if (key !== undefined) return { path: key, message: `duplicate key (line ${at.line})` };
      const where = `line ${at.line}, column ${at.col}: `;
      return { path: "(yaml)", message: `${where}${e.message.split("\n")[0]}` };
    });
    return { raw: undefined, issues };
  }
  // Stryker disable next-line ObjectLiteral: 100 is yaml's default too; stated so the alias-bomb limit stays visible
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      raw,
      issues: [
        {
          path: "(root)",
          message: `expected a mapping with name, base, packages, app, got ${show(raw)}`,
        },
      ],
    };
  }
  const parsed = SpecSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap((i) => toIssues(i, raw))),
    ...crossChecks(raw),
  ];
  return { spec: parsed.success && issues.length === 0 ? parsed.data : undefined, raw, issues };
}

/** The dotted path of the mapping key that starts at `offset` in the source, if there is one. */
function keyPathAt(doc: Document, offset: number): string | undefined {
  const walk = (node: unknown, path: PropertyKey[]): string | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key : undefined;
        const here = [...path, String(key?.value)];
        // A parsed document's nodes all carry their source range.
        if (key?.range![0] === offset) return joinPath(here);
        const inner = walk(pair.value, here);
        if (inner !== undefined) return inner;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const inner = walk(item, [...path, i]);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

/** YAML text -> normalized Spec. Throws one ValidationError listing EVERY problem. */
export function parseSpec(textIn: string): Spec {
  const r = collectSpec(textIn);
  if (!r.spec) throw new ValidationError(r.issues);
  return r.spec;
}
