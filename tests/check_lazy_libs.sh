#!/usr/bin/env bash
# check_lazy_libs.sh: the libraries only some commands need are loaded when first called
# (src/gdal_lazy.c, src/lazy_libs.c), not at start-up: an ingest loads none of GDAL, cairo,
# pango, libpng, giflib or libpq (the loader's own list, LD_DEBUG=files), while
# render and animate load the drawing ones they call and still write their files.
# Usage: check_lazy_libs.sh SOURCE-DIR   (CLI: $BM_BIN)
set -uo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"
fails=0
fail() { echo "check_lazy_libs: $*" >&2; fails=$((fails + 1)); }
# Under the sanitizers the loader's trace is the runtime's business: nothing to check.
[[ "${BM_SANITIZE:-OFF}" == ON ]] && { echo "check_lazy_libs: sanitised build, skipped"; exit 77; }
# (not libwebp: PROJ's libtiff brings it to every command)
lazy='libgdal|libcairo|libpango|libpng|libgif|libpq'
loaded() { # log: the shared objects the loader opened
  grep -o 'file=[^ ]*' "$1" | sed 's/^file=//' | sort -u
}

db="$tmp/db.sqlite"
"$bm" -q --db "$db" init >/dev/null 2>&1 || fail "init failed"
LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ingest" "$bm" -q --db "$db" ingest "$src/examples/articles" \
  >/dev/null 2>"$tmp/err" || fail "ingest failed: $(head -c 300 "$tmp/err")"
cat "$tmp"/ingest.* >"$tmp/ingest.log" 2>/dev/null
[[ -s "$tmp/ingest.log" ]] || fail "the loader wrote no trace (LD_DEBUG_OUTPUT)"
grep -q 'file=libsqlite3' "$tmp/ingest.log" || fail "the trace does not name libsqlite3"
found=$(loaded "$tmp/ingest.log" | grep -E "$lazy")
[[ -z "$found" ]] || fail "ingest loaded $(echo $found)"

LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/render" "$bm" -q --db "$db" render -o "$tmp/map.png" \
  --width 300 --height 200 >/dev/null 2>"$tmp/err" || fail "render failed: $(head -c 300 "$tmp/err")"
cat "$tmp"/render.* >"$tmp/render.log" 2>/dev/null
[[ -s "$tmp/map.png" ]] || fail "render wrote no map"
for lib in libcairo libpango libpng; do
  grep -q "file=$lib" "$tmp/render.log" || fail "render did not load $lib"
done
"$bm" -q --db "$db" animate -o "$tmp/a.gif" --width 300 --height 200 >/dev/null 2>"$tmp/err" ||
  fail "animate (GIF) failed: $(head -c 300 "$tmp/err")"
"$bm" -q --db "$db" animate -o "$tmp/a.webp" --width 300 --height 200 >/dev/null 2>"$tmp/err" ||
  fail "animate (WebP) failed: $(head -c 300 "$tmp/err")"
[[ "$(head -c 6 "$tmp/a.gif")" == GIF89a ]] || fail "animate wrote no GIF"
[[ "$(head -c 4 "$tmp/a.webp")" == RIFF ]] || fail "animate wrote no WebP"

((fails == 0)) && echo "check_lazy_libs: ingest loads none of the drawing, GDAL and libpq libraries"
exit $((fails > 0))
