#!/usr/bin/env bash
# The main job (README): installs missing Debian dependencies, builds
# bordermap, and runs the whole pipeline on the bundled example articles into
# out/: a database, a PNG and a PDF map, a GeoJSON export, an interactive web
# map (corridor.html) and an animation.
# Usage: scripts/bootstrap.sh [OUT-DIR]        (default: out)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-out}
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target bordermap
bm="$root/build/bordermap"

mkdir -p "$out"
db="$out/bordermap.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
failed=()
step() {
  local name=$1; shift
  echo "== $name: bordermap $*"
  if ! "$bm" --db "$db" "$@"; then
    failed+=("$name")
  fi
}
step init init
step ingest ingest examples/articles
step list incidents list --limit 20
step render-png render -o "$out/corridor.png" --overwrite --lang both --title "Iraq–Syria border incidents 2024–2025"
step render-pdf render -o "$out/corridor.pdf" --overwrite --size A4 --landscape --lang both --title "Iraq–Syria border incidents 2024–2025"
step export export -o "$out/incidents.geojson" --overwrite
step web-map export -o "$out/corridor.html" --overwrite --lang both --title "Iraq–Syria border incidents 2024–2025"
step animate animate -o "$out/corridor.gif" --overwrite --step month --lang both --fade
echo
echo "Outputs in $out/:"
ls -l "$out"
if [ ${#failed[@]} -gt 0 ]; then
  echo "bootstrap: these steps failed: ${failed[*]}" >&2
  exit 1
fi
echo "bootstrap: done. Open $out/corridor.png, $out/corridor.pdf, $out/corridor.gif, $out/corridor.html (in a browser); load $out/incidents.geojson or $db in QGIS."
