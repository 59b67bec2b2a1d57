#!/usr/bin/env bash
# animate-demo.sh: rebuilds docs/animate-corridor.gif, the README's animation, from the
# hand-annotated incidents of the reference corpus (dates, places and types only).
# Never copies corpus text: the incidents get neutral summaries in a temporary database.
# Usage: scripts/animate-demo.sh [path/to/bordermap] [corpus dir]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bordermap}
corpus=${2:-$root/../shared/corpus}
gold=$corpus/gold
[ -x "$bin" ] || { echo "animate-demo: no bordermap binary at $bin" >&2; exit 1; }
if [ ! -r "$gold/incidents.tsv" ]; then
    echo "animate-demo: no gold annotations under $corpus" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/demo.sqlite
export BORDERMAP_DATA=${BORDERMAP_DATA:-$root}

# place_id -> lon, lat, kind from the gold gazetteer; areas (governorates, regions,
# countries) become geo_precision 3 so the map shades them instead of pinning a point.
awk -F'\t' 'NR == FNR { if (FNR > 1) { lon[$3] = $9; lat[$3] = $8; kind[$3] = $6 }; next }
    FNR > 1 && ($4 in lon) {
        gp = (kind[$4] ~ /^(governorate|region|country)$/) ? 3 : 1
        printf "%s\t%s,%s\t%s\t%d\n", $2, lon[$4], lat[$4], $5, gp
    }' "$gold/places.tsv" "$gold/incidents.tsv" > "$tmp/incidents.tsv"

n=0
while IFS=$'\t' read -r date lonlat type gp; do
    n=$((n + 1))
    "$bin" --quiet --db "$db" incidents add --date "$date" --lonlat "$lonlat" --type "$type" \
        --geo-precision "$gp" --summary "corpus incident $n" > /dev/null
done < "$tmp/incidents.tsv"

mkdir -p "$root/docs"
"$bin" --db "$db" animate -o "$root/docs/animate-corridor.gif" --overwrite \
    --from 2024-04 --to 2025-05 --step month --window 3 --fade --fps 2 --hold-last 2 \
    --width 960 --height 720 --lang both
