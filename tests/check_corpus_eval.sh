#!/usr/bin/env bash
# check_corpus_eval.sh: the accuracy benchmark's plumbing (bench/corpus_eval.sh and
# bench_corpus): a set whose texts are absent is reported SKIPPED with its reason
# (exit 0, nothing scored), `--check` fails below a floor (test_examples_eval shows
# the same scorer passing at its floors), and a missing text is a failure, not a
# smaller set. Scores two of the bundled examples.
# Usage: check_corpus_eval.sh SOURCE-DIR   (the CLI is $BM_BIN; bench_corpus sits next to it)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
bm=${BM_BIN:-$src/build/bordermap}
build=$(cd "$(dirname "$bm")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check_corpus_eval: $*" >&2; exit 1; }
[ -x "$build/bench_corpus" ] || fail "no bench_corpus next to $bm"

out=$(BM_CORPUS=$tmp/none bash "$src/bench/corpus_eval.sh" "$build" seeds dev) ||
    fail "absent sets made corpus_eval.sh fail"
grep -q '^== seeds: SKIPPED (no corpus at' <<<"$out" || fail "seeds not reported SKIPPED: $out"
grep -q '^== dev: SKIPPED (no gold at' <<<"$out" || fail "dev not reported SKIPPED: $out"
mkdir -p "$tmp/corpus/dev/gold" && cp "$src/examples/articles/gold/"*.tsv "$tmp/corpus/dev/gold/"
out=$(BM_CORPUS=$tmp/corpus BM_DEV_TEXTS=$tmp/empty bash "$src/bench/corpus_eval.sh" "$build" dev) ||
    fail "absent dev texts made corpus_eval.sh fail"
grep -q '^== dev: SKIPPED (no texts in' <<<"$out" || fail "dev texts not reported SKIPPED: $out"

# Two example articles keep these runs short; no precision reaches a floor of 1.01.
gold=$tmp/gold texts=$tmp/texts
mkdir -p "$gold" "$texts"
for t in articles places dates incidents; do
    awk -F'\t' 'NR == 1 || $1 ~ /^0[12]-/' "$src/examples/articles/gold/$t.tsv" > "$gold/$t.tsv"
done
cp "$src/examples/articles/"0[12]-*.txt "$texts/"
if "$build/bench_corpus" --bin "$bm" --check 0,0,0,1.01,0 "$gold" "$texts" >/dev/null 2>"$tmp/err"; then
    fail "--check passed an incident precision floor of 1.01"
fi
grep -q 'incident precision .* is below its floor 1.010' "$tmp/err" || fail "no floor message: $(cat "$tmp/err")"
# One text missing: the set fails (never a smaller set scored as if whole).
rm "$texts/02-"*.txt
if "$build/bench_corpus" --bin "$bm" "$gold" "$texts" >/dev/null 2>"$tmp/err"; then
    fail "a missing text did not fail the set"
fi
grep -q 'no text for 02-' "$tmp/err" || fail "no message for the missing text: $(cat "$tmp/err")"
"$build/bench_corpus" --help | grep -c '^Usage: bench_corpus' >/dev/null || fail "bench_corpus --help"
echo "check_corpus_eval: ok"
