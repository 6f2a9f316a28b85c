import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LIVE_TAG_PREFIX,
  isOwnLiveTag,
  liveTag,
  liveTagStackKey,
} from "../../../../lib/core/identifiers";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const OTHER = `sha256:${"f".repeat(64)}`;
/** The OCI distribution spec's tag grammar; ECR's API takes 1-300 characters. */
const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The live tag as releases before the hashed format wrote it. */
const legacy = (stackTag: string, digest: string) =>
  `phoenix-live-${stackTag.replace(/[^a-zA-Z0-9._-]/g, ".").slice(0, 90)}-${digest.slice(7, 19)}`;

describe("liveTag", () => {
  it("names the stack by 16 hex of sha256(project/stack) and the image by 12 hex of its digest", () => {
    const tag = liveTag("phoenix/prod", DIGEST);
    expect(tag).toBe(`phoenix-live-${liveTagStackKey("phoenix/prod")}-0123456789ab`);
    expect(tag).toMatch(/^phoenix-live-[0-9a-f]{16}-[0-9a-f]{12}$/);
    expect(tag.startsWith(LIVE_TAG_PREFIX)).toBe(true);
  });

  it("tells apart stacks whose names only a separator would join alike", () => {
    expect(liveTag("a.b/c", DIGEST)).not.toBe(liveTag("a/b.c", DIGEST));
    expect(isOwnLiveTag("a/b.c", liveTag("a.b/c", DIGEST))).toBe(false);
    expect(isOwnLiveTag("a.b/c", liveTag("a/b.c", DIGEST))).toBe(false);
  });

  it("fits ECR's and the OCI tag rules for any project and stack name, however long", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (p, s) => {
        const tag = liveTag(`${p}/${s}`, DIGEST);
        expect(tag).toMatch(OCI_TAG);
        expect(tag.length).toBe(42);
      }),
    );
  });

  it("refuses a digest that is not sha256:<64 hex>", () => {
    expect(() => liveTag("phoenix/prod", "")).toThrow(/liveTag: digest must be sha256:<64 hex>/);
    expect(() => liveTag("phoenix/prod", "sha256:abc")).toThrow(/got "sha256:abc"/);
  });
});

describe("isOwnLiveTag", () => {
  it("selects this stack's live tags on any digest", () => {
    expect(isOwnLiveTag("phoenix/prod", liveTag("phoenix/prod", DIGEST))).toBe(true);
    expect(isOwnLiveTag("phoenix/prod", liveTag("phoenix/prod", OTHER))).toBe(true);
  });

  it("never selects another stack's tag whose name starts like this one's", () => {
    // The earlier prefix match took `phoenix-live-phoenix.prod-eu-<digest>` for stack prod's own.
    expect(isOwnLiveTag("phoenix/prod", legacy("phoenix/prod-eu", DIGEST))).toBe(false);
    expect(isOwnLiveTag("phoenix/prod", legacy("phoenix/prod-abcdef012345", DIGEST))).toBe(false);
    expect(isOwnLiveTag("phoenix/prod", liveTag("phoenix/prod-eu", DIGEST))).toBe(false);
    expect(isOwnLiveTag("phoenix/prod", `${liveTag("phoenix/prod", DIGEST)}-x`)).toBe(false);
    expect(isOwnLiveTag("phoenix/prod", "v1.2.3-0123456789ab")).toBe(false);
  });

  it("selects the earlier format's tag of exactly this stack, so the retire removes what it left", () => {
    expect(isOwnLiveTag("phoenix/prod", legacy("phoenix/prod", OTHER))).toBe(true);
    expect(isOwnLiveTag("phoenix/prod", "phoenix-live-phoenix.prod-ffffffffffff")).toBe(true);
    // A dot in the slug is a dot, not any character.
    expect(isOwnLiveTag("phoenix/prod", "phoenix-live-phoenixxprod-ffffffffffff")).toBe(false);
    expect(isOwnLiveTag("phoenix/prod", "phoenix-live-phoenix.prod-fffffffffff")).toBe(false);
  });

  it("never takes a tag of the other format for its own, whatever the two stacks' names", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        const [mine, theirs] = [`p/${a}`, `p/${b}`];
        expect(isOwnLiveTag(mine, liveTag(theirs, DIGEST))).toBe(false);
        expect(isOwnLiveTag(mine, legacy(theirs, DIGEST))).toBe(
          legacy(mine, DIGEST) === legacy(theirs, DIGEST),
        );
      }),
    );
  });
});
