/* tsv_private.h: reads a data table (UTF-8 TSV, '#' comments, one header
 * row) row by row for the modules whose tables have a fixed column count.
 * Never exported. */
#ifndef BORDERMAP_TSV_PRIVATE_H
#define BORDERMAP_TSV_PRIVATE_H

#include "bordermap/common.h"

/* Calls fn(user, columns) for every data row of path, which must have
 * exactly ncol columns. fn returns BM_OK, BM_EPARSE or BM_ENOMEM; any other
 * outcome stops the read with "path:line: why" in err. */
typedef int (*bm__tsv_row_fn)(void *user, char **col);
int bm__tsv_rows(const char *path, int ncol, bm__tsv_row_fn fn, void *user, bm_error *err);

#endif
