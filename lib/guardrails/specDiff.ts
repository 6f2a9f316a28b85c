/**
 * What changed between two specs, in the words a reviewer reads on a pull request: packages a -> b,
 * app version, command/port/health, app and config file contents, env, sysctls, secret names, spec
 * tests, and whether the fleet will be replaced (the spec hash changed).
 */
import type { FileDigest } from "../image/hash";
import type { LoadedSpec } from "../spec/spec";
import { byCodeUnits } from "../spec/spec";

/** One side of a diff: the loaded spec, its hash and its build-context digests. */
export interface SpecSide {
  loaded: LoadedSpec;
  hash: string;
  files: FileDigest[];
}

/** One change, under a section (`packages`, `app`, `config`, ...). */
export interface Change {
  section: string;
  kind: "+" | "-" | "~";
  /** What changed, e.g. `openssl`, `version`, `env LOG_LEVEL`. */
  what: string;
  from?: string;
  to?: string;
  /** Replaces `from -> to` when values are not worth showing (e.g. "content changed"). */
  note?: string;
}

type Flat = Record<string, string>;

function diffMaps(section: string, prefix: string, a: Flat, b: Flat): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(byCodeUnits);
  const out: Change[] = [];
  for (const k of keys) {
    const what = `${prefix}${k}`;
    if (!(k in a)) out.push({ section, kind: "+", what, to: b[k] });
    else if (!(k in b)) out.push({ section, kind: "-", what, from: a[k] });
    else if (a[k] !== b[k]) out.push({ section, kind: "~", what, from: a[k], to: b[k] });
  }
  return out;
}

function set(items: readonly string[]): Flat {
  return Object.fromEntries(items.map((i) => [i, ""]));
}

function appFiles(side: SpecSide): Flat {
  const out: Flat = {};
  for (const f of side.files) {
    if (f.path.startsWith("app/")) out[f.path.slice(4)] = `${f.sha256}:${f.mode.toString(8)}`;
  }
  return out;
}

function configContents(side: SpecSide): Flat {
  const byPath = new Map(side.files.map((f) => [f.path, f.sha256]));
  const out: Flat = {};
  for (const c of side.loaded.configFiles) out[c.target] = byPath.get(c.contextPath) ?? "";
  return out;
}

function appSettings(side: SpecSide): Flat {
  const { app } = side.loaded.spec;
  return {
    version: app.version,
    command: JSON.stringify(app.command),
    port: String(app.port),
    "health.path": app.health.path,
    "health.intervalSeconds": String(app.health.intervalSeconds),
    "health.timeoutSeconds": String(app.health.timeoutSeconds),
    "health.healthyThreshold": String(app.health.healthyThreshold),
    stopGraceSeconds: String(app.stopGraceSeconds),
  };
}

/** Each test by name: its command, expect and timeout, as one readable value. */
function tests(side: SpecSide): Flat {
  const out: Flat = {};
  for (const t of side.loaded.spec.tests) {
    const expect = t.expect === undefined ? "" : ` expect /${t.expect}/`;
    out[JSON.stringify(t.name)] = `${JSON.stringify(t.run)}${expect} within ${t.timeoutSeconds} s`;
  }
  return out;
}

/** Every change from `a` to `b`, grouped by section in spec order. */
export function diffSpecs(a: SpecSide, b: SpecSide): Change[] {
  const sa = a.loaded.spec;
  const sb = b.loaded.spec;
  // File digests mean nothing to a reader: say that a file changed, not which hash it has now.
  const contentOnly =
    (note: string) =>
    (c: Change): Change => ({
      ...c,
      from: undefined,
      to: undefined,
      note: c.kind === "~" ? note : undefined,
    });
  return [
    ...diffMaps("image", "", { name: sa.name, base: sa.base }, { name: sb.name, base: sb.base }),
    ...diffMaps("packages", "", sa.packages, sb.packages),
    ...diffMaps("app", "", appSettings(a), appSettings(b)),
    ...diffMaps("app", "file ", appFiles(a), appFiles(b)).map(
      contentOnly("content or mode changed"),
    ),
    ...diffMaps("config", "file ", configContents(a), configContents(b)).map(
      contentOnly("content changed"),
    ),
    ...diffMaps("config", "env ", sa.config.env, sb.config.env),
    ...diffMaps("config", "sysctl ", sa.config.sysctls, sb.config.sysctls),
    ...diffMaps("secrets", "", set(sa.secrets), set(sb.secrets)),
    ...diffMaps(
      "runtime",
      "",
      {
        readOnlyRootFilesystem: String(sa.runtime.readOnlyRootFilesystem),
        scratch: sa.runtime.scratch.join(", "),
        containerInstanceMetadata: String(sa.runtime.containerInstanceMetadata ?? false),
      },
      {
        readOnlyRootFilesystem: String(sb.runtime.readOnlyRootFilesystem),
        scratch: sb.runtime.scratch.join(", "),
        containerInstanceMetadata: String(sb.runtime.containerInstanceMetadata ?? false),
      },
    ),
    ...diffMaps("tests", "", tests(a), tests(b)),
  ];
}

function describe(c: Change): string {
  if (c.note) return `  ${c.kind} ${c.what}: ${c.note}`;
  if (c.kind === "~") return `  ~ ${c.what}: ${c.from} -> ${c.to}`;
  const value = c.kind === "+" ? c.to : c.from;
  return value ? `  ${c.kind} ${c.what}: ${value}` : `  ${c.kind} ${c.what}`;
}

/** The verdict line: whether a new image and a whole new fleet will replace the running one. */
export function verdict(a: SpecSide, b: SpecSide): string {
  return a.hash === b.hash
    ? `fleet: unchanged (spec ${a.hash.slice(0, 12)})`
    : `fleet: REPLACE (spec ${a.hash.slice(0, 12)} -> ${b.hash.slice(0, 12)})`;
}

/** The reviewer text: one block per changed section, then the verdict line. */
export function formatSpecDiff(a: SpecSide, b: SpecSide): string {
  const changes = diffSpecs(a, b);
  const lines: string[] = [];
  let section = "";
  for (const c of changes) {
    if (c.section !== section) {
      section = c.section;
      lines.push(`${section}:`);
    }
    lines.push(describe(c));
  }
  if (changes.length === 0) {
    lines.push(
      a.hash === b.hash
        ? "no changes"
        : "no spec changes; the renderer changed, so the image is rebuilt",
    );
  }
  lines.push(verdict(a, b));
  return `${lines.join("\n")}\n`;
}
