import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { parseStackConfig } from "../../../../lib/config/stackConfig";
import { effectivePolicy, plannedSeconds, ROLLOUT_ENV } from "../../../../lib/rollout/policy";

/** The issues of a config that must fail, as `<path>: <message>` lines. */
function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ValidationError");
}

const rollout = (r: unknown) => JSON.stringify(r);

describe("phoenix:rollout", () => {
  it("reads what `pulumi config set --path` stores, numbers as numbers or text, with defaults", () => {
    const c = parseStackConfig({
      target: "local",
      rollout: rollout({
        steps: [
          { percent: 10, seconds: "60" },
          { percent: "50", seconds: 30 },
        ],
      }),
    });
    expect(c.rollout).toEqual({
      steps: [
        { percent: 10, seconds: 60 },
        { percent: 50, seconds: 30 },
      ],
      bakeSeconds: 0,
      maxErrorRate: 0.01,
      minRequests: 100,
      inconclusive: "fail",
      alarms: [],
    });
    expect(parseStackConfig({ target: "local" }).rollout).toBeUndefined();
  });

  it("reports every problem at once, each with its key and the fix", () => {
    const lines = problems({
      target: "local",
      desiredCount: 0,
      rollout: rollout({
        steps: [
          { percent: 50, seconds: 60 },
          { percent: 10, seconds: 0, pct: 3 },
          { percent: 100, seconds: 5 },
        ],
        bakeSeconds: -1,
        maxErrorRate: 2,
        minRequest: 100,
        inconclusive: "maybe",
      }),
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        "phoenix:desiredCount: must be at least 1, got 0",
        "phoenix:rollout.steps[1].seconds: must be at least 1, got 0",
        "phoenix:rollout.steps[1]: unknown key(s) pct; a step has percent and seconds",
        "phoenix:rollout.steps[1].percent: must be more than the step before (50): shares only grow, got 10",
        "phoenix:rollout.steps[2].percent: must be at most 99, got 100",
        "phoenix:rollout.bakeSeconds: must be at least 0, got -1",
        "phoenix:rollout.maxErrorRate: must be at most 1 (a share: 0.01 is 1%), got 2",
        'phoenix:rollout.inconclusive: must be fail or promote, got "maybe"',
        "phoenix:rollout: unknown key(s) minRequest (known: steps, bakeSeconds, maxErrorRate, minRequests, inconclusive, alarms)",
      ]),
    );
    expect(lines).toHaveLength(9);
  });

  it("refuses a rollout that watches nothing, and says how to go back to all at once", () => {
    expect(problems({ target: "local", rollout: rollout({ bakeSeconds: 0 }) })).toEqual([
      "phoenix:rollout.steps: a rollout needs at least one step or a bakeSeconds above 0; " +
        "remove it with `pulumi config rm phoenix:rollout` to release all at once",
    ]);
    expect(
      parseStackConfig({ target: "local", rollout: rollout({ bakeSeconds: 5 }) }).rollout,
    ).toMatchObject({ steps: [], bakeSeconds: 5 });
  });

  it("takes alarms only on the aws target", () => {
    expect(
      problems({ target: "local", rollout: rollout({ bakeSeconds: 5, alarms: ["a"] }) }),
    ).toEqual([expect.stringMatching(/^phoenix:rollout\.alarms: only applies to target aws/)]);
    expect(problems({ target: "local", rollout: "yes" })).toEqual([
      'phoenix:rollout: must be a mapping; set it with `pulumi config set --path phoenix:rollout.steps[0].percent 10`, got "yes"',
    ]);
  });
});

describe("the emergency fast path", () => {
  const policy = parseStackConfig({
    target: "local",
    rollout: rollout({ steps: [{ percent: 10, seconds: 60 }], bakeSeconds: 120 }),
  }).rollout!;

  it(`${ROLLOUT_ENV}=skip drops steps and bake for one up; unset keeps the policy`, () => {
    expect(effectivePolicy(policy, { [ROLLOUT_ENV]: "skip" })).toBeUndefined();
    expect(effectivePolicy(policy, {})).toBe(policy);
    expect(effectivePolicy(policy, { [ROLLOUT_ENV]: "" })).toBe(policy);
    expect(() => effectivePolicy(policy, { [ROLLOUT_ENV]: "fast" })).toThrow(
      'PHOENIX_ROLLOUT="fast": the only value is "skip"',
    );
  });

  it("plans the sum of the steps and the bake", () => {
    expect(plannedSeconds(policy)).toBe(180);
  });
});
