/* basemap.c: reads maps/basemap.gpkg (and the gazetteer's region polygons) once, clipped to
 * the map's extent, into projected in-memory features that the renderer draws many times.
 * The GeoPackage is read with SQLite (its small blob header here, the WKB after it by GEOS)
 * and the regions' GeoJSON with json-c and GEOS (basemap_geom.c), not through GDAL: loading
 * GDAL's hundred libraries was the largest part of a render with an empty basemap cache.
 * Must never touch the network or rebuild the basemap: maps/build-basemap.sh does that. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "basemap_geom_private.h"
#include "bordermap/fileio.h"
#include "render_private.h"

static void feature_free(bm__feature *f)
{
    free(f->xy);
    free(f->part_len);
}

static void layer_free(bm__layer *l)
{
    for (size_t i = 0; i < l->n; i++)
        feature_free(&l->f[i]);
    free(l->f);
    l->f = NULL;
    l->n = 0;
}

void bm__basemap_free(bm__basemap *bm)
{
    if (!bm)
        return;
    layer_free(&bm->countries);
    layer_free(&bm->admin1);
    layer_free(&bm->admin1_lines);
    layer_free(&bm->borders);
    layer_free(&bm->border_iq_sy);
    layer_free(&bm->rivers);
    layer_free(&bm->lakes);
    layer_free(&bm->locator);
    layer_free(&bm->world);
    layer_free(&bm->regions);
}

/* ---- One feature ---------------------------------------------------------------------- */

/* A feature as read from either source: its geometry (NULL when it has none) and its
 * attributes, "" when absent. */
typedef struct raw_feature {
    const bm__geom *geom;
    const char *code, *name_en, *name_ar;
    int has_level, level; /* rivers: the GSHHG level */
    const char *kind;     /* lakes: NULL when the layer has no kind */
} raw_feature;

typedef struct layer_spec {
    const char *name;
    const char *code_field; /* NULL when none */
    int polygons;           /* 1: compute a label anchor inside */
} layer_spec;

static void copy_str(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s ? s : "");
}

/* Where a geometry lies against the lon/lat box: 0 outside, 1 crossing its edge, 2 wholly
 * inside. GEOS only runs on the crossing ones: the intersection is the costly part of loading. */
static int box_relation(const double *e, const double *box)
{
    if (e[2] < box[0] || e[0] > box[2] || e[3] < box[1] || e[1] > box[3])
        return 0;
    return e[0] >= box[0] && e[2] <= box[2] && e[1] >= box[1] && e[3] <= box[3] ? 2 : 1;
}

static void project_bounds(const bm__proj *p, bm__feature *f)
{
    bm__proj_fwd(p, f->xy, (size_t)f->n_points);
    f->minx = f->miny = HUGE_VAL;
    f->maxx = f->maxy = -HUGE_VAL;
    for (int i = 0; i < f->n_points; i++) {
        double x = f->xy[2 * i], y = f->xy[2 * i + 1];
        if (x == HUGE_VAL)
            continue;
        f->minx = fmin(f->minx, x), f->maxx = fmax(f->maxx, x);
        f->miny = fmin(f->miny, y), f->maxy = fmax(f->maxy, y);
    }
}

/* One feature into f (n_points 0 when nothing of it is left): with a box, features outside
 * it skipped and features crossing its edge clipped to it, so that far vertices never
 * reach the projection (conic projections misbehave far from their centre). -1: out of
 * memory or a malformed geometry. */
static int load_feature(bm__geos *geos, const raw_feature *rf, const layer_spec *ls,
                        const double *box, const bm__proj *p, bm__feature *f)
{
    memset(f, 0, sizeof *f);
    if (!rf->geom)
        return 0;
    const bm__geom *g = rf->geom;
    bm__geom *cut = NULL;
    if (box) {
        double env[4];
        if (bm__geos_envelope(geos, g, env))
            return -1;
        int rel = box_relation(env, box);
        if (rel == 0)
            return 0;
        if (rel == 1 && (cut = bm__geos_clip(geos, g, box)))
            g = cut;
    }
    int rc = bm__geos_collect(geos, g, f);
    if (rc == 0) {
        copy_str(f->code, sizeof f->code, ls->code_field ? rf->code : NULL);
        copy_str(f->name_en, sizeof f->name_en, rf->name_en);
        copy_str(f->name_ar, sizeof f->name_ar, rf->name_ar);
        if (rf->has_level)
            f->level = rf->level;
        if (rf->kind)
            f->level = strcmp(rf->kind, "river") != 0;
        f->lx = f->ly = HUGE_VAL;
        double ll[2];
        if (ls->polygons && bm__geos_point_on_surface(geos, g, &ll[0], &ll[1]) == 0) {
            bm__proj_fwd(p, ll, 1);
            f->lx = ll[0], f->ly = ll[1];
        }
        project_bounds(p, f);
    }
    bm__geos_destroy(geos, cut);
    return rc;
}

/* Appends a loaded feature, or drops it when nothing of it is left. */
static int add_feature(bm__layer *out, size_t *cap, bm__geos *geos, const raw_feature *rf,
                       const layer_spec *ls, const double *box, const bm__proj *p, bm_error *err)
{
    if (out->n == *cap) {
        size_t ncap = *cap * 2 + 16;
        bm__feature *nf = realloc(out->f, ncap * sizeof *nf);
        if (!nf)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        out->f = nf, *cap = ncap;
    }
    bm__feature *f = &out->f[out->n];
    if (load_feature(geos, rf, ls, box, p, f)) {
        feature_free(f);
        return bm_error_set(err, BM_EPARSE, "basemap layer '%s': bad geometry",
                            ls->name ? ls->name : "regions");
    }
    if (f->n_points > 0)
        out->n++;
    else
        feature_free(f);
    return BM_OK;
}

/* ---- The GeoPackage --------------------------------------------------------------------- */

struct bm__basemap_src {
    sqlite3 *db;
    bm__geos *geos;
};

static int db_fail(sqlite3 *db, bm_error *err, const char *what)
{
    return bm_error_set(err, BM_EDB, "basemap %s: %s", what, db ? sqlite3_errmsg(db) : "?");
}

/* The WKB inside a GeoPackage geometry blob (after its header and envelope); NULL for an
 * empty geometry or a blob that is not one. */
static const unsigned char *gpkg_wkb(const unsigned char *b, size_t n, size_t *len)
{
    static const size_t env_size[8] = {0, 32, 48, 48, 64, 0, 0, 0};
    if (!b || n < 8 || b[0] != 'G' || b[1] != 'P')
        return NULL;
    int flags = b[3], env = (flags >> 1) & 7;
    if ((flags & 0x10) || (flags & 0x20) || env > 4 || n < 8 + env_size[env])
        return NULL; /* empty, or an extension's own encoding */
    *len = n - 8 - env_size[env];
    return b + 8 + env_size[env];
}

static int column_of(sqlite3_stmt *st, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (!strcasecmp(sqlite3_column_name(st, i), name))
            return i;
    return -1;
}

static const char *text_or_empty(sqlite3_stmt *st, int col)
{
    const unsigned char *t = col >= 0 ? sqlite3_column_text(st, col) : NULL;
    return t ? (const char *)t : "";
}

/* The layer's geometry column, from the GeoPackage's register of them. */
static int geometry_column(sqlite3 *db, const char *layer, char *buf, size_t size, bm_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "geometry columns");
    sqlite3_bind_text(st, 1, layer, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return BM_OK;
    return rc == SQLITE_DONE ? bm_error_set(err, BM_EGDAL, "basemap has no layer '%s'", layer)
                             : db_fail(db, err, layer);
}

/* Reads one layer in the table's order, the order OGR read it in. */
static int load_layer(bm__basemap_src *src, const layer_spec *ls, const double *box,
                      const bm__proj *p, bm__layer *out, bm_error *err)
{
    char gcol[256];
    int rc = geometry_column(src->db, ls->name, gcol, sizeof gcol, err);
    if (rc != BM_OK)
        return rc;
    char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", ls->name);
    sqlite3_stmt *st = NULL;
    if (!sql || sqlite3_prepare_v2(src->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_free(sql);
        return db_fail(src->db, err, ls->name);
    }
    sqlite3_free(sql);
    int cg = column_of(st, gcol), cc = column_of(st, ls->code_field);
    int cen = column_of(st, "name_en"), car = column_of(st, "name_ar");
    int clv = column_of(st, "level"), ckd = column_of(st, "kind");
    size_t cap = 0;
    int step;
    while (rc == BM_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        raw_feature rf = {0};
        size_t len = 0;
        const unsigned char *wkb =
            gpkg_wkb(sqlite3_column_blob(st, cg), (size_t)sqlite3_column_bytes(st, cg), &len);
        bm__geom *geom = wkb ? bm__geos_from_wkb(src->geos, wkb, len) : NULL;
        if (wkb && !geom) {
            rc = bm_error_set(err, BM_EPARSE, "basemap layer '%s': bad geometry", ls->name);
            break;
        }
        rf.geom = geom;
        rf.code = text_or_empty(st, cc);
        rf.name_en = text_or_empty(st, cen), rf.name_ar = text_or_empty(st, car);
        rf.has_level = clv >= 0, rf.level = clv >= 0 ? sqlite3_column_int(st, clv) : 0;
        rf.kind = ckd >= 0 ? text_or_empty(st, ckd) : NULL;
        rc = add_feature(out, &cap, src->geos, &rf, ls, box, p, err);
        bm__geos_destroy(src->geos, geom);
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(src->db, err, ls->name);
    sqlite3_finalize(st);
    return rc;
}

static int read_coverage(sqlite3 *db, double corridor[4], double locator[4], bm_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, west, south, east, north FROM coverage", -1, &st,
                           NULL) != SQLITE_OK) {
        int rc =
            bm_error_set(err, BM_EGDAL, "basemap has no coverage table (%s)", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return rc;
    }
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = text_or_empty(st, 0);
        double *dst = !strcmp(name, "corridor")  ? corridor
                      : !strcmp(name, "locator") ? locator
                                                 : NULL;
        if (!dst)
            continue;
        for (int i = 0; i < 4; i++)
            dst[i] = sqlite3_column_double(st, i + 1);
        found++;
    }
    sqlite3_finalize(st);
    return found == 2 ? BM_OK
                      : bm_error_set(err, BM_EPARSE, "basemap coverage lacks corridor/locator");
}

/* Opened with SQLite itself: a GeoPackage is an SQLite database of WKB blobs, and SQLite is
 * loaded already (GDAL, which brings a hundred libraries, is not needed to read one). */
int bm__basemap_open(const char *path, bm__basemap_src **out, double corridor[4], double locator[4],
                     bm_error *err)
{
    *out = NULL;
    bm__basemap_src *src = calloc(1, sizeof *src);
    if (!src)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    int rc = BM_OK;
    if (sqlite3_open_v2(path, &src->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = bm_error_set(err, BM_EGDAL, "%s: %s", path,
                          src->db ? sqlite3_errmsg(src->db) : "cannot open");
    if (rc == BM_OK && !(src->geos = bm__geos_new()))
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc == BM_OK)
        rc = read_coverage(src->db, corridor, locator, err);
    if (rc != BM_OK) {
        bm__basemap_close(src);
        return rc;
    }
    *out = src;
    return BM_OK;
}

void bm__basemap_close(bm__basemap_src *src)
{
    if (!src)
        return;
    sqlite3_close(src->db);
    bm__geos_free(src->geos);
    free(src);
}

int bm__basemap_read(bm__basemap_src *src, const double box[4], const bm__proj *p,
                     const bm__proj *locator, bm__basemap *bm, bm_error *err)
{
    static const layer_spec specs[] = {
        {"countries", "iso_a2", 1}, {"admin1", "iso_3166_2", 1}, {"admin1_lines", "country", 0},
        {"borders", NULL, 0},       {"border_iq_sy", NULL, 0},   {"rivers", NULL, 0},
        {"lakes", NULL, 1},         {"locator", "iso_a2", 1}};
    memset(bm, 0, sizeof *bm);
    int rc = read_coverage(src->db, bm->corridor, bm->locator_box, err);
    bm__layer *dst[] = {&bm->countries,    &bm->admin1, &bm->admin1_lines, &bm->borders,
                        &bm->border_iq_sy, &bm->rivers, &bm->lakes,        &bm->locator};
    for (size_t i = 0; rc == BM_OK && i < sizeof specs / sizeof specs[0]; i++) {
        int is_locator = dst[i] == &bm->locator;
        rc = load_layer(src, &specs[i], is_locator ? bm->locator_box : box,
                        is_locator ? locator : p, dst[i], err);
    }
    static const layer_spec world = {"locator", "iso_a2", 0};
    if (rc == BM_OK)
        rc = load_layer(src, &world, box, p, &bm->world, err);
    if (rc != BM_OK)
        bm__basemap_free(bm);
    return rc;
}

/* Even-odd ring test over all the parts: holes count as outside. */
static int inside(const bm__feature *f, double x, double y)
{
    int in = 0;
    const double *xy = f->xy;
    for (int p = 0; p < f->n_parts; p++) {
        int n = f->part_len[p];
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                in = !in;
        }
        xy += 2 * n;
    }
    return in;
}

int bm__feature_contains(const bm__feature *f, double x, double y)
{
    return x >= f->minx && x <= f->maxx && y >= f->miny && y <= f->maxy && inside(f, x, y);
}

long bm__layer_find(const bm__layer *l, double x, double y)
{
    for (size_t i = 0; i < l->n; i++) {
        const bm__feature *f = &l->f[i];
        if (x < f->minx || x > f->maxx || y < f->miny || y > f->maxy)
            continue;
        if (inside(f, x, y))
            return (long)i;
    }
    return -1;
}

/* Radial-distance thinning: keeps the first and last point of every part and any point at
 * least tol from the last kept one. Gaps (HUGE_VAL) are kept as they are. */
void bm__layer_simplify(bm__layer *l, double tol)
{
    double t2 = tol * tol;
    for (size_t i = 0; i < l->n; i++) {
        bm__feature *f = &l->f[i];
        const double *src = f->xy;
        double *dst = f->xy;
        int total = 0;
        for (int p = 0; p < f->n_parts; p++) {
            int n = f->part_len[p], kept = 0;
            double lx = HUGE_VAL, ly = HUGE_VAL;
            for (int k = 0; k < n; k++) {
                double x = src[2 * k], y = src[2 * k + 1];
                int keep = k == 0 || k == n - 1 || x == HUGE_VAL || lx == HUGE_VAL ||
                           (x - lx) * (x - lx) + (y - ly) * (y - ly) >= t2;
                if (!keep)
                    continue;
                dst[0] = x, dst[1] = y;
                dst += 2;
                lx = x, ly = y;
                kept++;
            }
            src += 2 * n;
            f->part_len[p] = kept;
            total += kept;
        }
        f->n_points = total;
    }
}

/* ---- The regions' GeoJSON --------------------------------------------------------------- */

static const char *prop_str(json_object *props, const char *key)
{
    json_object *v = NULL;
    if (!props || !json_object_object_get_ex(props, key, &v) || !v)
        return "";
    return json_object_get_string(v);
}

static int load_region(json_object *feat, bm__geos *geos, const bm__proj *p, bm__layer *out,
                       size_t *cap, bm_error *err)
{
    static const layer_spec spec = {NULL, "id", 1};
    json_object *props = NULL, *geom = NULL;
    json_object_object_get_ex(feat, "properties", &props);
    raw_feature rf = {0};
    rf.code = prop_str(props, "id");
    rf.name_en = prop_str(props, "name_en"), rf.name_ar = prop_str(props, "name_ar");
    bm__geom *g = NULL;
    if (json_object_object_get_ex(feat, "geometry", &geom) && geom) {
        /* json-c keeps a parsed number's text, so GEOS reads the file's own digits. */
        g = bm__geos_from_geojson(geos,
                                  json_object_to_json_string_ext(geom, JSON_C_TO_STRING_PLAIN));
        if (!g)
            return bm_error_set(err, BM_EPARSE, "regions: bad geometry");
    }
    rf.geom = g;
    int rc = add_feature(out, cap, geos, &rf, &spec, NULL, p, err);
    bm__geos_destroy(geos, g);
    return rc;
}

/* The properties with json-c, each geometry with GEOS's GeoJSON reader, rather than OGR's
 * GeoJSON driver: OGR alone costs a cold render the loading of GDAL. */
int bm__basemap_load_regions(const char *path, const bm__proj *p, bm__basemap *bm, bm_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = bm_read_file(path, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    json_object *root = json_tokener_parse(data);
    free(data);
    json_object *feats = NULL;
    if (!root || !json_object_object_get_ex(root, "features", &feats) ||
        !json_object_is_type(feats, json_type_array)) {
        json_object_put(root);
        return bm_error_set(err, BM_EPARSE, "%s: not a GeoJSON feature collection", path);
    }
    bm__geos *geos = bm__geos_new();
    rc = geos ? BM_OK : bm_error_set(err, BM_ENOMEM, "out of memory");
    size_t cap = 0;
    for (size_t i = 0; rc == BM_OK && i < json_object_array_length(feats); i++)
        rc = load_region(json_object_array_get_idx(feats, i), geos, p, &bm->regions, &cap, err);
    bm__geos_free(geos);
    json_object_put(root);
    return rc;
}
