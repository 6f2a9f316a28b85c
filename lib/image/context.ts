/**
 * The build context: which files go into the image and where. The same list feeds the content hash
 * and the tarball sent to the image builder, so what is hashed is exactly what is built.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Issue, ValidationError, show } from "../core/errors";
import { LoadedSpec, byCodeUnits, isInside } from "../spec/spec";
import { noControlChars } from "../spec/specRules";

/** One file of the build context. */
export interface ContextFile {
  /** Posix path relative to the build context, e.g. `app/server.js` or `config/0`. */
  path: string;
  /** Absolute path to read the content from. */
  source: string;
  /**
   * 0o755 when any execute bit is set, else 0o644: the only distinction git keeps, so the hash does
   * not depend on the umask of the machine that checked the repository out.
   */
  mode: number;
}

/** Directories never sent to the builder, whatever the ignore file says. */
export const BUILTIN_EXCLUDES: readonly string[] = ["node_modules", ".git"];

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Translates one .dockerignore glob (`*`, `?`, `**`, `[...]`, `\` escapes) to an anchored regex. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      i++;
      if (glob[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else re += ".*";
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) re += escapeRe(glob[++i]);
    else if (c === "[" && glob.indexOf("]", i + 2) > 0) {
      const end = glob.indexOf("]", i + 2);
      let body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

interface IgnoreRule {
  re: RegExp;
  negate: boolean;
}

/**
 * Compiles .dockerignore text to a predicate on posix paths relative to the app dir. Docker's rules:
 * a pattern also excludes everything below a directory it matches, `!` re-includes, last match wins.
 */
export function compileIgnore(textIn: string): (relPath: string) => boolean {
  const rules: IgnoreRule[] = [];
  for (const line of textIn.split(/\r?\n/)) {
    let p = line.trim();
    if (p === "" || p.startsWith("#")) continue;
    const negate = p.startsWith("!");
    if (negate) p = p.slice(1).trim();
    p = path.posix
      .normalize(p)
      .replace(/^(\.\/|\/)+/, "")
      .replace(/\/+$/, "");
    if (p === "" || p === ".") continue;
    rules.push({ re: globToRegExp(p), negate });
  }
  return (relPath) => {
    const parts = relPath.split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const r of rules) {
      if (prefixes.some((pre) => r.re.test(pre))) excluded = !r.negate;
    }
    return excluded;
  };
}

function normalMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

interface WalkState {
  repoRoot: string;
  ignored: (rel: string) => boolean;
  out: ContextFile[];
  issues: Issue[];
  /** Real paths of the directories being walked, to stop symlink cycles. */
  stack: Set<string>;
}

function walk(dir: string, rel: string, st: WalkState): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (BUILTIN_EXCLUDES.includes(entry.name)) continue;
    const bad = noControlChars(entry.name);
    if (bad) {
      st.issues.push({
        path: "app.source",
        message: `file name ${show(relPath)} ${bad}; rename it`,
      });
      continue;
    }
    const full = path.join(dir, entry.name);
    let real: string;
    try {
      real = fs.realpathSync(full);
    } catch {
      st.issues.push({
        path: "app.source",
        message: `${show(relPath)} is a broken symlink; remove it or add it to .dockerignore`,
      });
      continue;
    }
    if (!isInside(st.repoRoot, real)) {
      st.issues.push({
        path: "app.source",
        message: `${show(relPath)} is a symlink to ${real}, outside the repository; copy the file into the repository instead`,
      });
      continue;
    }
    const stat = fs.statSync(real);
    if (stat.isDirectory()) {
      if (st.stack.has(real)) {
        st.issues.push({
          path: "app.source",
          message: `${show(relPath)} is a symlink loop; remove it`,
        });
        continue;
      }
      st.stack.add(real);
      walk(real, relPath, st);
      st.stack.delete(real);
    } else if (stat.isFile()) {
      if (!st.ignored(relPath))
        st.out.push({ path: `app/${relPath}`, source: real, mode: normalMode(stat.mode) });
    } else if (!st.ignored(relPath)) {
      st.issues.push({
        path: "app.source",
        message: `${show(relPath)} is neither a file nor a directory; remove it or add it to .dockerignore`,
      });
    }
  }
}

/**
 * Every file of the build context besides the Dockerfile: the app tree under `app/` (minus the app
 * dir's .dockerignore and BUILTIN_EXCLUDES) and each config file at its `config/<i>`. Sorted by path.
 * Throws ValidationError for symlinks that escape the repository, loops, and special files.
 */
export function contextFiles(loaded: LoadedSpec): ContextFile[] {
  const ignoreFile = path.join(loaded.appDir, ".dockerignore");
  const ignoreText = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8") : "";
  const st: WalkState = {
    repoRoot: loaded.repoRoot,
    ignored: compileIgnore(ignoreText),
    out: [],
    issues: [],
    stack: new Set([loaded.appDir]),
  };
  walk(loaded.appDir, "", st);
  if (st.issues.length === 0 && st.out.length === 0) {
    st.issues.push({
      path: "app.source",
      message: `${loaded.appDir} holds no files to copy (empty, or all excluded by .dockerignore)`,
    });
  }
  if (st.issues.length > 0) throw new ValidationError(st.issues);
  for (const c of loaded.configFiles) {
    st.out.push({ path: c.contextPath, source: c.source, mode: 0o644 });
  }
  return st.out.sort((a, b) => byCodeUnits(a.path, b.path));
}
