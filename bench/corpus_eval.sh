#!/usr/bin/env bash
# corpus_eval.sh: the accuracy benchmark. Scores `bordermap mentions` and
# `bordermap ingest` on every annotated set (bench_corpus does the scoring):
#   seeds     ../shared/corpus (or $BM_CORPUS): seeds/ + gold/
#   dev       ../shared/corpus/dev/gold with the texts in $BM_DEV_TEXTS
#             (default $HOME/.cache/bordermap/corpus-dev; see dev/README.md)
#   examples  examples/articles + examples/articles/gold (ours)
#   heldout   tests/heldout (ours)
# A set whose texts are absent is reported as SKIPPED with the reason.
# Never tune to these sets: the figures stand for articles we do not see.
# Usage: bench/corpus_eval.sh [BUILD_DIR] [-v] [--check] [--compare] [SET...]
#   BUILD_DIR holds `bordermap` and `bench_corpus` (default $BM_BUILD, else ./build)
#   -v         every miss and extra per article
#   --check    exit 1 when a set is below the issue's targets
#   --compare  also run the official scorer (../shared/tools/score.py) on each set
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BM_BUILD:-$repo/build}
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$(cd "$1" && pwd); shift; fi
corpus=${BM_CORPUS:-$repo/../shared/corpus}
dev_texts=${BM_DEV_TEXTS:-$HOME/.cache/bordermap/corpus-dev}
scorer=${BM_SCORER:-$corpus/../tools/score.py}
verbose=() check=0 compare=0 sets=()
for a in "$@"; do
    case $a in
        -v) verbose=(-v) ;;
        --check) check=1 ;;
        --compare) compare=1 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        seeds|dev|examples|heldout) sets+=("$a") ;;
        *) echo "corpus_eval: unknown argument '$a'" >&2; exit 2 ;;
    esac
done
[ ${#sets[@]} -gt 0 ] || sets=(seeds dev examples heldout)
for exe in bordermap bench_corpus; do
    [ -x "$build/$exe" ] || { echo "corpus_eval: $build/$exe not built" >&2; exit 1; }
done
export BORDERMAP_DATA=${BORDERMAP_DATA:-$repo}

# Targets of issue 10: place F1, date F1, incident recall, incident precision, type accuracy.
declare -A targets=([seeds]=0.95,0.95,0.95,0.75,0.95 [dev]=0.93,0.93,0.85,0.75,0.88
                    [examples]=0.95,0.95,0.95,0.75,0.95 [heldout]=0.90,0.90,0.75,0.60,0.80)
status=0
run_set() { # name gold_dir text_dir
    local name=$1 gold=$2 texts=$3 args=("${verbose[@]}" --name "$1")
    [ "$check" = 1 ] && args+=(--check "${targets[$name]}")
    "$build/bench_corpus" "${args[@]}" "$gold" "$texts" || status=1
    if [ "$compare" = 1 ]; then
        if [ -f "$scorer" ]; then
            echo "-- official scorer ($scorer):"
            python3 "$scorer" "$gold" "$texts" "$build/bordermap" | tail -4
        else
            echo "-- official scorer: SKIPPED ($scorer absent)"
        fi
    fi
    echo
}
for set in "${sets[@]}"; do
    case $set in
        seeds)
            if [ -f "$corpus/gold/articles.tsv" ] && [ -d "$corpus/seeds" ]; then
                run_set seeds "$corpus/gold" "$corpus/seeds"
            else
                echo "== seeds: SKIPPED (no corpus at $corpus; set BM_CORPUS)"; echo
            fi ;;
        dev)
            if [ ! -f "$corpus/dev/gold/articles.tsv" ]; then
                echo "== dev: SKIPPED (no gold at $corpus/dev/gold; set BM_CORPUS)"; echo
            elif [ ! -d "$dev_texts" ] || [ -z "$(ls -A "$dev_texts" 2>/dev/null)" ]; then
                echo "== dev: SKIPPED (no texts in $dev_texts: rebuild them as" \
                     "$corpus/dev/README.md says, or set BM_DEV_TEXTS)"; echo
            else
                run_set dev "$corpus/dev/gold" "$dev_texts"
            fi ;;
        examples) run_set examples "$repo/examples/articles/gold" "$repo/examples/articles" ;;
        heldout) run_set heldout "$repo/tests/heldout/gold" "$repo/tests/heldout/seeds" ;;
    esac
done
exit $status
