#!/usr/bin/env bash
# Step 30: the base OS image the image specs build FROM (default debian:bookworm-slim).
#
# - present in the Docker engine: nothing to do.
# - `docker pull` works (a registry is reachable): pulled.
# - otherwise built from Debian's packages: `debootstrap --variant=minbase bookworm` into a temporary
#   folder, apt sources written like the official image (deb822, bookworm, bookworm-updates and
#   bookworm-security, which the specs' pinned security versions need), apt lists cleaned, then
#   `tar | docker import` under the same tag.
#
#   PHOENIX_BASE_IMAGE   tag to provide (default debian:bookworm-slim)
#   PHOENIX_DEBIAN_MIRROR  mirror for debootstrap and the image's sources (default http://deb.debian.org)
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/env.sh"

IMAGE="${PHOENIX_BASE_IMAGE:-debian:bookworm-slim}"
MIRROR="${PHOENIX_DEBIAN_MIRROR:-http://deb.debian.org}"
SUITE=bookworm

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "30-base-image: $IMAGE is present ($(docker image inspect --format '{{.Id}}' "$IMAGE"))"
  exit 0
fi
if timeout 120 docker pull -q "$IMAGE" >/dev/null 2>&1; then
  echo "30-base-image: pulled $IMAGE"
  exit 0
fi
echo "30-base-image: '$IMAGE' cannot be pulled (no registry reachable); building it with debootstrap"

if ! command -v debootstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || apt-get update -q || true
  apt-get install -y -q --no-install-recommends debootstrap
fi

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/phoenix-rootfs.XXXXXX")"
cleanup() {
  # debootstrap may leave proc/sys/dev mounted inside the rootfs when it fails: unmount them, and never
  # let rm cross into another file system.
  local m
  for m in $(awk -v r="$ROOTFS" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT

start=$SECONDS
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR/debian" >"$PHOENIX_ROOT/.tools/logs/debootstrap.log" 2>&1 || {
  echo "30-base-image: debootstrap failed; last lines of .tools/logs/debootstrap.log:" >&2
  tail -n 20 "$PHOENIX_ROOT/.tools/logs/debootstrap.log" >&2
  exit 1
}

rm -f "$ROOTFS/etc/apt/sources.list"
mkdir -p "$ROOTFS/etc/apt/sources.list.d"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR/debian
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $MIRROR/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/root/.bash_history
: >"$ROOTFS/etc/machine-id" 2>/dev/null || true

tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  - "$IMAGE" >/dev/null
echo "30-base-image: built $IMAGE from debootstrap in $((SECONDS - start))s ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
