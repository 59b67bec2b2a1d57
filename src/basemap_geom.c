/* basemap_geom.c: the basemap's geometries as WKB, the form both of its sources hold
 * (a GeoPackage blob after its header; the regions' GeoJSON converted on reading): their
 * envelope, their rings and lines copied into a feature, and the two GEOS operations the
 * basemap needs (the clip to the load box, the point on a surface for a label), called
 * directly rather than through OGR, whose library alone costs a cold render ~40 ms to load.
 * GEOS is the library OGR hands these operations to, fed the same WKB, so the results are
 * the same coordinates.
 * Must never trust a blob's counts: every read is bounded by the blob's end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GEOS_USE_ONLY_R_API /* no global GEOS state */
#include <geos_c.h>

#include "basemap_geom_private.h"

/* ---- Walking WKB ------------------------------------------------------------------------ */

typedef struct wkb_rd {
    const unsigned char *p, *end;
} wkb_rd;

/* What a walk calls for every linestring or ring (n points of dims doubles each, in the
 * blob's byte order, swap != 0 when it is not the host's) and every point (n == 1, line 0). */
typedef int (*wkb_visit)(void *ctx, const unsigned char *pts, uint32_t n, int dims, int swap,
                         int line);

static int host_le(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static int rd_u32(wkb_rd *r, int swap, uint32_t *v)
{
    if (r->end - r->p < 4)
        return -1;
    memcpy(v, r->p, 4);
    if (swap)
        *v = __builtin_bswap32(*v);
    r->p += 4;
    return 0;
}

double bm__wkb_dbl(const unsigned char *p, int swap)
{
    uint64_t u;
    memcpy(&u, p, 8);
    if (swap)
        u = __builtin_bswap64(u);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* A run of n points: bounded by the blob's end before anything reads it. */
static int points(wkb_rd *r, int dims, int swap, int line, wkb_visit visit, void *ctx)
{
    uint32_t n;
    if (rd_u32(r, swap, &n))
        return -1;
    size_t bytes = (size_t)n * (size_t)dims * 8;
    if ((size_t)(r->end - r->p) < bytes)
        return -1;
    const unsigned char *pts = r->p;
    r->p += bytes;
    return visit(ctx, pts, n, dims, swap, line);
}

static int walk(wkb_rd *r, int depth, wkb_visit visit, void *ctx)
{
    if (depth > 32 || r->p >= r->end)
        return -1;
    int swap = (*r->p == 1) != host_le();
    r->p++;
    uint32_t t;
    if (rd_u32(r, swap, &t))
        return -1;
    /* Extended WKB flags, then ISO's thousands: Z, M, ZM. */
    int dims = 2 + !!(t & 0x80000000u) + !!(t & 0x40000000u);
    if (t & 0x20000000u) {
        uint32_t srid;
        if (rd_u32(r, swap, &srid))
            return -1;
    }
    t &= 0x0fffffffu;
    if (t >= 1000 && t < 4000)
        dims = 2 + (t / 1000 == 1 || t / 1000 == 3) + (t / 1000 >= 2), t %= 1000;
    switch (t) {
    case 1: /* Point */
        if ((size_t)(r->end - r->p) < (size_t)dims * 8)
            return -1;
        r->p += (size_t)dims * 8;
        return visit(ctx, r->p - (size_t)dims * 8, 1, dims, swap, 0);
    case 2: /* LineString */ return points(r, dims, swap, 1, visit, ctx);
    case 3: { /* Polygon: its rings */
        uint32_t rings;
        if (rd_u32(r, swap, &rings))
            return -1;
        for (uint32_t i = 0; i < rings; i++)
            if (points(r, dims, swap, 1, visit, ctx))
                return -1;
        return 0;
    }
    case 4:
    case 5:
    case 6:
    case 7: { /* Multi* and collections: whole geometries each */
        uint32_t n;
        if (rd_u32(r, swap, &n))
            return -1;
        for (uint32_t i = 0; i < n; i++)
            if (walk(r, depth + 1, visit, ctx))
                return -1;
        return 0;
    }
    default: return -1;
    }
}

static int walk_all(const unsigned char *wkb, size_t len, wkb_visit visit, void *ctx)
{
    wkb_rd r = {wkb, wkb + len};
    return walk(&r, 0, visit, ctx);
}

/* ---- Envelope --------------------------------------------------------------------------- */

static int env_visit(void *ctx, const unsigned char *pts, uint32_t n, int dims, int swap, int line)
{
    double *e = ctx;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *q = pts + (size_t)i * (size_t)dims * 8;
        double x = bm__wkb_dbl(q, swap), y = bm__wkb_dbl(q + 8, swap);
        if (x < e[0])
            e[0] = x;
        if (y < e[1])
            e[1] = y;
        if (x > e[2])
            e[2] = x;
        if (y > e[3])
            e[3] = y;
    }
    return 0;
}

int bm__wkb_envelope(const unsigned char *wkb, size_t len, double env[4])
{
    env[0] = env[1] = HUGE_VAL;
    env[2] = env[3] = -HUGE_VAL;
    if (walk_all(wkb, len, env_visit, env))
        return -1;
    if (env[0] > env[2]) /* empty: OGR's envelope of an empty geometry is all zero */
        env[0] = env[1] = env[2] = env[3] = 0;
    return 0;
}

/* ---- Parts into a feature ----------------------------------------------------------------- */

typedef struct collect_ctx {
    bm__feature *f;
    size_t cap_pts, cap_parts;
} collect_ctx;

static int collect_visit(void *vctx, const unsigned char *pts, uint32_t n, int dims, int swap,
                         int line)
{
    collect_ctx *c = vctx;
    bm__feature *f = c->f;
    if (!line || n < 2)
        return 0;
    if (n > (uint32_t)(INT32_MAX / 2) - (uint32_t)f->n_points)
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
    double *dst = f->xy + 2 * (size_t)f->n_points;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *q = pts + (size_t)i * (size_t)dims * 8;
        dst[2 * i] = bm__wkb_dbl(q, swap);
        dst[2 * i + 1] = bm__wkb_dbl(q + 8, swap);
    }
    f->part_len[f->n_parts++] = (int)n;
    f->n_points += (int)n;
    return 0;
}

int bm__wkb_collect(const unsigned char *wkb, size_t len, bm__feature *f)
{
    collect_ctx c = {f, 0, 0};
    return walk_all(wkb, len, collect_visit, &c);
}

/* ---- GEOS ---------------------------------------------------------------------------------- */

struct bm__geos {
    GEOSContextHandle_t h;
};

bm__geos *bm__geos_new(void)
{
    bm__geos *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    /* A context of its own: no global state, and GEOS's messages stay unprinted (a failed
     * operation is reported by its result). */
    g->h = GEOS_init_r();
    if (!g->h) {
        free(g);
        return NULL;
    }
    return g;
}

void bm__geos_free(bm__geos *g)
{
    if (!g)
        return;
    GEOS_finish_r(g->h);
    free(g);
}

static GEOSGeometry *from_wkb(bm__geos *g, const unsigned char *wkb, size_t len)
{
    return GEOSGeomFromWKB_buf_r(g->h, wkb, len);
}

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

int bm__geos_clip(bm__geos *g, const unsigned char *wkb, size_t len, const double box[4],
                  unsigned char **out, size_t *out_len)
{
    *out = NULL, *out_len = 0;
    GEOSGeometry *a = from_wkb(g, wkb, len), *b = a ? box_polygon(g, box) : NULL;
    GEOSGeometry *cut = b ? GEOSIntersection_r(g->h, a, b) : NULL;
    unsigned char *buf = cut ? GEOSGeomToWKB_buf_r(g->h, cut, out_len) : NULL;
    if (buf) {
        /* GEOS's buffer goes back to GEOS: the caller frees with free(). */
        *out = malloc(*out_len ? *out_len : 1);
        if (*out)
            memcpy(*out, buf, *out_len);
        GEOSFree_r(g->h, buf);
    }
    if (cut)
        GEOSGeom_destroy_r(g->h, cut);
    if (b)
        GEOSGeom_destroy_r(g->h, b);
    if (a)
        GEOSGeom_destroy_r(g->h, a);
    return *out ? 0 : -1;
}

int bm__geos_point_on_surface(bm__geos *g, const unsigned char *wkb, size_t len, double *x,
                              double *y)
{
    GEOSGeometry *a = from_wkb(g, wkb, len);
    GEOSGeometry *pt = a ? GEOSPointOnSurface_r(g->h, a) : NULL;
    int ok = pt && GEOSGeomTypeId_r(g->h, pt) == GEOS_POINT && GEOSisEmpty_r(g->h, pt) == 0 &&
             GEOSGeomGetX_r(g->h, pt, x) == 1 && GEOSGeomGetY_r(g->h, pt, y) == 1;
    if (pt)
        GEOSGeom_destroy_r(g->h, pt);
    if (a)
        GEOSGeom_destroy_r(g->h, a);
    return ok ? 0 : -1;
}
