#!/usr/bin/env bash
# gen-articles.sh: writes N synthetic articles for bench_ingest by recombining
# the sentences of examples/articles (each one a new mix of 3-6 sentences of
# one language under a random 2024-2025 publication date). Reproducible: the
# same N and SEED give the same files. Never used as test truth: the mixes are
# load, not facts.
# Usage: bench/gen-articles.sh [N=10000] [OUTDIR=/tmp/bm-articles-N] [SEED=1]
set -euo pipefail
n=${1:-10000}
out=${2:-/tmp/bm-articles-$n}
seed=${3:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/examples/articles"
[ -d "$src" ] || { echo "gen-articles: $src not found" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/gen-*.txt
# One sentence per record: language<TAB>sentence. Skips the date line and the
# headline (the first line after it).
for f in "$src"/*.ar.txt "$src"/*.en.txt; do
    lang=${f%.txt}; lang=${lang##*.}
    awk -v lang="$lang" 'NR == 1 || NF == 0 { next }
        !headline { headline = 1; next }
        { n = split($0, parts, /\. /)
          for (i = 1; i <= n; i++) {
              s = parts[i]; if (s !~ /\.$/) s = s "."; print lang "\t" s
          } }' "$f"
done > "$out/.sentences.tsv"
awk -F '\t' -v n="$n" -v seed="$seed" -v out="$out" '
    { lang[NR] = $1; text[NR] = $2; if ($1 == "ar") ar[++nar] = NR; else en[++nen] = NR }
    END {
        srand(seed)
        for (i = 1; i <= n; i++) {
            file = sprintf("%s/gen-%05d.txt", out, i)
            y = 2024 + int(rand() * 2); m = 1 + int(rand() * 12); d = 1 + int(rand() * 28)
            printf "date %04d-%02d-%02d\n\n", y, m, d > file
            k = 3 + int(rand() * 4)
            useen = rand() < 0.5
            for (j = 1; j <= k; j++) {
                r = useen ? en[1 + int(rand() * nen)] : ar[1 + int(rand() * nar)]
                printf "%s%s", text[r], (j % 2 == 0 ? "\n\n" : " ") > file
            }
            printf "\n" > file
            close(file)
        }
    }' "$out/.sentences.tsv"
rm -f "$out/.sentences.tsv"
echo "gen-articles: $n articles in $out" >&2
