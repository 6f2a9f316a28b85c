#!/usr/bin/env bash
# Installs Debian's docker-registry (the CNCF distribution registry) for the registry tests.
# The tests start their own instance on 127.0.0.1:<free port>; the packaged service, which
# listens on every interface, is kept stopped and disabled. Idempotent.
set -euo pipefail

if ! command -v docker-registry >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101 = "action forbidden": the package's postinst must not start the service.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  apt-get install -y --no-install-recommends docker-registry >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends docker-registry >/dev/null; }
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
fi

# Whatever started it (systemd, sysvinit), the Debian service must not stay up on 0.0.0.0:5000.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/docker-registry ]; then
  /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
  if command -v update-rc.d >/dev/null 2>&1; then update-rc.d docker-registry disable >/dev/null 2>&1 || true; fi
fi
for pid in $(pgrep -x docker-registry || true); do
  # Only the packaged service reads the system config; test instances use their own temp config.
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "/etc/docker/registry/config.yml"; then
    kill "$pid" || true
  fi
done

command -v docker-registry >/dev/null
echo "docker-registry: $(docker-registry --version 2>/dev/null || echo installed)"
