/* fuzz_dates.c: libFuzzer target for date finding (bm_dates_find_opts with
 * and without a publication date, and the article's own publication date).
 * Must never skip valid UTF-8 input: that is the whole contract. */
#include <stdio.h>

#include "bordermap/dates.h"
#include "fuzz_common.h"

static bm_dates *dates;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    bm_error err;
    if (bm_dates_new(&dates, &err) != BM_OK) {
        fprintf(stderr, "fuzz_dates: %s\n", bm_error_text(&err));
        abort();
    }
    return 0;
}

static void check(const bm_date_mention *m, size_t n, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].start > m[i].end || m[i].end > len)
            abort(); /* a mention outside the text */
        if (m[i].resolved && !bm_date_valid(m[i].date))
            abort(); /* a resolved date that is no calendar day */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fuzz_is_text(data, size))
        return 0;
    const char *text = (const char *)data;
    bm_date pub = {2024, 12, 31};
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.present_year = 2025;
    for (int pass = 0; pass < 2; pass++) {
        o.published = pass ? &pub : NULL;
        bm_date_mention *m = NULL;
        size_t n = 0;
        bm_error err;
        if (bm_dates_find_opts(dates, text, size, &o, &m, &n, &err) == BM_OK)
            check(m, n, size);
        free(m);
    }
    bm_date out;
    bm_error err;
    if (bm_dates_published_opts(dates, text, size, &o, &out, &err) == BM_OK && !bm_date_valid(out))
        abort();
    return 0;
}
