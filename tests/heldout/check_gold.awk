# check_gold.awk: structural checks of the held-out gold TSVs (tests/heldout/gold),
# run by tests/check_heldout.sh before it scores anything, so a broken annotation
# fails loudly instead of silently moving the figures. Never edits the gold.
# Usage: awk -f check_gold.awk want=5 articles.tsv want=10 places.tsv want=5 dates.tsv \
#            want=6 incidents.tsv      (want = column count of the file that follows)
# POSIX awk only (no interval expressions), so mawk and gawk both run it.
BEGIN { FS = "\t"; bad = 0 }
FNR == 1 {
    file = FILENAME; sub(/.*\//, "", file)
    next
}
/^$/ { next }
{
    if (NF != want) { err("has " NF " columns, want " want) }
    for (i = 1; i <= NF; i++)
        if ($i == "") err("field " i " is empty (write - for none)")
}
file == "articles.tsv" {
    if ($3 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) err("published is not YYYY-MM-DD")
    if ($4 != "stated" && $4 != "inferred") err("published_basis " $4)
    if ($5 != "ar" && $5 != "en") err("language " $5)
    if ($1 in article) err("article listed twice")
    article[$1] = 1
}
file == "places.tsv" {
    if (!($1 in article)) err("file not in articles.tsv")
    if ($6 !~ /^(country|governorate|district|city|town|village|crossing|camp|base|region|river|other)$/)
        err("kind " $6)
    if ($8 !~ /^-?[0-9]+\.[0-9]+$/ || $9 !~ /^-?[0-9]+\.[0-9]+$/) err("lat/lon not decimal")
    if ($10 != "yes" && $10 != "no") err("corridor " $10)
    if (($1 SUBSEP $3) in place) err("place " $3 " listed twice for the file")
    place[$1 SUBSEP $3] = 1
}
file == "dates.tsv" {
    if (!($1 in article)) err("file not in articles.tsv")
    p = ($3 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) ? "day" : ($3 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]$/) ? "month" : \
        ($3 ~ /^[0-9][0-9][0-9][0-9]$/) ? "year" : "?"
    if (p != $4) err("value " $3 " does not have precision " $4)
    if ($5 !~ /^(explicit|year-inferred|relative)$/) err("basis " $5)
}
file == "incidents.tsv" {
    if (!($1 in article)) err("file not in articles.tsv")
    p = ($2 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) ? "day" : ($2 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]$/) ? "month" : "?"
    if (p != $3) err("date " $2 " does not have precision " $3)
    if (!(($1 SUBSEP $4) in place)) err("place " $4 " is not among the file's places")
    if ($5 !~ /^(clash|attack|airstrike|smuggling|infiltration|security_op|fortification|deployment|crossing|diplomacy|statement|repatriation|other)$/)
        err("type " $5)
}
function err(msg) {
    printf "check_gold: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"
    bad = 1
}
END { exit bad }
