import { describe, expect, it } from "vitest";
import { expandPinRefs, resolvedTests, upstreamOf } from "../../../../lib/spec/pinRefs";
import { collectSpec } from "../../../../lib/spec/specSchema";

describe("upstreamOf", () => {
  it("is the leading dotted release after the epoch, without the Debian revision or repack mark", () => {
    expect(upstreamOf("3.0.20-1~deb12u2")).toBe("3.0.20");
    expect(upstreamOf("18.20.4+dfsg-1~deb12u3")).toBe("18.20.4");
    expect(upstreamOf("1:1.2.13.dfsg-1+deb12u1")).toBe("1.2.13");
    expect(upstreamOf("1:1.35.0-4+deb12u1+b1")).toBe("1.35.0");
    expect(upstreamOf("2.6.12-1+deb12u4")).toBe("2.6.12");
    expect(upstreamOf("git20240101-1")).toBe("git20240101");
  });
});

describe("expandPinRefs", () => {
  const packages = { openssl: "3.0.22-1~deb12u2", "nginx-light": "1.22.1-9+deb12u12" };

  it("puts the pinned value in, escaped, so the dots match only dots", () => {
    const re = expandPinRefs("^OpenSSL {{upstream:openssl}} ", packages);
    expect(re).toBe("^OpenSSL 3\\.0\\.22 ");
    expect(new RegExp(re).test("OpenSSL 3.0.22 1 Jul")).toBe(true);
    expect(new RegExp(re).test("OpenSSL 3.0.20 1 Jul")).toBe(false);
    expect(new RegExp(re).test("OpenSSL 3x0x22 1 Jul")).toBe(false);
    expect(expandPinRefs("{{ version:nginx-light }}$", packages)).toBe("1\\.22\\.1-9\\+deb12u12$");
  });

  it("keeps a reference to a package that is not pinned", () => {
    expect(expandPinRefs("{{upstream:curl}}", packages)).toBe("{{upstream:curl}}");
  });
});

describe("resolvedTests", () => {
  it("expands every expect and leaves tests without one alone", () => {
    const tests = resolvedTests({
      packages: { nodejs: "18.20.4+dfsg-1~deb12u3" },
      tests: [
        {
          name: "a",
          run: ["node", "--version"],
          expect: "^v{{upstream:nodejs}}$",
          timeoutSeconds: 30,
        },
        { name: "b", run: ["true"], timeoutSeconds: 30 },
      ],
    });
    expect(tests.map((t) => t.expect)).toEqual(["^v18\\.20\\.4$", undefined]);
  });
});

describe("spec validation of pin references", () => {
  it("names the test and the package when a reference is not pinned", () => {
    const { issues } = collectSpec(
      [
        "name: web",
        "base: debian:bookworm-slim",
        "packages: { openssl: 3.0.22-1~deb12u2 }",
        "app: { version: v1.0.0, source: app, command: [x], port: 80 }",
        "tests:",
        "  - { name: t, run: [openssl, version], expect: '{{upstream:libssl3}}' }",
      ].join("\n"),
    );
    expect(issues).toEqual([
      {
        path: "tests[0].expect",
        message: 'refers to "libssl3", which packages does not pin; pin it or fix the name',
      },
    ]);
  });
});
