/** Module specifiers a pure module (lib/) must never load. */
const FORBIDDEN = /^(?:@pulumi\/|dockerode$|@aws-sdk\/|aws-sdk$)/;

/** Every specifier `src` imports, re-exports, requires or dynamically imports. */
function specifiers(src: string): string[] {
  const re =
    /(?:^|[^\w$.])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|(?:^|[^\w$.])import\s*["']([^"']+)["']|(?:require|import)\s*\(\s*["']([^"']+)["']\s*\)/gm;
  const out: string[] = [];
  for (const m of src.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The specifiers in `src` that break lib/'s purity rule, in source order. */
export function forbiddenImports(src: string): string[] {
  return specifiers(src).filter((s) => FORBIDDEN.test(s));
}
