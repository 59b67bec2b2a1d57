/* bordermap/acled.h: ACLED interchange: reading an ACLED CSV export into the
 * store as incidents with provenance "acled" (writing one is
 * bm_export with BM_EXPORT_ACLED, see export.h).
 * Must never half-import a file: the whole file is one transaction, and a
 * row that cannot be read stops it with the row's number and the reason. */
#ifndef BORDERMAP_ACLED_H
#define BORDERMAP_ACLED_H

#include <stdint.h>

#include "bordermap/common.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ACLED's columns, in ACLED's order: the header `export --format ACLED`
 * writes. */
#define BM_ACLED_NCOLS 31
/* Column i (0 <= i < BM_ACLED_NCOLS), else NULL. Static string. */
const char *bm_acled_column(int i);

typedef struct bm_acled_import_opts {
    const char *name; /* recorded as the file name of the events' source; NULL: the path */
    int dry_run;      /* read and check every row, store nothing */
} bm_acled_import_opts;

void bm_acled_import_opts_init(bm_acled_import_opts *o);

typedef struct bm_acled_import_result {
    int64_t rows;    /* data rows read */
    int64_t added;   /* incidents created */
    int64_t skipped; /* events already in the store (same event_id_cnty) */
} bm_acled_import_result;

/* Imports the ACLED CSV at path (any path GDAL reads, /vsimem/ included):
 * every row becomes an incident (provenance "acled", external_id its
 * event_id_cnty) with one source naming ACLED's `source`. The bordermap type
 * comes from the tags bordermap writes, else from the sub-event type through
 * gazetteer/acled/types.tsv; inter codes may be numbers or ACLED's words.
 * Rows whose event_id_cnty is already stored are skipped. One transaction:
 * BM_OK, or BM_EPARSE (row number, header = 1, and reason in err), BM_EIO, BM_EDB, BM_EGDAL,
 * BM_ENOMEM, with nothing stored. r may be NULL. */
int bm_acled_import(bm_store *store, const char *path, const bm_acled_import_opts *o,
                    bm_acled_import_result *r, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
