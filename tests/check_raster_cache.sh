#!/usr/bin/env bash
# check_raster_cache.sh: the basemap's layers kept as pixels in the cache (raster_cache.c) give
# the very same PNG as drawing them: on the miss that writes the entry, on the hit that reads
# it, after the entry was corrupted or cut short (a miss, rewritten), and a style with other
# colours gets an entry of its own instead of the old pixels.
# Usage: BM_BIN=PATH/TO/bordermap tests/check_raster_cache.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_raster_cache: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unset BORDERMAP_DB
export XDG_CACHE_HOME="$tmp/cache"
cache="$XDG_CACHE_HOME/bordermap"
db="$tmp/db.sqlite"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
render() { # OUT [options...]
    local out="$1"; shift
    "$bin" -q --db "$db" render --width 900 --height 600 --overwrite -o "$out" "$@" 2>"$tmp/err" ||
        fail "render $*: $(head -c 300 "$tmp/err")"
}
entries() { ls "$cache"/raster-*.bin 2>/dev/null | wc -l; }

"$bin" -q --db "$db" init >/dev/null 2>&1 || fail "init"
render "$tmp/miss.png"
[[ "$(entries)" == 1 ]] || fail "a render left $(entries) raster entries, want 1"
entry=$(ls "$cache"/raster-*.bin 2>/dev/null | head -1)
cp "$entry" "$tmp/good.bin"
render "$tmp/hit.png"
cmp -s "$tmp/miss.png" "$tmp/hit.png" || fail "the PNG drawn from the cached layers differs"

# A corrupt entry: a miss, the same picture, the entry rewritten whole.
printf '\x55\xaa\x55\xaa' | dd of="$entry" bs=1 seek=600000 conv=notrunc status=none
render "$tmp/corrupt.png"
cmp -s "$tmp/miss.png" "$tmp/corrupt.png" || fail "a corrupt entry changed the picture"
cmp -s "$entry" "$tmp/good.bin" || fail "a corrupt entry was not rewritten"
# A partial one.
truncate -s 100000 "$entry"
render "$tmp/short.png"
cmp -s "$tmp/miss.png" "$tmp/short.png" || fail "a partial entry changed the picture"
cmp -s "$entry" "$tmp/good.bin" || fail "a partial entry was not rewritten"

# Other colours: another entry and another picture; the default's entry still serves it.
sed -e 's/^water *=.*/water = #204060/' "$BORDERMAP_DATA/maps/style.ini" >"$tmp/dark.ini"
grep -q '^water = #204060' "$tmp/dark.ini" || fail "the test style has no water line to change"
render "$tmp/dark.png" --style "$tmp/dark.ini"
render "$tmp/dark2.png" --style "$tmp/dark.ini"
cmp -s "$tmp/miss.png" "$tmp/dark.png" && fail "a style with other water drew the default's pixels"
cmp -s "$tmp/dark.png" "$tmp/dark2.png" || fail "the other style's hit differs from its miss"
[[ "$(entries)" == 2 ]] || fail "$(entries) raster entries for two styles, want 2"
render "$tmp/again.png"
cmp -s "$tmp/miss.png" "$tmp/again.png" || fail "the default style's picture changed after another style"

# An entry unread for over a week goes when another is written; one read recently stays.
touch -d '30 days ago' "$entry"
old=$(ls "$cache"/raster-*.bin | grep -v "$(basename "$entry")" | head -1)
touch -d '30 days ago' "$old"
render "$tmp/touched.png" # a hit on the default's entry: touched, so kept
rm -f "$(ls "$cache"/raster-*.bin | grep -v "$(basename "$entry")" | head -1)"
render "$tmp/dark3.png" --style "$tmp/dark.ini" # written again: prunes
[[ -e "$entry" ]] || fail "an entry read by the last render was pruned"
cmp -s "$tmp/miss.png" "$tmp/touched.png" || fail "the touched entry's picture differs"
touch -d '30 days ago' "$entry"
sed -i 's/^water = .*/water = #203050/' "$tmp/dark.ini"
render "$tmp/dark4.png" --style "$tmp/dark.ini"
[[ ! -e "$entry" ]] || fail "an entry unread for 30 days was not pruned"

# No cache directory at all: still the same picture.
XDG_CACHE_HOME= HOME=/nonexistent render "$tmp/nocache.png"
cmp -s "$tmp/miss.png" "$tmp/nocache.png" || fail "without a cache directory the picture differs"

((fails == 0)) && echo "check_raster_cache: ok"
exit $((fails > 0))
