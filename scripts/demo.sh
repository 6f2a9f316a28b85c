#!/usr/bin/env bash
# `npm run demo`: replays the story Phoenix grew from on a throwaway local stack, with the real engine.
#   1. 30 servers from one spec-hash image behind the front door.
#   2. Snowflakes: someone hand-tunes a kernel parameter on server 7 and leaves a debugging tool on
#      server 15. `pulumi refresh` names exactly those two; `pulumi up` replaces exactly those two from the
#      same image (never repairs them).
#   3. The OpenSSL patch: a pinned version changes, the spec hash changes, a new image is built and the
#      whole fleet is replaced, health-gated. No server is patched in place, so none can half-fail.
#   4. Rollback: the spec is reverted, the old hash comes back and its image is reused.
# The stack is destroyed at the end (also on failure). Run `npm run setup` once first.
#   PHOENIX_DEMO_SERVERS  fleet size (default 30)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/env.sh"
cd "$PHOENIX_ROOT"

SERVERS="${PHOENIX_DEMO_SERVERS:-30}"
STACK="demo-$(date +%Y%m%d%H%M%S)"
WORK=".pulumi-state/demo/$STACK"
SPEC="$WORK/images/web.yaml"
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
p() { pulumi --non-interactive --stack "$STACK" "$@"; }
up() {
  # The provider's own lines and the engine's totals; progress lines only once complete ("30/30 healthy").
  p up --yes --skip-preview --suppress-progress "$@" |
    perl -ne 'next if m{ (\d+)/(\d+) } && $1 != $2;
      print if /^\s+\[phoenix\]/ || /^\s+[-+~]*\s*\d+ (created|replaced|updated|deleted|unchanged)$/'
}
served() { curl -fsS --max-time 5 "http://127.0.0.1:$PORT/" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`front door serves spec ${j.specHash.slice(0,12)} from ${j.instance}`)})'; }
container_of() { docker ps -q --filter "label=io.phoenix.stack=$STACK" --filter "label=io.phoenix.role=instance" --filter "label=io.phoenix.instance=$1"; }

cleanup() {
  say "destroy the demo stack"
  p destroy --yes --skip-preview --suppress-progress >/dev/null 2>&1 || true
  pulumi stack rm "$STACK" --yes --force --non-interactive >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/images"
cp images/web.yaml "$WORK/images/" && cp -r app config "$WORK/"
pulumi stack init "$STACK" --non-interactive --no-select >/dev/null 2>&1
p config set phoenix:target local
p config set phoenix:spec "$SPEC"
p config set phoenix:desiredCount "$SERVERS"
p config set phoenix:frontDoorPort "$PORT"
p config set --secret phoenix:DB_PASSWORD "demo-$RANDOM$RANDOM"

say "1. $SERVERS servers from $(npx phoenix validate "$SPEC" | sed "s/^ok: //")"
up
served

say "2. snowflakes: a kernel parameter hand-tuned on server 7, a debugging tool left on server 15"
docker exec -u 0 "$(container_of 6)" sh -c 'echo "vm.overcommit_memory = 1" > /etc/sysctl.d/90-hand-tuned.conf'
docker exec -u 0 "$(container_of 14)" sh -c 'printf "#!/bin/sh\n" > /usr/local/bin/strace && chmod +x /usr/local/bin/strace'
say "   pulumi refresh reports them"
p refresh --yes --skip-preview --suppress-progress 2>&1 | grep -E '^ +(warning: )?\[phoenix\]' || true
say "   pulumi up replaces exactly those two from the same image"
up
served

say "3. the OpenSSL patch, as a pinned version in the spec"
cp "$SPEC" "$WORK/web.yaml.orig"
sed -i -E 's/(openssl|libssl3): 3\.0\.20-1~deb12u2/\1: 3.0.22-1~deb12u2/' "$SPEC"
sed -i 's/OpenSSL 3\\\\\.0\\\\\.20 /OpenSSL 3\\\\.0\\\\.22 /g' "$SPEC" # the spec test's expect
(mkdir -p "$WORK/base/images" && cp "$WORK/web.yaml.orig" "$WORK/base/images/web.yaml" &&
  cp -r app config "$WORK/base/" && npx phoenix diff "$WORK/base/images/web.yaml" "$SPEC") || true
up
served

say "4. rollback: revert the spec; the old hash returns and its image is reused"
cp "$WORK/web.yaml.orig" "$SPEC"
up
served
