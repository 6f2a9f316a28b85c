#!/usr/bin/env bash
# `npm run dev`: deploy the dev stack (target local) with the real engine, then print the front door's
# URL and what it answers. Run `npm run setup` once first. Extra arguments go to `pulumi up`.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/env.sh"
cd "$PHOENIX_ROOT"

if ! command -v pulumi >/dev/null 2>&1; then
  echo "dev: no 'pulumi' on PATH; run 'npm run setup' first" >&2
  exit 1
fi
pulumi stack select dev --create --non-interactive >/dev/null
if command -v pulumi-language-nodejs >/dev/null 2>&1; then
  pulumi up --yes --non-interactive --skip-preview --stack dev "$@"
else
  # No language host on this machine: the same program through the Automation API.
  npx tsx scripts/pulumi-run.ts up --stack dev
fi
url="$(pulumi stack output url --stack dev)"
echo "front door: $url"
curl -fsS --max-time 5 "$url/" && echo
