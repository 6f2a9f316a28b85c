import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ELB_LOGICAL_NAME_MAX,
  ELB_NAME_RE,
  elbLogicalName,
} from "../../../../lib/aws/resourceNames";

/** Pulumi's default autoname of a logical name: "-" and 7 random characters. */
const autoname = (logical: string) => `${logical}-0a1b2c3`;
/** Every spec name the spec allows: [a-z][a-z0-9-]{0,39}. */
const specName = fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/);
const LONGEST = `w${"x".repeat(39)}`;

describe("ELB_NAME_RE", () => {
  it("holds AWS's rules for load balancer and target group names", () => {
    for (const ok of ["a", "web-fleet-front-0a1b2c3", "A1-b2", "x".repeat(32), "internalx-1"]) {
      expect(ELB_NAME_RE.test(ok), ok).toBe(true);
    }
    for (const bad of [
      "",
      "-web",
      "web-",
      "x".repeat(33),
      "web_front",
      "web.front",
      "internal-web",
    ]) {
      expect(ELB_NAME_RE.test(bad), bad).toBe(false);
    }
  });
});

describe("elbLogicalName", () => {
  it("keeps a logical name whose autoname fits, so deployed stacks keep their load balancer", () => {
    expect(elbLogicalName("web-fleet-front")).toBe("web-fleet-front");
    expect(elbLogicalName("web-fleet-tg")).toBe("web-fleet-tg");
    // 12 characters of spec name: the longest the plain autoname fitted.
    expect(elbLogicalName("abcdefghijkl-fleet-front")).toBe("abcdefghijkl-fleet-front");
  });

  it("gives the longest valid spec name's load balancer and target groups names AWS takes", () => {
    for (const logical of [`${LONGEST}-fleet-front`, `${LONGEST}-fleet-tg`]) {
      const name = autoname(elbLogicalName(logical));
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(ELB_NAME_RE);
    }
    expect(elbLogicalName(`${LONGEST}-fleet-front`)).toMatch(/^wxxxxxxxxxxxxxxxx-[0-9a-f]{6}$/);
  });

  it("fits AWS's rules for every valid spec name, the same on every run", () => {
    fc.assert(
      fc.property(specName, (spec) => {
        for (const logical of [`${spec}-fleet-front`, `${spec}-fleet-tg`]) {
          const fitted = elbLogicalName(logical);
          expect(fitted.length).toBeLessThanOrEqual(ELB_LOGICAL_NAME_MAX);
          expect(autoname(fitted)).toMatch(ELB_NAME_RE);
          expect(elbLogicalName(logical)).toBe(fitted);
        }
      }),
    );
  });

  it("tells apart names that differ only after the cut", () => {
    const a = `${LONGEST}-fleet-front`;
    const b = `${LONGEST.slice(0, -1)}y-fleet-front`;
    expect(elbLogicalName(a).slice(0, 17)).toBe(elbLogicalName(b).slice(0, 17));
    expect(elbLogicalName(a)).not.toBe(elbLogicalName(b));
    fc.assert(
      fc.property(specName, specName, (x, y) => {
        fc.pre(x !== y);
        expect(elbLogicalName(`${x}-fleet-tg`)).not.toBe(elbLogicalName(`${y}-fleet-tg`));
      }),
    );
  });

  it("never starts a load balancer's name with internal-", () => {
    expect(autoname(elbLogicalName("internal-fleet-front"))).toMatch(ELB_NAME_RE);
    expect(elbLogicalName("internal-fleet-front")).toMatch(/^internalfleet-fro-[0-9a-f]{6}$/);
    expect(elbLogicalName("internal-fleet-front").startsWith("internal-")).toBe(false);
    expect(autoname(elbLogicalName("internal--fleet-front"))).toMatch(ELB_NAME_RE);
  });

  it("ends a cut name with a letter or digit before the hash, never a doubled hyphen", () => {
    // The 17th character of this name is a hyphen: the cut drops it.
    const logical = `${"a".repeat(16)}-${"b".repeat(20)}-fleet-tg`;
    expect(elbLogicalName(logical)).toMatch(/^a{16}-[0-9a-f]{6}$/);
  });
});
