#!/usr/bin/env bash
# corpus_eval.sh: ingests ../shared/corpus/seeds with `bordermap ingest
# --published <gold date>` into a fresh database and prints place and date
# P/R/F1, incident recall and type accuracy (bench_corpus scores the result).
# Never tune to the seeds: these figures stand for articles we do not see.
# Usage: bench/corpus_eval.sh [BUILD_DIR] [-v] [--check]
#   BUILD_DIR holds the built `bordermap` and `bench_corpus` (default: $BM_BUILD,
#   else ./build). --check exits 1 below the targets.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BM_BUILD:-$repo/build}
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
corpus=${BM_CORPUS:-$repo/../shared/corpus}
for exe in bordermap bench_corpus; do
    [ -x "$build/$exe" ] || { echo "corpus_eval: $build/$exe not built" >&2; exit 1; }
done
[ -f "$corpus/gold/articles.tsv" ] || { echo "corpus_eval: no corpus at $corpus" >&2; exit 1; }
export BORDERMAP_DATA=${BORDERMAP_DATA:-$repo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/corpus.sqlite
# gold/articles.tsv: file, source, published, published_basis, language
tail -n +2 "$corpus/gold/articles.tsv" | while IFS=$'\t' read -r file source published _; do
    src=()
    [ "$source" = "-" ] || src=(--source "$source")
    "$build/bordermap" --db "$db" --quiet ingest --published "$published" "${src[@]}" \
        "$corpus/seeds/$file"
done
"$build/bench_corpus" --db "$db" "$@" "$corpus"
