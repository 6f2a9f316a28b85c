#!/usr/bin/env bash
# Installs moto (an AWS API emulator) in server mode for the fleet-audit tests, pinned, in its own
# virtualenv under .tools/moto so it neither needs nor touches the system Python's packages, and links
# .tools/bin/moto_server. The tests start their own instance on 127.0.0.1:<free port>. Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MOTO_VERSION="5.2.5"
VENV="$ROOT/.tools/moto"
mkdir -p "$ROOT/.tools/bin"

installed() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c "import sys, flask, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null
}

if ! installed; then
  python3 -m venv "$VENV" || {
    echo "60-moto: python3 -m venv failed; on Debian install it with: apt-get install -y python3-venv" >&2
    exit 1
  }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
installed
ln -sf "$VENV/bin/moto_server" "$ROOT/.tools/bin/moto_server"
echo "moto_server: moto $MOTO_VERSION at $ROOT/.tools/bin/moto_server"
