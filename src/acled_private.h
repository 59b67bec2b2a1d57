/* acled_private.h: what export.c needs from acled.c to write ACLED rows: the
 * type mapping, the admin-1 and country look-up and the row itself.
 * Never exported. */
#ifndef BORDERMAP_ACLED_PRIVATE_H
#define BORDERMAP_ACLED_PRIVATE_H

#include "bordermap/acled.h"
#include "bordermap/store.h"

typedef struct bm__acled bm__acled;

/* Loads gazetteer/acled/types.tsv and countries.tsv, the basemap's admin-1
 * and country polygons and the actor lexicon (for inter codes). Caller frees
 * with bm__acled_free(). */
int bm__acled_new(bm__acled **out, bm_error *err);
void bm__acled_free(bm__acled *a);

/* What an ACLED row says besides the incident itself; strings borrowed. */
typedef struct bm__acled_extra {
    const char *sources;       /* distinct outlets, "; "-joined, or NULL */
    const char *location;      /* the place's English name, or NULL */
    const char *place_country; /* the place's ISO2 country (fallback), or NULL */
    const char *place_admin1;  /* the place's admin1 (fallback), or NULL */
    int64_t timestamp;         /* Unix time written to `timestamp` */
} bm__acled_extra;

/* Fills vals[0..BM_ACLED_NCOLS-1] with GLib strings (the caller frees each
 * with g_free()). BM_OK (GLib aborts rather than fail an allocation). */
int bm__acled_row(const bm__acled *a, const bm_incident *inc, const bm__acled_extra *x,
                  char **vals);

/* bm_acled_import with tables already loaded (borrowed): for callers that
 * import many files, such as the fuzz target. */
int bm__acled_import_with(bm_store *store, const bm__acled *a, const char *path,
                          const bm_acled_import_opts *o, bm_acled_import_result *res,
                          bm_error *err);

#endif
