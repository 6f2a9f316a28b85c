/**
 * Spec -> Dockerfile, a pure function. Layers go from least to most often changed so the builder's
 * cache holds: base, pinned packages, user, app, config, metadata. Every spec value is re-checked
 * here (defence in depth) and quoted for the exact place it lands, so no value can break out of
 * its line or smuggle in an instruction.
 */
import { LoadedSpec } from "../spec/spec";
import * as rules from "../spec/specRules";
import { LABELS, isSpecHash } from "../core/identifiers";
import { MANIFEST_STEP } from "./manifest";

/** Where the app tree is copied in the image; also the working directory. */
export const APP_DIR = "/opt/app";
/** The fixed uid/gid the app runs as. */
export const APP_UID = 10001;
/**
 * Mount options of every `runtime.scratch` tmpfs on both targets: owned by the app user, since Docker
 * copies the image directory's owner up (root for /var/lib/<app>, /run, ...) and a server that runs as
 * the app user could not write its own scratch otherwise; never executable, no set-uid, no devices.
 */
export const SCRATCH_TMPFS_OPTIONS = `rw,noexec,nosuid,nodev,uid=${APP_UID},gid=${APP_UID}`;
/** Documents the spec's kernel parameters inside the image; the runtime applies them. */
export const SYSCTL_FILE = "/etc/sysctl.d/99-phoenix.conf";

/**
 * The health probe uses bash's /dev/tcp: bash is Essential in every Debian image, so the check needs
 * neither curl nor the app's runtime, and the port and path reach it as argv, never as script text.
 * Any 2xx status line passes.
 */
const PROBE_SCRIPT =
  'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1; ' +
  "printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' \"$2\" >&3; " +
  'IFS= read -r status <&3; case "$status" in "HTTP/1."[01]" 2"[0-9][0-9]" "*) exit 0;; esac; exit 1';

/** Throws unless `value` passes `check` (after the control-character check). */
function safe(field: string, value: string, check: rules.Check = rules.anyText): string {
  const problem = rules.noControlChars(value) ?? check(value);
  if (problem) throw new Error(`renderDockerfile: ${field}: ${problem}`);
  return value;
}

function safeInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `renderDockerfile: ${field}: must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

/** A Dockerfile double-quoted word: `\`, `"` and `$` escaped so ENV/LABEL never expand variables. */
export function dockerQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, "\\$&")}"`;
}

/** A POSIX shell single-quoted word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * Renders the Dockerfile for a loaded spec. The context it expects is `app/...` and `config/<i>`
 * (see contextFiles). The git commit comes in as the GIT_COMMIT build arg, so neither this text nor
 * the hash depends on it. Throws a plain Error if any value is unsafe.
 */
export function renderDockerfile(loaded: LoadedSpec, hash: string): string {
  const { spec } = loaded;
  if (!isSpecHash(hash))
    throw new Error(`renderDockerfile: hash must be 64 lowercase hex, got ${JSON.stringify(hash)}`);
  const out: string[] = [
    "# Rendered by phoenix from an image spec. Do not edit: change the spec and render again.",
    `FROM ${safe("base", spec.base, rules.checkBase)}`,
  ];

  const pkgs = Object.entries(spec.packages).map(
    ([name, version]) =>
      `${safe(`packages.${name}`, name, rules.checkPackageName)}=${safe(`packages.${name}`, version, rules.checkPackageVersion)}`,
  );
  if (pkgs.length > 0) {
    out.push(
      "RUN apt-get update \\",
      " && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\",
      ...pkgs.map((p) => `      ${shellQuote(p)} \\`),
      " && rm -rf /var/lib/apt/lists/*",
    );
  }

  out.push(
    `RUN groupadd --gid ${APP_UID} phoenix \\`,
    ` && useradd --uid ${APP_UID} --gid ${APP_UID} --no-log-init --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin phoenix`,
    "# The app tree is owned by root and only readable by the app user.",
    `COPY app/ ${APP_DIR}/`,
  );
  for (const c of loaded.configFiles) {
    const target = safe(`config.files.${c.target}`, c.target, rules.checkImagePath);
    const from = safe("contextPath", c.contextPath, (v) =>
      /^config\/\d+$/.test(v) ? undefined : "must be config/<i>",
    );
    out.push(`COPY ${JSON.stringify([from, target])}`);
  }

  const sysctls = Object.entries(spec.config.sysctls).map(
    ([k, v]) =>
      `${safe(`config.sysctls.${k}`, k, rules.checkSysctlKey)} = ${safe(`config.sysctls.${k}`, v)}`,
  );
  if (sysctls.length > 0) {
    out.push(
      "# Kernel parameters from the spec, for the record: the runtime applies them to the container.",
      `RUN mkdir -p /etc/sysctl.d && printf '%s\\n' ${sysctls.map(shellQuote).join(" ")} > ${SYSCTL_FILE}`,
    );
  }

  out.push(
    "# Last filesystem step: the installed packages, from dpkg's database, recorded inside the image.",
    ...MANIFEST_STEP,
  );

  const env: Array<[string, string]> = [
    ...Object.entries(spec.config.env).map(([k, v]): [string, string] => [
      safe(`config.env.${k}`, k, rules.checkEnvKey),
      safe(`config.env.${k}`, v),
    ]),
    ["PHOENIX_APP_NAME", safe("name", spec.name, rules.checkName)],
    ["PHOENIX_APP_VERSION", safe("app.version", spec.app.version, rules.checkAppVersion)],
    ["PHOENIX_PORT", String(safeInt("app.port", spec.app.port, 1, 65535))],
    ["PHOENIX_SPEC_HASH", hash],
  ];
  out.push(...env.map(([k, v]) => `ENV ${k}=${dockerQuote(v)}`));

  const h = spec.app.health;
  const probe = [
    "bash",
    "-c",
    PROBE_SCRIPT,
    "healthcheck",
    String(spec.app.port),
    safe("app.health.path", h.path, rules.checkHealthPath),
  ];
  out.push(
    `USER ${APP_UID}:${APP_UID}`,
    `WORKDIR ${APP_DIR}`,
    `EXPOSE ${spec.app.port}`,
    "# Health probe: bash's /dev/tcp, present in every Debian image; no curl, no dependence on the app runtime.",
    // Docker has no healthy threshold; the spec's threshold doubles as the failure count.
    `HEALTHCHECK --interval=${safeInt("app.health.intervalSeconds", h.intervalSeconds, 1, 300)}s` +
      ` --timeout=${safeInt("app.health.timeoutSeconds", h.timeoutSeconds, 1, 120)}s` +
      ` --retries=${safeInt("app.health.healthyThreshold", h.healthyThreshold, 1, 10)} CMD ${JSON.stringify(probe)}`,
    "STOPSIGNAL SIGTERM",
    "ARG GIT_COMMIT=unknown",
    `LABEL org.opencontainers.image.title=${dockerQuote(spec.name)}`,
    `LABEL org.opencontainers.image.version=${dockerQuote(spec.app.version)}`,
    'LABEL org.opencontainers.image.revision="${GIT_COMMIT}"',
    `LABEL org.opencontainers.image.base.name=${dockerQuote(spec.base)}`,
    `LABEL ${LABELS.name}=${dockerQuote(spec.name)}`,
    `LABEL ${LABELS.specHash}=${dockerQuote(hash)}`,
    `CMD ${JSON.stringify(spec.app.command.map((c, i) => safe(`app.command[${i}]`, c, rules.checkNonEmpty)))}`,
  );
  return `${out.join("\n")}\n`;
}
