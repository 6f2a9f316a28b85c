import { z } from "zod";
import { CONFIG_NAMESPACE, toList, toMapping } from "../config/configFields";

/**
 * The rollout policy of a stack (`phoenix:rollout`), shared by both targets: canary steps, each a
 * share of the requests the new release gets and how long that share is watched, then a bake with
 * the new release at 100% and the previous fleet kept warm. Pure: the targets move traffic and read
 * counters; this module says what to move and how to judge what was read.
 *
 * Without `phoenix:rollout` a release goes all at once after its health gate, with no bake.
 */

/** Environment variable for one emergency `up`: `PHOENIX_ROLLOUT=skip` skips the steps and the bake. */
export const ROLLOUT_ENV = "PHOENIX_ROLLOUT";

/** One canary step. */
export interface RolloutStep {
  /** Share of the requests the new release gets during the step, 1 to 99. */
  readonly percent: number;
  /** How long the step is watched, seconds. */
  readonly seconds: number;
}

/** What a step does when it ends with fewer than `minRequests` requests on the new release. */
export const INCONCLUSIVE = ["fail", "promote"] as const;

/** A validated rollout policy. */
export interface RolloutPolicy {
  /** Canary steps, shares strictly ascending; may be empty (only a bake). */
  readonly steps: readonly RolloutStep[];
  /** Seconds at 100% on the new release with the previous fleet warm, out of the pool; 0: none. */
  readonly bakeSeconds: number;
  /** Largest failed share of the new release's requests, 0 to 1. */
  readonly maxErrorRate: number;
  /** Requests a step needs before it is judged (and before it may pass). */
  readonly minRequests: number;
  /**
   * A step that ends with fewer than `minRequests` requests is extended by its own length once;
   * if it still has too few, `fail` (the default) rolls back, `promote` goes on.
   */
  readonly inconclusive: (typeof INCONCLUSIVE)[number];
  /** CloudWatch alarm names (aws target): any of them in ALARM rolls the release back. */
  readonly alarms: readonly string[];
}

/** Defaults of the keys a user leaves out once `phoenix:rollout` is set. */
export const ROLLOUT_DEFAULTS = {
  bakeSeconds: 0,
  maxErrorRate: 0.01,
  minRequests: 100,
  inconclusive: "fail",
} as const;

/** A number, also given as its text (what `pulumi config set --path` without `--type` stores). */
const toNum = (v: unknown): unknown =>
  typeof v === "string" && /^\s*-?\d+(?:\.\d+)?\s*$/.test(v) ? Number(v) : v;

const whole = (min: number, max: number, example: string) =>
  z.preprocess(
    toNum,
    z
      .number({
        error: (iss) =>
          iss.input === undefined ? `required, e.g. ${example}` : "must be a whole number",
      })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );

const ALARM_NAME = /^[^\u0000-\u001f\u007f]{1,255}$/;

/** Keys of `phoenix:rollout`. */
export const ROLLOUT_KEYS = [
  "steps",
  "bakeSeconds",
  "maxErrorRate",
  "minRequests",
  "inconclusive",
  "alarms",
] as const;

/** The zod schema of `phoenix:rollout` (a mapping; `pulumi config set --path` builds it). */
export const RolloutSchema = z.preprocess(
  toMapping,
  z
    .strictObject(
      {
        steps: z
          .preprocess(
            toList,
            z.array(
              z.strictObject(
                { percent: whole(1, 99, "10"), seconds: whole(1, 86_400, "60") },
                {
                  error: (iss) =>
                    iss.code === "unrecognized_keys"
                      ? `unknown key(s) ${iss.keys.join(", ")}; a step has percent and seconds`
                      : "must be a mapping with percent and seconds",
                },
              ),
              { error: "must be a list of steps, each with percent and seconds" },
            ),
          )
          .default([])
          .superRefine((steps, ctx) => {
            for (let i = 1; i < steps.length; i++) {
              if (steps[i].percent <= steps[i - 1].percent) {
                ctx.addIssue({
                  code: "custom",
                  path: [i, "percent"],
                  message: `must be more than the step before (${steps[i - 1].percent}): shares only grow`,
                });
              }
            }
          }),
        bakeSeconds: whole(0, 86_400, "120").default(ROLLOUT_DEFAULTS.bakeSeconds),
        maxErrorRate: z
          .preprocess(
            toNum,
            z
              .number({ error: "must be a number from 0 to 1, e.g. 0.01 for 1%" })
              .min(0, "must be at least 0")
              .max(1, "must be at most 1 (a share: 0.01 is 1%)"),
          )
          .default(ROLLOUT_DEFAULTS.maxErrorRate),
        minRequests: whole(1, 1_000_000, "100").default(ROLLOUT_DEFAULTS.minRequests),
        inconclusive: z
          .enum(INCONCLUSIVE, { error: `must be ${INCONCLUSIVE.join(" or ")}` })
          .default(ROLLOUT_DEFAULTS.inconclusive),
        alarms: z
          .preprocess(
            toList,
            z
              .array(z.string().regex(ALARM_NAME, "must be a CloudWatch alarm name"), {
                error: "must be a list of CloudWatch alarm names",
              })
              .refine((a) => new Set(a).size === a.length, "must not repeat an alarm"),
          )
          .default([]),
      },
      {
        error: (iss) =>
          iss.code === "unrecognized_keys"
            ? `unknown key(s) ${iss.keys.join(", ")} (known: ${ROLLOUT_KEYS.join(", ")})`
            : `must be a mapping; set it with \`pulumi config set --path ${CONFIG_NAMESPACE}:rollout.steps[0].percent 10\``,
      },
    )
    .superRefine((p, ctx) => {
      if (p.steps.length === 0 && p.bakeSeconds === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["steps"],
          message:
            "a rollout needs at least one step or a bakeSeconds above 0; " +
            `remove it with \`pulumi config rm ${CONFIG_NAMESPACE}:rollout\` to release all at once`,
        });
      }
    }),
);

/** The policy in force for one `up`: none when unset or skipped through {@link ROLLOUT_ENV}. */
export function effectivePolicy<P extends RolloutPolicy>(
  policy: P | undefined,
  env: Readonly<Record<string, string | undefined>>,
): P | undefined {
  const v = env[ROLLOUT_ENV];
  if (v === undefined || v === "") return policy;
  if (v === "skip") return undefined;
  throw new Error(
    `${ROLLOUT_ENV}=${JSON.stringify(v)}: the only value is "skip" (one up without canary steps ` +
      `or bake); unset it to follow ${CONFIG_NAMESPACE}:rollout`,
  );
}

/** Seconds a rollout adds to a release when every step and the bake pass without extension. */
export function plannedSeconds(policy: RolloutPolicy): number {
  return policy.steps.reduce((s, x) => s + x.seconds, 0) + policy.bakeSeconds;
}
