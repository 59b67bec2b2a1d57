#!/usr/bin/env bash
# The test command (README, .ci/run): installs missing dependencies, builds
# bordermap twice (normal, and ASan+UBSan), runs the whole ctest suite in both
# builds, then runs the unit-test programs under valgrind (no leaks, no errors).
# Usage: scripts/test.sh            (set BM_SKIP_VALGRIND=1 to skip the last pass)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh

# ctest shows a skipped test as "Skipped"; its reason is in the test's output.
skip_reasons() { grep -h ': SKIPPED: ' "$1/Testing/Temporary/LastTest.log" 2>/dev/null | sort -u || true; }

# A throwaway PostgreSQL 15 + PostGIS 3 cluster for the PostgreSQL backend's
# tests (BM_TEST_PG), stopped and removed on exit, failure included. Without
# PostgreSQL those tests report SKIPPED; under CI=true its absence fails.
echo "== PostgreSQL test cluster"
pg_env=$(scripts/pg-cluster.sh start) && pg_rc=0 || pg_rc=$?
if [ "$pg_rc" = 0 ]; then
  eval "$pg_env"
  trap 'scripts/pg-cluster.sh stop "$BM_PG_DIR"' EXIT
  echo "PostgreSQL test cluster in $BM_PG_DIR"
elif [ "$pg_rc" = 77 ] && [ "${CI:-}" != true ]; then
  echo "test.sh: PostgreSQL tests will be SKIPPED: no PostgreSQL server binaries"
else
  echo "test.sh: cannot start the PostgreSQL test cluster (scripts/pg-cluster.sh)" >&2
  exit 1
fi

echo "== normal build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBM_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd build-asan && ctest --output-on-failure -j"$jobs")
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

echo "== fuzz smoke (libFuzzer, ${BM_FUZZ_SMOKE_SECONDS:-15} s per target; long runs: scripts/fuzz.sh)"
if command -v clang >/dev/null; then
  for t in $(scripts/fuzz.sh --list); do
    scripts/fuzz.sh "$t" "${BM_FUZZ_SMOKE_SECONDS:-15}"
  done
elif [ "${CI:-}" = true ]; then
  echo "test.sh: clang is missing (scripts/install-deps.sh)" >&2
  exit 1
else
  echo "test.sh: fuzz smoke SKIPPED: clang is not installed"
fi

if [ "${BM_SKIP_VALGRIND:-0}" != 1 ]; then
  echo "== valgrind (memcheck) over the unit-test programs"
  scripts/valgrind-tests.sh build
fi
echo "== skipped tests (normal, ASan) and why"
skip_reasons build
skip_reasons build-asan
echo "== all test passes done"
