import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UserDataInput, renderUserData, shQuote, userDataProblems } from "../../../../lib/aws/userData";

const REF = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-1234567@sha256:${"ab".repeat(32)}`;

const INPUT: UserDataInput = {
  name: "web",
  imageRef: REF,
  specHash: "c".repeat(64),
  region: "eu-west-1",
  port: 8080,
  env: { LOG_LEVEL: "info" },
  sysctls: { "net.core.somaxconn": "1024" },
  secrets: ["DB_PASSWORD"],
  ssmPrefix: "/phoenix/prod",
  runtime: { readOnlyRootFilesystem: false, scratch: ["/tmp"] },
  stopGraceSeconds: 10,
};

/**
 * Run a rendered script with fake `docker`, `aws` and `systemctl` on PATH. Each fake appends its argv
 * (NUL-separated) to a log; fake `aws ssm get-parameter` prints `secret-for:<name>`; fake `docker run`
 * also records the value of DB_PASSWORD it inherits. PATH holds only the fakes and `cat`. Returns the
 * logged invocations, the exit status and stderr.
 */
function runWithFakes(
  script: string,
  opts: { withoutAws?: boolean } = {},
): { calls: string[][]; status: number; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-userdata-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const log = path.join(dir, "calls");
  const fake = (name: string, extra = "") =>
    fs.writeFileSync(
      path.join(bin, name),
      `#!/bin/bash\n{ printf '%s\\0' ${name} "$@"; printf '\\n'; } >> ${shQuote(log)}\n${extra}\n`,
      { mode: 0o755 },
    );
  fake(
    "docker",
    'if [ "$1" = login ]; then cat > /dev/null; fi; if [ "$1" = run ]; then { printf "%s\\0" ENV:DB_PASSWORD "${DB_PASSWORD-unset}"; printf "\\n"; } >> ' +
      shQuote(log) +
      "; fi",
  );
  if (!opts.withoutAws) {
    fake(
      "aws",
      'if [ "$1" = ssm ]; then for a in "$@"; do case "$a" in /*) echo "secret-for:$a";; esac; done; else echo token; fi',
    );
  }
  fake("systemctl");
  // Like `docker login --password-stdin`, the fake reads the password, so the pipe never breaks.
  fs.symlinkSync(
    execFileSync("/bin/bash", ["-c", "command -v cat"]).toString().trim(),
    path.join(bin, "cat"),
  );
  const file = path.join(dir, "user-data.sh");
  fs.writeFileSync(file, script, { mode: 0o755 });
  let status = 0;
  let stderr = "";
  try {
    execFileSync("/bin/bash", [file], { env: { PATH: bin }, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    status = (e as { status: number }).status;
    stderr = String((e as { stderr: Buffer }).stderr);
  }
  const calls = fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\0").slice(0, -1))
    : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { calls, status, stderr };
}

describe("renderUserData", () => {
  it("logs in to ECR, reads secrets from SSM and runs the image by digest", () => {
    const { calls, status } = runWithFakes(renderUserData(INPUT));
    expect(status).toBe(0);
    expect(calls[0]).toEqual(["systemctl", "enable", "--now", "docker"]);
    expect(calls).toContainEqual(["aws", "ecr", "get-login-password", "--region", "eu-west-1"]);
    expect(calls).toContainEqual([
      "docker",
      "login",
      "--username",
      "AWS",
      "--password-stdin",
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ]);
    expect(calls).toContainEqual(["docker", "pull", REF]);
    expect(calls).toContainEqual([
      "aws",
      "ssm",
      "get-parameter",
      "--region",
      "eu-west-1",
      "--with-decryption",
      "--name",
      "/phoenix/prod/DB_PASSWORD",
      "--query",
      "Parameter.Value",
      "--output",
      "text",
    ]);
    const run = calls.find((c) => c[0] === "docker" && c[1] === "run");
    expect(run).toEqual([
      "docker",
      "run",
      "--detach",
      "--name",
      "phoenix-web",
      "--restart",
      "unless-stopped",
      "--stop-timeout",
      "10",
      "--publish",
      "8080:8080",
      "--label",
      `io.phoenix.spec-hash=${"c".repeat(64)}`,
      "--sysctl",
      "net.core.somaxconn=1024",
      "--env",
      "LOG_LEVEL=info",
      "--env",
      "DB_PASSWORD",
      REF,
    ]);
    // The secret reaches docker through its environment, never its argv.
    expect(calls).toContainEqual(["ENV:DB_PASSWORD", "secret-for:/phoenix/prod/DB_PASSWORD"]);
  });

  it("mounts scratch tmpfs only when the root filesystem is read-only", () => {
    expect(renderUserData(INPUT)).not.toContain("--read-only");
    const ro = renderUserData({
      ...INPUT,
      runtime: { readOnlyRootFilesystem: true, scratch: ["/var/cache/web", "/tmp"] },
    });
    const run = runWithFakes(ro).calls.find((c) => c[1] === "run")!;
    expect(run.slice(run.indexOf("--read-only"), -1)).toEqual([
      "--read-only",
      "--tmpfs",
      "/tmp:rw,noexec,nosuid",
      "--tmpfs",
      "/var/cache/web:rw,noexec,nosuid",
    ]);
  });

  it("fails the boot loudly when the AMI lacks the AWS CLI", () => {
    const { status, stderr, calls } = runWithFakes(renderUserData(INPUT), { withoutAws: true });
    expect(status).toBe(1);
    expect(stderr).toContain("AWS CLI v2 is not installed on this AMI");
    expect(calls.some((c) => c[1] === "run")).toBe(false);
  });

  it("passes env values through exactly, whatever shell syntax they hold", () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: "binary", maxLength: 40 })
          .filter((s) => !/[\u0000-\u001f\u007f]/.test(s)),
        (value) => {
          const run = runWithFakes(
            renderUserData({ ...INPUT, secrets: [], env: { V: value } }),
          ).calls.find((c) => c[1] === "run")!;
          expect(run).toContain(`V=${value}`);
          expect(run.at(-1)).toBe(REF);
        },
      ),
      {
        numRuns: 40,
        examples: [["$(touch /tmp/pwned)"], ["'; reboot; echo '"], ["`id`"], ["a\\"], ["${PATH}"]],
      },
    );
  });

  it("refuses a tag reference, a control character, a host-wide sysctl and a secret also in env", () => {
    expect(() =>
      renderUserData({
        ...INPUT,
        imageRef: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v3.4.1",
        env: { LOG_LEVEL: "info\ndocker run evil", DB_PASSWORD: "x" },
        sysctls: { "vm.swappiness": "1" },
      }),
    ).toThrow(
      new RegExp(
        [
          "imageRef: must be an image reference by digest",
          "config\\.env\\.LOG_LEVEL: control characters and newlines are not allowed",
          "config\\.sysctls\\.vm\\.swappiness: Docker only sets namespaced sysctls",
          "secrets: DB_PASSWORD is also set in config\\.env",
        ].join("[\\s\\S]*"),
      ),
    );
  });

  it("accepts the issue's example", () => {
    expect(userDataProblems(INPUT)).toEqual([]);
  });
});

describe("shQuote", () => {
  it("round-trips any string without NUL through bash", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "binary", maxLength: 30 }).filter((s) => !s.includes("\0")),
          { maxLength: 20 },
        ),
        (values) => {
          const out = execFileSync("/bin/bash", [
            "-c",
            `printf '%s\\0' ${values.map(shQuote).join(" ")}`,
          ]).toString();
          expect(values.length === 0 ? [] : out.split("\0").slice(0, -1)).toEqual(values);
        },
      ),
      { numRuns: 50 },
    );
  });
});
