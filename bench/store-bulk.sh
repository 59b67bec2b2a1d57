#!/usr/bin/env bash
# store-bulk.sh: the store's bulk load against SQLite's own path, on the same
# rows (bench_store --write-csv), whole processes as a user runs them, fresh
# files each run, alternating pairs, medians of wall and CPU, peak RSS.
#   bordermap: bench_store --load-csv (opens/creates the store, reads the CSV,
#              bm_store_incident_add per row, one transaction)
#   SQLite:    sqlite3 + mod_spatialite: InitSpatialMetadata, .import of the
#              CSV into a table, AddGeometryColumn + UPDATE ... MakePoint,
#              CreateSpatialIndex and the same date index, in one transaction
# Three sizes x10 apart print time per row, so a non-linear step shows.
# Target (issue 14): bordermap within 1.1x of SQLite's path.
# Usage: bench/store-bulk.sh [BUILD_DIR] [SIZES="10000 100000 1000000"] [PAIRS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
sizes="${2:-10000 100000 1000000}"
pairs="${3:-3}"
bench="$build/bench_store"
[[ -x "$bench" ]] || { echo "store-bulk.sh: missing $bench (build first)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "store-bulk.sh: sqlite3 missing" >&2; exit 2; }
timer="$build/bench_time" # microseconds; time(1) prints CPU in 10 ms steps
[[ -x "$timer" ]] || { echo "store-bulk.sh: missing $timer (build first)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fresh() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

# One timed run: prints "wall cpu peak_kib".
timed() {
    "$timer" -o "$tmp/t" "$@" > "$tmp/out" 2>&1 \
        || { cat "$tmp/out" >&2; echo "store-bulk.sh: failed: $*" >&2; exit 1; }
    awk '{ printf "%.4f %.4f %s\n", $1, $2 + $3, $4 }' "$tmp/t"
}

peer_sql() { # CSV
    cat <<SQL
.bail on
SELECT load_extension('mod_spatialite');
SELECT InitSpatialMetadata(1);
BEGIN;
CREATE TABLE incidents(id INTEGER PRIMARY KEY, date_start TEXT, date_end TEXT,
  date_precision TEXT, type TEXT, lon REAL, lat REAL, geo_precision INTEGER,
  confidence REAL, summary TEXT);
.import --csv $1 incidents_csv
INSERT INTO incidents(date_start, date_end, date_precision, type, lon, lat, geo_precision,
  confidence, summary) SELECT * FROM incidents_csv;
DROP TABLE incidents_csv;
SELECT AddGeometryColumn('incidents', 'geom', 4326, 'POINT', 'XY');
UPDATE incidents SET geom = MakePoint(lon, lat, 4326);
SELECT CreateSpatialIndex('incidents', 'geom');
CREATE INDEX incidents_date ON incidents(date_start, date_end);
COMMIT;
SQL
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== store bulk load: bordermap (bench_store --load-csv) vs SQLite's own path, $pairs alternating pairs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-34s %10s %10s %8s %10s %10s %8s %7s %s\n" what bm_wall bm_cpu bm_MB sql_wall sql_cpu sql_MB ratio target
for n in $sizes; do
    csv="$tmp/rows-$n.csv"
    "$bench" --write-csv "$csv" "$n"
    peer_sql "$csv" > "$tmp/peer.sql"
    : > "$tmp/bm" ; : > "$tmp/sq"
    for p in $(seq "$pairs"); do
        # alternate which side goes first
        for side in $( ((p % 2)) && echo "bm sq" || echo "sq bm"); do
            db="$tmp/$side.sqlite"
            fresh "$db"
            if [[ $side == bm ]]; then
                timed "$bench" --load-csv "$csv" "$db" >> "$tmp/bm"
            else
                timed sqlite3 "$db" -init /dev/null ".read $tmp/peer.sql" >> "$tmp/sq"
            fi
        done
    done
    rows=$(sqlite3 "$tmp/sq.sqlite" "SELECT count(*) FROM idx_incidents_geom")
    [[ $rows == "$n" ]] || { echo "store-bulk.sh: SQLite's path indexed $rows of $n rows" >&2; exit 1; }
    bw=$(cut -d' ' -f1 "$tmp/bm" | median); bc=$(cut -d' ' -f2 "$tmp/bm" | median)
    bmem=$(cut -d' ' -f3 "$tmp/bm" | median)
    sw=$(cut -d' ' -f1 "$tmp/sq" | median); sc=$(cut -d' ' -f2 "$tmp/sq" | median)
    smem=$(cut -d' ' -f3 "$tmp/sq" | median)
    awk -v n="$n" -v bw="$bw" -v bc="$bc" -v bm="$bmem" -v sw="$sw" -v sc="$sc" -v sm="$smem" 'BEGIN {
        printf "%-34s %9.2fs %9.2fs %8.0f %9.2fs %9.2fs %8.0f %6.2fx %s\n",
            sprintf("store bulk load %d rows", n), bw, bc, bm / 1024, sw, sc, sm / 1024,
            bc / sc, "<= 1.10x (CPU)"
        printf "%-34s %9.2fus %8.2fus %8s %8.2fus %8.2fus\n", "  per row", bw / n * 1e6,
            bc / n * 1e6, "", sw / n * 1e6, sc / n * 1e6
        # the row of the summary table of run-all.sh
        printf "| store bulk load, %d rows | CPU %.2f s (wall %.2f s, %.0f MB; %.2f us/row) | SQLite .import + MakePoint + indexes: CPU %.2f s (wall %.2f s, %.0f MB) | %.2fx CPU | <= 1.1x |\n",
            n, bc, bw, bm / 1024, bc / n * 1e6, sc, sw, sm / 1024, bc / sc }'
done
