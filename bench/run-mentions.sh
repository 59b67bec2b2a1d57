#!/usr/bin/env bash
# run-mentions.sh: speed and memory of place/date mention finding on ~100 MB
# of generated Arabic text (the project's own test sentences recombined).
#  1. bench_mentions (the place matcher alone, streamed in 256 KB blocks) at
#     10 MB and at 100 MB: MB/s and peak RSS; RSS must not grow with input.
#  2. `bordermap mentions` (places and dates, TSV out) over a 100 MB file,
#     whole processes: the default --jobs against --jobs 1 and `grep -c`
#     (the issue's peer), medians of 3 alternating runs. Target >= 80 MB/s.
#     (With the Who's On First tables loaded: bench/wof-bench.sh.)
#  3. the matcher again with 100,000 synthetic names added to the gazetteer
#     (random Arabic and Latin names, as GeoNames rows): the index is a hash,
#     so the speed must stay about the same.
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

echo "== bordermap mentions (places + dates, TSV out): default --jobs ($(nproc)) vs --jobs 1 vs grep -c, 3 alternating runs each, medians, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --mb "$mb" --write "$tmp/in.txt" >/dev/null
size=$(stat -c %s "$tmp/in.txt")
timer="$build/bench_time" # microseconds; time(1) prints CPU in 10 ms steps
[[ -x "$timer" ]] || { echo "run-mentions.sh: missing $timer (build first)" >&2; exit 2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
one() { # name cmd... : appends "wall cpu kib" to $tmp/m-name
    local name=$1; shift
    "$timer" -o "$tmp/time" "$@" > "$tmp/out.tsv"
    awk '{ printf "%.4f %.4f %s\n", $1, $2 + $3, $4 }' "$tmp/time" >> "$tmp/m-$name"
}
for r in 1 2 3; do
    if ((r % 2)); then order="jn j1 grep"; else order="grep j1 jn"; fi
    for side in $order; do
        case $side in
        jn) one jn "$bin" --quiet mentions --published 2025-03-07 "$tmp/in.txt"
            rows=$(($(wc -l < "$tmp/out.tsv") - 1)) ;;
        j1) one j1 "$bin" --quiet mentions --jobs 1 --published 2025-03-07 "$tmp/in.txt" ;;
        grep) one grep grep -c 'ال' "$tmp/in.txt" ;;
        esac
    done
done
for side in jn j1 grep; do
    read -r w c k <<<"$(cut -d' ' -f1 "$tmp/m-$side" | median) $(cut -d' ' -f2 "$tmp/m-$side" | median) $(cut -d' ' -f3 "$tmp/m-$side" | median)"
    eval "w_$side=$w c_$side=$c k_$side=$k"
done
awk -v b="$size" -v wn="$w_jn" -v cn="$c_jn" -v kn="$k_jn" -v w1="$w_j1" -v c1="$c_j1" \
    -v k1="$k_j1" -v wg="$w_grep" -v kg="$k_grep" -v r="$rows" 'BEGIN {
    m = b / 1048576
    printf "%-34s %12s %12s %8s %s\n", "what", "bordermap", "grep -c", "ratio", "target"
    printf "%-34s %9.1f MB/s %9.1f MB/s %7.1fx %s\n", sprintf("mentions, %.0f MB Arabic", m),
        m / wn, m / wg, wn / wg, ">= 80 MB/s"
    printf "  default --jobs: wall %.2f s, CPU %.2f s (%.1f MB/s per CPU second), peak RSS %.0f MB, %d rows\n",
        wn, cn, m / cn, kn / 1024, r
    printf "  --jobs 1:       wall %.2f s (%.1f MB/s), CPU %.2f s, peak RSS %.0f MB\n",
        w1, m / w1, c1, k1 / 1024
    printf "  grep -c:        wall %.2f s, peak RSS %.0f MB\n", wg, kg / 1024
    # the row of the summary table of run-all.sh
    printf "| mentions, %.0f MB Arabic | %.1f MB/s (wall %.2f s, CPU %.2f s, %.0f MB) | grep -c %.1f MB/s (%.0f MB) | %.1fx slower | >= 80 MB/s |\n",
        m, m / wn, wn, cn, kn / 1024, m / wg, kg / 1024, wn / wg }'

echo "== place matcher with 100,000 extra names in the gazetteer"
data="$tmp/data"
mkdir -p "$data/gazetteer" "$data/tests"
for f in "$BORDERMAP_DATA"/gazetteer/*; do ln -s "$f" "$data/gazetteer/"; done
ln -s "$BORDERMAP_DATA/tests/data" "$data/tests/data"
awk 'BEGIN {
    srand(7)
    split("ا ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ ف ق ك ل م ن ه و ي", ar, " ")
    split("b d f g h j k l m n q r s t w y z", lc, " "); split("a e i o u", lv, " ")
    print "id\tname_en\tname_ar\tkind\tcountry\tadmin1\tlat\tlon\tpopulation\taliases_en\taliases_ar\tarea\tsource"
    for (i = 1; i <= 100000; i++) {
        a = ""; e = ""
        nw = 1 + int(rand() * 3)
        for (w = 0; w < nw; w++) {
            n = 3 + int(rand() * 4); x = ""; y = ""
            for (k = 0; k < n; k++) { x = x ar[1 + int(rand() * 28)]; y = y lc[1 + int(rand() * 17)] lv[1 + int(rand() * 5)] }
            a = a (w ? " " : "") x; e = e (w ? " " : "") toupper(substr(y, 1, 1)) substr(y, 2)
        }
        printf "syn-%d\t%s\t%s\tvillage\tSY\t-\t%.4f\t%.4f\t-\t-\t-\t-\tgeonames:syn%d\n", i, e, a, 32 + rand() * 5, 36 + rand() * 6, i
    }
}' > "$data/gazetteer/zz-synthetic.tsv"
BORDERMAP_DATA="$data" "$bench" --mb "$mb" | tail -2
