/* sync.c: keeps the database's places table in step with the gazetteer files,
 * so GIS users and `incidents add --place` see the places the extractor
 * resolves to.
 * Must never rewrite places when nothing changed (the fingerprint decides,
 * inside bm_gazetteer_sync_store). */
#include "cli.h"

int bm__cli_sync_gazetteer(bm_store *store, bm_error *err)
{
    bm_gazetteer *g = NULL;
    int rc = bm_gazetteer_load(&g, err);
    if (rc == BM_OK)
        rc = bm_gazetteer_sync_store(g, store, err);
    bm_gazetteer_free(g);
    return rc;
}
