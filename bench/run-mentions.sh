#!/usr/bin/env bash
# run-mentions.sh: speed and memory of place/date mention finding on ~100 MB
# of generated Arabic text (the project's own test sentences recombined).
#  1. bench_mentions (the place matcher alone, streamed in 256 KB blocks) at
#     10 MB and at 100 MB: MB/s and peak RSS; RSS must not grow with input.
#  2. `bordermap mentions` (places and dates, TSV out) over a 100 MB file.
# Usage: bench/run-mentions.sh [BUILD_DIR] [MB]     (default build/, 100)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
mb="${2:-100}"
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
bench="$build/bench_mentions"
bin="$build/bordermap"
for f in "$bench" "$bin"; do
    [[ -x "$f" ]] || { echo "run-mentions.sh: missing $f (build first)" >&2; exit 2; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== place matcher (bench_mentions), one core"
small=$("$bench" --mb 10 | tail -1)
large=$("$bench" --mb "$mb" | tail -1)
echo "$small"
echo "$large"
rss_small=$(sed -n 's/.*peak RSS \([0-9.]*\) MB.*/\1/p' <<<"$small")
rss_large=$(sed -n 's/.*peak RSS \([0-9.]*\) MB.*/\1/p' <<<"$large")
awk -v a="$rss_small" -v b="$rss_large" 'BEGIN {
    printf "RSS 10 MB input: %.1f MB, %s MB input: %.1f MB (growth %.1f MB)\n", a, "'"$mb"'", b, b - a }'

echo "== bordermap mentions (places + dates), one core"
"$bench" --mb "$mb" --write "$tmp/in.txt" >/dev/null
size=$(stat -c %s "$tmp/in.txt")
if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$bin" --quiet mentions \
        --published 2025-03-07 "$tmp/in.txt" > "$tmp/out.tsv"
    read -r secs usr sys kib < "$tmp/time"
    cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }')
else
    start=$(date +%s.%N)
    "$bin" --quiet mentions --published 2025-03-07 "$tmp/in.txt" > "$tmp/out.tsv"
    secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')
    cpu=$secs
    kib=0
fi
rows=$(($(wc -l < "$tmp/out.tsv") - 1))
awk -v b="$size" -v s="$secs" -v c="$cpu" -v k="$kib" -v r="$rows" 'BEGIN {
    m = b / 1048576
    printf "bordermap mentions: %.1f MB in %.2f s CPU = %.1f MB/s (wall %.2f s = %.1f MB/s), %d rows, peak RSS %.1f MB\n",
        m, c, m / c, s, m / s, r, k / 1024 }'
