/* test_corpus_dates.c: date precision, recall and F1 of bm_dates_find on the
 * seed articles of ../shared/corpus against gold/dates.tsv, with the gold
 * publication dates; fails under 0.95 F1; SKIPPED when the corpus is absent.
 * Reads the corpus, never copies it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"

#define MAX_FILES 256
#define MAX_GOLD 4096
#define F1_TARGET 0.95

typedef struct article {
    char file[256];
    bm_date published;
    int stated; /* published_basis == stated */
} article;

typedef struct gold {
    char file[256];
    char surface[512];
    char value[16];
    int matched;
} gold;

static int split(char *s, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++) {
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    return n;
}

/* Calls row(fields, n, ctx) for every data row of a gold TSV. */
static int read_tsv(const char *corpus, const char *name, void (*row)(char **, int, void *),
                    void *ctx)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/gold/%s", corpus, name);
    char *data;
    size_t len;
    bm_error err;
    bm_error_clear(&err);
    if (bm_read_file(path, &data, &len, &err) != BM_OK) {
        BM_FAIL_AT("%s: %s", path, bm_error_text(&err));
        return -1;
    }
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[ll - 1] = '\0';
        if (lineno++ == 0 || line[0] == '\0')
            continue;
        char *f[16];
        int n = split(line, f, 16);
        row(f, n, ctx);
    }
    free(data);
    return 0;
}

typedef struct corpus_state {
    article art[MAX_FILES];
    size_t nart;
    gold gold[MAX_GOLD];
    size_t ngold;
} corpus_state;

static void article_row(char **f, int n, void *ctx)
{
    corpus_state *c = ctx;
    if (n < 5 || c->nart == MAX_FILES)
        return;
    article *a = &c->art[c->nart];
    snprintf(a->file, sizeof a->file, "%s", f[0]);
    if (bm_date_parse_iso(f[2], &a->published, NULL, NULL, NULL) != BM_OK) {
        BM_FAIL_AT("articles.tsv: bad publication date '%s' for %s", f[2], f[0]);
        return;
    }
    a->stated = strcmp(f[3], "stated") == 0;
    c->nart++;
}

static void gold_row(char **f, int n, void *ctx)
{
    corpus_state *c = ctx;
    if (n < 5 || c->ngold == MAX_GOLD)
        return;
    gold *g = &c->gold[c->ngold++];
    snprintf(g->file, sizeof g->file, "%s", f[0]);
    snprintf(g->surface, sizeof g->surface, "%s", f[1]);
    snprintf(g->value, sizeof g->value, "%s", f[2]);
    g->matched = 0;
}

typedef struct score {
    int tp, fp, dup, gold;
} score;

/* Matches one prediction of file against the gold rows: a free gold row of
 * the same value is a hit; a value that only repeats an already matched gold
 * date is a repeated mention (neither hit nor error); anything else is a
 * false positive. */
static void match(corpus_state *c, const char *file, const char *value, const char *surface,
                  score *s)
{
    int seen = 0;
    for (size_t k = 0; k < c->ngold; k++) {
        gold *g = &c->gold[k];
        if (strcmp(g->file, file) != 0 || strcmp(g->value, value) != 0)
            continue;
        seen = 1;
        if (!g->matched) {
            g->matched = 1;
            s->tp++;
            return;
        }
    }
    if (seen) {
        s->dup++;
        return;
    }
    s->fp++;
    printf("  false positive  %s  %s  [%s]\n", file, value, surface);
}

static void run_article(const bm_dates *d, corpus_state *c, const char *corpus, const article *a,
                        score *s)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/seeds/%s", corpus, a->file);
    char *text;
    size_t len;
    bm_error err;
    bm_error_clear(&err);
    if (bm_read_file(path, &text, &len, &err) != BM_OK) {
        BM_FAIL_AT("%s: %s", path, bm_error_text(&err));
        return;
    }
    bm_date_mention *m;
    size_t n;
    if (bm_dates_find(d, text, len, &a->published, &m, &n, &err) != BM_OK) {
        BM_FAIL_AT("%s: %s", path, bm_error_text(&err));
        free(text);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char value[16], surface[512];
        snprintf(surface, sizeof surface, "%.*s", (int)(m[i].end - m[i].start), text + m[i].start);
        if (!m[i].resolved) {
            s->fp++;
            printf("  unresolved      %s  [%s]\n", a->file, surface);
            continue;
        }
        bm_date_format_prec(m[i].date, m[i].precision, value);
        match(c, a->file, value, surface, s);
    }
    free(m);

    /* The article's own date: a stated one must be found; an inferred one
     * must never be invented differently. */
    bm_date pub;
    int rc = bm_dates_published(d, text, len, &pub);
    char want[16], got[16];
    bm_date_format(a->published, want);
    if (a->stated && (rc != BM_OK || bm_date_cmp(pub, a->published) != 0))
        BM_FAIL_AT("%s: stated publication date %s, got %s", a->file, want,
                   rc == BM_OK ? bm_date_format(pub, got) : "none");
    if (!a->stated && rc == BM_OK && bm_date_cmp(pub, a->published) != 0)
        BM_FAIL_AT("%s: publication date %s read, but it is %s", a->file, bm_date_format(pub, got),
                   want);
    free(text);
}

int main(void)
{
    const char *corpus = bm_test_corpus_or_skip("test_corpus_dates");
    static corpus_state c;
    if (read_tsv(corpus, "articles.tsv", article_row, &c) ||
        read_tsv(corpus, "dates.tsv", gold_row, &c))
        return bm_test_finish("test_corpus_dates");
    BM_REQUIRE(c.nart > 0 && c.ngold > 0);

    bm_dates *d;
    bm_error err;
    bm_error_clear(&err);
    if (bm_dates_new(&d, &err) != BM_OK) {
        fprintf(stderr, "bm_dates_new: %s\n", bm_error_text(&err));
        return 1;
    }
    score s = {0, 0, 0, (int)c.ngold};
    for (size_t i = 0; i < c.nart; i++)
        run_article(d, &c, corpus, &c.art[i], &s);
    for (size_t k = 0; k < c.ngold; k++)
        if (!c.gold[k].matched)
            printf("  missed          %s  %s  [%s]\n", c.gold[k].file, c.gold[k].value,
                   c.gold[k].surface);
    bm_dates_free(d);

    double p = s.tp + s.fp ? (double)s.tp / (s.tp + s.fp) : 0;
    double r = s.gold ? (double)s.tp / s.gold : 0;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    printf("dates on %zu seed articles: gold %d, found %d, repeated %d, false %d\n", c.nart, s.gold,
           s.tp, s.dup, s.fp);
    printf("date precision %.3f  recall %.3f  F1 %.3f  (target F1 >= %.2f)\n", p, r, f1, F1_TARGET);
    if (f1 < F1_TARGET)
        BM_FAIL_AT("date F1 %.3f is under %.2f", f1, F1_TARGET);
    return bm_test_finish("test_corpus_dates");
}
