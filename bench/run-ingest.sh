#!/usr/bin/env bash
# run-ingest.sh: `bordermap ingest` throughput and memory, whole processes as
# a user runs them (start-up, gazetteer, database creation included: a new
# database is a copy of a cached template, whose first use is timed apart), each
# run into a fresh database, alternating pairs, medians, peak RSS.
#  1. generated articles (bench/gen-articles.sh) at three sizes x10 apart,
#     time per article printed so a non-linear step shows; peak RSS at each
#     size shows memory stays flat. bordermap's default (--jobs = the
#     processors) against --jobs 1 (everything on one thread).
#  2. real-style text: the corpus seeds (../shared/corpus/seeds, or
#     $BM_CORPUS/seeds) x200, each copy made unique by a last line; skipped
#     when the corpus is absent. The text is written to a temporary directory
#     and never kept.
# Targets (issue 14): >= 6,000 articles/s on 10k generated articles, >= 4,000
# articles/s on the seeds x200, peak RSS flat from 10k to 100k articles.
# Usage: bench/run-ingest.sh [BUILD_DIR] [SIZES="1000 10000 100000"] [PAIRS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
sizes="${2:-1000 10000 100000}"
pairs="${3:-3}"
bm="$build/bordermap"
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
[[ -x "$bm" ]] || { echo "run-ingest.sh: missing $bm (build first)" >&2; exit 2; }
timer="$build/bench_time" # microseconds; time(1) prints CPU in 10 ms steps
[[ -x "$timer" ]] || { echo "run-ingest.sh: missing $timer (build first)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc)
# A new database is a copy of a template cached in $XDG_CACHE_HOME/bordermap (README): a
# private cache, so the figures do not depend on what the user's holds; its first use
# (the template built) is timed on its own below, the runs after it are what every later
# new database costs.
export XDG_CACHE_HOME="$tmp/cache"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run DIR JOBS -> appends "wall cpu peak_kib" to $tmp/r-JOBS
run() {
    local db="$tmp/db.sqlite"
    rm -f "$db" "$db-wal" "$db-shm"
    "$timer" -o "$tmp/t" "$bm" --quiet --db "$db" ingest --jobs "$2" "$1" \
        > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    awk '{ printf "%.4f %.4f %s\n", $1, $2 + $3, $4 }' "$tmp/t" >> "$tmp/r-$2"
}

# compare LABEL DIR N BYTES TARGET
compare() {
    rm -f "$tmp/r-1" "$tmp/r-$jobs"
    for p in $(seq "$pairs"); do
        if ((p % 2)); then run "$2" "$jobs"; run "$2" 1; else run "$2" 1; run "$2" "$jobs"; fi
    done
    local w1 c1 m1 wj cj mj
    w1=$(cut -d' ' -f1 "$tmp/r-1" | median); c1=$(cut -d' ' -f2 "$tmp/r-1" | median)
    m1=$(cut -d' ' -f3 "$tmp/r-1" | median)
    wj=$(cut -d' ' -f1 "$tmp/r-$jobs" | median); cj=$(cut -d' ' -f2 "$tmp/r-$jobs" | median)
    mj=$(cut -d' ' -f3 "$tmp/r-$jobs" | median)
    awk -v l="$1" -v n="$3" -v b="$4" -v t="$5" -v w1="$w1" -v c1="$c1" -v m1="$m1" \
        -v wj="$wj" -v cj="$cj" -v mj="$mj" -v j="$jobs" 'BEGIN {
        printf "%-40s %9.0f/s %9.0f/s %6.2fx %s\n", l, n / wj, n / w1, w1 / wj, t
        printf "  wall %.3f s vs %.3f s; %.1f us/article (%.1f with --jobs 1); CPU %.2f s vs %.2f s; %.1f MB/s; peak RSS %.0f MB vs %.0f MB\n",
            wj, w1, wj / n * 1e6, w1 / n * 1e6, cj, c1, b / 1048576 / wj, mj / 1024, m1 / 1024
        # the row of the summary table of run-all.sh (no peer: --jobs 1 for reference)
        printf "| %s | %.0f articles/s (wall %.3f s, CPU %.2f s, %.0f MB; %.1f us/article) | - (--jobs 1: %.0f/s, %.0f MB) | - | %s |\n",
            l, n / wj, wj, cj, mj / 1024, wj / n * 1e6, n / w1, m1 / 1024, t }'
    rss_by_size+="${rss_by_size:+ / }$(awk -v k="$mj" 'BEGIN { printf "%.0f", k / 1024 }') MB ($3)"
}

# fixed LABEL: an ingest of no article into a new database (start-up and creation)
fixed() {
    rm -f "$tmp/db.sqlite" "$tmp/db.sqlite-wal" "$tmp/db.sqlite-shm"
    "$timer" -o "$tmp/t" "$bm" --quiet --db "$tmp/db.sqlite" ingest "$tmp/none" \
        > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    awk -v l="$1" '{ printf "  %s: wall %.3f s, CPU %.3f s, peak RSS %.0f MB\n", l, $1, $2 + $3, $4 / 1024 }' "$tmp/t"
}

mkdir -p "$tmp/none"
echo "== a new database, no article: start-up and creation"
fixed "first use (template built and cached)"
fixed "every later new database (template copied)"
echo "== ingest: bordermap ingest --jobs $jobs (default) vs --jobs 1, $pairs alternating pairs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-40s %11s %11s %7s %s\n" what bordermap "--jobs 1" ratio target
for n in $sizes; do
    dir="$tmp/gen-$n"
    bash "$root/bench/gen-articles.sh" "$n" "$dir" 1 2>/dev/null
    bytes=$(find "$dir" -name "*.txt" -exec cat {} + | wc -c)
    target="-"
    [[ $n == 10000 ]] && target=">= 6000/s"
    compare "ingest, $n generated articles" "$dir" "$n" "$bytes" "$target"
    rm -rf "$dir"
done

[[ -n "${rss_by_size:-}" ]] &&
    echo "| ingest memory, generated articles | peak RSS $rss_by_size | - | - | flat from 10k to 100k |"

corpus="${BM_CORPUS:-$root/../shared/corpus}"
if [[ -d "$corpus/seeds" ]]; then
    dir="$tmp/seeds"
    mkdir -p "$dir"
    k=0
    for c in $(seq 200); do
        for f in "$corpus"/seeds/*.txt; do
            k=$((k + 1))
            { cat "$f"; printf '\n\n(copy %d)\n' "$c"; } > "$dir/$(printf '%05d' "$k")-$(basename "$f")"
        done
    done
    bytes=$(find "$dir" -name "*.txt" -exec cat {} + | wc -c)
    compare "ingest, real-style text (seeds x200)" "$dir" "$k" "$bytes" ">= 4000/s"
else
    echo "ingest, real-style text (seeds x200): SKIPPED ($corpus/seeds not found)"
fi
