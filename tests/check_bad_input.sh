#!/usr/bin/env bash
# check_bad_input.sh: hostile and mistaken input, table-driven. Each case is
# a command line with the exit code and the message it must give, and the
# file whose content must not change (checksum of its SQL dump) where
# nothing may be written. Then: a read-only database in a read-only
# directory must list (as an unprivileged user), a symlink loop must be
# walked once, and `mentions` must stream an input over ingest's size limit.
# Usage: check_bad_input.sh SOURCE-DIR   (the CLI is $BM_BIN)
set -uo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "check_bad_input: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (scripts/install-deps.sh)"
T=$tmp
db=$T/main.sqlite
art=$src/examples/articles/01-us-strikes-qaim-albukamal.en.txt

"$bm" --db "$db" -q ingest "$src/examples/articles" || fail "setting up the database failed"
: > "$T/empty.txt"
printf '\xef\xbb\xbf \r\n\t\n' > "$T/bom.txt"
printf 'date 2024-01-01\n\nclashes in Hajin \xe9t\xe9 2024\n' > "$T/latin1.txt"
yes 'Heavy clashes erupted in Hajin on 7 August 2024.' | head -c 5000000 > "$T/big.txt"
row() { printf '%s\t' "$@" | sed 's/\t$/\n/'; }
row 99000001 Good Good '' 35.5 40.6 P PPL SY '' 08 '' '' '' 1200 '' 210 Asia/Damascus 2024-01-01 > "$T/gn-ok.txt"
{ cat "$T/gn-ok.txt"; row 99000002 Far Far '' 35.5 999 P PPL SY '' 08 '' '' '' 0 '' 0 x 2024; } > "$T/gn-lon.txt"
row 99000003 Nan Nan '' nan 40.6 P PPL SY '' 08 '' '' '' 0 '' 0 x 2024 > "$T/gn-nan.txt"
row 99000004 Short Short '' 35.5 40.6 > "$T/gn-short.txt"
"$bm" --db "$db" -q render -o "$T/exists.png" --width 200 --height 150 || fail "render failed"
cp "$T/exists.png" "$T/exists.geojson"
sqlite3 "$T/foreign.sqlite" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
cp "$db" "$T/newer.sqlite"
sqlite3 "$T/newer.sqlite" "UPDATE bm_meta SET value = '99' WHERE key = 'schema_version'"
add="incidents add --date 2024-01-01 --type clash --summary s --lonlat 41,34"

# exit | message (fixed string; empty: any) | unchanged: = main db, =FILE, - none | arguments
cases=$(cat <<EOT
1|empty article (no text)|=|ingest $T/empty.txt
1|empty article (no text)|=|ingest $T/bom.txt
1|empty article (no text)|=|ingest - </dev/null
1|empty article (no text)|=|ingest - <&-
1|1 failed|=|ingest $T/empty.txt
1|is 5000000 bytes, over the limit of 4194304 bytes (raise it with --max-bytes)|=|ingest $T/big.txt
1|is 715 bytes, over the limit of 100 bytes|=|ingest --max-bytes 100 $art
1|the input is 5000000 bytes, over the limit of 1024 bytes|=|ingest --max-bytes 1K - <$T/big.txt
1|the input is over the limit of 1048576 bytes|=|ingest --max-bytes 1M - < <(cat $T/big.txt)
2|--max-bytes wants a size|=|ingest --max-bytes 12X $art
2|--max-bytes wants a size|=|ingest --max-bytes '' $art
2|--max-bytes wants a size|=|ingest --max-bytes -1 $art
2|--batch wants a count from 1 to 1000000, not '0'|=|ingest --batch 0 $art
2|--batch wants a count|=|ingest --batch 99999999999999999999 $art
1|not UTF-8 text|=|ingest $T/latin1.txt
2|--fatalities must be a count from 0 to 2147483647, not '4294967297'|=|$add --fatalities 4294967297
2|--fatalities must be a count from 0 to 2147483647, not ''|=|$add --fatalities ''
2|--fatalities must be a count|=|$add --fatalities ' 3'
2|--fatalities must be a count|=|$add --fatalities 3x
2|--confidence must be a number from 0 to 1, not ''|=|$add --confidence ''
2|--confidence must be a number|=|$add --confidence nan
2|--confidence must be a number|=|$add --confidence 1e999
2|--geo-precision must be 1, 2 or 3|=|$add --geo-precision ''
2|--lonlat|=|incidents add --date 2024-01-01 --type clash --summary s --lonlat 999,34
2|--lonlat|=|incidents add --date 2024-01-01 --type clash --summary s --lonlat 41,nan
2|'-1' is not an incident id|=|incidents delete -1
2|'-5' is not an incident id|=|incidents show -5
2|'abc' is not an incident id|=|incidents delete abc
2|'' is not an incident id|=|incidents delete ''
1|no incident 999999|=|incidents delete 999999
2|--limit wants a positive number, not ''|=|incidents list --limit ''
2|--limit wants a positive number|=|incidents list --limit 99999999999999999999
2|--bbox|=|incidents list --bbox 1,2,3
2|--bbox|=|incidents list --bbox nan,1,2,3
2|--type|=|incidents list --type bogus
2|not a coordinate reference system PROJ knows|=|render -o $T/m.png --crs EPSG:999999
2|--width wants a whole number|=|render -o $T/m.png --width ''
1|exists (use --overwrite to replace it)|=|render -o $T/exists.png --width 200 --height 150
1|exists (use --overwrite to replace it)|=|export -o $T/exists.geojson
1|longitude '999' is not a number from -180 to 180|=|gazetteer import geonames $T/gn-lon.txt
1|latitude 'nan' is not a number from -90 to 90|=|gazetteer import geonames $T/gn-nan.txt
1|not a GeoNames geoname row|=|gazetteer import geonames $T/gn-short.txt
1|another application|=$T/foreign.sqlite|--db $T/foreign.sqlite incidents list
1|another application|=$T/foreign.sqlite|--db $T/foreign.sqlite ingest $art
1|newer than this bordermap understands|=$T/newer.sqlite|--db $T/newer.sqlite ingest $art
2|unknown option|=|ingest --bogus $art
0||-|render -o $T/exists.png --width 200 --height 150 --overwrite
0||-|gazetteer import geonames $T/gn-ok.txt
EOT
)

dump() { sqlite3 "$1" .dump 2>/dev/null | sha256sum; }
n=0
while IFS='|' read -r code msg keep args; do
  n=$((n + 1))
  file=$db
  [ "${keep#=}" != "$keep" ] && [ -n "${keep#=}" ] && file=${keep#=}
  before=$(dump "$file")
  out=$(eval "\"$bm\" --db \"$db\" $args" 2>&1)
  rc=$?
  [ "$rc" = "$code" ] || fail "case $n ($args): exit $rc, want $code; said: $out"
  if [ -n "$msg" ]; then
    grep -qF -- "$msg" <<< "$out" || fail "case $n ($args): message lacks '$msg'; said: $out"
    grep -q '^bordermap: ' <<< "$out" || fail "case $n ($args): not 'bordermap: ...': $out"
  fi
  if [ "${keep:0:1}" = "=" ]; then
    [ "$(dump "$file")" = "$before" ] || fail "case $n ($args): $file changed"
  fi
done <<< "$cases"
echo "check_bad_input: $n table cases ok"

# A symlink loop and a hard link: every file read once, the walk ends.
mkdir -p "$T/loop/sub"
cp "$src"/examples/articles/0[1-3]*.txt "$T/loop/"
cp "$src"/examples/articles/04*.txt "$T/loop/sub/"
ln -s . "$T/loop/a"; ln -s . "$T/loop/b"; ln -s .. "$T/loop/sub/up"
ln "$T/loop/01-us-strikes-qaim-albukamal.en.txt" "$T/loop/hard.txt"
out=$(timeout 60 "$bm" --db "$T/loop.sqlite" ingest -v "$T/loop" 2>&1) || fail "loop walk: $out"
[ "$(grep -c $'\tstored\t' <<< "$out")" = 4 ] || fail "loop walk read files more than once: $out"
grep -q '4 article(s) read' <<< "$out" || fail "loop walk summary: $out"

# mentions streams: no size limit.
rows=$("$bm" mentions "$T/big.txt" | wc -l) || fail "mentions on 5 MB failed"
[ "$rows" -gt 100000 ] || fail "mentions on 5 MB gave only $rows rows"

# A database in a read-only directory is listed (needs a user root is not).
ro=$T/ro
mkdir "$ro" && cp "$db" "$ro/db.sqlite" && chmod 755 "$T" "$ro" && chmod 444 "$ro/db.sqlite"
if [ "$(id -u)" != 0 ]; then
  chmod 555 "$ro"
  asuser() { "$@"; }
elif command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$bm" --version >/dev/null 2>&1; then
  asuser() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
  echo "check_bad_input: read-only directory case SKIPPED (root, and user nobody cannot run $bm)"
  exit 0
fi
before=$(dump "$ro/db.sqlite")
out=$(asuser "$bm" --db "$ro/db.sqlite" incidents list 2>&1) || fail "read-only list: $out"
grep -q 'incident(s)' <<< "$out" || fail "read-only list: $out"
out=$(asuser "$bm" --db "$ro/db.sqlite" export -o - 2>&1 >/dev/null) || fail "read-only export: $out"
out=$(asuser "$bm" --db "$ro/db.sqlite" incidents delete 1 2>&1) && fail "deleting from a read-only database succeeded"
grep -q 'readonly\|read-only' <<< "$out" || fail "read-only delete: $out"
[ "$(dump "$ro/db.sqlite")" = "$before" ] || fail "the read-only database changed"
[ -n "$(ls -A "$ro" | grep -v '^db.sqlite$')" ] && fail "files appeared in the read-only directory: $(ls -A "$ro")"
echo "check_bad_input: loop walk, mentions stream and read-only directory ok"
