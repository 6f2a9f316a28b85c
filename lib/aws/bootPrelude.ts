/**
 * The shell functions every boot script starts with: one log line per step to the instance console
 * and to the fleet's CloudWatch Logs group, retries with backoff for what the network can fail, and
 * a clear last line when the boot fails, naming the script line and command that failed. Pure
 * text; `renderUserData` puts it after the variables REGION, LOG_GROUP, IMAGE and CONSOLE.
 *
 * The console is where a boot that fails before its log stream exists (no AWS CLI, no network)
 * still reaches a user without SSH: `aws ec2 get-console-output --instance-id <id> --latest`
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html: "For Linux
 * instances, the instance console output displays the exact console output that would normally be
 * displayed on a physical monitor attached to a computer.").
 */

/** Attempts of a retried step, and the first pause (doubled after every failure: 2, 4, 8, 16 s). */
export const RETRY_ATTEMPTS = 5;
export const RETRY_FIRST_DELAY_SECONDS = 2;

/** The prelude, as lines of bash. */
export const BOOT_PRELUDE: readonly string[] = [
  "STEP=start",
  "LOGS_READY=",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# The instance id names this boot's log streams: <instance-id>/boot and <instance-id>/<container>.",
  "imds() {",
  "  local token",
  "  token=\"$(curl -sf -m 2 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')\" &&",
  '    curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"',
  "}",
  'INSTANCE_ID="$(imds instance-id || echo unknown-instance)"',
  'BOOT_STREAM="$INSTANCE_ID/boot"',
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# The script line of the first command that fails (inside a function: its own line; for a",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# function that returns non-zero: the caller's).",
  "FAILED_AT=",
  "trap 'FAILED_AT=${FAILED_AT:-$LINENO}' ERR",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# script_line <n>: line n of this script as written (no variable expanded, so no secret value).",
  'script_line() { local -a lines; mapfile -t lines <"$0" && printf "%s" "${lines[$1 - 1]:-}"; }',
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# One line to stderr, the instance console and, once the boot stream exists, CloudWatch Logs.",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# Shipping a line is best effort: a log call never fails the boot.",
  "log() {",
  '  local line="phoenix boot [$STEP]: $*"',
  '  echo "$line" >&2',
  '  { echo "$line" >>"$CONSOLE"; } 2>/dev/null || true',
  '  [ -n "$LOGS_READY" ] || return 0',
  '  local m="${line//\\\\/\\\\\\\\}"',
  '  m="${m//\\"/\\\\\\"}"',
  '  aws logs put-log-events --region "$REGION" --log-group-name "$LOG_GROUP" \\',
  '    --log-stream-name "$BOOT_STREAM" \\',
  '    --log-events "[{\\"timestamp\\":$(date +%s%3N),\\"message\\":\\"$m\\"}]" >/dev/null 2>&1 || true',
  "}",
  'fail() { FAILED_AT="${BASH_LINENO[0]}"; log "$*"; exit 1; }',
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# retry <what> <command...>: runs the command until it succeeds, pausing 2, 4, 8, 16 s.",
  "retry() {",
  '  local what="$1" attempt=1 delay=' + String(RETRY_FIRST_DELAY_SECONDS),
  "  shift",
  '  until "$@"; do',
  `    if [ "$attempt" -ge ${RETRY_ATTEMPTS} ]; then`,
  '      log "$what failed $attempt times, giving up"',
  "      return 1",
  "    fi",
  `    log "$what failed (attempt $attempt of ${RETRY_ATTEMPTS}), retrying in \${delay}s"`,
  '    sleep "$delay"',
  "    attempt=$((attempt + 1))",
  "    delay=$((delay * 2))",
  "  done",
  "}",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# A failed boot ends with one clear line: the step, the exit status, the failing line and",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# command, and what happens next.",
  "on_exit() {",
  '  local rc=$? at="an unknown line" text',
  '  [ "$rc" -eq 0 ] && return 0',
  '  if [ -n "$FAILED_AT" ]; then',
  '    text="$(script_line "$FAILED_AT" 2>/dev/null || true)"',
  '    at="line $FAILED_AT: ${text#"${text%%[![:space:]]*}"}"',
  "  fi",
  '  log "BOOT FAILED (exit $rc) at $at: this instance never turns healthy and is replaced; the previous fleet keeps serving"',
  "}",
  "trap on_exit EXIT",
];
