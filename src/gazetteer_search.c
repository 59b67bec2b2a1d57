/* gazetteer_search.c: candidates for a typed place name (bordermap places
 * search), exact readings first, then near spellings with a score.
 * Must never reorder equal-score results between runs: ties break on the
 * place order, which is the order of the files. */
#include "gazetteer_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct scored {
    uint32_t place;
    double score;
    uint32_t alias_off;
} scored;

typedef struct results {
    scored *v;
    size_t n, cap;
} results;

static int add(results *r, uint32_t place, double score, uint32_t alias_off)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].place != place)
            continue;
        if (score > r->v[i].score) {
            r->v[i].score = score;
            r->v[i].alias_off = alias_off;
        }
        return 0;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        scored *nv = realloc(r->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = (scored){place, score, alias_off};
    return 0;
}

static int add_group(const bm_gazetteer *g, results *r, uint32_t group, double score)
{
    const gz_group *gr = &g->groups[group];
    for (uint32_t i = 0; i < gr->n; i++) {
        const gz_ref *ref = &g->refs[gr->first + i];
        /* names reached by dropping the article or joining words rank a
         * little below the names as listed */
        double s = score - ((ref->flags & (GZ_R_NOART | GZ_R_JOINED)) ? 0.02 : 0.0) - 0.001 * i;
        if (add(r, ref->place, s, ref->alias_off))
            return -1;
    }
    return 0;
}

/* Levenshtein distance over bytes, giving up above limit (returns limit+1).
 * Arabic letters are two bytes, so one wrong letter costs up to 2. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb, size_t limit)
{
    if ((na > nb ? na - nb : nb - na) > limit || nb > 255 || na > 255)
        return limit + 1;
    size_t prev[256], cur[256];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= nb; j++) {
            size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
            if (c < row_min)
                row_min = c;
        }
        if (row_min > limit)
            return limit + 1;
        memcpy(prev, cur, (nb + 1) * sizeof *prev);
    }
    return prev[nb];
}

/* The key of the whole query as the index would hold it. */
static size_t query_key(const bm_tokens *t, char *out, size_t outsize, int *latin)
{
    size_t o = 0;
    *latin = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].kind == BM_TOK_ARABIC)
            *latin = 0;
    for (size_t i = 0; i < t->n; i++) {
        const bm_token *tk = &t->v[i];
        if (tk->kind != BM_TOK_ARABIC && tk->kind != BM_TOK_LATIN && tk->kind != BM_TOK_NUMBER)
            continue;
        size_t need = tk->norm_len + (!*latin && o ? 1 : 0);
        if (o + need + 1 > outsize)
            break;
        if (!*latin && o)
            out[o++] = ' ';
        memcpy(out + o, tk->norm, tk->norm_len);
        o += tk->norm_len;
    }
    out[o] = '\0';
    return o;
}

/* Near spellings: a pass over the index keys. This is the one place that
 * looks at every key; it serves an interactive command, never the matcher. */
static int fuzzy(const bm_gazetteer *g, results *r, const char *q, size_t qn)
{
    size_t limit = qn >= 12 ? 4 : qn >= 6 ? 2 : 1;
    for (size_t i = 0; i < g->index.cap; i++) {
        const gz_slot *s = &g->index.slots[i];
        if (s->key_off == UINT32_MAX || !(s->value & GZ_E_FULL))
            continue;
        const char *k = bm__gz_map_key(&g->index, s);
        double score = 0;
        if (s->key_len > qn && qn >= 3 && !memcmp(k, q, qn))
            score = 0.7 - 0.2 * (double)(s->key_len - qn) / (double)s->key_len;
        size_t d = edit_distance(q, qn, k, s->key_len, limit);
        if (d <= limit) {
            double e = 0.9 - 0.3 * (double)d / (double)(limit + 1);
            if (e > score)
                score = e;
        }
        if (score > 0 && add_group(g, r, s->value & GZ_E_GROUP, score))
            return -1;
    }
    return 0;
}

static int cmp_scored(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->place < y->place ? -1 : x->place > y->place;
}

int bm_gazetteer_search(const bm_gazetteer *g, const char *name, bm_place_candidate *out,
                        size_t max, size_t *n)
{
    *n = 0;
    if (!g || !name)
        return BM_EINVAL;
    bm_tokens t = {0};
    results r = {0};
    int rc = bm_tokenize(name, strlen(name), &t, NULL);
    if (rc)
        goto done;
    rc = BM_ENOMEM;
    /* 1. the whole query read as a name, with clitics and articles */
    size_t first = 0;
    while (first < t.n && t.v[first].kind == BM_TOK_PUNCT)
        first++;
    gz_hit h;
    if (first < t.n && bm__gz_longest(g, &t, first, &h)) {
        size_t last = t.n;
        while (last > 0 && t.v[last - 1].kind == BM_TOK_PUNCT)
            last--;
        double s = h.t1 + 1 == last ? (h.strip ? 0.97 : 1.0) : 0.6;
        if (add_group(g, &r, h.group, s))
            goto done;
    }
    /* 2. a place id typed as such */
    const bm_gplace *byid = bm_gazetteer_get(g, name);
    if (byid && add(&r, (uint32_t)((const gz_place *)byid - g->places), 1.0, UINT32_MAX))
        goto done;
    /* 3. near spellings */
    char key[GZ_MAX_KEY + 8];
    int latin;
    size_t qn = query_key(&t, key, sizeof key, &latin);
    if (qn && fuzzy(g, &r, key, qn))
        goto done;
    if (r.n)
        qsort(r.v, r.n, sizeof *r.v, cmp_scored);
    for (size_t i = 0; i < r.n && *n < max; i++) {
        bm_place_candidate *c = &out[(*n)++];
        c->place = &g->places[r.v[i].place].pub;
        c->score = r.v[i].score > 1.0 ? 1.0 : r.v[i].score;
        c->matched =
            r.v[i].alias_off == UINT32_MAX ? c->place->id : bm__gz_str(g, r.v[i].alias_off);
    }
    rc = BM_OK;
done:
    free(r.v);
    bm_tokens_free(&t);
    return rc;
}

size_t bm_gazetteer_names(const bm_gazetteer *g, const bm_gplace *p, const char **out, size_t max)
{
    if (!g || !p)
        return 0;
    uint32_t want = (uint32_t)((const gz_place *)p - g->places);
    size_t n = 0;
    for (int canon = 1; canon >= 0; canon--) {
        for (size_t i = 0; i < g->n_refs; i++) {
            const gz_ref *r = &g->refs[i];
            if (r->place != want || ((r->flags & GZ_R_CANON) != 0) != canon)
                continue;
            const char *s = bm__gz_str(g, r->alias_off);
            int seen = 0;
            for (size_t k = 0; k < n && k < max; k++)
                if (!strcmp(out[k], s))
                    seen = 1;
            if (seen)
                continue;
            if (n < max)
                out[n] = s;
            n++;
        }
    }
    return n;
}
