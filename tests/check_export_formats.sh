#!/usr/bin/env bash
# check_export_formats.sh: what an analyst's tools see of bordermap's exports,
# asked of `ogrinfo -so -al` (GDAL's own reader): date_start/date_end typed Date
# in GPKG, GeoJSON, CSV (.csvt) and the SpatiaLite file, DateTime in FlatGeobuf;
# source columns; KML names, TimeSpans and styles; the ACLED header; and the
# ACLED round trip and fixture import through the CLI, with their exit codes.
# Usage: BM_BIN=PATH/TO/bordermap tests/check_export_formats.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_export_formats: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
command -v ogrinfo >/dev/null || { echo "check_export_formats: ogrinfo (gdal-bin) is required" >&2; exit 1; }
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset BORDERMAP_DB
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
run() { "$bin" --db "$tmp/db.sqlite" -q "$@"; }
field_type() { # file field -> the type ogrinfo reports
    ogrinfo -ro -so -al "$1" 2>/dev/null | awk -v f="$2" -F': ' '$1 == f {split($2, a, " "); print a[1]; exit}'
}

run ingest --source "Shafaq News" --url https://example.org/a "$root/examples/articles" \
    || fail "ingest of the examples"

for f in i.gpkg i.geojson i.csv i.fgb i.kml; do
    run export -o "$f" || fail "export $f"
done
for f in i.gpkg i.geojson i.csv; do
    for col in date_start date_end; do
        t=$(field_type "$f" "$col")
        [[ "$t" == Date ]] || fail "$f: $col is '$t', want Date"
    done
done
for col in date_start date_end; do
    t=$(field_type i.fgb "$col")
    [[ "$t" == DateTime ]] || fail "i.fgb: $col is '$t', want DateTime"
    t=$(ogrinfo -ro -so db.sqlite incidents 2>/dev/null | awk -v f="$col" -F': ' '$1 == f {split($2, a, " "); print a[1]}')
    [[ "$t" == Date ]] || fail "SpatiaLite incidents.$col is '$t', want Date"
done
[[ -f i.csvt ]] || fail "no i.csvt beside i.csv"
[[ -f i.prj ]] || fail "no i.prj beside i.csv"
ls -a | grep -c '\.tmp-' >/dev/null && fail "temporary files left behind"
for col in source_names source_urls source_published source_articles actor1 actor2 provenance; do
    [[ "$(field_type i.gpkg "$col")" == String ]] || fail "i.gpkg has no $col"
done
ogrinfo -ro -al -q i.gpkg > i.txt
grep -q "source_names (String) = Shafaq News" i.txt || fail "i.gpkg: no outlet"
grep -q "source_urls (String) = https://example.org/a" i.txt || fail "i.gpkg: no URL"

# --jobs: a reader thread or none, the same file; a count out of range is a usage error.
for j in 1 2; do
    run export -o "j$j.geojson" --jobs "$j" || fail "export --jobs $j"
done
cmp -s j1.geojson j2.geojson || fail "export --jobs 1 and --jobs 2 wrote different files"
cmp -s j1.geojson i.geojson || fail "export --jobs 1 and the default wrote different files"
run export -o j0.geojson --jobs 0 2>/dev/null
[[ $? -eq 2 ]] || fail "export --jobs 0 did not exit 2"

# One CSV schema: `incidents list --format csv` has export's header and rows.
run incidents list --format csv > list.csv || fail "incidents list --format csv"
[[ "$(head -1 list.csv)" == "$(head -1 i.csv)" ]] || fail "list CSV and export CSV headers differ"

# Sources layer: one row per source with its outlet, URL and publication date.
run export -o s.gpkg --layer sources || fail "export --layer sources"
[[ "$(field_type s.gpkg published)" == Date ]] || fail "sources: published is not a Date"
[[ "$(field_type s.gpkg outlet)" == String ]] || fail "sources: no outlet"

# KML: names, TimeSpans, one style per type in the map's colours.
grep -q '<Style id="airstrike">' i.kml || fail "KML: no airstrike style"
grep -q '<styleUrl>#airstrike</styleUrl>' i.kml || fail "KML: placemarks not styled"
grep -q '<TimeSpan>' i.kml || fail "KML: no TimeSpan"
grep -q '<name>Airstrike, ' i.kml || fail "KML: no placemark names"
grep -q 'Sources: Shafaq News' i.kml || fail "KML: description without sources"

# Country-level incidents: out by default, with a null geometry on request.
run incidents add --date 2025-03 --place iraq --type statement --summary "Iraq-wide alert" >/dev/null \
    || fail "add a country-level incident"
run export -o c1.geojson || fail "export without country level"
run export -o c2.geojson --include-country-level || fail "export --include-country-level"
n1=$(ogrinfo -ro -so -al c1.geojson | awk -F': ' '/Feature Count/ {print $2}')
n2=$(ogrinfo -ro -so -al c2.geojson | awk -F': ' '/Feature Count/ {print $2}')
all=$(run incidents list --format csv | python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(sys.stdin)) - 1)')
[[ "$n2" -eq "$all" && "$n1" -lt "$n2" ]] \
    || fail "country-level: $n1 without, $n2 with, $all incidents (want all with, fewer without)"
grep -q '"geometry": null' c2.geojson || fail "country-level incident has a geometry"

# ACLED: exact header, round trip through import, and the hand-written fixture.
want='event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp'
run export -o a.csv --format ACLED || fail "export --format ACLED"
[[ "$(head -1 a.csv)" == "$want" ]] || fail "ACLED header differs"
"$bin" --db "$tmp/other.sqlite" -q import --format ACLED a.csv || fail "import --format ACLED"
"$bin" --db "$tmp/other.sqlite" -q export -o b.csv --format ACLED || fail "re-export ACLED"
cut_ts() { python3 -c 'import csv,sys; [print(r[:-1]) for r in csv.reader(open(sys.argv[1], encoding="utf-8"))]' "$1"; }
[[ "$(cut_ts a.csv)" == "$(cut_ts b.csv)" ]] || fail "ACLED round trip changed the events"
"$bin" --db "$tmp/other.sqlite" import --format ACLED a.csv 2> err.txt || fail "second import"
grep -q "0 added" err.txt || fail "second import added events: $(cat err.txt)"
"$bin" --db "$tmp/f.sqlite" -q import --format ACLED "$root/tests/data/acled-fixture.csv" \
    || fail "import of the fixture"
[[ "$("$bin" --db "$tmp/f.sqlite" incidents list --format csv | python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(sys.stdin)) - 1)')" == 4 ]] \
    || fail "fixture: want 4 incidents"

# Exit codes.
"$bin" --db "$tmp/f.sqlite" -q import a.csv 2>/dev/null; [[ $? -eq 2 ]] || fail "import without --format: want 2"
"$bin" --db "$tmp/f.sqlite" -q import --format GeoJSON a.csv 2>/dev/null; [[ $? -eq 2 ]] || fail "import --format GeoJSON: want 2"
printf 'event_id_cnty,event_date,latitude,longitude,sub_event_type\nX,someday,1,2,Armed clash\n' > bad.csv
"$bin" --db "$tmp/f.sqlite" -q import --format ACLED bad.csv 2>/dev/null; [[ $? -eq 1 ]] || fail "bad ACLED row: want 1"
run export -o x.gpkg --format ACLED --layer places 2>/dev/null; [[ $? -eq 2 ]] || fail "ACLED places: want 2"
"$bin" import --help | grep -c "Exit codes" >/dev/null || fail "import --help documents no exit codes"

[[ $fails -eq 0 ]] || { echo "check_export_formats: $fails failure(s)" >&2; exit 1; }
echo "check_export_formats: ok"
