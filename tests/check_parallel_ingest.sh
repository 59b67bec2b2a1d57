#!/usr/bin/env bash
# check_parallel_ingest.sh: `ingest --jobs N` (workers extract, one writer
# stores in input order) must leave exactly the database `--jobs 1` leaves:
# every column of incidents, sources, articles (but the ingest time) and
# identity keys, row ids included, the same per-article report (-v), and the
# same summary. The archive mixes generated articles with the awkward
# cases: the same text under two names (the second is skipped), a file that
# is not UTF-8 and an empty one (failed, the others still stored), one
# article longer than the 256 KiB extraction block, a --force re-run, and a
# plain re-run (every article found stored).
# Usage: check_parallel_ingest.sh SOURCE-DIR   (CLI: $BM_BIN)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check_parallel_ingest: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (scripts/install-deps.sh)"

python3 "$src/tests/gen_articles.py" 240 "$tmp/arts" 5
bash "$src/bench/gen-articles.sh" 160 "$tmp/arts" 3 2>/dev/null # more places and types
# (no `ls | head`: under pipefail, head's early exit can kill ls with SIGPIPE)
arts=("$tmp"/arts/*.txt)
cp "${arts[0]}" "$tmp/arts/zz-same-text-again.txt"
printf 'date 2025-03-01\n\nbad \xff\xfe byte\n' > "$tmp/arts/bad-utf8.txt"
: > "$tmp/arts/empty.txt"
# A long article: the generated ones in a row, past one extraction block.
for k in $(seq 8); do
  for f in "$tmp"/arts/a*.txt; do cat "$f"; printf '\n\n'; done
done > "$tmp/arts/long.txt"
[ "$(stat -c %s "$tmp/arts/long.txt")" -gt 262144 ] || fail "the long article is too short"

dump() {
  sqlite3 "$1" "SELECT id, date_start, date_end, date_precision, type, place_id, ST_X(geom) || ','
      || ST_Y(geom), geo_precision, confidence, fatalities, summary, reasons, cell, actor1, actor2,
      provenance, inter1, inter2 FROM incidents ORDER BY id;
    SELECT * FROM incident_sources ORDER BY 1, 2, 3;
    SELECT id, sha256, file_name, source, url, published, language FROM articles ORDER BY id;
    SELECT * FROM incident_keys ORDER BY 1, 2, 3, 4, 5;" 2>/dev/null \
  || sqlite3 "$1" "SELECT id, date_start, date_end, date_precision, type, place_id, hex(geom),
      geo_precision, confidence, fatalities, summary, reasons, cell, actor1, actor2, provenance,
      inter1, inter2 FROM incidents ORDER BY id;
    SELECT * FROM incident_sources ORDER BY 1, 2, 3;
    SELECT id, sha256, file_name, source, url, published, language FROM articles ORDER BY id;
    SELECT * FROM incident_keys ORDER BY 1, 2, 3, 4, 5;"
}

run() { # jobs db out
  local rc=0
  "$bm" --db "$2" ingest --jobs "$1" -v "$tmp/arts" > "$3.tsv" 2> "$3.err" || rc=$?
  [ $rc -eq 1 ] || fail "--jobs $1: exit $rc, expected 1 (two bad files): $(cat "$3.err")"
  rc=0
  "$bm" --db "$2" ingest --jobs "$1" --force -v "$tmp/arts" >> "$3.tsv" 2>> "$3.err" || rc=$?
  [ $rc -eq 1 ] || fail "--jobs $1 --force: exit $rc, expected 1: $(cat "$3.err")"
  # Again into the filled store: the workers look each article up (they skip the lookups
  # when the store held no article at the start, as in the first run, or with --force).
  rc=0
  "$bm" --db "$2" ingest --jobs "$1" -v "$tmp/arts" >> "$3.tsv" 2>> "$3.err" || rc=$?
  [ $rc -eq 1 ] || fail "--jobs $1 again: exit $rc, expected 1: $(cat "$3.err")"
  dump "$2" > "$3.db"
}

run 1 "$tmp/one.sqlite" "$tmp/one"
[ "$(sqlite3 "$tmp/one.sqlite" 'SELECT count(*) FROM incidents')" -gt 100 ] \
  || fail "the one-thread run stored too few incidents to compare"
grep -c 'skipped' "$tmp/one.tsv" > /dev/null || fail "the repeated text was not skipped"
# 9: more workers than processors, so they queue for room in the window (each store
# wakes one).
for jobs in 2 4 9; do
  run "$jobs" "$tmp/j$jobs.sqlite" "$tmp/j$jobs"
  cmp -s "$tmp/one.db" "$tmp/j$jobs.db" || {
    diff "$tmp/one.db" "$tmp/j$jobs.db" > "$tmp/diff" || true
    head -5 "$tmp/diff" >&2
    fail "--jobs $jobs stored something else than --jobs 1"
  }
  cmp -s "$tmp/one.tsv" "$tmp/j$jobs.tsv" || fail "--jobs $jobs reported other per-article results"
  cmp -s "$tmp/one.err" "$tmp/j$jobs.err" || {
    diff "$tmp/one.err" "$tmp/j$jobs.err" > "$tmp/diff" || true
    head -5 "$tmp/diff" >&2
    fail "--jobs $jobs printed other errors or summary"
  }
done
echo "check_parallel_ingest: --jobs 2, 4 and 9 equal --jobs 1 ($(sqlite3 "$tmp/one.sqlite" \
  'SELECT count(*) FROM incidents') incidents, $(wc -l < "$tmp/one.tsv") article reports)"
