#!/usr/bin/env bash
# `npm run setup`: makes the real Pulumi engine and a Docker engine available on this machine, offline.
# Runs every scripts/setup.d/NN-*.sh in order (each one idempotent: it checks first and only does what is
# missing), so re-running is safe and fast. Other steps can be added as new numbered files.
#
#   PHOENIX_SETUP_ONLY="10 20"   run only the steps whose number is listed
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
mkdir -p "$ROOT/.tools/bin" "$ROOT/.tools/logs"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

total_start="$(now)"
for step in "$ROOT"/scripts/setup.d/[0-9]*.sh; do
  [ -e "$step" ] || continue
  name="$(basename "$step" .sh)"
  if [ -n "${PHOENIX_SETUP_ONLY:-}" ] && ! grep -qw "${name%%-*}" <<<"$PHOENIX_SETUP_ONLY"; then
    continue
  fi
  echo "==> setup: $name"
  step_start="$(now)"
  if ! bash "$step"; then
    echo "setup: step $name failed (see its output above); fix it and re-run 'npm run setup'" >&2
    exit 1
  fi
  echo "<== setup: $name done in $(elapsed "$step_start" "$(now)")s"
done
echo "setup: all steps done in $(elapsed "$total_start" "$(now)")s"
