/* fuzz_geonames.c: libFuzzer target for GeoNames import: each input line goes
 * through the row parser of `gazetteer import geonames`, and every row it
 * accepts is written to a real store (in a transaction rolled back per
 * input), as the import does.
 * Must never let a row the parser accepted carry a point outside WGS84. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "bordermap/gazetteer.h"
#include "bordermap/store.h"
#define BM_FUZZ_WITH_STORE
#include "fuzz_common.h"
#include "geonames_private.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store_open();
    return 0;
}

static void put(char **f, const bm_place *p)
{
    if (!isfinite(p->pt.lon) || !isfinite(p->pt.lat) || fabs(p->pt.lon) > 180 ||
        fabs(p->pt.lat) > 90)
        abort();
    if (bm_store_place_put(fuzz_store, p) != BM_OK)
        return;
    const char *names[] = {p->name_en, f[2]};
    for (size_t i = 0; i < 2; i++) {
        char key[512];
        size_t kn = bm_gazetteer_key(names[i], key, sizeof key);
        if (names[i][0])
            bm_store_place_name_add(fuzz_store, p->id, names[i], kn ? key : NULL,
                                    bm__geonames_has_arabic(names[i]) ? "ar" : "en");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    if (bm_store_begin(fuzz_store) != BM_OK)
        abort();
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[BM_GEONAMES_FIELDS];
        bm_place p;
        bm_error err;
        if (bm__geonames_row(line, f, &p, &err) == BM_OK)
            put(f, &p);
    }
    bm_store_rollback(fuzz_store);
    free(text);
    return 0;
}
