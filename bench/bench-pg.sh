#!/usr/bin/env bash
# bench-pg.sh: the PostgreSQL/PostGIS backend at team scale, as whole
# processes, on a throwaway local cluster (scripts/pg-cluster.sh; or
# $BM_TEST_PG):
#  1. ingest throughput: 8 concurrent `bordermap ingest` processes (8
#     connections) into PostGIS against one process into SpatiaLite, the same
#     N generated articles, alternating, RUNS times; medians of wall time and
#     articles/s, peak RSS; and a correctness check (the PostGIS result, copied
#     back with `db copy`, has the sequential SpatiaLite run's incidents and
#     sources);
#  2. query latency at scale: M incidents generated in the PostGIS schema, then
#     `bordermap incidents list --from --to --bbox` (a 3-month window and a
#     1.5-degree box), median of 7 runs, whole process, plus the server's own
#     execution time of that query (EXPLAIN ANALYZE).
# Usage: bench/bench-pg.sh [BIN=build/bordermap] [N=2000] [RUNS=3] [M=1000000]   (N=0: queries only)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/build/bordermap}")
n=${2:-2000}
runs=${3:-3}
m=${4:-1000000}
export BORDERMAP_DATA=${BORDERMAP_DATA:-$here}
. "$here/tests/reliability_lib.sh"
work=$(mktemp -d)
own_cluster=
cleanup() { [ -n "$own_cluster" ] && "$here/scripts/pg-cluster.sh" stop "$own_cluster"; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "${BM_TEST_PG:-}" ]; then
  eval "$("$here/scripts/pg-cluster.sh" start)"
  own_cluster=$BM_PG_DIR
fi
url=$BM_TEST_PG
export PGOPTIONS='-c client_min_messages=warning'
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
psqlq() { psql -qAtX "$url" "$@"; }
if [ "$n" -gt 0 ]; then # N=0: the query part only
"$here/bench/gen-articles.sh" "$n" "$work/arts" > /dev/null
ls "$work"/arts/* > "$work/all"
split -n l/8 -d "$work/all" "$work/part"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $n articles, $runs runs"

for ((r = 0; r < runs; r++)); do
  rm -f "$work/lite.sqlite"*
  /usr/bin/time -f "lite %e %M" -a -o "$work/times" \
    "$bin" -q --db "$work/lite.sqlite" ingest "$work/arts" > /dev/null
  psqlq -c "DROP SCHEMA IF EXISTS bench_ingest CASCADE" >/dev/null
  "$bin" -q --db "$url" --pg-schema bench_ingest init
  start=$(date +%s.%N)
  pids=()
  for p in 0 1 2 3 4 5 6 7; do
    xargs -a "$work/part0$p" /usr/bin/time -f "pgproc %e %M" -a -o "$work/times" \
      "$bin" -q --db "$url" --pg-schema bench_ingest ingest > /dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "pg $(echo "$(date +%s.%N) - $start" | bc) 0" >> "$work/times"
done
"$bin" -q --pg-schema bench_ingest db copy "$url" "$work/back.sqlite"
if [ "$(counts "$work/back.sqlite")" = "$(counts "$work/lite.sqlite")" ] &&
   incident_keys "$work/back.sqlite" | cmp -s - <(incident_keys "$work/lite.sqlite"); then
  verdict="same incidents and sources as the sequential SpatiaLite run ($(counts "$work/lite.sqlite"))"
else
  verdict="DIFFERENT from the sequential run: $(counts "$work/back.sqlite") vs $(counts "$work/lite.sqlite")"
fi
lw=$(awk '$1 == "lite" {print $2}' "$work/times" | median)
lm=$(awk '$1 == "lite" {print $3}' "$work/times" | median)
pw=$(awk '$1 == "pg" {print $2}' "$work/times" | median)
pm=$(awk '$1 == "pgproc" {print $3}' "$work/times" | sort -n | tail -1)
printf 'SpatiaLite, 1 process:   wall %6.2f s  %7.1f articles/s  peak %6d KiB\n' "$lw" "$(echo "$n / $lw" | bc -l)" "$lm"
printf 'PostGIS, 8 processes:    wall %6.2f s  %7.1f articles/s  peak %6d KiB per process\n' "$pw" "$(echo "$n / $pw" | bc -l)" "$pm"
echo "PostGIS result: $verdict"
fi

# 2. Window + bbox latency at M incidents (spread over 2015-2025 and the
#    corridor box, as the ingest writes them: cell and geometry set).
psqlq -c "DROP SCHEMA IF EXISTS bench_scale CASCADE" >/dev/null
"$bin" -q --db "$url" --pg-schema bench_scale init
t0=$(date +%s)
psqlq -c "SET search_path = bench_scale, public;
  INSERT INTO incidents(id, date_start, date_end, date_precision, type, place_id, geom,
    geo_precision, confidence, summary, created_at, cell, provenance)
  SELECT g, d, d, 'day', (ARRAY['clash','attack','airstrike','smuggling','deployment'])[1 + g % 5],
    NULL, ST_SetSRID(ST_MakePoint(x, y), 4326), 1, 0.8, 'generated incident ' || g,
    '2025-01-01T00:00:00Z', (floor(y)::int + 90) * 360 + floor(x)::int + 180, 'extracted'
  FROM (SELECT g, date '2015-01-01' + ((g * 7919) % 4018)::integer AS d,
          38 + ((g * 104729) % 800000) / 100000.0 AS x,
          32 + ((g * 1299709) % 600000) / 100000.0 AS y
        FROM generate_series(1::bigint, $m) g) s;
  UPDATE bm_meta SET value = '0' WHERE key = 'max_span_days';
  ANALYZE incidents;" > /dev/null
echo "generated $m incidents in $(( $(date +%s) - t0 )) s; database size $(psqlq -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
q=(--from 2021-03-01 --to 2021-05-31 --bbox 40.5,34,42,35.5)
hits=$("$bin" -q --db "$url" --pg-schema bench_scale incidents list --format csv "${q[@]}" | tail -n +2 | wc -l)
for i in 1 2 3 4 5 6 7; do
  /usr/bin/time -f "%e %M" -a -o "$work/qtimes" \
    "$bin" -q --db "$url" --pg-schema bench_scale incidents list --format csv "${q[@]}" > /dev/null
done
# the statement bordermap sends for that query (src/store_pg.c, build_query)
server=$(psqlq -c "SET search_path = bench_scale, public; EXPLAIN ANALYZE SELECT i.id FROM incidents i
  WHERE i.cell = ANY('{44860,44861,44862,45220,45221,45222}'::integer[])
  AND ST_X(i.geom) BETWEEN 40.5 AND 42 AND ST_Y(i.geom) BETWEEN 34 AND 35.5
  AND i.date_start >= date '2021-03-01' - 0 AND i.date_end >= date '2021-03-01'
  AND i.date_start <= date '2021-05-31' ORDER BY i.date_start, i.id" | awk '/Execution Time/ {print $3}')
printf 'window+bbox query at %d incidents (%d hits): incidents list median %.3f s (whole process, peak %d KiB); server execution %s ms\n' \
  "$m" "$hits" "$(awk '{print $1}' "$work/qtimes" | median)" "$(awk '{print $2}' "$work/qtimes" | median)" "$server"
psqlq -c "DROP SCHEMA IF EXISTS bench_scale CASCADE; DROP SCHEMA IF EXISTS bench_ingest CASCADE" 2>/dev/null
