/* export_html.c: `bordermap export -o map.html`: one self-contained interactive web map. The
 * page template (web/map.html), the app (web/bordermap.js, web/bordermap.css), Leaflet and
 * supercluster (vendored by `npm ci` in web/) are inlined with one JSON block: the
 * style's types, the basemap read with OGR and simplified, the towns and crossings of the
 * gazetteer, the selected incidents (columns), their sources and the areas of imprecise ones.
 * Must never make the page reach the network, leave a half-written file under the target name,
 * or give a country-level incident a place on the map (the page lists them in a side panel). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <glib.h>
#include <ogr_api.h>

#include "bordermap/fileio.h"
#include "bordermap/render.h"
#include "export_html_private.h"
#include "render_private.h"

/* ---- Page parts: the template's {{NAME}} slots that come from files ------------------- */

typedef struct part_file {
    const char *name; /* the slot */
    const char *rel;  /* under the data directory */
    int vendored;     /* installed by npm: a missing file means npm ci has not run */
} part_file;

static const part_file part_files[] = {
    {"LEAFLET_CSS", "web/node_modules/leaflet/dist/leaflet.css", 1},
    {"LEAFLET_JS", "web/node_modules/leaflet/dist/leaflet.js", 1},
    {"CLUSTER_JS", "web/node_modules/supercluster/dist/supercluster.min.js", 1},
    /* The licences ask that their text travel with every copy: each page carries them. */
    {"LEAFLET_LICENSE", "web/node_modules/leaflet/LICENSE", 1},
    {"CLUSTER_LICENSE", "web/node_modules/supercluster/LICENSE", 1},
    {"KDBUSH_LICENSE", "web/node_modules/kdbush/LICENSE", 1},
    {"APP_CSS", "web/bordermap.css", 0},
    {"APP_JS", "web/bordermap.js", 0},
};
#define N_PARTS (sizeof part_files / sizeof part_files[0])

/* ---- What the page is built from ------------------------------------------------------ */

typedef struct html_place {
    char *id, *en, *ar, *kind, *country;
    int64_t pop;
    double lon, lat;
    int rank; /* maps/place-ranks.tsv; 9 when unlisted */
    int out;  /* index in the page's place table, -1 until an incident uses it */
} html_place;

typedef struct html_inc {
    int64_t id;
    int64_t d0, d1; /* days since 1970-01-01 */
    int dp, type, gp, fat;
    double lon, lat, conf;
    int place; /* index in the page's place table, or -1 */
    int area;  /* index in the page's areas, -1 for a point, -2 for country level */
    int src0, nsrc;
    char *summary; /* kept only for incidents without a source sentence */
} html_inc;

/* A polygon an imprecise incident may stand for: a gazetteer region or a governorate. */
typedef struct area_poly {
    char *code, *en, *ar;
    OGRGeometryH g; /* full resolution, for point-in-polygon */
    OGREnvelope env;
} area_poly;

typedef struct html_ctx {
    bm_store *store;
    const bm_export_opts *o;
    bm_error *err;
    bm__style st;
    char *parts[N_PARTS];
    char *tmpl;
    GHashTable *places; /* id -> html_place */
    GPtrArray *used;    /* html_place in page order */
    GArray *incs;       /* html_inc in date order */
    int64_t *by_id;     /* (id, index) pairs sorted by id, for the source scan */
    GString *src;       /* JSON array body of the sources */
    int n_src;
    area_poly *admin1, *regions;
    size_t n_admin1, n_regions;
    GHashTable *area_keys; /* key -> index + 1 */
    GString *areas;        /* JSON array body */
    int n_areas;
    GString *basemap; /* JSON object body */
    double corridor[4];
    GString *json; /* the whole data block */
} html_ctx;

/* ---- JSON through GLib strings ---------------------------------------------------------- */

static void json_str(GString *g, const char *s)
{
    if (!s) {
        g_string_append(g, "null");
        return;
    }
    char *valid = g_utf8_validate(s, -1, NULL) ? NULL : g_utf8_make_valid(s, -1);
    g_string_append_c(g, '"');
    for (const unsigned char *p = (const unsigned char *)(valid ? valid : s); *p; p++) {
        switch (*p) {
        case '"': g_string_append(g, "\\\""); break;
        case '\\': g_string_append(g, "\\\\"); break;
        case '\n': g_string_append(g, "\\n"); break;
        case '\r': g_string_append(g, "\\r"); break;
        case '\t': g_string_append(g, "\\t"); break;
        /* The JSON sits inside a <script> element, where "</script>" or "<!--" would end or
         * derail it. */
        case '<': g_string_append(g, "\\u003c"); break;
        default:
            if (*p < 0x20)
                g_string_append_printf(g, "\\u%04x", *p);
            else
                g_string_append_c(g, (char)*p);
        }
    }
    g_string_append_c(g, '"');
    g_free(valid);
}

/* A string and the comma that follows it in an array. */
static void json_item(GString *g, const char *s)
{
    json_str(g, s);
    g_string_append_c(g, ',');
}

/* "name": */
static void json_key(GString *g, const char *k)
{
    json_str(g, k);
    g_string_append_c(g, ':');
}

static void json_sep(GString *g, int first)
{
    if (!first)
        g_string_append_c(g, ',');
}

static void json_colour(GString *g, bm__rgba c)
{
    char buf[16];
    snprintf(buf, sizeof buf, "#%06X", (unsigned)bm__rgb24(c));
    json_str(g, buf);
}

/* Coordinates at 5 decimals (about a metre): more is noise in news-derived points. */
static void json_coord(GString *g, double v)
{
    g_string_append_printf(g, "%.5f", v);
}

/* ---- Files -------------------------------------------------------------------------- */

static int read_data_file(const char *rel, int vendored, char **out, bm_error *err)
{
    char path[4096];
    if (bm_data_path(rel, path, sizeof path, NULL) != BM_OK) {
        if (vendored)
            return bm_error_set(err, BM_ENOTFOUND,
                                "%s is missing: the web map embeds Leaflet from npm; run "
                                "scripts/install-deps.sh (or `npm ci` in web/) and rebuild",
                                rel);
        return bm_error_set(err, BM_ENOTFOUND, "%s not found in the data directory", rel);
    }
    size_t len = 0;
    return bm_read_file(path, out, &len, err);
}

static int load_parts(html_ctx *c)
{
    for (size_t i = 0; i < N_PARTS; i++) {
        int rc = read_data_file(part_files[i].rel, part_files[i].vendored, &c->parts[i], c->err);
        if (rc != BM_OK)
            return rc;
        /* A closing tag inside a library would end its <script> or <style> early. */
        if (strstr(c->parts[i], "</script") || strstr(c->parts[i], "</style"))
            return bm_error_set(c->err, BM_EPARSE, "%s holds a closing </script> or </style> "
                                "tag and cannot be inlined", part_files[i].rel);
    }
    return read_data_file("web/map.html", 0, &c->tmpl, c->err);
}

static int load_style(html_ctx *c)
{
    char path[4096];
    bm__style_defaults(&c->st);
    int rc = bm_data_path("maps/style.ini", path, sizeof path, c->err);
    return rc == BM_OK ? bm__style_load(path, &c->st, c->err) : rc;
}

/* ---- Places ------------------------------------------------------------------------- */

static void place_free(gpointer p)
{
    html_place *pl = p;
    g_free(pl->id);
    g_free(pl->en);
    g_free(pl->ar);
    g_free(pl->kind);
    g_free(pl->country);
    g_free(pl);
}

static int place_cb(const bm_place *p, void *user)
{
    html_ctx *c = user;
    html_place *pl = g_new0(html_place, 1);
    *pl = (html_place){g_strdup(p->id), g_strdup(p->name_en), g_strdup(p->name_ar),
                       g_strdup(p->kind), g_strdup(p->country), p->population, p->pt.lon,
                       p->pt.lat, 9, -1};
    g_hash_table_replace(c->places, pl->id, pl);
    return 0;
}

/* maps/place-ranks.tsv (id, rank): the towns the map names first. */
static void load_ranks(html_ctx *c)
{
    char path[4096];
    char *data = NULL;
    size_t len = 0;
    if (bm_data_path("maps/place-ranks.tsv", path, sizeof path, NULL) != BM_OK ||
        bm_read_file(path, &data, &len, NULL) != BM_OK)
        return;
    char **lines = g_strsplit(data, "\n", -1);
    for (char **l = lines; *l; l++) {
        char **f = (*l)[0] == '#' ? NULL : g_strsplit(*l, "\t", 3);
        html_place *pl = f && f[0] && f[1] ? g_hash_table_lookup(c->places, f[0]) : NULL;
        int rank = pl ? atoi(f[1]) : 0;
        if (pl && rank >= 1 && rank <= 3)
            pl->rank = rank;
        g_strfreev(f);
    }
    g_strfreev(lines);
    free(data);
}

static int place_out(html_ctx *c, html_place *pl)
{
    if (pl->out < 0) {
        pl->out = (int)c->used->len;
        g_ptr_array_add(c->used, pl);
    }
    return pl->out;
}

/* ---- Incidents ---------------------------------------------------------------------- */

static int inc_cb(const bm_incident *inc, void *user)
{
    html_ctx *c = user;
    html_place *pl = inc->place_id[0] ? g_hash_table_lookup(c->places, inc->place_id) : NULL;
    int type = bm_type_index(inc->type);
    html_inc h = {
        .id = inc->id,
        .d0 = bm_date_to_days(inc->date_start),
        .d1 = bm_date_to_days(inc->date_end),
        .dp = (int)inc->date_precision,
        .type = type < 0 ? bm_type_index("other") : type,
        .gp = inc->geo_precision,
        .fat = inc->fatalities,
        .lon = inc->pt.lon,
        .lat = inc->pt.lat,
        .conf = inc->confidence,
        .place = pl ? place_out(c, pl) : -1,
        .area = -1,
        .summary = inc->n_sources ? NULL : g_strdup(inc->summary),
    };
    g_array_append_val(c->incs, h);
    return 0;
}

static int cmp_pair(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void index_by_id(html_ctx *c)
{
    c->by_id = g_new(int64_t, 2 * (c->incs->len + 1));
    for (guint i = 0; i < c->incs->len; i++) {
        c->by_id[2 * i] = g_array_index(c->incs, html_inc, i).id;
        c->by_id[2 * i + 1] = i;
    }
    qsort(c->by_id, c->incs->len, 2 * sizeof(int64_t), cmp_pair);
}

static int source_cb(const bm_source *s, void *user)
{
    html_ctx *c = user;
    const int64_t *hit = bsearch(&s->incident_id, c->by_id, c->incs->len, 2 * sizeof(int64_t),
                                 cmp_pair);
    if (!hit)
        return 0;
    html_inc *h = &g_array_index(c->incs, html_inc, hit[1]);
    /* The store orders sources by incident, so each incident's run is contiguous. */
    if (h->nsrc++ == 0)
        h->src0 = c->n_src;
    json_sep(c->src, c->n_src++ == 0);
    g_string_append_c(c->src, '[');
    json_item(c->src, s->outlet);
    json_item(c->src, s->published);
    json_item(c->src, s->url);
    json_item(c->src, s->sentence);
    json_str(c->src, s->file_name);
    g_string_append_c(c->src, ']');
    return 0;
}

/* ---- Basemap ------------------------------------------------------------------------ */

typedef struct layer_spec {
    const char *name;
    double tolerance; /* degrees, for OGR_G_SimplifyPreserveTopology */
    const char *where;
    const char *fields[5];
} layer_spec;

/* About 300 m for the detailed layers: invisible up to zoom 9, and the page stays small.
 * The locator countries only fill the surroundings of the basemap box. */
static const layer_spec layer_specs[] = {
    {"locator", 0.02, NULL, {"iso_a2", NULL}},
    {"countries", 0.003, NULL, {"iso_a2", "name_en", "name_ar", NULL}},
    {"admin1", 0.003, NULL, {"iso_3166_2", "name_en", "name_ar", "country", NULL}},
    {"admin1_lines", 0.003, NULL, {NULL}},
    {"lakes", 0.002, NULL, {"name_en", "name_ar", NULL}},
    {"rivers", 0.002, "level <= 4 OR name_en IS NOT NULL", {"name_en", "name_ar", "level", NULL}},
    {"borders", 0.002, NULL, {NULL}},
    {"border_iq_sy", 0.001, NULL, {NULL}},
};

static int ogr_fail(html_ctx *c, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return bm_error_set(c->err, BM_EGDAL, "%s: %s", what, msg && *msg ? msg : "GDAL gave no reason");
}

/* Appends a geometry, simplified, as GeoJSON at 4 decimals (about 10 m). 0 when it
 * simplified away. */
static int append_geometry(GString *g, OGRGeometryH geom, double tolerance)
{
    OGRGeometryH s = OGR_G_SimplifyPreserveTopology(geom, tolerance);
    if (!s || OGR_G_IsEmpty(s)) {
        OGR_G_DestroyGeometry(s);
        return 0;
    }
    char *opts[] = {"COORDINATE_PRECISION=4", NULL};
    char *json = OGR_G_ExportToJsonEx(s, opts);
    OGR_G_DestroyGeometry(s);
    if (!json)
        return 0;
    g_string_append(g, json);
    CPLFree(json);
    return 1;
}

static void append_field(GString *g, OGRFeatureH f, const char *name)
{
    int i = OGR_F_GetFieldIndex(f, name);
    json_key(g, name);
    if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i))
        g_string_append(g, "null");
    else if (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i)) == OFTInteger)
        g_string_append_printf(g, "%d", OGR_F_GetFieldAsInteger(f, i));
    else
        json_str(g, OGR_F_GetFieldAsString(f, i));
}

static char *field_dup(OGRFeatureH f, const char *name)
{
    int i = OGR_F_GetFieldIndex(f, name);
    return g_strdup(i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsString(f, i)
                                                                : "");
}

/* Keeps a full-resolution copy of a polygon for the areas of imprecise incidents. */
static void keep_area(area_poly **arr, size_t *n, OGRFeatureH f, OGRGeometryH g, const char *code)
{
    *arr = g_renew(area_poly, *arr, *n + 1);
    area_poly *a = &(*arr)[(*n)++];
    a->code = field_dup(f, code);
    a->en = field_dup(f, "name_en");
    a->ar = field_dup(f, "name_ar");
    a->g = OGR_G_Clone(g);
    OGR_G_GetEnvelope(a->g, &a->env);
}

/* One layer as a GeoJSON FeatureCollection. Admin-1 feature i in the page is admin1[i] here:
 * areas refer to it by index. */
static int append_layer(html_ctx *c, OGRDataSourceH ds, const layer_spec *ls)
{
    OGRLayerH l = OGR_DS_GetLayerByName(ds, ls->name);
    if (!l)
        return bm_error_set(c->err, BM_EGDAL, "the basemap has no layer '%s'", ls->name);
    if (ls->where && OGR_L_SetAttributeFilter(l, ls->where) != OGRERR_NONE)
        return ogr_fail(c, ls->name);
    OGR_L_ResetReading(l);
    int is_admin1 = !strcmp(ls->name, "admin1"), n = 0;
    json_key(c->basemap, ls->name);
    g_string_append(c->basemap, "{\"type\":\"FeatureCollection\",\"features\":[");
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        gsize mark = c->basemap->len;
        json_sep(c->basemap, n == 0);
        g_string_append(c->basemap, "{\"type\":\"Feature\",\"properties\":{");
        for (int i = 0; ls->fields[i]; i++) {
            json_sep(c->basemap, i == 0);
            append_field(c->basemap, f, ls->fields[i]);
        }
        g_string_append(c->basemap, "},\"geometry\":");
        if (g && append_geometry(c->basemap, g, ls->tolerance)) {
            g_string_append_c(c->basemap, '}');
            if (is_admin1)
                keep_area(&c->admin1, &c->n_admin1, f, g, "iso_3166_2");
            n++;
        } else {
            g_string_truncate(c->basemap, mark);
        }
        OGR_F_Destroy(f);
    }
    g_string_append(c->basemap, "]},");
    return BM_OK;
}

static void read_corridor(html_ctx *c, OGRDataSourceH ds)
{
    /* The default view of the static maps, in case the coverage table lacks it. */
    const double fallback[4] = {35, 30.5, 46, 38.5};
    memcpy(c->corridor, fallback, sizeof c->corridor);
    OGRLayerH l = OGR_DS_GetLayerByName(ds, "coverage");
    OGRFeatureH f;
    while (l && (f = OGR_L_GetNextFeature(l))) {
        int i = OGR_F_GetFieldIndex(f, "name");
        if (i >= 0 && !strcmp(OGR_F_GetFieldAsString(f, i), "corridor")) {
            const char *k[4] = {"west", "south", "east", "north"};
            for (int j = 0; j < 4; j++)
                c->corridor[j] = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, k[j]));
        }
        OGR_F_Destroy(f);
    }
}

static int load_basemap(html_ctx *c)
{
    char path[4096];
    int rc = bm_data_path("maps/basemap.gpkg", path, sizeof path, c->err);
    if (rc != BM_OK)
        return rc;
    OGRDataSourceH ds = OGROpen(path, 0, NULL);
    if (!ds)
        return ogr_fail(c, path);
    for (size_t i = 0; rc == BM_OK && i < sizeof layer_specs / sizeof layer_specs[0]; i++)
        rc = append_layer(c, ds, &layer_specs[i]);
    read_corridor(c, ds);
    OGR_DS_Destroy(ds);
    return rc;
}

/* gazetteer/regions.geojson: the polygons of region-level places (the Syrian Badia...). */
static int load_regions(html_ctx *c)
{
    char path[4096];
    if (bm_data_path("gazetteer/regions.geojson", path, sizeof path, NULL) != BM_OK)
        return BM_OK; /* optional: governorates still give areas */
    OGRDataSourceH ds = OGROpen(path, 0, NULL);
    if (!ds)
        return ogr_fail(c, path);
    OGRLayerH l = OGR_DS_GetLayer(ds, 0);
    OGRFeatureH f;
    while (l && (f = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g)
            keep_area(&c->regions, &c->n_regions, f, g, "id");
        OGR_F_Destroy(f);
    }
    OGR_DS_Destroy(ds);
    return BM_OK;
}

static void areas_free(area_poly *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(a[i].code);
        g_free(a[i].en);
        g_free(a[i].ar);
        OGR_G_DestroyGeometry(a[i].g);
    }
    g_free(a);
}

/* ---- Areas of imprecise incidents (geo-precision 3) ------------------------------------ */

static long admin1_at(const html_ctx *c, double lon, double lat)
{
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, lon, lat);
    long hit = -1;
    for (size_t i = 0; hit < 0 && i < c->n_admin1; i++) {
        const OGREnvelope *e = &c->admin1[i].env;
        if (lon >= e->MinX && lon <= e->MaxX && lat >= e->MinY && lat <= e->MaxY &&
            OGR_G_Intersects(c->admin1[i].g, pt))
            hit = (long)i;
    }
    OGR_G_DestroyGeometry(pt);
    return hit;
}

/* The area's index in the page, added on first use under key. */
static int area_index(html_ctx *c, const char *key, int *is_new)
{
    gpointer v = g_hash_table_lookup(c->area_keys, key);
    *is_new = v == NULL;
    if (v)
        return GPOINTER_TO_INT(v) - 1;
    g_hash_table_insert(c->area_keys, g_strdup(key), GINT_TO_POINTER(c->n_areas + 1));
    json_sep(c->areas, c->n_areas == 0);
    return c->n_areas++;
}

/* Same rule as the static maps: a gazetteer region's own polygon, else the governorate that
 * holds the point, else a circle round the point; a country stands for no area at all. */
static int area_for(html_ctx *c, const html_inc *h)
{
    const html_place *pl = h->place >= 0 ? g_ptr_array_index(c->used, h->place) : NULL;
    if (pl && !strcmp(pl->kind, "country"))
        return -2;
    char key[160];
    int is_new;
    for (size_t i = 0; pl && i < c->n_regions; i++) {
        if (strcmp(c->regions[i].code, pl->id))
            continue;
        snprintf(key, sizeof key, "r:%zu", i);
        int a = area_index(c, key, &is_new);
        if (is_new) {
            g_string_append(c->areas, "{\"k\":\"r\",\"g\":");
            if (!append_geometry(c->areas, c->regions[i].g, 0.003))
                g_string_append(c->areas, "null");
            g_string_append(c->areas, "}");
        }
        return a;
    }
    long a1 = admin1_at(c, h->lon, h->lat);
    if (a1 >= 0)
        snprintf(key, sizeof key, "a:%ld", a1);
    else
        snprintf(key, sizeof key, "c:%.4f,%.4f", h->lon, h->lat);
    int a = area_index(c, key, &is_new);
    if (is_new && a1 >= 0)
        g_string_append_printf(c->areas, "{\"k\":\"a\",\"i\":%ld}", a1);
    else if (is_new)
        g_string_append_printf(c->areas, "{\"k\":\"c\",\"x\":%.5f,\"y\":%.5f}", h->lon, h->lat);
    return a;
}

static void assign_areas(html_ctx *c)
{
    for (guint i = 0; i < c->incs->len; i++) {
        html_inc *h = &g_array_index(c->incs, html_inc, i);
        if (h->gp >= 3)
            h->area = area_for(c, h);
    }
}

/* ---- The data block ----------------------------------------------------------------- */

static const char *lang_name(int lang)
{
    return lang == BM_LANG_AR ? "ar" : lang == BM_LANG_BOTH ? "both" : "en";
}

static void append_meta(html_ctx *c)
{
    GString *g = c->json;
    const bm_query *q = &c->o->query;
    char d[16];
    json_key(g, "meta");
    g_string_append_c(g, '{');
    json_key(g, "title");
    json_item(g, c->o->title ? c->o->title : c->st.title);
    json_key(g, "title_ar");
    json_str(g, c->o->title ? c->o->title : c->st.title_ar);
    g_string_append(g, ",\"lang\":");
    json_str(g, lang_name(c->o->lang));
    g_string_append(g, ",\"attribution\":");
    json_str(g, c->st.attribution);
    g_string_append(g, ",\"version\":");
    json_str(g, bm_version());
    g_string_append_printf(g, ",\"n\":%u", c->incs->len);
    g_string_append(g, ",\"from\":");
    json_str(g, q->has_from ? bm_date_format(q->from, d) : NULL);
    g_string_append(g, ",\"to\":");
    json_str(g, q->has_to ? bm_date_format(q->to, d) : NULL);
    g_string_append(g, ",\"bbox\":");
    if (q->has_bbox)
        g_string_append_printf(g, "[%g,%g,%g,%g]", q->west, q->south, q->east, q->north);
    else
        g_string_append(g, "null");
    g_string_append_printf(g, ",\"corridor\":[%g,%g,%g,%g]},", c->corridor[0], c->corridor[1],
                           c->corridor[2], c->corridor[3]);
}

static const char *const shape_names[] = {"circle",  "square",  "triangle", "triangle_down",
                                          "diamond", "star",    "pentagon", "hexagon",
                                          "plus",    "cross"};

static void append_style(html_ctx *c)
{
    GString *g = c->json;
    const bm__style *st = &c->st;
    json_key(g, "types");
    g_string_append_c(g, '[');
    for (int i = 0; i < BM_N_TYPES; i++) {
        json_sep(g, i == 0);
        g_string_append(g, "{\"key\":");
        json_str(g, bm_type_name(i));
        g_string_append(g, ",\"colour\":");
        json_colour(g, st->type_colour[i]);
        g_string_append(g, ",\"shape\":");
        json_str(g, shape_names[st->type_shape[i]]);
        g_string_append(g, ",\"en\":");
        json_str(g, st->type_label_en[i]);
        g_string_append(g, ",\"ar\":");
        json_str(g, st->type_label_ar[i]);
        g_string_append_c(g, '}');
    }
    g_string_append(g, "],\"style\":{");
    struct {
        const char *k;
        bm__rgba v;
    } cols[] = {{"water", st->water},           {"land", st->land},
                {"neighbour", st->neighbour},   {"iraq", st->iraq},
                {"syria", st->syria},           {"country_line", st->country_line},
                {"admin_line", st->admin_line}, {"border_iq_sy", st->border_iq_sy},
                {"river", st->river},           {"lake_line", st->lake_line},
                {"text", st->text},             {"text_muted", st->text_muted},
                {"country_text", st->country_text}, {"admin_text", st->admin_text},
                {"water_text", st->water_text}, {"crossing", st->crossing},
                {"town", st->town}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        json_key(g, cols[i].k);
        json_colour(g, cols[i].v);
        g_string_append_c(g, ',');
    }
    g_string_append_printf(g,
                           "\"border_iq_sy_width\":%g,\"border_width\":%g,\"admin_width\":%g,"
                           "\"river_major_width\":%g,\"river_minor_width\":%g,"
                           "\"symbol_size\":%g,\"symbol_max\":%g,\"size_by_fatalities\":%d},",
                           st->border_iq_sy_width, st->border_width, st->admin_width,
                           st->river_major_width, st->river_minor_width, st->symbol_size,
                           st->symbol_max, st->size_by_fatalities);
}

/* maps/months.tsv as it is: the page reads the English and Arabic month names from it. */
static int append_months(html_ctx *c)
{
    char path[4096], *data = NULL;
    size_t len = 0;
    int rc = bm_data_path("maps/months.tsv", path, sizeof path, c->err);
    if (rc == BM_OK)
        rc = bm_read_file(path, &data, &len, c->err);
    if (rc != BM_OK)
        return rc;
    json_key(c->json, "months_tsv");
    json_item(c->json, data);
    free(data);
    return BM_OK;
}

static void append_places(html_ctx *c)
{
    GString *g = c->json;
    g_string_append(g, "\"places\":[");
    for (guint i = 0; i < c->used->len; i++) {
        const html_place *pl = g_ptr_array_index(c->used, i);
        json_sep(g, i == 0);
        g_string_append_c(g, '[');
        json_item(g, pl->en);
        json_item(g, pl->ar);
        json_str(g, pl->kind);
        g_string_append_c(g, ']');
    }
    /* Towns worth a name and every crossing, from the gazetteer as stored. */
    g_string_append(g, "],\"towns\":[");
    GHashTableIter it;
    gpointer k, v;
    int n = 0;
    g_hash_table_iter_init(&it, c->places);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const html_place *pl = v;
        int town = !strcmp(pl->kind, "city") || !strcmp(pl->kind, "town");
        int crossing = !strcmp(pl->kind, "crossing");
        int iqsy = !strcmp(pl->country, "IQ") || !strcmp(pl->country, "SY");
        if (!crossing && !(town && (pl->rank <= 3 || (iqsy && pl->pop >= 20000))))
            continue;
        json_sep(g, n++ == 0);
        g_string_append_c(g, '[');
        json_coord(g, pl->lon);
        g_string_append_c(g, ',');
        json_coord(g, pl->lat);
        g_string_append_c(g, ',');
        json_item(g, pl->en);
        json_str(g, pl->ar);
        g_string_append_printf(g, ",%d,%lld,%d]", pl->rank, (long long)pl->pop, crossing);
    }
    g_string_append(g, "],");
}

/* Incidents as columns: ten thousand of them stay a few hundred kilobytes. */
static void append_incidents(html_ctx *c)
{
    static const char *const cols[] = {"id", "d0", "d1", "dp", "t",  "x",  "y",
                                       "gp", "p",  "c",  "f",  "a", "s0", "ns"};
    GString *g = c->json;
    g_string_append(g, "\"inc\":{");
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        json_sep(g, k == 0);
        json_key(g, cols[k]);
        g_string_append_c(g, '[');
        for (guint i = 0; i < c->incs->len; i++) {
            const html_inc *h = &g_array_index(c->incs, html_inc, i);
            json_sep(g, i == 0);
            switch (k) {
            case 0: g_string_append_printf(g, "%lld", (long long)h->id); break;
            case 1: g_string_append_printf(g, "%lld", (long long)h->d0); break;
            case 2: g_string_append_printf(g, "%lld", (long long)h->d1); break;
            case 3: g_string_append_printf(g, "%d", h->dp); break;
            case 4: g_string_append_printf(g, "%d", h->type); break;
            case 5: json_coord(g, h->lon); break;
            case 6: json_coord(g, h->lat); break;
            case 7: g_string_append_printf(g, "%d", h->gp); break;
            case 8: g_string_append_printf(g, "%d", h->place); break;
            case 9: g_string_append_printf(g, "%.2f", h->conf); break;
            case 10: g_string_append_printf(g, "%d", h->fat); break;
            case 11: g_string_append_printf(g, "%d", h->area); break;
            case 12: g_string_append_printf(g, "%d", h->src0); break;
            default: g_string_append_printf(g, "%d", h->nsrc); break;
            }
        }
        g_string_append_c(g, ']');
    }
    /* Summaries only where no source sentence can speak for the incident. */
    g_string_append(g, ",\"sum\":{");
    int n = 0;
    for (guint i = 0; i < c->incs->len; i++) {
        const html_inc *h = &g_array_index(c->incs, html_inc, i);
        if (!h->summary || !h->summary[0])
            continue;
        json_sep(g, n++ == 0);
        g_string_append_printf(g, "\"%u\":", i);
        json_str(g, h->summary);
    }
    g_string_append(g, "}},");
}

static int build_json(html_ctx *c)
{
    GString *g = c->json;
    g_string_append_c(g, '{');
    append_meta(c);
    append_style(c);
    int rc = append_months(c);
    if (rc != BM_OK)
        return rc;
    append_places(c);
    append_incidents(c);
    g_string_append(g, "\"src\":[");
    g_string_append_len(g, c->src->str, (gssize)c->src->len);
    g_string_append(g, "],\"areas\":[");
    g_string_append_len(g, c->areas->str, (gssize)c->areas->len);
    g_string_append(g, "],\"basemap\":{");
    g_string_append_len(g, c->basemap->str, (gssize)c->basemap->len);
    /* Every layer ends with a comma; the last needs none. */
    if (g->str[g->len - 1] == ',')
        g_string_truncate(g, g->len - 1);
    g_string_append(g, "}}");
    return BM_OK;
}

/* ---- The page ----------------------------------------------------------------------- */

static void put_html_text(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        default: g_string_append_c(out, *s);
        }
    }
}

/* A library as inlined: without its source-map comment, which names a file the page lacks. */
static void put_code(GString *out, const char *s)
{
    for (const char *line = s; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        if (strncmp(line, "//# sourceMappingURL=", 21) && strncmp(line, "/*# sourceMappingURL=", 21))
            g_string_append_len(out, line, (gssize)len);
        line += len;
    }
}

static int put_slot(html_ctx *c, GString *out, const char *name, size_t len)
{
    for (size_t i = 0; i < N_PARTS; i++)
        if (strlen(part_files[i].name) == len && !strncmp(part_files[i].name, name, len)) {
            put_code(out, c->parts[i]);
            return BM_OK;
        }
    int lang = c->o->lang;
    if (len == 4 && !strncmp(name, "DATA", 4))
        g_string_append_len(out, c->json->str, (gssize)c->json->len);
    else if (len == 5 && !strncmp(name, "TITLE", 5))
        put_html_text(out, c->o->title ? c->o->title
                           : lang == BM_LANG_AR ? c->st.title_ar : c->st.title);
    else if (len == 4 && !strncmp(name, "LANG", 4))
        g_string_append(out, lang == BM_LANG_AR ? "ar" : "en");
    else if (len == 3 && !strncmp(name, "DIR", 3))
        g_string_append(out, lang == BM_LANG_AR ? "rtl" : "ltr");
    else
        return bm_error_set(c->err, BM_EPARSE, "web/map.html: unknown slot {{%.*s}}", (int)len,
                            name);
    return BM_OK;
}

static int fill_template(html_ctx *c, GString *out)
{
    const char *p = c->tmpl;
    for (const char *open; (open = strstr(p, "{{"));) {
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return bm_error_set(c->err, BM_EPARSE, "web/map.html: unclosed {{");
        g_string_append_len(out, p, open - p);
        int rc = put_slot(c, out, open + 2, (size_t)(close - open - 2));
        if (rc != BM_OK)
            return rc;
        p = close + 2;
    }
    g_string_append(out, p);
    return BM_OK;
}

/* Writes the page to standard output (af NULL) or commits it to the atomic file. */
static int write_page(bm_atomic_file *af, const char *path, const GString *page, bm_error *err)
{
    if (!af) {
        if (fwrite(page->str, 1, page->len, stdout) != page->len || fflush(stdout) != 0)
            return bm_error_set(err, BM_EIO, "writing standard output failed");
        return BM_OK;
    }
    if (fwrite(page->str, 1, page->len, bm_atomic_fp(af)) != page->len) {
        bm_atomic_abort(af);
        return bm_error_set(err, BM_EIO, "%s: write failed", path);
    }
    return bm_atomic_commit(af, err);
}

/* ---- Entry -------------------------------------------------------------------------- */

static int collect(html_ctx *c)
{
    int rc = load_parts(c);
    if (rc == BM_OK)
        rc = load_style(c);
    if (rc == BM_OK && (rc = bm_store_places(c->store, place_cb, c)) != BM_OK)
        rc = bm_error_set(c->err, rc, "reading places: %s", bm_store_errmsg(c->store));
    if (rc != BM_OK)
        return rc;
    load_ranks(c);
    rc = bm_store_query(c->store, &c->o->query, inc_cb, c);
    if (rc != BM_OK)
        return bm_error_set(c->err, rc, "reading incidents: %s", bm_store_errmsg(c->store));
    index_by_id(c);
    rc = bm_store_sources(c->store, 0, source_cb, c);
    if (rc != BM_OK)
        return bm_error_set(c->err, rc, "reading sources: %s", bm_store_errmsg(c->store));
    OGRRegisterAll();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    rc = load_basemap(c);
    if (rc == BM_OK)
        rc = load_regions(c);
    CPLPopErrorHandler();
    if (rc == BM_OK)
        assign_areas(c);
    return rc;
}

static void ctx_free(html_ctx *c)
{
    for (size_t i = 0; i < N_PARTS; i++)
        free(c->parts[i]);
    free(c->tmpl);
    for (guint i = 0; c->incs && i < c->incs->len; i++)
        g_free(g_array_index(c->incs, html_inc, i).summary);
    if (c->incs)
        g_array_free(c->incs, TRUE);
    if (c->used)
        g_ptr_array_free(c->used, TRUE);
    if (c->places)
        g_hash_table_destroy(c->places);
    if (c->area_keys)
        g_hash_table_destroy(c->area_keys);
    g_free(c->by_id);
    areas_free(c->admin1, c->n_admin1);
    areas_free(c->regions, c->n_regions);
    for (GString **s = (GString *[]){c->src, c->areas, c->basemap, c->json, NULL}; *s; s++)
        g_string_free(*s, TRUE);
}

int bm__export_html(bm_store *store, const char *path, const bm_export_opts *o,
                    int64_t *n_written, bm_error *err)
{
    if (o->layer != BM_EXPORT_INCIDENTS)
        return bm_error_set(err, BM_EINVAL, "the HTML map shows incidents only (no --layer %s)",
                            bm_export_layer_name(o->layer));
    /* The target is claimed first: an existing file without overwrite fails before the work. */
    bm_atomic_file *af = NULL;
    if (strcmp(path, "-") != 0) {
        int rc = bm_atomic_open(path, o->overwrite, &af, err);
        if (rc != BM_OK)
            return rc;
    }
    html_ctx c = {.store = store, .o = o, .err = err};
    c.places = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, place_free);
    c.used = g_ptr_array_new();
    c.incs = g_array_new(FALSE, TRUE, sizeof(html_inc));
    c.area_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c.src = g_string_new(NULL);
    c.areas = g_string_new(NULL);
    c.basemap = g_string_new(NULL);
    c.json = g_string_new(NULL);
    int rc = collect(&c);
    GString *page = NULL;
    if (rc == BM_OK)
        rc = build_json(&c);
    if (rc == BM_OK) {
        page = g_string_sized_new(c.json->len + (1 << 20));
        rc = fill_template(&c, page);
    }
    if (rc == BM_OK)
        rc = write_page(af, path, page, err);
    else
        bm_atomic_abort(af);
    if (rc == BM_OK && n_written)
        *n_written = (int64_t)c.incs->len;
    if (page)
        g_string_free(page, TRUE);
    ctx_free(&c);
    return rc;
}
