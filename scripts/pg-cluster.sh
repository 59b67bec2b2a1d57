#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + PostGIS 3 cluster for the tests and benchmarks:
# initdb in a temporary directory, listening on 127.0.0.1 on a free local port,
# with a database that has the postgis extension.
#   eval "$(scripts/pg-cluster.sh start)"   # exports BM_TEST_PG (a libpq URL) and BM_PG_DIR
#   scripts/pg-cluster.sh stop "$BM_PG_DIR" # stops the server and removes the directory
# initdb refuses root (CI runs as root), so as root the cluster belongs to
# Debian's `postgres` user. Exits 77 with the reason when PostgreSQL is absent.
set -euo pipefail

pgbin=${BM_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "pg-cluster: SKIPPED: PostgreSQL server binaries not found (install postgresql-15)" >&2
    exit 77
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "pg-cluster: SKIPPED: running as root and there is no postgres user for initdb" >&2
    exit 77
  fi
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/bm-pg.XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if ! as_owner "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1
  fi
  local port started=0
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 20000))
    if as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" \
        start >/dev/null 2>&1; then
      started=1; break
    fi
  done
  if [ "$started" != 1 ]; then
    tail -n 20 "$dir/server.log" >&2 || true; rm -rf "$dir"; exit 1
  fi
  if ! "$pgbin/psql" -qAt -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE DATABASE bmtest" >/dev/null ||
     ! "$pgbin/psql" -qAt -h 127.0.0.1 -p "$port" -U postgres -d bmtest \
      -c "CREATE EXTENSION postgis" >/dev/null; then
    echo "pg-cluster: cannot create the test database with PostGIS (install postgresql-15-postgis-3)" >&2
    stop "$dir"; exit 1
  fi
  echo "export BM_PG_DIR=$dir"
  echo "export BM_TEST_PG=postgresql://postgres@127.0.0.1:$port/bmtest"
}

stop() {
  local dir=${1:-${BM_PG_DIR:-}}
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  case "$dir" in */bm-pg.*) ;; *) echo "pg-cluster: refusing to remove $dir" >&2; return 1;; esac
  as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: pg-cluster.sh start | stop DIR" >&2; exit 2 ;;
esac
