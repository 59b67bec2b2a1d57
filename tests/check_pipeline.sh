#!/usr/bin/env bash
# check_pipeline.sh: the main job end to end on the bundled examples, as a
# user runs it: init, ingest (twice: the second changes nothing), list,
# render PNG/PDF/SVG, export GeoJSON/GPKG, animate GIF, and checks each
# output with an independent reader (file signatures, ogrinfo, pdffonts).
# Usage: check_pipeline.sh SOURCE-DIR   (the CLI is $BM_BIN)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/p.sqlite
fail() { echo "check_pipeline: $*" >&2; exit 1; }
run() { "$bm" --db "$db" --quiet "$@"; }

run init
run ingest "$src/examples/articles"
n1=$(run incidents list --format csv | tail -n +2 | wc -l)
[ "$n1" -ge 12 ] || fail "expected at least 12 incidents from the examples, got $n1"
run ingest "$src/examples/articles"
n2=$(run incidents list --format csv | tail -n +2 | wc -l)
[ "$n1" = "$n2" ] || fail "re-ingesting unchanged articles changed the incident count ($n1 -> $n2)"
types=$(run incidents list --format csv | tail -n +2 | cut -d, -f8 | sort -u | wc -l)
[ "$types" -ge 10 ] || fail "the examples should cover most incident types, got $types"

run render -o "$tmp/map.png" --width 1200 --height 900 --lang both
run render -o "$tmp/map.pdf" --size A4 --landscape
run render -o "$tmp/map.svg" --width 800 --height 600
[ "$(head -c 8 "$tmp/map.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "map.png is not a PNG"
pdffonts "$tmp/map.pdf" | awk 'NR>2 && $(NF-4) != "yes" {bad=1} END {exit bad}' || fail "PDF has fonts not embedded"
grep -q '<svg' "$tmp/map.svg" || fail "map.svg is not SVG"

run export -o "$tmp/i.geojson" --include-country-level
run export -o "$tmp/i.gpkg" --include-country-level
[ "$(ogrinfo -ro -so -al "$tmp/i.geojson" | awk -F': ' '/Feature Count/ {print $2}')" = "$n1" ] \
  || fail "GeoJSON feature count differs from the database"
[ "$(ogrinfo -ro -so -al "$tmp/i.gpkg" | awk -F': ' '/Feature Count/ {print $2; exit}')" = "$n1" ] \
  || fail "GPKG feature count differs from the database"
! grep -q '"crs"' "$tmp/i.geojson" || fail "GeoJSON carries a crs member (RFC 7946 forbids it)"

run animate -o "$tmp/a.gif" --step month --width 480 --height 360
[ "$(head -c 6 "$tmp/a.gif")" = GIF89a ] || fail "a.gif is not a GIF89a"
echo "check_pipeline: ok ($n1 incidents, $types types)"
