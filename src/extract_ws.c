/* extract_ws.c: one thread's extraction workspace (see extract_ws_private.h).
 * Must never be shared by two threads at once: it is mutable state, kept by
 * its owner (an ingest worker, the ingest handle for its own thread). */
#include <stdlib.h>

#include "extract_private.h"
#include "extract_ws_private.h"
#include "keyhash_private.h"

struct bm__extract_ws {
    const bm_gazetteer *g;
    bm_place_finder *finder;
    lex_memo *lex;
    bm__dates_cls *dates;
    uint32_t *th; /* token hashes of th_v[0..th_n) when th_held */
    size_t th_cap;
    const bm_token *th_v;
    size_t th_n;
    int th_held;
    void *slot[BM__WS_NSLOTS];
    size_t slot_cap[BM__WS_NSLOTS]; /* bytes */
};

/* Arrays kept between articles are at most this large: a thread's memory
 * stays bounded (an ordinary article needs well under a tenth of it). */
#define SLOT_KEEP_MAX ((size_t)4 << 20)

int bm__extract_ws_new(const bm_gazetteer *g, bm__extract_ws **out, bm_error *err)
{
    *out = NULL;
    bm__extract_ws *ws = calloc(1, sizeof *ws);
    if (!ws || !(ws->lex = bm__lex_memo_new()) || !(ws->dates = bm__dates_cls_new())) {
        if (ws)
            bm__lex_memo_free(ws->lex);
        free(ws);
        return bm_error_set(err, BM_ENOMEM, "extract: out of memory");
    }
    ws->g = g;
    int rc = bm_place_finder_new(g, &ws->finder, err);
    if (rc != BM_OK) {
        bm__extract_ws_free(ws);
        return rc;
    }
    *out = ws;
    return BM_OK;
}

void bm__extract_ws_free(bm__extract_ws *ws)
{
    if (!ws)
        return;
    bm_place_finder_free(ws->finder);
    bm__lex_memo_free(ws->lex);
    bm__dates_cls_free(ws->dates);
    free(ws->th);
    for (int k = 0; k < BM__WS_NSLOTS; k++)
        free(ws->slot[k]);
    free(ws);
}

bm_place_finder *bm__extract_ws_finder(bm__extract_ws *ws, const bm_gazetteer *g)
{
    return ws && ws->g == g ? ws->finder : NULL;
}

lex_memo *bm__extract_ws_lex(bm__extract_ws *ws)
{
    return ws ? ws->lex : NULL;
}

bm__dates_cls *bm__extract_ws_dates(bm__extract_ws *ws)
{
    return ws ? ws->dates : NULL;
}

void *bm__extract_ws_take(bm__extract_ws *ws, int k, size_t *cap_bytes)
{
    *cap_bytes = 0;
    if (!ws || k < 0 || k >= BM__WS_NSLOTS)
        return NULL;
    void *p = ws->slot[k];
    *cap_bytes = ws->slot_cap[k];
    ws->slot[k] = NULL;
    ws->slot_cap[k] = 0;
    return p;
}

void bm__extract_ws_give(bm__extract_ws *ws, int k, void *p, size_t cap_bytes)
{
    if (!ws || k < 0 || k >= BM__WS_NSLOTS || cap_bytes > SLOT_KEEP_MAX || ws->slot[k]) {
        free(p);
        return;
    }
    ws->slot[k] = p;
    ws->slot_cap[k] = p ? cap_bytes : 0;
}

const uint32_t *bm__extract_ws_hashes(bm__extract_ws *ws, const bm_tokens *t)
{
    if (!ws || !t)
        return NULL;
    if (ws->th_held && ws->th_v == t->v && ws->th_n == t->n)
        return ws->th;
    ws->th_held = 0;
    if (t->n > ws->th_cap) {
        size_t nc = ws->th_cap ? ws->th_cap : 1024;
        while (nc < t->n)
            nc *= 2;
        uint32_t *p = realloc(ws->th, nc * sizeof *p);
        if (!p)
            return NULL;
        ws->th = p;
        ws->th_cap = nc;
    }
    bm__key_hash_tokens(t, ws->th);
    ws->th_v = t->v;
    ws->th_n = t->n;
    ws->th_held = 1;
    return ws->th;
}

void bm__extract_ws_forget_hashes(bm__extract_ws *ws)
{
    if (ws)
        ws->th_held = 0;
}
