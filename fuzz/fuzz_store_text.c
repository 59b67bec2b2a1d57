/* fuzz_store_text.c: libFuzzer target for the text a user hands the store
 * through the CLI: dates (ISO day/month/year), --bbox W,S,E,N, --lonlat
 * LON,LAT, --type lists and numeric option values. The input is split at
 * NUL or newline into fields; whatever parses goes into a real store as an
 * incident and a query (rolled back per input).
 * Must never let a parsed value reach the store out of range: the store
 * refusing something the parsers accepted is a finding. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "bordermap/store.h"
#include "cli.h"
#define BM_FUZZ_WITH_STORE
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_store_open();
    return 0;
}

static int count_cb(const bm_incident *inc, void *user)
{
    (*(size_t *)user)++;
    return 0;
}

/* Fields: date, date-end, lonlat, type list, bbox, fatalities, confidence. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    const char *f[7] = {"", "", "", "", "", "", ""};
    size_t nf = 0;
    for (char *p = text, *start = text; nf < 7; p++) {
        if (p == text + size || *p == '\n' || *p == '\0') {
            int end = p == text + size;
            *p = '\0';
            f[nf++] = start;
            start = p + 1;
            if (end)
                break;
        }
    }
    bm_incident inc;
    bm_incident_init(&inc);
    bm_date first, last, f2, l2;
    bm_precision prec;
    int ok = bm_date_parse_iso(f[0], &first, &last, &prec, NULL) == BM_OK;
    if (ok && !(bm_date_valid(first) && bm_date_valid(last) && bm_date_cmp(first, last) <= 0))
        abort();
    if (ok) {
        inc.date_start = first;
        inc.date_end = last;
        inc.date_precision = prec;
        if (bm_date_parse_iso(f[1], &f2, &l2, NULL, NULL) == BM_OK && bm_date_cmp(l2, first) >= 0)
            inc.date_end = l2;
    }
    ok = ok && bm_cli_parse_lonlat(f[2], &inc.pt) == BM_OK;
    char **types = NULL;
    size_t nt = 0;
    char bad[64];
    int types_ok = bm_cli_parse_types(f[3], &types, &nt, bad, sizeof bad) == BM_OK;
    snprintf(inc.type, sizeof inc.type, "%s", types_ok ? types[0] : "other");
    long long fat;
    if (bm_cli_parse_integer(f[5], 0, 2147483647, &fat) == BM_OK)
        inc.fatalities = (int)fat;
    double conf;
    if (bm_cli_parse_real(f[6], 0, 1, &conf) == BM_OK)
        inc.confidence = conf;
    if (bm_store_begin(fuzz_store) != BM_OK)
        abort();
    if (ok && bm_store_incident_add(fuzz_store, &inc) != BM_OK) {
        fprintf(stderr, "store refused a parsed incident: %s\n", bm_store_errmsg(fuzz_store));
        abort();
    }
    bm_query q;
    bm_query_init(&q);
    if (bm_cli_parse_bbox(f[4], &q.west, &q.south, &q.east, &q.north) == BM_OK)
        q.has_bbox = 1;
    if (types_ok) {
        q.types = (const char *const *)types;
        q.n_types = nt;
    }
    if (bm_date_parse_iso(f[0], &first, &last, NULL, NULL) == BM_OK) {
        q.has_from = q.has_to = 1;
        q.from = first;
        q.to = last;
    }
    size_t n = 0;
    if (bm_store_query(fuzz_store, &q, count_cb, &n) != BM_OK)
        abort();
    if (ok && !q.has_bbox && !types_ok && n != 1)
        abort(); /* the incident just added overlaps its own dates */
    bm_store_rollback(fuzz_store);
    bm_cli_free_list(types, nt);
    free(text);
    return 0;
}
