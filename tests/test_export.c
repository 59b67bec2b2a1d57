/* test_export.c: `bordermap export` and bm_export(): every format is written
 * from a fixture database, read back with OGR and compared with the store;
 * GeoJSON also gets ogrinfo and an RFC 7946 structural check.
 * Never compares against hard-coded output: the store is the reference. */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_api.h>

#include "bm_test.h"
#include "store_private.h"

static char g_dir[512], g_db[600];

/* ---- Fixture ------------------------------------------------------------- */

static void put_place_kind(bm_store *s, const char *id, const char *en, const char *ar,
                           double lon, double lat, int64_t pop, const char *kind)
{
    bm_place p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name_en, sizeof p.name_en, "%s", en);
    snprintf(p.name_ar, sizeof p.name_ar, "%s", ar);
    snprintf(p.kind, sizeof p.kind, "%s", kind);
    snprintf(p.country, sizeof p.country, "SY");
    snprintf(p.admin1, sizeof p.admin1, "Deir ez-Zor");
    p.population = pop;
    p.pt = (bm_lonlat){lon, lat};
    BM_REQUIRE(bm_store_place_put(s, &p) == BM_OK);
}

static void put_place(bm_store *s, const char *id, const char *en, const char *ar, double lon,
                      double lat, int64_t pop)
{
    put_place_kind(s, id, en, ar, lon, lat, pop, "town");
}

/* Areas are drawn with clockwise outer rings (and a counter-clockwise hole)
 * on purpose: the GeoJSON export must turn them around. */
static void put_area(bm_store *s, const char *id, const char *wkt)
{
    OGRGeometryH g = NULL;
    char *w = (char *)wkt;
    BM_REQUIRE(OGR_G_CreateFromWkt(&w, NULL, &g) == OGRERR_NONE);
    int n = OGR_G_WkbSize(g);
    unsigned char *wkb = malloc((size_t)n);
    BM_REQUIRE(wkb && OGR_G_ExportToWkb(g, wkbNDR, wkb) == OGRERR_NONE);
    int rc = bm_store_place_area_set(s, id, wkb, (size_t)n);
    if (rc != BM_OK)
        fprintf(stderr, "area %s: %s\n", id, bm_store_errmsg(s));
    BM_REQUIRE(rc == BM_OK);
    free(wkb);
    OGR_G_DestroyGeometry(g);
}

static int64_t add_incident(bm_store *s, const char *date, const char *type, const char *place,
                            double lon, double lat, int fatalities, double conf,
                            const char *summary)
{
    bm_incident inc;
    bm_incident_init(&inc);
    bm_precision prec;
    BM_REQUIRE(bm_date_parse_iso(date, &inc.date_start, &inc.date_end, &prec, NULL) == BM_OK);
    inc.date_precision = prec;
    snprintf(inc.type, sizeof inc.type, "%s", type);
    snprintf(inc.place_id, sizeof inc.place_id, "%s", place);
    inc.pt = (bm_lonlat){lon, lat};
    inc.fatalities = fatalities;
    inc.confidence = conf;
    inc.geo_precision = place[0] ? 1 : 2;
    snprintf(inc.summary, sizeof inc.summary, "%s", summary);
    int rc = bm_store_incident_add(s, &inc);
    if (rc != BM_OK)
        fprintf(stderr, "add incident: %s\n", bm_store_errmsg(s));
    BM_REQUIRE(rc == BM_OK);
    return inc.id;
}

static int64_t add_article(bm_store *s, const char *sha, const char *file, const char *url,
                           const char *outlet, const char *published)
{
    bm_article a = {.file_name = file,
                    .url = url,
                    .language = "ar",
                    .source = outlet,
                    .published = published};
    snprintf(a.sha256, sizeof a.sha256, "%s", sha);
    BM_REQUIRE(bm_store_article_add(s, &a) == BM_OK);
    return a.id;
}

static void add_source(bm_store *s, int64_t inc, int64_t art, int64_t start, const char *sent)
{
    bm_source src = {.incident_id = inc,
                     .article_id = art,
                     .byte_start = start,
                     .byte_end = start + (int64_t)strlen(sent),
                     .sentence = sent};
    BM_REQUIRE(bm_store_source_add(s, &src) == BM_OK);
}

static void build_fixture(void)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(g_db, 0, &s, &err) == BM_OK);
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    put_place(s, "abu-kamal", "Abu Kamal", "البوكمال", 40.9188, 34.4531, 80000);
    put_place(s, "al-qaim", "Al-Qaim", "القائم", 41.0951, 34.3689, -1);
    put_place(s, "deir-ez-zor-gov", "Deir ez-Zor Governorate", "محافظة دير الزور", 40.14, 35.33,
              -1);
    put_place(s, "anbar-gov", "Anbar Governorate", "محافظة الأنبار", 42.0, 33.5, 1800000);
    put_area(s, "deir-ez-zor-gov",
             "POLYGON ((39.5 34.5,39.5 36.0,41.0 36.0,41.0 34.5,39.5 34.5),"
             "(40.0 35.0,40.5 35.0,40.5 35.5,40.0 35.5,40.0 35.0))");
    put_area(s, "anbar-gov",
             "MULTIPOLYGON (((40.5 32.0,40.5 34.5,43.5 34.5,43.5 32.0,40.5 32.0)),"
             "((44.0 33.0,44.0 33.2,44.2 33.2,44.2 33.0,44.0 33.0)))");
    int64_t i1 = add_incident(s, "2024-03-14", "clash", "abu-kamal", 40.9123456789, 34.4512345678,
                              3, 0.9, "اشتباك مسلح قرب البوكمال بين قوتين");
    int64_t i2 = add_incident(s, "2024-03", "smuggling", "al-qaim", 41.0951234567, 34.3689, -1,
                              0.55, "ضبط شحنة تهريب عند منفذ القائم");
    int64_t i3 = add_incident(s, "2023", "statement", "", 40.5, 34.9, -1, 0.4,
                              "Statement on border security");
    add_incident(s, "2024-05-02", "airstrike", "deir-ez-zor-gov", 40.2, 35.1, 0, 0.8,
                 "غارة جوية على موقع في ريف دير الزور");
    add_incident(s, "2024-06-20", "clash", "", 41.7, 33.9, 12, 1.0, "");
    /* Placed only in a country: left out, or written without a point. */
    put_place_kind(s, "iraq", "Iraq", "العراق", 43.7, 33.0, -1, "country");
    add_incident(s, "2024-07-01", "statement", "iraq", 43.7, 33.0, -1, 0.5, "Iraq-wide");
    int64_t a1 = add_article(s, "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
                             "seed_first.txt", "https://example.org/one", "Shafaq News",
                             "2024-03-15");
    int64_t a2 = add_article(s, "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
                             "seed_second.txt", NULL, NULL, NULL);
    add_source(s, i1, a1, 120, "قالت مصادر محلية إن اشتباكا وقع قرب البوكمال.");
    add_source(s, i1, a2, 40, "وأفاد شهود بسماع إطلاق نار.");
    add_source(s, i1, a1, 10, "اشتباك في البوكمال.");
    add_source(s, i2, a2, 300, "ضبطت القوات شحنة مهربة قرب القائم.");
    add_source(s, i3, a1, 500, "A statement was issued on Tuesday.");
    BM_REQUIRE(bm_store_commit(s) == BM_OK);
    bm_store_close(s);
}

/* ---- Reading back -------------------------------------------------------- */

static GDALDatasetH open_vector(const char *path, const char *const *oo)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, oo, NULL);
    if (!ds)
        BM_FAIL_AT("cannot open %s with OGR: %s", path, CPLGetLastErrorMsg());
    return ds;
}

/* Open options that make the CSV reader see the X/Y columns as the point
 * and empty cells as null, as an analyst's tool would be told to. */
static const char *const csv_oo[] = {"X_POSSIBLE_NAMES=X", "Y_POSSIBLE_NAMES=Y",
                                     "KEEP_GEOM_COLUMNS=NO", "EMPTY_STRING_AS_NULL=YES", NULL};

static const char *const *open_options(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".csv") == 0 ? csv_oo : NULL;
}

/* A property as text, with dates typed by a reader's guess written back as
 * ISO dates; NULL when absent or null. */
static const char *prop_str(OGRFeatureH f, const char *name, char *buf, size_t n)
{
    int i = OGR_F_GetFieldIndex(f, name);
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i))
        return NULL;
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(f, i);
    if (OGR_Fld_GetType(fd) == OFTDate || OGR_Fld_GetType(fd) == OFTDateTime) {
        int y, m, d, h, mi, tz;
        float sec;
        OGR_F_GetFieldAsDateTimeEx(f, i, &y, &m, &d, &h, &mi, &sec, &tz);
        snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
        return buf;
    }
    snprintf(buf, n, "%s", OGR_F_GetFieldAsString(f, i));
    return buf;
}

#define CHECK_STR(f, name, want, ctx)                                                              \
    do {                                                                                           \
        char b_[2048];                                                                             \
        const char *g_ = prop_str(f, name, b_, sizeof b_);                                         \
        const char *w_ = (want) && *(want) ? (want) : NULL;                                        \
        if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0))                           \
            BM_FAIL_AT("%s: %s == \"%s\", want \"%s\"", ctx, name, g_ ? g_ : "(null)",             \
                       w_ ? w_ : "(null)");                                                        \
    } while (0)

#define CHECK_NUM(f, name, want, is_null, ctx)                                                     \
    do {                                                                                           \
        char b_[64];                                                                               \
        const char *g_ = prop_str(f, name, b_, sizeof b_);                                         \
        if ((g_ == NULL) != (is_null))                                                             \
            BM_FAIL_AT("%s: %s is %s, want %s", ctx, name, g_ ? g_ : "null",                       \
                       (is_null) ? "null" : "a value");                                            \
        else if (g_ && fabs(atof(g_) - (double)(want)) > 1e-9)                                     \
            BM_FAIL_AT("%s: %s == %s, want %.9g", ctx, name, g_, (double)(want));                  \
    } while (0)

static void check_point(OGRFeatureH f, bm_lonlat want, double tol, const char *ctx)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint) {
        BM_FAIL_AT("%s: feature has no point", ctx);
        return;
    }
    if (fabs(OGR_G_GetX(g, 0) - want.lon) > tol || fabs(OGR_G_GetY(g, 0) - want.lat) > tol)
        BM_FAIL_AT("%s: point (%.9f %.9f), want (%.9f %.9f)", ctx, OGR_G_GetX(g, 0),
                   OGR_G_GetY(g, 0), want.lon, want.lat);
}

typedef struct first_src {
    int found;
    char file[256];
    char sentence[1024];
} first_src;

static int first_cb(const bm_source *s, void *user)
{
    first_src *fs = user;
    fs->found = 1;
    snprintf(fs->file, sizeof fs->file, "%s", s->file_name ? s->file_name : "");
    snprintf(fs->sentence, sizeof fs->sentence, "%s", s->sentence ? s->sentence : "");
    return 1; /* only the first one */
}

static const char *const incident_props[] = {
    "id",           "date",           "date_start",       "date_end",        "date_precision",
    "type",         "place_id",       "place_name_en",    "place_name_ar",   "geo_precision",
    "confidence",   "fatalities",     "actor1",           "actor2",          "provenance",
    "sources",      "source_names",   "source_urls",      "source_published", "source_articles",
    "article",      "snippet",        "summary",          NULL};

/* The "; "-joined per-article lists the export promises, rebuilt here from
 * the store's own source rows. */
typedef struct src_lists {
    char names[1024], urls[1024], published[256], articles[1024];
    int64_t last_article;
} src_lists;

static void list_add(char *buf, size_t n, const char *v)
{
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", len ? "; " : "", v && *v ? v : "-");
}

static int lists_cb(const bm_source *s, void *user)
{
    src_lists *l = user;
    if (s->article_id == l->last_article)
        return 0;
    l->last_article = s->article_id;
    list_add(l->names, sizeof l->names, s->outlet);
    list_add(l->urls, sizeof l->urls, s->url);
    list_add(l->published, sizeof l->published, s->published);
    list_add(l->articles, sizeof l->articles, s->file_name);
    return 0;
}

/* Exactly the published properties, in order (KML adds its own Name and
 * Description columns when read back, so it only has to contain them all). */
static void check_schema(OGRLayerH layer, const char *const *props, int exact, const char *ctx)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int n = 0;
    for (; props[n]; n++)
        if (OGR_FD_GetFieldIndex(defn, props[n]) < 0)
            BM_FAIL_AT("%s: no property %s", ctx, props[n]);
    if (!exact)
        return;
    BM_ASSERT_EQ_INT(OGR_FD_GetFieldCount(defn), n);
    for (int i = 0; i < n && i < OGR_FD_GetFieldCount(defn); i++)
        BM_ASSERT_EQ_STR(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), props[i]);
}

static void check_incident(bm_store *s, OGRFeatureH f, double tol, const char *ctx)
{
    char idbuf[32];
    const char *ids = prop_str(f, "id", idbuf, sizeof idbuf);
    bm_incident inc;
    if (!ids || bm_store_incident_get(s, atoll(ids), &inc) != BM_OK) {
        BM_FAIL_AT("%s: feature id %s is not an incident", ctx, ids ? ids : "(null)");
        return;
    }
    char date[16], start[16], end[16];
    CHECK_STR(f, "date", bm_date_format_prec(inc.date_start, inc.date_precision, date), ctx);
    CHECK_STR(f, "date_start", bm_date_format(inc.date_start, start), ctx);
    CHECK_STR(f, "date_end", bm_date_format(inc.date_end, end), ctx);
    CHECK_STR(f, "actor1", inc.actor1, ctx);
    CHECK_STR(f, "actor2", inc.actor2, ctx);
    CHECK_STR(f, "provenance", inc.provenance, ctx);
    src_lists sl = {0};
    bm_store_sources(s, inc.id, lists_cb, &sl);
    CHECK_STR(f, "source_names", sl.names, ctx);
    CHECK_STR(f, "source_urls", sl.urls, ctx);
    CHECK_STR(f, "source_published", sl.published, ctx);
    CHECK_STR(f, "source_articles", sl.articles, ctx);
    CHECK_STR(f, "date_precision", bm_precision_name(inc.date_precision), ctx);
    CHECK_STR(f, "type", inc.type, ctx);
    CHECK_STR(f, "place_id", inc.place_id, ctx);
    bm_place p;
    int has_place = inc.place_id[0] && bm_store_place_get(s, inc.place_id, &p) == BM_OK;
    CHECK_STR(f, "place_name_en", has_place ? p.name_en : NULL, ctx);
    CHECK_STR(f, "place_name_ar", has_place ? p.name_ar : NULL, ctx);
    CHECK_NUM(f, "geo_precision", inc.geo_precision, 0, ctx);
    CHECK_NUM(f, "confidence", inc.confidence, 0, ctx);
    CHECK_NUM(f, "fatalities", inc.fatalities, inc.fatalities < 0, ctx);
    CHECK_NUM(f, "sources", inc.n_sources, 0, ctx);
    first_src fs = {0};
    bm_store_sources(s, inc.id, first_cb, &fs);
    CHECK_STR(f, "article", fs.found ? fs.file : NULL, ctx);
    CHECK_STR(f, "snippet", fs.found ? fs.sentence : NULL, ctx);
    CHECK_STR(f, "summary", inc.summary, ctx);
    if (strcmp(inc.place_id, "iraq") == 0)
        BM_ASSERT(OGR_F_GetGeometryRef(f) == NULL);
    else
        check_point(f, inc.pt, tol, ctx);
}

/* Counts the incidents an export writes by default: not the country-level. */
static int count_ids(const bm_incident *inc, void *user)
{
    if (strcmp(inc->place_id, "iraq") != 0)
        ++*(int64_t *)user;
    return 0;
}

/* Reads the file back and compares every feature with the store. */
static void verify_incidents(bm_store *s, const char *path, const bm_query *q, double tol,
                             int exact_schema)
{
    GDALDatasetH ds = open_vector(path, open_options(path));
    if (!ds)
        return;
    BM_ASSERT_EQ_INT(GDALDatasetGetLayerCount(ds), 1);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    check_schema(layer, incident_props, exact_schema, path);
    int64_t want = 0;
    bm_store_query(s, q, count_ids, &want);
    BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(layer, TRUE), want);
    OGRFeatureH f;
    OGR_L_ResetReading(layer);
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        check_incident(s, f, tol, path);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

/* ---- Places and sources -------------------------------------------------- */

static const char *const place_props[] = {"id",      "name_en", "name_ar",    "kind",
                                          "country", "admin1",  "population", NULL};

static void check_place(bm_store *s, OGRFeatureH f, int areas, double tol, const char *ctx)
{
    char idbuf[128];
    const char *id = prop_str(f, "id", idbuf, sizeof idbuf);
    bm_place p;
    if (!id || bm_store_place_get(s, id, &p) != BM_OK) {
        BM_FAIL_AT("%s: feature id %s is not a place", ctx, id ? id : "(null)");
        return;
    }
    CHECK_STR(f, "name_en", p.name_en, ctx);
    CHECK_STR(f, "name_ar", p.name_ar, ctx);
    CHECK_STR(f, "kind", p.kind, ctx);
    CHECK_STR(f, "country", p.country, ctx);
    CHECK_STR(f, "admin1", p.admin1, ctx);
    CHECK_NUM(f, "population", p.population, p.population < 0, ctx);
    if (!areas)
        check_point(f, p.pt, tol, ctx);
}

static void verify_places(bm_store *s, const char *path, double tol, int exact_schema)
{
    GDALDatasetH ds = open_vector(path, open_options(path));
    if (!ds)
        return;
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    check_schema(layer, place_props, exact_schema, path);
    int64_t want = 0;
    bm_store_place_count(s, &want);
    BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(layer, TRUE), want);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        check_place(s, f, 0, tol, path);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

/* Signed area of a ring by the shoelace formula: > 0 counter-clockwise. */
static double ring_signed_area(OGRGeometryH ring)
{
    double a = 0;
    int n = OGR_G_GetPointCount(ring);
    for (int i = 0; i + 1 < n; i++)
        a += OGR_G_GetX(ring, i) * OGR_G_GetY(ring, i + 1) -
             OGR_G_GetX(ring, i + 1) * OGR_G_GetY(ring, i);
    return a / 2;
}

/* GDAL's RFC 7946 writer may write a one-part MultiPolygon as a Polygon
 * (both are valid GeoJSON); these see either as a list of polygons. */
static int n_polygons(OGRGeometryH g)
{
    return wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon ? 1 : OGR_G_GetGeometryCount(g);
}

static OGRGeometryH polygon_at(OGRGeometryH g, int i)
{
    return wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPolygon ? g : OGR_G_GetGeometryRef(g, i);
}

/* RFC 7946 3.1.6: exterior rings counter-clockwise, holes clockwise. */
static void check_ring_orientation(OGRGeometryH g, const char *ctx)
{
    for (int i = 0; i < n_polygons(g); i++) {
        OGRGeometryH poly = polygon_at(g, i);
        for (int r = 0; r < OGR_G_GetGeometryCount(poly); r++) {
            double a = ring_signed_area(OGR_G_GetGeometryRef(poly, r));
            if (r == 0 && a <= 0)
                BM_FAIL_AT("%s: outer ring %d is clockwise", ctx, i);
            if (r > 0 && a >= 0)
                BM_FAIL_AT("%s: hole %d of polygon %d is counter-clockwise", ctx, r, i);
        }
    }
}

/* The areas read back match the database's (read with OGR, as QGIS would). */
static void verify_areas(const char *path, int geojson)
{
    GDALDatasetH out = open_vector(path, open_options(path));
    const char *const drivers[] = {"SQLite", NULL};
    GDALDatasetH db = GDALOpenEx(g_db, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    BM_REQUIRE(db);
    if (!out) {
        GDALClose(db);
        return;
    }
    OGRLayerH ol = GDALDatasetGetLayer(out, 0);
    check_schema(ol, place_props, 1, path);
    OGRLayerH pl = GDALDatasetGetLayerByName(db, "places");
    BM_REQUIRE(pl);
    int gi = OGR_FD_GetGeomFieldIndex(OGR_L_GetLayerDefn(pl), "area");
    BM_REQUIRE(gi >= 0);
    BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(ol, TRUE), 2);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(ol)) != NULL) {
        const char *id = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "id"));
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        BM_REQUIRE(g);
        OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
        BM_ASSERT(t == wkbMultiPolygon || (geojson && t == wkbPolygon));
        if (geojson)
            check_ring_orientation(g, path);
        /* Same surface as stored: equal area and extent, whatever the winding. */
        char filter[160];
        snprintf(filter, sizeof filter, "id = '%s'", id);
        OGR_L_SetAttributeFilter(pl, filter);
        OGR_L_ResetReading(pl);
        OGRFeatureH pf = OGR_L_GetNextFeature(pl);
        BM_REQUIRE(pf);
        OGRGeometryH want = OGR_F_GetGeomFieldRef(pf, gi);
        BM_REQUIRE(want);
        BM_ASSERT_NEAR(OGR_G_Area(g), OGR_G_Area(want), 1e-9);
        OGREnvelope eg, ew;
        OGR_G_GetEnvelope(g, &eg);
        OGR_G_GetEnvelope(want, &ew);
        BM_ASSERT_NEAR(eg.MinX, ew.MinX, 1e-9);
        BM_ASSERT_NEAR(eg.MaxY, ew.MaxY, 1e-9);
        BM_ASSERT_EQ_INT(n_polygons(g), n_polygons(want));
        /* The hole survives. */
        BM_ASSERT_EQ_INT(OGR_G_GetGeometryCount(polygon_at(g, 0)),
                         OGR_G_GetGeometryCount(polygon_at(want, 0)));
        OGR_F_Destroy(pf);
        OGR_F_Destroy(f);
    }
    GDALClose(out);
    GDALClose(db);
}

typedef struct src_list {
    bm_source items[16];
    char text[16][5][512];
    int n;
} src_list;

static int collect_src(const bm_source *s, void *user)
{
    src_list *l = user;
    if (l->n >= 16)
        return 1;
    l->items[l->n] = *s;
    snprintf(l->text[l->n][0], 512, "%s", s->file_name ? s->file_name : "");
    snprintf(l->text[l->n][1], 512, "%s", s->url ? s->url : "");
    snprintf(l->text[l->n][2], 512, "%s", s->sentence ? s->sentence : "");
    snprintf(l->text[l->n][3], 512, "%s", s->outlet ? s->outlet : "");
    snprintf(l->text[l->n][4], 512, "%s", s->published ? s->published : "");
    l->n++;
    return 0;
}

static const char *const source_props[] = {"incident_id", "outlet",     "url",
                                           "published",   "article",    "byte_start",
                                           "byte_end",    "sentence",   NULL};

static void verify_sources(bm_store *s, const char *path, double tol, int exact_schema)
{
    src_list *l = calloc(1, sizeof *l);
    BM_REQUIRE(l);
    bm_store_sources(s, 0, collect_src, l);
    BM_REQUIRE(l->n == 5);
    GDALDatasetH ds = open_vector(path, open_options(path));
    if (!ds) {
        free(l);
        return;
    }
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    check_schema(layer, source_props, exact_schema, path);
    BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(layer, TRUE), l->n);
    OGRFeatureH f;
    for (int i = 0; (f = OGR_L_GetNextFeature(layer)) != NULL; i++) {
        if (i < l->n) {
            CHECK_NUM(f, "incident_id", l->items[i].incident_id, 0, path);
            CHECK_STR(f, "article", l->text[i][0], path);
            CHECK_STR(f, "url", l->text[i][1], path);
            CHECK_STR(f, "outlet", l->text[i][3], path);
            CHECK_STR(f, "published", l->text[i][4], path);
            CHECK_NUM(f, "byte_start", l->items[i].byte_start, 0, path);
            CHECK_NUM(f, "byte_end", l->items[i].byte_end, 0, path);
            CHECK_STR(f, "sentence", l->text[i][2], path);
            bm_incident inc;
            BM_REQUIRE(bm_store_incident_get(s, l->items[i].incident_id, &inc) == BM_OK);
            check_point(f, inc.pt, tol, path);
        }
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    free(l);
}

/* ---- GeoJSON structure --------------------------------------------------- */

/* Every number inside a "coordinates" member has at most 6 decimals. */
static void check_coordinate_decimals(const char *text, const char *ctx)
{
    for (const char *p = strstr(text, "\"coordinates\""); p; p = strstr(p + 1, "\"coordinates\"")) {
        int depth = 0;
        const char *q = strchr(p, '[');
        for (; q && *q; q++) {
            if (*q == '[')
                depth++;
            else if (*q == ']' && --depth == 0)
                break;
            else if (*q == '.') {
                size_t digits = strspn(q + 1, "0123456789");
                if (digits > 6)
                    BM_FAIL_AT("%s: coordinate with %zu decimals", ctx, digits);
            }
        }
    }
}

static void check_geojson_text(const char *path, int expect_arabic)
{
    char *text = NULL;
    size_t len = 0;
    BM_REQUIRE(bm_read_file(path, &text, &len, NULL) == BM_OK);
    BM_ASSERT(strstr(text, "\"crs\"") == NULL);
    BM_ASSERT(strstr(text, "\"FeatureCollection\"") != NULL);
    /* One FeatureCollection, and only one. */
    const char *fc = strstr(text, "\"FeatureCollection\"");
    BM_ASSERT(fc && strstr(fc + 1, "\"FeatureCollection\"") == NULL);
    BM_ASSERT(strstr(text, "\\u") == NULL); /* no escaped (Arabic) characters */
    if (expect_arabic)
        BM_ASSERT(strstr(text, "البوكمال") != NULL);
    check_coordinate_decimals(text, path);
    free(text);
}

/* ---- CLI helpers ----------------------------------------------------------- */

static int cli(const char *args)
{
    return bm_test_system("'%s' --db '%s' -q export %s 2>'%s/stderr.txt'", bm_test_binary(), g_db,
                          args, g_dir);
}

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (bm_read_file(path, &text, &len, NULL) != BM_OK)
        return NULL;
    return text;
}

static int no_temp_files(void)
{
    DIR *d = opendir(g_dir);
    if (!d)
        return 0;
    int clean = 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp-"))
            clean = 0;
    closedir(d);
    return clean;
}

static void out_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
}

/* ---- Tests ----------------------------------------------------------------- */

static const struct {
    const char *file;
    bm_export_format format;
    double tol; /* coordinates: GeoJSON rounds to 6 decimals */
    int exact;  /* the reader sees exactly the published properties */
} outputs[] = {
    {"inc.geojson", BM_EXPORT_GEOJSON, 5.01e-7, 1},
    {"inc.gpkg", BM_EXPORT_GPKG, 1e-9, 1},
    {"inc.kml", BM_EXPORT_KML, 1e-9, 0},
    {"inc.csv", BM_EXPORT_CSV, 1e-9, 1},
    {"inc.fgb", BM_EXPORT_FLATGEOBUF, 1e-9, 1},
    {"inc.geojsons", BM_EXPORT_GEOJSONSEQ, 5.01e-7, 1},
};
#define N_OUTPUTS (sizeof outputs / sizeof outputs[0])

static void test_formats_from_paths(void)
{
    bm_export_format f;
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        BM_ASSERT_EQ_INT(bm_export_format_from_path(outputs[i].file, &f, NULL), BM_OK);
        BM_ASSERT_EQ_INT(f, outputs[i].format);
        BM_ASSERT_EQ_INT(bm_export_format_parse(bm_export_format_name(f), &f, NULL), BM_OK);
        BM_ASSERT_EQ_INT(f, outputs[i].format);
    }
    BM_ASSERT_EQ_INT(bm_export_format_from_path("x/y.JSON", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_GEOJSON);
    BM_ASSERT_EQ_INT(bm_export_format_from_path("a.geojsonl", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_GEOJSONSEQ);
    BM_ASSERT_EQ_INT(bm_export_format_from_path("-", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_GEOJSON);
    BM_ASSERT_EQ_INT(bm_export_format_from_path("a.txt", &f, NULL), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_export_format_from_path("dir.gpkg/noext", &f, NULL), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_export_format_from_path(".gpkg", &f, NULL), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_export_format_parse("shapefile", &f, NULL), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_export_format_parse("flatgeobuf", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_EXPORT_FLATGEOBUF);
}

/* The library call, for each format: what valgrind sees of the export. */
static void test_every_format(bm_store *s)
{
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        char path[700];
        out_path(path, sizeof path, outputs[i].file);
        bm_export_opts o;
        bm_export_opts_init(&o);
        bm_error err;
        bm_error_clear(&err);
        int64_t n = -1;
        int rc = bm_export(s, path, &o, &n, &err);
        if (rc != BM_OK)
            BM_FAIL_AT("export %s: %s", path, bm_error_text(&err));
        BM_ASSERT_EQ_INT(n, 5);
        verify_incidents(s, path, &o.query, outputs[i].tol, outputs[i].exact);
    }
    char path[700];
    out_path(path, sizeof path, "inc.geojson");
    check_geojson_text(path, 1);
    BM_ASSERT_EQ_INT(bm_test_system("ogrinfo -ro -al -q '%s' >/dev/null 2>&1", path), 0);
    /* Lon/lat order and 6 decimals, literally (the fixture has 10 decimals). */
    char *text = slurp(path);
    BM_REQUIRE(text);
    BM_ASSERT(strstr(text, "[ 40.912346, 34.451235 ]") != NULL);
    free(text);
    BM_ASSERT(no_temp_files());
}

static void test_layers(bm_store *s)
{
    static const char *const place_files[] = {"pl.geojson", "pl.gpkg", "pl.csv",
                                              "pl.fgb",     "pl.kml",  "pl.geojsons"};
    for (size_t i = 0; i < 6; i++) {
        char path[700];
        out_path(path, sizeof path, place_files[i]);
        bm_export_opts o;
        bm_export_opts_init(&o);
        o.layer = BM_EXPORT_PLACES;
        bm_error err;
        bm_error_clear(&err);
        int rc = bm_export(s, path, &o, NULL, &err);
        if (rc != BM_OK)
            BM_FAIL_AT("export %s: %s", path, bm_error_text(&err));
        int geojson = strstr(place_files[i], ".geojson") != NULL;
        verify_places(s, path, geojson ? 5.01e-7 : 1e-9, !strstr(place_files[i], ".kml"));
    }
    static const char *const area_files[] = {"areas.geojson", "areas.gpkg", "areas.fgb"};
    for (size_t i = 0; i < 3; i++) {
        char path[700];
        out_path(path, sizeof path, area_files[i]);
        bm_export_opts o;
        bm_export_opts_init(&o);
        o.layer = BM_EXPORT_PLACES;
        o.areas = 1;
        bm_error err;
        bm_error_clear(&err);
        int64_t n = 0;
        int rc = bm_export(s, path, &o, &n, &err);
        if (rc != BM_OK)
            BM_FAIL_AT("export %s: %s", path, bm_error_text(&err));
        BM_ASSERT_EQ_INT(n, 2);
        verify_areas(path, i == 0);
    }
    char path[700];
    out_path(path, sizeof path, "areas.geojson");
    check_geojson_text(path, 0);
    BM_ASSERT_EQ_INT(bm_test_system("ogrinfo -ro -al -q '%s' >/dev/null 2>&1", path), 0);

    static const char *const source_files[] = {"src.geojson", "src.gpkg", "src.csv"};
    for (size_t i = 0; i < 3; i++) {
        out_path(path, sizeof path, source_files[i]);
        bm_export_opts o;
        bm_export_opts_init(&o);
        o.layer = BM_EXPORT_SOURCES;
        bm_error err;
        bm_error_clear(&err);
        int64_t n = 0;
        int rc = bm_export(s, path, &o, &n, &err);
        if (rc != BM_OK)
            BM_FAIL_AT("export %s: %s", path, bm_error_text(&err));
        BM_ASSERT_EQ_INT(n, 5);
        verify_sources(s, path, i == 0 ? 5.01e-7 : 1e-9, 1);
    }
}

/* Filters select the same incidents as the store query they stand for. */
static void test_filters(bm_store *s)
{
    char path[700], args[1400];
    out_path(path, sizeof path, "filtered.gpkg");
    snprintf(args, sizeof args, "-o '%s' --type clash,smuggling --from 2024-03 --to 2024-05", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    static const char *const types[] = {"clash", "smuggling"};
    bm_query q;
    bm_query_init(&q);
    q.types = types;
    q.n_types = 2;
    q.has_from = q.has_to = 1;
    q.from = (bm_date){2024, 3, 1};
    q.to = (bm_date){2024, 5, 31};
    int64_t want = 0;
    bm_store_query(s, &q, count_ids, &want);
    BM_ASSERT_EQ_INT(want, 2);
    verify_incidents(s, path, &q, 1e-9, 1);

    out_path(path, sizeof path, "bbox.geojson");
    snprintf(args, sizeof args, "-o '%s' --bbox 40.8,34.3,41.2,34.5", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    bm_query_init(&q);
    q.has_bbox = 1;
    q.west = 40.8, q.south = 34.3, q.east = 41.2, q.north = 34.5;
    want = 0;
    bm_store_query(s, &q, count_ids, &want);
    BM_ASSERT_EQ_INT(want, 2);
    verify_incidents(s, path, &q, 5.01e-7, 1);

    /* Sources of the selected incidents only. */
    out_path(path, sizeof path, "src_clash.geojson");
    snprintf(args, sizeof args, "-o '%s' --layer sources --type clash", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    GDALDatasetH ds = open_vector(path, NULL);
    if (ds) {
        BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE), 3);
        GDALClose(ds);
    }
}

static void test_overwrite(void)
{
    char path[700], args[1400];
    out_path(path, sizeof path, "keep.geojson");
    FILE *fp = fopen(path, "w");
    BM_REQUIRE(fp);
    fputs("precious\n", fp);
    fclose(fp);
    snprintf(args, sizeof args, "-o '%s'", path);
    BM_ASSERT_EQ_INT(cli(args), 1);
    char *text = slurp(path);
    BM_ASSERT(text && strcmp(text, "precious\n") == 0);
    free(text);
    char errpath[700];
    out_path(errpath, sizeof errpath, "stderr.txt");
    text = slurp(errpath);
    BM_ASSERT(text && strstr(text, "bordermap: export: ") && strstr(text, "--overwrite"));
    free(text);

    snprintf(args, sizeof args, "-o '%s' --overwrite", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    text = slurp(path);
    BM_ASSERT(text && strstr(text, "FeatureCollection"));
    free(text);

    /* GPKG over an existing GPKG: replaced whole, not appended to. */
    out_path(path, sizeof path, "twice.gpkg");
    snprintf(args, sizeof args, "-o '%s' --type clash", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    snprintf(args, sizeof args, "-o '%s' --overwrite --type airstrike", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    GDALDatasetH ds = open_vector(path, NULL);
    if (ds) {
        BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE), 1);
        GDALClose(ds);
    }
    BM_ASSERT(no_temp_files());
}

static void test_stdout(bm_store *s)
{
    char path[700], args[1400];
    out_path(path, sizeof path, "stdout.json");
    snprintf(args, sizeof args, "-o - > '%s'", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    bm_query q;
    bm_query_init(&q);
    verify_incidents(s, path, &q, 5.01e-7, 1);
    check_geojson_text(path, 1);
    BM_ASSERT_EQ_INT(bm_test_system("ogrinfo -ro -al -q '%s' >/dev/null 2>&1", path), 0);

    out_path(path, sizeof path, "stdout.csv");
    snprintf(args, sizeof args, "-o - --format CSV > '%s'", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    verify_incidents(s, path, &q, 1e-9, 1);
}

static void test_usage_errors(void)
{
    char path[700], args[1400];
    out_path(path, sizeof path, "bad.txt");
    snprintf(args, sizeof args, "-o '%s'", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    BM_ASSERT(access(path, F_OK) != 0);
    out_path(path, sizeof path, "bad.geojson");
    snprintf(args, sizeof args, "-o '%s' --format Shapefile", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    snprintf(args, sizeof args, "-o '%s' --areas", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    snprintf(args, sizeof args, "-o '%s' --layer roads", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    snprintf(args, sizeof args, "-o '%s' --type parade", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    snprintf(args, sizeof args, "-o '%s' --from 2024-13-01", path);
    BM_ASSERT_EQ_INT(cli(args), 2);
    BM_ASSERT(access(path, F_OK) != 0);
    BM_ASSERT_EQ_INT(cli("-o - --format GPKG >/dev/null"), 2);
    BM_ASSERT_EQ_INT(cli(""), 2);
    BM_ASSERT_EQ_INT(cli("--help >/dev/null"), 0);
    /* A directory that does not exist: a failure (1), not a usage error. */
    snprintf(args, sizeof args, "-o '%s/missing/dir/x.gpkg'", g_dir);
    BM_ASSERT_EQ_INT(cli(args), 1);
}

/* A write that fails inside GDAL (here: the file size limit stops the GPKG
 * half-way) is reported with GDAL's reason, and leaves no file behind. */
static void test_gdal_failure(void)
{
    char path[700], errpath[700];
    out_path(path, sizeof path, "limited.gpkg");
    out_path(errpath, sizeof errpath, "stderr.txt");
    int rc = bm_test_system("(trap '' XFSZ; ulimit -f 48; '%s' --db '%s' -q export -o '%s') "
                            "2>'%s'",
                            bm_test_binary(), g_db, path, errpath);
    BM_ASSERT_EQ_INT(rc, 1);
    char *text = slurp(errpath);
    BM_ASSERT(text && strncmp(text, "bordermap: export: ", 19) == 0);
    BM_ASSERT(text && strstr(text, "error") != NULL); /* the reason GDAL gave */
    free(text);
    BM_ASSERT(access(path, F_OK) != 0);
    BM_ASSERT(no_temp_files());
}

/* Library errors come back as codes with text, and GDAL's messages are not
 * printed (the handler collects them). */
static void test_library_errors(bm_store *s)
{
    bm_export_opts o;
    bm_export_opts_init(&o);
    bm_error err;
    bm_error_clear(&err);
    o.format = BM_EXPORT_GPKG;
    BM_ASSERT_EQ_INT(bm_export(s, "-", &o, NULL, &err), BM_EINVAL);
    bm_export_opts_init(&o);
    o.areas = 1;
    BM_ASSERT_EQ_INT(bm_export(s, "x.geojson", &o, NULL, &err), BM_EINVAL);
    char path[700];
    out_path(path, sizeof path, "inc.gpkg"); /* exists from test_every_format */
    bm_export_opts_init(&o);
    bm_error_clear(&err);
    BM_ASSERT_EQ_INT(bm_export(s, path, &o, NULL, &err), BM_EEXIST);
    BM_ASSERT(strstr(bm_error_text(&err), "inc.gpkg") != NULL);
}

/* The type a reader sees for a field of the file's only layer, or -1. */
static int field_type(const char *path, const char *name)
{
    GDALDatasetH ds = open_vector(path, NULL);
    if (!ds)
        return -1;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayer(ds, 0));
    int i = OGR_FD_GetFieldIndex(defn, name);
    int t = i < 0 ? -1 : (int)OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i));
    GDALClose(ds);
    return t;
}

/* date_start and date_end are dates for every reader (FlatGeobuf: DateTime),
 * whatever the precision of the data; the SpatiaLite file's columns too. */
static void test_date_types(bm_store *s)
{
    static const struct {
        const char *file;
        int type;
    } want[] = {
        {"inc.geojson", OFTDate}, {"inc.gpkg", OFTDate},        {"inc.csv", OFTDate},
        {"inc.fgb", OFTDateTime}, {"inc.geojsons", OFTDate},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[700];
        out_path(path, sizeof path, want[i].file);
        BM_ASSERT_EQ_INT(field_type(path, "date_start"), want[i].type);
        BM_ASSERT_EQ_INT(field_type(path, "date_end"), want[i].type);
    }
    /* Only month-precision data: `date` reads as text, the dates as dates. */
    char path[700], args[1400];
    out_path(path, sizeof path, "month.geojson");
    snprintf(args, sizeof args, "-o '%s' --type smuggling", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    BM_ASSERT_EQ_INT(field_type(path, "date"), OFTString);
    BM_ASSERT_EQ_INT(field_type(path, "date_start"), OFTDate);
    out_path(path, sizeof path, "day.geojson");
    snprintf(args, sizeof args, "-o '%s' --type airstrike", path);
    BM_ASSERT_EQ_INT(cli(args), 0);
    BM_ASSERT_EQ_INT(field_type(path, "date_start"), OFTDate);
    const char *const drivers[] = {"SQLite", NULL};
    GDALDatasetH db = GDALOpenEx(g_db, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    BM_REQUIRE(db);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayerByName(db, "incidents"));
    BM_ASSERT_EQ_INT(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, OGR_FD_GetFieldIndex(defn,
                                                                                  "date_start"))),
                     OFTDate);
    GDALClose(db);
    (void)s;
}

/* Country-level incidents: left out by default (the 5 others were checked),
 * kept with a null geometry on request. */
static void test_country_level(bm_store *s)
{
    static const char *const files[] = {"all.geojson", "all.gpkg", "all.csv", "all.kml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[700];
        out_path(path, sizeof path, files[i]);
        bm_export_opts o;
        bm_export_opts_init(&o);
        o.include_country_level = 1;
        int64_t n = 0;
        bm_error err;
        bm_error_clear(&err);
        BM_ASSERT_EQ_INT(bm_export(s, path, &o, &n, &err), BM_OK);
        BM_ASSERT_EQ_INT(n, 6);
        GDALDatasetH ds = open_vector(path, open_options(path));
        if (!ds)
            continue;
        OGRLayerH l = GDALDatasetGetLayer(ds, 0);
        BM_ASSERT_EQ_INT(OGR_L_GetFeatureCount(l, TRUE), 6);
        int nulls = 0;
        OGRFeatureH f;
        while ((f = OGR_L_GetNextFeature(l)) != NULL) {
            OGRGeometryH g = OGR_F_GetGeometryRef(f);
            nulls += g == NULL || OGR_G_IsEmpty(g);
            OGR_F_Destroy(f);
        }
        BM_ASSERT_EQ_INT(nulls, 1);
        GDALClose(ds);
    }
}

/* KML: a name, a TimeSpan of whole days and a style per type in the map's
 * colours (clash #D55E00 in maps/style.ini is KML's aabbggrr ff005ed5). */
static void test_kml(void)
{
    char path[700];
    out_path(path, sizeof path, "inc.kml");
    char *text = slurp(path);
    BM_REQUIRE(text);
    BM_ASSERT(strstr(text, "<Style id=\"clash\">") != NULL);
    BM_ASSERT(strstr(text, "<color>ff005ed5</color>") != NULL);
    BM_ASSERT(strstr(text, "<styleUrl>#clash</styleUrl>") != NULL);
    BM_ASSERT(strstr(text, "<name>Clash, Abu Kamal, 2024-03-14</name>") != NULL);
    BM_ASSERT(strstr(text, "<begin>2024-03-01T00:00:00</begin>") != NULL);
    BM_ASSERT(strstr(text, "<end>2024-03-31T23:59:59</end>") != NULL);
    BM_ASSERT(strstr(text, "Sources: Shafaq News; -") != NULL);
    BM_ASSERT(strstr(text, "<snippet>") != NULL);
    free(text);
}

/* The order: features as the store lists them (date_start, then id). */
static void check_stream_order(const char *path, int64_t n_inc)
{
    GDALDatasetH ds = open_vector(path, NULL);
    BM_REQUIRE(ds);
    OGRLayerH layer = GDALDatasetGetLayer(ds, 0);
    char prev[16] = "";
    int64_t prev_id = 0, k = 0;
    OGRFeatureH feat;
    while ((feat = OGR_L_GetNextFeature(layer)) != NULL) {
        char buf[32];
        const char *d = prop_str(feat, "date_start", buf, sizeof buf);
        int64_t id = OGR_F_GetFieldAsInteger64(feat, OGR_F_GetFieldIndex(feat, "id"));
        BM_REQUIRE(d);
        int c = strcmp(prev, d);
        if (c > 0 || (c == 0 && id <= prev_id))
            BM_FAIL_AT("feature %lld out of order: %s/%lld after %s/%lld", (long long)k, d,
                       (long long)id, prev, (long long)prev_id);
        snprintf(prev, sizeof prev, "%s", d);
        prev_id = id;
        k++;
        OGR_F_Destroy(feat);
    }
    BM_ASSERT_EQ_INT(k, n_inc);
    GDALClose(ds);
}

/* Sources stream with the incidents, on one thread (jobs 1) or in batches (jobs 2: a reader
 * thread, a ring of batches): many more incidents than a batch, with none, one, two or three
 * source articles each (two sentences from the same article once), must each carry exactly
 * their own lists, in the store's order (date_start, id), whatever batch they fell in. */
static void test_streaming(void)
{
    char db[700], path[700];
    snprintf(db, sizeof db, "%s/stream.sqlite", g_dir);
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(db, 0, &s, &err) == BM_OK);
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    put_place(s, "abu-kamal", "Abu Kamal", "البوكمال", 40.9188, 34.4531, 80000);
    enum { N_ART = 7, N_INC = 1300 };
    static const char *const outlets[] = {"Rudaw", "Enab Baladi", "Shafaq", NULL};
    int64_t art[N_ART];
    for (int a = 0; a < N_ART; a++) {
        char sha[65], file[32], url[64], pub[16];
        snprintf(sha, sizeof sha, "%064d", a + 1);
        snprintf(file, sizeof file, "a%d.txt", a);
        snprintf(url, sizeof url, "https://example.org/%d", a);
        snprintf(pub, sizeof pub, "2024-02-%02d", a + 1);
        art[a] = add_article(s, sha, file, a % 3 ? url : NULL, outlets[a % 4], pub);
    }
    for (int i = 0; i < N_INC; i++) {
        char date[16], summary[32];
        /* Dates out of id order, so the store's order is not the insertion order. */
        snprintf(date, sizeof date, "2024-%02d-%02d", 1 + (i * 7) % 12, 1 + (i * 13) % 28);
        snprintf(summary, sizeof summary, "incident %d", i);
        int64_t id = add_incident(s, date, "clash", i % 2 ? "abu-kamal" : "", 40 + i * 0.001,
                                  34, -1, 0.5, summary);
        for (int k = 0; k < i % 4; k++)
            add_source(s, id, art[(i + 2 * k) % N_ART], 10 * k, k ? "ثم" : "قصف");
        if (i % 11 == 0 && i % 4)
            add_source(s, id, art[i % N_ART], 500, "second sentence of the same article");
    }
    BM_REQUIRE(bm_store_commit(s) == BM_OK);
    /* The export reads without the store's file mapping, and puts it back after. */
    sqlite3 *conn = bm__store_db(s);
    sqlite3_stmt *st = NULL;
    long long mmap_before = -1, mmap_after = -2;
    BM_REQUIRE(sqlite3_prepare_v2(conn, "PRAGMA mmap_size", -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        mmap_before = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    BM_ASSERT(mmap_before > 0);
    const char *files[] = {"stream.geojson", "stream.gpkg", "stream.fgb"};
    for (unsigned jobs = 1; jobs <= 2; jobs++) {
        for (size_t f = 0; f < 3; f++) {
            out_path(path, sizeof path, files[f]);
            bm_export_opts o;
            bm_export_opts_init(&o);
            o.jobs = jobs;
            o.overwrite = 1;
            int64_t n = -1;
            int rc = bm_export(s, path, &o, &n, &err);
            if (rc != BM_OK)
                BM_FAIL_AT("export %s, %u jobs: %s", path, jobs, bm_error_text(&err));
            BM_ASSERT_EQ_INT(n, N_INC);
            verify_incidents(s, path, &o.query, 1e-6, 1);
            if (f == 0)
                check_stream_order(path, N_INC);
        }
    }
    BM_REQUIRE(sqlite3_prepare_v2(conn, "PRAGMA mmap_size", -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        mmap_after = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    BM_ASSERT(mmap_after == mmap_before);
    bm_store_close(s);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s", bm_test_tmpdir());
    snprintf(g_db, sizeof g_db, "%s/fixture.sqlite", g_dir);
    GDALAllRegister();
    build_fixture();
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(g_db, BM_STORE_READONLY, &s, &err) == BM_OK);
    test_formats_from_paths();
    test_every_format(s);
    test_layers(s);
    test_date_types(s);
    test_country_level(s);
    test_kml();
    test_filters(s);
    test_overwrite();
    test_stdout(s);
    test_usage_errors();
    test_gdal_failure();
    test_library_errors(s);
    bm_store_close(s);
    test_streaming();
    int rc = bm_test_finish("test_export");
    if (rc == 0)
        bm_test_rmtree(g_dir);
    else
        fprintf(stderr, "test_export: outputs kept in %s\n", g_dir);
    GDALDestroyDriverManager();
    OGRCleanupAll();
    return rc;
}
