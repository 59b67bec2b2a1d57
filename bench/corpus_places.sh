#!/usr/bin/env bash
# corpus_places.sh: place precision and recall of `bordermap mentions` on the
# seed articles of ../shared/corpus against gold/places.tsv.
# A predicted place counts when it lies within 20 km of a gold point of the
# same article (120 km when the gold place is a governorate, 200 km for a
# region or other, 400 km for a country); distinct places per article.
# P = matched predicted / predicted, R = matched gold / gold.
# Usage: bench/corpus_places.sh [BORDERMAP_BINARY] [CORPUS_DIR]   (-v lists the errors)
set -euo pipefail
verbose=0
if [[ "${1:-}" == "-v" ]]; then verbose=1; shift; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/build/bordermap}"
corpus="${2:-${BM_CORPUS:-$root/../shared/corpus}}"
[[ -x "$bin" ]] || { echo "corpus_places.sh: no bordermap binary at $bin" >&2; exit 2; }
[[ -f "$corpus/gold/places.tsv" ]] || { echo "corpus_places.sh: no corpus at $corpus" >&2; exit 2; }
export BORDERMAP_DATA="${BORDERMAP_DATA:-$root}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# predictions: file <TAB> place_id <TAB> lat <TAB> lon, one row per mention
: > "$tmp/pred.tsv"
for f in $(cut -f1 "$corpus/gold/places.tsv" | tail -n +2 | sort -u); do
    pub="$(awk -F'\t' -v f="$f" '$1 == f { print $3 }' "$corpus/gold/articles.tsv")"
    args=()
    [[ -n "$pub" && "$pub" != "-" ]] && args=(--published "$pub")
    "$bin" --quiet mentions "${args[@]}" "$corpus/seeds/$f" |
        awk -F'\t' -v f="$f" 'NR > 1 && $1 == "place" { print f "\t" $4 "\t" $7 "\t" $8 }' \
            >> "$tmp/pred.tsv"
done

awk -F'\t' -v verbose="$verbose" '
function rad(x) { return x * 3.14159265358979 / 180 }
function dist(a, b, c, d,   h) {
    h = sin(rad(c - a) / 2) ^ 2 + cos(rad(a)) * cos(rad(c)) * sin(rad(d - b) / 2) ^ 2
    if (h > 1) h = 1
    return 2 * 6371.0088 * atan2(sqrt(h), sqrt(1 - h))
}
function radius(kind) {  # the codebook distances, as in bench/corpus_eval_impl.h
    if (kind == "country") return 400
    if (kind == "river") return 300
    if (kind == "region") return 200
    if (kind == "other") return 150
    if (kind == "governorate") return 120
    if (kind == "district") return 60
    return 20
}
FNR == 1 { file++ }
file == 1 && FNR > 1 { ng++; gf[ng] = $1; gid[ng] = $3; gk[ng] = $6; glat[ng] = $8; glon[ng] = $9; next }
file == 2 {
    key = $1 SUBSEP $2
    if (key in seen) next
    seen[key] = 1
    np++; pf[np] = $1; pid[np] = $2; plat[np] = $3; plon[np] = $4
}
END {
    for (i = 1; i <= np; i++) {
        ok = 0
        for (j = 1; j <= ng && !ok; j++)
            if (gf[j] == pf[i] && dist(plat[i], plon[i], glat[j], glon[j]) <= radius(gk[j])) ok = 1
        mp += ok
        if (!ok && verbose) printf "  extra  %s %s\n", pf[i], pid[i]
    }
    for (j = 1; j <= ng; j++) {
        ok = 0
        for (i = 1; i <= np && !ok; i++)
            if (gf[j] == pf[i] && dist(plat[i], plon[i], glat[j], glon[j]) <= radius(gk[j])) ok = 1
        mg += ok
        if (!ok && verbose) printf "  missed %s %s\n", gf[j], gid[j]
    }
    printf "places: precision %.3f (%d/%d)  recall %.3f (%d/%d)\n", np ? mp / np : 0, mp, np, ng ? mg / ng : 0, mg, ng
}' "$corpus/gold/places.tsv" "$tmp/pred.tsv"
