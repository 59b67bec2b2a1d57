#!/usr/bin/env bash
# bench-ingest-memory.sh: peak memory of `bordermap ingest` on one long
# article (1, 2 and 4 MiB, the default --max-bytes) against a one-line
# article, each into a fresh database; /usr/bin/time -v's maximum resident
# set size, median of RUNS. Target (issue 11): what the largest accepted
# article adds stays under 10x its size. A benchmark: it fails nothing.
# Usage: bench/bench-ingest-memory.sh [BUILD_DIR] [RUNS]   (default build, 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-3}
bm=$build/bordermap
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BORDERMAP_DATA="$root"
python3 - "$root/examples/articles" "$tmp" <<'PY'
import glob, os, sys
src, out = sys.argv[1], sys.argv[2]
body = "\n\n".join(open(f, encoding="utf-8").read().split("\n", 2)[-1]
                   for f in sorted(glob.glob(os.path.join(src, "*.txt"))))
for mb in (1, 2, 4):
    n = mb * 1024 * 1024
    s = "date 2025-03-07\n\n"
    while len(s.encode()) < n:
        s += body + "\n\n"
    b = s.encode()[:n]
    while True:
        try:
            b.decode()
            break
        except UnicodeDecodeError:
            b = b[:-1]
    open(os.path.join(out, f"a{mb}.txt"), "wb").write(b)
open(os.path.join(out, "tiny.txt"), "w").write(
    "date 2025-03-07\n\nHeavy clashes erupted in Hajin on 7 March 2025.\n")
PY
peak() { # median peak RSS in KiB of ingesting $1
  for _ in $(seq 1 "$runs"); do
    rm -f "$tmp"/db.sqlite*
    "$bm" --db "$tmp/db.sqlite" -q init
    /usr/bin/time -v "$bm" --db "$tmp/db.sqlite" -q ingest "$1" 2>&1 >/dev/null \
      | awk '/Maximum resident/ {print $NF}'
  done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
base=$(peak "$tmp/tiny.txt")
echo "one-line article: ${base} KiB peak"
for mb in 1 2 4; do
  p=$(peak "$tmp/a$mb.txt")
  awk -v p="$p" -v b="$base" -v mb="$mb" 'BEGIN {
    printf "%d MiB article: %d KiB peak, %.1f MB over the one-line run = %.1fx the article\n",
      mb, p, (p - b) / 1024, (p - b) / (mb * 1024) }'
done
echo "target: under 10x for the largest accepted article (4 MiB by default)"
