# shellcheck shell=bash
# Environment for every Pulumi run of this repository: source it (`source scripts/env.sh`) from scripts,
# CI and shells. test/e2e/harness.ts builds its environment by sourcing this same file, so tests and
# humans run the engine with identical settings.
#
#   PATH                    .tools/bin first (pulumi + pulumi-resource-pulumi-nodejs built by `npm run setup`)
#   PULUMI_BACKEND_URL      file://<repo>/.pulumi-state (local file backend, git-ignored) unless already set
#   PULUMI_CONFIG_PASSPHRASE  encrypts stack secrets; dev default "phoenix-dev-passphrase" unless already set
#                           (set your own for anything that is not a throwaway dev stack)
#   PULUMI_SKIP_UPDATE_CHECK, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, PULUMI_SKIP_CONFIRMATIONS: offline,
#                           non-interactive runs (pass --non-interactive / --yes to pulumi as well)

PHOENIX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PHOENIX_ROOT
export PHOENIX_TOOLS_BIN="$PHOENIX_ROOT/.tools/bin"
export PHOENIX_STATE_DIR="$PHOENIX_ROOT/.pulumi-state"
export PHOENIX_PULUMI_VERSION="v3.274.1"

case ":$PATH:" in
  *":$PHOENIX_TOOLS_BIN:"*) ;;
  *) export PATH="$PHOENIX_TOOLS_BIN:$PATH" ;;
esac

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PHOENIX_STATE_DIR}"
if [ "$PULUMI_BACKEND_URL" = "file://$PHOENIX_STATE_DIR" ]; then mkdir -p "$PHOENIX_STATE_DIR"; fi
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-phoenix-dev-passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_SUPPRESS_NEO_LINK=true
