/* fuzz_extract.c: libFuzzer target for full extraction (bm_extract: sentences,
 * triggers, dates, places, attachment), with and without a publication date.
 * Must never skip valid UTF-8 input. */
#include <stdio.h>

#include "bordermap/extract.h"
#include "fuzz_common.h"

static bm_gazetteer *gaz;
static bm_dates *dates;
static bm_extractor *ex;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    bm_error err;
    if (bm_gazetteer_load(&gaz, &err) != BM_OK || bm_dates_new(&dates, &err) != BM_OK ||
        bm_extractor_new(gaz, dates, &ex, &err) != BM_OK) {
        fprintf(stderr, "fuzz_extract: %s\n", bm_error_text(&err));
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_is_text(data, size))
        return 0;
    bm_date pub = {2025, 3, 7};
    for (int pass = 0; pass < 2; pass++) {
        bm_extraction out = {0};
        bm_error err;
        if (bm_extract(ex, (const char *)data, size, pass ? &pub : NULL, &out, &err) == BM_OK) {
            for (size_t i = 0; i < out.n; i++) {
                const bm_extracted *x = &out.v[i];
                /* What the store would refuse is an extraction bug. */
                if (x->sent_start > x->sent_end || x->sent_end > size ||
                    bm_type_index(x->inc.type) < 0 || !bm_date_valid(x->inc.date_start) ||
                    !bm_date_valid(x->inc.date_end) ||
                    bm_date_cmp(x->inc.date_end, x->inc.date_start) < 0 ||
                    !(x->inc.confidence >= 0 && x->inc.confidence <= 1))
                    abort();
            }
        }
        bm_extraction_free(&out);
    }
    return 0;
}
