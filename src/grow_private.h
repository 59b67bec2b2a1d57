/* grow_private.h: the capacity doubling every growable array of the library
 * uses (tokens, an article's working arrays, the date classification).
 * Inline and private: never part of the public API. */
#ifndef BORDERMAP_GROW_PRIVATE_H
#define BORDERMAP_GROW_PRIVATE_H

#include <stdlib.h>

#include "bordermap/common.h"

/* Makes *p hold at least need elements of elem bytes, doubling *cap; BM_OK,
 * or BM_ENOMEM with *p and *cap as they were. */
static inline int bm__grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return BM_OK;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return BM_ENOMEM;
    *p = q;
    *cap = nc;
    return BM_OK;
}

#endif
