/* gazetteer_store.c: copies the gazetteer (places, names with their keys,
 * area polygons) into the store for GIS users, and reads back the places a
 * user imported into the store.
 * Must never rewrite the store's places when the gazetteer files did not
 * change: the fingerprint in the meta table decides. */
#include "gazetteer_private.h"

#include "bordermap/edits.h"
#include "store_private.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define META_KEY "gazetteer_fingerprint"

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src && strcmp(src, "-") ? src : "");
}

static int put_place(const bm_gazetteer *g, bm_store *store, const gz_place *gp, bm_error *err)
{
    bm_place p;
    memset(&p, 0, sizeof p);
    copy_str(p.id, sizeof p.id, gp->pub.id);
    copy_str(p.name_en, sizeof p.name_en, gp->pub.name_en);
    copy_str(p.name_ar, sizeof p.name_ar, gp->pub.name_ar);
    copy_str(p.kind, sizeof p.kind, gp->pub.kind);
    copy_str(p.country, sizeof p.country, gp->pub.country);
    copy_str(p.admin1, sizeof p.admin1, gp->pub.admin1);
    p.population = gp->pub.population;
    p.pt = gp->pub.pt;
    copy_str(p.source, sizeof p.source, gp->pub.source);
    (void)g;
    if (bm_store_place_put(store, &p) != BM_OK)
        return bm_error_set(err, BM_EDB, "writing place %s: %s", gp->pub.id,
                            bm_store_errmsg(store));
    return BM_OK;
}

/* Every name of every place, with the key the matcher looks it up by. Names
 * as listed go first so that a name keeps its own key, not a derived one
 * (the table has one row per place and name). */
static int put_names(const bm_gazetteer *g, bm_store *store, bm_error *err)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < g->index.cap; s++) {
            const gz_slot *slot = &g->index.slots[s];
            if (slot->key_off == UINT32_MAX || !(slot->value & GZ_E_FULL))
                continue;
            const gz_group *gr = &g->groups[slot->value & GZ_E_GROUP];
            const char *key = bm__gz_map_key(&g->index, slot);
            for (uint32_t k = 0; k < gr->n; k++) {
                const gz_ref *r = &g->refs[gr->first + k];
                int derived = (r->flags & (GZ_R_NOART | GZ_R_JOINED)) != 0;
                const gz_place *p = &g->places[r->place];
                if (derived != pass || (p->flags & GZ_P_USER))
                    continue;
                const char *lang = (r->flags & GZ_R_LATIN) ? "en" : "ar";
                if (bm_store_place_name_add(store, p->pub.id, bm__gz_str(g, r->alias_off), key,
                                            lang) != BM_OK)
                    return bm_error_set(err, BM_EDB, "writing names of %s: %s", p->pub.id,
                                        bm_store_errmsg(store));
            }
        }
    }
    return BM_OK;
}

/* ---- Areas ---------------------------------------------------------------- */

/* Writes the polygon of one feature as the area of a place. The layer is in
 * WGS84 or is transformed to it with longitude first. */
static int put_area(bm_store *store, const char *place_id, OGRGeometryH geom,
                    OGRCoordinateTransformationH ct, bm_error *err)
{
    if (!geom)
        return BM_OK;
    OGRGeometryH copy = OGR_G_Clone(geom);
    if (!copy)
        return bm_error_set(err, BM_ENOMEM, "area of %s: out of memory", place_id);
    if (ct && OGR_G_Transform(copy, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(copy);
        return bm_error_set(err, BM_EGDAL, "area of %s: cannot transform to WGS84", place_id);
    }
    int size = OGR_G_WkbSize(copy);
    unsigned char *wkb = size > 0 ? malloc((size_t)size) : NULL;
    int rc = BM_OK;
    if (!wkb || OGR_G_ExportToWkb(copy, wkbNDR, wkb) != OGRERR_NONE)
        rc = bm_error_set(err, BM_EGDAL, "area of %s: cannot encode the polygon", place_id);
    else if (bm_store_place_area_set(store, place_id, wkb, (size_t)size) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "area of %s: %s", place_id, bm_store_errmsg(store));
    free(wkb);
    OGR_G_DestroyGeometry(copy);
    return rc;
}

/* Transformation from the layer's SRS to WGS84 lon/lat; NULL when the layer
 * is already geographic WGS84 (or says nothing, which GeoJSON means as
 * WGS84). */
static OGRCoordinateTransformationH to_wgs84(OGRLayerH layer, OGRSpatialReferenceH *wgs)
{
    *wgs = NULL;
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(layer);
    if (!src)
        return NULL;
    const char *code = OSRGetAuthorityCode(src, NULL);
    if (OSRIsGeographic(src) && code && !strcmp(code, "4326"))
        return NULL;
    *wgs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(*wgs, 4326);
    OSRSetAxisMappingStrategy(*wgs, OAMS_TRADITIONAL_GIS_ORDER);
    return OCTNewCoordinateTransformation(src, *wgs);
}

/* Walks the features of one layer once; for each, the places whose area is
 * prefix + the value of field get the feature's polygon. */
static int areas_from_layer(const bm_gazetteer *g, bm_store *store, const char *path,
                            const char *layer_name, const char *field, const char *prefix,
                            bm_error *err)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        return BM_OK; /* absent or unreadable: places simply have no area */
    OGRLayerH layer =
        layer_name ? GDALDatasetGetLayerByName(ds, layer_name) : GDALDatasetGetLayer(ds, 0);
    int rc = BM_OK;
    if (!layer)
        goto done;
    int fi = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), field);
    if (fi < 0)
        goto done;
    OGRSpatialReferenceH wgs;
    OGRCoordinateTransformationH ct = to_wgs84(layer, &wgs);
    size_t plen = strlen(prefix);
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while (rc == BM_OK && (f = OGR_L_GetNextFeature(layer))) {
        const char *v = OGR_F_GetFieldAsString(f, fi);
        for (size_t i = 0; v && *v && i < g->n_places && rc == BM_OK; i++) {
            const char *area = g->places[i].pub.area;
            if (!strncmp(area, prefix, plen) && !strcmp(area + plen, v))
                rc = put_area(store, g->places[i].pub.id, OGR_F_GetGeometryRef(f), ct, err);
        }
        OGR_F_Destroy(f);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (wgs)
        OSRDestroySpatialReference(wgs);
done:
    GDALClose(ds);
    return rc;
}

static int put_areas(const bm_gazetteer *g, bm_store *store, bm_error *err)
{
    GDALAllRegister();
    char path[4096];
    int rc = BM_OK;
    if (bm_data_path("maps/basemap.gpkg", path, sizeof path, NULL) == BM_OK)
        rc = areas_from_layer(g, store, path, "admin1", "iso_3166_2", "admin1:", err);
    if (rc == BM_OK && bm_data_path("gazetteer/regions.geojson", path, sizeof path, NULL) == BM_OK)
        rc = areas_from_layer(g, store, path, NULL, "id", "region:", err);
    return rc;
}

int bm_gazetteer_sync_store(const bm_gazetteer *g, bm_store *store, bm_error *err)
{
    char have[128];
    if (bm_store_meta_get(store, META_KEY, have, sizeof have) != BM_OK)
        return bm_error_set(err, BM_EDB, "reading the gazetteer fingerprint: %s",
                            bm_store_errmsg(store));
    if (!strcmp(have, g->fingerprint))
        return BM_OK;
    if (bm_store_begin(store) != BM_OK)
        return bm_error_set(err, BM_EDB, "syncing places: %s", bm_store_errmsg(store));
    /* Processes that start together on a new file all see it unsynced: the
     * one holding the write lock first syncs, the others find it done. */
    if (bm_store_meta_get(store, META_KEY, have, sizeof have) == BM_OK &&
        !strcmp(have, g->fingerprint)) {
        bm_store_rollback(store);
        return BM_OK;
    }
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < g->n_places; i++)
        if (!(g->places[i].flags & GZ_P_USER))
            rc = put_place(g, store, &g->places[i], err);
    if (rc == BM_OK)
        rc = put_names(g, store, err);
    if (rc == BM_OK)
        rc = put_areas(g, store, err);
    if (rc == BM_OK && bm_store_meta_set(store, META_KEY, g->fingerprint) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "writing the gazetteer fingerprint: %s",
                          bm_store_errmsg(store));
    if (rc == BM_OK && bm_store_commit(store) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "syncing places: %s", bm_store_errmsg(store));
    if (rc != BM_OK)
        bm_store_rollback(store);
    return rc;
}

int bm__gazetteer_store_current(bm_store *store)
{
    char have[128];
    return bm_store_meta_get(store, META_KEY, have, sizeof have) == BM_OK &&
           bm__gz_fingerprint_current(have);
}

/* ---- A new database from the template cache ----------------------------------- */

/* What fills a template: the caller's gazetteer, or (g NULL) one loaded when the template
 * must be built, which must be the one the tag names (hash). */
typedef struct fill_ctx {
    const bm_gazetteer *g;
    unsigned hash;
} fill_ctx;

static unsigned fingerprint_hash(const char *fingerprint, int *ok)
{
    size_t n_places;
    unsigned h = 0;
    *ok = sscanf(fingerprint, "v1-%zu-%8x", &n_places, &h) == 2;
    return h;
}

static int fill_synced(bm_store *store, void *user)
{
    const fill_ctx *f = user;
    if (f->g)
        return bm_gazetteer_sync_store(f->g, store, NULL);
    bm_gazetteer *g = NULL;
    int rc = bm_gazetteer_load(&g, NULL), ok = 0;
    /* A file changed since the tag was taken: this content is not the tag's. */
    if (rc == BM_OK && (fingerprint_hash(g->fingerprint, &ok) != f->hash || !ok))
        rc = BM_EIO;
    if (rc == BM_OK)
        rc = bm_gazetteer_sync_store(g, store, NULL);
    bm_gazetteer_free(g);
    return rc;
}

/* The template's tag: the hash part of the fingerprint (the files' names, sizes and times;
 * the place count it also holds follows from them) and the directories the files are read
 * from (two checkouts side by side). The hash is g's when given, else taken from stat()
 * alone, so a new database costs no gazetteer load when the template is cached.
 * -1: no tag. */
static int template_tag(const bm_gazetteer *g, char *tag, size_t size, unsigned *hash)
{
    int ok = 1;
    uint32_t now = 0;
    if (g)
        *hash = fingerprint_hash(g->fingerprint, &ok);
    else if ((ok = bm__gz_files_hash(&now) == 0))
        *hash = now;
    if (!ok)
        return -1;
    char dir[4096] = "", basemap[4096] = "", real_dir[PATH_MAX] = "", real_bm[PATH_MAX] = "";
    if (bm_data_path("gazetteer", dir, sizeof dir, NULL) != BM_OK || !realpath(dir, real_dir))
        snprintf(real_dir, sizeof real_dir, "%s", dir);
    if (bm_data_path("maps/basemap.gpkg", basemap, sizeof basemap, NULL) != BM_OK ||
        !realpath(basemap, real_bm))
        snprintf(real_bm, sizeof real_bm, "%s", basemap);
    snprintf(tag, size, "gazetteer|v1-%08x|%s|%s", *hash, real_dir, real_bm);
    return 0;
}

int bm__gazetteer_store_create(const bm_gazetteer *g, const char *path, int *hit)
{
    char tag[3 * PATH_MAX];
    fill_ctx f = {g, 0};
    if (hit)
        *hit = 0;
    if (template_tag(g, tag, sizeof tag, &f.hash) != 0)
        return BM_ENOTFOUND;
    return bm__store_create_from_template(path, tag, fill_synced, &f, hit);
}

int bm__gazetteer_template_path(const bm_gazetteer *g, char *buf, size_t size)
{
    char tag[3 * PATH_MAX];
    unsigned hash;
    if (template_tag(g, tag, sizeof tag, &hash) != 0)
        return BM_ENOTFOUND;
    return bm__store_template_path(tag, buf, size);
}

/* ---- Places imported by the user ------------------------------------------- */

typedef struct add_ctx {
    bm_gazetteer *g;
    bm_error *err;
    size_t added;
    unsigned flags;     /* GZ_P_* of the places being added */
    const char *source; /* what `places show` says they come from */
} add_ctx;

/* Imported gazetteers spell the place word into many names (WOF: قرية تل
 * الحول, Qaryat ...): the text's own قرية is then the evidence, and the
 * village is found among its namesakes instead of hiding them. */
static int index_imported(bm_gazetteer *g, uint32_t idx, const char *name, int canonical,
                          bm_error *err)
{
    static const char *const words[] = {"قرية ", "قريه ", "مزرعة ", "مزرعه "};
    for (size_t i = 0; name && i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i]);
        if (!strncmp(name, words[i], n) && name[n])
            return bm__gz_index_name(g, idx, name + n, canonical, err);
    }
    return bm__gz_index_name(g, idx, name, canonical, err);
}

static int add_one(const bm_place *sp, void *user)
{
    add_ctx *a = user;
    if (bm_gazetteer_get(a->g, sp->id) || !sp->id[0])
        return 0; /* the gazetteer's own places, synced earlier */
    bm_gplace p = {0};
    p.id = sp->id;
    p.name_en = sp->name_en[0] ? sp->name_en : "-";
    p.name_ar = sp->name_ar[0] ? sp->name_ar : "-";
    p.kind = bm__gz_kind_bit(sp->kind) ? sp->kind : "other";
    p.country = sp->country[0] ? sp->country : "-";
    p.admin1 = sp->admin1[0] ? sp->admin1 : "-";
    p.area = "-";
    p.source = sp->source[0] ? sp->source : a->source;
    p.pt = sp->pt;
    p.population = sp->population;
    long idx = bm__gz_add_place(a->g, &p, a->flags, a->err);
    if (idx == -2)
        return 0;
    if (idx < 0)
        return (int)idx;
    int rc = index_imported(a->g, (uint32_t)idx, p.name_ar, 1, a->err);
    if (!rc)
        rc = index_imported(a->g, (uint32_t)idx, p.name_en, 1, a->err);
    a->added++;
    return rc;
}

/* A team's spelling of any place, gazetteer or its own. */
static int add_alias(const char *place_id, const char *name, void *user)
{
    add_ctx *a = user;
    uint32_t idx = place_id ? bm__gz_place_index(a->g, place_id) : UINT32_MAX;
    if (idx == UINT32_MAX || !name)
        return 0; /* a place the gazetteer no longer has: nothing to spell */
    bm__gz_unfinalise(a->g);
    return bm__gz_index_name(a->g, idx, name, 0, a->err);
}

/* Every other name of an imported place (aliases, variants) goes into the
 * index too; the canonical ones are in already. */
static int add_imported_name(const char *place_id, const char *name, const char *lang, void *user)
{
    add_ctx *a = user;
    (void)lang;
    uint32_t idx = bm__gz_place_index(a->g, place_id);
    if (idx == UINT32_MAX || !(a->g->places[idx].flags & GZ_P_USER))
        return 0;
    const bm_gplace *p = &a->g->places[idx].pub;
    /* not finalised: the fields are offsets into the arena */
    const char *en = bm__gz_str(a->g, (uint32_t)(uintptr_t)p->name_en);
    const char *ar = bm__gz_str(a->g, (uint32_t)(uintptr_t)p->name_ar);
    if (!strcmp(name, en) || !strcmp(name, ar))
        return 0;
    return index_imported(a->g, idx, name, 0, a->err);
}

int bm_gazetteer_add_store_places(bm_gazetteer *g, bm_store *store, bm_error *err)
{
    /* A team's own places are curated: they win over broad rows and need no
     * more evidence than the gazetteer's files do. */
    add_ctx a = {g, err, 0, GZ_P_USER, "team"};
    int rc = bm_team_places(store, add_one, &a, err);
    /* imported rows are broad data: like GeoNames rows they never win over
     * curated names and need evidence when they are a single word */
    a.flags = GZ_P_USER | GZ_P_BROAD;
    a.source = "user";
    size_t before = a.added;
    if (rc == BM_OK)
        rc = bm_store_places(store, add_one, &a);
    if (rc == BM_OK && a.added > before)
        rc = bm_store_place_names(store, add_imported_name, &a);
    if (rc == BM_OK)
        rc = bm_team_aliases(store, add_alias, &a, err);
    if (rc < 0 && err && err->code == BM_OK)
        bm_error_set(err, rc, "reading places from the store: %s", bm_store_errmsg(store));
    /* the index is rebuilt even after a failure: the place pointers the
     * caller holds must stay valid */
    if (!g->finalised) {
        int rc2 = bm__gz_finalise(g, err);
        if (rc == BM_OK)
            rc = rc2;
    }
    return rc;
}
