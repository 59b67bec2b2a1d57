#!/usr/bin/env bash
# wof-bench.sh: the cost and the effect of importing Who's On First's 31,802
# localities of Syria and Iraq (../shared/data/wof/localities-sy-iq.tsv, never
# committed), each figure with and without them, measured in the same run:
#  1. `gazetteer import tsv` into a fresh database: CPU and wall time (median of 3),
#     peak RSS; target < 20 s.
#  2. the place index built from the database: `places search` of one name
#     with the WOF database minus the same without (median of 5 each); < 1 s.
#  3. `bordermap mentions` over ~100 MB of generated Arabic text, with and
#     without the WOF places, alternating pairs, medians of 3: MB/s (target:
#     with >= 85% of without) and peak RSS (target < 200 MB).
#  4. place precision/recall on the dev corpus (../shared/corpus/dev gold,
#     texts in $BM_DEV_TEXT or ~/.cache/bordermap/corpus-dev) with
#     /work/shared/tools/score.py (or $BM_SCORE), without and with WOF:
#     precision may drop by at most 0.01, recall must not drop.
# Usage: bench/wof-bench.sh [BUILD_DIR] [MB]    (default build/, 100)
# SKIPPED (exit 77) when the WOF data is absent; parts 4 is skipped alone
# when the dev texts or the scorer are absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
mb="${2:-100}"
shared="${BM_SHARED:-$root/../shared}"
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
bin="$build/bordermap"
bench="$build/bench_mentions"
tsv="$shared/data/wof/localities-sy-iq.tsv"
if [[ ! -f "$tsv" ]]; then
    echo "wof-bench.sh: SKIPPED: no $tsv"
    exit 77
fi
for f in "$bin" "$bench"; do
    [[ -x "$f" ]] || { echo "wof-bench.sh: missing $f (build first)" >&2; exit 2; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The machine is shared: CPU time (user + system) is the steady measure;
# wall time is printed beside it.
timed() { # timed OUTFILE CMD...: appends "cpu_s peak_kib wall_s" to OUTFILE
    local out="$1"
    shift
    /usr/bin/time -f "%U %S %M %e" -o "$tmp/t" "$@" > /dev/null 2> "$tmp/stderr" ||
        { cat "$tmp/stderr" >&2; exit 1; }
    awk '{ printf "%.3f %d %.2f\n", $1 + $2, $3, $4 }' "$tmp/t" >> "$out"
}

echo "== 1. import of $(($(grep -vc '^#' "$tsv") - 1)) WOF localities (gazetteer import tsv)"
for i in 1 2 3; do
    rm -f "$tmp/wof.sqlite"
    "$bin" --quiet --db "$tmp/wof.sqlite" init
    timed "$tmp/import" "$bin" --quiet --db "$tmp/wof.sqlite" gazetteer import tsv "$tsv"
done
"$bin" --db "$tmp/wof.sqlite" gazetteer import tsv "$tsv" 2> "$tmp/again"
imp=$(cut -d' ' -f1 "$tmp/import" | median)
imp_kib=$(cut -d' ' -f2 "$tmp/import" | sort -n | tail -1)
printf 'import: median %.2f s CPU, %.2f s wall (target < 20 s), peak RSS %.0f MB; again: %s\n' "$imp" \
    "$(cut -d' ' -f3 "$tmp/import" | median)" \
    "$(awk -v k="$imp_kib" 'BEGIN { print k / 1024 }')" "$(head -1 "$tmp/again" | sed 's/^bordermap: //')"
"$bin" --quiet --db "$tmp/plain.sqlite" init

echo "== 2. place index built from the database (places search)"
for i in 1 2 3 4 5; do
    timed "$tmp/idx_wof" "$bin" --db "$tmp/wof.sqlite" places search 'تل حميس'
    timed "$tmp/idx_plain" "$bin" --db "$tmp/plain.sqlite" places search 'تل حميس'
done
iw=$(cut -d' ' -f1 "$tmp/idx_wof" | median)
ip=$(cut -d' ' -f1 "$tmp/idx_plain" | median)
awk -v w="$iw" -v p="$ip" 'BEGIN {
    printf "places search: %.2f s CPU with WOF, %.2f s without: index from the database %.2f s (target < 1 s)\n", w, p, w - p }'

echo "== 3. bordermap mentions over ${mb} MB, with and without WOF (alternating)"
"$bench" --mb "$mb" --write "$tmp/in.txt" > /dev/null
size=$(stat -c %s "$tmp/in.txt")
for i in 1 2 3; do
    timed "$tmp/m_plain" "$bin" --quiet --db "$tmp/plain.sqlite" mentions --published 2025-03-07 "$tmp/in.txt"
    timed "$tmp/m_wof" "$bin" --quiet --db "$tmp/wof.sqlite" mentions --published 2025-03-07 "$tmp/in.txt"
done
mp=$(cut -d' ' -f1 "$tmp/m_plain" | median)
mw=$(cut -d' ' -f1 "$tmp/m_wof" | median)
kp=$(cut -d' ' -f2 "$tmp/m_plain" | sort -n | tail -1)
kw=$(cut -d' ' -f2 "$tmp/m_wof" | sort -n | tail -1)
awk -v b="$size" -v p="$mp" -v w="$mw" -v kp="$kp" -v kw="$kw" 'BEGIN {
    m = b / 1048576
    printf "mentions without WOF: %.1f MB/s (%.2f s CPU), peak RSS %.1f MB\n", m / p, p, kp / 1024
    printf "mentions with WOF:    %.1f MB/s (%.2f s CPU), peak RSS %.1f MB (target < 200 MB)\n", m / w, w, kw / 1024
    printf "with/without throughput: %.1f%% (target >= 85%%)\n", 100 * p / w }'

echo "== 4. dev corpus places, without and with WOF"
gold="$shared/corpus/dev/gold"
text="${BM_DEV_TEXT:-${XDG_CACHE_HOME:-$HOME/.cache}/bordermap/corpus-dev}"
score="${BM_SCORE:-$shared/tools/score.py}"
if [[ ! -d "$gold" || ! -d "$text" || ! -f "$score" ]]; then
    echo "dev corpus: SKIPPED (need $gold, $text and $score)"
    exit 0
fi
# score.py runs `bordermap mentions` without --db: $BORDERMAP_DB picks the database
for side in plain wof; do
    (cd "$tmp" && BORDERMAP_DB="$tmp/$side.sqlite" python3 "$score" "$gold" "$text" "$bin") \
        > "$tmp/score_$side" 2>&1 || { cat "$tmp/score_$side" >&2; exit 1; }
    echo "$side: $(grep '^places:' "$tmp/score_$side")"
done
pp=$(sed -n 's/^places: P=\([0-9.]*\) R=\([0-9.]*\).*/\1 \2/p' "$tmp/score_plain")
pw=$(sed -n 's/^places: P=\([0-9.]*\) R=\([0-9.]*\).*/\1 \2/p' "$tmp/score_wof")
awk -v a="$pp" -v b="$pw" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "precision %+.3f (target >= -0.010), recall %+.3f (target >= 0)\n", y[1] - x[1], y[2] - x[2] }'
