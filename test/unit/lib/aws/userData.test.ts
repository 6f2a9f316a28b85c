import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOOT_SCRIPT_VARIABLES } from "../../../../lib/aws/bootVariables";
import {
  CONSOLE_DEVICE,
  USER_DATA_MAX_BYTES,
  UserDataInput,
  renderUserData,
  shQuote,
  userDataProblems,
} from "../../../../lib/aws/userData";
import { checkSysctlKey } from "../../../../lib/spec/specRules";

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
  secretVersions: { DB_PASSWORD: 7 },
  ssmPrefix: "/phoenix/prod",
  runtime: { readOnlyRootFilesystem: false, scratch: ["/tmp"] },
  stopGraceSeconds: 10,
  logGroupName: "/phoenix/phoenix/prod/web",
};

const INSTANCE = "i-0123456789abcdef0";

/** What a run of the boot script did. */
interface Run {
  /** Every invocation of a fake, as its argv (name first). */
  calls: string[][];
  status: number;
  stdout: string;
  stderr: string;
  /** The messages the script shipped to CloudWatch Logs (put-log-events), in order. */
  shipped: string[];
  /** The pauses the script asked `sleep` for, in seconds. */
  sleeps: string[];
  /** The lines the script wrote to the instance console (a file standing in for /dev/console). */
  console: string[];
}

/**
 * Run a rendered script with fake `docker`, `aws`, `curl`, `systemctl` and `sleep` on PATH. Each fake
 * appends its argv (unit-separator-delimited) to a log in one write, so the two ends of a pipe never
 * interleave their records; fake `curl` answers IMDSv2 with an instance id; fake
 * `aws ssm get-parameter` prints `secret-for:<name>`; fake `docker run` also records the value of
 * DB_PASSWORD it inherits; fake `sleep` returns at once. `failFirst` makes `<tool> <subcommand>`
 * (e.g. "docker pull", "aws ssm", "aws ecr") fail that many times before it succeeds. PATH holds only
 * the fakes, `cat` and `date`.
 */
function runWithFakes(
  script: string,
  opts: {
    withoutAws?: boolean;
    /** A fake `dnf` whose `install` puts the fake `aws` on PATH. */
    withDnf?: boolean;
    failFirst?: Record<string, number>;
  } = {},
): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "phoenix-userdata-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  const log = path.join(dir, "calls");
  const consoleFile = path.join(dir, "console");
  const consoleLine = `\nCONSOLE=${CONSOLE_DEVICE}\n`;
  expect(script).toContain(consoleLine);
  script = script.replace(consoleLine, `\nCONSOLE=${shQuote(consoleFile)}\n`);
  for (const [key, n] of Object.entries(opts.failFirst ?? {})) {
    fs.writeFileSync(path.join(dir, `fail-${key.replace(" ", "-")}`), String(n));
  }
  // A fake fails while its counter file (fail-<tool>-<subcommand>) holds a number above 0.
  const failing = (name: string) =>
    `f=${shQuote(dir)}/fail-${name}-"$1"; if [ -f "$f" ] && [ "$(cat "$f")" -gt 0 ]; then ` +
    `echo $(( $(cat "$f") - 1 )) > "$f"; echo "${name} $1: transient error" >&2; exit 1; fi`;
  const fake = (name: string, extra = "", where = bin) =>
    fs.writeFileSync(
      path.join(where, name),
      `#!/bin/bash\nprintf -v rec '%s\\x1f' ${name} "$@"; printf '%s\\n' "$rec" >> ${shQuote(log)}\n${failing(name)}\n${extra}\n`,
      { mode: 0o755 },
    );
  fake(
    "docker",
    'if [ "$1" = login ]; then cat > /dev/null; fi; if [ "$1" = run ]; then printf -v rec "%s\\x1f" ENV:DB_PASSWORD "${DB_PASSWORD-unset}"; printf "%s\\n" "$rec" >> ' +
      shQuote(log) +
      "; fi",
  );
  // The fake `aws` is made in dir; it is on PATH unless withoutAws, and `dnf install` puts it there.
  fake(
    "aws",
    'if [ "$1" = ssm ]; then for a in "$@"; do case "$a" in /*) echo "secret-for:$a";; esac; done; elif [ "$1" = ecr ]; then echo token; fi',
    dir,
  );
  if (!opts.withoutAws) fs.copyFileSync(path.join(dir, "aws"), path.join(bin, "aws"));
  if (opts.withDnf) {
    fake("dnf", `if [ "$1" = install ]; then cp ${shQuote(dir)}/aws ${shQuote(bin)}/aws; fi`);
  }
  fake(
    "curl",
    `case "$*" in *api/token*) echo imds-token;; *instance-id*) echo ${INSTANCE};; esac`,
  );
  fake("systemctl");
  fake("sleep");
  // Like `docker login --password-stdin`, the fake reads the password, so the pipe never breaks.
  for (const tool of ["cat", "date", "cp"]) {
    fs.symlinkSync(
      execFileSync("/bin/bash", ["-c", `command -v ${tool}`])
        .toString()
        .trim(),
      path.join(bin, tool),
    );
  }
  const file = path.join(dir, "user-data.sh");
  fs.writeFileSync(file, script, { mode: 0o755 });
  const result = spawnSync("/bin/bash", [file], { env: { PATH: bin } });
  const status = result.status ?? -1;
  const stdout = String(result.stdout);
  const stderr = String(result.stderr);
  const consoleLines = fs.existsSync(consoleFile)
    ? fs
        .readFileSync(consoleFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
  const calls = fs.existsSync(log)
    ? fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\x1f").slice(0, -1))
    : [];
  fs.rmSync(dir, { recursive: true, force: true });
  const shipped = calls
    .filter((c) => c[0] === "aws" && c[1] === "logs" && c[2] === "put-log-events")
    .map((c) => {
      expect(c.slice(c.indexOf("--log-group-name"), c.indexOf("--log-group-name") + 4)).toEqual([
        "--log-group-name",
        "/phoenix/phoenix/prod/web",
        "--log-stream-name",
        `${INSTANCE}/boot`,
      ]);
      const events = JSON.parse(c[c.indexOf("--log-events") + 1]) as { message: string }[];
      return events[0].message;
    });
  const sleeps = calls.filter((c) => c[0] === "sleep").map((c) => c[1]);
  return { calls, status, stdout, stderr, shipped, sleeps, console: consoleLines };
}

/** What a failed boot's last line says happens next. */
const NEXT = "this instance never turns healthy and is replaced; the previous fleet keeps serving";

/** 1-based number of the script line that is `text` once its indentation is trimmed. */
function lineOf(script: string, text: string): number {
  const lines = script.split("\n").map((l) => l.trim());
  expect(lines.filter((l) => l === text)).toHaveLength(1);
  return lines.indexOf(text) + 1;
}

// The input checks come first: Stryker stops at a mutant's first failing test, and these are fast
// where the boot-script runs below spawn bash.
describe("userDataProblems", () => {
  /** The problems of INPUT with one change, each reduced to its field (the text before ": "). */
  const fields = (change: Partial<UserDataInput>): string[] =>
    userDataProblems({ ...INPUT, ...change }).map((p) => p.slice(0, p.indexOf(": ")));

  it.each<[string, Partial<UserDataInput>, string[]]>([
    ["a name with an upper-case letter", { name: "Web" }, ["name"]],
    ["a name that starts with a digit", { name: "1web" }, ["name"]],
    ["a name of 41 characters", { name: `w${"e".repeat(40)}` }, ["name"]],
    ["a name with a trailing newline", { name: "web\n" }, ["name"]],
    ["a short spec hash", { specHash: "c".repeat(63) }, ["specHash"]],
    ["a region without its number", { region: "eu-west" }, ["region"]],
    ["a region with a prefix", { region: "xeu-west-1" }, ["region"]],
    ["a region with a suffix", { region: "eu-west-1x" }, ["region"]],
    ["port 0", { port: 0 }, ["app.port"]],
    ["port 65536", { port: 65536 }, ["app.port"]],
    ["a fractional port", { port: 80.5 }, ["app.port"]],
    ["a negative stop grace", { stopGraceSeconds: -1 }, ["app.stopGraceSeconds"]],
    ["a fractional stop grace", { stopGraceSeconds: 1.5 }, ["app.stopGraceSeconds"]],
    ["a log group with a space", { logGroupName: "/phoenix/my group" }, ["logGroupName"]],
    ["an empty log group", { logGroupName: "" }, ["logGroupName"]],
    ["a log group of 513 characters", { logGroupName: "a".repeat(513) }, ["logGroupName"]],
    ["a relative SSM prefix", { ssmPrefix: "phoenix/prod" }, ["ssmPrefix"]],
    ["an SSM prefix with a trailing /", { ssmPrefix: "/phoenix/prod/" }, ["ssmPrefix"]],
    ["an SSM prefix with a space", { ssmPrefix: "/phoenix/prod x" }, ["ssmPrefix"]],
    ["an env name with a dash", { env: { "LOG-LEVEL": "info" } }, ["config.env.LOG-LEVEL"]],
    ["an env name that starts with a digit", { env: { "1X": "1" } }, ["config.env.1X"]],
    ["a sysctl name without a dot", { sysctls: { somaxconn: "1" } }, ["config.sysctls.somaxconn"]],
    [
      "a sysctl name with an upper-case letter",
      { sysctls: { "net.core.Somaxconn": "1" } },
      ["config.sysctls.net.core.Somaxconn"],
    ],
    [
      "a host-wide kernel.* sysctl",
      { sysctls: { "kernel.pid_max": "1" } },
      ["config.sysctls.kernel.pid_max"],
    ],
    [
      "a kernel.shmmax look-alike",
      { sysctls: { "kernel.shmmaxx": "1" } },
      ["config.sysctls.kernel.shmmaxx"],
    ],
    [
      "a sysctl value with a newline",
      { sysctls: { "net.core.somaxconn": "1\nx" } },
      ["config.sysctls.net.core.somaxconn"],
    ],
    ["a lower-case secret name", { secrets: ["db_password"] }, ["secrets"]],
    ["a secret name with a dash", { secrets: ["DB-PASSWORD"] }, ["secrets"]],
    [
      "a relative scratch path",
      { runtime: { readOnlyRootFilesystem: true, scratch: ["tmp"] } },
      ["runtime.scratch[0]"],
    ],
    [
      "a scratch path with ..",
      { runtime: { readOnlyRootFilesystem: true, scratch: ["/tmp", "/var/../etc"] } },
      ["runtime.scratch[1]"],
    ],
    [
      "a scratch path with a tab",
      { runtime: { readOnlyRootFilesystem: true, scratch: ["/tmp\tx"] } },
      ["runtime.scratch[0]"],
    ],
  ])("names the field of %s", (_what, change, expected) => {
    expect(fields(change)).toEqual(expected);
  });

  it.each<[string, Partial<UserDataInput>]>([
    ["port 1", { port: 1 }],
    ["port 65535", { port: 65535 }],
    ["no stop grace", { stopGraceSeconds: 0 }],
    ["a one-character log group", { logGroupName: "w" }],
    ["a log group of 512 characters", { logGroupName: "a".repeat(512) }],
    ["a one-level SSM prefix", { ssmPrefix: "/phoenix" }],
    ["a region with three parts", { region: "us-gov-west-1" }],
    ["a one-character name", { name: "w" }],
    ["a name of 40 characters", { name: `w${"e".repeat(39)}` }],
    ["a lower-case env name", { env: { log_level: "info" } }],
    ["an env value with spaces and quotes", { env: { MOTD: `it's "fine" $HOME` } }],
    [
      "kernel.shmmax, kernel.sem and fs.mqueue.*",
      { sysctls: { "kernel.shmmax": "1", "kernel.sem": "1 2 3 4", "fs.mqueue.msg_max": "10" } },
    ],
    ["a secret name with digits", { secrets: ["_TOKEN2"], secretVersions: { _TOKEN2: 1 } }],
    [
      "a scratch path with dots in a name",
      { runtime: { readOnlyRootFilesystem: true, scratch: ["/var/cache/web..old"] } },
    ],
  ])("accepts %s", (_what, change) => {
    expect(userDataProblems({ ...INPUT, ...change })).toEqual([]);
  });

  it("accepts a boot script of exactly 16 KB and refuses one byte more, naming the size", () => {
    const padded = (n: number): UserDataInput => ({ ...INPUT, env: { PAD: "x".repeat(n) } });
    const base = new TextEncoder().encode(renderUserData(padded(0))).length;
    const fits = padded(USER_DATA_MAX_BYTES - base);
    expect(new TextEncoder().encode(renderUserData(fits)).length).toBe(16384);
    expect(userDataProblems(fits)).toEqual([]);
    expect(userDataProblems(padded(USER_DATA_MAX_BYTES - base + 1))).toEqual([
      "userData: the boot script is 16385 bytes, over EC2's 16384 (16 KB, before base64); it grows with config.env, config.sysctls and secrets: move large values into a file of the image (the spec's config:) or read them at run time",
    ]);
    // Bytes, not characters: a two-byte character counts twice.
    const twoBytes = { ...INPUT, env: { PAD: `${"x".repeat(USER_DATA_MAX_BYTES - base - 1)}é` } };
    expect(userDataProblems(twoBytes)).toHaveLength(1);
  });

  it.each([
    ["IMAGE", "the boot script's own variable"],
    ["REGION", "the boot script's own variable"],
    ["PATH", "a variable bash or the boot's tools (AWS CLI, curl, docker) read"],
    ["HTTPS_PROXY", "a variable bash or the boot's tools (AWS CLI, curl, docker) read"],
    ["_", "a variable bash or the boot's tools (AWS CLI, curl, docker) read"],
    ["AWS_ACCESS_KEY_ID", "in the AWS_* family bash or the boot's tools (AWS CLI, docker) read"],
    ["DOCKER_HOST", "in the DOCKER_* family bash or the boot's tools (AWS CLI, docker) read"],
    ["BASH_ENV", "in the BASH* family bash or the boot's tools (AWS CLI, docker) read"],
    ["LD_PRELOAD", "in the LD_* family bash or the boot's tools (AWS CLI, docker) read"],
  ])(
    "refuses a secret named %s, which the boot would overwrite, naming the rename",
    (name, what) => {
      expect(
        userDataProblems({ ...INPUT, secrets: [name], secretVersions: { [name]: 1 } }),
      ).toEqual([
        `secrets.${name}: ${name} is ${what}; the boot script reads each secret into a shell variable of its name, which would overwrite it. Rename the secret in the spec's secrets: (e.g. APP_${name}), read that name in the app, and set it with: pulumi config set --secret APP_${name} <value>`,
      ]);
    },
  );

  it("accepts secret names that only resemble the boot's variables", () => {
    for (const name of ["IMAGE_TAG", "APP_REGION", "MY_AWS_KEY", "PATHS"]) {
      expect(
        userDataProblems({ ...INPUT, secrets: [name], secretVersions: { [name]: 1 } }),
      ).toEqual([]);
    }
  });

  it("lists every variable the boot script assigns among the names a secret may not take", () => {
    const script = renderUserData({ ...INPUT, secrets: [] });
    const assigned = new Set(
      [...script.matchAll(/^\s*(?:local\s+)?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]),
    );
    expect([...assigned].sort()).toEqual([...BOOT_SCRIPT_VARIABLES].sort());
  });

  it("refuses a sysctl name written with slashes the way the spec does: as not dotted", () => {
    // The namespaced list (net.*, kernel.shm*, ...) is dotted, so net/ipv4/ip_forward used to pass
    // the name check and then be called host-wide.
    expect(userDataProblems({ ...INPUT, sysctls: { "net/ipv4/ip_forward": "1" } })).toEqual([
      `config.sysctls.net/ipv4/ip_forward: ${checkSysctlKey("net/ipv4/ip_forward")}`,
    ]);
    expect(checkSysctlKey("net/ipv4/ip_forward")).toMatch(/^must be a dotted kernel parameter/);
  });

  it("shows the bad value and every problem at once", () => {
    const problems = userDataProblems({ ...INPUT, port: 0, region: "mars", secrets: ["x y"] });
    expect(problems).toEqual([
      'region: must be an AWS region like eu-west-1, got "mars"',
      "app.port: must be 1..65535, got 0",
      'secrets: "x y" must match [A-Z_][A-Z0-9_]*',
    ]);
  });
});

describe("renderUserData", () => {
  it("logs in to ECR, reads secrets from SSM and runs the image by digest", () => {
    const { calls, status } = runWithFakes(renderUserData(INPUT));
    expect(status).toBe(0);
    expect(calls).toContainEqual(["systemctl", "enable", "--now", "docker"]);
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
      "/phoenix/prod/DB_PASSWORD:7",
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
      "--log-driver",
      "awslogs",
      "--log-opt",
      "awslogs-region=eu-west-1",
      "--log-opt",
      "awslogs-group=/phoenix/phoenix/prod/web",
      "--log-opt",
      `awslogs-stream=${INSTANCE}/phoenix-web`,
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
    expect(calls).toContainEqual(["ENV:DB_PASSWORD", "secret-for:/phoenix/prod/DB_PASSWORD:7"]);
  });

  it("logs every step to <instance-id>/boot in the fleet's log group, ending with OK", () => {
    const { calls, status, shipped, sleeps } = runWithFakes(renderUserData(INPUT));
    expect(status).toBe(0);
    expect(calls).toContainEqual([
      "aws",
      "logs",
      "create-log-stream",
      "--region",
      "eu-west-1",
      "--log-group-name",
      "/phoenix/phoenix/prod/web",
      "--log-stream-name",
      `${INSTANCE}/boot`,
    ]);
    expect(shipped).toEqual([
      `phoenix boot [log-stream]: instance ${INSTANCE} booting ${REF}`,
      `phoenix boot [done]: OK: phoenix-web is running ${REF}`,
    ]);
    expect(sleeps).toEqual([]);
  });

  it("retries ECR login, the pull and SSM reads with backoff, logging each retry", () => {
    const { status, shipped, sleeps, calls } = runWithFakes(renderUserData(INPUT), {
      failFirst: { "aws ecr": 2, "docker pull": 3, "aws ssm": 1 },
    });
    expect(status).toBe(0);
    expect(sleeps).toEqual(["2", "4", "2", "4", "8", "2"]);
    expect(shipped).toEqual([
      `phoenix boot [log-stream]: instance ${INSTANCE} booting ${REF}`,
      "phoenix boot [ecr-login]: ECR login failed (attempt 1 of 5), retrying in 2s",
      "phoenix boot [ecr-login]: ECR login failed (attempt 2 of 5), retrying in 4s",
      `phoenix boot [pull]: docker pull ${REF} failed (attempt 1 of 5), retrying in 2s`,
      `phoenix boot [pull]: docker pull ${REF} failed (attempt 2 of 5), retrying in 4s`,
      `phoenix boot [pull]: docker pull ${REF} failed (attempt 3 of 5), retrying in 8s`,
      "phoenix boot [secrets]: SSM read of /phoenix/prod/DB_PASSWORD:7 failed (attempt 1 of 5), retrying in 2s",
      `phoenix boot [done]: OK: phoenix-web is running ${REF}`,
    ]);
    expect(calls).toContainEqual(["ENV:DB_PASSWORD", "secret-for:/phoenix/prod/DB_PASSWORD:7"]);
  });

  it("gives up on a pull after 5 attempts and ends the boot log with the failing line", () => {
    const script = renderUserData(INPUT);
    const { status, shipped, sleeps, calls, stderr, console } = runWithFakes(script, {
      failFirst: { "docker pull": 99 },
    });
    expect(status).toBe(1);
    expect(sleeps).toEqual(["2", "4", "8", "16"]);
    const pull = 'retry "docker pull $IMAGE" docker pull "$IMAGE"';
    expect(shipped.slice(-2)).toEqual([
      `phoenix boot [pull]: docker pull ${REF} failed 5 times, giving up`,
      `phoenix boot [pull]: BOOT FAILED (exit 1) at line ${lineOf(script, pull)}: ${pull}: ${NEXT}`,
    ]);
    expect(stderr.trim().split("\n").at(-1)).toBe(shipped.at(-1));
    expect(console.slice(-2)).toEqual(shipped.slice(-2));
    expect(calls.some((c) => c[0] === "docker" && c[1] === "run")).toBe(false);
  });

  it("names the failing line of a step that is not retried, on the console and in the log", () => {
    const script = renderUserData(INPUT);
    const { status, shipped, console } = runWithFakes(script, {
      failFirst: { "systemctl enable": 1 },
    });
    expect(status).toBe(1);
    const line = "systemctl enable --now docker";
    const last = `phoenix boot [docker]: BOOT FAILED (exit 1) at line ${lineOf(script, line)}: ${line}: ${NEXT}`;
    expect(shipped.at(-1)).toBe(last);
    expect(console.at(-1)).toBe(last);
  });

  it("names the failing docker run without any secret value it was started with", () => {
    const script = renderUserData(INPUT);
    const { status, shipped, console, stderr, calls } = runWithFakes(script, {
      failFirst: { "docker run": 1 },
    });
    expect(status).toBe(1);
    expect(calls.some((c) => c[0] === "docker" && c[1] === "run")).toBe(true);
    expect(shipped.at(-1)).toBe(
      `phoenix boot [run]: BOOT FAILED (exit 1) at line ${lineOf(script, "docker run --detach \\")}: docker run --detach \\: ${NEXT}`,
    );
    expect(`${shipped.join("\n")}${console.join("\n")}${stderr}`).not.toContain("secret-for:");
  });

  it("fails at the secrets step when SSM stays unreachable, without logging a secret", () => {
    const { status, shipped, stderr } = runWithFakes(renderUserData(INPUT), {
      failFirst: { "aws ssm": 99 },
    });
    expect(status).toBe(1);
    expect(shipped.at(-2)).toBe(
      "phoenix boot [secrets]: SSM read of /phoenix/prod/DB_PASSWORD:7 failed 5 times, giving up",
    );
    expect(shipped.at(-1)).toMatch(/^phoenix boot \[secrets\]: BOOT FAILED \(exit 1\)/);
    expect(`${shipped.join("\n")}${stderr}`).not.toContain("secret-for:");
  });

  it("reads each secret at the release's own SSM version, never the newest value", () => {
    const pinned = (versions: Record<string, number>) =>
      runWithFakes(renderUserData({ ...INPUT, secretVersions: versions }))
        .calls.filter((c) => c[0] === "aws" && c[1] === "ssm")
        .map((c) => c[c.indexOf("--name") + 1]);
    expect(pinned({ DB_PASSWORD: 3 })).toEqual(["/phoenix/prod/DB_PASSWORD:3"]);
    expect(pinned({ DB_PASSWORD: 4 })).toEqual(["/phoenix/prod/DB_PASSWORD:4"]);
  });

  it("refuses a secret without the SSM version its release reads, naming the secret", () => {
    expect(userDataProblems({ ...INPUT, secretVersions: {} })).toEqual([
      "secrets.DB_PASSWORD: needs the SSM parameter version the release reads (a whole number >= 1), got undefined",
    ]);
    expect(userDataProblems({ ...INPUT, secretVersions: { DB_PASSWORD: 0 } })).toHaveLength(1);
    expect(userDataProblems({ ...INPUT, secretVersions: { DB_PASSWORD: 1.5 } })).toHaveLength(1);
  });

  it("starts with #!/bin/bash: cloud-init runs user data as a script only after a #! line", () => {
    expect(renderUserData(INPUT).split("\n")[0]).toBe("#!/bin/bash");
  });

  it("orders env, sysctls and secrets by name, so the same spec renders the same script", () => {
    const input: UserDataInput = {
      ...INPUT,
      env: { B_MODE: "2", A_MODE: "1", C_MODE: "3" },
      sysctls: { "net.ipv4.b": "2", "net.core.somaxconn": "1", "net.ipv4.a": "3" },
      secrets: ["Z_TOKEN", "DB_PASSWORD", "A_TOKEN"],
      secretVersions: { Z_TOKEN: 3, DB_PASSWORD: 1, A_TOKEN: 12 },
    };
    const script = renderUserData(input);
    expect(
      renderUserData({
        ...input,
        env: { C_MODE: "3", A_MODE: "1", B_MODE: "2" },
        sysctls: { "net.ipv4.a": "3", "net.ipv4.b": "2", "net.core.somaxconn": "1" },
        secrets: ["A_TOKEN", "Z_TOKEN", "DB_PASSWORD"],
      }),
    ).toBe(script);
    const { calls, status } = runWithFakes(script);
    expect(status).toBe(0);
    const run = calls.find((c) => c[0] === "docker" && c[1] === "run")!;
    const values = (flag: string) => run.flatMap((a, i) => (run[i - 1] === flag ? [a] : []));
    expect(values("--sysctl")).toEqual(["net.core.somaxconn=1", "net.ipv4.a=3", "net.ipv4.b=2"]);
    expect(values("--env")).toEqual([
      "A_MODE=1",
      "B_MODE=2",
      "C_MODE=3",
      "A_TOKEN",
      "DB_PASSWORD",
      "Z_TOKEN",
    ]);
    const reads = calls
      .filter((c) => c[0] === "aws" && c[1] === "ssm")
      .map((c) => c[c.indexOf("--name") + 1]);
    expect(reads).toEqual([
      "/phoenix/prod/A_TOKEN:12",
      "/phoenix/prod/DB_PASSWORD:1",
      "/phoenix/prod/Z_TOKEN:3",
    ]);
  });

  it("without secrets reads nothing from SSM and prints nothing on stdout", () => {
    const { calls, status, stdout, shipped } = runWithFakes(
      renderUserData({ ...INPUT, secrets: [] }),
    );
    expect(status).toBe(0);
    expect(stdout).toBe("");
    expect(calls.some((c) => c[0] === "aws" && c[1] === "ssm")).toBe(false);
    expect(calls.find((c) => c[1] === "run")).not.toContain("DB_PASSWORD");
    expect(shipped.at(-1)).toBe(`phoenix boot [done]: OK: phoenix-web is running ${REF}`);
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
      "/tmp:rw,noexec,nosuid,nodev,uid=10001,gid=10001",
      "--tmpfs",
      "/var/cache/web:rw,noexec,nosuid,nodev,uid=10001,gid=10001",
    ]);
  });

  it("installs awscli-2 with dnf when the AMI lacks the AWS CLI (the ECS-optimized AL2023 AMI), then boots", () => {
    const { status, calls, shipped, console } = runWithFakes(renderUserData(INPUT), {
      withoutAws: true,
      withDnf: true,
    });
    expect(status).toBe(0);
    const install = calls.findIndex((c) => c[0] === "dnf");
    expect(calls[install]).toEqual(["dnf", "install", "--assumeyes", "--quiet", "awscli-2"]);
    expect(calls.findIndex((c) => c[0] === "aws")).toBeGreaterThan(install);
    expect(console[0]).toBe(
      "phoenix boot [tools]: installing awscli-2 from the Amazon Linux repository version this AMI is locked to",
    );
    expect(shipped.at(-1)).toBe(`phoenix boot [done]: OK: phoenix-web is running ${REF}`);
  });

  it("fails the boot on the instance console when the AMI has neither the AWS CLI nor dnf", () => {
    const script = renderUserData(INPUT);
    const { status, stderr, calls, console, shipped } = runWithFakes(script, {
      withoutAws: true,
    });
    expect(status).toBe(1);
    const why =
      "the AWS CLI is not installed and this AMI has no dnf to install it; pin an Amazon Linux 2023 AMI (e.g. ECS-optimized) or one that ships AWS CLI v2";
    const check = `command -v dnf >/dev/null || fail '${why}'`;
    const lines = [
      `phoenix boot [tools]: ${why}`,
      `phoenix boot [tools]: BOOT FAILED (exit 1) at line ${lineOf(script, check)}: ${check}: ${NEXT}`,
    ];
    // No log stream without the CLI: the console (GetConsoleOutput) is where a user reads this.
    expect(shipped).toEqual([]);
    expect(console).toEqual(lines);
    expect(stderr.trim().split("\n")).toEqual(lines);
    expect(calls.some((c) => c[1] === "run")).toBe(false);
  });

  it("writes every boot log line to the instance console as well", () => {
    const { status, shipped, console } = runWithFakes(renderUserData(INPUT));
    expect(status).toBe(0);
    expect(console).toEqual(shipped);
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

  it("throws every problem on its own line under one heading", () => {
    const bad: UserDataInput = { ...INPUT, port: 0, region: "mars", secrets: ["x y"] };
    expect(() => renderUserData(bad)).toThrow(
      ["cannot render user data:", ...userDataProblems(bad)].join("\n"),
    );
    expect(userDataProblems(bad)).toHaveLength(3);
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
