#!/usr/bin/env bash
# check_pipeline.sh: the main job end to end on the bundled examples, as a
# user runs it: init, ingest (twice: the second changes nothing), list,
# render PNG/PDF/SVG, export GeoJSON/GPKG, animate GIF, and checks each
# output with an independent reader: the PNG's pixels (tests/png_colours.py: each
# stored type drawn in its style colour, a type filter honoured), the SVG's and
# the PDF's text (title count, legend, place labels), ogrinfo, pdffonts.
# Usage: check_pipeline.sh SOURCE-DIR   (the CLI is $BM_BIN)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# $BM_PIPELINE_DB (+ $BM_PIPELINE_SCHEMA): another database, e.g. PostgreSQL (check_pg.sh)
db=${BM_PIPELINE_DB:-$tmp/p.sqlite}
fail() { echo "check_pipeline: $*" >&2; exit 1; }
run() { "$bm" --db "$db" ${BM_PIPELINE_SCHEMA:+--pg-schema "$BM_PIPELINE_SCHEMA"} --quiet "$@"; }
# The incident list as CSV records (a quoted field may span lines): column $1 of each.
csv_col() { python3 -c 'import csv,sys; [print(r[int(sys.argv[1])]) for r in list(csv.reader(sys.stdin))[1:]]' "$1"; }

run init
run ingest "$src/examples/articles"
n1=$(run incidents list --format csv | csv_col 2 | wc -l)
[ "$n1" -ge 12 ] || fail "expected at least 12 incidents from the examples, got $n1"
run ingest "$src/examples/articles"
n2=$(run incidents list --format csv | csv_col 2 | wc -l)
[ "$n1" = "$n2" ] || fail "re-ingesting unchanged articles changed the incident count ($n1 -> $n2)"
types=$(run incidents list --format csv | csv_col 7 | sort -u | wc -l)
[ "$types" -ge 10 ] || fail "the examples should cover most incident types, got $types"

run render -o "$tmp/map.png" --width 1200 --height 900 --lang both
run render -o "$tmp/map.pdf" --size A4 --landscape
run render -o "$tmp/map.svg" --width 800 --height 600
[ "$(head -c 8 "$tmp/map.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "map.png is not a PNG"
pdffonts "$tmp/map.pdf" | awk 'NR>2 && $(NF-4) != "yes" {bad=1} END {exit bad}' || fail "PDF has fonts not embedded"
grep -q '<svg' "$tmp/map.svg" || fail "map.svg is not SVG"

# Pixels: every stored type appears in its style colour (symbols, legend, timeline:
# one incident of a type draws ~600 such pixels at this size), and a map filtered to
# one type leaves the others' colours (nearly) out.
colour_of() { awk -v t="[type.$1]" '$0 == t {s = 1; next} /^\[/ {s = 0}
    s && $1 == "colour" {sub(/^#/, "", $3); print $3; exit}' "$src/maps/style.ini"; }
count_px() { python3 "$src/tests/png_colours.py" "$1" "$2" | awk 'NR == 2 {print $2}'; }
[ "$(python3 "$src/tests/png_colours.py" "$tmp/map.png" | awk '{print $3}')" -ge 1000 ] \
  || fail "map.png has too few distinct colours to be a drawn map"
for t in $(run incidents list --format csv | csv_col 7 | sort -u); do
    c=$(colour_of "$t"); [ -n "$c" ] || fail "no colour for type $t in maps/style.ini"
    px=$(count_px "$tmp/map.png" "$c")
    [ "$px" -ge 200 ] || fail "map.png: type $t (#$c) drawn on only $px pixels"
done
run render -o "$tmp/diplo.png" --width 1200 --height 900 --type diplomacy
[ "$(count_px "$tmp/diplo.png" "$(colour_of diplomacy)")" -ge 200 ] || fail "diplomacy-only map lacks diplomacy"
px=$(count_px "$tmp/diplo.png" "$(colour_of airstrike)")
[ "$px" -lt 100 ] || fail "diplomacy-only map still draws airstrike colour on $px pixels"

# Text: the SVG keeps every label as <text>; the title counts the incidents, the
# legend names the types in both languages, incident places are labelled.
svg_text=$(grep -o '>[^<>]*</text>' "$tmp/map.svg" | sed 's/^>//; s/<\/text>$//')
grep -qx ".* · $n1 incidents" <<<"$svg_text" || fail "map.svg: no title line counting $n1 incidents"
grep -qx 'Airstrike · غارة جوية' <<<"$svg_text" || fail "map.svg: legend lacks the airstrike entry"
grep -qx 'Abu Kamal' <<<"$svg_text" || fail "map.svg: no Abu Kamal label"
pdftotext "$tmp/map.pdf" - | grep -c "$n1 incidents" >/dev/null || fail "map.pdf: no title counting $n1 incidents"

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
