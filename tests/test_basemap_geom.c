/* test_basemap_geom.c: the basemap's geometries through GEOS (basemap_geom.c) against OGR,
 * which read the basemap before: every feature of maps/basemap.gpkg and of
 * gazetteer/regions.geojson gives the same envelope, the same parts point for point, the same
 * label point and the same clip to a box, exactly (the renderer's cache entries and pictures
 * depend on them). A blob that is not WKB is refused. */
#include <cpl_error.h>
#include <gdal.h>
#include <json-c/json.h>
#include <ogr_api.h>

#include "basemap_geom_private.h"
#include "bm_test.h"

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

static int same_parts(bm__geos *geos, OGRGeometryH g, const bm__geom *mine)
{
    bm__feature a = {0}, b = {0};
    ogr_collect(g, &a);
    int ok = bm__geos_collect(geos, mine, &b) == 0 && a.n_parts == b.n_parts &&
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
static void check_against_ogr(bm__geos *geos, OGRGeometryH g, const bm__geom *mine, int polygons,
                              const char *what)
{
    OGREnvelope oe;
    OGR_G_GetEnvelope(g, &oe);
    double e[4];
    if (bm__geos_envelope(geos, mine, e) || e[0] != oe.MinX || e[1] != oe.MinY || e[2] != oe.MaxX ||
        e[3] != oe.MaxY)
        BM_FAIL_AT("%s: envelope differs from OGR's", what);
    if (!same_parts(geos, g, mine))
        BM_FAIL_AT("%s: parts differ from OGR's", what);
    if (polygons) {
        OGRGeometryH pt = OGR_G_PointOnSurface(g);
        double x, y;
        int rc = bm__geos_point_on_surface(geos, mine, &x, &y);
        int theirs = pt && !OGR_G_IsEmpty(pt);
        if (rc != (theirs ? 0 : -1) ||
            (theirs && (x != OGR_G_GetX(pt, 0) || y != OGR_G_GetY(pt, 0))))
            BM_FAIL_AT("%s: label point differs from OGR's", what);
        if (pt)
            OGR_G_DestroyGeometry(pt);
    }
}

/* The geometry as the GeoPackage reader hands it to GEOS: WKB. */
static bm__geom *from_ogr(bm__geos *geos, OGRGeometryH g)
{
    size_t len;
    unsigned char *w = wkb_of(g, &len);
    bm__geom *mine = bm__geos_from_wkb(geos, w, len);
    BM_REQUIRE(mine);
    free(w);
    return mine;
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
                bm__geom *mine = from_ogr(geos, g);
                check_against_ogr(geos, g, mine, layers[i].polygons, what);
                OGREnvelope oe;
                OGR_G_GetEnvelope(g, &oe);
                int inside = oe.MinX >= box[0] && oe.MaxX <= box[2] && oe.MinY >= box[1] &&
                             oe.MaxY <= box[3];
                int outside =
                    oe.MaxX < box[0] || oe.MinX > box[2] || oe.MaxY < box[1] || oe.MinY > box[3];
                if (!inside && !outside) {
                    OGRGeometryH cut = OGR_G_Intersection(g, clip);
                    bm__geom *mcut = bm__geos_clip(geos, mine, box);
                    strncat(what, " clipped", sizeof what - strlen(what) - 1);
                    BM_ASSERT(cut && mcut);
                    if (cut && mcut) {
                        n_clipped++;
                        check_against_ogr(geos, cut, mcut, layers[i].polygons, what);
                    }
                    if (cut)
                        OGR_G_DestroyGeometry(cut);
                    bm__geos_destroy(geos, mcut);
                }
                bm__geos_destroy(geos, mine);
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

/* The regions file's geometries as basemap.c reads them (json-c's text of each geometry to
 * GEOS's GeoJSON reader) against OGR's reader, feature by feature in file order. */
static void test_regions_against_ogr(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/gazetteer/regions.geojson", BM_TEST_SOURCE_DIR);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    json_object *root = json_object_from_file(path), *feats = NULL;
    BM_REQUIRE(ds && root && json_object_object_get_ex(root, "features", &feats));
    bm__geos *geos = bm__geos_new();
    BM_REQUIRE(geos);
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH of;
    size_t n = 0;
    while ((of = OGR_L_GetNextFeature(l))) {
        OGRGeometryH g = OGR_F_GetGeometryRef(of);
        json_object *geom = NULL;
        BM_REQUIRE(n < json_object_array_length(feats));
        json_object_object_get_ex(json_object_array_get_idx(feats, n), "geometry", &geom);
        bm__geom *mine = bm__geos_from_geojson(
            geos, json_object_to_json_string_ext(geom, JSON_C_TO_STRING_PLAIN));
        if (g && mine)
            check_against_ogr(geos, g, mine, 1, OGR_F_GetFieldAsString(of, 0));
        else
            BM_FAIL_AT("region %zu: GEOS could not read its GeoJSON", n);
        bm__geos_destroy(geos, mine);
        OGR_F_Destroy(of);
        n++;
    }
    BM_ASSERT(n >= 5);
    /* Not geometries: refused, not guessed at. */
    static const unsigned char junk[] = {1, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f};
    CPLPushErrorHandler(CPLQuietErrorHandler);
    BM_ASSERT(bm__geos_from_wkb(geos, junk, sizeof junk) == NULL);
    BM_ASSERT(bm__geos_from_wkb(geos, junk, 3) == NULL);
    BM_ASSERT(bm__geos_from_geojson(geos, "{\"type\": \"Polygon\"}") == NULL);
    CPLPopErrorHandler();
    bm__geos_free(geos);
    json_object_put(root);
    GDALClose(ds);
}

int main(void)
{
    test_against_ogr();
    test_regions_against_ogr();
    return bm_test_finish("test_basemap_geom");
}
