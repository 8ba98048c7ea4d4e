#!/usr/bin/env bash
# End-to-end tests with real clients: a Prometheus server scraping the service and promtool checking
# its metrics, Chromium driving Swagger UI, Prism validating traffic against openapi.yaml, and the
# service run as npm start, the Dockerfile's stages run without an engine, and the image built and
# run with podman. Installs what it needs from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
# The image test: podman with runc (see scripts/containers.conf), debootstrap for the stand-in base image.
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec npx vitest run --config vitest.e2e.config.ts "$@"
