/* gazetteer_rank.c: how the matcher ranks same-name places that only user
 * imports (WOF, GeoNames dumps, TSV) know: WOF alone has thousands of
 * villages sharing a name, so the article's other places decide, then the
 * Iraq-Syria corridor the project is about.
 * Must never rank a curated place: this only adds to imported candidates
 * (curated rows already come first, gazetteer.c drops imported rows that
 * share a curated name). */
#include "gazetteer_private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Beyond this, another place of the article says nothing about which of
 * two same-name villages is meant. */
#define ANCHOR_RANGE_KM 150.0

/* The band either side of the Iraq-Syria border the corridor covers. */
static int in_corridor(bm_lonlat pt)
{
    return pt.lat >= 32.0 && pt.lat <= 37.5 && pt.lon >= 38.0 && pt.lon <= 44.0;
}

double bm__gz_rank_imported(const gz_place *p, const bm_lonlat *anchors, size_t n_anchors,
                            const char **why)
{
    double s = in_corridor(p->pub.pt) ? 0.3 : 0.0;
    double dmin = ANCHOR_RANGE_KM;
    for (size_t i = 0; i < n_anchors; i++) {
        double d = bm_distance_km(p->pub.pt, anchors[i]);
        if (d < dmin)
            dmin = d;
    }
    if (dmin < ANCHOR_RANGE_KM) {
        /* up to 3 points: more than the country or governorate terms, less
         * than a trigger that names the kind */
        s += 3.0 * (1.0 - dmin / ANCHOR_RANGE_KM);
        *why = "distance";
    }
    return s;
}

/* ---- Names made of given names and common words ------------------------------ */

#define AR_AL "\xD8\xA7\xD9\x84" /* ال */

/* The word without its article ال (when something is left). */
static void strip_article(const char **w, size_t *n)
{
    if (*n > 6 && !memcmp(*w, AR_AL, 4)) {
        *w += 4;
        *n -= 4;
    }
}

/* One word per row (first column) into map, article-less when strip_al. */
static int load_words(const char *dir, const char *file, gz_map *map, int strip_al,
                      bm_error *err)
{
    char path[4096];
    if (bm__gz_join_path(path, sizeof path, dir, file))
        return bm_error_set(err, BM_EINVAL, "%s/%s: path too long", dir, file);
    if (access(path, R_OK) != 0)
        return BM_OK; /* optional */
    gz_tsv t;
    int rc = bm__gz_tsv_open(&t, path, err);
    if (rc)
        return rc;
    char *f[TSV_MAX_FIELDS];
    int nf = bm__gz_tsv_next(&t, f); /* header */
    while (rc == BM_OK && nf > 0 && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        char key[GZ_MAX_KEY + 8];
        int latin;
        if (!bm__gz_name_key(f[0], key, sizeof key, &latin) || strchr(key, ' '))
            continue; /* one word per row */
        const char *w = key;
        size_t n = strlen(key);
        if (strip_al)
            strip_article(&w, &n);
        int created;
        if (!bm__gz_map_put(map, w, n, &created))
            rc = bm_error_set(err, BM_ENOMEM, "loading %s: out of memory", path);
    }
    free(t.data);
    return rc;
}

int bm__gz_load_name_words(bm_gazetteer *g, const char *dir, bm_error *err)
{
    int rc = load_words(dir, "name-words.tsv", &g->name_words, 1, err);
    return rc ? rc : load_words(dir, "import-evidence.tsv", &g->import_evidence, 0, err);
}

int bm__gz_vouches(const bm_gazetteer *g, const bm_token *tk)
{
    if (g->import_evidence.n == 0)
        return 1; /* without the list, any trigger does */
    const char *w = tk->norm;
    size_t n = tk->norm_len;
    if (bm__gz_map_get(&g->import_evidence, w, n, bm__gz_hash(w, n)))
        return 1;
    if (tk->kind != BM_TOK_ARABIC)
        return 0;
    for (int which = 1; which <= 2; which++) {
        size_t cl = bm_ar_proclitic_len(w, n, which);
        if (cl && cl < n && bm__gz_map_get(&g->import_evidence, w + cl, n - cl,
                                           bm__gz_hash(w + cl, n - cl)))
            return 1;
    }
    return 0;
}

int bm__gz_all_name_words(const bm_gazetteer *g, const bm_tokens *t, size_t t0, size_t t1,
                          int strip)
{
    if (g->name_words.n == 0)
        return 0;
    int words = 0;
    for (size_t i = t0; i <= t1 && i < t->n; i++) {
        const bm_token *tk = &t->v[i];
        if (tk->kind != BM_TOK_ARABIC)
            continue; /* hyphens and marks between the words */
        const char *w = tk->norm + (i == t0 ? (size_t)strip : 0);
        size_t n = tk->norm_len - (i == t0 ? (size_t)strip : 0);
        strip_article(&w, &n);
        if (!bm__gz_map_get(&g->name_words, w, n, bm__gz_hash(w, n)))
            return 0;
        words++;
    }
    return words > 0;
}
