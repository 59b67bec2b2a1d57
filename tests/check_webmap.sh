#!/usr/bin/env bash
# check_webmap.sh: `bordermap export -o map.html` end to end in a real browser. Builds a
# database from the bundled examples (each article with an outlet and a link), writes the
# English and Arabic web maps, checks the CLI contract (-o -, --overwrite, atomic write), then
# drives Debian's headless Chromium through tests/webmap/check_webmap.mjs (puppeteer-core from
# web/node_modules): no console error, no network request, drawn + listed = exported, slider,
# type filter, search, popup with the source link, and pixels of a screenshot.
# Skips (77) when Chromium, node or the npm packages are missing, except under CI=true.
# Usage: check_webmap.sh SOURCE-DIR   (the CLI is $BM_BIN)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
chromium=${BM_CHROMIUM:-/usr/bin/chromium}
fail() { echo "check_webmap: FAIL: $*" >&2; exit 1; }
missing() {
  if [ "${CI:-}" = true ]; then fail "$* (required under CI=true: run scripts/install-deps.sh)"; fi
  echo "check_webmap: SKIPPED: $* (run scripts/install-deps.sh)"; exit 77
}
[ -e "$src/web/node_modules/leaflet/dist/leaflet.js" ] || missing "the npm packages are not installed in web/node_modules"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/w.sqlite
run() { "$bm" --db "$db" --quiet "$@"; }

run init
for f in "$src"/examples/articles/*.txt; do
  n=$(basename "$f" .txt)
  run ingest --source "Outlet ${n%%-*}" --url "https://example.org/news/$n" "$f"
done
# One incident placed only in a country, whatever the extractor makes of the
# examples: the page must list it in its side panel and draw nothing for it.
run incidents add --date 2025-03-01 --place syria --type statement \
  --summary "Officials said the border with Iraq was calm"
# The reference: every incident, country-level ones too (with a null geometry).
run export -o "$tmp/incidents.geojson" --include-country-level
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["features"]))' "$tmp/incidents.geojson")
[ "$n" -ge 12 ] || fail "expected at least 12 incidents from the examples, got $n"

out=$("$bm" --db "$db" export -o "$tmp/map.html" 2>&1) || fail "export failed: $out"
case $out in *"exported $n incidents"*) ;; *) fail "export reported '$out', want $n incidents" ;; esac
run export -o "$tmp/map-ar.html" --lang ar --title 'خريطة الاختبار'
run export -o "$tmp/map-air.html" --type airstrike --from 2024-02 --to 2024-02
head -c 15 "$tmp/map.html" | grep -c '<!DOCTYPE html>' >/dev/null || fail "map.html does not start with a doctype"
# -o - streams the page; the format comes from --format.
run export -o - --format HTML | cmp -s - "$tmp/map.html" || fail "-o - --format HTML differs from the file"
# No overwrite without --overwrite, and the file stays as it was.
sum=$(sha256sum < "$tmp/map.html")
if run export -o "$tmp/map.html" --lang ar 2>/dev/null; then fail "export replaced a file without --overwrite"; fi
[ "$(sha256sum < "$tmp/map.html")" = "$sum" ] || fail "a refused export changed the file"
run export -o "$tmp/map.html" --overwrite
ls "$tmp"/.*map* >/dev/null 2>&1 && fail "a temporary file was left behind"
if run export -o "$tmp/p.html" --layer places 2>/dev/null; then fail "the HTML map accepted --layer places"; fi
set +e; run export -o "$tmp/x.geojson" --lang ar 2>/dev/null; st=$?; set -e
[ "$st" = 2 ] || fail "--lang with GeoJSON should be a usage error (exit 2), got $st"
grep -q 'src="http\|href="http[^"]*\.\(js\|css\)' "$tmp/map.html" && fail "the page links an external script or style"
size=$(stat -c %s "$tmp/map.html")
[ "$size" -lt 3000000 ] || fail "the example map is $size bytes (want under 3 MB)"

command -v node >/dev/null || missing "node is not installed"
[ -x "$chromium" ] || missing "Chromium is not installed at $chromium"
[ -e "$src/web/node_modules/puppeteer-core/package.json" ] || missing "puppeteer-core is not installed in web/node_modules"
node "$src/tests/webmap/check_webmap.mjs" "$tmp" "$n" "$src/maps/style.ini"
echo "check_webmap: ok ($n incidents, $size bytes)"
