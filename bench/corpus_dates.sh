#!/bin/bash
# corpus_dates.sh: date precision/recall/F1 of the date finder on the seed
# articles (../shared/corpus, gold publication dates) and its speed on 10,000
# articles of ~3 KB. Never edits the corpus or the build.
# Usage: bench/corpus_dates.sh [BUILD_DIR]   (default: ./build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
for exe in test_corpus_dates bench_dates; do
  if [ ! -x "$build/$exe" ]; then
    echo "corpus_dates.sh: $build/$exe not built (cmake --build $build)" >&2
    exit 1
  fi
done
export BORDERMAP_DATA="$here"
export BM_CORPUS="${BM_CORPUS:-$here/../shared/corpus}"
echo "== dates on the seed articles ($BM_CORPUS)"
"$build/test_corpus_dates"
echo "== speed"
"$build/bench_dates" 10000
