#!/usr/bin/env bash
# Installs the Debian packages bordermap needs (scripts/deps-debian.txt) that
# are missing, then the npm packages of the web map (web/package-lock.json, `npm ci`).
# Idempotent: does nothing when all are present. Uses sudo when not run as root.
# Usage: scripts/install-deps.sh [LIST-FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/deps-debian.txt}
missing=()
while read -r pkg; do
  [ -z "$pkg" ] || [ "${pkg#\#}" != "$pkg" ] && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done < "$list"
# The web map's front-end packages, pinned by web/package-lock.json: Leaflet and
# leaflet.markercluster (inlined into exported pages) and puppeteer-core (drives the Debian
# Chromium in the tests; never downloads a browser). Reinstalled when the lock changes.
web_deps() {
  local web=$here/../web
  [ -f "$web/package-lock.json" ] || return 0
  if [ "$web/node_modules/.package-lock.json" -nt "$web/package-lock.json" ]; then
    echo "install-deps: web/node_modules up to date"
    return 0
  fi
  if ! command -v npm >/dev/null; then
    # Debian's nodejs ships npm separately; NodeSource's nodejs includes it (and conflicts
    # with Debian's npm package), so it is not in the list.
    echo "install-deps: installing npm"
    local s=""; [ "$(id -u)" -eq 0 ] || s=sudo
    DEBIAN_FRONTEND=noninteractive $s apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "install-deps: npm ci in web/"
  (cd "$web" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all $(grep -cv '^\s*\(#\|$\)' "$list") packages present"
  web_deps
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
web_deps
echo "install-deps: done"
