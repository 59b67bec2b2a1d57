#!/usr/bin/env bash
# bench-reingest.sh: what incident identity costs. Times, as whole processes,
# a fresh `bordermap ingest` of N generated articles and then `ingest --force`
# of the same articles (every incident found again by its identity), for one
# binary or for two (e.g. a build of main against this branch), alternating
# the binaries run by run; prints medians of wall and user time and peak RSS.
# Usage: bench/bench-reingest.sh BIN_A [BIN_B] [N=3000] [RUNS=3]
set -euo pipefail
a=${1:?usage: bench/bench-reingest.sh BIN_A [BIN_B] [N] [RUNS]}
b=${2:-}
n=${3:-3000}
runs=${4:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
export BORDERMAP_DATA=${BORDERMAP_DATA:-$here}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/bench/gen-articles.sh" "$n" "$work/articles" > /dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $n articles, $runs runs"

bins=("$a")
[[ -n "$b" ]] && bins+=("$b")
# one line per run: binary-index phase wall user maxrss
for ((r = 0; r < runs; r++)); do
    for i in "${!bins[@]}"; do
        db="$work/db-$i.sqlite"
        rm -f "$db" "$db-wal" "$db-shm"
        for phase in fresh force; do
            flag=()
            [[ $phase == force ]] && flag=(--force)
            /usr/bin/time -f "$i $phase %e %U %M" -a -o "$work/times" \
                "${bins[$i]}" -q --db "$db" ingest "${flag[@]}" "$work/articles" > /dev/null
        done
    done
done
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for i in "${!bins[@]}"; do
    for phase in fresh force; do
        rows=$(awk -v i="$i" -v p="$phase" '$1 == i && $2 == p' "$work/times")
        printf '%-50s %-6s wall %6.2f s  user %6.2f s  peak %7d KiB\n' "${bins[$i]}" "$phase" \
            "$(awk '{print $3}' <<< "$rows" | median)" "$(awk '{print $4}' <<< "$rows" | median)" \
            "$(awk '{print $5}' <<< "$rows" | median)"
    done
done
