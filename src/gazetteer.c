/* gazetteer.c: loads the places of the gazetteer/ TSV files and the context lexicons,
 * and builds the hash index of normalised names the matcher reads.
 * Must never scan the place list to answer a name: every name lookup goes
 * through the index, so 100k names cost the same as 100. */
#include "gazetteer_private.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bordermap/fileio.h"

#define NO_VALUE UINT32_MAX

/* ---- Hash map ---------------------------------------------------------- */

uint32_t bm__gz_hash_more(uint32_t h, const char *s, size_t n)
{
    /* FNV-1a: incremental, so the matcher extends a key word by word. */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

const char *bm__gz_map_key(const gz_map *m, const gz_slot *s)
{
    return m->keys + s->key_off;
}

const gz_slot *bm__gz_map_get(const gz_map *m, const char *key, size_t len, uint32_t hash)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const gz_slot *s = &m->slots[i];
        if (s->key_off == NO_VALUE)
            return NULL;
        if (s->hash == hash && s->key_len == len && memcmp(m->keys + s->key_off, key, len) == 0)
            return s;
    }
}

static int map_rehash(gz_map *m, size_t ncap)
{
    gz_slot *ns = malloc(ncap * sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < ncap; i++)
        ns[i].key_off = NO_VALUE;
    for (size_t i = 0; i < m->cap; i++) {
        gz_slot *s = &m->slots[i];
        if (s->key_off == NO_VALUE)
            continue;
        size_t j = s->hash & (ncap - 1);
        while (ns[j].key_off != NO_VALUE)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

gz_slot *bm__gz_map_put(gz_map *m, const char *key, size_t len, int *created)
{
    *created = 0;
    if ((m->n + 1) * 2 > m->cap && map_rehash(m, m->cap ? m->cap * 2 : 64))
        return NULL;
    uint32_t h = bm__gz_hash(key, len);
    size_t mask = m->cap - 1;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        gz_slot *s = &m->slots[i];
        if (s->key_off == NO_VALUE)
            break;
        if (s->hash == h && s->key_len == len && memcmp(m->keys + s->key_off, key, len) == 0)
            return s;
    }
    if (m->keys_len + len + 1 > m->keys_cap) {
        size_t nc = m->keys_cap ? m->keys_cap : 4096;
        while (nc < m->keys_len + len + 1)
            nc *= 2;
        char *nk = realloc(m->keys, nc);
        if (!nk)
            return NULL;
        m->keys = nk;
        m->keys_cap = nc;
    }
    memcpy(m->keys + m->keys_len, key, len);
    m->keys[m->keys_len + len] = '\0';
    gz_slot *s = &m->slots[i];
    s->hash = h;
    s->key_off = (uint32_t)m->keys_len;
    s->key_len = (uint32_t)len;
    s->value = 0;
    m->keys_len += len + 1;
    m->n++;
    *created = 1;
    return s;
}

void bm__gz_map_free(gz_map *m)
{
    free(m->slots);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

/* ---- Growable arrays and the string arena -------------------------------- */

int bm__gz_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

long bm__gz_str_add(bm_gazetteer *g, const char *s, size_t len)
{
    if (bm__gz_grow((void **)&g->strings, &g->strings_cap, g->strings_len + len + 1, 1))
        return -1;
    long off = (long)g->strings_len;
    memcpy(g->strings + off, s, len);
    g->strings[off + (long)len] = '\0';
    g->strings_len += len + 1;
    return off;
}

const char *bm__gz_str(const bm_gazetteer *g, uint32_t off)
{
    return g->strings + off;
}

/* ---- Kinds --------------------------------------------------------------- */

static const char *const kinds[] = {
    "country",  "governorate", "district", "subdistrict", "city",    "town",    "village",
    "crossing", "camp",        "base",     "oilfield",    "station", "airport", "dam",
    "mountain", "region",      "river",    "lake",        "other",
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static int kind_index(const char *kind)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (strcmp(kinds[i], kind) == 0)
            return (int)i;
    return -1;
}

unsigned bm__gz_kind_bit(const char *kind)
{
    int i = kind_index(kind);
    return i < 0 ? 0u : 1u << i;
}

/* crossing/camp/base > village > town > city > subdistrict > district >
 * governorate > region > country: the header's promise for specificity. */
int bm__gz_kind_rank(const char *kind)
{
    static const struct {
        const char *k;
        int r;
    } ranks[] = {
        {"crossing", 9},    {"camp", 9},        {"base", 9},     {"oilfield", 9}, {"station", 9},
        {"airport", 9},     {"dam", 9},         {"village", 8},  {"town", 7},     {"city", 6},
        {"mountain", 5},    {"subdistrict", 5}, {"district", 4}, {"river", 3},    {"lake", 3},
        {"governorate", 3}, {"other", 2},       {"region", 2},   {"country", 1},
    };
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++)
        if (strcmp(ranks[i].k, kind) == 0)
            return ranks[i].r;
    return 2;
}

static unsigned kind_flags(const char *kind)
{
    if (!strcmp(kind, "city") || !strcmp(kind, "town") || !strcmp(kind, "village"))
        return GZ_P_SETTLE;
    if (!strcmp(kind, "country") || !strcmp(kind, "governorate") || !strcmp(kind, "district") ||
        !strcmp(kind, "subdistrict") || !strcmp(kind, "region"))
        return GZ_P_AREA;
    if (!strcmp(kind, "crossing") || !strcmp(kind, "camp") || !strcmp(kind, "base") ||
        !strcmp(kind, "oilfield") || !strcmp(kind, "station") || !strcmp(kind, "airport") ||
        !strcmp(kind, "dam"))
        return GZ_P_POINTLIKE;
    return 0;
}

/* ---- Keys ---------------------------------------------------------------- */

static const char *const latin_articles[] = {"al", "el",  "ad",  "ar", "as", "ash", "at",
                                             "az", "ez",  "es",  "ed", "er", "et",  "en",
                                             "an", "adh", "ath", "dh", "ul", "ud",  "ur"};

int bm__gz_latin_article(const char *w, size_t len)
{
    if (len < 2 || len > 3)
        return 0;
    for (size_t i = 0; i < sizeof latin_articles / sizeof latin_articles[0]; i++)
        if (strlen(latin_articles[i]) == len && memcmp(latin_articles[i], w, len) == 0)
            return 1;
    return 0;
}

int bm__gz_is_word(const bm_token *t)
{
    return t->kind == BM_TOK_ARABIC || t->kind == BM_TOK_LATIN || t->kind == BM_TOK_NUMBER;
}

static int has_arabic(const bm_tokens *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].kind == BM_TOK_ARABIC)
            return 1;
    return 0;
}

/* Appends s to a bounded key buffer; -1 when it would overflow. */
int bm__gz_key_cat(char *out, size_t *o, size_t outsize, const char *s, size_t n)
{
    if (*o + n + 1 > outsize)
        return -1;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return 0;
}

int bm__gz_name_key(const char *name, char *out, size_t outsize, int *latin)
{
    bm_tokens t = {0};
    size_t o = 0;
    out[0] = '\0';
    if (bm_tokenize(name, strlen(name), &t, NULL) != BM_OK) {
        bm_tokens_free(&t);
        return 0;
    }
    int ar = has_arabic(&t), fits = 1;
    *latin = !ar;
    for (size_t i = 0; i < t.n && fits; i++) {
        if (!bm__gz_is_word(&t.v[i]))
            continue;
        if ((ar && o > 0 && bm__gz_key_cat(out, &o, outsize, " ", 1)) ||
            bm__gz_key_cat(out, &o, outsize, t.v[i].norm, t.v[i].norm_len))
            fits = 0;
    }
    bm_tokens_free(&t);
    if (!fits)
        out[0] = '\0';
    return fits && o > 0;
}

size_t bm_gazetteer_key(const char *name, char *out, size_t outsize)
{
    int latin;
    if (!name || !out || outsize == 0)
        return 0;
    return bm__gz_name_key(name, out, outsize, &latin) ? strlen(out) : 0;
}

/* ---- Pending index entries ------------------------------------------------ */

enum { GZ_PEND_PREFIX = 1u << 31, GZ_PEND_SPECIAL = 1u << 30 };
#define GZ_PEND_NOTFULL (GZ_PEND_PREFIX | GZ_PEND_SPECIAL)

typedef struct gz_pending {
    uint32_t key_off, key_len; /* in g->strings */
    uint32_t place;
    uint32_t flags;     /* GZ_R_* | GZ_PEND_PREFIX */
    uint32_t alias_off; /* the alias as written */
    uint32_t hash;      /* of the key: sorting compares it before the bytes */
} gz_pending;

static int pend(bm_gazetteer *g, const char *key, size_t len, uint32_t place, uint32_t flags,
                uint32_t alias_off)
{
    if (len == 0 || len > GZ_MAX_KEY)
        return 0;
    if (flags == GZ_PEND_PREFIX) {
        /* a prefix only sets a flag on its key: once is enough (a large
         * import repeats تل، عين، ابو thousands of times) */
        int created;
        if (!bm__gz_map_put(&g->prefix_seen, key, len, &created))
            return -1;
        if (!created)
            return 0;
    }
    long off = bm__gz_str_add(g, key, len);
    if (off < 0 ||
        bm__gz_grow((void **)&g->pending, &g->cap_pending, g->n_pending + 1, sizeof *g->pending))
        return -1;
    gz_pending *p = &g->pending[g->n_pending++];
    p->key_off = (uint32_t)off;
    p->key_len = (uint32_t)len;
    p->place = place;
    p->flags = flags;
    p->alias_off = alias_off;
    p->hash = bm__gz_hash(key, len);
    return 0;
}

/* Word list of a name: normalised words, hyphens and other marks dropped. */
typedef struct words {
    const char *w[16];
    size_t len[16];
    size_t n;
} words;

static void name_words(const bm_tokens *t, words *w)
{
    w->n = 0;
    for (size_t i = 0; i < t->n && w->n < 16; i++) {
        if (!bm__gz_is_word(&t->v[i]))
            continue;
        w->w[w->n] = t->v[i].norm;
        w->len[w->n] = t->v[i].norm_len;
        w->n++;
    }
}

/* Joins words [0, n) with sep (NULL = nothing) into buf; the first word may
 * start at an offset (the article dropped). Records each boundary prefix. */
static int index_joined(bm_gazetteer *g, const words *w, size_t skip0, const char *sep,
                        uint32_t place, uint32_t flags, uint32_t alias_off)
{
    char buf[GZ_MAX_KEY + 8];
    size_t o = 0;
    for (size_t i = 0; i < w->n; i++) {
        const char *s = w->w[i] + (i == 0 ? skip0 : 0);
        size_t n = w->len[i] - (i == 0 ? skip0 : 0);
        if (i > 0 && sep && bm__gz_key_cat(buf, &o, sizeof buf, sep, strlen(sep)))
            return 0;
        if (bm__gz_key_cat(buf, &o, sizeof buf, s, n))
            return 0;
        if (i + 1 < w->n && sep && pend(g, buf, o, place, GZ_PEND_PREFIX, 0))
            return -1;
    }
    return pend(g, buf, o, place, flags, alias_off);
}

/* Latin keys: "kept" concatenates every word ("deirezzor"); "dropped" leaves
 * out the article words except a final one ("deirzor"). Prefixes are marked at
 * every word boundary of both. */
static int index_latin(bm_gazetteer *g, const words *w, uint32_t place, uint32_t flags,
                       uint32_t alias_off)
{
    for (int form = 0; form < 2; form++) {
        char buf[GZ_MAX_KEY + 8];
        size_t o = 0;
        for (size_t i = 0; i < w->n; i++) {
            int drop = form == 1 && i + 1 < w->n && bm__gz_latin_article(w->w[i], w->len[i]);
            if (!drop && bm__gz_key_cat(buf, &o, sizeof buf, w->w[i], w->len[i]))
                return 0;
            if (i + 1 < w->n && o > 0 && pend(g, buf, o, place, GZ_PEND_PREFIX, 0))
                return -1;
        }
        if (pend(g, buf, o, place, flags | GZ_R_LATIN, alias_off))
            return -1;
    }
    return 0;
}

#define AR_AL "\xD8\xA7\xD9\x84" /* ال */

static size_t article_len(const words *w)
{
    if (w->n == 0)
        return 0;
    return bm_ar_has_article(w->w[0], w->len[0]) && memcmp(w->w[0], AR_AL, 4) == 0 ? 4 : 0;
}

int bm__gz_index_name(bm_gazetteer *g, uint32_t p, const char *name, int canonical, bm_error *err)
{
    if (!name || !*name || strcmp(name, "-") == 0)
        return BM_OK;
    /* one scratch token buffer for every name: an import indexes a few
     * hundred thousand, an allocation each would be a third of the work */
    bm_tokens *tp = &g->scratch;
    if (bm_tokenize(name, strlen(name), tp, err) != BM_OK)
        return BM_ENOMEM;
    const bm_tokens t = *tp;
    words w;
    name_words(&t, &w);
    int rc = 0;
    long alias = bm__gz_str_add(g, name, strlen(name));
    uint32_t base = canonical ? GZ_R_CANON : 0;
    if (alias < 0 || w.n == 0)
        goto done;
    if (!has_arabic(&t)) {
        rc = index_latin(g, &w, p, base, (uint32_t)alias);
        goto done;
    }
    size_t art = article_len(&w);
    rc = index_joined(g, &w, 0, " ", p, base, (uint32_t)alias);
    if (!rc && art)
        rc = index_joined(g, &w, art, " ", p, base | GZ_R_NOART, (uint32_t)alias);
    /* names written run together (البوكمال for البو كمال) are kept for the
     * files' places; an import's tens of thousands of villages would double
     * the index for spellings the press hardly uses */
    if (g->places[p].flags & GZ_P_USER)
        goto done;
    if (!rc && w.n > 1)
        rc = index_joined(g, &w, 0, NULL, p, base | GZ_R_JOINED, (uint32_t)alias);
    if (!rc && w.n > 1 && art)
        rc = index_joined(g, &w, art, NULL, p, base | GZ_R_JOINED | GZ_R_NOART, (uint32_t)alias);
done:
    if (alias < 0 || rc)
        return bm_error_set(err, BM_ENOMEM, "indexing names: out of memory");
    return BM_OK;
}

int bm__gz_index_special(bm_gazetteer *g, const char *word)
{
    return pend(g, word, strlen(word), 0, GZ_PEND_SPECIAL, 0) ? BM_ENOMEM : BM_OK;
}

/* ---- Places ---------------------------------------------------------------- */

static uint32_t off_of(bm_gazetteer *g, const char *s)
{
    long off = bm__gz_str_add(g, s ? s : "-", s ? strlen(s) : 1);
    return off < 0 ? NO_VALUE : (uint32_t)off;
}

/* While loading, the string fields of pub hold arena offsets cast to
 * pointers' integer value; bm__gz_finalise turns them into pointers. */
#define OFF2PTR(o) ((const char *)(uintptr_t)(o))
#define PTR2OFF(p) ((uint32_t)(uintptr_t)(p))

static void unfinalise(bm_gazetteer *g)
{
    if (!g->finalised)
        return;
    for (size_t i = 0; i < g->n_places; i++) {
        bm_gplace *p = &g->places[i].pub;
        p->id = OFF2PTR(p->id - g->strings);
        p->name_en = OFF2PTR(p->name_en - g->strings);
        p->name_ar = OFF2PTR(p->name_ar - g->strings);
        p->kind = OFF2PTR(p->kind - g->strings);
        p->country = OFF2PTR(p->country - g->strings);
        p->admin1 = OFF2PTR(p->admin1 - g->strings);
        p->area = OFF2PTR(p->area - g->strings);
        p->source = OFF2PTR(p->source - g->strings);
    }
    g->finalised = 0;
}

void bm__gz_unfinalise(bm_gazetteer *g)
{
    unfinalise(g);
    g->generation++;
}

long bm__gz_add_place(bm_gazetteer *g, const bm_gplace *src, unsigned flags, bm_error *err)
{
    unfinalise(g);
    int created;
    gz_slot *s = bm__gz_map_put(&g->ids, src->id, strlen(src->id), &created);
    if (!s)
        return bm_error_set(err, BM_ENOMEM, "loading places: out of memory");
    if (!created)
        return -2; /* the first row with an id wins: curated files load first */
    if (bm__gz_grow((void **)&g->places, &g->cap_places, g->n_places + 1, sizeof *g->places))
        return bm_error_set(err, BM_ENOMEM, "loading places: out of memory");
    s->value = (uint32_t)g->n_places;
    gz_place *p = &g->places[g->n_places];
    memset(p, 0, sizeof *p);
    p->pub = *src;
    uint32_t offs[8] = {off_of(g, src->id),   off_of(g, src->name_en), off_of(g, src->name_ar),
                        off_of(g, src->kind), off_of(g, src->country), off_of(g, src->admin1),
                        off_of(g, src->area), off_of(g, src->source)};
    for (int i = 0; i < 8; i++)
        if (offs[i] == NO_VALUE)
            return bm_error_set(err, BM_ENOMEM, "loading places: out of memory");
    p->pub.id = OFF2PTR(offs[0]);
    p->pub.name_en = OFF2PTR(offs[1]);
    p->pub.name_ar = OFF2PTR(offs[2]);
    p->pub.kind = OFF2PTR(offs[3]);
    p->pub.country = OFF2PTR(offs[4]);
    p->pub.admin1 = OFF2PTR(offs[5]);
    p->pub.area = OFF2PTR(offs[6]);
    p->pub.source = OFF2PTR(offs[7]);
    p->kind = kind_index(src->kind) < 0 ? GZ_K_OTHER : kind_index(src->kind);
    p->kind_rank = bm__gz_kind_rank(src->kind);
    p->pub.specificity = p->kind_rank;
    p->flags = flags | kind_flags(src->kind);
    return (long)g->n_places++;
}

/* ---- Finalising the index ---------------------------------------------------- */

static int cmp_pending(const void *a, const void *b, void *ctx)
{
    const bm_gazetteer *g = ctx;
    const gz_pending *x = a, *y = b;
    /* equal keys must end up together; the order between different keys
     * does not matter, so the hash decides it without reading the bytes */
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    int c = memcmp(g->strings + x->key_off, g->strings + y->key_off, x->key_len);
    if (c)
        return c;
    /* full entries before prefix-only ones; then by place order */
    if ((x->flags & GZ_PEND_NOTFULL) != (y->flags & GZ_PEND_NOTFULL))
        return (x->flags & GZ_PEND_NOTFULL) > (y->flags & GZ_PEND_NOTFULL) ? 1 : -1;
    if (x->place != y->place)
        return x->place < y->place ? -1 : 1;
    return 0;
}

/* Order of candidate places inside one key: curated before broad, then the
 * more specific kind, then the larger population. */
static int place_before(const bm_gazetteer *g, uint32_t a, uint32_t b)
{
    const gz_place *x = &g->places[a], *y = &g->places[b];
    int xb = (x->flags & GZ_P_BROAD) != 0, yb = (y->flags & GZ_P_BROAD) != 0;
    if (xb != yb)
        return !xb;
    if (x->pub.population != y->pub.population)
        return x->pub.population > y->pub.population;
    return a < b;
}

/* Merge sort of pending (qsort has no context argument in C11). The two
 * arrays swap roles level by level instead of copying back: src and dst
 * hold the same entries on entry, the sorted run ends up in dst. */
static void msort_run(gz_pending *src, gz_pending *dst, size_t n, const bm_gazetteer *g)
{
    if (n < 12) {
        for (size_t i = 1; i < n; i++) {
            gz_pending t = dst[i];
            size_t j = i;
            while (j > 0 && cmp_pending(&t, &dst[j - 1], (void *)g) < 0) {
                dst[j] = dst[j - 1];
                j--;
            }
            dst[j] = t;
        }
        return;
    }
    size_t h = n / 2;
    msort_run(dst, src, h, g);
    msort_run(dst + h, src + h, n - h, g);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        dst[k++] = cmp_pending(&src[j], &src[i], (void *)g) < 0 ? src[j++] : src[i++];
    while (i < h)
        dst[k++] = src[i++];
    while (j < n)
        dst[k++] = src[j++];
}

static void msort(gz_pending *v, gz_pending *tmp, size_t n, const bm_gazetteer *g)
{
    memcpy(tmp, v, n * sizeof *v);
    msort_run(tmp, v, n, g);
}

static void refine_group(bm_gazetteer *g, gz_group *gr)
{
    gz_ref *r = g->refs + gr->first;
    /* Curated wins: a broad place never shares a name with a curated one. */
    int any_curated = 0;
    for (uint32_t i = 0; i < gr->n; i++)
        if (!(g->places[r[i].place].flags & GZ_P_BROAD))
            any_curated = 1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < gr->n; i++) {
        if (any_curated && (g->places[r[i].place].flags & GZ_P_BROAD))
            continue;
        /* One ref per place; a name written as listed beats the same key
         * reached by dropping the article or joining the words. */
        const uint32_t derived = GZ_R_NOART | GZ_R_JOINED;
        int dup = 0;
        for (uint32_t j = 0; j < k; j++) {
            if (r[j].place != r[i].place)
                continue;
            dup = 1;
            if ((r[j].flags & derived) && !(r[i].flags & derived))
                r[j] = r[i];
        }
        if (!dup)
            r[k++] = r[i];
    }
    gr->n = k;
    /* insertion sort by preference; groups are tiny */
    for (uint32_t i = 1; i < k; i++) {
        gz_ref t = r[i];
        uint32_t j = i;
        while (j > 0 && place_before(g, t.place, r[j - 1].place)) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = t;
    }
}

/* A bit filter over the index keys' hashes, about 8 bits per key: most
 * words of a text are no name, and with tens of thousands of imported
 * places the index no longer fits in the cache, so the filter answers "no"
 * before the slot array is touched. */
static int build_filter(bm_gazetteer *g)
{
    size_t bits = 1u << 12;
    while (bits < g->index.n * 8 && bits < (1u << 26))
        bits <<= 1;
    uint64_t *f = calloc(bits / 64, sizeof *f);
    if (!f)
        return -1;
    free(g->filter);
    g->filter = f;
    g->filter_mask = (uint32_t)(bits - 1);
    for (size_t i = 0; i < g->index.cap; i++) {
        const gz_slot *sl = &g->index.slots[i];
        if (sl->key_off == NO_VALUE)
            continue;
        uint32_t a = sl->hash & g->filter_mask, b = (sl->hash * 0x9E3779B1u >> 7) & g->filter_mask;
        f[a / 64] |= 1ull << (a % 64);
        f[b / 64] |= 1ull << (b % 64);
    }
    return 0;
}

int bm__gz_finalise(bm_gazetteer *g, bm_error *err)
{
    g->generation++;
    bm__gz_map_free(&g->index);
    g->n_groups = g->n_refs = 0;
    gz_pending *tmp = malloc((g->n_pending ? g->n_pending : 1) * sizeof *tmp);
    if (!tmp)
        return bm_error_set(err, BM_ENOMEM, "building the name index: out of memory");
    msort(g->pending, tmp, g->n_pending, g);
    free(tmp);
    for (size_t i = 0; i < g->n_pending;) {
        size_t j = i;
        const gz_pending *p = &g->pending[i];
        const char *key = g->strings + p->key_off;
        while (j < g->n_pending && g->pending[j].key_len == p->key_len &&
               memcmp(g->strings + g->pending[j].key_off, key, p->key_len) == 0)
            j++;
        int created;
        gz_slot *s = bm__gz_map_put(&g->index, key, p->key_len, &created);
        if (!s)
            return bm_error_set(err, BM_ENOMEM, "building the name index: out of memory");
        uint32_t value = 0;
        size_t nfull = 0;
        for (size_t k = i; k < j; k++) {
            if (g->pending[k].flags & GZ_PEND_PREFIX)
                value |= GZ_E_PREFIX;
            else if (g->pending[k].flags & GZ_PEND_SPECIAL)
                value |= GZ_E_SPECIAL;
            else
                nfull++;
        }
        if (nfull) {
            if (bm__gz_grow((void **)&g->groups, &g->cap_groups, g->n_groups + 1,
                            sizeof *g->groups) ||
                bm__gz_grow((void **)&g->refs, &g->cap_refs, g->n_refs + nfull, sizeof *g->refs))
                return bm_error_set(err, BM_ENOMEM, "building the name index: out of memory");
            gz_group *gr = &g->groups[g->n_groups];
            gr->first = (uint32_t)g->n_refs;
            gr->n = 0;
            for (size_t k = i; k < j; k++) {
                if (g->pending[k].flags & GZ_PEND_NOTFULL)
                    continue;
                gz_ref *r = &g->refs[g->n_refs + gr->n++];
                r->place = g->pending[k].place;
                r->flags = g->pending[k].flags;
                r->alias_off = g->pending[k].alias_off;
            }
            refine_group(g, gr);
            /* a key only user imports know; one the files know too (a
             * GeoNames row), or a team's own curated place, keeps the files'
             * rules */
            int imported = gr->n > 0;
            for (uint32_t k = 0; k < gr->n; k++) {
                unsigned f = g->places[g->refs[gr->first + k].place].flags;
                if ((f & (GZ_P_USER | GZ_P_BROAD)) != (GZ_P_USER | GZ_P_BROAD))
                    imported = 0;
            }
            if (imported)
                value |= GZ_E_IMPORTED;
            g->n_refs += gr->n;
            value |= GZ_E_FULL | (uint32_t)g->n_groups;
            g->n_groups++;
        }
        s->value = value;
        i = j;
    }
    /* Pointers into the arena are valid from here on (it no longer moves
     * until the next add). */
    for (size_t i = 0; i < g->n_places; i++) {
        bm_gplace *p = &g->places[i].pub;
        p->id = g->strings + PTR2OFF(p->id);
        p->name_en = g->strings + PTR2OFF(p->name_en);
        p->name_ar = g->strings + PTR2OFF(p->name_ar);
        p->kind = g->strings + PTR2OFF(p->kind);
        p->country = g->strings + PTR2OFF(p->country);
        p->admin1 = g->strings + PTR2OFF(p->admin1);
        p->area = g->strings + PTR2OFF(p->area);
        p->source = g->strings + PTR2OFF(p->source);
    }
    g->finalised = 1;
    return build_filter(g) ? bm_error_set(err, BM_ENOMEM, "building the name index: out of memory")
                           : BM_OK;
}

/* ---- Place files ------------------------------------------------------------- */

enum {
    C_ID,
    C_EN,
    C_AR,
    C_KIND,
    C_COUNTRY,
    C_ADMIN1,
    C_LAT,
    C_LON,
    C_POP,
    C_AL_EN,
    C_AL_AR,
    C_AREA,
    C_SOURCE,
    C_N
};
static const char *const place_cols[C_N] = {
    "id",  "name_en",    "name_ar",    "kind",       "country", "admin1", "lat",
    "lon", "population", "aliases_en", "aliases_ar", "area",    "source"};

static int is_place_header(char **f, int nf)
{
    return nf >= 3 && !strcmp(f[0], "id") && !strcmp(f[1], "name_en") && !strcmp(f[2], "name_ar");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int index_aliases(bm_gazetteer *g, uint32_t p, char *list, bm_error *err)
{
    if (!strcmp(list, "-"))
        return BM_OK;
    for (char *save = NULL, *a = strtok_r(list, "|", &save); a; a = strtok_r(NULL, "|", &save)) {
        int rc = bm__gz_index_name(g, p, a, 0, err);
        if (rc)
            return rc;
    }
    return BM_OK;
}

static int load_place_row(bm_gazetteer *g, gz_tsv *t, char **f, int nf, const int *col,
                          bm_error *err)
{
    bm_gplace p = {0};
    const char *id = bm__gz_field(f, nf, col[C_ID]);
    if (!strcmp(id, "-"))
        return bm_error_set(err, BM_EPARSE, "%s:%d: row without an id", t->path, t->line);
    p.id = id;
    p.name_en = bm__gz_field(f, nf, col[C_EN]);
    p.name_ar = bm__gz_field(f, nf, col[C_AR]);
    p.kind = bm__gz_field(f, nf, col[C_KIND]);
    p.country = bm__gz_field(f, nf, col[C_COUNTRY]);
    p.admin1 = bm__gz_field(f, nf, col[C_ADMIN1]);
    p.area = bm__gz_field(f, nf, col[C_AREA]);
    p.source = bm__gz_field(f, nf, col[C_SOURCE]);
    if (kind_index(p.kind) < 0)
        return bm_error_set(err, BM_EPARSE, "%s:%d: %s: unknown kind '%s'", t->path, t->line, id,
                            p.kind);
    if (parse_double(bm__gz_field(f, nf, col[C_LAT]), -90, 90, &p.pt.lat) ||
        parse_double(bm__gz_field(f, nf, col[C_LON]), -180, 180, &p.pt.lon))
        return bm_error_set(err, BM_EPARSE, "%s:%d: %s: bad coordinates", t->path, t->line, id);
    const char *pop = bm__gz_field(f, nf, col[C_POP]);
    p.population = strcmp(pop, "-") ? strtoll(pop, NULL, 10) : -1;
    unsigned flags = strncmp(p.source, "geonames", 8) == 0 ? GZ_P_BROAD : 0;
    long idx = bm__gz_add_place(g, &p, flags, err);
    if (idx == -2)
        return BM_OK; /* duplicate id: the earlier (curated) row stands */
    if (idx < 0)
        return (int)idx;
    char al_en[8192], al_ar[8192];
    snprintf(al_en, sizeof al_en, "%s", bm__gz_field(f, nf, col[C_AL_EN]));
    snprintf(al_ar, sizeof al_ar, "%s", bm__gz_field(f, nf, col[C_AL_AR]));
    int rc = bm__gz_index_name(g, (uint32_t)idx, p.name_ar, 1, err);
    if (!rc)
        rc = bm__gz_index_name(g, (uint32_t)idx, p.name_en, 1, err);
    if (!rc)
        rc = index_aliases(g, (uint32_t)idx, al_ar, err);
    if (!rc)
        rc = index_aliases(g, (uint32_t)idx, al_en, err);
    return rc;
}

static int load_place_file(bm_gazetteer *g, gz_tsv *t, char **hdr, int nh, bm_error *err)
{
    int col[C_N];
    for (int i = 0; i < C_N; i++) {
        col[i] = bm__gz_col(hdr, nh, place_cols[i]);
        if (col[i] < 0 && i != C_AREA && i != C_POP && i != C_AL_EN && i != C_AL_AR)
            return bm_error_set(err, BM_EPARSE, "%s: header lacks column '%s'", t->path,
                                place_cols[i]);
    }
    char *f[TSV_MAX_FIELDS];
    int nf;
    while ((nf = bm__gz_tsv_next(t, f)) > 0) {
        int rc = load_place_row(g, t, f, nf, col, err);
        if (rc)
            return rc;
    }
    return BM_OK;
}

uint32_t bm__gz_place_index(const bm_gazetteer *g, const char *id)
{
    if (!strcmp(id, "-"))
        return NO_VALUE;
    const gz_slot *s = bm__gz_map_get(&g->ids, id, strlen(id), bm__gz_hash(id, strlen(id)));
    return s ? s->value : NO_VALUE;
}

/* dir + "/" + name into buf; -1 when it does not fit. */
int bm__gz_join_path(char *buf, size_t n, const char *dir, const char *name)
{
    int w = snprintf(buf, n, "%s/%s", dir, name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* ---- Loading ------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* generated broad files load last so that curated rows win on ids */
    int bx = strncmp(x, "geonames", 8) == 0, by = strncmp(y, "geonames", 8) == 0;
    if (bx != by)
        return bx - by;
    return strcmp(x, y);
}

/* Sizes and mtimes of every data file the gazetteer depends on, hashed: a
 * change in any of them changes the fingerprint. */
static void fingerprint_add(uint32_t *h, const char *path)
{
    struct stat st;
    char buf[4200];
    if (stat(path, &st) != 0)
        snprintf(buf, sizeof buf, "%s:absent;", path);
    else
        snprintf(buf, sizeof buf, "%s:%lld:%lld;", strrchr(path, '/') ? strrchr(path, '/') : path,
                 (long long)st.st_size, (long long)st.st_mtime);
    *h = bm__gz_hash_more(*h, buf, strlen(buf));
}

static int list_tsv(const char *dir, char ***names, size_t *n, bm_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return bm_error_set(err, BM_EIO, "%s: %s", dir, strerror(errno));
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    struct dirent *e;
    int rc = BM_OK;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".tsv") != 0 || e->d_name[0] == '.')
            continue;
        if (bm__gz_grow((void **)names, &cap, *n + 1, sizeof **names) ||
            !((*names)[*n] = strdup(e->d_name))) {
            rc = bm_error_set(err, BM_ENOMEM, "listing %s: out of memory", dir);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*names)
        qsort(*names, *n, sizeof **names, cmp_names);
    return rc;
}

static int load_file(bm_gazetteer *g, const char *dir, const char *name, bm_error *err)
{
    char path[4096];
    if (bm__gz_join_path(path, sizeof path, dir, name))
        return bm_error_set(err, BM_EINVAL, "%s/%s: path too long", dir, name);
    gz_tsv t;
    int rc = bm__gz_tsv_open(&t, path, err);
    if (rc)
        return rc;
    char *hdr[TSV_MAX_FIELDS];
    int nh = bm__gz_tsv_next(&t, hdr);
    if (is_place_header(hdr, nh))
        rc = load_place_file(g, &t, hdr, nh, err);
    free(t.data);
    return rc;
}

/* The hash part of the fingerprint: the place files' names, sizes and times (in load order),
 * then regions.geojson's and the basemap's (the areas the sync writes come from them). */
static uint32_t files_hash(const char *dir, char *const *names, size_t n)
{
    uint32_t h = bm__gz_hash("bordermap-gazetteer-1", 21);
    char path[4096];
    for (size_t i = 0; i < n; i++)
        if (!bm__gz_join_path(path, sizeof path, dir, names[i]))
            fingerprint_add(&h, path);
    if (!bm__gz_join_path(path, sizeof path, dir, "regions.geojson"))
        fingerprint_add(&h, path);
    if (bm_data_path("maps/basemap.gpkg", path, sizeof path, NULL) == BM_OK)
        fingerprint_add(&h, path);
    return h;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int load_dir(bm_gazetteer *g, const char *dir, bm_error *err)
{
    char **names;
    size_t n;
    int rc = list_tsv(dir, &names, &n, err);
    for (size_t i = 0; rc == BM_OK && i < n; i++) {
        char path[4096];
        if (bm__gz_join_path(path, sizeof path, dir, names[i]))
            continue;
        rc = load_file(g, dir, names[i], err);
    }
    uint32_t h = rc == BM_OK ? files_hash(dir, names, n) : 0;
    free_names(names, n);
    if (rc)
        return rc;
    snprintf(g->fingerprint, sizeof g->fingerprint, "v1-%zu-%08x", g->n_places, (unsigned)h);
    return BM_OK;
}

int bm__gz_files_hash(uint32_t *hash)
{
    char dir[4096];
    if (bm_data_path("gazetteer", dir, sizeof dir, NULL) != BM_OK)
        return -1;
    char **names;
    size_t n;
    if (list_tsv(dir, &names, &n, NULL) != BM_OK) {
        free_names(names, n);
        return -1;
    }
    *hash = files_hash(dir, names, n);
    free_names(names, n);
    return 0;
}

int bm__gz_fingerprint_current(const char *fingerprint)
{
    size_t n_places;
    unsigned stored;
    int end = 0;
    if (!fingerprint || sscanf(fingerprint, "v1-%zu-%8x%n", &n_places, &stored, &end) != 2 ||
        fingerprint[end] != '\0' || n_places == 0)
        return 0;
    uint32_t h;
    return bm__gz_files_hash(&h) == 0 && h == stored;
}

int bm_gazetteer_load(bm_gazetteer **out, bm_error *err)
{
    *out = NULL;
    char dir[4096];
    int rc = bm_data_path("gazetteer", dir, sizeof dir, err);
    if (rc)
        return rc;
    bm_gazetteer *g = calloc(1, sizeof *g);
    if (!g)
        return bm_error_set(err, BM_ENOMEM, "loading the gazetteer: out of memory");
    rc = load_dir(g, dir, err);
    if (!rc)
        rc = bm__gz_load_lexicons(g, dir, err);
    if (!rc)
        rc = bm__gz_load_name_words(g, dir, err);
    if (!rc && g->n_places == 0)
        rc = bm_error_set(err, BM_ENOTFOUND,
                          "%s holds no place file (*.tsv with an id/name_en/name_ar header)", dir);
    if (!rc)
        rc = bm__gz_finalise(g, err);
    if (rc) {
        bm_gazetteer_free(g);
        return rc;
    }
    *out = g;
    return BM_OK;
}

void bm_gazetteer_free(bm_gazetteer *g)
{
    if (!g)
        return;
    free(g->places);
    bm__gz_map_free(&g->ids);
    bm__gz_map_free(&g->index);
    free(g->groups);
    free(g->refs);
    bm__gz_map_free(&g->context);
    free(g->contexts);
    bm__gz_map_free(&g->traps);
    free(g->trap_v);
    bm__gz_map_free(&g->orgs);
    bm__gz_map_free(&g->nisbas);
    bm__gz_map_free(&g->name_words);
    bm__gz_map_free(&g->prefix_seen);
    bm__gz_map_free(&g->name_ends);
    bm_tokens_free(&g->scratch);
    free(g->filter);
    bm__gz_map_free(&g->import_evidence);
    free(g->nisba_v);
    free(g->strings);
    free(g->pending);
    free(g);
}

size_t bm_gazetteer_count(const bm_gazetteer *g)
{
    return g ? g->n_places : 0;
}

const bm_gplace *bm_gazetteer_get(const bm_gazetteer *g, const char *id)
{
    if (!g || !id)
        return NULL;
    uint32_t i = bm__gz_place_index(g, id);
    return i == NO_VALUE ? NULL : &g->places[i].pub;
}
