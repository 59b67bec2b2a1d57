#!/usr/bin/env bash
# check_heldout.sh: scores bordermap on the held-out set (tests/heldout: twelve
# Arabic articles written for the project, never used for tuning) and fails when a
# figure drops below its floor: a regression guard, not the issue targets.
# Must never tune anything or soften a floor to make a change pass.
# Usage: check_heldout.sh SOURCE-DIR   (the CLI is $BM_BIN; bench_corpus sits next to it)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
build=$(cd "$(dirname "$bm")" && pwd)
set_dir=$src/tests/heldout
fail() { echo "check_heldout: $*" >&2; exit 1; }

# Floors: the figures measured when the set was made (place F1 0.963,
# date F1 0.977, incident recall 0.667, type accuracy 0.821) minus 0.05, never
# above the targets of the ingest issue (0.95 / 0.95 / 0.90 / 0.85). Raise them
# when the extractor improves; lower them only with the reason in the commit.
# Raised after the first round of general fixes (place F1 1.000, date F1
# 0.992, incident recall 0.857, type accuracy 0.917), each minus 0.05 and
# capped at the issue targets.
floor_place_f1=0.95
floor_date_f1=0.94
floor_inc_recall=0.80
floor_type_acc=0.85

[ -x "$bm" ] || fail "no bordermap binary at $bm (set BM_BIN)"
[ -x "$build/bench_corpus" ] || fail "no bench_corpus next to $bm (configure with -DBM_BUILD_BENCH=ON)"
[ -d "$set_dir/seeds" ] && [ -d "$set_dir/gold" ] || fail "no held-out set at $set_dir"

# The gold must be well formed before its figures mean anything.
gold=$set_dir/gold
awk -f "$set_dir/check_gold.awk" want=5 "$gold/articles.tsv" want=10 "$gold/places.tsv" \
    want=5 "$gold/dates.tsv" want=6 "$gold/incidents.tsv" || fail "malformed gold (see above)"
listed=$(tail -n +2 "$gold/articles.tsv" | cut -f1 | sort)
present=$(cd "$set_dir/seeds" && ls -- *.txt | sort)
[ "$listed" = "$present" ] || fail "gold/articles.tsv and seeds/ list different articles"
# Every annotated surface must occur in its article (catches edits of the text).
while IFS=$'\t' read -r file surface _; do
    grep -qF -- "$surface" "$set_dir/seeds/$file" || fail "$file: surface '$surface' not in the text"
done < <(tail -n +2 "$gold/places.tsv"; tail -n +2 "$gold/dates.tsv")
# Like the real corpus, the publication date comes from --published only.
if grep -lE '^[[:space:]]*date [0-9]{4}-' "$set_dir"/seeds/*.txt; then
    fail "an article carries a 'date YYYY-MM-DD' line"
fi

out=$(BM_BUILD=$build BM_CORPUS=$set_dir BORDERMAP_DATA=${BORDERMAP_DATA:-$src} \
      bash "$src/bench/corpus_eval.sh" "$build") || fail "corpus_eval.sh failed"
echo "$out"
figure() { # label, awk field after which the number follows
    echo "$out" | awk -v lab="$1" -v key="$2" \
        '$1 == lab { for (i = 2; i < NF; i++) if ($i == key) { print $(i + 1); exit } }'
}
check() { # name, value, floor
    [ -n "$2" ] || fail "no $1 figure in the evaluation output"
    awk -v v="$2" -v f="$3" 'BEGIN { exit !(v + 0 >= f + 0) }' ||
        fail "$1 $2 is below its floor $3"
}
check "place F1" "$(figure places F1)" "$floor_place_f1"
check "date F1" "$(figure dates F1)" "$floor_date_f1"
check "incident recall" "$(figure incidents recall)" "$floor_inc_recall"
check "type accuracy" "$(figure incidents accuracy)" "$floor_type_acc"
echo "check_heldout: ok"
