#!/usr/bin/env bash
# Validates the gazetteer data files (gazetteer/corridor.tsv, geonames.tsv, regions.geojson)
# against the format contract in gazetteer/README.md, the basemap polygons and the gold corpus.
# Read-only: it never edits a data file. Exits non-zero with one line per violation.
#
# Usage: tests/check_gazetteer_data.sh [REPO_ROOT] [--gold]   (default: the directory above this script)
#   --gold: only the places of the gold corpus ($BM_CORPUS, else ../shared/corpus beside the
#   checkout) against corridor.tsv; exits 77 (ctest SKIPPED) when the corpus is absent
#   (1 under CI=true, where ../shared is part of the set-up).
#   tests/check_gazetteer_gold.sh runs that part as its own test.
# Needs python3 (standard library only).
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
exec python3 - "$root" "${2:-}" <<'PY'
import json
import math
import os
import re
import sqlite3
import struct
import sys
import unicodedata

ROOT = sys.argv[1]
GOLD_ONLY = len(sys.argv) > 2 and sys.argv[2] == "--gold"
GAZ = os.path.join(ROOT, "gazetteer")
FILES = ["corridor.tsv", "geonames.tsv"]
HEADER = ["id", "name_en", "name_ar", "kind", "country", "admin1", "lat", "lon", "population",
          "aliases_en", "aliases_ar", "area", "source"]
KINDS = set("country governorate district subdistrict city town village crossing camp base oilfield "
            "station airport dam mountain region river lake other".split())
# The places the product exists for: an analyst's first queries.
MISSION = ["rabia", "al-walid", "deir-ez-zor", "deir-ez-zor-governorate", "anbar-governorate",
           "abu-kamal", "al-hol-camp"]
GOLD_KM = 25.0
# Natural Earth's admin-1 lines are coarse (about 1 km); a border crossing or a border town may
# fall just across. Anything farther out is a wrong coordinate or a wrong admin1.
ADMIN1_SLACK_KM = 3.0
DEDUP_KM = 5.0
# Generated rows are only held to their country, to catch swapped or misplaced coordinates:
# islands (Arwad) and villages of the occupied Golan sit a few km outside the land polygons.
GENERATED_SLACK_KM = 10.0

errors = []


def err(where, msg):
    errors.append("%s: %s" % (where, msg))


ARABIC_CHAR = re.compile("[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
ARABIC_LETTER = re.compile("[\u0621-\u064A\u0671-\u06D3]")
# Letters of Arabic itself: a Persian ی or ک typed for ي or ك would never match Arabic text.
ARABIC_TEXT = re.compile("^[\u0621-\u063A\u0641-\u064A\u064B-\u0652\u0670 0-9-]+$")
HARAKAT = re.compile("[\u064B-\u0652\u0670\u0640]")
COORD = re.compile(r"^-?\d{1,3}\.\d{4,6}$")
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def has_latin(s):
    return any(ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN") for ch in s)


def arabic_key(s):
    """The matcher's Arabic normalisation (gazetteer/README.md), article dropped."""
    s = HARAKAT.sub("", s).translate(str.maketrans("أإآٱةى", "ااااهي"))
    s = re.sub(r"\s*-\s*", "-", s.strip())
    return s[2:] if s.startswith("ال") and len(s) > 3 else s


def latin_key(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    for a in "'`’‘ʼʻʿʾ´":
        s = s.replace(a, "")
    s = re.sub(r"\b(al|el|ad|adh|ar|as|ash|az|at|ath|an)[ -]", "", s)
    return re.sub(r"[\s\-]+", "", s)


def match_key_ar(s):
    s = HARAKAT.sub("", s).translate(str.maketrans("أإآٱةى", "ااااهي"))
    s = re.sub(r"[\s\-–]+", " ", s).strip()  # a hyphen separates words like a space
    return s[2:] if s.startswith("ال") and len(s) > 3 else s


def match_key_en(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    for a in "'`’‘ʼʻʿʾ´":
        s = s.replace(a, "")
    s = re.sub(r"[\s\-–]+", " ", s).strip()
    return re.sub(r"^(al|el|ad|ar|as|ash|az|at) ", "", s)


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def point_in_ring(x, y, ring):
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def in_polygons(x, y, polys):
    return any(point_in_ring(x, y, p[0]) and not any(point_in_ring(x, y, h) for h in p[1:])
               for p in polys)


def km_to_edges(lat, lon, polys):
    k = math.cos(math.radians(lat))
    best = float("inf")
    for poly in polys:
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                ax, ay, bx, by = (x1 - lon) * k, y1 - lat, (x2 - lon) * k, y2 - lat
                dx, dy = bx - ax, by - ay
                t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy) * 111.2)
    return best


def segments_cross(p1, p2, p3, p4):
    def o(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return o(p1, p2, p3) * o(p1, p2, p4) < 0 and o(p3, p4, p1) * o(p3, p4, p2) < 0


# ---------------------------------------------------------------- TSV format, row by row
def check_names(where, r):
    if r["name_en"] == "-" or ARABIC_CHAR.search(r["name_en"]):
        err(where, "name_en must be Latin text: %r" % r["name_en"])
    if r["aliases_en"] != "-":
        for a in r["aliases_en"].split("|"):
            if not a or ARABIC_CHAR.search(a):
                err(where, "aliases_en holds an empty or Arabic form: %r" % a)
    curated = r["source"] == "curated"
    if r["name_ar"] == "-":
        if curated:
            err(where, "a curated row needs name_ar")
    elif has_latin(r["name_ar"]) or not ARABIC_LETTER.search(r["name_ar"]):
        err(where, "name_ar must be Arabic text without Latin letters: %r" % r["name_ar"])
    elif not ARABIC_TEXT.match(r["name_ar"]):
        err(where, "name_ar has a letter outside the Arabic alphabet (Persian/Kurdish?): %r"
            % r["name_ar"])
    if r["aliases_ar"] != "-":
        for a in r["aliases_ar"].split("|"):
            if not a or has_latin(a) or not ARABIC_LETTER.search(a):
                err(where, "aliases_ar holds an empty, Latin or non-Arabic form: %r" % a)
            elif not ARABIC_TEXT.match(a):
                err(where, "aliases_ar form with a letter outside the Arabic alphabet: %r" % a)
    # The matcher folds case, diacritics, alef forms, taa marbuta, alif maqsura and an optional
    # article itself: an alias that differs from another form only in those is noise.
    for field, key in (("aliases_en", match_key_en), ("aliases_ar", match_key_ar)):
        canon = r["name_en" if field == "aliases_en" else "name_ar"]
        seen = {key(canon): canon} if canon != "-" else {}
        for a in ([] if r[field] == "-" else r[field].split("|")):
            k = key(a)
            if k in seen:
                err(where, "%s: %r is the same to the matcher as %r" % (field, a, seen[k]))
            seen.setdefault(k, a)


def check_row(where, r):
    if not ID.match(r["id"]):
        err(where, "id %r is not a lowercase ascii slug" % r["id"])
    if r["kind"] not in KINDS:
        err(where, "kind %r is not one of the contract's kinds" % r["kind"])
    if not re.fullmatch(r"[A-Z]{2}|-", r["country"]):
        err(where, "country %r is not ISO 3166-1 alpha-2 or -" % r["country"])
    for f, lim in (("lat", 90.0), ("lon", 180.0)):
        if not COORD.match(r[f]):
            err(where, "%s %r needs 4-6 decimals" % (f, r[f]))
        elif abs(float(r[f])) > lim:
            err(where, "%s %s out of range" % (f, r[f]))
    if not re.fullmatch(r"[0-9]+|-", r["population"]):
        err(where, "population %r is not an integer or -" % r["population"])
    area = r["area"]
    if area != "-" and not re.fullmatch(r"admin1:[A-Z]{2}-[A-Z0-9~]+|region:[a-z0-9-]+|country:[A-Z]{2}", area):
        err(where, "area %r is not -, admin1:<ISO>, region:<id> or country:<ISO2>" % area)
    if area.startswith("region:") and area != "region:" + r["id"]:
        err(where, "area %r must name this row's own id" % area)
    if area.startswith("country:") and area != "country:" + r["country"]:
        err(where, "area %r does not match country %s" % (area, r["country"]))
    if r["kind"] == "country" and area != "country:" + r["country"]:
        err(where, "a country row needs area country:%s" % r["country"])
    if not re.fullmatch(r"curated|ne|geonames:[0-9]+", r["source"]):
        err(where, "source %r is not curated, ne or geonames:<id>" % r["source"])
    if r["source"].startswith("geonames:") and r["id"] != "gn-" + r["source"].split(":")[1]:
        err(where, "id %s does not match source %s" % (r["id"], r["source"]))
    check_names(where, r)


def load(name):
    path = os.path.join(GAZ, name)
    if not os.path.isfile(path):
        err(path, "missing")
        return []
    rows, header = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = "%s:%d" % (os.path.join("gazetteer", name), n)
            if not line.endswith("\n"):
                err(where, "last line has no newline")
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                err(where, "blank line")
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                if cols != HEADER:
                    err(where, "header must be: " + " ".join(HEADER))
                    return []
                continue
            if len(cols) != len(HEADER):
                err(where, "%d columns, want %d" % (len(cols), len(HEADER)))
                continue
            if any(c == "" or c != c.strip() for c in cols):
                err(where, "empty field or stray whitespace (use - for empty)")
                continue
            r = dict(zip(HEADER, cols))
            r["_where"] = where
            check_row(where, r)
            rows.append(r)
    if not rows:
        err(path, "no rows")
    return rows


data = {name: load(name) for name in FILES}
curated = data["corridor.tsv"]
every = [r for name in FILES for r in data[name]]
byid = {}
for r in every:
    if r["id"] in byid:
        err(r["_where"], "id %s already used at %s" % (r["id"], byid[r["id"]]["_where"]))
    byid.setdefault(r["id"], r)
if any(r["source"] != "curated" for r in curated):
    err("gazetteer/corridor.tsv", "every curated row has source curated")
if any(not r["id"].startswith("gn-") for r in data["geonames.tsv"]):
    err("gazetteer/geonames.tsv", "every generated row has an id gn-<geonameid>")
ids = [r["id"] for r in data["geonames.tsv"]]
if ids != sorted(ids):
    err("gazetteer/geonames.tsv", "rows are not sorted by id (regenerate it)")

# ---------------------------------------------------------------- cross references
for r in every:
    a1 = r["admin1"]
    if a1 == "-":
        continue
    g = byid.get(a1)
    if g is None or g["kind"] != "governorate":
        err(r["_where"], "admin1 %r is not the id of a governorate row" % a1)
    elif g["country"] != r["country"]:
        err(r["_where"], "admin1 %s is in %s but the row says %s" % (a1, g["country"], r["country"]))
for r in curated:
    if r["kind"] == "governorate" and r["admin1"] != "-":
        err(r["_where"], "a governorate row has admin1 -")

# ---------------------------------------------------------------- regions.geojson
regions = {}
rpath = os.path.join(GAZ, "regions.geojson")
try:
    with open(rpath, encoding="utf-8") as f:
        fc = json.load(f)
    for i, feat in enumerate(fc.get("features", [])):
        where = "gazetteer/regions.geojson feature %d" % i
        props = feat.get("properties") or {}
        fid = props.get("id")
        if not fid or not props.get("name_en") or not props.get("name_ar"):
            err(where, "needs properties id, name_en, name_ar")
            continue
        if fid in regions:
            err(where, "id %s drawn twice" % fid)
        geom = feat.get("geometry") or {}
        if geom.get("type") != "Polygon" or not geom.get("coordinates"):
            err(where, "%s: geometry must be a Polygon" % fid)
            continue
        ring = [tuple(p[:2]) for p in geom["coordinates"][0]]
        if len(ring) < 4 or ring[0] != ring[-1]:
            err(where, "%s: ring not closed" % fid)
            continue
        n = len(ring) - 1
        if not 8 <= n <= 30:
            err(where, "%s: %d vertices, want 8-30" % (fid, n))
        if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in ring):
            err(where, "%s: coordinate out of range (lon, lat order?)" % fid)
        for a in range(n):
            for b in range(a + 2, n):
                if not (a == 0 and b == n - 1) and segments_cross(ring[a], ring[a + 1], ring[b], ring[b + 1]):
                    err(where, "%s: edges %d and %d cross" % (fid, a, b))
        regions[fid] = (props, [[ring]])
except (OSError, ValueError) as e:
    err(rpath, "cannot read: %s" % e)

for r in curated:
    if r["area"].startswith("region:"):
        rid = r["area"].split(":", 1)[1]
        if rid not in regions:
            err(r["_where"], "area %s has no polygon in regions.geojson" % r["area"])
            continue
        props, polys = regions[rid]
        if not in_polygons(float(r["lon"]), float(r["lat"]), polys):
            err(r["_where"], "the point of %s lies outside its own polygon" % rid)
        if props["name_ar"] != r["name_ar"]:
            err(r["_where"], "regions.geojson names %s %r, the row %r" % (rid, props["name_ar"], r["name_ar"]))
used = {r["area"].split(":", 1)[1] for r in curated if r["area"].startswith("region:")}
for rid in sorted(set(regions) - used):
    err("gazetteer/regions.geojson", "polygon %s is not used by any corridor.tsv row" % rid)

# ---------------------------------------------------------------- the places the product is for
for pid in MISSION:
    if pid not in byid:
        err("gazetteer/corridor.tsv", "mission place %s has no row" % pid)


# ---------------------------------------------------------------- generated rows stay consistent
def keys_of(r):
    k = set()
    for f in ("name_en", "aliases_en"):
        k |= {"L" + latin_key(a) for a in r[f].split("|") if a != "-"}
    for f in ("name_ar", "aliases_ar"):
        k |= {"A" + arabic_key(a) for a in r[f].split("|") if a != "-"}
    return k


ckeys = [(float(c["lat"]), float(c["lon"]), keys_of(c), c["id"]) for c in curated]
for g in data["geonames.tsv"]:
    gk, la, lo = keys_of(g), float(g["lat"]), float(g["lon"])
    for cla, clo, ck, cid in ckeys:
        if gk & ck and km(la, lo, cla, clo) <= DEDUP_KM:
            err(g["_where"], "%s duplicates curated %s: rerun scripts/build-gazetteer-geonames.sh"
                % (g["id"], cid))
            break


# ---------------------------------------------------------------- basemap polygons (if built)
def gpkg_polygons(blob):
    """Polygons of a GeoPackage geometry blob (Polygon or MultiPolygon, 2D)."""
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    wkb = memoryview(blob)[8 + env:]
    pos = 0

    def read(fmt, order):
        nonlocal pos
        v = struct.unpack_from(("<" if order else ">") + fmt, wkb, pos)
        pos += struct.calcsize(fmt)
        return v

    def polygon(order):
        rings = []
        (nr,) = read("I", order)
        for _ in range(nr):
            (np_,) = read("I", order)
            pts = read("%dd" % (2 * np_), order)
            rings.append(list(zip(pts[0::2], pts[1::2])))
        return rings

    order = wkb[pos]
    pos += 1
    (gtype,) = read("I", order)
    if gtype % 1000 == 3:
        return [polygon(order)]
    if gtype % 1000 == 6:
        out = []
        (n,) = read("I", order)
        for _ in range(n):
            o = wkb[pos]
            pos += 1
            read("I", o)
            out.append(polygon(o))
        return out
    raise ValueError("geometry type %d" % gtype)


gpkg = os.path.join(ROOT, "maps", "basemap.gpkg")
if os.path.isfile(gpkg):
    con = sqlite3.connect("file:%s?mode=ro" % gpkg, uri=True)
    try:
        admin = {code: gpkg_polygons(blob)
                 for code, blob in con.execute("SELECT iso_3166_2, geom FROM admin1")}
        box = con.execute("SELECT west, south, east, north FROM coverage WHERE name = 'basemap'").fetchone()
    finally:
        con.close()
    iso_of = {}
    for r in curated:
        if r["area"].startswith("admin1:"):
            code = r["area"].split(":", 1)[1]
            if code not in admin:
                err(r["_where"], "area %s is not in maps/basemap.gpkg layer admin1" % r["area"])
            iso_of[r["id"]] = code
    by_country = {}
    for code, polys in admin.items():
        by_country.setdefault(code[:2], []).extend(polys)
    for r in every:
        la, lo = float(r["lat"]), float(r["lon"])
        if box and not (box[0] <= lo <= box[2] and box[1] <= la <= box[3]):
            continue
        code = iso_of.get(r["admin1"])
        if r["source"] == "curated" and code in admin:
            # Natural Earth carves the UNDOF zone out of Quneitra governorate.
            polys = admin[code] + (admin.get("SY-X01~", []) if code == "SY-QU" else [])
            if not in_polygons(lo, la, polys):
                d = km_to_edges(la, lo, polys)
                if d > ADMIN1_SLACK_KM:
                    err(r["_where"], "%s lies %.1f km outside %s (%s): wrong coordinate or admin1"
                        % (r["id"], d, r["admin1"], code))
        # GeoNames' admin1 codes disagree with Natural Earth's coarse governorate lines
        # (Baghdad's outer districts), so generated rows are held to their country only.
        polys = by_country.get(r["country"])
        if r["kind"] not in ("country", "region") and polys and not in_polygons(lo, la, polys):
            d = km_to_edges(la, lo, polys)
            if d > (ADMIN1_SLACK_KM if r["source"] == "curated" else GENERATED_SLACK_KM):
                err(r["_where"], "%s lies %.1f km outside %s: wrong coordinate or country"
                    % (r["id"], d, r["country"]))
else:
    # It is part of the repository: a checkout without it is broken, not a reason to skip.
    err(gpkg, "absent: the admin1 polygon checks cannot run")

# ---------------------------------------------------------------- gold annotations
corpus = os.environ.get("BM_CORPUS") or os.path.join(os.path.dirname(os.path.abspath(ROOT)),
                                                     "shared", "corpus")
gold = os.path.join(corpus, "gold", "places.tsv")
if not GOLD_ONLY:
    print("check_gazetteer_data: gold places are check_gazetteer_gold's part")
elif not os.path.isfile(gold):
    if os.environ.get("CI") == "true":  # CI has ../shared beside the clone: a broken set-up
        print("check_gazetteer_gold: FAILED: %s absent, and CI=true requires it" % gold)
        sys.exit(1)
    print("check_gazetteer_gold: SKIPPED: %s absent (../shared/corpus beside the checkout, "
          "or $BM_CORPUS)" % gold)
    sys.exit(77)
else:
    errors.clear()  # the data checks are check_gazetteer_data's part
    with open(gold, encoding="utf-8") as f:
        lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    gh, seen = lines[0], set()
    for n, cols in enumerate(lines[1:], 2):
        g = dict(zip(gh, cols))
        pid = g["place_id"]
        if pid in seen:
            continue
        seen.add(pid)
        where = "gold/places.tsv:%d" % n
        r = next((c for c in curated if c["id"] == pid), None)
        if r is None:
            err(where, "gold place %s has no corridor.tsv row" % pid)
            continue
        d = km(float(g["lat"]), float(g["lon"]), float(r["lat"]), float(r["lon"]))
        if d > GOLD_KM:
            err(r["_where"], "%s is %.0f km from the gold point" % (pid, d))
        if g["kind"] != r["kind"] or g["country"] != r["country"]:
            err(r["_where"], "%s is %s/%s, gold says %s/%s"
                % (pid, r["kind"], r["country"], g["kind"], g["country"]))
        if arabic_key(g["name_ar"]) != arabic_key(r["name_ar"]):
            err(r["_where"], "%s canonical Arabic %r, gold %r" % (pid, r["name_ar"], g["name_ar"]))
    print("check_gazetteer_gold: %d gold places checked" % len(seen))
    if not seen:
        err(gold, "no gold place to check")

for e in errors:
    print("FAIL " + e)
print("check_gazetteer_data: %d rows (%d curated), %d regions, %d problems"
      % (len(every), len(curated), len(regions), len(errors)))
sys.exit(1 if errors else 0)
PY
