/* bench_dates.c: speed of the date finder on articles of about 3 KB built by
 * recombining the sentences of tests/data/dates.tsv (text written for the
 * project). Prints articles/s with and without tokenisation. Never a test:
 * it measures, it does not judge.
 * Usage: bench_dates [ARTICLES] [TABLE]   (defaults: 10000, tests/data/dates.tsv
 * under $BORDERMAP_DATA or the source tree) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bordermap/bordermap.h"

#define ARTICLE_BYTES 3000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The sentence column of every data row of the table. */
static char **load_sentences(const char *path, size_t *n)
{
    char *data;
    size_t len;
    bm_error err;
    if (bm_read_file(path, &data, &len, &err) != BM_OK) {
        fprintf(stderr, "bench_dates: %s\n", bm_error_text(&err));
        exit(1);
    }
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    int header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !header++)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 128;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                exit(1);
        }
        v[(*n)++] = strndup(line, (size_t)(tab - line));
    }
    free(data);
    return v;
}

/* Article k: sentences picked by a fixed pseudo-random walk until ~3 KB. */
static size_t make_article(char **s, size_t ns, size_t k, char *buf, size_t cap)
{
    size_t o = 0;
    unsigned x = (unsigned)k * 2654435761u + 1;
    while (o < ARTICLE_BYTES) {
        x = x * 1103515245u + 12345u;
        const char *t = s[(x >> 8) % ns];
        size_t l = strlen(t);
        if (o + l + 2 >= cap)
            break;
        memcpy(buf + o, t, l);
        o += l;
        buf[o++] = (x & 0x10000) ? '\n' : ' ';
    }
    buf[o] = '\0';
    return o;
}

int main(int argc, char **argv)
{
    size_t articles = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    char table[4096];
    bm_error err;
    if (argc > 2) {
        snprintf(table, sizeof table, "%s", argv[2]);
    } else if (bm_data_path("tests/data/dates.tsv", table, sizeof table, &err) != BM_OK) {
        fprintf(stderr, "bench_dates: %s\n", bm_error_text(&err));
        return 1;
    }
    size_t ns;
    char **sent = load_sentences(table, &ns);
    if (!ns) {
        fprintf(stderr, "bench_dates: no sentences in %s\n", table);
        return 1;
    }
    bm_dates *d;
    if (bm_dates_new(&d, &err) != BM_OK) {
        fprintf(stderr, "bench_dates: %s\n", bm_error_text(&err));
        return 1;
    }
    static char buf[ARTICLE_BYTES + 4096];
    bm_date pub = {2025, 6, 10};
    bm_tokens toks = {0};
    double t_all = 0, t_scan = 0, bytes = 0;
    size_t found = 0;
    for (size_t k = 0; k < articles; k++) {
        size_t len = make_article(sent, ns, k, buf, sizeof buf);
        bytes += (double)len;
        bm_date_mention *m;
        size_t n;
        double t0 = now_s();
        if (bm_dates_find(d, buf, len, &pub, &m, &n, &err) != BM_OK)
            return 1;
        double t1 = now_s();
        free(m);
        found += n;
        /* The same with the caller's tokens, as ingest calls it. */
        if (bm_tokenize(buf, len, &toks, &err) != BM_OK)
            return 1;
        bm_dates_opts o;
        bm_dates_opts_init(&o);
        o.published = &pub;
        o.tokens = &toks;
        double t2 = now_s();
        if (bm_dates_find_opts(d, buf, len, &o, &m, &n, &err) != BM_OK)
            return 1;
        double t3 = now_s();
        free(m);
        t_all += t1 - t0;
        t_scan += t3 - t2;
    }
    printf("bench_dates: %zu articles, %.1f KB each, %zu dates found\n", articles,
           bytes / (double)articles / 1024, found);
    printf("  tokenise + find: %8.0f articles/s  (%.1f MB/s)\n", articles / t_all,
           bytes / t_all / 1e6);
    printf("  find on tokens:  %8.0f articles/s  (%.1f MB/s)\n", articles / t_scan,
           bytes / t_scan / 1e6);
    bm_tokens_free(&toks);
    bm_dates_free(d);
    for (size_t i = 0; i < ns; i++)
        free(sent[i]);
    free(sent);
    return 0;
}
