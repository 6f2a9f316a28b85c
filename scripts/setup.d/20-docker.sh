#!/usr/bin/env bash
# Step 20: a Docker engine that answers `docker info`.
#
# - a daemon already answers: use it (never restarted or stopped here).
# - otherwise install Debian's docker.io + iptables (when dockerd is missing) and start `dockerd` in the
#   background, logging to .tools/logs/dockerd.log, then wait until `docker info` answers.
#   If dockerd dies on its iptables setup with the nft backend, switch to iptables-legacy and retry once.
#
#   PHOENIX_DOCKERD_WAIT_SECONDS  how long to wait for the daemon (default 60)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/env.sh"

LOG_DIR="$PHOENIX_ROOT/.tools/logs"
LOG="$LOG_DIR/dockerd.log"
WAIT="${PHOENIX_DOCKERD_WAIT_SECONDS:-60}"
mkdir -p "$LOG_DIR"

answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
  echo "20-docker: using the running Docker engine ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # Some machines list extra apt sources that cannot be reached; Debian's own mirror is enough here.
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends "$@"
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
  echo "20-docker: installing docker.io and iptables from Debian"
  apt_install docker.io iptables
fi

# Starts dockerd in its own session and waits for `docker info`; returns 1 when it exits or times out.
start_dockerd() {
  echo "20-docker: starting dockerd (log: $LOG)"
  echo "=== 20-docker: dockerd started $(date -u +%FT%TZ)" >>"$LOG"
  setsid dockerd >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  local deadline=$((SECONDS + WAIT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if answers; then
      echo "20-docker: dockerd (pid $pid) answers: $(docker version --format '{{.Server.Version}}')"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "20-docker: dockerd exited early; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "20-docker: dockerd did not answer within ${WAIT}s; last lines of $LOG:" >&2
  tail -n 20 "$LOG" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

if start_dockerd; then
  exit 0
fi
# Only this attempt's lines (the log keeps earlier runs).
if awk '/^=== 20-docker: dockerd started/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG" |
  grep -qi "iptables" && [ -x /usr/sbin/iptables-legacy ]; then
  echo "20-docker: retrying with iptables-legacy"
  update-alternatives --set iptables /usr/sbin/iptables-legacy
  update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy || true
  start_dockerd && exit 0
fi
echo "20-docker: no Docker engine: dockerd cannot start on this machine (see $LOG)" >&2
exit 1
