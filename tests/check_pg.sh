#!/usr/bin/env bash
# check_pg.sh: the PostgreSQL/PostGIS backend against a real server
# ($BM_TEST_PG): the whole pipeline (tests/check_pipeline.sh on a PostGIS
# schema), the same outputs as SpatiaLite byte for byte, the layers QGIS sees
# (ogrinfo PG:, primary keys, GiST indexes), `db copy` SpatiaLite -> PostGIS ->
# SpatiaLite with identical exports, eight concurrent ingests equal to a
# sequential run, two concurrent inits, and a URL with a password refused.
# Usage: check_pg.sh SOURCE-DIR   (CLI: $BM_BIN; SKIPPED without $BM_TEST_PG)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
fail() { echo "check_pg: $*" >&2; exit 1; }
. "$src/tests/pg_lib.sh"
. "$src/tests/reliability_lib.sh"
pg_require check_pg
tmp=$(mktemp -d)
trap 'pg_drop_schemas; rm -rf "$tmp"' EXIT
url=$BM_TEST_PG
pg() { local s=$1; shift; "$bm" --db "$url" --pg-schema "$s" -q "$@"; }
lite() { local f=$1; shift; "$bm" --db "$f" -q "$@"; }

# 1. The pipeline test, unchanged, on PostGIS; and the corrections test.
pg_new_schema s_pipe
BM_PIPELINE_DB=$url BM_PIPELINE_SCHEMA=$s_pipe bash "$src/tests/check_pipeline.sh" "$src" \
  || fail "check_pipeline.sh failed on PostgreSQL"

# The analysts' corrections test, unchanged, on PostGIS.
pg_new_schema s_corr
for t in t t2 t3; do pg_schemas+=("${s_corr}_$t"); done
BM_CORRECTIONS_PG=$url BM_CORRECTIONS_SCHEMA=$s_corr bash "$src/tests/check_corrections.sh" "$src" \
  || fail "check_corrections.sh failed on PostgreSQL"

# 2. Same articles, same outputs as SpatiaLite, byte for byte.
pg_new_schema s_ex
pg "$s_ex" init
pg "$s_ex" ingest "$src/examples/articles"
lite "$tmp/ex.sqlite" ingest "$src/examples/articles"
for f in csv geojson; do
  pg "$s_ex" export -o "$tmp/pg.$f" --include-country-level
  lite "$tmp/ex.sqlite" export -o "$tmp/lite.$f" --include-country-level
  cmp -s "$tmp/pg.$f" "$tmp/lite.$f" || fail "export .$f differs between PostGIS and SpatiaLite"
done
pg "$s_ex" export --layer places --areas -o "$tmp/pg-areas.geojson"
lite "$tmp/ex.sqlite" export --layer places --areas -o "$tmp/lite-areas.geojson"
cmp -s "$tmp/pg-areas.geojson" "$tmp/lite-areas.geojson" || fail "place areas differ between backends"
pg "$s_ex" incidents list --format json > "$tmp/pg.json"
lite "$tmp/ex.sqlite" incidents list --format json > "$tmp/lite.json"
cmp -s "$tmp/pg.json" "$tmp/lite.json" || fail "incidents list --format json differs between backends"
pg "$s_ex" render -o "$tmp/pg.png" --width 800 --height 600
lite "$tmp/ex.sqlite" render -o "$tmp/lite.png" --width 800 --height 600
cmp -s "$tmp/pg.png" "$tmp/lite.png" || fail "render differs between backends"
pg "$s_ex" ingest "$src/examples/articles" 2>"$tmp/again.err"
[ "$(pg "$s_ex" incidents list --format csv | wc -l)" = "$(wc -l < "$tmp/lite.csv")" ] \
  || fail "re-ingest changed the PostGIS incidents"

# 3. What QGIS sees: layers with a primary key (FID) and a geometry column,
#    and GiST indexes behind them.
conn=$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1]);
print("PG:host=%s port=%s user=%s dbname=%s schemas=%s" % (p.hostname, p.port or 5432, p.username, p.path[1:], sys.argv[2]))' "$url" "$s_ex")
for layer in incidents places; do
  info=$(ogrinfo -ro -so "$conn" "$layer") || fail "ogrinfo cannot open the $layer layer"
  grep -q '^Geometry Column.* = geom$' <<<"$info" || fail "ogrinfo: $layer has no geometry column"
  grep -q '"WGS 84"' <<<"$info" || fail "ogrinfo: $layer is not in WGS 84"
done
ogrinfo -ro -so "$conn" incidents | grep -q '^FID Column = id$' || fail "ogrinfo: incidents has no FID"
ogrinfo -ro -so "$conn" places | grep -q '^id: String.*UNIQUE NOT NULL' || fail "ogrinfo: places id is no key"
no_pk=$(psql -qAtX "$url" -c "SELECT string_agg(c.relname, ' ') FROM pg_class c JOIN pg_namespace n
  ON n.oid = c.relnamespace WHERE n.nspname = '$s_ex' AND c.relkind = 'r' AND NOT EXISTS
  (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')")
[ -z "$no_pk" ] || fail "tables without a primary key: $no_pk"
n_ogr=$(ogrinfo -ro -so "$conn" incidents | awk -F': ' '/Feature Count/ {print $2}')
[ "$n_ogr" = "$(($(wc -l < "$tmp/lite.csv") - 1))" ] || fail "ogrinfo counts $n_ogr incidents"
gist=$(psql -qAtX "$url" -c "SELECT string_agg(tablename || ':' || indexname, ',' ORDER BY indexname)
  FROM pg_indexes WHERE schemaname = '$s_ex' AND indexdef ~ 'USING gist'")
for want in incidents places; do
  grep -q "$want" <<<"$gist" || fail "no GiST index on $want ($gist)"
done

# 4. db copy: SpatiaLite -> PostGIS -> SpatiaLite keeps every id and value:
#    the exports of the start and the end are the same bytes. An analyst's
#    correction and deletion travel with it.
lite "$tmp/ex.sqlite" incidents edit 4 --fatalities 5 --note "checked" --by alice
lite "$tmp/ex.sqlite" incidents delete 9 --by alice
pg_new_schema s_copy
"$bm" -q --pg-schema "$s_copy" db copy "$tmp/ex.sqlite" "$url" || fail "db copy to PostGIS failed"
"$bm" -q --pg-schema "$s_copy" db copy "$url" "$tmp/back.sqlite" || fail "db copy back failed"
for f in csv geojson gpkg; do
  lite "$tmp/ex.sqlite" export -o "$tmp/a.$f" --include-country-level
  lite "$tmp/back.sqlite" export -o "$tmp/b.$f" --include-country-level
done
cmp -s "$tmp/a.csv" "$tmp/b.csv" || fail "db copy round trip: CSV export differs"
cmp -s "$tmp/a.geojson" "$tmp/b.geojson" || fail "db copy round trip: GeoJSON export differs"
lite "$tmp/ex.sqlite" incidents list --format json > "$tmp/a.json"
lite "$tmp/back.sqlite" incidents list --format json > "$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "db copy round trip: incidents differ"
lite "$tmp/back.sqlite" incidents history 4 --format tsv | grep -q alice \
  || fail "db copy round trip lost the analysts' history"
for t in articles places place_names incidents incident_sources incident_keys incident_edits \
         incident_merges incident_deleted_keys bm_meta; do
  a=$(sqlite3 "$tmp/ex.sqlite" "SELECT count(*) FROM $t")
  b=$(sqlite3 "$tmp/back.sqlite" "SELECT count(*) FROM $t")
  [ "$a" = "$b" ] || fail "db copy round trip: $t has $b rows, the original $a"
done
"$bm" -q --pg-schema "$s_copy" db copy "$tmp/ex.sqlite" "$url" 2>/dev/null \
  && fail "db copy into a database with incidents should be refused"

# 5. Eight ingest processes at once (eight connections, "eight machines")
#    store exactly the incidents and sources of a sequential run.
python3 "$src/tests/gen_articles.py" 160 "$tmp/arts" 11
ls "$tmp"/arts/*.txt > "$tmp/all"
split -n l/8 -d "$tmp/all" "$tmp/part"
lite "$tmp/seq.sqlite" ingest "$tmp/arts"
pg_new_schema s_conc
pg "$s_conc" init
pids=()
for p in 0 1 2 3 4 5 6 7; do
  xargs -a "$tmp/part0$p" "$bm" --db "$url" --pg-schema "$s_conc" -q ingest >"$tmp/w$p.out" 2>&1 &
  pids+=($!)
done
for p in 0 1 2 3 4 5 6 7; do
  wait "${pids[$p]}" || fail "concurrent writer $p failed: $(cat "$tmp/w$p.out")"
done
"$bm" -q --pg-schema "$s_conc" db copy "$url" "$tmp/conc.sqlite"
[ "$(counts "$tmp/conc.sqlite")" = "$(counts "$tmp/seq.sqlite")" ] \
  || fail "8 writers left $(counts "$tmp/conc.sqlite"); sequential: $(counts "$tmp/seq.sqlite")"
incident_keys "$tmp/conc.sqlite" | cmp -s - <(incident_keys "$tmp/seq.sqlite") \
  || fail "8 concurrent writers stored other incidents or sources than a sequential run"

# 6. Two inits of one new schema at once both succeed, one schema results.
pg_new_schema s_init
pg "$s_init" init & i1=$!
pg "$s_init" init & i2=$!
wait $i1 || fail "concurrent init 1 failed"
wait $i2 || fail "concurrent init 2 failed"
[ "$(psql -qAtX "$url" -c "SELECT value FROM $s_init.bm_meta WHERE key = 'schema_version'")" -ge 5 ] \
  || fail "concurrent inits left no schema version"

# 7. A password in the URL is refused, and never echoed.
out=$("$bm" --db "postgresql://someone:s3cretpw@127.0.0.1:1/x" init 2>&1) && fail "a URL with a password was accepted"
grep -q 'pgpass' <<<"$out" || fail "the refusal does not point to ~/.pgpass: $out"
! grep -q 's3cretpw' <<<"$out" || fail "the password was printed: $out"
out=$("$bm" --db "postgresql://nobody@127.0.0.1:1/nodb" incidents list 2>&1) && fail "a dead server was accepted"
! grep -q 'postgresql://' <<<"$out" || fail "the connection string was printed: $out"
echo "check_pg: ok (pipeline, identical outputs, ogrinfo, db copy round trip, 8 concurrent writers, concurrent init)"
