#!/usr/bin/env bash
# Step 10: the real Pulumi engine (CLI) and the dynamic-provider launcher in .tools/bin.
#
# - .tools/bin/pulumi already at the pinned version: nothing to do.
# - another `pulumi` on PATH (installed by its official installer, with internet): use it as is.
# - otherwise build it from Go modules through the Go module proxy: tools/pulumi/go.mod pins
#   github.com/pulumi/pulumi/pkg/v3 and sdk/v3; building inside that wrapper module is what makes the
#   build work (a dependency's replace directives are ignored, unlike `go install pkg@version`).
#   Go's own caches (GOCACHE, GOMODCACHE) keep the second build fast.
# - pulumi-resource-pulumi-nodejs (the launcher the engine runs for dynamic providers) ships in the
#   sdk/v3 module (nodejs/dist/); it is installed executable next to pulumi.
# - pulumi-language-nodejs (the Node.js language host) is step 15.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/env.sh"

BIN="$PHOENIX_TOOLS_BIN"
WANT="$PHOENIX_PULUMI_VERSION"
MOD_DIR="$PHOENIX_ROOT/tools/pulumi"
LAUNCHER="pulumi-resource-pulumi-nodejs"
mkdir -p "$BIN"
# Go's official tarball location, for shells whose PATH does not list it.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi

version_of() { "$1" version 2>/dev/null | head -n1 || true; }

# First `pulumi` on PATH that is not ours.
external_pulumi() {
  local dir
  local IFS=:
  for dir in $PATH; do
    [ "$dir" = "$BIN" ] && continue
    if [ -x "$dir/pulumi" ]; then
      echo "$dir/pulumi"
      return 0
    fi
  done
  return 1
}

build_pulumi() {
  if ! command -v go >/dev/null 2>&1; then
    echo "10-pulumi: no 'pulumi' on PATH and no 'go' to build it: install Go >= 1.26 (or the Pulumi CLI) and re-run 'npm run setup'" >&2
    exit 1
  fi
  echo "10-pulumi: building pulumi $WANT from Go modules (first build takes minutes; cached afterwards)"
  (
    cd "$MOD_DIR"
    go build -o "$BIN/pulumi.new" \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$WANT" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  mv -f "$BIN/pulumi.new" "$BIN/pulumi"
}

install_launcher() {
  if ! command -v go >/dev/null 2>&1; then
    echo "10-pulumi: no 'go' to fetch $LAUNCHER from the sdk/v3 module; dynamic providers need it on PATH" >&2
    exit 1
  fi
  local sdk_dir
  sdk_dir="$(cd "$MOD_DIR" && go mod download github.com/pulumi/pulumi/sdk/v3 &&
    go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  install -m 0755 "$sdk_dir/nodejs/dist/$LAUNCHER" "$BIN/$LAUNCHER"
}

ours="$(version_of "$BIN/pulumi")"
if [ -x "$BIN/pulumi" ] && [ "$ours" = "$WANT" ]; then
  echo "10-pulumi: $BIN/pulumi is already $WANT"
  PULUMI="$BIN/pulumi"
elif PULUMI="$(external_pulumi)"; then
  echo "10-pulumi: using $PULUMI ($(version_of "$PULUMI")) found on PATH"
else
  build_pulumi
  PULUMI="$BIN/pulumi"
fi

# The launcher: keep the one that came with an external pulumi, otherwise ours (always refreshed from
# the pinned sdk module so a re-run repairs a missing or non-executable copy).
pulumi_dir="$(dirname "$PULUMI")"
if [ "$pulumi_dir" != "$BIN" ] && [ -x "$pulumi_dir/$LAUNCHER" ]; then
  echo "10-pulumi: using $pulumi_dir/$LAUNCHER"
elif [ -x "$BIN/$LAUNCHER" ] && cmp -s <(printf '%s' "$WANT") "$BIN/.launcher-version"; then
  echo "10-pulumi: $BIN/$LAUNCHER is already from sdk $WANT"
else
  install_launcher
  printf '%s' "$WANT" >"$BIN/.launcher-version"
  echo "10-pulumi: installed $BIN/$LAUNCHER from sdk $WANT"
fi

got="$(version_of "$PULUMI")"
if [ -z "$got" ]; then
  echo "10-pulumi: '$PULUMI version' printed nothing; the binary is broken, delete it and re-run" >&2
  exit 1
fi
echo "10-pulumi: pulumi $got ready ($PULUMI)"
