#!/usr/bin/env bash
# check_gazetteer_gold.sh: the places of the gold corpus ($BM_CORPUS, else
# ../shared/corpus beside the checkout) must have a corridor.tsv row at the gold
# point, of the gold kind and country. SKIPPED (exit 77) when the corpus is absent.
# Usage: check_gazetteer_gold.sh [REPO_ROOT]
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
exec bash "$root/tests/check_gazetteer_data.sh" "$root" --gold
