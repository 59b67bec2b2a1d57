#!/usr/bin/env bash
# Installs the Debian packages bordermap needs (scripts/deps-debian.txt) that
# are missing. Idempotent: does nothing when all are present. Uses sudo when
# not run as root. Usage: scripts/install-deps.sh [LIST-FILE]
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
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all $(grep -cv '^\s*\(#\|$\)' "$list") packages present"
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
echo "install-deps: done"
