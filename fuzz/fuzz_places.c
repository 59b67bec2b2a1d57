/* fuzz_places.c: libFuzzer target for the place matcher: mentions in text
 * (bm_place_finder_run, reused across inputs as ingest does) and the typed
 * name search (bm_gazetteer_search).
 * Must never skip valid UTF-8 input. */
#include <stdio.h>

#include "bordermap/gazetteer.h"
#include "fuzz_common.h"

static bm_gazetteer *gaz;
static bm_place_finder *finder;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    bm_error err;
    if (bm_gazetteer_load(&gaz, &err) != BM_OK || bm_place_finder_new(gaz, &finder, &err) != BM_OK) {
        fprintf(stderr, "fuzz_places: %s\n", bm_error_text(&err));
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_is_text(data, size))
        return 0;
    const bm_place_mention *m = NULL;
    size_t n = 0;
    bm_error err;
    if (bm_place_finder_run(finder, (const char *)data, size, &m, &n, &err) == BM_OK) {
        for (size_t i = 0; i < n; i++)
            if (m[i].start > m[i].end || m[i].end > size || !m[i].place ||
                !(m[i].confidence >= 0 && m[i].confidence <= 1))
                abort();
    }
    if (size < 512) {
        char *name = fuzz_cstr(data, size);
        bm_place_candidate c[8];
        size_t nc = 0;
        bm_gazetteer_search(gaz, name, c, 8, &nc);
        if (nc > 8)
            abort();
        char key[256];
        if (bm_gazetteer_key(name, key, sizeof key) >= sizeof key)
            abort();
        free(name);
    }
    return 0;
}
