#!/usr/bin/env bash
# Rebuilds the seed corpora fuzz/corpus/TARGET/ from the repository's own
# examples/ and tests/data/ (never from ../shared: no third-party text).
# Usage: scripts/fuzz-seeds.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
c=fuzz/corpus
rm -rf "$c"/dates "$c"/places "$c"/extract "$c"/geonames
mkdir -p "$c"/dates "$c"/places "$c"/extract "$c"/geonames "$c"/store_text
# column N of a TSV table (comments and header skipped), one file per row,
# with the two characters \n turned into line breaks
column() {
  awk -F'\t' -v col="$2" -v dir="$3" -v pre="$4" '
    /^#/ || !seen++ { next }
    $col != "" { s = $col; gsub(/\\n/, "\n", s); printf "%s", s > (dir "/" pre NR); close(dir "/" pre NR) }' "$1"
}
column tests/data/dates.tsv 1 "$c"/dates d
column tests/data/dates-published.tsv 1 "$c"/dates p
column tests/data/place-cases.tsv 1 "$c"/places s
column tests/data/place-cases.tsv 2 "$c"/places n
column tests/data/extract-cases.tsv 2 "$c"/extract x
for f in examples/articles/*.txt; do cp "$f" "$c/extract/$(basename "$f")"; done
for f in examples/articles/*.txt; do head -c 2000 "$f" > "$c/dates/$(basename "$f")"; done
cp tests/data/geonames-sample.txt "$c"/geonames/sample
n=0
while IFS= read -r line; do
  n=$((n + 1)); printf '%s\n' "$line" > "$c/geonames/row$n"
done < tests/data/geonames-sample.txt
echo "seeds: $(for d in "$c"/*/; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
