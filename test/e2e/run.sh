#!/usr/bin/env bash
# End-to-end tests with real clients: a Prometheus server scraping the service, and Chromium
# driving Swagger UI. Installs what it needs from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec npx vitest run --config vitest.e2e.config.ts "$@"
