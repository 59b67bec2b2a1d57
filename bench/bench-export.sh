#!/usr/bin/env bash
# bench-export.sh: `bordermap export` against ogr2ogr on the same database, whole processes as
# a user runs them, in alternating pairs, medians of wall time, CPU (user + system, the binding
# figure: it holds on a busy machine) and peak memory.
#   bordermap: `bordermap --db DB export -o out.EXT`.
#   ogr2ogr: the same database's incidents layer with the same columns bordermap writes, joins
#     included (place names from places; source count, outlet, URL, publication date and
#     article lists, first article and sentence from incident_sources and articles), the same
#     order (date_start, id), country-level incidents left out as bordermap does, and the same
#     layer creation options (GeoJSON: RFC 7946, 6 decimals).
# Three sizes, 10x apart, with the time per incident. A benchmark, not a test.
# Usage: bench/bench-export.sh [--quick] BUILD_DIR [PAIRS]
set -euo pipefail
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
build=$(cd "${1:?usage: bench/bench-export.sh [--quick] BUILD_DIR [PAIRS]}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib-compare.sh"
export BORDERMAP_DATA=${BORDERMAP_DATA:-$root}
command -v ogr2ogr >/dev/null || { echo "bench-export: ogr2ogr missing (gdal-bin)" >&2; exit 1; }
if ((quick)); then sizes=(1000 10000); pairs=${2:-1}; else sizes=(10000 100000 1000000); pairs=${2:-3}; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# What bordermap's incident layer holds, in SQLite's own SQL.
read -r -d '' sql <<'EOF' || true
SELECT i.id AS id,
  CASE i.date_precision WHEN 'month' THEN substr(i.date_start, 1, 7)
    WHEN 'year' THEN substr(i.date_start, 1, 4) ELSE i.date_start END AS date,
  i.date_start AS date_start, i.date_end AS date_end, i.date_precision AS date_precision,
  i.type AS type, i.place_id AS place_id, p.name_en AS place_name_en, p.name_ar AS place_name_ar,
  i.geo_precision AS geo_precision, i.confidence AS confidence, i.fatalities AS fatalities,
  i.actor1 AS actor1, i.actor2 AS actor2, i.provenance AS provenance,
  coalesce(g.n, 0) AS sources, g.names AS source_names, g.urls AS source_urls,
  g.published AS source_published, g.articles AS source_articles, g.article AS article,
  g.snippet AS snippet, i.summary AS summary, i.geom AS geom
FROM incidents i
LEFT JOIN places p ON p.id = i.place_id
LEFT JOIN (SELECT s.incident_id AS incident_id, count(DISTINCT s.article_id) AS n,
    group_concat(coalesce(a.source, '-'), '; ') AS names,
    group_concat(coalesce(a.url, '-'), '; ') AS urls,
    group_concat(coalesce(a.published, '-'), '; ') AS published,
    group_concat(coalesce(a.file_name, '-'), '; ') AS articles,
    min(a.file_name) AS article, min(s.sentence) AS snippet
  FROM incident_sources s JOIN articles a ON a.id = s.article_id
  GROUP BY s.incident_id) g ON g.incident_id = i.id
WHERE p.kind IS NOT 'country'
ORDER BY i.date_start, i.id
EOF

export BM_EXPORT_SQL=$sql
# The issue's rows are exports of 1M incidents; the smaller sizes show how the cost grows (a
# fixed cost of start-up weighs more there, and is printed, not hidden).
bind_note() { # N
    if [ "$1" = 1000000 ]; then echo "≤ 1.2× CPU (binding), ≤ 2× memory"
    else echo "≤ 1.2× CPU (binding on the 1M row), ≤ 2× memory"; fi
}
echo "export: $(cmp_load); $pairs alternating pairs per row, medians"
for n in "${sizes[@]}"; do
    db=$work/db-$n.sqlite
    "$build/bench_mkdb" "$db" "$n"
    label=$(printf "%'d" "$n")
    for fmt in GeoJSON GPKG FlatGeobuf; do
        case $fmt in
        GeoJSON) ext=geojson lco="-lco RFC7946=YES -lco COORDINATE_PRECISION=6 -lco WRITE_NAME=NO" ;;
        GPKG) ext=gpkg lco="" ;;
        FlatGeobuf) ext=fgb lco="" ;;
        esac
        ours=$work/ours.$ext peer=$work/peer.$ext
        cmp_pairs "$pairs" "rm -f '$ours'" \
            "'$build/bordermap' -q --db '$db' export -o '$ours'" \
            "rm -f '$peer'" \
            "ogr2ogr -f $fmt $lco -nln incidents '$peer' '$db' -sql \"\$BM_EXPORT_SQL\""
        cmp_row "export $label incidents → $fmt" \
            "$(cmp_fmt "$A_WALL" "$A_CPU" "$A_MB" "$n")" \
            "ogr2ogr $(cmp_fmt "$B_WALL" "$B_CPU" "$B_MB" "$n")" \
            "$(cmp_ratio "$A_CPU" "$B_CPU")× CPU, $(cmp_ratio "$A_MB" "$B_MB")× memory" \
            "$(bind_note "$n")"
        rm -f "$ours" "$peer"
    done
    rm -f "$db"
done
