/* fuzz_tsv.c: libFuzzer target for the gazetteer TSV reader
 * (bm_gz_tsv_parse), as `gazetteer import tsv` feeds it a team's file.
 * Must never crash or leak, and every row it accepts must have an id of the
 * slug form and coordinates in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/gazimport.h"

static int check_row(const bm_gz_row *r, void *user)
{
    size_t *rows = user;
    if (!r->id[0] || strspn(r->id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(r->id))
        abort();
    if (!(r->lat >= -90 && r->lat <= 90 && r->lon >= -180 && r->lon <= 180))
        abort();
    if (!r->aliases_en || !r->aliases_ar)
        abort();
    (*rows)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t rows = 0;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_gz_tsv_parse((const char *)data, size, "fuzz.tsv", check_row, &rows, &err);
    if (rc != BM_OK && !bm_error_text(&err)[0])
        abort();
    return 0;
}
