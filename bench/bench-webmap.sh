#!/usr/bin/env bash
# bench-webmap.sh: the web map at N incidents (default 10,000): builds a synthetic database
# (bench_webmap: gazetteer places, three years, every type, 1-3 sources each), times
# `bordermap export -o map.html` (median of RUNS), checks the file size (< 10 MB), then
# measures the slider and type-filter response in headless Chromium (bench-webmap.mjs).
# Prints PASS/FAIL for both targets. Needs scripts/install-deps.sh (node, chromium, npm ci).
# Usage: bench/bench-webmap.sh BUILD_DIR [N] [RUNS]
set -euo pipefail
build=$(cd "${1:?usage: bench/bench-webmap.sh BUILD_DIR [N] [RUNS]}" && pwd)
n=${2:-10000}
runs=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
export BORDERMAP_DATA=${BORDERMAP_DATA:-$(cd "$here/.." && pwd)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$build/bordermap" --db "$out/b.sqlite" --quiet init
"$build/bench_webmap" "$out/b.sqlite" "$n"
times=()
for ((r = 0; r < runs; r++)); do
  t0=$(date +%s.%N)
  "$build/bordermap" --db "$out/b.sqlite" --quiet export -o "$out/map.html" --overwrite
  times+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.3f", b - a}')")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
size=$(stat -c %s "$out/map.html")
echo "export -o map.html: median $median s over $runs runs"
printf 'file size: %d bytes (%.2f MB) for %d incidents: %s\n' "$size" "$(awk -v s="$size" 'BEGIN {print s / 1048576}')" \
  "$n" "$([ "$size" -lt 10485760 ] && echo PASS || echo FAIL)"
node "$here/bench-webmap.mjs" "$out/map.html"
