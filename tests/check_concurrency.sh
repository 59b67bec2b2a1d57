#!/usr/bin/env bash
# check_concurrency.sh: concurrent first use. Each round, four `ingest`
# processes start at once on a database file that does not exist yet, each
# with its own quarter of a generated archive, while a reader loop lists
# incidents; then two writers ingest the whole archive at once, in opposite
# orders, into another new file. Every writer and reader must succeed,
# nothing may be lost (all articles present), the reader's counts may only
# grow, and both databases must hold exactly the incidents and sources of a
# sequential run.
# Usage: check_concurrency.sh SOURCE-DIR   (CLI: $BM_BIN; rounds:
#        $BM_RACE_ROUNDS, default 3; articles: $BM_RACE_ARTICLES, default 160)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
rounds=${BM_RACE_ROUNDS:-3}
n=${BM_RACE_ARTICLES:-160}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/reliability_lib.sh"
fail() { echo "check_concurrency: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (scripts/install-deps.sh)"

python3 "$src/tests/gen_articles.py" "$n" "$tmp/arts" 11
ls "$tmp"/arts/*.txt > "$tmp/all"
split -n l/4 -d "$tmp/all" "$tmp/part"
"$bm" --db "$tmp/seq.sqlite" -q ingest "$tmp/arts" || fail "sequential ingest failed"
incident_keys "$tmp/seq.sqlite" > "$tmp/seq.keys"
want=$(counts "$tmp/seq.sqlite")

for r in $(seq 1 "$rounds"); do
  db=$tmp/r$r.sqlite
  pids=()
  for p in 0 1 2 3; do
    xargs -a "$tmp/part0$p" "$bm" --db "$db" -q ingest >"$tmp/w$p.out" 2>&1 &
    pids+=($!)
  done
  # The reader starts with the writers: it may be the one that creates the file.
  (
    last=0 i=0
    while [ $i -lt 2 ] || kill -0 "${pids[@]}" 2>/dev/null; do
      i=$((i + 1))
      out=$("$bm" --db "$db" -q incidents list --format csv 2>&1) \
        || { echo "reader failed: $out"; exit 1; }
      now=$(($(printf '%s\n' "$out" | wc -l) - 1))
      [ "$now" -ge "$last" ] || { echo "reader saw the count drop from $last to $now"; exit 1; }
      last=$now
    done
    echo "$i reads"
  ) >"$tmp/reader.out" 2>&1 &
  reader=$!
  for p in 0 1 2 3; do
    wait "${pids[$p]}" || fail "round $r: writer $p failed: $(cat "$tmp/w$p.out")"
  done
  wait "$reader" || fail "round $r: $(cat "$tmp/reader.out")"
  got=$(counts "$db")
  [ "$got" = "$want" ] || fail "round $r: 4 writers left $got; a sequential run gives $want"
  incident_keys "$db" | cmp -s - "$tmp/seq.keys" \
    || fail "round $r: 4 writers stored other incidents or sources than a sequential run"

  # Same articles, opposite orders, at the same time.
  db2=$tmp/o$r.sqlite
  xargs -a "$tmp/all" "$bm" --db "$db2" -q ingest >"$tmp/o1.out" 2>&1 &
  o1=$!
  sort -r "$tmp/all" | xargs "$bm" --db "$db2" -q ingest >"$tmp/o2.out" 2>&1 &
  o2=$!
  wait $o1 || fail "round $r: forward writer failed: $(cat "$tmp/o1.out")"
  wait $o2 || fail "round $r: backward writer failed: $(cat "$tmp/o2.out")"
  incident_keys "$db2" | cmp -s - "$tmp/seq.keys" \
    || fail "round $r: two writers in opposite orders disagree with a sequential run"
  echo "round $r: $got ($(tail -1 "$tmp/reader.out") meanwhile); both concurrent runs equal the sequential one"
done
echo "check_concurrency: $rounds round(s) ok"
