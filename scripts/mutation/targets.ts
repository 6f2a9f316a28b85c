/**
 * The mutation score targets the project keeps, checked against the committed results. Pure, like
 * ./results.ts.
 */
import { type Results, type Tally, tally } from "./results";

/** A gated group of files: the score of all their mutants together must reach `min`. */
export interface Target {
  readonly name: string;
  readonly files: (file: string) => boolean;
  readonly min: number;
}

const under = (dir: string) => (f: string) => f.startsWith(dir);
const oneOf =
  (...files: string[]) =>
  (f: string) =>
    files.includes(f);

/** The targets the project keeps (CONTRIBUTING.md "Mutation testing"). */
export const TARGETS: readonly Target[] = [
  { name: "components/", files: under("components/"), min: 90 },
  { name: "spec (lib/spec/)", files: under("lib/spec/"), min: 90 },
  { name: "hash (lib/image/hash.ts)", files: oneOf("lib/image/hash.ts"), min: 90 },
  { name: "render (lib/image/render.ts)", files: oneOf("lib/image/render.ts"), min: 90 },
  { name: "user data (lib/aws/userData.ts)", files: oneOf("lib/aws/userData.ts"), min: 90 },
  {
    name: "policy (lib/guardrails/policyRules.ts, policy/)",
    files: (f) => f === "lib/guardrails/policyRules.ts" || f.startsWith("policy/"),
    min: 90,
  },
  { name: "lib/", files: under("lib/"), min: 80 },
];

export interface TargetResult {
  readonly target: Target;
  readonly tally: Tally;
  readonly met: boolean;
  /** The group's files scoring below the target, lowest first: where to add tests. */
  readonly below: readonly string[];
}

/** Each target against the results; a target with no counted mutant is met. */
export function checkTargets(
  results: Results,
  targets: readonly Target[] = TARGETS,
): TargetResult[] {
  return targets.map((target) => {
    const files = Object.keys(results.files).filter(target.files);
    const t = tally(files.map((f) => results.files[f].mutants));
    const below = files
      .filter((f) => (results.files[f].score ?? 100) < target.min)
      .sort((a, b) => (results.files[a].score ?? 0) - (results.files[b].score ?? 0));
    return { target, tally: t, met: Number.isNaN(t.score) || t.score >= target.min, below };
  });
}

/**
 * Whether the check fails: a missed target always, stale results left unrefreshed only when
 * `strict` (CI sets PHOENIX_MUTATION_STRICT=1; a contributor's run only warns).
 */
export function checkFails(
  targets: readonly TargetResult[],
  staleLeft: readonly string[],
  strict: boolean,
): boolean {
  return targets.some((t) => !t.met) || (strict && staleLeft.length > 0);
}
