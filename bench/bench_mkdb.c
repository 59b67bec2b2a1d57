/* bench_mkdb.c: writes a database of N synthetic incidents over the corridor (every one with
 * one or two source articles, 70% at a named place) for the whole-process benchmarks
 * (bench/bench-render.sh, bench/bench-export.sh), so both sides of a comparison read the same
 * file. Deterministic: the same N gives the same rows on every machine.
 * Never times anything: the benchmarks time the commands that read the file.
 * With POINTS, also writes "lon lat type-index" per incident for GMT's `plot`.
 * Usage: bench_mkdb DB N [POINTS]     (DB must not exist) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bordermap/bordermap.h"

/* xorshift64*: reproducible synthetic data. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

static const char *const place_ids[] = {"abu-kamal", "al-qaim", "rabia", "al-tanf", "sinjar"};

static int put_places(bm_store *st)
{
    static const char *const en[] = {"Abu Kamal", "Al-Qaim", "Rabia", "Al-Tanf", "Sinjar"};
    static const char *const ar[] = {"البوكمال", "القائم", "ربيعة", "التنف", "سنجار"};
    for (int i = 0; i < 5; i++) {
        bm_place p;
        memset(&p, 0, sizeof p);
        snprintf(p.id, sizeof p.id, "%s", place_ids[i]);
        snprintf(p.name_en, sizeof p.name_en, "%s", en[i]);
        snprintf(p.name_ar, sizeof p.name_ar, "%s", ar[i]);
        snprintf(p.kind, sizeof p.kind, "town");
        p.population = -1;
        p.pt = (bm_lonlat){39 + i, 33 + i * 0.5};
        if (bm_store_place_put(st, &p) != BM_OK)
            return -1;
    }
    return 0;
}

/* One article per 50 incidents, from five outlets. */
static int put_articles(bm_store *st, long n, int64_t **ids)
{
    static const char *const outlets[] = {"Rudaw", "Enab Baladi", "Shafaq", "SANA", "Al-Sumaria"};
    long na = n / 50 + 1;
    *ids = malloc((size_t)na * sizeof **ids);
    if (!*ids)
        return -1;
    for (long i = 0; i < na; i++) {
        char name[64], url[128], pub[16];
        snprintf(name, sizeof name, "article-%06ld.txt", i);
        snprintf(url, sizeof url, "https://example.org/news/%ld", i);
        bm_date d = bm_date_add_days((bm_date){2014, 1, 1}, i % 4000);
        bm_article a = {.file_name = name,
                        .source = outlets[i % 5],
                        .url = url,
                        .published = bm_date_format(d, pub),
                        .language = "ar"};
        snprintf(a.sha256, sizeof a.sha256, "%064ld", i);
        if (bm_store_article_add(st, &a) != BM_OK)
            return -1;
        (*ids)[i] = a.id;
    }
    return 0;
}

static void make_incident(bm_incident *inc, uint64_t *rng)
{
    bm_incident_init(inc);
    bm_date d = bm_date_add_days((bm_date){2014, 1, 1}, (int64_t)(uniform(rng) * 4000));
    int monthly = uniform(rng) < 0.1;
    inc->date_precision = monthly ? BM_PREC_MONTH : BM_PREC_DAY;
    inc->date_start = monthly ? (bm_date){d.year, d.month, 1} : d;
    inc->date_end = bm_date_span_end(inc->date_start, inc->date_precision);
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name((int)(next(rng) % BM_N_TYPES)));
    if (uniform(rng) < 0.7)
        snprintf(inc->place_id, sizeof inc->place_id, "%s", place_ids[next(rng) % 5]);
    /* Spread over the corridor map, every point a pin (no governorate-level areas). */
    inc->pt = (bm_lonlat){37 + uniform(rng) * 8, 31.5 + uniform(rng) * 6};
    inc->geo_precision = 1 + (int)(next(rng) % 2);
    inc->confidence = 0.3 + uniform(rng) * 0.7;
    inc->fatalities = uniform(rng) < 0.5 ? -1 : (int)(next(rng) % 20);
    snprintf(inc->summary, sizeof inc->summary,
             "اشتباك مسلح قرب المنفذ الحدودي، الحادثة رقم %" PRIu64, next(rng) % 100000);
}

static int put_incidents(bm_store *st, long n, const int64_t *articles, FILE *pts)
{
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    bm_incident inc;
    for (long i = 0; i < n; i++) {
        make_incident(&inc, &rng);
        if (bm_store_incident_add(st, &inc) != BM_OK)
            return -1;
        if (pts)
            fprintf(pts, "%.6f %.6f %d\n", inc.pt.lon, inc.pt.lat, bm_type_index(inc.type));
        int ns = 1 + (next(&rng) % 4 == 0);
        for (int k = 0; k < ns; k++) {
            bm_source s = {.incident_id = inc.id,
                           .article_id = articles[(i / 50 + k) % (n / 50 + 1)],
                           .byte_start = 100 * k,
                           .byte_end = 100 * k + 80,
                           .sentence = "قصفت طائرة مسيرة موقعا قرب المعبر الحدودي."};
            if (bm_store_source_add(st, &s) != BM_OK)
                return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc != 3 && argc != 4) || atol(argv[2]) <= 0) {
        fprintf(stderr, "usage: bench_mkdb DB N [POINTS]\n");
        return 2;
    }
    const char *db = argv[1];
    long n = atol(argv[2]);
    if (access(db, F_OK) == 0) {
        fprintf(stderr, "bench_mkdb: %s exists\n", db);
        return 1;
    }
    FILE *pts = argc == 4 ? fopen(argv[3], "w") : NULL;
    if (argc == 4 && !pts) {
        perror(argv[3]);
        return 1;
    }
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(db, 0, &st, &err) != BM_OK) {
        fprintf(stderr, "bench_mkdb: %s: %s\n", db, bm_error_text(&err));
        return 1;
    }
    int64_t *articles = NULL;
    int rc = bm_store_begin(st) == BM_OK && put_places(st) == 0 &&
                     put_articles(st, n, &articles) == 0 && put_incidents(st, n, articles, pts) == 0
                 ? 0
                 : -1;
    if (rc == 0)
        rc = bm_store_commit(st) == BM_OK ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "bench_mkdb: %s\n", bm_store_errmsg(st));
    free(articles);
    bm_store_close(st);
    if (pts && fclose(pts) != 0)
        rc = -1;
    return rc ? 1 : 0;
}
