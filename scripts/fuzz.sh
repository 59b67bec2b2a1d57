#!/usr/bin/env bash
# Runs one libFuzzer target (fuzz/fuzz_TARGET.c) for SECONDS, building the
# clang fuzz build (build-fuzz/) first when needed.
# Usage: scripts/fuzz.sh TARGET SECONDS      e.g. scripts/fuzz.sh dates 300
#        scripts/fuzz.sh --list              the targets
# The seed corpus fuzz/corpus/TARGET/ (from examples/ and tests/data, never
# from ../shared) is only read; new inputs go to build-fuzz/corpus/TARGET/.
# Crashes, leaks and timeouts (> 10 s per input) fail the run (exit 1) and
# leave a reproducer in build-fuzz/artifacts/TARGET/.
# Environment: BM_FUZZ_BUILD (default build-fuzz), BM_FUZZ_JOBS (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BM_FUZZ_BUILD:-$root/build-fuzz}

if [ "${1:-}" = --list ]; then
  for f in "$root"/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done
  exit 0
fi
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS (targets: scripts/fuzz.sh --list)" >&2
  exit 2
fi
target=${1#fuzz_}
secs=$2
if [ ! -f "$root/fuzz/fuzz_$target.c" ]; then
  echo "fuzz.sh: no target fuzz/fuzz_$target.c" >&2
  exit 2
fi
if ! command -v clang >/dev/null; then
  echo "fuzz.sh: clang is not installed (scripts/install-deps.sh)" >&2
  exit 1
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBM_FUZZ=ON \
    -DBM_BUILD_TESTS=OFF -DBM_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j"${BM_FUZZ_JOBS:-2}" --target "fuzz_$target" >/dev/null

work="$build/corpus/$target"
art="$build/artifacts/$target"
mkdir -p "$work" "$art"
seeds="$root/fuzz/corpus/$target"
[ -d "$seeds" ] || seeds=
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export BORDERMAP_DATA="$root"
log="$build/fuzz_$target.log"
set +e
"$build/fuzz_$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2560 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$art/" "$work" $seeds >"$log" 2>&1
status=$?
set -e
# The last status line: executions, coverage, corpus.
stats=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
echo "fuzz_$target: ${secs}s, ${execs:-?} executions; last: ${stats:-none}"
if [ $status -ne 0 ]; then
  echo "fuzz_$target: FAILED (exit $status); see $log and $art/" >&2
  grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
  exit 1
fi
