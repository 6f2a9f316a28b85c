#!/usr/bin/env bash
# Step 15: the Node.js language host `pulumi-language-nodejs` in .tools/bin, so `pulumi up` runs the
# TypeScript program directly.
#
# - one already on PATH (installed with the official Pulumi CLI): use it.
# - otherwise build it from tools/pulumi-language-nodejs (sdk/v3 v3.68.0, the last release with the host
#   inside the sdk/v3 module: the host's own module is refused by the Go module proxy). Go's caches keep
#   a re-run fast.
# - no Go and no host: programs still run through scripts/pulumi-run.ts (Automation API, inline program).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/env.sh"

BIN="$PHOENIX_TOOLS_BIN"
HOST="pulumi-language-nodejs"
MOD_DIR="$PHOENIX_ROOT/tools/pulumi-language-nodejs"
STAMP="$BIN/.language-host-version"
WANT="$(sed -n 's#^require github.com/pulumi/pulumi/sdk/v3 \(v[0-9.]*\)$#\1#p' "$MOD_DIR/go.mod")"
mkdir -p "$BIN"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

other="$(PATH="${PATH//$BIN:/}" command -v "$HOST" || true)"
if [ -n "$other" ]; then
  echo "15-language-host: using $other found on PATH"
  exit 0
fi
if [ -x "$BIN/$HOST" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ]; then
  echo "15-language-host: $BIN/$HOST is already from sdk $WANT"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "15-language-host: no 'go' to build $HOST; run programs with 'npx tsx scripts/pulumi-run.ts'" >&2
  exit 0
fi
echo "15-language-host: building $HOST from sdk/v3 $WANT"
(
  cd "$MOD_DIR"
  go build -o "$BIN/$HOST.new" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$WANT" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
)
mv -f "$BIN/$HOST.new" "$BIN/$HOST"
printf '%s' "$WANT" >"$STAMP"
echo "15-language-host: $BIN/$HOST ready"
