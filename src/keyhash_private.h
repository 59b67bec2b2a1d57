/* keyhash_private.h: the hash of the keys every word of a text is looked
 * up by (the gazetteer's maps, the date lexicon, the matcher's word memo).
 * Inline: it runs several times per word, and a call through the library's
 * PLT cost as much as the hash. Never part of the public API. */
#ifndef BORDERMAP_KEYHASH_PRIVATE_H
#define BORDERMAP_KEYHASH_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bordermap/arabic.h"

static inline uint64_t bm__load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t bm__load4(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* Eight bytes per step (keys are mostly 6-20 bytes of Arabic), the tail
 * read as overlapping fixed-size loads so no call to memcpy with a variable
 * length is made. Not incremental. */
static inline uint32_t bm__key_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ bm__load8(s + i)) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t w;
        if (n >= 8)
            w = bm__load8(s + n - 8);
        else if (n >= 4)
            w = bm__load4(s) | (bm__load4(s + n - 4) << 32);
        else {
            w = 0;
            for (size_t k = 0; k < n; k++)
                w = (w << 8) | (unsigned char)s[k];
        }
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* The hash of every token of t into th (t->n entries): the one array the
 * place finder, the date lexicon and the trigger lexicon share. */
static inline void bm__key_hash_tokens(const bm_tokens *t, uint32_t *th)
{
    for (size_t i = 0; i < t->n; i++)
        th[i] = bm__key_hash(t->v[i].norm, t->v[i].norm_len);
}

#endif
