#!/usr/bin/env bash
# check_places_cli.sh: end-to-end checks of `bordermap places`, `mentions` and
# `gazetteer import`: exit codes, the exact TSV header, byte offsets that
# point at the surface in the input, and imported places becoming visible.
# Usage: BM_BIN=PATH/TO/bordermap tests/check_places_cli.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_places_cli: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset BORDERMAP_DB
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_rc() { # want, description, command...
    local want="$1" what="$2"; shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [[ $rc -eq $want ]] || fail "$what: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
}

# --- help and usage errors -----------------------------------------------------
for cmd in places mentions gazetteer; do
    expect_rc 0 "$cmd --help" "$bin" "$cmd" --help
    grep -q "Usage: bordermap" "$tmp/out" || fail "$cmd --help prints no usage"
    grep -q "Exit codes" "$tmp/out" || fail "$cmd --help documents no exit codes"
done
expect_rc 2 "places without action" "$bin" places
expect_rc 2 "places bad action" "$bin" places frobnicate x
expect_rc 2 "places bad format" "$bin" places search x --format xml
expect_rc 2 "places bad limit" "$bin" places search x --limit 0
expect_rc 2 "mentions without file" "$bin" mentions
expect_rc 2 "mentions bad date" "$bin" mentions --published 2025-13-40 -
grep -q "^bordermap: mentions: " "$tmp/err" || fail "usage error not in the bordermap: format"
expect_rc 2 "gazetteer bad source" "$bin" gazetteer import osm x.txt
expect_rc 1 "mentions missing file" "$bin" mentions "$tmp/nope.txt"
grep -q "^bordermap: mentions: " "$tmp/err" || fail "failure not in the bordermap: format"

# --- places without a database -------------------------------------------------
expect_rc 0 "places search" "$bin" places search 'وأبو كمال' --format tsv --limit 3
[[ "$(sed -n 2p "$tmp/out" | cut -f2)" == "abu-kamal" ]] || fail "search top is not abu-kamal"
[[ ! -e bordermap.sqlite ]] || fail "places created a database"
expect_rc 0 "places search json" "$bin" places search 'Deir Ezzor' --format json --limit 2
grep -q '"id": "deir-ez-zor"' "$tmp/out" || fail "json search lacks deir-ez-zor"
expect_rc 1 "places search nothing" "$bin" places search 'qqqqzzzzxxxx'
expect_rc 0 "places show" "$bin" places show al-qaim-crossing --format tsv
grep -q $'^kind\tcrossing$' "$tmp/out" || fail "show lacks the kind"
grep -q $'^name\tمعبر القائم$' "$tmp/out" || fail "show lacks the alias معبر القائم"
expect_rc 1 "places show unknown" "$bin" places show no-such-place

# --- mentions ------------------------------------------------------------------
printf 'قال مصدر أمني إن دورية من ربيعة وصلت إلى الوليد.\n\nوفي 7 مارس 2025 قصفت الطائرات البوكمال، ولم يتغير الوضع القائم.\n' > art.txt
expect_rc 0 "mentions" "$bin" mentions --published 2025-03-08 art.txt
want=$'kind\toffset\tsurface\tplace_id\tname_en\tname_ar\tlat\tlon\tdate\tdate_precision\tsource'
[[ "$(head -1 "$tmp/out")" == "$want" ]] || fail "mentions header differs: $(head -1 "$tmp/out")"
awk -F'\t' 'NR > 1 && NF != 11 { exit 1 }' "$tmp/out" || fail "a mentions row has not 11 fields"
grep -q $'\tabu-kamal\t.*\tcurated$' "$tmp/out" || fail "mentions does not say abu-kamal is curated"
for id in rabia al-walid abu-kamal; do
    grep -q $'^place\t[0-9]*\t[^\t]*\t'"$id"$'\t' "$tmp/out" || fail "mentions lacks $id"
done
grep -q $'\tal-qaim\t' "$tmp/out" && fail "الوضع القائم resolved to al-Qaim"
grep -q $'^date\t.*\t2025-03-07\tday\t-$' "$tmp/out" || fail "mentions lacks the date 2025-03-07"
# every offset points at its surface, byte for byte
while IFS=$'\t' read -r kind off surface _; do
    [[ "$kind" == "kind" ]] && continue
    got="$(tail -c +"$((off + 1))" art.txt | head -c "$(printf '%s' "$surface" | wc -c)")"
    [[ "$got" == "$surface" ]] || fail "offset $off does not hold '$surface' (holds '$got')"
done < "$tmp/out"
# stdin and a file give the same rows
"$bin" mentions --published 2025-03-08 - < art.txt > "$tmp/stdin.tsv" 2>/dev/null
cmp -s "$tmp/out" "$tmp/stdin.tsv" || fail "mentions of stdin differ from the file"
# a long input is cut into blocks: offsets keep counting across them
content="$(cat art.txt)"
for ((i = 0; i < 3000; i++)); do printf '%s\n' "$content"; done > long.txt
"$bin" mentions --published 2025-03-08 long.txt > "$tmp/long.tsv" || fail "mentions long input"
last_off=$(awk -F'\t' '$1 == "place" && $4 == "abu-kamal" { o = $2 } END { print o }' "$tmp/long.tsv")
size=$(stat -c %s long.txt)
[[ -n "$last_off" && "$last_off" -gt $((size - 200)) ]] || fail "last offset $last_off not near the end ($size)"
n=$(awk -F'\t' '$4 == "abu-kamal"' "$tmp/long.tsv" | wc -l)
[[ "$n" -eq 3000 ]] || fail "long input: $n abu-kamal rows, want 3000"

# --- gazetteer import ------------------------------------------------------------
expect_rc 0 "gazetteer import" "$bin" --db "$tmp/g.sqlite" gazetteer import geonames \
    "$root/tests/data/geonames-sample.txt" --alternate-names "$root/tests/data/alternates-sample.txt"
grep -q "imported 3 places" "$tmp/err" || fail "import does not report 3 places: $(cat "$tmp/err")"
expect_rc 0 "search imported" "$bin" --db "$tmp/g.sqlite" places search 'خربة البستان الشرقية' --format tsv
[[ "$(sed -n 2p "$tmp/out" | cut -f2)" == "gn-99000002" ]] || fail "imported place not found by its Arabic name"
expect_rc 0 "show imported" "$bin" --db "$tmp/g.sqlite" places show gn-99000001
printf 'سقطت قذيفة على تل زهور الغربي مساء.\n' > imp.txt
expect_rc 0 "mentions imported" "$bin" --db "$tmp/g.sqlite" mentions imp.txt
grep -q $'\tgn-99000001\t' "$tmp/out" || fail "mentions does not see the imported place"
expect_rc 1 "import bad file" "$bin" --db "$tmp/g.sqlite" gazetteer import geonames art.txt
expect_rc 0 "places still there after a failed import" "$bin" --db "$tmp/g.sqlite" places show gn-99000001

[[ $fails -eq 0 ]] && echo "check_places_cli: all checks passed"
exit $((fails > 0))
