#!/usr/bin/env bash
# run-all.sh: runs every benchmark of bordermap on one build and prints each one's figures
# with its target and the peer it is compared with, measured in the same run; at the end,
# every comparison row in one table: what | bordermap | peer | ratio | target.
# Comparisons time whole processes (start-up included), same content on both sides, in
# alternating pairs, medians and peak memory (bench/lib-compare.sh). Benchmarks, not tests:
# nothing here fails the build. The full run takes about 30 minutes on a quiet 2-core
# machine; --quick runs every script at small sizes, once, as a smoke test (~2 minutes).
# Usage: bench/run-all.sh [--quick] [BUILD_DIR]    (default: build; builds it if needed)
set -uo pipefail
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" 2>/dev/null && pwd || echo "${1:-$root/build}")
cd "$root"
[ -x "$build/bench_mkdb" ] || { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build "$build" -j"$(nproc)"; }
export BORDERMAP_DATA="$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
section() { printf '\n== %s\n' "$*" | tee -a "$log"; }
# run CMD...: runs a benchmark, its output shown and kept for the summary.
run() { "$@" 2>&1 | tee -a "$log"; }
# Scripts of the ingest/store benchmarks, when this checkout has them.
have() { [ -x "bench/$1" ]; }

q() { ((quick)) && echo "$1" || echo "$2"; } # q QUICK FULL

echo "bench/run-all.sh$( ((quick)) && echo ' --quick'): $(cut -d' ' -f1-3 /proc/loadavg) load on $(nproc) cores, $(date -u +%FT%TZ)" | tee -a "$log"

section "render (issue 14 items 5, 7): bordermap render vs GMT coast -Df + plot, cold and warm"
run bench/bench-render.sh $( ((quick)) && echo --quick) "$build"
section "export (issue 14 items 6, 7): bordermap export vs ogr2ogr, GeoJSON, GPKG, FlatGeobuf"
run bench/bench-export.sh $( ((quick)) && echo --quick) "$build"
if have run-ingest.sh; then
    section "ingest (issue 14 item 2): generated articles and seeds x200"
    run bench/run-ingest.sh "$build" "$(q "1000" "1000 10000 100000")" "$(q 1 3)"
else
    section "ingest (issue 4): 10,000 generated articles"
    bench/gen-articles.sh "$(q 1000 10000)" /tmp/bm-articles-run-all >/dev/null &&
        run "$build/bench_ingest" /tmp/bm-articles-run-all
    rm -rf /tmp/bm-articles-run-all
fi
if have store-bulk.sh; then
    section "store (issue 14 item 3): bulk load vs SQLite's own path"
    run bench/store-bulk.sh "$build" "$(q "10000" "10000 100000 1000000")" "$(q 1 3)"
else
    section "store (issue 2): inserts, date-window+bbox queries"
    run "$build/bench_store" "$(q 10000 1000000)" "$(q 100 1000)"
fi
section "mentions (issue 14 item 4): $(q 10 100) MB of Arabic vs grep -c"
run bench/run-mentions.sh "$build" "$(q 10 100)"
section "ingest (issue 11): peak memory on one long article"
run bench/bench-ingest-memory.sh "$build"
if ((!quick)); then
    section "gazetteer (issue 3): place precision/recall on ../shared/corpus"
    run bench/corpus_places.sh "$build/bordermap"
    section "accuracy (issues 4, 10): the seeds, dev, examples and held-out sets"
    run bench/corpus_eval.sh "$build" --compare
    section "animate (issue 7): 120 frames 1280x960, 10k incidents"
    run "$build/bench_animate"
    section "web map (issue 15): 10,000 incidents: file size, slider response in headless Chromium"
    run bench/bench-webmap.sh "$build" 10000
fi

printf '\n== Summary (issue 14): every comparison of this run\n\n'
echo "| what | bordermap | peer | ratio | target |"
echo "|---|---|---|---|---|"
grep -E '^\| ' "$log" | grep -v '^| what |' || true
grep -E '^(render|export): load' "$log" | sed 's/^/  /'
