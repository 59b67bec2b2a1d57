/* fuzz_acled.c: libFuzzer target for `bordermap import --format ACLED`: the
 * input is an ACLED CSV (GDAL's CSV reader, then the row checks of acled.c)
 * imported into a real store, rolled back per input (dry run).
 * Must never let a bad row reach the store: the store refusing a row the
 * importer accepted, a crash or a leak is a finding; a clean refusal of bad
 * input is not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cpl_vsi.h>

#include "acled_private.h"
#include "bordermap/store.h"

static bm_store *store;
static bm__acled *tables;
static char dir[] = "/tmp/bm-fuzz-acled-XXXXXX";

static void cleanup(void)
{
    char path[256];
    bm__acled_free(tables);
    bm_store_close(store);
    snprintf(path, sizeof path, "%s/f.sqlite", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[256];
    bm_error err;
    bm_error_clear(&err);
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/f.sqlite", dir);
    if (bm_store_open(path, 0, &store, &err) != BM_OK || bm__acled_new(&tables, &err) != BM_OK) {
        fprintf(stderr, "fuzz_acled: %s\n", bm_error_text(&err));
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const path = "/vsimem/fuzz_acled.csv";
    /* GDAL reads the caller's bytes in place (no copy, not freed by it). */
    VSILFILE *fp = VSIFileFromMemBuffer(path, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (!fp)
        abort();
    VSIFCloseL(fp);
    bm_acled_import_opts o;
    bm_acled_import_opts_init(&o);
    o.dry_run = 1;
    bm_acled_import_result r;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm__acled_import_with(store, tables, path, &o, &r, &err);
    /* The importer validates every row before the store sees it: a row the
     * store refuses (BM_EINVAL, BM_EDB) got past the checks. */
    if (rc == BM_EINVAL || rc == BM_EDB) {
        fprintf(stderr, "fuzz_acled: the store refused an accepted row: %s\n",
                bm_error_text(&err));
        abort();
    }
    if (rc == BM_OK && r.added + r.skipped != r.rows)
        abort();
    VSIUnlink(path);
    return 0;
}
