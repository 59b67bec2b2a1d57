/* basemap_geom.c: the basemap's geometries through GEOS, called directly rather than through
 * OGR, whose library alone costs a cold render ~40 ms to load: GEOS reads them (WKB from the
 * GeoPackage, GeoJSON from the regions file), gives their envelope and their rings and lines,
 * clips them to the load box and finds a point on a surface for a label. These are the GEOS
 * operations OGR handed them to, on the same coordinates, so the results are the same.
 * Must never keep global GEOS state: every call goes through a context of its own. */
#define GEOS_USE_ONLY_R_API /* no global GEOS state */
#include <geos_c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basemap_geom_private.h"

struct bm__geos {
    GEOSContextHandle_t h;
    GEOSWKBReader *wkb;
    GEOSGeoJSONReader *json;
};

bm__geos *bm__geos_new(void)
{
    bm__geos *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    /* A context of its own: GEOS's messages stay unprinted (a failed operation is reported
     * by its result). */
    g->h = GEOS_init_r();
    if (g->h) {
        g->wkb = GEOSWKBReader_create_r(g->h);
        g->json = GEOSGeoJSONReader_create_r(g->h);
    }
    if (!g->h || !g->wkb || !g->json) {
        bm__geos_free(g);
        return NULL;
    }
    return g;
}

void bm__geos_free(bm__geos *g)
{
    if (!g)
        return;
    if (g->wkb)
        GEOSWKBReader_destroy_r(g->h, g->wkb);
    if (g->json)
        GEOSGeoJSONReader_destroy_r(g->h, g->json);
    if (g->h)
        GEOS_finish_r(g->h);
    free(g);
}

bm__geom *bm__geos_from_wkb(bm__geos *g, const unsigned char *wkb, size_t len)
{
    return GEOSWKBReader_read_r(g->h, g->wkb, wkb, len);
}

bm__geom *bm__geos_from_geojson(bm__geos *g, const char *json)
{
    return GEOSGeoJSONReader_readGeometry_r(g->h, g->json, json);
}

void bm__geos_destroy(bm__geos *g, bm__geom *geom)
{
    if (geom)
        GEOSGeom_destroy_r(g->h, geom);
}

int bm__geos_envelope(bm__geos *g, const bm__geom *geom, double env[4])
{
    env[0] = env[1] = env[2] = env[3] = 0; /* OGR's envelope of an empty geometry */
    int empty = GEOSisEmpty_r(g->h, geom);
    if (empty == 2)
        return -1;
    if (empty)
        return 0;
    return GEOSGeom_getXMin_r(g->h, geom, &env[0]) == 1 &&
                   GEOSGeom_getYMin_r(g->h, geom, &env[1]) == 1 &&
                   GEOSGeom_getXMax_r(g->h, geom, &env[2]) == 1 &&
                   GEOSGeom_getYMax_r(g->h, geom, &env[3]) == 1
               ? 0
               : -1;
}

/* ---- Rings and lines into a feature ------------------------------------------------------ */

typedef struct collect_ctx {
    bm__geos *g;
    bm__feature *f;
    size_t cap_pts, cap_parts;
} collect_ctx;

/* One linestring or ring of two points or more as a part. */
static int add_line(collect_ctx *c, const GEOSGeometry *line)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(c->g->h, line);
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(c->g->h, cs, &n))
        return -1;
    bm__feature *f = c->f;
    if (n < 2)
        return 0;
    if (n > (unsigned)(INT32_MAX / 2) - (unsigned)f->n_points)
        return -1;
    if ((size_t)f->n_points + n > c->cap_pts) {
        size_t cap = (c->cap_pts + n) * 2;
        double *xy = realloc(f->xy, cap * 2 * sizeof *xy);
        if (!xy)
            return -1;
        f->xy = xy, c->cap_pts = cap;
    }
    if ((size_t)f->n_parts + 1 > c->cap_parts) {
        size_t cap = c->cap_parts * 2 + 4;
        int *pl = realloc(f->part_len, cap * sizeof *pl);
        if (!pl)
            return -1;
        f->part_len = pl, c->cap_parts = cap;
    }
    if (!GEOSCoordSeq_copyToBuffer_r(c->g->h, cs, f->xy + 2 * (size_t)f->n_points, 0, 0))
        return -1;
    f->part_len[f->n_parts++] = (int)n;
    f->n_points += (int)n;
    return 0;
}

/* In OGR's order: a polygon's exterior ring then its holes, a collection's members in
 * turn; points give no part. */
static int collect(collect_ctx *c, const GEOSGeometry *geom, int depth)
{
    if (depth > 32)
        return -1;
    switch (GEOSGeomTypeId_r(c->g->h, geom)) {
    case GEOS_POINT: return 0;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: return add_line(c, geom);
    case GEOS_POLYGON: {
        const GEOSGeometry *ext = GEOSGetExteriorRing_r(c->g->h, geom);
        int holes = GEOSGetNumInteriorRings_r(c->g->h, geom);
        if (!ext || holes < 0 || add_line(c, ext))
            return -1;
        for (int i = 0; i < holes; i++) {
            const GEOSGeometry *ring = GEOSGetInteriorRingN_r(c->g->h, geom, i);
            if (!ring || add_line(c, ring))
                return -1;
        }
        return 0;
    }
    case GEOS_MULTIPOINT:
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON:
    case GEOS_GEOMETRYCOLLECTION: {
        int n = GEOSGetNumGeometries_r(c->g->h, geom);
        if (n < 0)
            return -1;
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *sub = GEOSGetGeometryN_r(c->g->h, geom, i);
            if (!sub || collect(c, sub, depth + 1))
                return -1;
        }
        return 0;
    }
    default: return -1;
    }
}

int bm__geos_collect(bm__geos *g, const bm__geom *geom, bm__feature *f)
{
    collect_ctx c = {g, f, 0, 0};
    /* An empty polygon has no exterior ring to ask for. */
    if (GEOSisEmpty_r(g->h, geom) == 1)
        return 0;
    return collect(&c, geom, 0);
}

/* ---- Clip and label point ------------------------------------------------------------------ */

/* The box as OGR built it for the clip: the ring from the south-west corner eastwards. */
static GEOSGeometry *box_polygon(bm__geos *g, const double box[4])
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, 5, 2);
    if (!cs)
        return NULL;
    const double xs[5] = {box[0], box[2], box[2], box[0], box[0]};
    const double ys[5] = {box[1], box[1], box[3], box[3], box[1]};
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(g->h, cs, i, xs[i], ys[i]);
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(g->h, cs);
    return ring ? GEOSGeom_createPolygon_r(g->h, ring, NULL, 0) : NULL;
}

bm__geom *bm__geos_clip(bm__geos *g, const bm__geom *geom, const double box[4])
{
    GEOSGeometry *b = box_polygon(g, box);
    GEOSGeometry *cut = b ? GEOSIntersection_r(g->h, geom, b) : NULL;
    if (b)
        GEOSGeom_destroy_r(g->h, b);
    return cut;
}

int bm__geos_point_on_surface(bm__geos *g, const bm__geom *geom, double *x, double *y)
{
    GEOSGeometry *pt = GEOSPointOnSurface_r(g->h, geom);
    int ok = pt && GEOSGeomTypeId_r(g->h, pt) == GEOS_POINT && GEOSisEmpty_r(g->h, pt) == 0 &&
             GEOSGeomGetX_r(g->h, pt, x) == 1 && GEOSGeomGetY_r(g->h, pt, y) == 1;
    if (pt)
        GEOSGeom_destroy_r(g->h, pt);
    return ok ? 0 : -1;
}
