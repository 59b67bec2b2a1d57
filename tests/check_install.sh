#!/usr/bin/env bash
# check_install.sh: the install is relocatable. Installs the build into a
# temporary prefix, moves the prefix elsewhere, then runs the installed
# binary (--help, init, a small ingest, a place lookup) without
# BORDERMAP_DATA, and compiles a small program against the moved prefix with
# pkg-config (bordermap.pc finds itself through ${pcfiledir}); the program
# checks that the library finds its data inside the moved prefix.
# Usage: BM_BIN=BUILD/bordermap tests/check_install.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_install: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
build="$(cd "$(dirname "$bin")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cmake --install "$build" --prefix "$tmp/first" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; echo "check_install: cmake --install failed" >&2; exit 1; }
# Relocate: nothing may still point at the prefix the files were installed to.
mv "$tmp/first" "$tmp/moved"
prefix="$tmp/moved"
unset BORDERMAP_DATA BORDERMAP_DB
installed="$prefix/bin/bordermap"

readelf -d "$installed" | grep -c 'RUNPATH.*\$ORIGIN/' >/dev/null || fail "RUNPATH is not relative to \$ORIGIN"
ldd "$installed" | grep -c "$prefix/.*libbordermap" >/dev/null ||
    fail "the installed binary does not load the installed library: $(ldd "$installed" | grep bordermap)"
"$installed" --help > "$tmp/out" 2>&1 || fail "installed bordermap --help: $(head -3 "$tmp/out")"
grep -q "Exit codes" "$tmp/out" || fail "installed --help has no exit codes"
cd "$tmp"
"$installed" --db "$tmp/i.sqlite" init > "$tmp/out" 2>&1 || fail "installed init: $(cat "$tmp/out")"
printf 'A US airstrike hit a convoy in al-Qaim on 4 March 2025.\n' > a.txt
"$installed" --db "$tmp/i.sqlite" ingest --published 2025-03-05 a.txt > "$tmp/out" 2>&1 ||
    fail "installed ingest: $(cat "$tmp/out")"
"$installed" --db "$tmp/i.sqlite" incidents list --format csv | grep -c ',airstrike,al-qaim,' >/dev/null ||
    fail "installed ingest stored no airstrike at al-qaim"
"$installed" places show al-qaim-crossing > /dev/null 2>&1 || fail "installed places show"

# pkg-config from the moved prefix, and a program built against it.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags="$(pkg-config --cflags --libs bordermap 2>&1)" || fail "pkg-config bordermap: $flags"
for var in includedir libdir datadir; do
    dir="$(pkg-config --variable="$var" bordermap)"
    [[ -d "$dir" && "$(cd "$dir" && pwd -P)" == "$(cd "$prefix" && pwd -P)"/* ]] ||
        fail "pkg-config's $var is not inside the moved prefix: $dir"
done
cat > prog.c <<'EOF'
#include <stdio.h>
#include <string.h>
#include <bordermap/bordermap.h>

int main(int argc, char **argv)
{
    char path[4096];
    bm_error err;
    bm_error_clear(&err);
    if (bm_data_path("gazetteer/corridor.tsv", path, sizeof path, &err) != BM_OK) {
        fprintf(stderr, "%s\n", bm_error_text(&err));
        return 1;
    }
    printf("%s %s\n", bm_version(), path);
    return argc > 1 && strncmp(path, argv[1], strlen(argv[1])) != 0;
}
EOF
san=""
[[ "${BM_SANITIZE:-OFF}" == "ON" ]] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
if cc -std=c11 $san prog.c -o prog $flags -Wl,-rpath,"$prefix/lib" 2> "$tmp/cc.log"; then
    ./prog "$prefix/" > "$tmp/out" 2>&1 || fail "the library does not find its data in the moved prefix: $(cat "$tmp/out")"
else
    fail "cannot compile against the installed library: $(head -5 "$tmp/cc.log")"
fi

if [[ $fails -gt 0 ]]; then
    echo "check_install: $fails failure(s)" >&2
    exit 1
fi
echo "check_install: ok"
