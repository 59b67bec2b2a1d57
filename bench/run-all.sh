#!/usr/bin/env bash
# run-all.sh: runs every benchmark of bordermap on one build and prints each
# one's figures with its target (and the peer it is compared with, measured
# in the same run). Benchmarks, not tests: nothing here fails the build.
# Usage: bench/run-all.sh [BUILD_DIR]    (default: build; builds it if needed)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cd "$root"
[ -x "$build/bench_store" ] || { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build "$build" -j"$(nproc)"; }
export BORDERMAP_DATA="$root"
section() { printf '\n== %s\n' "$*"; }

section "store (issue 2): 1M inserts, 1000 date-window+bbox queries"
"$build/bench_store" 1000000 1000
section "gazetteer (issue 3): place precision/recall on ../shared/corpus"
bench/corpus_places.sh "$build/bordermap"
section "gazetteer (issue 3): mentions over 100 MB of Arabic"
bench/run-mentions.sh "$build" 100
section "ingest (issues 4, 10): accuracy on the seeds, dev, examples and held-out sets"
bench/corpus_eval.sh "$build" --compare
section "ingest (issue 4): 10,000 generated articles"
bench/gen-articles.sh 10000 /tmp/bm-articles-10000 >/dev/null && "$build/bench_ingest" /tmp/bm-articles-10000
section "ingest (issue 11): peak memory on one long article"
bench/bench-ingest-memory.sh "$build"
section "render (issue 5): 2000x1500 PNG, 100k incidents, vs GMT"
bench/bench-render.sh "$build" 100000
section "export (issue 6): 1M incidents to GeoJSON and GPKG, vs ogr2ogr"
"$build/bench_export" 1000000
section "animate (issue 7): 120 frames 1280x960, 10k incidents"
"$build/bench_animate"
section "web map (issue 15): 10,000 incidents: file size, slider response in headless Chromium"
bench/bench-webmap.sh "$build" 10000
