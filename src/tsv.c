/* tsv.c: the row loop of the fixed-column data tables (actor lexicons,
 * ACLED tables) on top of the gazetteer's TSV reader, with the file and
 * line of a bad row in the error.
 * Must never accept a row with the wrong number of columns. */
#include "tsv_private.h"

#include <stdlib.h>

#include "gazetteer_private.h"

int bm__tsv_rows(const char *path, int ncol, bm__tsv_row_fn fn, void *user, bm_error *err)
{
    gz_tsv t;
    int rc = bm__gz_tsv_open(&t, path, err);
    if (rc != BM_OK)
        return rc;
    char *col[TSV_MAX_FIELDS];
    int n, header = 1;
    while (rc == BM_OK && (n = bm__gz_tsv_next(&t, col)) > 0) {
        if (header) {
            header = 0;
            continue;
        }
        rc = n == ncol ? fn(user, col) : BM_EPARSE;
        if (rc != BM_OK)
            rc = bm_error_set(err, rc, "%s:%d: %s", path, t.line,
                              rc == BM_ENOMEM ? "out of memory" : "malformed row");
    }
    free(t.data);
    return rc;
}
