/* acled.c: ACLED interchange: the row an incident becomes in ACLED's CSV
 * layout (types through gazetteer/acled/types.tsv, admin-1 and country by
 * point in polygon on the basemap, actors' inter codes) and the import of an
 * ACLED CSV (read by GDAL's CSV driver) as incidents.
 * Must never hold a mapping in C (every table is a data file), never write
 * the CSV itself (export.c does, through OGR), and never half-import a file. */
#include "bordermap/acled.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <glib.h>
#include <ogr_api.h>

#include "acled_private.h"
#include "bordermap/actors.h"
#include "tsv_private.h"

static const char *const columns[BM_ACLED_NCOLS] = {
    "event_id_cnty", "event_date",     "year",          "time_precision", "disorder_type",
    "event_type",    "sub_event_type", "actor1",        "assoc_actor_1",  "inter1",
    "actor2",        "assoc_actor_2",  "inter2",        "interaction",    "civilian_targeting",
    "iso",           "region",         "country",       "admin1",         "admin2",
    "admin3",        "location",       "latitude",      "longitude",      "geo_precision",
    "source",        "source_scale",   "notes",         "fatalities",     "tags",
    "timestamp",
};

enum {
    C_EVENT_ID, C_EVENT_DATE, C_YEAR, C_TIME_PRECISION, C_DISORDER, C_EVENT_TYPE, C_SUB_EVENT,
    C_ACTOR1, C_ASSOC1, C_INTER1, C_ACTOR2, C_ASSOC2, C_INTER2, C_INTERACTION, C_CIVILIAN,
    C_ISO, C_REGION, C_COUNTRY, C_ADMIN1, C_ADMIN2, C_ADMIN3, C_LOCATION, C_LAT, C_LON,
    C_GEO_PRECISION, C_SOURCE, C_SOURCE_SCALE, C_NOTES, C_FATALITIES, C_TAGS, C_TIMESTAMP
};

const char *bm_acled_column(int i)
{
    return i >= 0 && i < BM_ACLED_NCOLS ? columns[i] : NULL;
}

/* The note a year-precision event carries: ACLED's coarsest precision is the
 * month, so time_precision 3 would claim more than is known. */
#define YEAR_NOTE " [bordermap: date known to the year only; event_date is 1 January]"
#define TAG_PREFIX "bordermap:"

/* ---- Data tables --------------------------------------------------------- */

typedef struct type_row {
    char *sub, *event, *disorder;
    int type;   /* bordermap type index */
    int export; /* the row this type is written as */
} type_row;

typedef struct country_row {
    char *iso2, *iso, *iso3, *name, *region;
} country_row;

typedef struct inter_row {
    int code;
    char *name;
} inter_row;

typedef struct area {
    OGRGeometryH geom;
    OGREnvelope env;
    char *name, *country; /* admin-1 name (NULL for countries), ISO2 */
} area;

struct bm__acled {
    GArray *types;     /* type_row */
    GArray *countries; /* country_row */
    GArray *inters;    /* inter_row */
    GArray *admin1;    /* area */
    GArray *nations;   /* area */
    bm_actors *actors;
};

static void type_rows_free(GArray *a)
{
    for (guint i = 0; a && i < a->len; i++) {
        type_row *t = &g_array_index(a, type_row, i);
        free(t->sub);
        free(t->event);
        free(t->disorder);
    }
}

static void country_rows_free(GArray *a)
{
    for (guint i = 0; a && i < a->len; i++) {
        country_row *c = &g_array_index(a, country_row, i);
        free(c->iso2);
        free(c->iso);
        free(c->iso3);
        free(c->name);
        free(c->region);
    }
}

static void areas_free(GArray *a)
{
    for (guint i = 0; a && i < a->len; i++) {
        area *r = &g_array_index(a, area, i);
        OGR_G_DestroyGeometry(r->geom);
        free(r->name);
        free(r->country);
    }
}

static void array_free(GArray *a)
{
    if (a)
        g_array_free(a, TRUE);
}

void bm__acled_free(bm__acled *a)
{
    if (!a)
        return;
    type_rows_free(a->types);
    country_rows_free(a->countries);
    for (guint i = 0; a->inters && i < a->inters->len; i++)
        free(g_array_index(a->inters, inter_row, i).name);
    areas_free(a->admin1);
    areas_free(a->nations);
    array_free(a->types);
    array_free(a->countries);
    array_free(a->inters);
    array_free(a->admin1);
    array_free(a->nations);
    bm_actors_free(a->actors);
    free(a);
}

/* Reads one of the data tables under the data directory. */
static int load_tsv(bm__acled *a, const char *rel, int ncol, bm__tsv_row_fn fn, bm_error *err)
{
    char path[4096];
    int rc = bm_data_path(rel, path, sizeof path, err);
    return rc == BM_OK ? bm__tsv_rows(path, ncol, fn, a, err) : rc;
}

static int type_line(void *user, char **c)
{
    bm__acled *a = user;
    type_row t = {0};
    t.type = bm_type_index(c[3]);
    if (t.type < 0 || (strcmp(c[4], "yes") && strcmp(c[4], "no")))
        return BM_EPARSE;
    t.export = strcmp(c[4], "yes") == 0;
    t.sub = strdup(c[0]);
    t.event = strdup(c[1]);
    t.disorder = strdup(c[2]);
    g_array_append_val(a->types, t);
    return t.sub && t.event && t.disorder ? BM_OK : BM_ENOMEM;
}

static int country_line(void *user, char **c)
{
    bm__acled *a = user;
    country_row r = {strdup(c[0]), strdup(c[1]), strdup(c[2]), strdup(c[3]), strdup(c[4])};
    g_array_append_val(a->countries, r);
    return r.iso2 && r.iso && r.iso3 && r.name && r.region ? BM_OK : BM_ENOMEM;
}

static int inter_line(void *user, char **c)
{
    bm__acled *a = user;
    char *end;
    inter_row r = {(int)strtol(c[0], &end, 10), NULL};
    if (*end || r.code < 1 || r.code > 8)
        return BM_EPARSE;
    if (!(r.name = strdup(c[1])))
        return BM_ENOMEM;
    g_array_append_val(a->inters, r);
    return BM_OK;
}

/* Every bordermap type must have exactly one export row. */
static int check_types(const bm__acled *a, bm_error *err)
{
    for (int t = 0; t < BM_N_TYPES; t++) {
        int n = 0;
        for (guint i = 0; i < a->types->len; i++) {
            const type_row *r = &g_array_index(a->types, type_row, i);
            n += r->type == t && r->export;
        }
        if (n != 1)
            return bm_error_set(err, BM_EPARSE,
                                "gazetteer/acled/types.tsv: type %s has %d export rows, not 1",
                                bm_type_name(t), n);
    }
    return BM_OK;
}

/* ---- Basemap polygons ------------------------------------------------------ */

static int read_areas(OGRLayerH layer, const char *name_field, const char *country_field,
                      GArray *out)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    int fn = name_field ? OGR_FD_GetFieldIndex(defn, name_field) : -1;
    int fc = OGR_FD_GetFieldIndex(defn, country_field);
    if (fc < 0 || (name_field && fn < 0))
        return BM_EPARSE;
    OGRFeatureH f;
    OGR_L_ResetReading(layer);
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        area r = {0};
        r.geom = OGR_F_StealGeometry(f);
        if (r.geom) {
            OGR_G_GetEnvelope(r.geom, &r.env);
            r.country = strdup(OGR_F_GetFieldAsString(f, fc));
            r.name = fn >= 0 ? strdup(OGR_F_GetFieldAsString(f, fn)) : NULL;
            g_array_append_val(out, r);
        }
        OGR_F_Destroy(f);
    }
    return BM_OK;
}

static int load_basemap(bm__acled *a, bm_error *err)
{
    char path[4096];
    int rc = bm_data_path("maps/basemap.gpkg", path, sizeof path, err);
    if (rc != BM_OK)
        return rc;
    GDALAllRegister();
    const char *const drivers[] = {"GPKG", NULL};
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds)
        return bm_error_set(err, BM_EGDAL, "cannot open %s", path);
    OGRLayerH l1 = GDALDatasetGetLayerByName(ds, "admin1");
    OGRLayerH l0 = GDALDatasetGetLayerByName(ds, "countries");
    rc = l1 && l0 ? read_areas(l1, "name_en", "country", a->admin1) : BM_EPARSE;
    if (rc == BM_OK)
        rc = read_areas(l0, NULL, "iso_a2", a->nations);
    GDALClose(ds);
    return rc == BM_OK
               ? BM_OK
               : bm_error_set(err, rc, "%s: no admin1/countries layers with names", path);
}

int bm__acled_new(bm__acled **out, bm_error *err)
{
    *out = NULL;
    bm__acled *a = calloc(1, sizeof *a);
    if (!a)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    a->types = g_array_new(FALSE, TRUE, sizeof(type_row));
    a->countries = g_array_new(FALSE, TRUE, sizeof(country_row));
    a->inters = g_array_new(FALSE, TRUE, sizeof(inter_row));
    a->admin1 = g_array_new(FALSE, TRUE, sizeof(area));
    a->nations = g_array_new(FALSE, TRUE, sizeof(area));
    int rc = load_tsv(a, "gazetteer/acled/types.tsv", 5, type_line, err);
    if (rc == BM_OK)
        rc = check_types(a, err);
    if (rc == BM_OK)
        rc = load_tsv(a, "gazetteer/acled/countries.tsv", 5, country_line, err);
    if (rc == BM_OK)
        rc = load_tsv(a, "gazetteer/acled/inter.tsv", 2, inter_line, err);
    if (rc == BM_OK)
        rc = load_basemap(a, err);
    if (rc == BM_OK)
        rc = bm_actors_load(NULL, &a->actors, err);
    if (rc != BM_OK) {
        bm__acled_free(a);
        return rc;
    }
    *out = a;
    return BM_OK;
}

/* The area of `areas` holding the point, or NULL. */
static const area *area_at(const GArray *areas, bm_lonlat pt)
{
    OGRGeometryH p = OGR_G_CreateGeometry(wkbPoint);
    if (!p)
        return NULL;
    OGR_G_SetPoint_2D(p, 0, pt.lon, pt.lat);
    const area *hit = NULL;
    for (guint i = 0; !hit && i < areas->len; i++) {
        const area *r = &g_array_index(areas, area, i);
        if (pt.lon < r->env.MinX || pt.lon > r->env.MaxX || pt.lat < r->env.MinY ||
            pt.lat > r->env.MaxY)
            continue;
        if (OGR_G_Intersects(r->geom, p))
            hit = r;
    }
    OGR_G_DestroyGeometry(p);
    return hit;
}

static const country_row *country_of(const bm__acled *a, const char *iso2)
{
    for (guint i = 0; iso2 && i < a->countries->len; i++) {
        const country_row *c = &g_array_index(a->countries, country_row, i);
        if (strcmp(c->iso2, iso2) == 0)
            return c;
    }
    return NULL;
}

static const type_row *export_row(const bm__acled *a, const char *type)
{
    int t = bm_type_index(type);
    for (guint i = 0; i < a->types->len; i++) {
        const type_row *r = &g_array_index(a->types, type_row, i);
        if (r->type == t && r->export)
            return r;
    }
    return NULL;
}

/* ---- Export rows ------------------------------------------------------------ */

static int time_precision(bm_precision p)
{
    return p == BM_PREC_DAY ? 1 : p == BM_PREC_WEEK ? 2 : 3;
}

static char *interaction(int i1, int i2)
{
    if (!i1 && !i2)
        return g_strdup("");
    int lo = i1 && i2 ? (i1 < i2 ? i1 : i2) : (i1 ? i1 : i2);
    int hi = i1 && i2 ? (i1 < i2 ? i2 : i1) : 0;
    return g_strdup_printf("%d%d", lo, hi);
}

/* What ACLED's columns cannot say, so that import gives back the incident. */
static char *tags_of(const bm_incident *inc)
{
    GString *t = g_string_new(NULL);
    g_string_append_printf(t, TAG_PREFIX "type=%s; " TAG_PREFIX "date_precision=%s", inc->type,
                           bm_precision_name(inc->date_precision));
    bm_date canon = bm_date_span_end(inc->date_start, inc->date_precision);
    char d[11];
    if (bm_date_cmp(canon, inc->date_end) != 0)
        g_string_append_printf(t, "; " TAG_PREFIX "date_end=%s", bm_date_format(inc->date_end, d));
    if (inc->place_id[0])
        g_string_append_printf(t, "; " TAG_PREFIX "place=%s", inc->place_id);
    g_string_append_printf(t, "; " TAG_PREFIX "confidence=%.3f", inc->confidence);
    if (inc->fatalities < 0)
        g_string_append(t, "; " TAG_PREFIX "fatalities=unknown");
    return g_string_free(t, FALSE);
}

static char *dup_or_empty(const char *s)
{
    return g_strdup(s ? s : "");
}

int bm__acled_row(const bm__acled *a, const bm_incident *inc, const bm__acled_extra *x,
                  char **vals)
{
    const area *adm = area_at(a->admin1, inc->pt);
    const area *nat = adm ? NULL : area_at(a->nations, inc->pt);
    const char *iso2 = adm ? adm->country : nat ? nat->country : x->place_country;
    const country_row *c = country_of(a, iso2);
    const type_row *t = export_row(a, inc->type);
    int i1 = inc->inter1 ? inc->inter1 : bm_actors_inter(a->actors, inc->actor1);
    int i2 = inc->inter2 ? inc->inter2 : bm_actors_inter(a->actors, inc->actor2);
    char d[11];
    if (inc->external_id[0])
        vals[C_EVENT_ID] = g_strdup(inc->external_id);
    else
        vals[C_EVENT_ID] = g_strdup_printf("%sBM%lld", c ? c->iso3 : "XXX", (long long)inc->id);
    vals[C_EVENT_DATE] = g_strdup(bm_date_format(inc->date_start, d));
    vals[C_YEAR] = g_strdup_printf("%d", inc->date_start.year);
    vals[C_TIME_PRECISION] = g_strdup_printf("%d", time_precision(inc->date_precision));
    vals[C_DISORDER] = dup_or_empty(t ? t->disorder : NULL);
    vals[C_EVENT_TYPE] = dup_or_empty(t ? t->event : NULL);
    vals[C_SUB_EVENT] = dup_or_empty(t ? t->sub : NULL);
    vals[C_ACTOR1] = g_strdup(inc->actor1);
    vals[C_ASSOC1] = g_strdup("");
    vals[C_INTER1] = i1 ? g_strdup_printf("%d", i1) : g_strdup("0");
    vals[C_ACTOR2] = g_strdup(inc->actor2);
    vals[C_ASSOC2] = g_strdup("");
    vals[C_INTER2] = i2 ? g_strdup_printf("%d", i2) : g_strdup("0");
    vals[C_INTERACTION] = interaction(i1, i2);
    vals[C_CIVILIAN] = g_strdup(i2 == 7 ? "Civilian targeting" : "");
    vals[C_ISO] = dup_or_empty(c ? c->iso : NULL);
    vals[C_REGION] = dup_or_empty(c ? c->region : NULL);
    vals[C_COUNTRY] = dup_or_empty(c ? c->name : NULL);
    vals[C_ADMIN1] = dup_or_empty(adm ? adm->name : x->place_admin1);
    vals[C_ADMIN2] = g_strdup("");
    vals[C_ADMIN3] = g_strdup("");
    vals[C_LOCATION] = dup_or_empty(x->location);
    vals[C_LAT] = g_strdup_printf("%.4f", inc->pt.lat);
    vals[C_LON] = g_strdup_printf("%.4f", inc->pt.lon);
    vals[C_GEO_PRECISION] = g_strdup_printf("%d", inc->geo_precision);
    vals[C_SOURCE] = dup_or_empty(x->sources);
    vals[C_SOURCE_SCALE] = g_strdup("");
    vals[C_NOTES] = g_strdup_printf("%s%s", inc->summary,
                                    inc->date_precision == BM_PREC_YEAR ? YEAR_NOTE : "");
    vals[C_FATALITIES] = g_strdup_printf("%d", inc->fatalities > 0 ? inc->fatalities : 0);
    vals[C_TAGS] = tags_of(inc);
    vals[C_TIMESTAMP] = g_strdup_printf("%lld", (long long)x->timestamp);
    return BM_OK; /* g_strdup aborts rather than return NULL */
}

/* ---- Import: reading one row ------------------------------------------------- */

typedef struct reader {
    OGRFeatureH f;
    int idx[BM_ACLED_NCOLS]; /* field index of each ACLED column, -1 when absent */
    int64_t line;
} reader;

static const char *col(const reader *r, int c)
{
    if (r->idx[c] < 0 || !OGR_F_IsFieldSetAndNotNull(r->f, r->idx[c]))
        return "";
    return OGR_F_GetFieldAsString(r->f, r->idx[c]);
}

/* The value of bordermap tag `key` in an ACLED tags cell ("k=v; k=v"),
 * copied into buf; 0 when absent. */
static int tag(const char *tags, const char *key, char *buf, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof pat, TAG_PREFIX "%s=", key);
    for (const char *p = strstr(tags, pat); p; p = strstr(p + 1, pat)) {
        if (p != tags && p[-1] != ' ' && p[-1] != ';')
            continue;
        p += strlen(pat);
        size_t n = strcspn(p, ";");
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        snprintf(buf, size, "%.*s", (int)n, p);
        return 1;
    }
    return 0;
}

static int month_of(const char *name)
{
    static const char *const months[] = {"january", "february", "march",     "april",
                                         "may",     "june",     "july",      "august",
                                         "september", "october", "november", "december"};
    for (int i = 0; i < 12; i++)
        if (strncasecmp(name, months[i], 3) == 0 &&
            (strlen(name) == 3 || strcasecmp(name, months[i]) == 0))
            return i + 1;
    return 0;
}

/* ACLED writes event_date as 2024-03-07 (API) or "07 March 2024" (export
 * tool); both are read. */
static int parse_event_date(const char *s, bm_date *d)
{
    if (bm_date_parse_iso(s, d, NULL, NULL, NULL) == BM_OK && strlen(s) == 10)
        return BM_OK;
    int day = 0, year = 0;
    char mon[16] = "";
    char tail;
    char norm[64];
    snprintf(norm, sizeof norm, "%s", s);
    for (char *p = norm; *p; p++)
        if (*p == '-' || *p == '/')
            *p = ' ';
    if (sscanf(norm, "%d %15s %d %c", &day, mon, &year, &tail) != 3)
        return BM_EPARSE;
    *d = (bm_date){year, month_of(mon), day};
    return bm_date_valid(*d) ? BM_OK : BM_EPARSE;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    if (!*s)
        return BM_EPARSE;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end || !isfinite(*out) ? BM_EPARSE : BM_OK;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s)
        return BM_EPARSE;
    long v = strtol(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v < lo || v > hi)
        return BM_EPARSE;
    *out = v;
    return BM_OK;
}

/* ACLED's inter codes: a number 0-8 (older files) or its words (newer). */
static int parse_inter(const bm__acled *a, const char *s, int *out)
{
    long v;
    *out = 0;
    if (!*s || parse_int(s, 0, 8, &v) == BM_OK) {
        *out = *s ? (int)v : 0;
        return BM_OK;
    }
    for (guint i = 0; i < a->inters->len; i++) {
        const inter_row *r = &g_array_index(a->inters, inter_row, i);
        if (strcasecmp(s, r->name) == 0) {
            *out = r->code;
            return BM_OK;
        }
    }
    return BM_EPARSE;
}

static int type_from_sub_event(const bm__acled *a, const char *sub)
{
    for (guint i = 0; i < a->types->len; i++) {
        const type_row *r = &g_array_index(a->types, type_row, i);
        if (strcasecmp(r->sub, sub) == 0)
            return r->type;
    }
    return bm_type_index("other");
}

/* Copies at most size-1 bytes, cut on a UTF-8 character boundary. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

typedef struct row_error {
    const char *what;
} row_error;

static int bad(row_error *e, const char *what)
{
    e->what = what;
    return BM_EPARSE;
}

static int row_dates(const reader *r, const char *tags, bm_incident *inc, row_error *e)
{
    char buf[64];
    if (parse_event_date(col(r, C_EVENT_DATE), &inc->date_start) != BM_OK)
        return bad(e, "event_date is not a date");
    bm_precision p = BM_PREC_DAY;
    if (tag(tags, "date_precision", buf, sizeof buf)) {
        if (bm_precision_parse(buf, &p) != BM_OK || p == BM_PREC_NONE)
            return bad(e, "bad bordermap:date_precision tag");
    } else {
        long tp = 1;
        if (*col(r, C_TIME_PRECISION) && parse_int(col(r, C_TIME_PRECISION), 1, 3, &tp))
            return bad(e, "time_precision is not 1, 2 or 3");
        p = tp == 1 ? BM_PREC_DAY : tp == 2 ? BM_PREC_WEEK : BM_PREC_MONTH;
    }
    /* ACLED dates an imprecise event inside its span; ours start it. */
    if (p == BM_PREC_MONTH)
        inc->date_start.day = 1;
    else if (p == BM_PREC_YEAR)
        inc->date_start = (bm_date){inc->date_start.year, 1, 1};
    else if (p == BM_PREC_WEEK && !tag(tags, "date_precision", buf, sizeof buf))
        inc->date_start = bm_date_add_days(inc->date_start,
                                           -(int64_t)((bm_date_weekday(inc->date_start) + 1) % 7));
    inc->date_precision = p;
    inc->date_end = bm_date_span_end(inc->date_start, p);
    if (!bm_date_valid(inc->date_start) || !bm_date_valid(inc->date_end))
        return bad(e, "event_date is outside the years 1-9999");
    if (tag(tags, "date_end", buf, sizeof buf) &&
        (bm_date_parse_iso(buf, &inc->date_end, NULL, NULL, NULL) != BM_OK ||
         !bm_date_valid(inc->date_end)))
        return bad(e, "bad bordermap:date_end tag");
    if (bm_date_cmp(inc->date_end, inc->date_start) < 0)
        return bad(e, "the event ends before it starts");
    return BM_OK;
}

static int row_place(const reader *r, const char *tags, bm_incident *inc, row_error *e)
{
    long gp = 1;
    if (parse_double(col(r, C_LAT), &inc->pt.lat) || parse_double(col(r, C_LON), &inc->pt.lon))
        return bad(e, "latitude/longitude are not numbers");
    if (fabs(inc->pt.lat) > 90 || fabs(inc->pt.lon) > 180)
        return bad(e, "latitude/longitude are outside WGS84");
    if (*col(r, C_GEO_PRECISION) && parse_int(col(r, C_GEO_PRECISION), 1, 3, &gp))
        return bad(e, "geo_precision is not 1, 2 or 3");
    inc->geo_precision = (int)gp;
    char buf[64];
    if (tag(tags, "place", buf, sizeof buf))
        copy_utf8(inc->place_id, sizeof inc->place_id, buf);
    return BM_OK;
}

static int row_facts(const bm__acled *a, const reader *r, const char *tags, bm_incident *inc,
                     row_error *e)
{
    char buf[64];
    int t = tag(tags, "type", buf, sizeof buf) ? bm_type_index(buf)
                                                : type_from_sub_event(a, col(r, C_SUB_EVENT));
    if (t < 0)
        return bad(e, "bad bordermap:type tag");
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name(t));
    long fat = 0;
    if (*col(r, C_FATALITIES) && parse_int(col(r, C_FATALITIES), 0, 1000000, &fat))
        return bad(e, "fatalities is not a count");
    inc->fatalities = tag(tags, "fatalities", buf, sizeof buf) ? -1 : (int)fat;
    if (tag(tags, "confidence", buf, sizeof buf)) {
        if (parse_double(buf, &inc->confidence) || inc->confidence < 0 || inc->confidence > 1)
            return bad(e, "bad bordermap:confidence tag");
    }
    if (parse_inter(a, col(r, C_INTER1), &inc->inter1) ||
        parse_inter(a, col(r, C_INTER2), &inc->inter2))
        return bad(e, "inter1/inter2 is neither a code 0-8 nor an ACLED actor category");
    copy_utf8(inc->actor1, sizeof inc->actor1, col(r, C_ACTOR1));
    copy_utf8(inc->actor2, sizeof inc->actor2, col(r, C_ACTOR2));
    const char *notes = col(r, C_NOTES);
    size_t n = strlen(notes), k = strlen(YEAR_NOTE);
    char *summary = g_strndup(notes, n >= k && strcmp(notes + n - k, YEAR_NOTE) == 0 ? n - k : n);
    copy_utf8(inc->summary, sizeof inc->summary, summary);
    g_free(summary);
    copy_utf8(inc->external_id, sizeof inc->external_id, col(r, C_EVENT_ID));
    snprintf(inc->provenance, sizeof inc->provenance, "acled");
    snprintf(inc->reasons, sizeof inc->reasons, "imported from ACLED");
    return BM_OK;
}

static int read_row(const bm__acled *a, const reader *r, bm_incident *inc, row_error *e)
{
    bm_incident_init(inc);
    const char *tags = col(r, C_TAGS);
    int rc = row_dates(r, tags, inc, e);
    if (rc == BM_OK)
        rc = row_place(r, tags, inc, e);
    if (rc == BM_OK)
        rc = row_facts(a, r, tags, inc, e);
    return rc;
}

/* ---- Import: the file --------------------------------------------------------- */

typedef struct importer {
    bm_store *store;
    const bm__acled *a;
    const char *name;
    bm_acled_import_result res;
    bm_error *err;
} importer;

static int store_err(importer *im, int rc, const reader *r, const char *what)
{
    return bm_error_set(im->err, rc, "row %lld: %s: %s", (long long)r->line, what,
                        bm_store_errmsg(im->store));
}

/* The event's source: one article per event, named by ACLED's `source`. */
static int add_source(importer *im, const reader *r, const bm_incident *inc)
{
    gchar *key = g_strdup_printf("acled:%s:%s", inc->external_id, col(r, C_SOURCE));
    gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    g_free(key);
    bm_article art = {.file_name = im->name, .source = col(r, C_SOURCE)};
    snprintf(art.sha256, sizeof art.sha256, "%s", sum);
    g_free(sum);
    if (!*art.source)
        art.source = NULL;
    int rc = bm_store_article_find(im->store, art.sha256, &art.id);
    if (rc == BM_ENOTFOUND)
        rc = bm_store_article_add(im->store, &art);
    if (rc != BM_OK)
        return store_err(im, rc, r, "storing the source");
    bm_source src = {.incident_id = inc->id,
                     .article_id = art.id,
                     .byte_start = r->line,
                     .byte_end = r->line,
                     .sentence = inc->summary};
    rc = bm_store_source_add(im->store, &src);
    return rc == BM_OK ? BM_OK : store_err(im, rc, r, "storing the source");
}

static int import_row(importer *im, const reader *r)
{
    bm_incident inc;
    row_error e = {0};
    if (read_row(im->a, r, &inc, &e) != BM_OK)
        return bm_error_set(im->err, BM_EPARSE, "row %lld: %s", (long long)r->line, e.what);
    im->res.rows++;
    if (inc.external_id[0]) {
        int64_t id;
        int rc = bm_store_incident_find_external(im->store, "acled", inc.external_id, &id);
        if (rc == BM_OK) {
            im->res.skipped++;
            return BM_OK;
        }
        if (rc != BM_ENOTFOUND)
            return store_err(im, rc, r, "looking the event up");
    }
    bm_place p;
    if (inc.place_id[0] && bm_store_place_get(im->store, inc.place_id, &p) != BM_OK)
        inc.place_id[0] = '\0';
    int rc = bm_store_incident_add(im->store, &inc);
    if (rc != BM_OK)
        return store_err(im, rc, r, "storing the event");
    im->res.added++;
    return add_source(im, r, &inc);
}

static int map_columns(OGRLayerH layer, reader *r, bm_error *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    for (int c = 0; c < BM_ACLED_NCOLS; c++)
        r->idx[c] = OGR_FD_GetFieldIndex(defn, columns[c]);
    static const int required[] = {C_EVENT_DATE, C_LAT, C_LON};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (r->idx[required[i]] < 0)
            return bm_error_set(err, BM_EPARSE, "not an ACLED CSV: no %s column",
                                columns[required[i]]);
    if (r->idx[C_SUB_EVENT] < 0 && r->idx[C_TAGS] < 0)
        return bm_error_set(err, BM_EPARSE, "not an ACLED CSV: no sub_event_type column");
    return BM_OK;
}

static int import_layer(importer *im, OGRLayerH layer)
{
    reader r = {0};
    int rc = map_columns(layer, &r, im->err);
    OGR_L_ResetReading(layer);
    /* GDAL numbers CSV records from 1 after the header: row = fid + 1 counts
     * the header as row 1, as a spreadsheet does (a quoted field spanning
     * lines is still one row). */
    while (rc == BM_OK && (r.f = OGR_L_GetNextFeature(layer)) != NULL) {
        r.line = OGR_F_GetFID(r.f) + 1;
        rc = import_row(im, &r);
        OGR_F_Destroy(r.f);
    }
    return rc;
}

void bm_acled_import_opts_init(bm_acled_import_opts *o)
{
    memset(o, 0, sizeof *o);
}

static int open_csv(const char *path, GDALDatasetH *ds, bm_error *err)
{
    const char *const drivers[] = {"CSV", NULL};
    /* Strings stay strings (no type guessing), and an empty cell is "". */
    const char *const oo[] = {"AUTODETECT_TYPE=NO", "EMPTY_STRING_AS_NULL=NO",
                              "HEADERS=YES", NULL};
    char *forced = g_strdup_printf("CSV:%s", path);
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    *ds = GDALOpenEx(forced, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, oo, NULL);
    CPLPopErrorHandler();
    g_free(forced);
    if (*ds && GDALDatasetGetLayerCount(*ds) == 1)
        return BM_OK;
    if (*ds)
        GDALClose(*ds);
    *ds = NULL;
    const char *why = CPLGetLastErrorMsg();
    return bm_error_set(err, BM_EIO, "cannot read %s as CSV%s%s", path, *why ? ": " : "", why);
}

int bm__acled_import_with(bm_store *store, const bm__acled *a, const char *path,
                          const bm_acled_import_opts *o, bm_acled_import_result *res,
                          bm_error *err)
{
    bm_acled_import_opts defaults;
    bm_acled_import_opts_init(&defaults);
    o = o ? o : &defaults;
    if (res)
        memset(res, 0, sizeof *res);
    GDALAllRegister();
    GDALDatasetH ds = NULL;
    int rc = open_csv(path, &ds, err);
    if (rc != BM_OK)
        return rc;
    importer im = {.store = store, .a = a, .name = o->name ? o->name : path, .err = err};
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    rc = bm_store_begin(store);
    if (rc != BM_OK)
        rc = bm_error_set(err, rc, "%s", bm_store_errmsg(store));
    else
        rc = import_layer(&im, GDALDatasetGetLayer(ds, 0));
    if (rc == BM_OK && CPLGetLastErrorType() == CE_Failure)
        rc = bm_error_set(err, BM_EPARSE, "reading %s: %s", path, CPLGetLastErrorMsg());
    CPLPopErrorHandler();
    if (rc == BM_OK && !o->dry_run) {
        rc = bm_store_commit(store);
        if (rc != BM_OK)
            rc = bm_error_set(err, rc, "%s", bm_store_errmsg(store));
    } else {
        bm_store_rollback(store);
    }
    GDALClose(ds);
    if (rc == BM_OK && res)
        *res = im.res;
    return rc;
}

int bm_acled_import(bm_store *store, const char *path, const bm_acled_import_opts *o,
                    bm_acled_import_result *res, bm_error *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    bm__acled *a = NULL;
    int rc = bm__acled_new(&a, err);
    if (rc != BM_OK)
        return rc;
    rc = bm__acled_import_with(store, a, path, o, res, err);
    bm__acled_free(a);
    return rc;
}
