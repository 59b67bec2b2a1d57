/* basemap.c: reads maps/basemap.gpkg (and the gazetteer's region polygons) through OGR once,
 * clipped to the map's extent, into projected in-memory features that the renderer draws many
 * times.
 * Must never touch the network or rebuild the basemap: maps/build-basemap.sh does that. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

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

static int gdal_fail(bm_error *err, const char *what)
{
    const char *m = CPLGetLastErrorMsg();
    return bm_error_set(err, BM_EGDAL, "%s: %s", what, m && *m ? m : "GDAL error");
}

/* Collects the rings or lines of a geometry (any nesting) into the feature. */
static int collect(OGRGeometryH g, bm__feature *f, size_t *cap_pts, size_t *cap_parts)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    int sub = OGR_G_GetGeometryCount(g);
    if (t != wkbLineString && t != wkbLinearRing) {
        for (int i = 0; i < sub; i++)
            if (collect(OGR_G_GetGeometryRef(g, i), f, cap_pts, cap_parts))
                return -1;
        return 0;
    }
    int n = OGR_G_GetPointCount(g);
    if (n < 2)
        return 0;
    if ((size_t)(f->n_points + n) > *cap_pts) {
        size_t cap = (*cap_pts + (size_t)n) * 2;
        double *xy = realloc(f->xy, cap * 2 * sizeof *xy);
        if (!xy)
            return -1;
        f->xy = xy, *cap_pts = cap;
    }
    if ((size_t)f->n_parts + 1 > *cap_parts) {
        size_t cap = *cap_parts * 2 + 4;
        int *pl = realloc(f->part_len, cap * sizeof *pl);
        if (!pl)
            return -1;
        f->part_len = pl, *cap_parts = cap;
    }
    double *dst = f->xy + 2 * f->n_points;
    OGR_G_GetPoints(g, dst, 2 * sizeof(double), dst + 1, 2 * sizeof(double), NULL, 0);
    f->part_len[f->n_parts++] = n;
    f->n_points += n;
    return 0;
}

static void copy_field(OGRFeatureH of, const char *name, char *dst, size_t size)
{
    dst[0] = 0;
    int idx = OGR_F_GetFieldIndex(of, name);
    if (idx >= 0 && OGR_F_IsFieldSetAndNotNull(of, idx))
        snprintf(dst, size, "%s", OGR_F_GetFieldAsString(of, idx));
}

typedef struct layer_spec {
    const char *name;
    const char *code_field; /* NULL when none */
    int polygons;           /* 1: compute a label anchor inside */
} layer_spec;

static int load_feature(OGRFeatureH of, const layer_spec *ls, const bm__proj *p,
                        bm__feature *f)
{
    memset(f, 0, sizeof *f);
    OGRGeometryH g = OGR_F_GetGeometryRef(of);
    if (!g)
        return 0;
    size_t cap_pts = 0, cap_parts = 0;
    if (collect(g, f, &cap_pts, &cap_parts))
        return -1;
    if (ls->code_field)
        copy_field(of, ls->code_field, f->code, sizeof f->code);
    copy_field(of, "name_en", f->name_en, sizeof f->name_en);
    copy_field(of, "name_ar", f->name_ar, sizeof f->name_ar);
    int li = OGR_F_GetFieldIndex(of, "level");
    if (li >= 0)
        f->level = OGR_F_GetFieldAsInteger(of, li);
    int ki = OGR_F_GetFieldIndex(of, "kind");
    if (ki >= 0)
        f->level = strcmp(OGR_F_GetFieldAsString(of, ki), "river") != 0;
    f->lx = f->ly = HUGE_VAL;
    if (ls->polygons) {
        OGRGeometryH pt = OGR_G_PointOnSurface(g);
        if (pt && !OGR_G_IsEmpty(pt)) {
            double ll[2] = {OGR_G_GetX(pt, 0), OGR_G_GetY(pt, 0)};
            bm__proj_fwd(p, ll, 1);
            f->lx = ll[0], f->ly = ll[1];
        }
        if (pt)
            OGR_G_DestroyGeometry(pt);
    }
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
    return 0;
}

/* Where a geometry lies against the lon/lat box: 0 outside, 1 crossing its edge, 2 wholly
 * inside. GEOS only runs on the crossing ones: the intersection is the costly part of loading. */
static int box_relation(OGRGeometryH g, const double *box)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    if (e.MaxX < box[0] || e.MinX > box[2] || e.MaxY < box[1] || e.MinY > box[3])
        return 0;
    return e.MinX >= box[0] && e.MaxX <= box[2] && e.MinY >= box[1] && e.MaxY <= box[3] ? 2 : 1;
}

/* Reads one layer; with a box, only features intersecting it, clipped to it so that far
 * vertices never reach the projection (conic projections misbehave far from their centre). */
static int read_features(OGRLayerH l, const layer_spec *ls, const double *box,
                         const bm__proj *p, bm__layer *out, bm_error *err)
{
    OGRGeometryH clip = NULL;
    /* No OGR spatial filter: on a GeoPackage, setting one queries the index metadata each time
     * and cost more than reading the few hundred features and testing their envelopes. */
    if (box) {
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        OGR_G_AddPoint_2D(ring, box[0], box[1]);
        OGR_G_AddPoint_2D(ring, box[2], box[1]);
        OGR_G_AddPoint_2D(ring, box[2], box[3]);
        OGR_G_AddPoint_2D(ring, box[0], box[3]);
        OGR_G_AddPoint_2D(ring, box[0], box[1]);
        clip = OGR_G_CreateGeometry(wkbPolygon);
        OGR_G_AddGeometryDirectly(clip, ring);
    }
    size_t cap = 0;
    int rc = BM_OK;
    OGR_L_ResetReading(l);
    OGRFeatureH of;
    while ((of = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(of);
        int rel = clip && g ? box_relation(g, box) : 2;
        if (rel == 0) {
            OGR_F_Destroy(of);
            continue;
        }
        if (rel == 1) {
            OGRGeometryH cut = OGR_G_Intersection(g, clip);
            if (cut)
                OGR_F_SetGeometryDirectly(of, cut);
        }
        if (out->n == cap) {
            cap = cap * 2 + 16;
            bm__feature *nf = realloc(out->f, cap * sizeof *nf);
            if (!nf) {
                OGR_F_Destroy(of);
                rc = bm_error_set(err, BM_ENOMEM, "out of memory");
                break;
            }
            out->f = nf;
        }
        if (load_feature(of, ls, p, &out->f[out->n])) {
            feature_free(&out->f[out->n]);
            OGR_F_Destroy(of);
            rc = bm_error_set(err, BM_ENOMEM, "out of memory");
            break;
        }
        if (out->f[out->n].n_points > 0)
            out->n++;
        else
            feature_free(&out->f[out->n]);
        OGR_F_Destroy(of);
    }
    if (clip)
        OGR_G_DestroyGeometry(clip);
    return rc;
}

static int load_layer(GDALDatasetH ds, const layer_spec *ls, const double *box,
                      const bm__proj *p, bm__layer *out, bm_error *err)
{
    OGRLayerH l = GDALDatasetGetLayerByName(ds, ls->name);
    if (!l)
        return bm_error_set(err, BM_EGDAL, "basemap has no layer '%s'", ls->name);
    return read_features(l, ls, box, p, out, err);
}

static int read_coverage(GDALDatasetH ds, double corridor[4], double locator[4], bm_error *err)
{
    OGRLayerH l = GDALDatasetGetLayerByName(ds, "coverage");
    if (!l)
        return bm_error_set(err, BM_EGDAL, "basemap has no coverage table");
    int found = 0;
    OGR_L_ResetReading(l);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l))) {
        const char *name = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name"));
        double *dst = !strcmp(name, "corridor") ? corridor
                      : !strcmp(name, "locator") ? locator
                                                  : NULL;
        if (dst) {
            dst[0] = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "west"));
            dst[1] = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "south"));
            dst[2] = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "east"));
            dst[3] = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "north"));
            found++;
        }
        OGR_F_Destroy(f);
    }
    return found == 2 ? BM_OK
                      : bm_error_set(err, BM_EPARSE, "basemap coverage lacks corridor/locator");
}

static GDALDatasetH open_gpkg(const char *path, bm_error *err)
{
    GDALAllRegister();
    const char *drivers[] = {"GPKG", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    if (!ds)
        gdal_fail(err, path);
    return ds;
}

struct bm__basemap_src {
    GDALDatasetH ds;
};

int bm__basemap_open(const char *path, bm__basemap_src **out, double corridor[4],
                     double locator[4], bm_error *err)
{
    *out = NULL;
    bm__basemap_src *src = calloc(1, sizeof *src);
    if (!src)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    src->ds = open_gpkg(path, err);
    int rc = src->ds ? read_coverage(src->ds, corridor, locator, err) : BM_EGDAL;
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
    if (src->ds)
        GDALClose(src->ds);
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
    int rc = read_coverage(src->ds, bm->corridor, bm->locator_box, err);
    bm__layer *dst[] = {&bm->countries, &bm->admin1,  &bm->admin1_lines, &bm->borders,
                        &bm->border_iq_sy, &bm->rivers, &bm->lakes,      &bm->locator};
    for (size_t i = 0; rc == BM_OK && i < sizeof specs / sizeof specs[0]; i++) {
        int is_locator = dst[i] == &bm->locator;
        rc = load_layer(src->ds, &specs[i], is_locator ? bm->locator_box : box,
                        is_locator ? locator : p, dst[i], err);
    }
    static const layer_spec world = {"locator", "iso_a2", 0};
    if (rc == BM_OK)
        rc = load_layer(src->ds, &world, box, p, &bm->world, err);
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

int bm__basemap_load_regions(const char *path, const bm__proj *p, bm__basemap *bm,
                             bm_error *err)
{
    GDALAllRegister();
    const char *drivers[] = {"GeoJSON", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    if (!ds)
        return gdal_fail(err, path);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    int rc = l ? BM_OK : bm_error_set(err, BM_EGDAL, "%s: no layer", path);
    if (rc == BM_OK) {
        static const layer_spec spec = {NULL, "id", 1};
        rc = read_features(l, &spec, NULL, p, &bm->regions, err);
    }
    GDALClose(ds);
    return rc;
}