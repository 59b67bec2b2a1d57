#!/usr/bin/env bash
# check_corpus_eval.sh: the accuracy benchmark's plumbing (bench/corpus_eval.sh and
# bench_corpus): a set whose texts are absent is reported SKIPPED with its reason
# (exit 0, nothing scored), `--check` fails below a floor (test_examples_eval shows
# the same scorer passing at its floors), and a missing text is a failure, not a
# smaller set. Scores only the bundled examples.
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

gold=$src/examples/articles/gold texts=$src/examples/articles
if "$build/bench_corpus" --bin "$bm" --check 0,0,0,1.0,0 "$gold" "$texts" >/dev/null 2>"$tmp/err"; then
    fail "--check passed an incident precision floor of 1.0"
fi
grep -q 'incident precision .* is below its floor 1.000' "$tmp/err" || fail "no floor message: $(cat "$tmp/err")"
# One text missing: the set fails (never a smaller set scored as if whole).
mkdir "$tmp/texts" && cp "$texts"/*.txt "$tmp/texts/" && rm "$tmp/texts/07-"*.txt
if "$build/bench_corpus" --bin "$bm" "$gold" "$tmp/texts" >/dev/null 2>"$tmp/err"; then
    fail "a missing text did not fail the set"
fi
grep -q 'no text for 07-' "$tmp/err" || fail "no message for the missing text: $(cat "$tmp/err")"
"$build/bench_corpus" --help | grep -q '^Usage: bench_corpus' || fail "bench_corpus --help"
echo "check_corpus_eval: ok"
