/**
 * The boot script of an AWS fleet instance: log in to ECR with the instance role, read the spec's
 * secrets from SSM at boot, and start the image BY DIGEST with the spec's sysctls, env and runtime
 * settings. Pure: no Pulumi, no AWS SDK; the component base64-encodes the result.
 *
 * Host OS: the pinned AMI (stack config `amiId`) ships bash, curl, systemd and Docker, e.g. the
 * Amazon ECS-optimized Amazon Linux 2023 AMI. That AMI has no AWS CLI: its build recipe
 * (github.com/aws/amazon-ecs-ami, al2023.pkr.hcl and release-al2023.auto.pkrvars.hcl) starts from
 * `al2023-ami-minimal-*` and installs only amazon-efs-utils, amazon-ssm-agent,
 * amazon-ec2-net-utils, acpid, iproute-tc, ec2-instance-connect, Docker, containerd, runc and
 * ecs-init. So when `aws` is missing the script installs `awscli-2` with dnf from the AMI's own
 * repository version, which pins it: "every AL2023 AMI by default is locked to a specific repository
 * version. This is also true for the AL2023 Amazon ECS optimized AMI"
 * (https://docs.aws.amazon.com/linux/al2023/ug/ecs.html). Without Docker, or without both `aws` and
 * `dnf`, the boot fails loudly (on the instance console, see bootPrelude.ts), so the instance never
 * turns healthy and the new fleet never replaces the old one.
 */
import { DIGEST_REFERENCE_RE, LABELS, specHashProblem } from "../core/identifiers";
import { BOOT_PRELUDE } from "./bootPrelude";
import { reservedSecretNameProblem } from "./bootVariables";
import { SCRATCH_TMPFS_OPTIONS } from "../image/render";
import { checkSysctlKey } from "../spec/specRules";

/** Everything the boot script depends on; all plain values, already resolved. */
export interface UserDataInput {
  /** Spec name; names the container. */
  readonly name: string;
  /** Image reference by digest: `<registry>/<repo>@sha256:<64 hex>`. A tag is refused. */
  readonly imageRef: string;
  /** Spec hash (64 hex); put on the container as a label. */
  readonly specHash: string;
  /** AWS region of the registry and the SSM parameters. */
  readonly region: string;
  /** App port; published on the host at the same number (the load balancer targets it). */
  readonly port: number;
  /** Non-secret environment from the spec. */
  readonly env: Readonly<Record<string, string>>;
  /** Kernel parameters, applied to the container's namespaces with `--sysctl`. */
  readonly sysctls: Readonly<Record<string, string>>;
  /**
   * Secret NAMES; each value is read at boot from the SSM SecureString `<ssmPrefix>/<NAME>`, at the
   * version in {@link secretVersions}.
   */
  readonly secrets: readonly string[];
  /**
   * SSM parameter version of each secret, by NAME (the versions the release id is made from): the
   * boot reads exactly these (`name:version`), never the newest value, so a rotation reaches only
   * the release made for it.
   */
  readonly secretVersions: Readonly<Record<string, number>>;
  /** SSM path prefix of the stack's secrets, `/<project>/<stack>`. */
  readonly ssmPrefix: string;
  /** Runtime options from the spec. */
  readonly runtime: {
    readonly readOnlyRootFilesystem: boolean;
    readonly scratch: readonly string[];
  };
  /** SIGTERM -> SIGKILL grace when the instance is drained and stopped. */
  readonly stopGraceSeconds: number;
  /** CloudWatch Logs group of the fleet: the container's logs and the boot's own steps go there. */
  readonly logGroupName: string;
}

/**
 * EC2's limit on user data: "User data is limited to 16 KB, in raw form, before it is
 * base64-encoded." (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html)
 */
export const USER_DATA_MAX_BYTES = 16 * 1024;

/** The kernel console: what `GetConsoleOutput` shows (see bootPrelude.ts). */
export const CONSOLE_DEVICE = "/dev/console";

const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SSM_PREFIX = /^(?:\/[A-Za-z0-9_.-]+)+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const LOG_GROUP = /^[A-Za-z0-9._/#-]{1,512}$/;

/**
 * Sysctls Docker accepts inside a container's namespaces (docker run reference). Anything else fails
 * `docker run` at boot, so it is refused here, at preview time.
 */
const NAMESPACED_SYSCTL = [
  /^kernel\.(?:msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/,
  /^fs\.mqueue\./,
  /^net\./,
];

/** Quote a value for POSIX sh: single quotes, with embedded single quotes closed and escaped. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Every problem with the input, as `<field>: <message>` lines; empty when the input is usable. */
export function userDataProblems(input: UserDataInput): string[] {
  const problems: string[] = [];
  const text = (field: string, value: string): void => {
    if (CONTROL.test(value))
      problems.push(
        `${field}: control characters and newlines are not allowed, got ${JSON.stringify(value)}`,
      );
  };
  if (!DIGEST_REFERENCE_RE.test(input.imageRef)) {
    problems.push(
      `imageRef: must be an image reference by digest (<registry>/<repo>@sha256:<64 hex>), got ${JSON.stringify(input.imageRef)}`,
    );
  }
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(input.name))
    problems.push(`name: must match [a-z][a-z0-9-]{0,39}, got ${JSON.stringify(input.name)}`);
  const hashProblem = specHashProblem("specHash", input.specHash);
  if (hashProblem) problems.push(hashProblem);
  if (!REGION.test(input.region))
    problems.push(
      `region: must be an AWS region like eu-west-1, got ${JSON.stringify(input.region)}`,
    );
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
    problems.push(`app.port: must be 1..65535, got ${input.port}`);
  if (!Number.isInteger(input.stopGraceSeconds) || input.stopGraceSeconds < 0) {
    problems.push(
      `app.stopGraceSeconds: must be a whole number of seconds >= 0, got ${input.stopGraceSeconds}`,
    );
  }
  if (!LOG_GROUP.test(input.logGroupName))
    problems.push(
      `logGroupName: must be a CloudWatch Logs group name ([A-Za-z0-9._/#-], 1-512), got ${JSON.stringify(input.logGroupName)}`,
    );
  if (!SSM_PREFIX.test(input.ssmPrefix))
    problems.push(
      `ssmPrefix: must be an absolute SSM path like /phoenix/prod, got ${JSON.stringify(input.ssmPrefix)}`,
    );
  for (const [key, value] of Object.entries(input.env)) {
    if (!ENV_KEY.test(key))
      problems.push(`config.env.${key}: must be a valid environment variable name`);
    text(`config.env.${key}`, value);
  }
  for (const [key, value] of Object.entries(input.sysctls)) {
    // The spec's grammar (dotted names only), which the namespaced list below is written in.
    const keyProblem = checkSysctlKey(key);
    if (keyProblem) problems.push(`config.sysctls.${key}: ${keyProblem}`);
    else if (!NAMESPACED_SYSCTL.some((re) => re.test(key))) {
      problems.push(
        `config.sysctls.${key}: Docker only sets namespaced sysctls in a container (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*); set host-wide ones in the AMI`,
      );
    }
    text(`config.sysctls.${key}`, value);
  }
  for (const secret of input.secrets) {
    if (!SECRET_NAME.test(secret)) {
      problems.push(`secrets: ${JSON.stringify(secret)} must match [A-Z_][A-Z0-9_]*`);
      continue;
    }
    const reserved = reservedSecretNameProblem(secret);
    if (reserved) problems.push(reserved);
    if (Object.prototype.hasOwnProperty.call(input.env, secret))
      problems.push(`secrets: ${secret} is also set in config.env; keep it in one place`);
    const version = Object.prototype.hasOwnProperty.call(input.secretVersions, secret)
      ? input.secretVersions[secret]
      : undefined;
    if (!Number.isInteger(version) || (version as number) < 1) {
      problems.push(
        `secrets.${secret}: needs the SSM parameter version the release reads (a whole number >= 1), got ${JSON.stringify(version)}`,
      );
    }
  }
  input.runtime.scratch.forEach((path, i) => {
    if (!path.startsWith("/") || path.split("/").includes(".."))
      problems.push(
        `runtime.scratch[${i}]: must be an absolute path without "..", got ${JSON.stringify(path)}`,
      );
    text(`runtime.scratch[${i}]`, path);
  });
  if (problems.length === 0) {
    const size = new TextEncoder().encode(bootScript(input)).length;
    if (size > USER_DATA_MAX_BYTES) {
      problems.push(
        `userData: the boot script is ${size} bytes, over EC2's ${USER_DATA_MAX_BYTES} (16 KB, before base64); ` +
          "it grows with config.env, config.sysctls and secrets: move large values into a file of the " +
          "image (the spec's config:) or read them at run time",
      );
    }
  }
  return problems;
}

/**
 * Render the instance boot script (bash). Secret values never appear in it: each is read from SSM
 * into the environment of the `docker run` process and passed with `-e NAME` (no value on the
 * command line, so not in `ps` or in cloud-init logs).
 * @throws Error listing every problem with the input, one `<field>: <message>` per line.
 */
export function renderUserData(input: UserDataInput): string {
  const problems = userDataProblems(input);
  if (problems.length > 0) throw new Error(`cannot render user data:\n${problems.join("\n")}`);
  return bootScript(input);
}

/** The boot script of an input {@link userDataProblems} accepted. */
function bootScript(input: UserDataInput): string {
  const registry = input.imageRef.split("/")[0];
  const container = `phoenix-${input.name}`;
  // Keys are unique, so the default (UTF-16 code unit) order needs no comparator.
  const sorted = <T>(o: Readonly<Record<string, T>>): [string, T][] =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  const secrets = [...input.secrets].sort();

  const run: string[] = [
    "docker run --detach",
    `--name ${shQuote(container)}`,
    "--restart unless-stopped",
    `--stop-timeout ${input.stopGraceSeconds}`,
    `--publish ${input.port}:${input.port}`,
    "--log-driver awslogs",
    // Whole words in double quotes: the policy pack's boot-script reader splits on quotes.
    '--log-opt "awslogs-region=$REGION"',
    '--log-opt "awslogs-group=$LOG_GROUP"',
    // The container name is [a-z0-9-] (userDataProblems checks the spec name).
    `--log-opt "awslogs-stream=$INSTANCE_ID/${container}"`,
    `--label ${shQuote(`${LABELS.specHash}=${input.specHash}`)}`,
    ...sorted(input.sysctls).map(([k, v]) => `--sysctl ${shQuote(`${k}=${v}`)}`),
    ...sorted(input.env).map(([k, v]) => `--env ${shQuote(`${k}=${v}`)}`),
    ...secrets.map((name) => `--env ${name}`),
    ...(input.runtime.readOnlyRootFilesystem
      ? [
          "--read-only",
          ...[...input.runtime.scratch]
            .sort()
            .map((p) => `--tmpfs ${shQuote(`${p}:${SCRATCH_TMPFS_OPTIONS}`)}`),
        ]
      : []),
    shQuote(input.imageRef),
  ];

  const lines = [
    "#!/bin/bash",
    "# Phoenix boot script: starts one immutable image by digest. Never patched in place.",
    "# Every step logs to the console and to CloudWatch Logs <LOG_GROUP>/<instance-id>/boot.",
    // -E: the ERR trap that records the failing line also fires inside functions and $(...).
    "set -Eeuo pipefail",
    `REGION=${shQuote(input.region)}`,
    `LOG_GROUP=${shQuote(input.logGroupName)}`,
    `IMAGE=${shQuote(input.imageRef)}`,
    `CONSOLE=${CONSOLE_DEVICE}`,
    ...BOOT_PRELUDE,
    "STEP=tools",
    "command -v docker >/dev/null || fail 'docker is not installed on this AMI; pin an AMI that ships Docker (e.g. ECS-optimized Amazon Linux 2023)'",
    "if ! command -v aws >/dev/null; then",
    "  command -v dnf >/dev/null || fail 'the AWS CLI is not installed and this AMI has no dnf to install it; pin an Amazon Linux 2023 AMI (e.g. ECS-optimized) or one that ships AWS CLI v2'",
    "  log 'installing awscli-2 from the Amazon Linux repository version this AMI is locked to'",
    "  retry 'dnf install awscli-2' dnf install --assumeyes --quiet awscli-2",
    "fi",
    "STEP=log-stream",
    'retry "creating log stream $BOOT_STREAM in $LOG_GROUP" aws logs create-log-stream --region "$REGION" --log-group-name "$LOG_GROUP" --log-stream-name "$BOOT_STREAM"',
    "LOGS_READY=1",
    'log "instance $INSTANCE_ID booting $IMAGE"',
    "STEP=docker",
    "systemctl enable --now docker",
    "STEP=ecr-login",
    `ecr_login() { aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin ${shQuote(registry)}; }`,
    'retry "ECR login" ecr_login',
    "STEP=pull",
    'retry "docker pull $IMAGE" docker pull "$IMAGE"',
    ...(secrets.length > 0 ? ["STEP=secrets"] : []),
    ...secrets.map((name) => {
      // GetParameter reads one version with "name:version" and fails, rather than falling back to
      // the newest, when that version does not exist
      // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html:
      // "To query by parameter version, use "Name": "name:version"."; Parameter Store user guide,
      // sysman-paramstore-versions.html: "If you specify the number for a version that doesn't
      // exist, the system returns an error rather than falling back to the latest").
      const param = `${input.ssmPrefix}/${name}:${input.secretVersions[name]}`;
      return `${name}="$(retry ${shQuote(`SSM read of ${param}`)} aws ssm get-parameter --region "$REGION" --with-decryption --name ${shQuote(param)} --query Parameter.Value --output text)"`;
    }),
    ...(secrets.length > 0 ? [`export ${secrets.join(" ")}`] : []),
    "STEP=run",
    `docker rm --force ${shQuote(container)} >/dev/null 2>&1 || true`,
    run.join(" \\\n  "),
    ...(secrets.length > 0 ? [`unset ${secrets.join(" ")}`] : []),
    "STEP=done",
    `log ${shQuote(`OK: ${container} is running`)}" $IMAGE"`,
    "",
  ];
  return lines.join("\n");
}
