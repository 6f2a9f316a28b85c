import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { specHash } from "../../../../lib/image/hash";
import { loadSpec, parseSpec } from "../../../../lib/spec/spec";
import { EXAMPLE_FILES, cleanupRepos, makeRepo } from "../tmpRepo";
import * as path from "node:path";

afterAll(cleanupRepos);

const MINIMAL = `name: web
base: debian:bookworm-slim
app: { version: v1.0.0, source: ../app, command: [node, server.js], port: 8080 }
`;

function problems(text: string): string[] {
  try {
    parseSpec(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the spec to be rejected");
}

describe("parseSpec tests:", () => {
  it("defaults to no tests and a 30 second timeout per test", () => {
    expect(parseSpec(MINIMAL).tests).toEqual([]);
    const spec = parseSpec(`${MINIMAL}tests:\n  - { name: node runs, run: [node, --version] }\n`);
    expect(spec.tests).toEqual([
      { name: "node runs", run: ["node", "--version"], timeoutSeconds: 30 },
    ]);
  });

  it("keeps expect as the regex text YAML gives, and sorts tests by name", () => {
    const spec = parseSpec(
      `${MINIMAL}tests:\n` +
        `  - { name: b openssl, run: [openssl, version], expect: "^OpenSSL 3\\\\.0\\\\.22 ", timeoutSeconds: 5 }\n` +
        `  - { name: a node, run: [node, --version] }\n`,
    );
    expect(spec.tests.map((t) => t.name)).toEqual(["a node", "b openssl"]);
    expect(spec.tests[1].expect).toBe("^OpenSSL 3\\.0\\.22 ");
    expect(new RegExp(spec.tests[1].expect!).test("OpenSSL 3.0.22 1 Jul 2026")).toBe(true);
    expect(spec.tests[1].timeoutSeconds).toBe(5);
  });

  it("reports every problem of every test at its path", () => {
    const lines = problems(
      `${MINIMAL}tests:\n` +
        `  - { name: "", run: [], expect: "(", timeoutSeconds: 0, shell: true }\n` +
        `  - { name: dup, run: [x, ""] }\n` +
        `  - { name: dup, run: openssl }\n` +
        `  - 3\n`,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        "tests[0].name: must not be empty",
        "tests[0].run: must list at least the program, e.g. [openssl, version]",
        expect.stringMatching(/^tests\[0\]\.expect: is not a valid regular expression .*doubled/),
        "tests[0].timeoutSeconds: must be a whole number from 1 to 600, got 0",
        'tests[0].shell: unknown key "shell"; allowed keys here: name, run, expect, timeoutSeconds',
        "tests[1].run[1]: must not be empty",
        'tests[2].run: expected array, got "openssl"',
        'tests[2].name: duplicate test name "dup"; give each test its own name',
        "tests[3]: expected object, got 3",
      ]),
    );
    expect(lines).toHaveLength(9);
  });

  it("takes a test name of up to 80 characters that is not blank", () => {
    const named = (name: string) =>
      `${MINIMAL}tests: [{ name: ${JSON.stringify(name)}, run: [ls] }]\n`;
    expect(parseSpec(named("n".repeat(80))).tests[0].name).toBe("n".repeat(80));
    expect(problems(named("n".repeat(81)))).toEqual([
      "tests[0].name: must be at most 80 characters",
    ]);
    expect(problems(named("   "))).toEqual(["tests[0].name: must not be empty"]);
  });

  it("does not take two tests without a name for two with one name", () => {
    expect(problems(`${MINIMAL}tests: [{ run: [a] }, { run: [b] }, 3, null]\n`)).toEqual([
      "tests[0].name: is required (expected string)",
      "tests[1].name: is required (expected string)",
      "tests[2]: expected object, got 3",
      "tests[3]: expected object, got null",
    ]);
  });

  it("rejects a test without a name or a command", () => {
    expect(problems(`${MINIMAL}tests: [{ expect: ok }]\n`)).toEqual([
      "tests[0].name: is required (expected string)",
      "tests[0].run: is required (expected array)",
    ]);
  });

  it("rejects an empty expect (leave it out instead) and a tests value that is not a list", () => {
    expect(problems(`${MINIMAL}tests: [{ name: a, run: [ls], expect: "" }]\n`)).toEqual([
      "tests[0].expect: must not be empty; leave `expect` out when exit status 0 is enough",
    ]);
    expect(problems(`${MINIMAL}tests: { name: a }\n`)).toEqual([
      "tests: expected array, got a mapping",
    ]);
  });
});

describe("specHash and tests", () => {
  const spec = EXAMPLE_FILES["images/web.yaml"].replace(/\ntests:[\s\S]*$/, "\n");
  const hashOf = (text: string) =>
    specHash(loadSpec(path.join(makeRepo({ "images/web.yaml": text }), "images/web.yaml")));
  const withTests = (tests: string) => `${spec}tests:\n${tests}`;
  const A = '  - { name: a, run: [openssl, version], expect: "^OpenSSL" }\n';
  const B = "  - { name: b, run: [node, --version] }\n";

  it("changes when a test is added, or its command, expect or timeout changes", () => {
    const hashes = [
      hashOf(spec),
      hashOf(withTests(A)),
      hashOf(withTests(A.replace("version]", "version, -a]"))),
      hashOf(withTests(A.replace("^OpenSSL", "^OpenSSL 3"))),
      hashOf(withTests(A.replace(" }", ", timeoutSeconds: 9 }"))),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it("does not depend on the order of tests or on writing the default timeout", () => {
    expect(hashOf(withTests(A + B))).toBe(hashOf(withTests(B + A)));
    expect(hashOf(withTests(B))).toBe(hashOf(withTests(B.replace(" }", ", timeoutSeconds: 30 }"))));
  });
});
