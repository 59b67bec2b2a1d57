# pg_lib.sh: what the PostgreSQL checks share: the server under test
# ($BM_TEST_PG, started by scripts/pg-cluster.sh in scripts/test.sh) or a
# visible skip, and a schema of their own that is dropped at exit.
# Sourced, not run; needs $src and a fail() function.

# SKIPPED (exit 77) with the reason when there is no server; under CI=true
# that is a failure: the test command starts one.
pg_require() {
  local name=$1
  if [ -z "${BM_TEST_PG:-}" ]; then
    if [ "${CI:-}" = true ]; then
      echo "$name: BM_TEST_PG is not set under CI=true (scripts/test.sh starts a cluster with scripts/pg-cluster.sh)" >&2
      exit 1
    fi
    echo "$name: SKIPPED: no PostgreSQL server (set BM_TEST_PG=postgresql://..., see scripts/pg-cluster.sh)"
    exit 77
  fi
  command -v psql >/dev/null || fail "psql is not installed (scripts/install-deps.sh)"
}

# pg_new_schema VAR: a fresh schema name for this run into VAR (not through
# $(...): the list of schemas to drop lives in this shell).
pg_schemas=()
pg_new_schema() {
  local s="t_$(basename "$0" .sh | tr -c 'a-z0-9_\n' _)_$$_${#pg_schemas[@]}"
  pg_schemas+=("$s")
  printf -v "$1" '%s' "$s"
}
pg_drop_schemas() {
  local s
  for s in "${pg_schemas[@]}"; do
    psql -qAtX "$BM_TEST_PG" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
  done
}
