#!/usr/bin/env bash
# bench-render.sh: `bordermap render` against GMT on the same points, whole processes as a user
# runs them (start-up, database, basemap, fonts and encoding included), in alternating pairs,
# medians of wall time, CPU and peak memory.
#   bordermap: `bordermap --db DB render -o map.png --width 2000 --height 1500`, every point
#     drawn (a style with co-location off, so no point is merged into a ring or cluster); cold =
#     an empty basemap cache ($XDG_CACHE_HOME/bordermap), warm = the cache filled by an earlier
#     run of the same map (the projected basemap and, for PNG, its drawn layers as pixels; the
#     incidents, labels, furniture and encoding are drawn every run). The operating system's
#     page cache is warm on both sides.
#   GMT: `gmt coast -Df -A0 -G.. -S.. -W -N1 -Ia -Baf` (full-resolution coast, lakes, rivers,
#     borders) then `gmt plot` of every point, a 51 cm wide page at 96 dpi (~2000 px, the same
#     size and dpi), PNG or PDF through its psconvert (Ghostscript). GMT reads the points from a
#     text file written beforehand (untimed): the peer is spared reading a database.
# Three sizes, 10x apart, with the time per incident, so cost that grows faster than the
# count shows. A benchmark, not a test: prints rows, never fails on a missed target.
# Usage: bench/bench-render.sh [--quick] BUILD_DIR [PAIRS]
set -euo pipefail
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
build=$(cd "${1:?usage: bench/bench-render.sh [--quick] BUILD_DIR [PAIRS]}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib-compare.sh"
export BORDERMAP_DATA=${BORDERMAP_DATA:-$root}
for tool in gmt gs; do
    command -v "$tool" >/dev/null || { echo "bench-render: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if ((quick)); then sizes=(1000 10000); pairs=${2:-1}; else sizes=(10000 100000 1000000); pairs=${2:-5}; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e 's/^colocated = .*/colocated = 0/' "$BORDERMAP_DATA/maps/style.ini" >"$work/every-point.ini"
gmt makecpt -Ccategorical -T0/13/1 >"$work/types.cpt"

# GMT's side: the corridor (the extent bordermap draws by default), Lambert conic as ours.
gmt_cmd() { # FORMAT POINTS
    printf '%s' "cd '$work' && export GMT_SESSION_NAME=bm\$\$ && gmt begin gmtmap $1 E96 && " \
        "gmt coast -R35/46/30.5/38.5 -JL40.5/34.5/31.8/37.2/51c -Df -A0 -G240/236/226 " \
        "-S179/209/230 -W -N1 -Ia -Baf && gmt plot '$2' -Sc0.17c -C'$work/types.cpt' && gmt end"
}

echo "render: $(cmp_load); $pairs alternating pairs per row, medians"
for n in "${sizes[@]}"; do
    db=$work/db-$n.sqlite pts=$work/points-$n.txt
    "$build/bench_mkdb" "$db" "$n" "$pts"
    bm="'$build/bordermap' -q --db '$db' render --width 2000 --height 1500 --style '$work/every-point.ini' --overwrite"
    cold="rm -rf '$work/cache'"
    warm="XDG_CACHE_HOME='$work/cache' $bm -o '$work/warm.png'"
    bash -c "$cold" && bash -c "$warm" # fills the cache for the warm rows
    label=$(printf "%'d" "$n")
    for fmt in png pdf; do
        FMT=$(echo "$fmt" | tr a-z A-Z)
        # The issue's row is 100k incidents; 10k and 1M show how the cost grows (at 10k the
        # fixed cost of a run weighs most).
        if [ "$fmt" = pdf ]; then target="≥ 2×"
        elif [ "$n" = 100000 ]; then target="≥ 5× (binding)"
        else target="≥ 5× (binding on the 100k row)"; fi
        for temp in cold warm; do
            [ "$fmt" = pdf ] && [ "$temp" = cold ] && continue # PDF: warm only (cold as PNG)
            prep=$([ "$temp" = cold ] && echo "$cold" || echo :)
            cmp_pairs "$pairs" "$prep" "XDG_CACHE_HOME='$work/cache' $bm -o '$work/bm.$fmt'" \
                : "$(gmt_cmd "$fmt" "$pts")"
            ratio="$(cmp_ratio "$B_WALL" "$A_WALL")× faster (cpu $(cmp_ratio "$B_CPU" "$A_CPU")×, memory $(cmp_ratio "$A_MB" "$B_MB")× GMT's)"
            cmp_row "render $FMT 2000×1500, $label incidents, every point, $temp" \
                "$(cmp_fmt "$A_WALL" "$A_CPU" "$A_MB" "$n")" \
                "GMT coast -Df + plot $(cmp_fmt "$B_WALL" "$B_CPU" "$B_MB" "$n")" \
                "$ratio" "$target; memory ≤ 2×"
        done
    done
    rm -f "$db" "$pts"
done

# The fixed cost: an empty database, cold and warm.
db=$work/empty.sqlite
"$build/bordermap" -q --db "$db" init >/dev/null 2>&1 || true
bm="'$build/bordermap' -q --db '$db' render --width 2000 --height 1500 --overwrite -o '$work/empty.png'"
for temp in cold warm; do
    prep=$([ "$temp" = cold ] && echo "rm -rf '$work/cache'" || echo :)
    bash -c "XDG_CACHE_HOME='$work/cache' $bm" # fills the cache
    cmp_pairs "$((pairs < 3 ? pairs : 3))" "$prep" "XDG_CACHE_HOME='$work/cache' $bm" : "true"
    limit=$([ "$temp" = cold ] && echo "< 0.3 s" || echo "< 0.1 s")
    cmp_row "render fixed cost (no incidents, 2000×1500 PNG), $temp" \
        "$(cmp_fmt "$A_WALL" "$A_CPU" "$A_MB")" "–" "–" "$limit"
done
