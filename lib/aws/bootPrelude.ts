/**
 * The shell functions every boot script starts with: one log line per step to the console and to
 * the fleet's CloudWatch Logs group, retries with backoff for what the network can fail, and a
 * clear last line when the boot fails. Pure text; `renderUserData` puts it after the variables
 * REGION, LOG_GROUP and IMAGE.
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
  "# One line to the console and, once the boot stream exists, to CloudWatch Logs. Shipping a line",
  // Stryker disable next-line StringLiteral: a comment of the script; without it the script runs the same
  "# is best effort: a log call never fails the boot.",
  "log() {",
  '  local line="phoenix boot [$STEP]: $*"',
  '  echo "$line" >&2',
  '  [ -n "$LOGS_READY" ] || return 0',
  '  local m="${line//\\\\/\\\\\\\\}"',
  '  m="${m//\\"/\\\\\\"}"',
  '  aws logs put-log-events --region "$REGION" --log-group-name "$LOG_GROUP" \\',
  '    --log-stream-name "$BOOT_STREAM" \\',
  '    --log-events "[{\\"timestamp\\":$(date +%s%3N),\\"message\\":\\"$m\\"}]" >/dev/null 2>&1 || true',
  "}",
  'fail() { log "$*"; exit 1; }',
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
  "# A failed boot ends with one clear line: the step, the exit status, and what happens next.",
  "on_exit() {",
  "  local rc=$?",
  '  [ "$rc" -eq 0 ] && return 0',
  '  log "BOOT FAILED (exit $rc): this instance never turns healthy and is replaced; the previous fleet keeps serving"',
  "}",
  "trap on_exit EXIT",
];
