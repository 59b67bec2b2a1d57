#!/usr/bin/env bash
# check_crash.sh: ingest killed with SIGKILL at random moments. A generated
# archive is ingested cleanly once; then, into another database, ingest is
# started again and again and killed at a random moment until 20 runs were
# killed mid-way (every other run in --batch mode, two in three with --force,
# which purges and stores every article again). After every kill the database must pass
# SQLite's integrity check and hold no half-stored article (each stored
# article has exactly the sources it has in the clean run). A final run to
# completion must reach the clean run's counts, incidents and sources.
# Usage: check_crash.sh SOURCE-DIR   (CLI: $BM_BIN; kills: $BM_CRASH_KILLS,
#        default 20; articles: $BM_CRASH_ARTICLES, default 300)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
kills=${BM_CRASH_KILLS:-20}
n=${BM_CRASH_ARTICLES:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/reliability_lib.sh"
fail() { echo "check_crash: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (scripts/install-deps.sh)"

python3 "$src/tests/gen_articles.py" "$n" "$tmp/arts" 23
"$bm" --db "$tmp/clean.sqlite" -q ingest "$tmp/arts" || fail "clean ingest failed"
want=$(counts "$tmp/clean.sqlite")
article_sources "$tmp/clean.sqlite" > "$tmp/clean.src"
incident_keys "$tmp/clean.sqlite" > "$tmp/clean.keys"
# How long a run over an existing database takes (creation and the first
# gazetteer sync excluded: the killed runs do not pay them).
"$bm" --db "$tmp/time.sqlite" -q ingest "$tmp/arts" || fail "timing ingest failed"
start=$(date +%s%N)
"$bm" --db "$tmp/time.sqlite" -q ingest --force "$tmp/arts" || fail "timing ingest failed"
ms=$((($(date +%s%N) - start) / 1000000))

db=$tmp/crash.sqlite
"$bm" --db "$db" -q init
RANDOM=42
killed=0 k=0
while [ $killed -lt "$kills" ] && [ $k -lt $((kills * 3)) ]; do
  k=$((k + 1))
  opts=()
  [ $((k % 2)) = 0 ] && opts+=(--batch 25)
  # re-extracting (purge + store) keeps every run busy once most articles are in
  [ $((k % 3)) != 1 ] && opts+=(--force)
  "$bm" --db "$db" -q ingest "${opts[@]}" "$tmp/arts" >/dev/null 2>&1 &
  pid=$!
  # a moment anywhere in a full run (which takes ~${ms} ms)
  sleep "$(awk -v r=$RANDOM -v ms="$ms" 'BEGIN { printf "%.3f", (r % (ms + 1)) / 1000 }')"
  if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi
  wait $pid 2>/dev/null || true
  ok=$(sqlite3 "$db" "PRAGMA integrity_check")
  [ "$ok" = ok ] || fail "kill $k: integrity check: $ok"
  # every stored article has all of its sources (and nothing else)
  join -j1 <(article_sources "$db" | tr '|' ' ') <(tr '|' ' ' < "$tmp/clean.src") \
    | awk '$2 != $3 { print; bad = 1 } END { exit bad }' >"$tmp/half" \
    || fail "kill $k: half-stored article(s): $(head -3 "$tmp/half")"
  [ "$(sqlite3 "$db" "SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM
      incident_sources s WHERE s.incident_id = i.id)")" = 0 ] \
    || fail "kill $k: an incident without any source"
done
[ "$killed" -ge "$kills" ] || fail "only $killed of $k runs were still running when killed"
"$bm" --db "$db" -q ingest "$tmp/arts" || fail "the run after the kills failed"
got=$(counts "$db")
[ "$got" = "$want" ] || fail "after $kills kills and a re-run: $got; a clean run gives $want"
incident_keys "$db" | cmp -s - "$tmp/clean.keys" \
  || fail "after the kills the incidents or sources differ from a clean run"
echo "check_crash: $killed of $k runs killed mid-way (a run takes ${ms} ms); integrity ok" \
  "after each; re-run: $got, as a clean run"
