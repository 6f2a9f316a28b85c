/**
 * Shell variable names a spec secret may not take on the aws target. The boot script reads each
 * secret into a shell variable of the secret's name and exports it for `docker run` (so its value
 * is never on a command line): a secret named like one of the script's own variables, a variable
 * bash gives meaning to, or one the AWS CLI, curl or docker read from the environment would
 * overwrite it and change what the boot does (a secret IMAGE would replace the image to run, PATH
 * would hide every tool, DOCKER_HOST would send the container elsewhere). Pure.
 */

/** The variables the boot script sets itself (userData.ts and bootPrelude.ts). */
export const BOOT_SCRIPT_VARIABLES = [
  "BOOT_STREAM",
  "CONSOLE",
  "FAILED_AT",
  "IMAGE",
  "INSTANCE_ID",
  "LOG_GROUP",
  "LOGS_READY",
  "REGION",
  "STEP",
] as const;

/** Variables bash and the C library give meaning to (bash(1) "Shell Variables", ld.so(8)). */
const SHELL_VARIABLES = [
  "_",
  "CDPATH",
  "DIRSTACK",
  "ENV",
  "EPOCHREALTIME",
  "EPOCHSECONDS",
  "EUID",
  "FUNCNAME",
  "GLOBIGNORE",
  "GROUPS",
  "HISTCMD",
  "HOME",
  "HOSTNAME",
  "HOSTTYPE",
  "IFS",
  "LANG",
  "LINENO",
  "MACHTYPE",
  "OLDPWD",
  "OPTARG",
  "OPTERR",
  "OPTIND",
  "OSTYPE",
  "PATH",
  "PIPESTATUS",
  "POSIXLY_CORRECT",
  "PPID",
  "PS1",
  "PS2",
  "PS4",
  "PWD",
  "RANDOM",
  "SECONDS",
  "SHELL",
  "SHELLOPTS",
  "SHLVL",
  "SRANDOM",
  "TERM",
  "TMPDIR",
  "TZ",
  "UID",
];

/** Variables the AWS CLI (Python), curl and docker read besides their prefixed ones. */
const TOOL_VARIABLES = [
  "ALL_PROXY",
  "CURL_CA_BUNDLE",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "SSL_CERT_DIR",
  "SSL_CERT_FILE",
];

/** Prefixes of variable families: bash's own, locales, the dynamic loader, the AWS CLI, docker. */
const RESERVED_PREFIXES = ["AWS_", "BASH", "DOCKER_", "LC_", "LD_", "PYTHON"];

const RESERVED = new Set<string>([...BOOT_SCRIPT_VARIABLES, ...SHELL_VARIABLES, ...TOOL_VARIABLES]);

/**
 * Why `name` cannot be a secret on the aws target, as `secrets.<NAME>: ...` with the fix, or
 * undefined when it can.
 */
export function reservedSecretNameProblem(name: string): string | undefined {
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  const what = RESERVED.has(name)
    ? BOOT_SCRIPT_VARIABLES.includes(name as (typeof BOOT_SCRIPT_VARIABLES)[number])
      ? "the boot script's own variable"
      : "a variable bash or the boot's tools (AWS CLI, curl, docker) read"
    : prefix
      ? `in the ${prefix}* family bash or the boot's tools (AWS CLI, docker) read`
      : undefined;
  if (!what) return undefined;
  return (
    `secrets.${name}: ${name} is ${what}; the boot script reads each secret into a shell ` +
    `variable of its name, which would overwrite it. Rename the secret in the spec's secrets: ` +
    `(e.g. APP_${name}), read that name in the app, and set it with: ` +
    `pulumi config set --secret APP_${name} <value>`
  );
}
