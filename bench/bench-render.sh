#!/usr/bin/env bash
# Runs bench_render (bordermap vs GMT on the same 100k points), installing Debian's gmt first
# when it is missing. Usage: bench/bench-render.sh BUILD_DIR [N]
set -euo pipefail
build=${1:?usage: bench/bench-render.sh BUILD_DIR [N]}
n=${2:-100000}
if ! command -v gmt >/dev/null || ! command -v gs >/dev/null; then
    [[ $(id -u) == 0 ]] || { echo "bench-render: gmt missing (apt-get install gmt)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gmt ghostscript >&2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
BORDERMAP_DATA=${BORDERMAP_DATA:-$(cd "$(dirname "$0")/.." && pwd)} "$build/bench_render" "$n" "$out"
