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
# A pin Debian's archive has dropped stops here, before any build, with the one command that fixes it
# (an image already built is reused by its hash and needs no archive).
spec="$(pulumi config get phoenix:spec --stack dev 2>/dev/null || echo images/web.yaml)"
for s in "$spec" images/frontdoor.yaml; do
  npx phoenix pins check --if-unbuilt "$s" >/dev/null || { npx phoenix pins check "$s" >&2; exit 1; }
done
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
