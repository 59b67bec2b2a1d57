#!/usr/bin/env bash
# check_corrections.sh: end-to-end checks of corrections that last: incidents
# edit/merge/split/history, re-ingest with --force and after gazetteer
# changes (ids and every correction survive; an edited incident no longer
# extracted stays, marked; a sentence that now yields two keeps the id on the
# one that matches), and the team's own places and aliases used by ingest.
# The articles are written here (our own sentences, no third-party text).
# Usage: BM_BIN=PATH/TO/bordermap tests/check_corrections.sh [SOURCE_DIR]   (run by ctest)
set -uo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
bin="${BM_BIN:-$root/build/bordermap}"
[[ -x "$bin" ]] || { echo "check_corrections: no bordermap binary at $bin (set BM_BIN)" >&2; exit 1; }
export BORDERMAP_DATA="$root"
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
# The database NAME: a file here, or with $BM_CORRECTIONS_PG (check_pg.sh) the
# schema ${BM_CORRECTIONS_SCHEMA}_NAME of that PostgreSQL database.
db() {
    if [[ -n "${BM_CORRECTIONS_PG:-}" ]]; then echo "--db $BM_CORRECTIONS_PG --pg-schema ${BM_CORRECTIONS_SCHEMA}_$1"
    else echo "--db $tmp/$1.sqlite"; fi
}
bm() { "$bin" $(db t) "$@"; }
# "id,date_start,type,place_id" of every incident (columns 3,5,8,9 of the CSV), sorted by id
table() { bm incidents list --format csv | tail -n +2 | cut -d, -f3,5,8,9 | sort -t, -k1,1n; }
field() { # id, label of `incidents show`
    bm incidents show "$1" | sed -n "s/^$2: *//p" | head -1
}

# --- help and usage errors -----------------------------------------------------------
for sub in edit merge split history; do
    expect_rc 0 "incidents $sub --help" "$bin" incidents "$sub" --help
    grep -q "Usage: bordermap" "$tmp/out" || fail "incidents $sub --help prints no usage"
    grep -q "Exit codes" "$tmp/out" || fail "incidents $sub --help documents no exit codes"
done
expect_rc 0 "places add --help" "$bin" places add --help
grep -q "Exit codes" "$tmp/out" || fail "places add --help documents no exit codes"
expect_rc 2 "edit without change" bm incidents edit 1
expect_rc 2 "edit bad type" bm incidents edit 1 --type picnic
expect_rc 2 "edit bad lonlat" bm incidents edit 1 --lonlat 200,1
expect_rc 2 "edit bad date" bm incidents edit 1 --date 2025-13-01
expect_rc 2 "edit bad fatalities" bm incidents edit 1 --fatalities -3
expect_rc 2 "merge one id" bm incidents merge 1
expect_rc 2 "split without --source" bm incidents split 1
expect_rc 2 "places add without kind" bm places add x --lonlat 40,34 --name-en X
[[ -n "${BM_CORRECTIONS_PG:-}" || ! -e "$tmp/t.sqlite" ]] || fail "a usage error created the database"

# --- a data directory whose lexicon lacks the trigger 'attacked' ------------------------------
mkdir -p data0
cp -r "$root/gazetteer" data0/ && ln -s "$root/maps" data0/maps
grep -v $'^attacked\t' "$root/gazetteer/lexicon/triggers-en.tsv" > data0/gazetteer/lexicon/triggers-en.tsv

cat > a.txt <<'EOF'
A US airstrike hit a convoy in al-Qaim on 4 March 2025.

Iraqi forces clashed with smugglers in Rutba and Sinjar on 5 March 2025.
EOF
cat > b.txt <<'EOF'
Clashes broke out in Fooville and Rutba on 3 March 2025, killing two fighters.

An airstrike struck a convoy near al-Qaim on 4 March 2025.

Gunmen clashed with police in Sinjar on 5 March 2025.
EOF
cat > c.txt <<'EOF'
Gunmen attacked a checkpoint in Rabia on 6 March 2025.
EOF
ingest() { bm ingest --published 2025-03-07 --source "Test Wire" "$@" 2> "$tmp/ingest.err" ||
    fail "ingest $*: $(cat "$tmp/ingest.err")"; }
ingest a.txt b.txt c.txt
want_initial=$'1,2025-03-04,airstrike,al-qaim\n2,2025-03-05,clash,rutba\n3,2025-03-05,clash,sinjar\n4,2025-03-03,clash,rutba\n5,2025-03-06,attack,rabia'
[[ "$(table)" == "$want_initial" ]] || fail "initial incidents: $(table)"

# --- corrections ---------------------------------------------------------------------------
expect_rc 0 "edit 1" bm incidents edit 1 --fatalities 3 --note "checked with the wire" --by alice
grep -q "2 field(s) changed" "$tmp/err" || fail "edit 1 did not report 2 changes"
expect_rc 0 "edit 2 (no USER)" env -u USER "$bin" $(db t) incidents edit 2 \
    --place sinjar --type attack
expect_rc 0 "merge 2 4" bm incidents merge 2 4 --by bob
expect_rc 1 "merge a merged id" bm incidents merge 2 4
grep -q "merged into 2" "$tmp/err" || fail "merging a merged id does not say where it went"
[[ "$(field 3 sources)" == "2" ]] || fail "incident 3 has $(field 3 sources) sources, want 2"
expect_rc 0 "split 3" bm incidents split 3 --source 2 --by carol
[[ "$(cat "$tmp/out")" == "6" ]] || fail "split printed '$(cat "$tmp/out")', want 6"
expect_rc 1 "split the last source" bm incidents split 6 --source 1
expect_rc 1 "split a missing source" bm incidents split 3 --source 9
expect_rc 0 "edit 5" bm incidents edit 5 --summary "Checkpoint attack at Rabia" \
    --date 2025-03 --lonlat 42.02,36.83
expect_rc 1 "edit an unknown place" bm incidents edit 1 --place no-such-place
expect_rc 1 "edit a missing incident" bm incidents edit 99 --type clash
expect_rc 1 "show a merged id" bm incidents show 4
grep -q "incident 4 was merged into 2" "$tmp/err" || fail "show 4 does not say merged into 2"

snapshot() {
    for id in 1 2 3 5 6; do
        bm incidents show "$id" | grep -E '^(date|type|place|location|fatalities|summary|note):'
    done
}
want_after=$'1,2025-03-04,airstrike,al-qaim\n2,2025-03-05,attack,sinjar\n3,2025-03-05,clash,sinjar\n5,2025-03-01,attack,rabia\n6,2025-03-05,clash,sinjar'
[[ "$(table)" == "$want_after" ]] || fail "after corrections: $(table)"
snapshot > before.txt

# --- re-ingest with --force: every id and every correction survives ------------------------
ingest --force a.txt b.txt c.txt
grep -q "found again under their ids" "$tmp/ingest.err" || fail "ingest --force found nothing again"
[[ "$(table)" == "$want_after" ]] || fail "after ingest --force: $(table)"
snapshot > after.txt
diff before.txt after.txt > /dev/null || fail "ingest --force changed a correction: $(diff before.txt after.txt)"
[[ "$(field 3 sources)" == "1" && "$(field 6 sources)" == "1" ]] ||
    fail "sources after re-ingest: 3 has $(field 3 sources), 6 has $(field 6 sources)"

# --- a deleted incident stays deleted ------------------------------------------------------
printf 'Smugglers crossed the border near Rabia on 2 March 2025.\n' > e.txt
ingest e.txt
del="$(table | grep ',2025-03-02,' | cut -d, -f1)"
[[ -n "$del" ]] || fail "e.txt yielded no incident: $(table)"
expect_rc 0 "delete" bm incidents delete "$del" --by erin
ingest --force e.txt
[[ -z "$(table | grep ',2025-03-02,')" ]] || fail "re-ingest brought a deleted incident back"
bm incidents history "$del" --format tsv | grep -c $'\terin\tdelete\tincident\t' >/dev/null ||
    fail "no delete row in the history of $del"

# --- a manual entry that an article also reports gains a source, never the article's fields ----
bm3() { "$bin" $(db t3) "$@"; }
expect_rc 0 "incidents add" bm3 incidents add --date 2025-03-04 --place al-qaim --type airstrike \
    --summary "Strike on a convoy, per our contact"
man="$(cat "$tmp/out")"
printf 'An airstrike hit trucks in al-Qaim on 4 March 2025.\n' > g.txt
bm3 ingest --published 2025-03-07 g.txt 2> /dev/null || fail "ingest g.txt"
[[ "$(bm3 incidents show "$man" | sed -n 's/^sources: *//p')" == "1" ]] ||
    fail "g.txt did not become a source of the manual entry"
bm3 ingest --published 2025-03-07 --force g.txt 2> /dev/null || fail "ingest --force g.txt"
[[ "$(bm3 incidents show "$man" | sed -n 's/^summary: *//p')" == "Strike on a convoy, per our contact" ]] ||
    fail "re-ingest rewrote the manual entry $man"
bm3 incidents history "$man" --format tsv | grep -c $'\tadd\tincident\t' >/dev/null || fail "no add row for $man"

# --- history -------------------------------------------------------------------------------
expect_rc 0 "history 2" bm incidents history 2 --format tsv
grep -q $'^2\t[0-9T:Z-]*\t'"$(id -un)"$'\tedit\ttype\tclash\tattack$' "$tmp/out" ||
    fail "history 2 lacks the type edit by the account name: $(cat "$tmp/out")"
grep -q $'\tedit\tplace\trutba\tsinjar$' "$tmp/out" || fail "history 2 lacks the place edit"
grep -q $'\tbob\tmerge\tincident\t4\t2$' "$tmp/out" || fail "history 2 lacks the merge"
grep -q $'^4\t.*\tmerged-into\t' "$tmp/out" || fail "history 2 lacks the merged incident's row"
expect_rc 0 "history 1" bm incidents history 1 --format tsv
grep -q $'\talice\tedit\tfatalities\tnot stated\t3$' "$tmp/out" || fail "history 1 lacks fatalities"
grep -q $'\talice\tedit\tnote\t-\tchecked with the wire$' "$tmp/out" || fail "history 1 lacks the note"
expect_rc 0 "show 1 json" bm incidents show 1 --format json
grep -q '"note":"checked with the wire"' "$tmp/out" || fail "show --format json lacks the note"
grep -q '"corrected_at":"20' "$tmp/out" || fail "show --format json lacks corrected_at"
expect_rc 0 "history 3 json" bm incidents history 3 --format json
grep -q '"action": "split"' "$tmp/out" || fail "history 3 lacks the split"
expect_rc 0 "history 4" bm incidents history 4
grep -q "merged into 2" "$tmp/err" || fail "history of a merged id does not say where it went"

# --- a lexicon change: a corrected incident no longer extracted stays, marked ----------------
export BORDERMAP_DATA="$tmp/data0"
ingest --force c.txt
[[ "$(table)" == "$want_after" ]] || fail "after the lexicon lost 'attacked': $(table)"
field 5 review | grep -c "no longer extracted" >/dev/null || fail "incident 5 is not marked for review"
[[ "$(field 5 sources)" == "0" ]] || fail "incident 5 still has a source"
bm incidents history 5 --format tsv | grep -c $'\tunconfirmed\t' >/dev/null || fail "no unconfirmed row"
export BORDERMAP_DATA="$root"
ingest --force c.txt
[[ -z "$(field 5 review)" && "$(field 5 sources)" == "1" ]] || fail "incident 5 not reconfirmed"
bm incidents history 5 --format tsv | grep -c $'\treconfirmed\t' >/dev/null || fail "no reconfirmed row"
[[ "$(field 5 summary)" == "Checkpoint attack at Rabia" ]] || fail "5 lost its summary"

# --- a gazetteer change moves a place (a more specific team place now matches): every id
#     stays; an unedited incident takes the new place, an edited one keeps every field ---------
bm2() { "$bin" $(db t2) "$@"; }
t2() { bm2 incidents list --format csv | tail -n +2 | cut -d, -f3,5,8,9 | sort -t, -k1,1n; }
printf 'Clashes broke out in East Rutba on 5 March 2025.\n\nAn airstrike hit a depot in East Rutba on 2 March 2025.\n' > f.txt
bm2 ingest --published 2025-03-07 f.txt 2> /dev/null || fail "ingest f.txt"
[[ "$(t2)" == $'1,2025-03-05,clash,rutba\n2,2025-03-02,airstrike,rutba' ]] || fail "f.txt: $(t2)"
expect_rc 0 "edit 2 in t2" bm2 incidents edit 2 --note "depot location unverified"
expect_rc 0 "places add east-rutba" bm2 places add east-rutba --kind village \
    --lonlat 40.35,33.04 --name-en "East Rutba"
bm2 ingest --published 2025-03-07 --force f.txt 2> /dev/null || fail "ingest --force f.txt"
[[ "$(t2)" == $'1,2025-03-05,clash,east-rutba\n2,2025-03-02,airstrike,rutba' ]] ||
    fail "after the place moved: $(t2)"

# --- the team's own places and spellings ------------------------------------------------------
expect_rc 1 "places add an existing id" bm places add rutba --kind town --lonlat 40,33 --name-en R
expect_rc 0 "places add" bm places add fooville --kind town --lonlat 40.9,34.4 --name-en Fooville \
    --name-ar 'فوفيل' --country IQ --by dana
expect_rc 0 "places search sees it" bm places search Fooville --format tsv
[[ "$(sed -n 2p "$tmp/out" | cut -f2)" == "fooville" ]] || fail "places search does not find fooville"
expect_rc 0 "places alias add" bm places alias add rutba Rootba
expect_rc 1 "alias twice" bm places alias add rutba Rootba
expect_rc 1 "alias of no place" bm places alias add no-such-place Nowhere
printf 'Gunmen clashed with police in Rootba on 1 March 2025.\n' > d.txt
expect_rc 0 "mentions sees the alias" bm mentions d.txt
grep -q $'\tRootba\trutba\t' "$tmp/out" || fail "mentions does not resolve the alias: $(cat "$tmp/out")"
# b.txt's first sentence now yields two incidents: Rutba's keeps its id (merged into 2);
# the deleted id 7 is never given again
ingest --force b.txt d.txt
want_team=$'1,2025-03-04,airstrike,al-qaim\n2,2025-03-05,attack,sinjar\n3,2025-03-05,clash,sinjar\n5,2025-03-01,attack,rabia\n6,2025-03-05,clash,sinjar\n8,2025-03-03,clash,fooville\n9,2025-03-01,clash,rutba'
[[ "$(table)" == "$want_team" ]] || fail "with the team's places: $(table)"
bm incidents show 2 | grep -c "b.txt" >/dev/null || fail "incident 2 lost its b.txt source"

if [[ $fails -gt 0 ]]; then
    echo "check_corrections: $fails failure(s)" >&2
    exit 1
fi
echo "check_corrections: ok"
