#!/usr/bin/env bash
# `npm run dev`: everything the dev stack needs (scripts/ensure.sh: Node dependencies and the setup
# steps, each only when missing), then deploy the dev stack (target local) with the real engine and
# print the front door's URL and what it answers. Extra arguments go to `pulumi up`.
set -euo pipefail
bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/ensure.sh"
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/env.sh"
cd "$PHOENIX_ROOT"
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
