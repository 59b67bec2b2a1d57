#!/usr/bin/env bash
# Runs every tests/test_* program of a build under valgrind memcheck: any
# invalid access or definite/indirect leak fails. Libraries' own one-time
# allocations (fontconfig, GDAL driver registry) are in tests/valgrind.supp.
# Usage: scripts/valgrind-tests.sh BUILD-DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cd "$root/$build"
export BORDERMAP_DATA="$root" BM_CORPUS="${BM_CORPUS:-$root/../shared/corpus}" BM_UNDER_VALGRIND=1
failed=0 passed=0 skipped=0
# check PROGRAM [ARG]: one test program under memcheck
check() {
  local t=$1 log rc=0
  log=$(mktemp)
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --show-leak-kinds=definite,indirect --suppressions="$root/tests/valgrind.supp" \
       --trace-children=no --child-silent-after-fork=yes "./$t" "${@:2}" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); echo "valgrind: $t ok"
  elif [ "$rc" -eq 77 ]; then  # the test's input (../shared) is absent: ctest's SKIP_RETURN_CODE
    skipped=$((skipped + 1)); echo "valgrind: $t SKIPPED: $(grep -m1 SKIPPED "$log" | sed 's/.*SKIPPED: //')"
  else
    failed=$((failed + 1)); echo "valgrind: $t FAILED"; tail -60 "$log"
  fi
  rm -f "$log"
}
for t in test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  check "$t"
done
# the store suite on PostgreSQL, when scripts/test.sh started a cluster
[ -z "${BM_TEST_PG:-}" ] || check test_store pg
echo "valgrind: $passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ]
