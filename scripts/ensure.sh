#!/usr/bin/env bash
# Everything `npm run dev` and `npm test` need, done only where missing, so both work on a fresh clone of
# a fresh machine and stay fast once everything is there:
#   1. Node dependencies: `npm ci` when node_modules is missing or older than package-lock.json;
#   2. `npm run setup`'s steps (the Pulumi CLI, a Docker engine, the base image, the registry, moto),
#      each of which checks first and does only what is missing.
#   PHOENIX_SKIP_ENSURE=1   skip both (a caller that has just done them, e.g. .ci/run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ "${PHOENIX_SKIP_ENSURE:-}" = 1 ] && exit 0

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "==> node dependencies missing or out of date: npm ci"
  npm ci --no-audit --no-fund
fi
bash scripts/setup.sh
