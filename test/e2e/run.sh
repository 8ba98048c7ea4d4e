#!/usr/bin/env bash
# End-to-end tests with real clients: a Prometheus server scraping the service and promtool checking
# its metrics, Chromium driving Swagger UI, Prism validating traffic against openapi.yaml, and the
# service run as npm start and as the Docker image's runtime stage. Installs what it needs from
# Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
{ command -v prometheus >/dev/null && command -v promtool >/dev/null; } || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec npx vitest run --config vitest.e2e.config.ts "$@"
