/**
 * The image spec: a YAML file under images/ that says everything that goes into an image, and the
 * files it points at (app directory, config files), resolved inside the repository.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Issue, ValidationError, show } from "../core/errors";
import * as rules from "./specRules";
import { Spec, byCodeUnits, collectSpec, valueAt } from "./specSchema";

export { SpecSchema, byCodeUnits, collectSpec, parseSpec } from "./specSchema";
export type { Spec, SpecParse, SpecTest } from "./specSchema";

/** A config file that goes into the image. */
export interface ConfigFile {
  /** Absolute path inside the image. */
  target: string;
  /** Absolute, symlink-resolved path of the file in the repository. */
  source: string;
  /** Where the file sits in the build context: `config/<i>`, i in target order. */
  contextPath: string;
}

/** A spec together with the files it points at, all resolved and checked. */
export interface LoadedSpec {
  /** As parsed (source paths as written). */
  spec: Spec;
  /** Absolute, symlink-resolved path of the YAML file. */
  specPath: string;
  /** Nearest ancestor of specPath holding .git or Pulumi.yaml (or opts.repoRoot), symlink-resolved. */
  repoRoot: string;
  /** Absolute, symlink-resolved app source directory, inside repoRoot. */
  appDir: string;
  /** Sorted by target. */
  configFiles: ConfigFile[];
}

/** Finds the nearest ancestor of `dir` (inclusive) holding `.git` or `Pulumi.yaml`. */
export function findRepoRoot(dir: string): string | undefined {
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    if (fs.existsSync(path.join(cur, ".git")) || fs.existsSync(path.join(cur, "Pulumi.yaml")))
      return cur;
    if (path.dirname(cur) === cur) return undefined;
  }
}

/** True when `child` is `root` or below it (both absolute, already symlink-resolved). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

interface ResolveArgs {
  field: string;
  written: string;
  specDir: string;
  repoRoot: string;
  kind: "directory" | "file";
}

/** Resolves a spec-relative source path, following symlinks; it must exist inside the repository. */
function resolveSource(a: ResolveArgs, issues: Issue[]): string | undefined {
  if (rules.noControlChars(a.written) || rules.checkRelativeSource(a.written)) return undefined;
  const candidate = path.resolve(a.specDir, a.written);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    issues.push({
      path: a.field,
      message: `${a.kind} ${show(a.written)} does not exist (looked for ${candidate}); fix the path, which is relative to the spec file`,
    });
    return undefined;
  }
  if (!isInside(a.repoRoot, real)) {
    issues.push({
      path: a.field,
      message: `${show(a.written)} resolves to ${real}, outside the repository ${a.repoRoot}; sources must live in the repository`,
    });
    return undefined;
  }
  const st = fs.statSync(real);
  if (a.kind === "directory" ? !st.isDirectory() : !st.isFile()) {
    issues.push({
      path: a.field,
      message: `${show(a.written)} must be a ${a.kind}, but ${real} is not`,
    });
    return undefined;
  }
  return real;
}

/** Where loadSpec looks for the repository and the spec's sources. */
export interface LoadSpecOptions {
  /** @default - the nearest ancestor of the spec (or of sourceDir) holding .git or Pulumi.yaml */
  readonly repoRoot?: string;
  /**
   * Resolve the spec's relative sources from this directory instead of the spec's own, and accept
   * a spec file outside the repository: for comparing a lone YAML copy against a repository.
   * @default - the spec file's directory
   */
  readonly sourceDir?: string;
}

/**
 * Reads, validates and resolves a spec file. Throws one ValidationError with every problem: schema
 * issues, and sources (app dir, config files) that are missing or resolve outside the repository.
 */
export function loadSpec(specPath: string, opts: LoadSpecOptions = {}): LoadedSpec {
  let textIn: string;
  let absSpec: string;
  try {
    absSpec = fs.realpathSync(path.resolve(specPath));
    textIn = fs.readFileSync(absSpec, "utf8");
  } catch (e) {
    throw new ValidationError([
      {
        path: specPath,
        message: `cannot read the spec file (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the path`,
      },
    ]);
  }
  const parsed = collectSpec(textIn);
  const issues = [...parsed.issues];
  const specDir = opts.sourceDir ? path.resolve(opts.sourceDir) : path.dirname(absSpec);
  const foundRoot = opts.repoRoot ? path.resolve(opts.repoRoot) : findRepoRoot(specDir);
  if (!foundRoot || !fs.existsSync(foundRoot)) {
    issues.push({
      path: "(repo)",
      message: `no repository root (a directory holding .git or Pulumi.yaml) at or above ${specDir}; keep specs inside the repository`,
    });
    throw new ValidationError(issues);
  }
  const repoRoot = fs.realpathSync(foundRoot);
  if (!opts.sourceDir && !isInside(repoRoot, absSpec)) {
    issues.push({
      path: "(repo)",
      message: `the spec ${absSpec} is outside the repository ${repoRoot}`,
    });
  }
  const app = valueAt(parsed.raw, ["app", "source"]);
  const appDir =
    typeof app === "string"
      ? resolveSource(
          { field: "app.source", written: app, specDir, repoRoot, kind: "directory" },
          issues,
        )
      : undefined;
  const files = valueAt(parsed.raw, ["config", "files"]);
  const configFiles: ConfigFile[] = [];
  if (files && typeof files === "object" && !Array.isArray(files)) {
    const targets = Object.keys(files).sort(byCodeUnits);
    targets.forEach((target, i) => {
      const written = (files as Record<string, unknown>)[target];
      if (typeof written !== "string") return;
      const field = `config.files.${target}`;
      const source = resolveSource({ field, written, specDir, repoRoot, kind: "file" }, issues);
      // Stryker disable next-line ConditionalExpression: a source that does not resolve always leaves an issue (here or in the schema), so loadSpec throws before it returns configFiles
      if (source) configFiles.push({ target, source, contextPath: `config/${i}` });
    });
  }
  if (issues.length > 0 || !parsed.spec || !appDir) throw new ValidationError(issues);
  return { spec: parsed.spec, specPath: absSpec, repoRoot, appDir, configFiles };
}
