/* test_basemap_geom.c: the basemap's WKB reading and GEOS calls (basemap_geom.c).
 * Hand-made blobs: either byte order, ISO and extended Z, SRID, polygons with holes,
 * collections with points, and every truncation of a blob refused without reading past it.
 * Then every feature of maps/basemap.gpkg against OGR, which read the basemap before: the
 * same envelope, the same parts point for point, the same label point and the same clip to
 * a box, exactly (the renderer's cache entries and pictures depend on them). */
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

#include "basemap_geom_private.h"
#include "bm_test.h"

/* ---- Hand-made WKB ---------------------------------------------------------------------- */

typedef struct buf {
    unsigned char b[512];
    size_t n;
    int be; /* write big-endian */
} buf;

static void put_u32(buf *w, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w->b[w->n++] = (unsigned char)(w->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put_dbl(buf *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        w->b[w->n++] = (unsigned char)(w->be ? u >> (56 - 8 * i) : u >> (8 * i));
}

static void put_head(buf *w, uint32_t type)
{
    w->b[w->n++] = w->be ? 0 : 1;
    put_u32(w, type);
}

/* A linestring of n points (x = i, y = 10 + i), dims doubles each (the third is 99). */
static void put_line(buf *w, uint32_t type, int n, int dims)
{
    put_head(w, type);
    put_u32(w, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        put_dbl(w, i);
        put_dbl(w, 10 + i);
        for (int d = 2; d < dims; d++)
            put_dbl(w, 99);
    }
}

static void check_line(const buf *w, int n)
{
    bm__feature f = {0};
    BM_ASSERT_EQ_INT(bm__wkb_collect(w->b, w->n, &f), 0);
    BM_ASSERT_EQ_INT(f.n_parts, 1);
    BM_ASSERT_EQ_INT(f.n_points, n);
    for (int i = 0; i < f.n_points; i++) {
        BM_ASSERT_NEAR(f.xy[2 * i], i, 0);
        BM_ASSERT_NEAR(f.xy[2 * i + 1], 10 + i, 0);
    }
    double e[4];
    BM_ASSERT_EQ_INT(bm__wkb_envelope(w->b, w->n, e), 0);
    BM_ASSERT_NEAR(e[0], 0, 0);
    BM_ASSERT_NEAR(e[1], 10, 0);
    BM_ASSERT_NEAR(e[2], n - 1, 0);
    BM_ASSERT_NEAR(e[3], 10 + n - 1, 0);
    free(f.xy);
    free(f.part_len);
}

/* Every prefix of a valid blob is refused, and nothing past it is read (ASan would say). */
static void check_truncations(const buf *w)
{
    for (size_t k = 0; k < w->n; k++) {
        unsigned char *cut = malloc(k ? k : 1);
        memcpy(cut, w->b, k);
        bm__feature f = {0};
        double e[4];
        BM_ASSERT(bm__wkb_envelope(cut, k, e) == -1);
        BM_ASSERT(bm__wkb_collect(cut, k, &f) == -1);
        free(f.xy);
        free(f.part_len);
        free(cut);
    }
}

static void test_byte_orders_and_dims(void)
{
    buf w = {.n = 0};
    put_line(&w, 2, 4, 2);
    check_line(&w, 4);
    check_truncations(&w);
    buf be = {.be = 1};
    put_line(&be, 2, 4, 2);
    check_line(&be, 4);
    buf z = {.n = 0};
    put_line(&z, 1002, 3, 3); /* ISO LineString Z */
    check_line(&z, 3);
    buf zm = {.be = 1};
    put_line(&zm, 3002, 3, 4); /* ISO LineString ZM */
    check_line(&zm, 3);
    buf ewkb = {.n = 0}; /* extended: Z flag, SRID flag, then the SRID */
    ewkb.b[ewkb.n++] = 1;
    put_u32(&ewkb, 0x80000000u | 0x20000000u | 2);
    put_u32(&ewkb, 4326);
    put_u32(&ewkb, 2);
    for (int i = 0; i < 2; i++)
        put_dbl(&ewkb, i), put_dbl(&ewkb, 10 + i), put_dbl(&ewkb, 5);
    check_line(&ewkb, 2);
    check_truncations(&ewkb);
}

static void test_nesting(void)
{
    /* A collection of a point, a one-point line (no part) and a polygon of two rings. */
    buf w = {.n = 0};
    put_head(&w, 7);
    put_u32(&w, 3);
    put_head(&w, 1);
    put_dbl(&w, -5), put_dbl(&w, 50);
    put_line(&w, 2, 1, 2);
    put_head(&w, 3);
    put_u32(&w, 2);
    for (int r = 0; r < 2; r++) {
        put_u32(&w, 4);
        double c[4][2] = {{0, 0}, {4, 0}, {0, 4}, {0, 0}};
        for (int i = 0; i < 4; i++)
            put_dbl(&w, c[i][0] / (r + 1) + r), put_dbl(&w, c[i][1] / (r + 1) + r);
    }
    bm__feature f = {0};
    BM_ASSERT_EQ_INT(bm__wkb_collect(w.b, w.n, &f), 0);
    BM_ASSERT_EQ_INT(f.n_parts, 2);
    BM_ASSERT_EQ_INT(f.n_points, 8);
    BM_ASSERT_EQ_INT(f.part_len[0], 4);
    BM_ASSERT_NEAR(f.xy[2 * 5], 3, 0); /* the hole's second point: (4/2 + 1, 1) */
    double e[4];
    BM_ASSERT_EQ_INT(bm__wkb_envelope(w.b, w.n, e), 0);
    BM_ASSERT_NEAR(e[0], -5, 0); /* the point counts in the envelope */
    BM_ASSERT_NEAR(e[3], 50, 0);
    free(f.xy);
    free(f.part_len);
    check_truncations(&w);
    /* An unknown type and a count far past the blob's end. */
    buf bad = {.n = 0};
    put_head(&bad, 17);
    put_u32(&bad, 0);
    BM_ASSERT(bm__wkb_envelope(bad.b, bad.n, e) == -1);
    buf huge = {.n = 0};
    put_head(&huge, 2);
    put_u32(&huge, 0x7fffffffu);
    BM_ASSERT(bm__wkb_envelope(huge.b, huge.n, e) == -1);
    /* An empty collection: all-zero envelope, no parts. */
    buf empty = {.n = 0};
    put_head(&empty, 7);
    put_u32(&empty, 0);
    BM_ASSERT_EQ_INT(bm__wkb_envelope(empty.b, empty.n, e), 0);
    BM_ASSERT(e[0] == 0 && e[1] == 0 && e[2] == 0 && e[3] == 0);
}

static void test_geos(void)
{
    bm__geos *g = bm__geos_new();
    BM_REQUIRE(g);
    buf w = {.n = 0}; /* a square ring from (0,0) to (4,4) */
    put_head(&w, 3);
    put_u32(&w, 1);
    put_u32(&w, 5);
    double c[5][2] = {{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}};
    for (int i = 0; i < 5; i++)
        put_dbl(&w, c[i][0]), put_dbl(&w, c[i][1]);
    double x, y;
    BM_ASSERT_EQ_INT(bm__geos_point_on_surface(g, w.b, w.n, &x, &y), 0);
    BM_ASSERT(x > 0 && x < 4 && y > 0 && y < 4);
    unsigned char *cut = NULL;
    size_t len = 0;
    double box[4] = {2, -1, 10, 10};
    BM_ASSERT_EQ_INT(bm__geos_clip(g, w.b, w.n, box, &cut, &len), 0);
    double e[4];
    BM_ASSERT_EQ_INT(bm__wkb_envelope(cut, len, e), 0);
    BM_ASSERT_NEAR(e[0], 2, 0);
    BM_ASSERT_NEAR(e[2], 4, 0);
    free(cut);
    BM_ASSERT(bm__geos_clip(g, w.b, 3, box, &cut, &len) == -1); /* not WKB */
    BM_ASSERT(cut == NULL);
    bm__geos_free(g);
}

/* ---- Against OGR, on the real basemap ------------------------------------------------- */

/* The parts as the OGR reader collected them: any nesting, lines of two points or more. */
static void ogr_collect(OGRGeometryH g, bm__feature *f)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbLineString && t != wkbLinearRing) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            ogr_collect(OGR_G_GetGeometryRef(g, i), f);
        return;
    }
    int n = OGR_G_GetPointCount(g);
    if (n < 2)
        return;
    f->xy = realloc(f->xy, (size_t)(f->n_points + n) * 2 * sizeof *f->xy);
    f->part_len = realloc(f->part_len, (size_t)(f->n_parts + 1) * sizeof *f->part_len);
    double *dst = f->xy + 2 * f->n_points;
    OGR_G_GetPoints(g, dst, 2 * sizeof(double), dst + 1, 2 * sizeof(double), NULL, 0);
    f->part_len[f->n_parts++] = n;
    f->n_points += n;
}

static unsigned char *wkb_of(OGRGeometryH g, size_t *len)
{
    *len = (size_t)OGR_G_WkbSize(g);
    unsigned char *w = malloc(*len);
    BM_REQUIRE(w && OGR_G_ExportToWkb(g, wkbNDR, w) == OGRERR_NONE);
    return w;
}

static int same_parts(OGRGeometryH g, const unsigned char *w, size_t len)
{
    bm__feature a = {0}, b = {0};
    ogr_collect(g, &a);
    int ok = bm__wkb_collect(w, len, &b) == 0 && a.n_parts == b.n_parts &&
             a.n_points == b.n_points &&
             (!a.n_parts || !memcmp(a.part_len, b.part_len, (size_t)a.n_parts * sizeof(int))) &&
             (!a.n_points || !memcmp(a.xy, b.xy, (size_t)a.n_points * 2 * sizeof(double)));
    free(a.xy), free(a.part_len), free(b.xy), free(b.part_len);
    return ok;
}

static OGRGeometryH box_geom(const double *box)
{
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, box[0], box[1]);
    OGR_G_AddPoint_2D(ring, box[2], box[1]);
    OGR_G_AddPoint_2D(ring, box[2], box[3]);
    OGR_G_AddPoint_2D(ring, box[0], box[3]);
    OGR_G_AddPoint_2D(ring, box[0], box[1]);
    OGRGeometryH clip = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(clip, ring);
    return clip;
}

/* Envelope, parts and label point of one geometry against OGR's. */
static void check_against_ogr(bm__geos *geos, OGRGeometryH g, int polygons, const char *what)
{
    size_t len;
    unsigned char *w = wkb_of(g, &len);
    OGREnvelope oe;
    OGR_G_GetEnvelope(g, &oe);
    double e[4];
    if (bm__wkb_envelope(w, len, e) || e[0] != oe.MinX || e[1] != oe.MinY || e[2] != oe.MaxX ||
        e[3] != oe.MaxY)
        BM_FAIL_AT("%s: envelope differs from OGR's", what);
    if (!same_parts(g, w, len))
        BM_FAIL_AT("%s: parts differ from OGR's", what);
    if (polygons) {
        OGRGeometryH pt = OGR_G_PointOnSurface(g);
        double x, y;
        int mine = bm__geos_point_on_surface(geos, w, len, &x, &y);
        int theirs = pt && !OGR_G_IsEmpty(pt);
        if (mine != (theirs ? 0 : -1) ||
            (theirs && (x != OGR_G_GetX(pt, 0) || y != OGR_G_GetY(pt, 0))))
            BM_FAIL_AT("%s: label point differs from OGR's", what);
        if (pt)
            OGR_G_DestroyGeometry(pt);
    }
    free(w);
}

static void test_against_ogr(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/maps/basemap.gpkg", BM_TEST_SOURCE_DIR);
    GDALAllRegister();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    BM_REQUIRE(ds);
    static const struct {
        const char *name;
        int polygons;
    } layers[] = {{"countries", 1},    {"admin1", 1}, {"admin1_lines", 0}, {"borders", 0},
                  {"border_iq_sy", 0}, {"rivers", 0}, {"lakes", 1},        {"locator", 1}};
    /* A box that cuts the corridor's countries, governorates, rivers and lakes. */
    const double box[4] = {38, 32, 44, 37};
    OGRGeometryH clip = box_geom(box);
    bm__geos *geos = bm__geos_new();
    BM_REQUIRE(geos);
    int n_features = 0, n_clipped = 0;
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        OGRLayerH l = GDALDatasetGetLayerByName(ds, layers[i].name);
        BM_REQUIRE(l);
        OGRFeatureH of;
        while ((of = OGR_L_GetNextFeature(l))) {
            OGRGeometryH g = OGR_F_GetGeometryRef(of);
            char what[128];
            snprintf(what, sizeof what, "%s #%lld", layers[i].name, (long long)OGR_F_GetFID(of));
            if (g) {
                n_features++;
                check_against_ogr(geos, g, layers[i].polygons, what);
                OGREnvelope oe;
                OGR_G_GetEnvelope(g, &oe);
                int inside = oe.MinX >= box[0] && oe.MaxX <= box[2] && oe.MinY >= box[1] &&
                             oe.MaxY <= box[3];
                int outside =
                    oe.MaxX < box[0] || oe.MinX > box[2] || oe.MaxY < box[1] || oe.MinY > box[3];
                if (!inside && !outside) {
                    OGRGeometryH cut = OGR_G_Intersection(g, clip);
                    size_t len, clen;
                    unsigned char *w = wkb_of(g, &len), *mine = NULL;
                    BM_ASSERT_EQ_INT(bm__geos_clip(geos, w, len, box, &mine, &clen), 0);
                    strncat(what, " clipped", sizeof what - strlen(what) - 1);
                    if (cut && mine) {
                        n_clipped++;
                        check_against_ogr(geos, cut, layers[i].polygons, what);
                        if (!same_parts(cut, mine, clen))
                            BM_FAIL_AT("%s: clip differs from OGR's", what);
                    }
                    if (cut)
                        OGR_G_DestroyGeometry(cut);
                    free(w);
                    free(mine);
                }
            }
            OGR_F_Destroy(of);
        }
    }
    BM_ASSERT(n_features > 500);
    BM_ASSERT(n_clipped > 10);
    bm__geos_free(geos);
    OGR_G_DestroyGeometry(clip);
    GDALClose(ds);
}

int main(void)
{
    test_byte_orders_and_dims();
    test_nesting();
    test_geos();
    test_against_ogr();
    return bm_test_finish("test_basemap_geom");
}
