/** One problem found while validating input: where it is and what is wrong with it. */
export interface Issue {
  /** Dotted path to the offending field, e.g. `packages.openssl` or `app.command[0]`. */
  path: string;
  /** What is wrong, showing the bad value and how to fix it. */
  message: string;
}

/** Formats issues one per line as `<path>: <message>`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}

/**
 * Thrown by every validator with ALL the problems it found, never just the first, so a user fixes a
 * spec in one round trip. `message` is one `<path>: <message>` line per issue.
 */
export class ValidationError extends Error {
  /** Every problem found, in the order they were found. */
  readonly issues: Issue[];

  constructor(issues: readonly Issue[]) {
    super(formatIssues(issues));
    this.name = "ValidationError";
    this.issues = [...issues];
  }
}

/** Renders a value for an error message: strings are JSON-quoted so control characters show. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") {
    // JSON.stringify leaves DEL, C1 controls and U+2028/9 raw; escape them so they are visible.
    return JSON.stringify(value).replace(
      /[\u007f-\u009f\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

/** Joins a path of keys and indexes as `a.b[0].c`. */
export function joinPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}
