import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../../lib/core/errors";
import { loadSpec, parseSpec } from "../../../../lib/spec/spec";
import { EXAMPLE_FILES, cleanupRepos, makeRepo, tmpDir } from "../tmpRepo";

afterAll(cleanupRepos);

const EXAMPLE = EXAMPLE_FILES["images/web.yaml"];
const MINIMAL = `name: web
base: debian:bookworm-slim
app: { version: v1.0.0, source: ../app, command: [node, server.js], port: 8080 }
`;

/** The issues a spec text produces, as `path: message` lines. */
function problems(text: string): string[] {
  try {
    parseSpec(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the spec to be rejected");
}

function withPackage(name: string, version: string): string {
  return `${MINIMAL}packages: { ${JSON.stringify(name)}: ${JSON.stringify(version)} }\n`;
}

describe("parseSpec", () => {
  it("parses the example spec with its values", () => {
    const spec = parseSpec(EXAMPLE);
    expect(spec.name).toBe("web");
    expect(spec.packages).toEqual({
      libssl3: "3.0.20-1~deb12u2",
      nodejs: "18.20.4+dfsg-1~deb12u3",
      openssl: "3.0.20-1~deb12u2",
    });
    expect(spec.app).toMatchObject({
      version: "v3.4.1",
      source: "../app",
      command: ["node", "server.js"],
      port: 8080,
    });
    expect(spec.app.health).toEqual({
      path: "/healthz",
      intervalSeconds: 2,
      timeoutSeconds: 2,
      healthyThreshold: 2,
    });
    expect(spec.config.files).toEqual({ "/etc/web/config.json": "../config/web.json" });
    expect(spec.config.sysctls).toEqual({ "net.core.somaxconn": "1024" });
    expect(spec.secrets).toEqual(["DB_PASSWORD"]);
  });

  it("applies defaults to optional sections", () => {
    const spec = parseSpec(MINIMAL);
    expect(spec.packages).toEqual({});
    expect(spec.config).toEqual({ files: {}, env: {}, sysctls: {} });
    expect(spec.secrets).toEqual([]);
    expect(spec.runtime).toEqual({ readOnlyRootFilesystem: false, scratch: ["/tmp"] });
    expect(spec.app.stopGraceSeconds).toBe(10);
    expect(spec.app.health).toEqual({
      path: "/healthz",
      intervalSeconds: 5,
      timeoutSeconds: 2,
      healthyThreshold: 2,
    });
  });

  it("sorts maps by key and secrets by name", () => {
    const spec = parseSpec(
      `${MINIMAL}packages: { zlib1g: "1:1.2.13", curl: 7.88.1-10 }\nsecrets: [Z_KEY, A_KEY]\n`,
    );
    expect(Object.keys(spec.packages)).toEqual(["curl", "zlib1g"]);
    expect(spec.secrets).toEqual(["A_KEY", "Z_KEY"]);
  });

  it("accepts a base pinned by digest and a registry with a port", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    for (const base of [
      `debian:bookworm-slim@${digest}`,
      `debian@${digest}`,
      "registry.local:5000/team/base:1.2",
    ]) {
      expect(parseSpec(MINIMAL.replace("debian:bookworm-slim", base)).base).toBe(base);
    }
  });

  it("reports a non-exact version with the path and the example wording", () => {
    expect(problems(withPackage("openssl", "latest"))).toEqual([
      'packages.openssl: version must be exact (e.g. 3.0.15-1~deb12u1), got "latest"',
    ]);
  });

  it.each([
    ["*", "wildcards"],
    ["3.0.*", "wildcards"],
    [">= 3.0", "ranges"],
    ["^3.0.15", "ranges"],
    ["3.0.15 || 3.0.16", "ranges"],
    ["3.0.15-1;reboot", "version must be exact"],
    ["v3.0.15", "version must be exact"],
  ])("rejects package version %j", (version, words) => {
    const [line, ...rest] = problems(withPackage("openssl", version));
    expect(rest).toEqual([]);
    expect(line).toMatch(/^packages\.openssl: version must be exact/);
    expect(line).toContain(words);
    expect(line).toContain(JSON.stringify(version));
  });

  it.each(["Bad", "x", "-lead", "a b", "a;b"])("rejects package name %j", (name) => {
    expect(problems(withPackage(name, "1.0-1"))[0]).toMatch(/is not a Debian package name/);
  });

  it("accepts Debian version grammar with epoch, tilde and plus", () => {
    expect(parseSpec(withPackage("libc6", "2:2.36-9+deb12u7~bpo1")).packages.libc6).toBe(
      "2:2.36-9+deb12u7~bpo1",
    );
  });

  it("tells to quote a version YAML reads as a number", () => {
    expect(problems(`${MINIMAL}packages: { zlib1g: 1.2 }\n`)).toEqual([
      'packages.zlib1g: expected string, got 1.2 (write it in quotes, "1.2", so YAML keeps it as text)',
    ]);
  });

  it("rejects secret-looking env keys with the hint to use secrets", () => {
    for (const key of [
      "DB_PASSWORD",
      "API_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "GH_CREDENTIALS",
      "TLS_PRIVATE",
      "PASSWD",
    ]) {
      const [line] = problems(`${MINIMAL}config: { env: { ${key}: x } }\n`);
      expect(line).toContain(`config.env.${key}: `);
      expect(line).toContain(`pulumi config set --secret ${key}`);
      expect(line).toContain("secrets:");
    }
  });

  it("tells to quote a value YAML reads as a boolean", () => {
    expect(problems(MINIMAL.replace("name: web", "name: true"))).toEqual([
      'name: expected string, got true (write it in quotes, "true", so YAML keeps it as text)',
    ]);
  });

  it("reports a section that is null by its type, and checks nothing below it", () => {
    expect(problems(`${MINIMAL}config: ~\nsecrets: [A_KEY]\n`)).toEqual([
      "config: expected object, got null",
    ]);
    expect(problems(`${MINIMAL}config: { env: ~ }\nsecrets: [A_KEY]\n`)).toEqual([
      "config.env: expected record, got null",
    ]);
  });

  it("compares secrets only with an env mapping, and only secrets that are text", () => {
    // A string env has an own property "0"; a number secret 5 would match the env key "5".
    expect(problems(`${MINIMAL}config: { env: "X" }\nsecrets: ["0"]\n`)).toEqual([
      'config.env: expected record, got "X"',
      'secrets[0]: must be an environment variable name ([A-Z_][A-Z0-9_]*, e.g. LOG_LEVEL), got "0"',
    ]);
    expect(problems(`${MINIMAL}config: { env: { "5": x } }\nsecrets: [5]\n`)).toEqual([
      'config.env.5: key must be an environment variable name ([A-Z_][A-Z0-9_]*, e.g. LOG_LEVEL), got "5"',
      'secrets[0]: expected string, got 5 (write it in quotes, "5", so YAML keeps it as text)',
    ]);
  });

  it("rejects a name that is both env and secret", () => {
    expect(problems(`${MINIMAL}config: { env: { DB_HOST: x } }\nsecrets: [DB_HOST]\n`)).toEqual([
      'secrets[0]: "DB_HOST" is also set in config.env; a name is either plain env or a secret, remove it from config.env',
    ]);
  });

  it.each([
    ["etc/web.json", "absolute"],
    ["/etc/../shadow", '".."'],
    ["/etc/web/", "no trailing /"],
    ["/etc/we b.json", "segments"],
    ["/etc/$HOME", "segments"],
  ])("rejects config target %j", (target, words) => {
    const [line] = problems(
      `${MINIMAL}config: { files: { ${JSON.stringify(target)}: ../config/web.json } }\n`,
    );
    expect(line.startsWith(`config.files.${target}: `)).toBe(true);
    expect(line).toContain(words);
  });

  it("rejects absolute sources", () => {
    expect(problems(MINIMAL.replace("../app", "/work/app"))[0]).toMatch(
      /^app\.source: must be relative/,
    );
  });

  it.each([
    ["name", 'name: "web\\nRUN id"'],
    [
      "app.command[1]",
      'app: { version: v1.0.0, source: ../app, command: [node, "a\\rb"], port: 8080 }',
    ],
    ["config.env.LOG_LEVEL", 'config: { env: { LOG_LEVEL: "info\\u2028x" } }'],
    [
      "config.sysctls.net.core.somaxconn",
      'config: { sysctls: { net.core.somaxconn: "1\\u0000" } }',
    ],
  ])("rejects control characters in %s", (field, yaml) => {
    const key = yaml.split(":")[0];
    const text =
      MINIMAL.split("\n")
        .filter((l) => !l.startsWith(`${key}:`))
        .join("\n") + `\n${yaml}\n`;
    const lines = problems(text);
    expect(lines.some((l) => l.startsWith(`${field}: `) && l.includes("control characters"))).toBe(
      true,
    );
  });

  it("rejects control characters in keys", () => {
    const lines = problems(`${MINIMAL}config: { env: { "A\\nRUN": x } }\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("control characters");
  });

  it("names unknown keys and the allowed ones", () => {
    expect(problems(`${MINIMAL}extra: 1\n`)).toEqual([
      'extra: unknown key "extra"; allowed keys here: name, base, packages, app, config, secrets, runtime, tests',
    ]);
    expect(problems(MINIMAL.replace("port: 8080", "port: 8080, helth: {}"))[0]).toMatch(
      /^app\.helth: unknown key/,
    );
  });

  it("reports YAML syntax errors with their line, and names a duplicate key", () => {
    expect(problems("name: web\nname: api\n")).toEqual(["name: duplicate key (line 2)"]);
    expect(
      problems("name: web\npackages:\n  openssl: 1\n  curl: 2\n  openssl: 3\napp:\n  port: 1\n"),
    ).toEqual(["packages.openssl: duplicate key (line 5)"]);
    expect(problems("name: [web\n")[0]).toMatch(/^\(yaml\): line \d+/);
  });

  it("words a YAML syntax error on one line, with its line and column", () => {
    expect(problems("name: [web\n")).toEqual([
      "(yaml): line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("names only a duplicate key as a key: another error at a key is a syntax error", () => {
    expect(problems("name: web\nbase\n")).toEqual([
      "(yaml): line 2, column 1: Implicit map keys need to be followed by map values",
    ]);
  });

  it("names a duplicate key inside a list item, at the item", () => {
    const tests = (second: string) =>
      `${MINIMAL}tests:\n  - name: a\n    run: [x]\n  - name: b\n    run: [y]\n${second}`;
    expect(problems(tests("    name: c\n"))).toEqual(["tests[1].name: duplicate key (line 9)"]);
    expect(problems(tests("  - name: d\n    run: [z]\n    run: [w]\n"))).toEqual([
      "tests[2].run: duplicate key (line 11)",
    ]);
  });

  it("names a duplicate key after a key that is not a scalar", () => {
    expect(problems(`? [a]\n: 1\n${MINIMAL}name: api\n`)).toEqual(["name: duplicate key (line 6)"]);
  });

  it("reads YAML 1.2 core types even under a %YAML 1.1 directive", () => {
    const spec = parseSpec(`%YAML 1.1\n---\n${MINIMAL}config: { env: { A: yes, B: off } }\n`);
    expect(spec.config.env).toEqual({ A: "yes", B: "off" });
  });

  it("rejects a document that is not a mapping", () => {
    expect(problems("")).toEqual([expect.stringMatching(/^\(root\): expected a mapping/)]);
    expect(problems("- a\n")).toEqual([expect.stringMatching(/^\(root\): expected a mapping/)]);
    expect(problems("hello\n")).toEqual([
      '(root): expected a mapping with name, base, packages, app, got "hello"',
    ]);
    expect(problems("42\n")).toEqual([
      "(root): expected a mapping with name, base, packages, app, got 42",
    ]);
  });

  it("lists every problem of a broken spec at once", () => {
    const text = fs.readFileSync(
      path.join(__dirname, "../../../fixtures/specs/broken.yaml"),
      "utf8",
    );
    const lines = problems(text);
    expect(new Set(lines).size, "each issue once").toBe(lines.length);
    const paths = new Set(lines.map((l) => l.split(": ")[0]));
    for (const p of [
      "name",
      "base",
      "packages.openssl",
      "packages.nodejs",
      "packages.curl",
      "packages.Bad_Name",
      "packages.zlib1g",
      "app.version",
      "app.command",
      "app.port",
      "app.health.path",
      "app.health.intervalSeconds",
      "app.helth",
      "config.files.etc/web/config.json",
      "config.files./etc/../shadow",
      "config.env.DB_PASSWORD",
      "config.env.log-level",
      "config.env.PHOENIX_SPEC_HASH",
      "config.sysctls.somaxconn",
      "config.sysctls.net.core.rmem_max",
      "secrets[1]",
      "secrets[2]",
      "extra",
    ]) {
      expect(paths, p).toContain(p);
    }
  });
});

describe("loadSpec", () => {
  it("resolves the app dir, config files and repo root", () => {
    const root = makeRepo();
    const loaded = loadSpec(path.join(root, "images/web.yaml"));
    expect(loaded.repoRoot).toBe(root);
    expect(loaded.specPath).toBe(path.join(root, "images/web.yaml"));
    expect(loaded.appDir).toBe(path.join(root, "app"));
    expect(loaded.configFiles).toEqual([
      {
        target: "/etc/web/config.json",
        source: path.join(root, "config/web.json"),
        contextPath: "config/0",
      },
    ]);
  });

  it("numbers config files in target order", () => {
    const root = makeRepo({
      "images/web.yaml": EXAMPLE.replace(
        "files: { /etc/web/config.json: ../config/web.json }",
        "files: { /z.json: ../config/web.json, /a.json: ../config/a.json }",
      ),
      "config/a.json": "{}",
    });
    expect(
      loadSpec(path.join(root, "images/web.yaml")).configFiles.map((c) => [
        c.target,
        c.contextPath,
      ]),
    ).toEqual([
      ["/a.json", "config/0"],
      ["/z.json", "config/1"],
    ]);
  });

  it("uses the nearest .git when there is no Pulumi.yaml", () => {
    const root = tmpDir();
    makeRepo({}, root);
    fs.rmSync(path.join(root, "Pulumi.yaml"));
    fs.mkdirSync(path.join(root, ".git"));
    expect(loadSpec(path.join(root, "images/web.yaml")).repoRoot).toBe(root);
  });

  it("reports missing sources and sources outside the repository together with schema issues", () => {
    const outside = tmpDir();
    fs.writeFileSync(path.join(outside, "x.json"), "{}");
    const root = makeRepo();
    fs.symlinkSync(path.join(outside, "x.json"), path.join(root, "linked.json"));
    fs.writeFileSync(
      path.join(root, "images/web.yaml"),
      EXAMPLE.replace("source: ../app", "source: ../nope")
        .replace("v3.4.1", "3.4.1")
        .replace("../config/web.json", "../linked.json"),
    );
    let err: ValidationError | undefined;
    try {
      loadSpec(path.join(root, "images/web.yaml"));
    } catch (e) {
      err = e as ValidationError;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const lines = err!.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^app\.version: /);
    expect(lines[1]).toMatch(/^app\.source: directory "\.\.\/nope" does not exist/);
    expect(lines[2]).toMatch(
      /^config\.files\.\/etc\/web\/config\.json: "\.\.\/linked\.json" resolves to .*outside the repository/,
    );
  });

  it("rejects a config source that is a directory and an app source that is a file", () => {
    const root = makeRepo({
      "images/web.yaml": EXAMPLE.replace("source: ../app", "source: ../config/web.json").replace(
        "../config/web.json }",
        "../app }",
      ),
    });
    expect(() => loadSpec(path.join(root, "images/web.yaml"))).toThrow(
      /app\.source: .*must be a directory[\s\S]*config\.files\..*must be a file/,
    );
  });

  it("honours opts.repoRoot, and rejects sources outside it", () => {
    const root = makeRepo();
    fs.copyFileSync(path.join(root, "images/web.yaml"), path.join(root, "app/web.yaml"));
    const spec = path.join(root, "app/web.yaml");
    fs.writeFileSync(
      spec,
      EXAMPLE.replace("../app", ".").replace("../config/web.json", "server.js"),
    );
    expect(loadSpec(spec, { repoRoot: path.join(root, "app") }).repoRoot).toBe(
      path.join(root, "app"),
    );
    expect(() =>
      loadSpec(path.join(root, "images/web.yaml"), { repoRoot: path.join(root, "images") }),
    ).toThrow(/app\.source: "\.\.\/app" resolves to .*outside the repository/);
  });

  it("fails with the path when the spec file is missing", () => {
    expect(() => loadSpec("/nonexistent/web.yaml")).toThrow(
      /^\/nonexistent\/web\.yaml: cannot read the spec file \(ENOENT\)/,
    );
  });
});

describe("spec fixtures", () => {
  const dir = path.join(__dirname, "../../../fixtures/specs");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"));

  it.each(files.filter((f) => /# expect: /.test(fs.readFileSync(path.join(dir, f), "utf8"))))(
    "%s fails at every path it declares",
    (file) => {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]);
      let err: unknown;
      try {
        loadSpec(path.join(dir, file));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      const paths = (err as ValidationError).issues.map((i) => i.path);
      for (const p of expected) expect(paths, p).toContain(p);
    },
  );

  it("loads the minimal fixture with defaults", () => {
    const loaded = loadSpec(path.join(dir, "minimal.yaml"));
    expect(loaded.spec.packages).toEqual({});
    expect(loaded.configFiles).toEqual([]);
  });
});

describe("parseSpec numbers and lists", () => {
  /** MINIMAL with its app mapping extended by `app` (YAML flow text). */
  const withApp = (app: string) => MINIMAL.replace("port: 8080 }", `port: 8080, ${app} }`);

  it.each([
    ["app.port", MINIMAL.replace("port: 8080", "port: 0"), "from 1 to 65535, got 0"],
    ["app.port", MINIMAL.replace("port: 8080", "port: 65536"), "from 1 to 65535, got 65536"],
    ["app.port", MINIMAL.replace("port: 8080", "port: 80.5"), "from 1 to 65535, got 80.5"],
    ["app.stopGraceSeconds", withApp("stopGraceSeconds: -1"), "from 0 to 3600, got -1"],
    ["app.stopGraceSeconds", withApp("stopGraceSeconds: 3601"), "from 0 to 3600, got 3601"],
    [
      "app.health.intervalSeconds",
      withApp("health: { intervalSeconds: 0 }"),
      "from 1 to 300, got 0",
    ],
    [
      "app.health.intervalSeconds",
      withApp("health: { intervalSeconds: 301 }"),
      "from 1 to 300, got 301",
    ],
    ["app.health.timeoutSeconds", withApp("health: { timeoutSeconds: 0 }"), "from 1 to 120, got 0"],
    [
      "app.health.timeoutSeconds",
      withApp("health: { timeoutSeconds: 121 }"),
      "from 1 to 120, got 121",
    ],
    [
      "app.health.healthyThreshold",
      withApp("health: { healthyThreshold: 0 }"),
      "from 1 to 10, got 0",
    ],
    [
      "app.health.healthyThreshold",
      withApp("health: { healthyThreshold: 11 }"),
      "from 1 to 10, got 11",
    ],
  ])("rejects %s out of range", (field, text, range) => {
    expect(problems(text)).toEqual([`${field}: must be a whole number ${range}`]);
  });

  it("accepts every range's ends", () => {
    const low = parseSpec(
      withApp(
        "stopGraceSeconds: 0, health: { intervalSeconds: 1, timeoutSeconds: 1, healthyThreshold: 1 }",
      ).replace("port: 8080", "port: 1"),
    );
    expect([low.app.port, low.app.stopGraceSeconds, low.app.health]).toEqual([
      1,
      0,
      { path: "/healthz", intervalSeconds: 1, timeoutSeconds: 1, healthyThreshold: 1 },
    ]);
    const high = parseSpec(
      withApp(
        "stopGraceSeconds: 3600, health: { intervalSeconds: 300, timeoutSeconds: 120, healthyThreshold: 10 }",
      ).replace("port: 8080", "port: 65535"),
    );
    expect([high.app.port, high.app.stopGraceSeconds, high.app.health]).toEqual([
      65535,
      3600,
      { path: "/healthz", intervalSeconds: 300, timeoutSeconds: 120, healthyThreshold: 10 },
    ]);
  });

  it("requires a command, and refuses an empty word in it", () => {
    expect(problems(MINIMAL.replace("[node, server.js]", "[]"))).toEqual([
      "app.command: must list at least the program, e.g. [node, server.js]",
    ]);
    expect(problems(MINIMAL.replace("[node, server.js]", '[node, ""]'))).toEqual([
      "app.command[1]: must not be empty",
    ]);
  });

  it("refuses duplicate secrets and scratch paths, and sorts scratch paths", () => {
    expect(problems(`${MINIMAL}secrets: [A_KEY, B_KEY, A_KEY]\n`)).toEqual([
      'secrets[2]: duplicate "A_KEY"',
    ]);
    expect(problems(`${MINIMAL}runtime: { scratch: [/tmp, /tmp] }\n`)).toEqual([
      'runtime.scratch[1]: duplicate "/tmp"',
    ]);
    expect(parseSpec(`${MINIMAL}runtime: { scratch: [/var/x, /tmp] }\n`).runtime.scratch).toEqual([
      "/tmp",
      "/var/x",
    ]);
  });

  it("names a required field that is missing, and one of the wrong type", () => {
    expect(problems(MINIMAL.replace("name: web\n", ""))).toEqual([
      "name: is required (expected string)",
    ]);
    expect(problems(MINIMAL.replace("name: web", "name: [web]"))).toEqual([
      "name: expected string, got a list",
    ]);
    expect(problems(`${MINIMAL}runtime: { readOnlyRootFilesystem: "yes" }\n`)).toEqual([
      'runtime.readOnlyRootFilesystem: expected boolean, got "yes"',
    ]);
  });

  it("reports a bad map key at its path, once", () => {
    expect(problems(`${MINIMAL}config: { sysctls: { somaxconn: "1" } }\n`)).toEqual([
      'config.sysctls.somaxconn: key must be a dotted kernel parameter like net.core.somaxconn, got "somaxconn"',
    ]);
  });
});
