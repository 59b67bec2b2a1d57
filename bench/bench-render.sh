#!/usr/bin/env bash
# Runs bench_render (bordermap vs GMT `gmt plot` + `gmt psconvert -Tg` on the same 100k points),
# installing Debian's gmt first when it is missing.
# Usage: bench/bench-render.sh BUILD_DIR [N] [RUNS]
set -euo pipefail
build=${1:?usage: bench/bench-render.sh BUILD_DIR [N] [RUNS]}
n=${2:-100000}
runs=${3:-3}
if ! command -v gmt >/dev/null || ! command -v gs >/dev/null; then
    [[ $(id -u) == 0 ]] || { echo "bench-render: gmt missing (apt-get install gmt)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gmt ghostscript >&2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
BORDERMAP_DATA=${BORDERMAP_DATA:-$(cd "$(dirname "$0")/.." && pwd)} "$build/bench_render" "$n" "$out" "$runs"
