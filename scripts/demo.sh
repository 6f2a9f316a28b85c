#!/usr/bin/env bash
# `npm run demo`: replays the story Phoenix grew from on a throwaway local stack, with the real engine.
#   1. 30 servers from one spec-hash image behind the front door.
#   2. Snowflakes cannot happen: someone tries to hand-tune a kernel parameter on server 7 and to leave a
#      debugging tool on server 15; both are refused, the servers' root filesystems are read-only. Server 15
#      then crashes: Docker brings it back as exactly its image, with nobody running pulumi, and
#      `pulumi refresh` finds nothing. (A spec that opts out with `runtime.readOnlyRootFilesystem: false`
#      can have snowflakes again: refresh names them and `pulumi up` replaces them, see docs/local-rollouts.md.)
#   3. The OpenSSL patch: first without libssl3, so the image's spec test (openssl and the library it
#      loads) fails and `pulumi up` stops before any server is touched; then with it: a new image, tests
#      pass, the whole fleet is replaced, health-gated. No server is patched in place.
#   4. Rollback: the spec is reverted, the old hash comes back and its image is reused.
# The stack is destroyed at the end (also on failure). Run `npm run setup` once first.
#   PHOENIX_DEMO_SERVERS  fleet size (default 30)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/env.sh"
cd "$PHOENIX_ROOT"

SERVERS="${PHOENIX_DEMO_SERVERS:-30}"
if ! [[ "$SERVERS" =~ ^[0-9]+$ ]] || [ "$SERVERS" -lt 16 ]; then
  echo "PHOENIX_DEMO_SERVERS: must be a whole number of at least 16 (the story visits servers 7 and 15), got \"$SERVERS\"" >&2
  exit 2
fi
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

# A pin Debian's archive has dropped stops the demo here, with the one command that fixes it.
for spec in images/web.yaml images/frontdoor.yaml; do
  npx phoenix pins check --if-unbuilt "$spec" >/dev/null || { npx phoenix pins check "$spec" >&2; exit 1; }
done

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
docker exec -u 0 "$(container_of 6)" sh -c 'echo "vm.overcommit_memory = 1" > /etc/sysctl.d/90-hand-tuned.conf' 2>&1 |
  sed 's/^/   server 7:  /' || true
docker exec -u 0 "$(container_of 14)" sh -c 'printf "#!/bin/sh\n" > /usr/local/bin/strace' 2>&1 |
  sed 's/^/   server 15: /' || true
say "   refused: every server's root filesystem is read-only (only its scratch paths are writable tmpfs)"
say "   server 15 crashes (all its processes killed); Docker brings it back as its image, nobody runs pulumi"
victim="$(container_of 14)"
restarts="$(docker inspect -f '{{.RestartCount}}' "$victim")"
crashed=$SECONDS
docker exec -u 0 "$victim" sh -c 'kill -9 -1' >/dev/null 2>&1 || true
# Back = restarted by Docker and answering its health path on the stack network.
back() {
  [ "$(docker inspect -f '{{.RestartCount}} {{.State.Running}}' "$victim")" = "$((restarts + 1)) true" ] &&
    curl -fsS --max-time 2 -o /dev/null \
      "http://$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$victim"):8080/healthz"
}
until back; do
  [ $((SECONDS - crashed)) -lt 60 ] || { echo "server 15 did not come back within 60 s" >&2; exit 1; }
  sleep 0.5
done
echo "   server 15 is back and healthy after $((SECONDS - crashed)) s"
say "   pulumi refresh finds nothing to report"
p refresh --yes --skip-preview --suppress-progress 2>&1 | grep -E '^ +(warning: )?\[phoenix\]' || echo "   (no drift)"
served

say "3. the OpenSSL patch, forgetting libssl3: its spec test stops it before any server is touched"
cp "$SPEC" "$WORK/web.yaml.orig"
# From the pin to another version the archive has today; the spec test's expect follows the pin.
read -r FROM TO < <(npx tsx scripts/patch-version.ts "$SPEC" openssl)
echo "   openssl $FROM -> $TO"
sed -i -E "s/^  openssl: .*/  openssl: $TO/" "$SPEC"
if p up --yes --skip-preview --suppress-progress >"$WORK/failed-up.log" 2>&1; then
  echo "pulumi up should have failed on the spec test" >&2
  exit 1
fi
grep -E 'spec tests? failed|^ +test "|--- output|^ +OpenSSL ' "$WORK/failed-up.log" | awk '!seen[$0]++'
served
say "   the fixed patch: libssl3 at the same version; the tests pass and the whole fleet is replaced"
sed -i -E "s/^  libssl3: [^ ]*/  libssl3: $TO/" "$SPEC"
up
served
say "   what changed, spec and image: phoenix diff (both images are local now)"
(mkdir -p "$WORK/base/images" && cp "$WORK/web.yaml.orig" "$WORK/base/images/web.yaml" &&
  cp -r app config "$WORK/base/" && npx phoenix diff "$WORK/base/images/web.yaml" "$SPEC") || true

say "4. rollback: revert the spec; the old hash returns and its image is reused"
cp "$WORK/web.yaml.orig" "$SPEC"
up
served
