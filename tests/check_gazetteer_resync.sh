#!/usr/bin/env bash
# check_gazetteer_resync.sh: a command that opens the database re-syncs the places table when a
# gazetteer file changed (size or modification time), and leaves it alone when nothing did. The
# store open decides this from stat() alone, without loading the gazetteer (cli/sync.c), so
# this checks that shortcut still sees a changed, an added and a same-size edited file; and
# that a new database's template (found the same way) follows a change, and that ingest's
# rules loaded beside the store's opening still fail it with ingest's message.
# Usage: BM_BIN=PATH/TO/bordermap tests/check_gazetteer_resync.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_gazetteer_resync: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "check_gazetteer_resync: sqlite3 missing, skipped"; exit 0; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unset BORDERMAP_DB
export XDG_CACHE_HOME="$tmp/cache"
# A private copy of the data the gazetteer depends on, so its files can be edited.
mkdir -p "$tmp/data"
cp -r "$root/gazetteer" "$root/maps" "$tmp/data/"
export BORDERMAP_DATA="$tmp/data"
db="$tmp/db.sqlite"
corridor="$tmp/data/gazetteer/corridor.tsv"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
open_db() { "$bin" -q --db "$db" incidents list >/dev/null 2>"$tmp/err" || fail "$1: exit $? ($(head -c 300 "$tmp/err"))"; }
q() { sqlite3 "$db" "$1"; }
fp() { q "SELECT value FROM bm_meta WHERE key = 'gazetteer_fingerprint'"; }
row() { # id name_en: a made-up place in the corridor, written for this test
    printf '%s\t%s\tقرية الاختبار\tvillage\tSY\tSY-DY\t34.61\t40.92\t\t\t\t\tcurated\n' "$1" "$2"
}

"$bin" -q --db "$db" init >/dev/null 2>"$tmp/err" || fail "init: $(head -c 300 "$tmp/err")"
fp0=$(fp)
[[ -n "$fp0" ]] || fail "init wrote no gazetteer fingerprint"

# Unchanged files: no sync (a row put into places by hand survives, the fingerprint stays).
q "UPDATE places SET name_en = 'Hand Edited' WHERE id = 'al-qaim'"
open_db "unchanged"
[[ "$(fp)" == "$fp0" ]] || fail "fingerprint changed with no file changed"
[[ "$(q "SELECT name_en FROM places WHERE id = 'al-qaim'")" == "Hand Edited" ]] ||
    fail "places rewritten although no gazetteer file changed"

# A row added (size and time change): synced.
row test-resync-one "Resync One" >>"$corridor"
open_db "row added"
[[ "$(q "SELECT name_en FROM places WHERE id = 'test-resync-one'")" == "Resync One" ]] ||
    fail "a place added to corridor.tsv is not in the database"
fp1=$(fp)
[[ "$fp1" != "$fp0" ]] || fail "fingerprint unchanged after a row was added"

# The same size, another modification time: synced.
sed -i 's/\tResync One\t/\tResync Two\t/' "$corridor"
touch -d '2001-02-03 04:05:06' "$corridor"
open_db "same-size edit"
[[ "$(q "SELECT name_en FROM places WHERE id = 'test-resync-one'")" == "Resync Two" ]] ||
    fail "a same-size edit with a new time is not synced"

# A new place file: synced.
{ sed -n '/^id\t/p' "$corridor"; row test-resync-new "Resync New"; } >"$tmp/data/gazetteer/extra.tsv"
open_db "file added"
[[ "$(q "SELECT count(*) FROM places WHERE id = 'test-resync-new'")" == 1 ]] ||
    fail "a place in a new gazetteer file is not in the database"

# A file removed: synced (its place gone from the gazetteer, the fingerprint changes).
fp2=$(fp)
rm "$tmp/data/gazetteer/extra.tsv"
open_db "file removed"
[[ "$(fp)" != "$fp2" ]] || fail "fingerprint unchanged after a gazetteer file was removed"

# A stored fingerprint that does not parse: synced the ordinary way, no failure.
q "UPDATE bm_meta SET value = 'garbage' WHERE key = 'gazetteer_fingerprint'"
open_db "bad stored fingerprint"
[[ "$(fp)" == v1-* ]] || fail "a bad stored fingerprint is not replaced"

# A new database is a copy of the cached template named by the files' sizes and times (the
# gazetteer is not loaded to find it): after a file changed, a new file gets the new places.
printf 'BAGHDAD, March 3, 2025 - Clashes broke out near Al-Qaim on Monday.\n' >"$tmp/a.txt"
"$bin" -q --db "$tmp/new1.sqlite" ingest "$tmp/a.txt" >/dev/null 2>"$tmp/err" ||
    fail "ingest into a new file: $(head -c 300 "$tmp/err")"
row test-resync-tpl "Resync Template" >>"$corridor"
"$bin" -q --db "$tmp/new2.sqlite" ingest "$tmp/a.txt" >/dev/null 2>"$tmp/err" ||
    fail "ingest into a new file after a change: $(head -c 300 "$tmp/err")"
[[ "$(sqlite3 "$tmp/new2.sqlite" "SELECT count(*) FROM places WHERE id = 'test-resync-tpl'")" == 1 ]] ||
    fail "a new database made after a gazetteer change misses the added place"
[[ "$(sqlite3 "$tmp/new1.sqlite" "SELECT count(*) FROM places WHERE id = 'test-resync-tpl'")" == 0 ]] ||
    fail "the place added later is in the database made before"

# ingest loads the date rules beside the store's opening: a missing file still fails the
# command with ingest's message, and nothing is stored.
mv "$tmp/data/gazetteer/lexicon/dates-en.tsv" "$tmp/dates-en.tsv"
"$bin" -q --db "$tmp/new2.sqlite" ingest --force "$tmp/a.txt" >/dev/null 2>"$tmp/err"
rc=$?
((rc == 1)) || fail "ingest without the date rules: exit $rc, wanted 1"
grep -q '^bordermap: ingest: gazetteer/lexicon/dates-en.tsv not found' "$tmp/err" ||
    fail "ingest without the date rules: message '$(head -c 300 "$tmp/err")'"
mv "$tmp/dates-en.tsv" "$tmp/data/gazetteer/lexicon/dates-en.tsv"

((fails == 0)) && echo "check_gazetteer_resync: ok"
exit $((fails > 0))
