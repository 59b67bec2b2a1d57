/* sync.c: keeps the database's places table in step with the gazetteer files,
 * so GIS users and `incidents add --place` see the places the extractor
 * resolves to.
 * Must never rewrite places when nothing changed (the fingerprint decides,
 * inside bm_gazetteer_sync_store). Most commands find nothing changed: the stat-only check
 * first spares them loading the gazetteer (~20 M instructions) just to compare fingerprints. */
#include "cli.h"

#include "store_private.h"

int bm__cli_sync_gazetteer(bm_store *store, bm_error *err)
{
    if (bm__gazetteer_store_current(store))
        return BM_OK;
    bm_gazetteer *g = NULL;
    int rc = bm_gazetteer_load(&g, err);
    if (rc == BM_OK)
        rc = bm_gazetteer_sync_store(g, store, err);
    bm_gazetteer_free(g);
    return rc;
}
