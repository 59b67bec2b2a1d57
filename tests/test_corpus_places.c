/* test_corpus_places.c: place precision and recall of the matcher on the
 * seed articles of ../shared/corpus against gold/places.tsv, with the
 * codebook's distance per gold kind (ce_tolerance_km, shared with the
 * benchmark), per article over distinct places. Fails below
 * 0.95 either way; SKIPPED when the corpus is absent. Reads the corpus at
 * run time; never copies it. */
#include "bm_test.h"

#include "../bench/corpus_eval_impl.h"

#define MAX_GOLD 256

typedef struct gold {
    char file[128];
    char id[64];
    char kind[32];
    bm_lonlat pt;
} gold;

static size_t read_gold(const char *corpus, gold *g, size_t max)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/gold/places.tsv", corpus);
    FILE *fp = fopen(path, "r");
    BM_REQUIRE(fp != NULL);
    char line[4096];
    size_t n = 0;
    int header = 1;
    while (fgets(line, sizeof line, fp) && n < max) {
        if (header) {
            header = 0;
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char *f[10];
        int nf = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, "\t", &save); t && nf < 10; t = strtok_r(NULL, "\t", &save))
            f[nf++] = t;
        if (nf < 9)
            continue;
        snprintf(g[n].file, sizeof g[n].file, "%s", f[0]);
        snprintf(g[n].id, sizeof g[n].id, "%s", f[2]);
        snprintf(g[n].kind, sizeof g[n].kind, "%s", f[5]);
        g[n].pt.lat = atof(f[7]);
        g[n].pt.lon = atof(f[8]);
        n++;
    }
    fclose(fp);
    return n;
}

static int near_gold(const bm_gplace *p, const gold *g)
{
    return bm_distance_km(p->pt, g->pt) <= ce_tolerance_km(g->kind);
}

int main(void)
{
    const char *corpus = bm_test_corpus_or_skip("test_corpus_places");
    static gold gv[MAX_GOLD];
    size_t ng = read_gold(corpus, gv, MAX_GOLD);
    BM_REQUIRE(ng > 0);
    bm_gazetteer *gz;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_gazetteer_load(&gz, &err) == BM_OK);

    size_t tp_pred = 0, n_pred = 0, tp_gold = 0;
    for (size_t i = 0; i < ng; i++) {
        if (i > 0 && !strcmp(gv[i].file, gv[i - 1].file))
            continue; /* one pass per article (gold rows are grouped by file) */
        char path[1400];
        int w = snprintf(path, sizeof path, "%s/seeds/%s", corpus, gv[i].file);
        BM_REQUIRE(w > 0 && (size_t)w < sizeof path);
        char *text;
        size_t len;
        BM_REQUIRE(bm_read_file(path, &text, &len, &err) == BM_OK);
        bm_place_mention *m;
        size_t n;
        BM_REQUIRE(bm_gazetteer_find(gz, text, len, &m, &n, &err) == BM_OK);
        size_t g0 = i, g1 = i;
        while (g1 < ng && !strcmp(gv[g1].file, gv[i].file))
            g1++;
        /* distinct predicted places */
        for (size_t a = 0; a < n; a++) {
            int dup = 0;
            for (size_t b = 0; b < a && !dup; b++)
                dup = m[b].place == m[a].place;
            if (dup)
                continue;
            n_pred++;
            int ok = 0;
            for (size_t k = g0; k < g1 && !ok; k++)
                ok = near_gold(m[a].place, &gv[k]);
            tp_pred += ok;
            if (!ok)
                printf("  %s: extra %s at byte %zu (%s)\n", gv[i].file, m[a].place->id, m[a].start,
                       m[a].reason);
        }
        for (size_t k = g0; k < g1; k++) {
            int ok = 0;
            for (size_t a = 0; a < n && !ok; a++)
                ok = near_gold(m[a].place, &gv[k]);
            tp_gold += ok;
            if (!ok)
                printf("  %s: missed %s\n", gv[i].file, gv[k].id);
        }
        free(m);
        free(text);
    }
    double p = n_pred ? (double)tp_pred / (double)n_pred : 0;
    double r = (double)tp_gold / (double)ng;
    printf("test_corpus_places: precision %.3f (%zu/%zu), recall %.3f (%zu/%zu)\n", p, tp_pred,
           n_pred, r, tp_gold, ng);
    BM_ASSERT(p >= 0.95);
    BM_ASSERT(r >= 0.95);
    bm_gazetteer_free(gz);
    return bm_test_finish("test_corpus_places");
}
