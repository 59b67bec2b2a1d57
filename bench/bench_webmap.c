/* bench_webmap.c: fills a database made by `bordermap init` with N synthetic incidents for
 * bench/bench-webmap.sh (the web map's size and slider speed at 10,000 incidents): places
 * drawn from the stored gazetteer (towns and crossings of Iraq and Syria, governorates for
 * imprecise ones, the two countries for country-level ones), three years of dates, every
 * type, one to three sources per incident with an outlet, a link and a sentence.
 * A benchmark helper, not a test: reproducible (xorshift), never run by ctest.
 * Usage: bench_webmap DB [N=10000] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/bordermap.h"

static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static size_t pick(uint64_t *s, size_t n)
{
    return (size_t)(next(s) >> 11) % n;
}

typedef struct places {
    bm_place *towns, *areas, *countries;
    size_t n_towns, n_areas, n_countries;
} places;

/* The gazetteer has a few thousand places: one slot more each time is fast enough. */
static void push(bm_place **arr, size_t *n, const bm_place *p)
{
    bm_place *grown = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!grown)
        abort();
    *arr = grown;
    (*arr)[(*n)++] = *p;
}

static int place_cb(const bm_place *p, void *user)
{
    places *pl = user;
    int iqsy = !strcmp(p->country, "IQ") || !strcmp(p->country, "SY");
    if (!strcmp(p->id, "iraq") || !strcmp(p->id, "syria"))
        push(&pl->countries, &pl->n_countries, p);
    else if (iqsy && !strcmp(p->kind, "governorate"))
        push(&pl->areas, &pl->n_areas, p);
    else if (iqsy && (!strcmp(p->kind, "town") || !strcmp(p->kind, "city") ||
                      !strcmp(p->kind, "crossing") || !strcmp(p->kind, "village")))
        push(&pl->towns, &pl->n_towns, p);
    return 0;
}

static const char *const outlets[] = {"Shafaq News", "Rudaw", "Enab Baladi", "SANA", "INA",
                                      "Syrian Observatory", "Al-Sumaria", "Kurdistan 24"};

/* One article: its outlet, date and link; then each incident cites a sentence of it. */
static int add_article(bm_store *st, uint64_t *s, long k, bm_date d, int64_t *id)
{
    char sha[65], url[160], pub[16], file[40];
    snprintf(sha, sizeof sha, "%064lx", k + 1);
    snprintf(url, sizeof url, "https://news.example.org/%ld-border-report", k);
    snprintf(file, sizeof file, "report-%06ld.txt", k);
    bm_date_format(d, pub);
    bm_article a = {.file_name = file, .source = outlets[pick(s, 8)], .url = url,
                    .published = pub, .language = pick(s, 2) ? "ar" : "en"};
    memcpy(a.sha256, sha, sizeof sha);
    int rc = bm_store_article_add(st, &a);
    *id = a.id;
    return rc;
}

static int fill(bm_store *st, const places *pl, long n)
{
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    bm_date base = {2023, 1, 1};
    int64_t article = 0;
    long n_articles = 0;
    int rc = bm_store_begin(st);
    for (long i = 0; rc == BM_OK && i < n; i++) {
        bm_incident inc;
        bm_incident_init(&inc);
        unsigned r = (unsigned)pick(&s, 100);
        const bm_place *p = r < 3 ? &pl->countries[pick(&s, pl->n_countries)]
                            : r < 15 ? &pl->areas[pick(&s, pl->n_areas)]
                                     : &pl->towns[pick(&s, pl->n_towns)];
        inc.geo_precision = r < 15 ? 3 : r < 25 ? 2 : 1;
        snprintf(inc.type, sizeof inc.type, "%s", bm_type_name((int)pick(&s, BM_N_TYPES)));
        snprintf(inc.place_id, sizeof inc.place_id, "%s", p->id);
        inc.pt = p->pt;
        inc.date_start = inc.date_end = bm_date_add_days(base, (int64_t)pick(&s, 3 * 365));
        if (pick(&s, 10) == 0) {
            inc.date_precision = BM_PREC_MONTH;
            inc.date_start.day = 1;
            inc.date_end = bm_date_span_end(inc.date_start, BM_PREC_MONTH);
        }
        inc.confidence = 0.5 + 0.05 * (double)pick(&s, 10);
        inc.fatalities = pick(&s, 3) ? -1 : (int)pick(&s, 12);
        snprintf(inc.summary, sizeof inc.summary, "%s at %s", inc.type, p->name_en);
        rc = bm_store_incident_add(st, &inc);
        int n_src = 1 + (int)pick(&s, 3) / 2 + (pick(&s, 8) == 0);
        for (int k = 0; rc == BM_OK && k < n_src; k++) {
            if (n_articles == 0 || pick(&s, 3) == 0)
                rc = add_article(st, &s, n_articles++, inc.date_end, &article);
            char sentence[512];
            snprintf(sentence, sizeof sentence,
                     pick(&s, 2) ? "أفادت مصادر محلية بوقوع حادث من نوع %s في %s، وقالت إن القوات "
                                   "الأمنية انتشرت في المنطقة بعد ساعات من الحادث."
                                 : "Local sources reported a %s incident in %s; security forces "
                                   "deployed in the area hours later, the report said.",
                     inc.type, pick(&s, 2) ? p->name_ar : p->name_en);
            bm_source src = {.incident_id = inc.id, .article_id = article,
                             .byte_start = 40 * k, .byte_end = 40 * k + 160, .sentence = sentence};
            if (rc == BM_OK)
                rc = bm_store_source_add(st, &src);
        }
    }
    if (rc == BM_OK)
        return bm_store_commit(st);
    bm_store_rollback(st);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_webmap DB [N=10000]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 10000;
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(argv[1], BM_STORE_NOCREATE, &st, &err) != BM_OK) {
        fprintf(stderr, "bench_webmap: %s: %s\n", argv[1], bm_error_text(&err));
        return 1;
    }
    places pl = {0};
    int rc = bm_store_places(st, place_cb, &pl);
    if (rc == BM_OK && (!pl.n_towns || !pl.n_areas || !pl.n_countries)) {
        fprintf(stderr, "bench_webmap: the gazetteer lacks towns, governorates or countries\n");
        rc = BM_ENOTFOUND;
    }
    if (rc == BM_OK)
        rc = fill(st, &pl, n);
    if (rc != BM_OK)
        fprintf(stderr, "bench_webmap: %s\n", bm_store_errmsg(st));
    else
        printf("bench_webmap: %ld incidents in %s\n", n, argv[1]);
    free(pl.towns);
    free(pl.areas);
    free(pl.countries);
    bm_store_close(st);
    return rc == BM_OK ? 0 : 1;
}
