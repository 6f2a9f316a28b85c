import { describe, expect, it } from "vitest";
import * as rules from "../../../../lib/spec/specRules";

const HEX = "ab".repeat(32);

/** Runs `check` on each value; the values it accepts (returns undefined for). */
function accepted(check: rules.Check, values: readonly string[]): string[] {
  return values.filter((v) => check(v) === undefined);
}

/**
 * One check's grammar at its edges: every `ok` value passes and every `bad` value is refused with a
 * message that shows it. The bad values sit just outside each part of the grammar (first character,
 * anchors, length limits), so a loosened pattern lets one of them through.
 */
function grammar(check: rules.Check, ok: readonly string[], bad: readonly string[]): void {
  expect(accepted(check, ok)).toEqual(ok);
  expect(accepted(check, bad)).toEqual([]);
  for (const v of bad) expect(check(v)).toContain(v.length > 60 ? "" : JSON.stringify(v));
}

describe("noControlChars", () => {
  it.each([
    ["a\tb", "U+0009 at index 1"],
    ["\nx", "U+000A at index 0"],
    ["ab\u001f", "U+001F at index 2"],
    ["x\u007f", "U+007F at index 1"],
    ["\u0085", "U+0085 at index 0"],
    ["\u009f", "U+009F at index 0"],
    ["line\u2028", "U+2028 at index 4"],
    ["\u2029", "U+2029 at index 0"],
  ])("names the code point and index of %j", (value, found) => {
    expect(rules.noControlChars(value)).toContain(`(found ${found})`);
  });

  it("accepts printable text beyond ASCII", () => {
    expect(accepted(rules.noControlChars, [" ", "~", "\u00a0", "é", "\u2027", "\u202a"])).toEqual([
      " ",
      "~",
      "\u00a0",
      "é",
      "\u2027",
      "\u202a",
    ]);
  });
});

describe("checkName", () => {
  it("accepts a lowercase letter then up to 39 of a-z 0-9 -, and nothing else", () => {
    grammar(
      rules.checkName,
      ["w", "web-1", "a0-z9", `w${"e".repeat(39)}`],
      ["", "1web", "Web", "-web", "web_1", "web!", "!web", "wEb", `w${"e".repeat(40)}`],
    );
  });
});

describe("parseImageRef", () => {
  it("splits registry and path, tag and digest", () => {
    expect(rules.parseImageRef(`registry:5000/team/app:1.0@sha256:${HEX}`)).toEqual({
      name: "registry:5000/team/app",
      tag: "1.0",
      digest: `sha256:${HEX}`,
    });
    expect(rules.parseImageRef("debian:bookworm-slim")).toEqual({
      name: "debian",
      tag: "bookworm-slim",
      digest: undefined,
    });
    expect(rules.parseImageRef(`debian@sha256:${HEX}`)).toEqual({
      name: "debian",
      tag: undefined,
      digest: `sha256:${HEX}`,
    });
  });

  it("accepts the separators of the reference grammar", () => {
    for (const ref of [
      "my.registry.io/a/b__c:t",
      "a-b.example/x--y:1",
      "registry-1.docker.io/library/debian:12",
      "localhost:5000/app:v1",
      "r/a.b_c-d:T_1.x-2",
      "A9.example/app:1",
    ])
      expect(rules.parseImageRef(ref)?.name).toBe(ref.slice(0, ref.lastIndexOf(":")));
  });

  it("refuses what Docker refuses", () => {
    for (const ref of [
      "",
      "Debian:12",
      "debian:bookworm slim",
      "debian:-x",
      "debian:.x",
      `debian:${"t".repeat(129)}`,
      `debian@sha256:${HEX.slice(1)}`,
      `debian@sha256:${HEX.toUpperCase()}`,
      ":12",
      "debian:",
      "-registry.io/app:1",
      "registry-.io/app:1",
      "registry.io:port/app:1",
      "app_/x:1",
      "a._b:1",
      "/app:1",
      "app/:1",
      `x${"/abcdefgh".repeat(29)}:1`,
    ])
      expect(rules.parseImageRef(ref), ref).toBeUndefined();
    expect(rules.parseImageRef(`debian:${"t".repeat(128)}`)?.tag).toHaveLength(128);
    const long = `x${"/abcdefgh".repeat(28)}`;
    expect(rules.parseImageRef(`${long}:1`)?.name).toBe(long);
    // Docker's limit on the name is 255 characters, inclusive.
    expect(rules.parseImageRef(`${"a".repeat(255)}:1`)?.name).toHaveLength(255);
    expect(rules.parseImageRef(`${"a".repeat(256)}:1`)).toBeUndefined();
  });
});

describe("checkBase", () => {
  it("accepts a release tag or a digest", () => {
    expect(
      accepted(rules.checkBase, [
        "debian:bookworm-slim",
        `debian@sha256:${HEX}`,
        `debian:latest@sha256:${HEX}`,
      ]),
    ).toHaveLength(3);
  });

  it("refuses an implicit or explicit latest, and says how to pin", () => {
    expect(rules.checkBase("debian")).toContain('not an implicit or explicit "latest"');
    expect(rules.checkBase("debian:latest")).toContain('not an implicit or explicit "latest"');
    expect(rules.checkBase("debian:Latest")).toBeUndefined();
  });

  it("refuses a malformed reference with an example", () => {
    expect(rules.checkBase("Debian:12")).toBe(
      'must be an image reference like debian:bookworm-slim or debian:bookworm-slim@sha256:<64 hex>, got "Debian:12"',
    );
  });
});

describe("checkPackageName", () => {
  it("accepts Debian package names of two or more characters", () => {
    grammar(
      rules.checkPackageName,
      ["g++", "a1", "libssl3", "0ad", "lib.x-y+z"],
      ["a", "", "Libssl", "-foo", "+foo", ".foo", "foo_bar", "foo bar", "foo!", "!foo", "fOo"],
    );
  });
});

describe("checkPackageVersion", () => {
  it("accepts exact Debian versions", () => {
    const ok = ["3.0.15-1~deb12u1", "1:2.3", "0", "2.38.1-5+deb12u1", "12:1.0", "1.0a", "1.x"];
    expect(accepted(rules.checkPackageVersion, [...ok, "1".repeat(128)])).toEqual([
      ...ok,
      "1".repeat(128),
    ]);
  });

  it.each([
    ["latest", "version must be exact (e.g. 3.0.15-1~deb12u1), got"],
    [" Stable ", "version must be exact (e.g. 3.0.15-1~deb12u1), got"],
    ["ANY", "version must be exact (e.g. 3.0.15-1~deb12u1), got"],
    ["newest", "version must be exact (e.g. 3.0.15-1~deb12u1), got"],
    ["1.*", "wildcards are not allowed"],
    ["*", "wildcards are not allowed"],
    [">=1.0", "ranges are not allowed"],
    [" ~1.0", "ranges are not allowed"],
    ["^1", "ranges are not allowed"],
    ["=1", "ranges are not allowed"],
    ["<1", "ranges are not allowed"],
    ["!1", "ranges are not allowed"],
    ["1.0 2.0", "ranges are not allowed"],
    ["1.0||2.0", "ranges are not allowed"],
    ["1,2", "ranges are not allowed"],
    ["v1", "[epoch:]upstream[-revision]"],
    ["a1:2", "[epoch:]upstream[-revision]"],
    ["1:", "[epoch:]upstream[-revision]"],
    [":1", "[epoch:]upstream[-revision]"],
    ["1_0", "[epoch:]upstream[-revision]"],
    ["1|2", "[epoch:]upstream[-revision]"],
    ["1.0>2", "[epoch:]upstream[-revision]"],
    ["1=2", "[epoch:]upstream[-revision]"],
    ["1^2!3<4", "[epoch:]upstream[-revision]"],
    ["latestx", "[epoch:]upstream[-revision]"],
    ["xlatest", "[epoch:]upstream[-revision]"],
    ["1".repeat(129), "[epoch:]upstream[-revision]"],
  ])("refuses %j: %s", (value, message) => {
    expect(rules.checkPackageVersion(value)).toContain(message);
    if (!message.includes("ranges"))
      expect(rules.checkPackageVersion(value)).not.toContain("ranges");
    expect(rules.checkPackageVersion(value)).toContain(JSON.stringify(value));
  });
});

describe("checkAppVersion", () => {
  it("accepts v-prefixed semver with a pre-release", () => {
    grammar(
      rules.checkAppVersion,
      [
        "v0.0.0",
        "v3.4.1",
        "v10.20.30",
        "v3.4.1-rc.1",
        "v1.0.0-alpha-1",
        "v1.0.0-X.y9",
        `v1.0.0-${"a".repeat(93)}`,
      ],
      [
        "v01.0.0",
        "v1.00.0",
        "v1.0.01",
        "v1.0",
        "vx.0.0",
        "v1.0.0-",
        "v1.0.0-rc..1",
        "v1.0.0-rc.",
        "v1.0.0-r_c",
        "xv1.0.0",
        "v1.0.0x",
        "V1.0.0",
        "v1.a.0",
        "v1.0.b",
        `v1.0.0-${"a".repeat(94)}`,
      ],
    );
  });

  it("suggests the v prefix for a bare version and refuses +build metadata", () => {
    expect(rules.checkAppVersion("3.4.1")).toBe(
      'must be v-prefixed semver, e.g. "v3.4.1"; got "3.4.1"',
    );
    expect(rules.checkAppVersion("v3.4.1+build.5")).toContain("without +build metadata");
    expect(rules.checkAppVersion("x3")).toContain("like v3.4.1 or v3.4.1-rc.1");
  });
});

describe("checkRelativeSource", () => {
  it("accepts relative paths, refuses empty, absolute and backslashed ones", () => {
    const ok = ["app", "../app", "a/b.txt", "xC:/y"];
    expect(accepted(rules.checkRelativeSource, ok)).toEqual(ok);
    expect(rules.checkRelativeSource("")).toBe(
      "must be a path relative to the spec file, got an empty string",
    );
    for (const v of ["/abs", "C:\\x", "c:/x"])
      expect(rules.checkRelativeSource(v)).toContain("must be relative to the spec file");
    expect(rules.checkRelativeSource("a\\b")).toBe('must use / as the separator, got "a\\\\b"');
  });
});

describe("checkImagePath", () => {
  it("accepts absolute file paths up to 1024 characters", () => {
    const longest = `/${"a".repeat(1023)}`;
    const ok = ["/etc/web/config.json", "/a", "/A-Z_0.9", "/.x", longest];
    expect(accepted(rules.checkImagePath, ok)).toEqual(ok);
    expect(rules.checkImagePath(`${longest}b`)).toBe("must be at most 1024 characters, got 1025");
  });

  it.each([
    ["etc/x", "must be an absolute path"],
    ["", "must be an absolute path"],
    ["/etc/../x", 'must not contain ".."'],
    ["/a..b", 'must not contain ".."'],
    ["/etc/x/", "no trailing /"],
    ["/", "no trailing /"],
    ["/etc/./x", 'no "." segment'],
    ["/etc/x y", "segments"],
    ["/etc//x", "segments"],
  ])("refuses %j", (value, message) => {
    expect(rules.checkImagePath(value)).toContain(message);
  });
});

describe("checkVarName and checkEnvKey", () => {
  it("accepts environment variable names", () => {
    grammar(
      rules.checkVarName,
      ["LOG_LEVEL", "_X", "A1", "A", "XPHOENIX_"],
      ["1A", "log", "A-B", "", "Ab", "A B", "$A", "A$"],
    );
  });

  it("reserves PHOENIX_ for the variables phoenix sets", () => {
    expect(rules.checkVarName("PHOENIX_X")).toContain("must not start with PHOENIX_");
    expect(rules.checkEnvKey("PHOENIX_PASSWORD")).toContain("must not start with PHOENIX_");
  });

  it("sends secret-looking env keys to secrets:", () => {
    const secretLike = [
      "DB_PASSWORD",
      "PASSWD",
      "API_TOKEN",
      "MY_KEY",
      "X_SECRET",
      "AWS_CREDENTIALS",
    ];
    for (const key of [...secretLike, "PRIVATE_X"])
      expect(rules.checkEnvKey(key)).toContain(`pulumi config set --secret ${key}`);
    expect(rules.checkEnvKey("LOG_LEVEL")).toBeUndefined();
    expect(rules.checkEnvKey("log")).toContain("must be an environment variable name");
  });
});

describe("checkSysctlKey", () => {
  it("accepts dotted kernel parameter names", () => {
    grammar(
      rules.checkSysctlKey,
      ["net.core.somaxconn", "net.ipv4.tcp_fin-x", "fs.mqueue.msg_max", "a.b", "net_x.y"],
      [
        "somaxconn",
        "Net.core",
        ".net.core",
        "net.core.",
        "net..core",
        "net.core.x y",
        "-net.core",
        "net.core!",
        "net-x.y",
        "net.Core",
      ],
    );
  });
});

describe("checkHealthPath", () => {
  it("accepts HTTP paths without a query, up to 200 characters", () => {
    grammar(
      rules.checkHealthPath,
      ["/healthz", "/", "/a/b-c_d.e~f/", "/AZ09", `/${"h".repeat(199)}`],
      ["healthz", "", "/h?x=1", "/h z", "/h#x", "x/h", `/${"h".repeat(200)}`],
    );
  });
});

describe("checkNonEmpty and anyText", () => {
  it("refuses only the empty string", () => {
    expect(rules.checkNonEmpty("")).toBe("must not be empty");
    expect(rules.checkNonEmpty(" ")).toBeUndefined();
    expect(rules.anyText("")).toBeUndefined();
  });
});

describe("byCodeUnits", () => {
  it("orders by UTF-16 code units and keeps equal strings equal", () => {
    expect(["b", "a", "B", "é", "aa", "\u{1f600}", "\uffff"].sort(rules.byCodeUnits)).toEqual([
      "B",
      "a",
      "aa",
      "b",
      "é",
      "\u{1f600}",
      "\uffff",
    ]);
    expect(rules.byCodeUnits("a", "a")).toBe(0);
    expect(rules.byCodeUnits("a", "b")).toBe(-1);
    expect(rules.byCodeUnits("b", "a")).toBe(1);
  });
});
