/* export.c: incidents, places and sources from the store to GIS files
 * through GDAL/OGR, with GDAL's diagnostics translated into our codes.
 * Must never write a format by hand, print GDAL's messages, or leave a
 * half-written file under the target name. */
#include "bordermap/export.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <glib.h>

#include "acled_private.h"
#include "bordermap/fileio.h"
#include "export_html_private.h"
#include "render_private.h"
#include "store_private.h"

/* ---- Formats and layers ------------------------------------------------ */

typedef struct format_info {
    bm_export_format format;
    const char *name;       /* the CLI name */
    const char *driver;     /* OGR short name */
    const char *extensions; /* space-separated, with their dots */
    int streams;            /* can be written to standard output */
    /* The incident id also becomes the feature id (GeoJSON's "id" member).
     * Not for GPKG: ids in date order land at random places in its fid
     * B-tree and make the export twice as slow; the id column has them. */
    int feature_ids;
} format_info;

/* KML goes through LIBKML, the driver that writes names, TimeSpans and
 * styles; ACLED is a CSV with ACLED's columns, chosen by name only. */
static const format_info formats[] = {
    {BM_EXPORT_GEOJSON, "GeoJSON", "GeoJSON", ".geojson .json", 1, 1},
    {BM_EXPORT_GPKG, "GPKG", "GPKG", ".gpkg", 0, 0},
    {BM_EXPORT_KML, "KML", "LIBKML", ".kml", 1, 0},
    {BM_EXPORT_CSV, "CSV", "CSV", ".csv", 1, 0},
    {BM_EXPORT_FLATGEOBUF, "FlatGeobuf", "FlatGeobuf", ".fgb", 0, 0},
    {BM_EXPORT_GEOJSONSEQ, "GeoJSONSeq", "GeoJSONSeq", ".geojsons .geojsonl .geojsonseq", 1, 1},
    {BM_EXPORT_ACLED, "ACLED", "CSV", "", 1, 0},
    {BM_EXPORT_HTML, "HTML", "HTML", ".html .htm", 1, 0}, /* export_html.c, not OGR */
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static const format_info *format_lookup(bm_export_format f)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].format == f)
            return &formats[i];
    return NULL;
}

void bm_export_opts_init(bm_export_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = BM_EXPORT_AUTO;
    o->layer = BM_EXPORT_INCIDENTS;
    bm_query_init(&o->query);
}

unsigned bm_export_default_jobs(void)
{
    return g_get_num_processors() >= 4 ? 2 : 1;
}

const char *bm_export_format_name(bm_export_format f)
{
    const format_info *fi = format_lookup(f);
    return fi ? fi->name : NULL;
}

int bm_export_format_parse(const char *name, bm_export_format *out, bm_error *err)
{
    for (size_t i = 0; name && i < N_FORMATS; i++) {
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = formats[i].format;
            return BM_OK;
        }
    }
    return bm_error_set(err, BM_EINVAL,
                        "unknown format '%s' (GeoJSON, GPKG, KML, CSV, FlatGeobuf, "
                        "GeoJSONSeq, ACLED, HTML)",
                        name ? name : "");
}

/* True when the space-separated list holds ext (case-insensitive). */
static int list_has(const char *list, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncasecmp(p, ext, n) == 0)
            return 1;
        p += len;
        p += strspn(p, " ");
    }
    return 0;
}

int bm_export_format_from_path(const char *path, bm_export_format *out, bm_error *err)
{
    if (path && strcmp(path, "-") == 0) {
        *out = BM_EXPORT_GEOJSON;
        return BM_OK;
    }
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *base = slash ? slash + 1 : path;
    const char *dot = base ? strrchr(base, '.') : NULL;
    for (size_t i = 0; dot && dot != base && i < N_FORMATS; i++) {
        if (formats[i].extensions[0] && list_has(formats[i].extensions, dot)) {
            *out = formats[i].format;
            return BM_OK;
        }
    }
    return bm_error_set(err, BM_EINVAL,
                        "cannot tell the format of '%s' from its extension (use .geojson, "
                        ".gpkg, .kml, .csv, .fgb, .geojsons, .html, or --format)",
                        path ? path : "");
}

static const char *const layer_names[] = {"incidents", "places", "sources"};

int bm_export_layer_parse(const char *name, bm_export_layer *out, bm_error *err)
{
    for (int i = 0; name && i < 3; i++) {
        if (strcmp(name, layer_names[i]) == 0) {
            *out = (bm_export_layer)i;
            return BM_OK;
        }
    }
    return bm_error_set(err, BM_EINVAL, "unknown layer '%s' (incidents, places, sources)",
                        name ? name : "");
}

const char *bm_export_layer_name(bm_export_layer l)
{
    return (unsigned)l < 3 ? layer_names[l] : NULL;
}

/* ---- GDAL diagnostics ----------------------------------------------------- */

/* GDAL reports through a handler; this one keeps the first failure (the most
 * specific: later ones tend to be "write failed" echoes) and the last
 * warning on a context the caller owns, and prints nothing. */
typedef struct gdal_diag {
    int failed;
    CPLErrorNum no;
    char msg[400];
    char warning[200];
} gdal_diag;

static void CPL_STDCALL collect_diag(CPLErr cls, CPLErrorNum no, const char *msg)
{
    gdal_diag *d = CPLGetErrorHandlerUserData();
    if (!d)
        return;
    if (cls == CE_Failure || cls == CE_Fatal) {
        if (!d->failed) {
            d->failed = 1;
            d->no = no;
            snprintf(d->msg, sizeof d->msg, "%s", msg ? msg : "");
        }
    } else if (cls == CE_Warning) {
        snprintf(d->warning, sizeof d->warning, "%s", msg ? msg : "");
    }
}

static int code_of(const gdal_diag *d)
{
    switch (d->no) {
    case CPLE_OutOfMemory: return BM_ENOMEM;
    case CPLE_OpenFailed:
    case CPLE_FileIO: return BM_EIO;
    case CPLE_NoWriteAccess: return BM_EREADONLY;
    default: return BM_EGDAL;
    }
}

/* Fails with GDAL's own reason when it gave one. */
static int gdal_fail(const gdal_diag *d, bm_error *err, const char *what)
{
    if (d->failed)
        return bm_error_set(err, code_of(d), "%s: %s", what, d->msg);
    if (d->warning[0])
        return bm_error_set(err, BM_EGDAL, "%s: %s", what, d->warning);
    return bm_error_set(err, BM_EGDAL, "%s: GDAL gave no reason", what);
}

/* ---- Field schemas -------------------------------------------------------- */

/* The attribute tables of the three layers: the published contract of the
 * export, the same in every format. */
typedef struct field_def {
    const char *name;
    OGRFieldType type;
} field_def;

enum {
    FI_ID,
    FI_DATE,
    FI_DATE_START,
    FI_DATE_END,
    FI_DATE_PRECISION,
    FI_TYPE,
    FI_PLACE_ID,
    FI_PLACE_NAME_EN,
    FI_PLACE_NAME_AR,
    FI_GEO_PRECISION,
    FI_CONFIDENCE,
    FI_FATALITIES,
    FI_ACTOR1,
    FI_ACTOR2,
    FI_PROVENANCE,
    FI_SOURCES,
    FI_SOURCE_NAMES,
    FI_SOURCE_URLS,
    FI_SOURCE_PUBLISHED,
    FI_SOURCE_ARTICLES,
    FI_ARTICLE,
    FI_SNIPPET,
    FI_SUMMARY,
    FI_N,
    /* KML only: the fields LIBKML turns into <name>, <description> and
     * <TimeSpan> (after the common ones, which become ExtendedData). */
    FI_KML_NAME = FI_N,
    FI_KML_DESCRIPTION,
    FI_KML_BEGIN,
    FI_KML_END,
    FI_KML_N
};
/* date_start and date_end are Date fields (FlatGeobuf stores them as
 * DateTime, the only temporal type it has); `date` is the label at the
 * incident's precision. */
static const field_def incident_fields[FI_KML_N] = {
    {"id", OFTInteger64},
    {"date", OFTString},
    {"date_start", OFTDate},
    {"date_end", OFTDate},
    {"date_precision", OFTString},
    {"type", OFTString},
    {"place_id", OFTString},
    {"place_name_en", OFTString},
    {"place_name_ar", OFTString},
    {"geo_precision", OFTInteger},
    {"confidence", OFTReal},
    {"fatalities", OFTInteger},
    {"actor1", OFTString},
    {"actor2", OFTString},
    {"provenance", OFTString},
    {"sources", OFTInteger},
    {"source_names", OFTString},
    {"source_urls", OFTString},
    {"source_published", OFTString},
    {"source_articles", OFTString},
    {"article", OFTString},
    {"snippet", OFTString},
    {"summary", OFTString},
    {"name", OFTString},
    {"description", OFTString},
    {"begin", OFTDateTime},
    {"end", OFTDateTime},
};

enum { FP_ID, FP_NAME_EN, FP_NAME_AR, FP_KIND, FP_COUNTRY, FP_ADMIN1, FP_POPULATION, FP_N };
static const field_def place_fields[FP_N] = {
    {"id", OFTString},
    {"name_en", OFTString},
    {"name_ar", OFTString},
    {"kind", OFTString},
    {"country", OFTString},
    {"admin1", OFTString},
    {"population", OFTInteger64},
};

enum {
    FS_INCIDENT_ID,
    FS_OUTLET,
    FS_URL,
    FS_PUBLISHED,
    FS_ARTICLE,
    FS_BYTE_START,
    FS_BYTE_END,
    FS_SENTENCE,
    FS_N
};
static const field_def source_fields[FS_N] = {
    {"incident_id", OFTInteger64}, {"outlet", OFTString},       {"url", OFTString},
    {"published", OFTDate},        {"article", OFTString},      {"byte_start", OFTInteger64},
    {"byte_end", OFTInteger64},    {"sentence", OFTString},
};

#define MAX_FIELDS (FI_KML_N > BM_ACLED_NCOLS ? FI_KML_N : BM_ACLED_NCOLS)

/* ---- The OGR writer ------------------------------------------------------- */

typedef struct writer {
    const format_info *fmt;
    GDALDatasetH ds;
    OGRLayerH layer;
    OGRFeatureH feat; /* reused for every feature */
    int idx[MAX_FIELDS];
    int in_tx;
    int64_t n;
} writer;

/* Layer creation options that make each format clean for analysts. */
static char **layer_options(const format_info *fmt, OGRwkbGeometryType gtype, int to_stdout)
{
    char **lco = NULL;
    switch (fmt->format) {
    case BM_EXPORT_GEOJSON:
        /* RFC 7946: WGS84 lon/lat, right-hand rings, no crs member. */
        lco = CSLSetNameValue(lco, "RFC7946", "YES");
        lco = CSLSetNameValue(lco, "COORDINATE_PRECISION", "6");
        lco = CSLSetNameValue(lco, "WRITE_NAME", "NO");
        break;
    case BM_EXPORT_GEOJSONSEQ: lco = CSLSetNameValue(lco, "COORDINATE_PRECISION", "6"); break;
    case BM_EXPORT_CSV:
        lco = CSLSetNameValue(lco, "GEOMETRY", wkbFlatten(gtype) == wkbPoint ? "AS_XY" : "AS_WKT");
        /* GDAL 3.6 quotes integers under the default IF_AMBIGUOUS. */
        lco = CSLSetNameValue(lco, "STRING_QUOTING", "IF_NEEDED");
        /* The .csvt sidecar tells QGIS and OGR the column types (dates as
         * Date); a stream has nowhere to put it. */
        if (!to_stdout)
            lco = CSLSetNameValue(lco, "CREATE_CSVT", "YES");
        break;
    case BM_EXPORT_ACLED: lco = CSLSetNameValue(lco, "STRING_QUOTING", "IF_NEEDED"); break;
    default: break;
    }
    return lco;
}

/* WGS84 with longitude first, whatever the EPSG axis order says. */
static OGRSpatialReferenceH wgs84_lonlat(void)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (!srs)
        return NULL;
    if (OSRImportFromEPSG(srs, 4326) != OGRERR_NONE) {
        OSRDestroySpatialReference(srs);
        return NULL;
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

static int create_fields(writer *w, const field_def *fields, int n, const gdal_diag *d,
                         bm_error *err)
{
    for (int i = 0; i < n; i++) {
        /* GDAL 3.6's CSV and KML writers spell dates 2025/03/07; as ISO
         * strings they stay ISO, and the .csvt still calls them Date
         * (retype_sidecar). KML has no date type outside its TimeSpan. */
        OGRFieldType t = fields[i].type;
        if (t == OFTDate &&
            (w->fmt->format == BM_EXPORT_CSV || w->fmt->format == BM_EXPORT_KML))
            t = OFTString;
        OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, t);
        OGRErr e = OGR_L_CreateField(w->layer, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE)
            return gdal_fail(d, err, "cannot create a field");
    }
    /* Look the indexes up by name: a driver may add columns of its own. */
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(w->layer);
    for (int i = 0; i < n; i++) {
        w->idx[i] = OGR_FD_GetFieldIndex(defn, fields[i].name);
        if (w->idx[i] < 0)
            return bm_error_set(err, BM_EGDAL, "%s dropped the field %s", w->fmt->driver,
                                fields[i].name);
    }
    return BM_OK;
}

static int writer_open(writer *w, const char *path, const char *layer_name,
                       OGRwkbGeometryType gtype, const field_def *fields, int n_fields,
                       const gdal_diag *d, bm_error *err)
{
    GDALDriverH drv = GDALGetDriverByName(w->fmt->driver);
    if (!drv)
        return bm_error_set(err, BM_EGDAL, "this GDAL has no %s driver", w->fmt->driver);
    w->ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    if (!w->ds)
        return gdal_fail(d, err, "cannot create the output");
    OGRSpatialReferenceH srs = gtype == wkbNone ? NULL : wgs84_lonlat();
    if (!srs && gtype != wkbNone)
        return gdal_fail(d, err, "cannot set up WGS84");
    char **lco = layer_options(w->fmt, gtype, strcmp(path, "/vsistdout/") == 0);
    w->layer = GDALDatasetCreateLayer(w->ds, layer_name, srs, gtype, lco);
    CSLDestroy(lco);
    if (srs)
        OSRDestroySpatialReference(srs);
    if (!w->layer)
        return gdal_fail(d, err, "cannot create the layer");
    int rc = create_fields(w, fields, n_fields, d, err);
    if (rc != BM_OK)
        return rc;
    w->feat = OGR_F_Create(OGR_L_GetLayerDefn(w->layer));
    if (!w->feat)
        return gdal_fail(d, err, "cannot create a feature");
    /* One transaction for the whole file: GPKG commits per feature otherwise. */
    if (GDALDatasetTestCapability(w->ds, ODsCTransactions) &&
        GDALDatasetStartTransaction(w->ds, FALSE) == OGRERR_NONE)
        w->in_tx = 1;
    return BM_OK;
}

/* Finishes the file; the data reaches the disk only here for most drivers,
 * so failures of the last writes (a full disk) surface now. */
static int writer_close(writer *w, const gdal_diag *d, bm_error *err)
{
    if (w->feat)
        OGR_F_Destroy(w->feat);
    w->feat = NULL;
    if (!w->ds)
        return BM_OK;
    int rc = BM_OK;
    if (w->in_tx && GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE)
        rc = gdal_fail(d, err, "cannot commit the output");
    w->in_tx = 0;
    GDALClose(w->ds);
    w->ds = NULL;
    if (rc == BM_OK && d->failed)
        rc = gdal_fail(d, err, "cannot finish the output");
    return rc;
}

static void writer_abort(writer *w)
{
    if (w->feat)
        OGR_F_Destroy(w->feat);
    w->feat = NULL;
    if (w->ds && w->in_tx)
        GDALDatasetRollbackTransaction(w->ds);
    if (w->ds)
        GDALClose(w->ds);
    w->ds = NULL;
}

/* Empty strings are written as null: "not known" in every format. */
static void set_str(writer *w, int k, const char *s)
{
    if (s && *s)
        OGR_F_SetFieldString(w->feat, w->idx[k], s);
    else
        OGR_F_SetFieldNull(w->feat, w->idx[k]);
}

static void set_point(writer *w, bm_lonlat pt)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(w->feat);
    if (!g) {
        g = OGR_G_CreateGeometry(wkbPoint);
        OGR_F_SetGeometryDirectly(w->feat, g);
    }
    OGR_G_SetPoint_2D(g, 0, pt.lon, pt.lat);
}

static int write_feature(writer *w, int64_t fid, const gdal_diag *d, bm_error *err)
{
    OGR_F_SetFID(w->feat, fid);
    if (OGR_L_CreateFeature(w->layer, w->feat) != OGRERR_NONE)
        return gdal_fail(d, err, "cannot write a feature");
    w->n++;
    return BM_OK;
}

/* ---- Look-up tables filled before the scan ---------------------------------- */

/* Strings live in one growing buffer and are referred to by offset, so the
 * tables stay valid when the buffer moves. */
#define NO_STR SIZE_MAX

typedef struct strpool {
    char *buf;
    size_t len, cap;
} strpool;

static int pool_add(strpool *p, const char *s, size_t *off)
{
    if (!s || !*s) {
        *off = NO_STR;
        return BM_OK;
    }
    size_t n = strlen(s) + 1;
    if (p->cap - p->len < n) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap - p->len < n)
            cap *= 2;
        char *nb = realloc(p->buf, cap);
        if (!nb)
            return BM_ENOMEM;
        p->buf = nb;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, s, n);
    *off = p->len;
    p->len += n;
    return BM_OK;
}

static const char *pool_get(const strpool *p, size_t off)
{
    return off == NO_STR ? NULL : p->buf + off;
}

/* Grows an array of `size`-byte elements to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return BM_OK;
    size_t nc = *cap ? *cap * 2 : 256;
    void *na = realloc(*arr, nc * size);
    if (!na)
        return BM_ENOMEM;
    *arr = na;
    *cap = nc;
    return BM_OK;
}

/* Offsets while the pool grows; pointers once it is complete. */
typedef struct place_ref {
    size_t id_off, en_off, ar_off, country_off, admin1_off;
    const char *id, *name_en, *name_ar, *country, *admin1;
    int is_country; /* placed only in a country: no honest point */
} place_ref;

/* What the incident layer says about an incident's sources: the first
 * article and its sentence, and one entry per source article in each
 * "; "-joined list (unknown values as "-", so the lists stay aligned). */
enum { SL_NAMES, SL_URLS, SL_PUBLISHED, SL_ARTICLES, SL_N };
typedef struct first_source {
    int64_t incident_id;
    size_t article, sentence;
    size_t lists[SL_N];
    size_t outlets; /* distinct known outlets, "; "-joined (ACLED's `source`) */
} first_source;

typedef struct incident_pt {
    int64_t id;
    bm_lonlat pt;
} incident_pt;

typedef struct lookups {
    strpool pool;
    place_ref *places;
    size_t n_places, cap_places;
    first_source *sources;
    size_t n_sources, cap_sources;
    incident_pt *points;
    size_t n_points, cap_points;
    /* The source lists of the incident being read (sources come grouped by
     * incident), moved into the pool when the next incident starts. */
    GString *acc[SL_N], *acc_outlets;
    int64_t acc_article;
} lookups;

static void lookups_free(lookups *l)
{
    for (int i = 0; i < SL_N; i++)
        if (l->acc[i])
            g_string_free(l->acc[i], TRUE);
    if (l->acc_outlets)
        g_string_free(l->acc_outlets, TRUE);
    free(l->pool.buf);
    free(l->places);
    free(l->sources);
    free(l->points);
}

static int add_place_ref(const bm_place *p, void *user)
{
    lookups *l = user;
    if (grow((void **)&l->places, &l->cap_places, l->n_places, sizeof *l->places) != BM_OK)
        return BM_ENOMEM;
    place_ref *r = &l->places[l->n_places];
    if (pool_add(&l->pool, p->id, &r->id_off) != BM_OK ||
        pool_add(&l->pool, p->name_en, &r->en_off) != BM_OK ||
        pool_add(&l->pool, p->name_ar, &r->ar_off) != BM_OK ||
        pool_add(&l->pool, p->country, &r->country_off) != BM_OK ||
        pool_add(&l->pool, p->admin1, &r->admin1_off) != BM_OK)
        return BM_ENOMEM;
    r->is_country = strcmp(p->kind, "country") == 0;
    if (r->id_off != NO_STR)
        l->n_places++;
    return 0;
}

/* Moves the lists of the incident just read into the pool. */
static int flush_lists(lookups *l)
{
    if (!l->n_sources || !l->acc[0])
        return BM_OK;
    first_source *f = &l->sources[l->n_sources - 1];
    for (int i = 0; i < SL_N; i++)
        if (pool_add(&l->pool, l->acc[i]->str, &f->lists[i]) != BM_OK)
            return BM_ENOMEM;
    return pool_add(&l->pool, l->acc_outlets->str, &f->outlets);
}

static void append_item(GString *g, const char *v)
{
    if (g->len)
        g_string_append(g, "; ");
    g_string_append(g, v && *v ? v : "-");
}

/* An outlet is listed once however many of its articles report the event. */
static void append_outlet(GString *g, const char *outlet)
{
    if (!outlet || !*outlet)
        return;
    size_t n = strlen(outlet);
    for (const char *p = strstr(g->str, outlet); p; p = strstr(p + 1, outlet))
        if ((p == g->str || p[-1] == ' ') && (p[n] == '\0' || p[n] == ';'))
            return;
    if (g->len)
        g_string_append(g, "; ");
    g_string_append(g, outlet);
}

static int start_incident(lookups *l, const bm_source *s)
{
    if (grow((void **)&l->sources, &l->cap_sources, l->n_sources, sizeof *l->sources) != BM_OK)
        return BM_ENOMEM;
    first_source *f = &l->sources[l->n_sources];
    f->incident_id = s->incident_id;
    if (pool_add(&l->pool, s->file_name, &f->article) != BM_OK ||
        pool_add(&l->pool, s->sentence, &f->sentence) != BM_OK)
        return BM_ENOMEM;
    l->n_sources++;
    for (int i = 0; i < SL_N; i++) {
        if (!l->acc[i])
            l->acc[i] = g_string_new(NULL);
        g_string_truncate(l->acc[i], 0);
    }
    if (!l->acc_outlets)
        l->acc_outlets = g_string_new(NULL);
    g_string_truncate(l->acc_outlets, 0);
    l->acc_article = 0;
    return BM_OK;
}

/* Sources come ordered by incident, article, offset: the first row of each
 * incident is the one the export names; later rows add to its lists, once
 * per article. */
static int add_source_row(const bm_source *s, void *user)
{
    lookups *l = user;
    if (!l->n_sources || l->sources[l->n_sources - 1].incident_id != s->incident_id) {
        int rc = start_incident(l, s);
        if (rc != BM_OK)
            return rc;
    }
    if (l->acc_article == s->article_id)
        return 0;
    l->acc_article = s->article_id;
    append_item(l->acc[SL_NAMES], s->outlet);
    append_item(l->acc[SL_URLS], s->url);
    append_item(l->acc[SL_PUBLISHED], s->published);
    append_item(l->acc[SL_ARTICLES], s->file_name);
    append_outlet(l->acc_outlets, s->outlet);
    return 0;
}

/* Reads one incident's sources into l (appended: l holds a batch of incidents' sources);
 * *idx gets the index of its entry in l->sources, or -1 when it has none. One indexed
 * look-up per incident, so an export holds no more than a batch of them at a time. */
static int gather_sources(bm_store *st, const bm_incident *inc, lookups *l, long *idx)
{
    *idx = -1;
    if (inc->n_sources <= 0)
        return BM_OK;
    size_t before = l->n_sources;
    int rc = bm_store_sources(st, inc->id, add_source_row, l);
    if (rc != BM_OK || l->n_sources == before)
        return rc;
    if (flush_lists(l) != BM_OK)
        return BM_ENOMEM;
    *idx = (long)l->n_sources - 1;
    return BM_OK;
}

/* Empties the source tables for the next batch (the buffers are kept). */
static void lookups_clear_sources(lookups *l)
{
    l->n_sources = 0;
    l->pool.len = 0;
}

static int add_point(const bm_incident *inc, void *user)
{
    lookups *l = user;
    if (grow((void **)&l->points, &l->cap_points, l->n_points, sizeof *l->points) != BM_OK)
        return BM_ENOMEM;
    l->points[l->n_points++] = (incident_pt){inc->id, inc->pt};
    return 0;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_source(const void *a, const void *b)
{
    return cmp_i64(((const first_source *)a)->incident_id, ((const first_source *)b)->incident_id);
}

static int cmp_point(const void *a, const void *b)
{
    return cmp_i64(((const incident_pt *)a)->id, ((const incident_pt *)b)->id);
}

static int cmp_place(const void *a, const void *b)
{
    return strcmp(((const place_ref *)a)->id, ((const place_ref *)b)->id);
}

/* Turns the offsets into pointers (the pool no longer moves) and sorts every
 * table for bsearch. The store already returns them in order, so the sorts
 * are cheap; they keep this module independent of that promise. */
static void lookups_seal(lookups *l)
{
    for (size_t i = 0; i < l->n_places; i++) {
        place_ref *r = &l->places[i];
        r->id = pool_get(&l->pool, r->id_off);
        r->name_en = pool_get(&l->pool, r->en_off);
        r->name_ar = pool_get(&l->pool, r->ar_off);
        r->country = pool_get(&l->pool, r->country_off);
        r->admin1 = pool_get(&l->pool, r->admin1_off);
    }
    if (l->n_places)
        qsort(l->places, l->n_places, sizeof *l->places, cmp_place);
    if (l->n_sources)
        qsort(l->sources, l->n_sources, sizeof *l->sources, cmp_source);
    if (l->n_points)
        qsort(l->points, l->n_points, sizeof *l->points, cmp_point);
}

static const place_ref *find_place(const lookups *l, const char *id)
{
    if (!id || !*id || !l->n_places)
        return NULL;
    place_ref key = {.id = id};
    return bsearch(&key, l->places, l->n_places, sizeof *l->places, cmp_place);
}

static const incident_pt *find_point(const lookups *l, int64_t id)
{
    if (!l->n_points)
        return NULL;
    incident_pt key = {.id = id};
    return bsearch(&key, l->points, l->n_points, sizeof *l->points, cmp_point);
}

/* ---- The three layers ------------------------------------------------------- */

typedef struct area {
    char *id;
    OGRGeometryH geom; /* MultiPolygon */
} area;

typedef struct exporter {
    bm_store *store;
    const bm_export_opts *o;
    bm_error *err;
    gdal_diag diag;
    writer w;
    lookups lk;  /* places (and, for the sources layer, incident points) */
    lookups one; /* the sources of the incident being written, without a reader thread */
    area *areas;
    size_t n_areas;
    int cb_failed;     /* a callback already put the reason in err */
    bm__style *style;  /* KML: type colours and labels */
    bm__acled *acled;  /* ACLED: type mapping, admin-1 polygons */
    int64_t started;   /* Unix time of the export (ACLED's timestamp) */
    GString *scratch;  /* KML descriptions */
} exporter;

/* A store scan failed: the reason is ours (a callback set it), or the store's. */
static int scan_fail(exporter *x, int rc, const char *what)
{
    if (x->cb_failed)
        return rc;
    if (rc == BM_ENOMEM)
        return bm_error_set(x->err, rc, "%s: out of memory", what);
    return bm_error_set(x->err, rc, "%s: %s", what, bm_store_errmsg(x->store));
}

static int callback_fail(exporter *x, int rc)
{
    x->cb_failed = 1;
    return rc;
}

static void set_date(writer *w, int k, bm_date d)
{
    char iso[11];
    OGRFieldDefnH fd = OGR_F_GetFieldDefnRef(w->feat, w->idx[k]);
    if (OGR_Fld_GetType(fd) == OFTString)
        OGR_F_SetFieldString(w->feat, w->idx[k], bm_date_format(d, iso));
    else
        OGR_F_SetFieldDateTime(w->feat, w->idx[k], d.year, d.month, d.day, 0, 0, 0, 0);
}

/* "Airstrike, al-Qaim, 2025-03-07": what a Google Earth list shows. */
static void kml_fields(exporter *x, const bm_incident *inc, const place_ref *p,
                       const first_source *s, const strpool *sp, const char *date)
{
    writer *w = &x->w;
    int t = bm_type_index(inc->type);
    const char *label = x->style && t >= 0 ? x->style->type_label_en[t] : inc->type;
    const char *where = p && p->name_en ? p->name_en : inc->place_id[0] ? inc->place_id : NULL;
    char *name = where ? g_strdup_printf("%s, %s, %s", label, where, date)
                       : g_strdup_printf("%s, %s", label, date);
    set_str(w, FI_KML_NAME, name);
    g_free(name);
    GString *d = x->scratch;
    g_string_truncate(d, 0);
    char d1[11], d2[11];
    g_string_append_printf(d, "<b>%s</b><br/>Date: %s", label, date);
    if (inc->date_precision != BM_PREC_DAY)
        g_string_append_printf(d, " (%s .. %s)", bm_date_format(inc->date_start, d1),
                               bm_date_format(inc->date_end, d2));
    const char *fields[][2] = {
        {"Type", inc->type},
        {"Place", where},
        {"Place (ar)", p ? p->name_ar : NULL},
        {"Sources", s ? pool_get(sp, s->lists[SL_NAMES]) : NULL},
        {"URLs", s ? pool_get(sp, s->lists[SL_URLS]) : NULL},
        {"Summary", inc->summary},
        {"Snippet", s ? pool_get(sp, s->sentence) : NULL},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!fields[i][1] || !*fields[i][1])
            continue;
        char *esc = g_markup_escape_text(fields[i][1], -1);
        g_string_append_printf(d, "<br/>%s: %s", fields[i][0], esc);
        g_free(esc);
    }
    set_str(w, FI_KML_DESCRIPTION, d->str);
    /* The span covers whole days: from the first day's start to the last
     * day's end, so a one-day incident is visible for that day. */
    bm_date b = inc->date_start, e = inc->date_end;
    OGR_F_SetFieldDateTime(w->feat, w->idx[FI_KML_BEGIN], b.year, b.month, b.day, 0, 0, 0, 0);
    OGR_F_SetFieldDateTime(w->feat, w->idx[FI_KML_END], e.year, e.month, e.day, 23, 59, 59, 0);
    char style[32];
    snprintf(style, sizeof style, "@%s", inc->type);
    OGR_F_SetStyleString(w->feat, style);
}

static int write_acled(exporter *x, const bm_incident *inc, const place_ref *p,
                       const first_source *s, const strpool *sp)
{
    char *vals[BM_ACLED_NCOLS] = {0};
    bm__acled_extra extra = {
        .sources = s ? pool_get(sp, s->outlets) : NULL,
        .location = p ? p->name_en : NULL,
        .place_country = p ? p->country : NULL,
        .place_admin1 = p ? p->admin1 : NULL,
        .timestamp = x->started,
    };
    bm__acled_row(x->acled, inc, &extra, vals);
    for (int i = 0; i < BM_ACLED_NCOLS; i++) {
        OGR_F_SetFieldString(x->w.feat, x->w.idx[i], vals[i]);
        g_free(vals[i]);
    }
    return write_feature(&x->w, OGRNullFID, &x->diag, x->err);
}

static void write_common(exporter *x, const bm_incident *inc, const place_ref *p,
                         const first_source *s, const strpool *sp, const char *date)
{
    writer *w = &x->w;
    OGR_F_SetFieldInteger64(w->feat, w->idx[FI_ID], inc->id);
    set_str(w, FI_DATE, date);
    set_date(w, FI_DATE_START, inc->date_start);
    set_date(w, FI_DATE_END, inc->date_end);
    set_str(w, FI_DATE_PRECISION, bm_precision_name(inc->date_precision));
    set_str(w, FI_TYPE, inc->type);
    set_str(w, FI_PLACE_ID, inc->place_id);
    set_str(w, FI_PLACE_NAME_EN, p ? p->name_en : NULL);
    set_str(w, FI_PLACE_NAME_AR, p ? p->name_ar : NULL);
    OGR_F_SetFieldInteger(w->feat, w->idx[FI_GEO_PRECISION], inc->geo_precision);
    OGR_F_SetFieldDouble(w->feat, w->idx[FI_CONFIDENCE], inc->confidence);
    if (inc->fatalities >= 0)
        OGR_F_SetFieldInteger(w->feat, w->idx[FI_FATALITIES], inc->fatalities);
    else
        OGR_F_SetFieldNull(w->feat, w->idx[FI_FATALITIES]);
    set_str(w, FI_ACTOR1, inc->actor1);
    set_str(w, FI_ACTOR2, inc->actor2);
    set_str(w, FI_PROVENANCE, inc->provenance[0] ? inc->provenance : "extracted");
    OGR_F_SetFieldInteger(w->feat, w->idx[FI_SOURCES], inc->n_sources);
    for (int i = 0; i < SL_N; i++)
        set_str(w, FI_SOURCE_NAMES + i, s ? pool_get(sp, s->lists[i]) : NULL);
    set_str(w, FI_ARTICLE, s ? pool_get(sp, s->article) : NULL);
    set_str(w, FI_SNIPPET, s ? pool_get(sp, s->sentence) : NULL);
    set_str(w, FI_SUMMARY, inc->summary);
}

/* Writes one incident; s (may be NULL) is its sources' entry, its strings in sp. */
static int write_one(exporter *x, const bm_incident *inc, const first_source *s,
                     const strpool *sp)
{
    writer *w = &x->w;
    const place_ref *p = find_place(&x->lk, inc->place_id);
    /* A country is no location: its centroid would read as a governorate-
     * level point and skew density maps. Left out, or kept without a point. */
    int country_only = p && p->is_country;
    if (country_only && !x->o->include_country_level)
        return 0;
    int rc;
    if (w->fmt->format == BM_EXPORT_ACLED) {
        rc = write_acled(x, inc, p, s, sp);
        return rc == BM_OK ? 0 : callback_fail(x, rc);
    }
    char date[16];
    bm_date_format_prec(inc->date_start, inc->date_precision, date);
    write_common(x, inc, p, s, sp, date);
    if (w->fmt->format == BM_EXPORT_KML)
        kml_fields(x, inc, p, s, sp, date);
    if (country_only)
        OGR_F_SetGeometryDirectly(w->feat, NULL);
    else
        set_point(w, inc->pt);
    rc = write_feature(w, w->fmt->feature_ids ? inc->id : OGRNullFID, &x->diag, x->err);
    return rc == BM_OK ? 0 : callback_fail(x, rc);
}

/* The scan without a reader thread: each incident's sources read into x->one. */
static int write_incident(const bm_incident *inc, void *user)
{
    exporter *x = user;
    lookups_clear_sources(&x->one);
    long idx;
    int rc = gather_sources(x->store, inc, &x->one, &idx);
    if (rc != BM_OK)
        return callback_fail(x, rc == BM_ENOMEM ? bm_error_set(x->err, rc, "out of memory")
                                                : bm_error_set(x->err, rc, "reading sources: %s",
                                                               bm_store_errmsg(x->store)));
    return write_one(x, inc, idx >= 0 ? &x->one.sources[idx] : NULL, &x->one.pool);
}

static int lookup_cb_result(exporter *x, int rc, const char *what)
{
    return rc == BM_OK ? BM_OK : scan_fail(x, rc, what);
}

/* ---- Reading and writing in parallel ------------------------------------------ */

/* The store returns incidents in date order, which costs it random reads
 * of its table; OGR's encoding costs about as much again. With jobs >= 2 a
 * reader thread runs the query while this thread writes, so the export takes
 * the longer of the two instead of their sum (not the default on a small
 * machine: see bm_export_default_jobs). Batches pass through a small ring; the
 * store handle is used by the reader only while the scan runs, and GDAL by
 * this thread only. */
enum { BATCH_SIZE = 256, RING_SIZE = 4 };

typedef struct batch {
    int n;
    bm_incident items[BATCH_SIZE];
    long src[BATCH_SIZE]; /* the item's entry in lk.sources, or -1 */
    lookups lk;           /* the batch's sources, read by the reader with the incidents */
} batch;

typedef struct pipeline {
    exporter *x;
    pthread_mutex_t mu;
    pthread_cond_t has_data, has_room;
    batch *ring;     /* RING_SIZE batches */
    int tail, count; /* oldest published batch; published batches */
    batch *fill;     /* the batch the reader is filling, not yet published */
    int done;        /* the reader has finished (query_rc is set) */
    int stop;        /* the writer failed: the reader must give up */
    int query_rc;
} pipeline;

/* Reader side: takes a free slot, or learns that the writer has stopped. */
static int take_slot(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == RING_SIZE && !p->stop)
        pthread_cond_wait(&p->has_room, &p->mu);
    if (!p->stop) {
        p->fill = &p->ring[(p->tail + p->count) % RING_SIZE];
        p->fill->n = 0;
        lookups_clear_sources(&p->fill->lk);
    }
    int stop = p->stop;
    pthread_mutex_unlock(&p->mu);
    return stop;
}

static void publish(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->count++;
    p->fill = NULL;
    pthread_cond_signal(&p->has_data);
    pthread_mutex_unlock(&p->mu);
}

static int enqueue_incident(const bm_incident *inc, void *user)
{
    pipeline *p = user;
    if (!p->fill && take_slot(p))
        return 1; /* stops the scan; the writer already holds the reason */
    batch *b = p->fill;
    int rc = gather_sources(p->x->store, inc, &b->lk, &b->src[b->n]);
    if (rc != BM_OK)
        return rc;
    b->items[b->n++] = *inc;
    if (p->fill->n == BATCH_SIZE)
        publish(p);
    return 0;
}

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    int rc = bm_store_query(p->x->store, &p->x->o->query, enqueue_incident, p);
    if (p->fill && p->fill->n > 0)
        publish(p);
    pthread_mutex_lock(&p->mu);
    p->query_rc = rc;
    p->done = 1;
    pthread_cond_signal(&p->has_data);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Writer side: the next published batch, or NULL once the reader is done. */
static batch *next_batch(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == 0 && !p->done)
        pthread_cond_wait(&p->has_data, &p->mu);
    batch *b = p->count > 0 ? &p->ring[p->tail] : NULL;
    pthread_mutex_unlock(&p->mu);
    return b;
}

static void release_batch(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->tail = (p->tail + 1) % RING_SIZE;
    p->count--;
    pthread_cond_signal(&p->has_room);
    pthread_mutex_unlock(&p->mu);
}

static void stop_reader(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->has_room);
    pthread_mutex_unlock(&p->mu);
}

static int write_batches(pipeline *p)
{
    batch *b;
    while ((b = next_batch(p)) != NULL) {
        for (int i = 0; i < b->n; i++) {
            long k = b->src[i];
            int rc = write_one(p->x, &b->items[i], k >= 0 ? &b->lk.sources[k] : NULL,
                               &b->lk.pool);
            if (rc != 0) {
                stop_reader(p);
                return rc;
            }
        }
        release_batch(p);
    }
    return BM_OK;
}

/* Returns 1 when the thread could not be started (the caller scans
 * directly), else the outcome with the reason in x->err. */
static int scan_in_parallel(exporter *x, int *rc_out)
{
    pipeline p = {.x = x};
    p.ring = calloc(RING_SIZE, sizeof *p.ring);
    if (!p.ring)
        return 1;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.has_data, NULL);
    pthread_cond_init(&p.has_room, NULL);
    pthread_t reader;
    int started = pthread_create(&reader, NULL, reader_main, &p) == 0;
    if (started) {
        int wrc = write_batches(&p);
        pthread_join(reader, NULL);
        *rc_out = wrc != BM_OK          ? wrc
                  : p.query_rc != BM_OK ? scan_fail(x, p.query_rc, "reading incidents")
                                        : BM_OK;
    }
    pthread_cond_destroy(&p.has_room);
    pthread_cond_destroy(&p.has_data);
    pthread_mutex_destroy(&p.mu);
    for (int i = 0; i < RING_SIZE; i++)
        lookups_free(&p.ring[i].lk);
    free(p.ring);
    return !started;
}

/* What a format needs besides the store: KML the style, ACLED its tables. */
static int prepare_format(exporter *x)
{
    x->started = (int64_t)time(NULL);
    if (x->w.fmt->format == BM_EXPORT_ACLED)
        return bm__acled_new(&x->acled, x->err);
    if (x->w.fmt->format != BM_EXPORT_KML)
        return BM_OK;
    char path[4096];
    x->scratch = g_string_new(NULL);
    x->style = malloc(sizeof *x->style);
    if (!x->style)
        return bm_error_set(x->err, BM_ENOMEM, "out of memory");
    int rc = bm_data_path("maps/style.ini", path, sizeof path, x->err);
    return rc == BM_OK ? bm__style_load(path, x->style, x->err) : rc;
}

/* One KML style per type, in the map's colours: a dot icon tinted with the
 * type's colour, and the label in the same colour. */
static int set_kml_styles(exporter *x)
{
    OGRStyleTableH table = OGR_STBL_Create();
    if (!table)
        return bm_error_set(x->err, BM_ENOMEM, "out of memory");
    for (int t = 0; t < BM_N_TYPES; t++) {
        uint32_t rgb = bm__rgb24(x->style->type_colour[t]);
        char def[160];
        snprintf(def, sizeof def,
                 "SYMBOL(id:\"http://maps.google.com/mapfiles/kml/shapes/"
                 "placemark_circle.png\",c:#%06X,s:1.1);LABEL(c:#%06X)",
                 (unsigned)rgb, (unsigned)rgb);
        OGR_STBL_AddStyle(table, bm_type_name(t), def);
    }
    GDALDatasetSetStyleTable(x->w.ds, table);
    OGR_STBL_Destroy(table);
    return BM_OK;
}

static int open_incident_layer(exporter *x, const char *target)
{
    if (x->w.fmt->format == BM_EXPORT_ACLED) {
        field_def acled[BM_ACLED_NCOLS];
        for (int i = 0; i < BM_ACLED_NCOLS; i++)
            acled[i] = (field_def){bm_acled_column(i), OFTString};
        return writer_open(&x->w, target, "acled", wkbNone, acled, BM_ACLED_NCOLS, &x->diag,
                           x->err);
    }
    int kml = x->w.fmt->format == BM_EXPORT_KML;
    int rc = writer_open(&x->w, target, "incidents", wkbPoint, incident_fields,
                         kml ? FI_KML_N : FI_N, &x->diag, x->err);
    return rc == BM_OK && kml ? set_kml_styles(x) : rc;
}

static int export_incidents(exporter *x, const char *target)
{
    /* Place names are read once, up front (a few thousand); sources stream with the
     * incidents, read per incident through an index (held all at once, a million
     * incidents' source lists took most of the export's memory). */
    int rc =
        lookup_cb_result(x, bm_store_places(x->store, add_place_ref, &x->lk), "reading places");
    if (rc == BM_OK)
        rc = prepare_format(x);
    if (rc != BM_OK)
        return rc;
    lookups_seal(&x->lk);
    rc = open_incident_layer(x, target);
    if (rc != BM_OK)
        return rc;
    /* The export reads each page about once: no need for the store's mapping (which
     * counted the whole database file in the export's memory) or its large cache. */
    bm__store_lean lean;
    bm__store_lean_begin(x->store, 32768, &lean);
    unsigned jobs = x->o->jobs ? x->o->jobs : bm_export_default_jobs();
    if (jobs < 2 || scan_in_parallel(x, &rc) != 0) {
        rc = bm_store_query(x->store, &x->o->query, write_incident, x);
        rc = rc == BM_OK ? BM_OK : scan_fail(x, rc, "reading incidents");
    }
    bm__store_lean_end(&lean);
    return rc;
}

static int write_source(const bm_source *s, void *user)
{
    exporter *x = user;
    writer *w = &x->w;
    const incident_pt *ip = find_point(&x->lk, s->incident_id);
    if (!ip)
        return 0; /* its incident is outside the query */
    OGR_F_SetFieldInteger64(w->feat, w->idx[FS_INCIDENT_ID], s->incident_id);
    set_str(w, FS_OUTLET, s->outlet);
    set_str(w, FS_URL, s->url);
    bm_date pub;
    if (s->published && bm_date_parse_iso(s->published, &pub, NULL, NULL, NULL) == BM_OK)
        set_date(w, FS_PUBLISHED, pub);
    else
        OGR_F_SetFieldNull(w->feat, w->idx[FS_PUBLISHED]);
    set_str(w, FS_ARTICLE, s->file_name);
    OGR_F_SetFieldInteger64(w->feat, w->idx[FS_BYTE_START], s->byte_start);
    OGR_F_SetFieldInteger64(w->feat, w->idx[FS_BYTE_END], s->byte_end);
    set_str(w, FS_SENTENCE, s->sentence);
    set_point(w, ip->pt);
    int rc = write_feature(w, OGRNullFID, &x->diag, x->err);
    return rc == BM_OK ? 0 : callback_fail(x, rc);
}

static int export_sources(exporter *x, const char *target)
{
    /* The query selects incidents; their points place the source rows. */
    int rc = lookup_cb_result(x, bm_store_query(x->store, &x->o->query, add_point, &x->lk),
                              "reading incidents");
    if (rc != BM_OK)
        return rc;
    lookups_seal(&x->lk);
    rc = writer_open(&x->w, target, "sources", wkbPoint, source_fields, FS_N, &x->diag, x->err);
    if (rc != BM_OK)
        return rc;
    rc = bm_store_sources(x->store, 0, write_source, x);
    return rc == BM_OK ? BM_OK : scan_fail(x, rc, "reading sources");
}

static void areas_free(exporter *x)
{
    for (size_t i = 0; i < x->n_areas; i++) {
        free(x->areas[i].id);
        OGR_G_DestroyGeometry(x->areas[i].geom);
    }
    free(x->areas);
    x->areas = NULL;
    x->n_areas = 0;
}

static int cmp_area(const void *a, const void *b)
{
    return strcmp(((const area *)a)->id, ((const area *)b)->id);
}

static int keep_area(exporter *x, size_t *cap, const char *id, OGRGeometryH g)
{
    if (grow((void **)&x->areas, cap, x->n_areas, sizeof *x->areas) != BM_OK)
        return BM_ENOMEM;
    area *a = &x->areas[x->n_areas];
    a->id = strdup(id);
    a->geom = OGR_G_ForceToMultiPolygon(g);
    if (!a->id || !a->geom) {
        free(a->id);
        OGR_G_DestroyGeometry(a->geom);
        return BM_ENOMEM;
    }
    x->n_areas++;
    return BM_OK;
}

typedef struct {
    exporter *x;
    size_t cap;
    int failed; /* the callback said why */
} area_reader;

static int area_cb(const char *id, const unsigned char *wkb, size_t size, void *user)
{
    area_reader *ar = user;
    OGRGeometryH g = NULL;
    ar->failed = 1;
    if (OGR_G_CreateFromWkbEx(wkb, NULL, &g, size) != OGRERR_NONE || !g)
        return bm_error_set(ar->x->err, BM_EDB, "the area of place %s is not valid WKB", id);
    int rc = keep_area(ar->x, &ar->cap, id, g);
    if (rc == BM_ENOMEM)
        return bm_error_set(ar->x->err, rc, "reading place areas: out of memory");
    ar->failed = rc != BM_OK;
    return rc;
}

/* Place areas come from the store (either backend), already ordered by id. */
static int load_areas(exporter *x)
{
    area_reader ar = {x, 0, 0};
    int rc = bm_store_place_areas(x->store, area_cb, &ar);
    if (rc != BM_OK && !ar.failed)
        return bm_error_set(x->err, rc, "reading place areas: %s", bm_store_errmsg(x->store));
    if (rc == BM_OK && x->n_areas)
        qsort(x->areas, x->n_areas, sizeof *x->areas, cmp_area);
    return rc;
}

static const area *find_area(const exporter *x, const char *id)
{
    if (!x->n_areas)
        return NULL;
    area key = {.id = (char *)id};
    return bsearch(&key, x->areas, x->n_areas, sizeof *x->areas, cmp_area);
}

static int write_place(const bm_place *p, void *user)
{
    exporter *x = user;
    writer *w = &x->w;
    const area *a = NULL;
    if (x->o->areas) {
        a = find_area(x, p->id);
        if (!a)
            return 0; /* --areas writes only the places that have one */
    }
    set_str(w, FP_ID, p->id);
    set_str(w, FP_NAME_EN, p->name_en);
    set_str(w, FP_NAME_AR, p->name_ar);
    set_str(w, FP_KIND, p->kind);
    set_str(w, FP_COUNTRY, p->country);
    set_str(w, FP_ADMIN1, p->admin1);
    if (p->population >= 0)
        OGR_F_SetFieldInteger64(w->feat, w->idx[FP_POPULATION], p->population);
    else
        OGR_F_SetFieldNull(w->feat, w->idx[FP_POPULATION]);
    if (a)
        OGR_F_SetGeometry(w->feat, a->geom);
    else
        set_point(w, p->pt);
    int rc = write_feature(w, OGRNullFID, &x->diag, x->err);
    return rc == BM_OK ? 0 : callback_fail(x, rc);
}

static int export_places(exporter *x, const char *target)
{
    int rc = x->o->areas ? load_areas(x) : BM_OK;
    if (rc != BM_OK)
        return rc;
    rc = writer_open(&x->w, target, "places", x->o->areas ? wkbMultiPolygon : wkbPoint,
                     place_fields, FP_N, &x->diag, x->err);
    if (rc != BM_OK)
        return rc;
    rc = bm_store_places(x->store, write_place, x);
    return rc == BM_OK ? BM_OK : scan_fail(x, rc, "reading places");
}

/* ---- Entry point ------------------------------------------------------------- */

/* GDAL closes its files without fsync; the rename must not publish a file
 * whose blocks are still only in the page cache. */
static int sync_path(const char *path, bm_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return bm_error_set(err, BM_EIO, "cannot reopen %s to sync it", path);
    int ok = fsync(fd) == 0;
    close(fd);
    return ok ? BM_OK : bm_error_set(err, BM_EIO, "cannot sync %s", path);
}

/* The date columns of every layer: written as ISO strings in CSV, typed
 * Date in its .csvt. */
static int is_date_column(const char *name)
{
    static const char *const names[] = {"date_start", "date_end", "published"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Rewrites GDAL's .csvt (one type per column, in header order) with Date
 * for the date columns. */
static int retype_sidecar(const char *csv, const char *csvt, bm_error *err)
{
    char *header = NULL, *types = NULL;
    size_t hl, tl;
    int rc = bm_read_file(csv, &header, &hl, err);
    if (rc == BM_OK)
        rc = bm_read_file(csvt, &types, &tl, err);
    if (rc != BM_OK) {
        free(header);
        return rc;
    }
    header[strcspn(header, "\r\n")] = '\0';
    types[strcspn(types, "\r\n")] = '\0';
    gchar **names = g_strsplit(header, ",", -1), **t = g_strsplit(types, ",", -1);
    GString *out = g_string_new(NULL);
    for (guint i = 0; t[i]; i++)
        g_string_append_printf(out, "%s%s", i ? "," : "",
                               i < g_strv_length(names) && is_date_column(names[i]) ? "Date"
                                                                                  : t[i]);
    bm_atomic_file *af = NULL;
    rc = bm_atomic_open(csvt, 1, &af, err);
    if (rc == BM_OK) {
        fprintf(bm_atomic_fp(af), "%s\n", out->str);
        rc = bm_atomic_commit(af, err);
    }
    g_string_free(out, TRUE);
    g_strfreev(names);
    g_strfreev(t);
    free(header);
    free(types);
    return rc;
}

/* "dir/name.csv" with its extension replaced by ext (".prj") or, with
 * append, extended by it ("t": ".csvt"). */
static char *sidecar_name(const char *csv, const char *ext, int append)
{
    const char *slash = strrchr(csv, '/'), *dot = strrchr(csv, '.');
    size_t n = append || !dot || (slash && dot < slash) ? strlen(csv) : (size_t)(dot - csv);
    return g_strdup_printf("%.*s%s", (int)n, csv, ext);
}

static int move_file(const char *from, const char *to, int rc, bm_error *err)
{
    if (rc == BM_OK && access(from, F_OK) == 0) {
        if (sync_path(from, err) != BM_OK)
            rc = BM_EIO;
        else if (rename(from, to) != 0)
            rc = bm_error_set(err, BM_EIO, "cannot write %s", to);
    }
    unlink(from);
    return rc;
}

/* GDAL writes a CSV's .csvt (types) and .prj (CRS) beside the temporary
 * file; they take the target's names just before the CSV itself does (and
 * go on failure). */
static int move_sidecars(const char *tmp, const char *path, int rc, bm_error *err)
{
    char *from = sidecar_name(tmp, "t", 1), *to = sidecar_name(path, "t", 1);
    if (rc == BM_OK && access(from, F_OK) == 0)
        rc = retype_sidecar(tmp, from, err);
    rc = move_file(from, to, rc, err);
    g_free(from);
    g_free(to);
    from = sidecar_name(tmp, ".prj", 0);
    to = sidecar_name(path, ".prj", 0);
    rc = move_file(from, to, rc, err);
    g_free(from);
    g_free(to);
    return rc;
}

static int check_options(const bm_export_opts *o, const char *path, const format_info **fi,
                         bm_error *err)
{
    if (!path || !*path)
        return bm_error_set(err, BM_EINVAL, "no output file");
    bm_export_format f = o->format;
    if (f == BM_EXPORT_AUTO) {
        int rc = bm_export_format_from_path(path, &f, err);
        if (rc != BM_OK)
            return rc;
    }
    *fi = format_lookup(f);
    if (!*fi)
        return bm_error_set(err, BM_EINVAL, "unknown export format %d", (int)f);
    if (strcmp(path, "-") == 0 && !(*fi)->streams)
        return bm_error_set(err, BM_EINVAL, "%s cannot be written to standard output",
                            (*fi)->name);
    if (o->areas && o->layer != BM_EXPORT_PLACES)
        return bm_error_set(err, BM_EINVAL, "areas exist only for the places layer");
    if (f == BM_EXPORT_ACLED && o->layer != BM_EXPORT_INCIDENTS)
        return bm_error_set(err, BM_EINVAL, "ACLED is a format for incidents only");
    if (!bm_export_layer_name(o->layer))
        return bm_error_set(err, BM_EINVAL, "unknown layer %d", (int)o->layer);
    return BM_OK;
}

static int run_layer(exporter *x, const char *target)
{
    switch (x->o->layer) {
    case BM_EXPORT_PLACES: return export_places(x, target);
    case BM_EXPORT_SOURCES: return export_sources(x, target);
    default: return export_incidents(x, target);
    }
}

int bm_export(bm_store *store, const char *path, const bm_export_opts *o, int64_t *n_written,
              bm_error *err)
{
    if (n_written)
        *n_written = 0;
    const format_info *fi = NULL;
    int rc = check_options(o, path, &fi, err);
    if (rc != BM_OK)
        return rc;
    if (fi->format == BM_EXPORT_HTML)
        return bm__export_html(store, path, o, n_written, err);
    bm_atomic_file *af = NULL;
    const char *target = "/vsistdout/";
    if (strcmp(path, "-") != 0) {
        rc = bm_atomic_open(path, o->overwrite, &af, err);
        if (rc != BM_OK)
            return rc;
        target = bm_atomic_tmppath(af);
        /* mkstemps made an empty file to reserve the name; drivers refuse to
         * create over it (GPKG takes it for a broken database), so it goes
         * and the driver creates the file afresh under the same name. */
        unlink(target);
    }
    GDALAllRegister();
    exporter x = {.store = store, .o = o, .err = err};
    x.w.fmt = fi;
    CPLPushErrorHandlerEx(collect_diag, &x.diag);
    rc = run_layer(&x, target);
    if (rc == BM_OK)
        rc = writer_close(&x.w, &x.diag, err);
    else
        writer_abort(&x.w);
    CPLPopErrorHandler();
    if (af && rc == BM_OK)
        rc = sync_path(target, err);
    if (af && fi->format == BM_EXPORT_CSV)
        rc = move_sidecars(target, path, rc, err);
    if (af && rc == BM_OK)
        rc = bm_atomic_commit(af, err);
    else if (af)
        bm_atomic_abort(af);
    if (rc == BM_OK && n_written)
        *n_written = x.w.n;
    lookups_free(&x.lk);
    lookups_free(&x.one);
    areas_free(&x);
    free(x.style);
    bm__acled_free(x.acled);
    if (x.scratch)
        g_string_free(x.scratch, TRUE);
    return rc;
}
