/* gazetteer_match.c: finds place mentions in text: longest match of token
 * sequences through the name index, clitics, traps, organisation names,
 * nisba adjectives, and the choice between places sharing a name.
 * Must never resolve inside a word, and never resolve a trap name without
 * evidence in the text around it. */
#include "gazetteer_private.h"
#include "grow_private.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#define NO_VALUE UINT32_MAX

/* ---- Index lookups over tokens ------------------------------------------- */

static uint32_t index_get(const bm_gazetteer *g, const char *k, size_t n)
{
    uint32_t h = bm__gz_hash(k, n);
    if (!bm__gz_index_maybe(g, h))
        return 0;
    const gz_slot *s = bm__gz_map_get(&g->index, k, n, h);
    return s ? s->value : 0;
}

static int is_word(const bm_token *t)
{
    return t->kind == BM_TOK_ARABIC || t->kind == BM_TOK_LATIN || t->kind == BM_TOK_NUMBER;
}

static int is_hyphen(const bm_token *t)
{
    /* "-", and the en dash pages put between two nisbas (العراقية–السورية) */
    return t->kind == BM_TOK_PUNCT && ((t->norm_len == 1 && t->norm[0] == '-') ||
                                       (t->norm_len == 3 && !memcmp(t->norm, "\xE2\x80\x93", 3)));
}

/* The next word after token j that may continue a multi-word name: hyphens
 * are skipped (Deir ez-Zor, الحدود العراقية-السورية); any other mark or a
 * line break ends the name. SIZE_MAX when none. */
static size_t next_word(const bm_tokens *t, size_t j)
{
    size_t k = j + 1;
    while (k < t->n && is_hyphen(&t->v[k]) && !t->v[k].newline_before)
        k++;
    if (k >= t->n || !is_word(&t->v[k]) || t->v[k].newline_before)
        return SIZE_MAX;
    return k;
}

#define AR_ALEF "\xD8\xA7"
#define AR_LAM "\xD9\x84"
#define AR_AL "\xD8\xA7\xD9\x84"

static void consider(gz_hit *best, int *have, size_t t0, size_t t1, uint32_t e, const char *k,
                     size_t kn, int strip, int lil, int latin)
{
    if (!(e & GZ_E_FULL) || (best->no_imported && (e & GZ_E_IMPORTED)))
        return;
    /* longer in words wins; then the reading that removed less */
    if (*have && (t1 < best->t1 || (t1 == best->t1 && strip >= best->strip)))
        return;
    *have = 1;
    best->t0 = t0;
    best->t1 = t1;
    best->group = e & GZ_E_GROUP;
    best->strip = strip;
    best->lil = lil;
    best->latin = latin;
    best->imported = (e & GZ_E_IMPORTED) != 0;
    best->klen = kn;
    memcpy(best->key, k, kn);
    best->key[kn] = '\0';
}

/* Keeps the special flag across consider(): it belongs to the position. */
static void mark_special(gz_hit *best, uint32_t e)
{
    if (e & GZ_E_SPECIAL)
        best->special = 1;
}

/* Extends a name word by word from token i while the index says a longer
 * name starts with what has been read. buf holds the first word's reading. */
static void extend(const bm_gazetteer *g, const bm_tokens *t, size_t i, char *buf, size_t n,
                   uint32_t e, int strip, int lil, gz_hit *best, int *have)
{
    size_t j = i;
    while (e & GZ_E_PREFIX) {
        size_t k = next_word(t, j);
        if (k == SIZE_MAX || n + 1 + t->v[k].norm_len > GZ_MAX_KEY)
            return;
        buf[n++] = ' ';
        memcpy(buf + n, t->v[k].norm, t->v[k].norm_len);
        n += t->v[k].norm_len;
        j = k;
        e = index_get(g, buf, n);
        consider(best, have, i, j, e, buf, n, strip, lil, 0);
    }
}

/* One reading of the first word, whose index entry is e: copy it only when
 * a longer name may follow. */
static void try_reading(const bm_gazetteer *g, const bm_tokens *t, size_t i, const char *w,
                        size_t n, int strip, int lil, uint32_t e, gz_hit *best, int *have)
{
    mark_special(best, e);
    if (!e)
        return;
    consider(best, have, i, i, e, w, n, strip, lil, 0);
    if (e & GZ_E_PREFIX) {
        char buf[GZ_MAX_KEY + 8];
        memcpy(buf, w, n);
        extend(g, t, i, buf, n, e, strip, lil, best, have);
    }
}

/* The readings of an Arabic first word, in the order they are tried: as
 * written, without one proclitic, without two, and لل read as ل + (ا)ل
 * (للحدود) or ل + ال + ل (للاذقية). A word need not have all of them. */
#define AR_READINGS 5

typedef struct reading {
    const char *w;
    size_t n;
    int strip, lil;
} reading;

/* Reading k of w (buf receives the لل readings); 0 when w has none. */
static int arabic_reading(const char *w, size_t len, int k, char *buf, reading *r)
{
    if (k == 0) {
        *r = (reading){w, len, 0, 0};
        return 1;
    }
    if (k <= 2) {
        size_t cl = bm_ar_proclitic_len(w, len, k);
        *r = (reading){w + cl, len - cl, (int)cl, 0};
        return cl != 0;
    }
    size_t c = (!memcmp(w, "\xD9\x88", 2) || !memcmp(w, "\xD9\x81", 2)) ? 2 : 0;
    if (len < c + 8 || memcmp(w + c, AR_LAM AR_LAM, 4))
        return 0;
    const char *rest = w + c + 2;
    size_t rn = len - c - 2;
    const char *art = k == 3 ? AR_ALEF : AR_AL;
    size_t an = k == 3 ? 2 : 4;
    memcpy(buf, art, an);
    memcpy(buf + an, rest, rn);
    *r = (reading){buf, rn + an, (int)c + 2, 1};
    return 1;
}

/* The index entries of the readings of an Arabic word (0: absent). */
static void arabic_entries(const bm_gazetteer *g, const char *w, size_t len,
                           uint32_t e[AR_READINGS])
{
    char buf[GZ_MAX_KEY + 8];
    reading r;
    for (int k = 0; k < AR_READINGS; k++)
        e[k] = arabic_reading(w, len, k, buf, &r) ? index_get(g, r.w, r.n) : 0;
}

/* pre: the entries of the readings when already known (a finder's word
 * memo), else NULL and they are looked up. */
static int arabic_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *best,
                          const uint32_t *pre)
{
    const bm_token *tk = &t->v[i];
    const char *w = tk->norm;
    size_t len = tk->norm_len;
    int have = 0;
    best->special = 0;
    if (len > GZ_MAX_KEY)
        return 0;
    if (pre && !(pre[0] | pre[1] | pre[2] | pre[3] | pre[4]))
        return 0; /* most words: no reading is in the index */
    char buf[GZ_MAX_KEY + 8];
    reading r;
    for (int k = 0; k < AR_READINGS; k++) {
        /* a reading the memo knows is in no index entry adds nothing */
        if ((pre && !pre[k]) || !arabic_reading(w, len, k, buf, &r))
            continue;
        uint32_t e = pre ? pre[k] : index_get(g, r.w, r.n);
        try_reading(g, t, i, r.w, r.n, r.strip, r.lil, e, best, &have);
    }
    return have;
}

/* Strips a glued Latin article: "albukamal" -> "bukamal", "ezzor" -> "zor"
 * (sun letters double). Returns the bytes to skip, 0 when none. */
static size_t glued_article(const char *w, size_t n)
{
    if (n >= 6 && w[0] == 'a' && w[1] == 'l')
        return 2;
    if (n >= 6 && (w[0] == 'a' || w[0] == 'e') && w[1] == w[2] && strchr("tdrszn", w[1]))
        return 2;
    return 0;
}

static int latin_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *best)
{
    /* Three forms grow in step: as written ("deirezzor"), articles dropped
     * ("deirzor") and the first word's glued article dropped ("bukamal"). */
    char f[3][GZ_MAX_KEY + 8];
    size_t n[3] = {0, 0, 0};
    int have = 0;
    size_t j = i;
    best->special = 1; /* English phrases (Syrian capital, X-Y border) are checked by words */
    for (size_t step = 0; step < 12; step++) {
        const bm_token *tk = &t->v[j];
        if (tk->kind == BM_TOK_ARABIC)
            break;
        if (n[0] + tk->norm_len > GZ_MAX_KEY)
            break;
        int next_hyphen = j + 1 < t->n && is_hyphen(&t->v[j + 1]);
        int article = bm__gz_latin_article(tk->norm, tk->norm_len) &&
                      ((tk->norm[0] == 'a' && tk->norm[1] == 'l') ||
                       (tk->norm[0] == 'e' && tk->norm[1] == 'l') || next_hyphen);
        memcpy(f[0] + n[0], tk->norm, tk->norm_len);
        n[0] += tk->norm_len;
        if (!article) {
            memcpy(f[1] + n[1], tk->norm, tk->norm_len);
            n[1] += tk->norm_len;
        }
        size_t skip = step == 0 ? glued_article(tk->norm, tk->norm_len) : 0;
        if (step == 0 && skip) {
            memcpy(f[2], tk->norm + skip, tk->norm_len - skip);
            n[2] = tk->norm_len - skip;
        } else if (n[2] && !article) {
            memcpy(f[2] + n[2], tk->norm, tk->norm_len);
            n[2] += tk->norm_len;
        }
        int more = 0;
        for (int k = 0; k < 3; k++) {
            if (!n[k] || (k > 0 && n[k] == n[0] && !memcmp(f[k], f[0], n[0])))
                continue;
            uint32_t e = index_get(g, f[k], n[k]);
            consider(best, &have, i, j, e, f[k], n[k], k == 2 ? (int)skip : 0, 0, 1);
            more |= (e & GZ_E_PREFIX) != 0;
        }
        /* an article alone is always worth extending */
        if (!more && !(article && step == 0))
            break;
        size_t nx = next_word(t, j);
        if (nx == SIZE_MAX)
            break;
        j = nx;
    }
    return have;
}

static int longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit)
{
    const bm_token *tk = &t->v[i];
    hit->special = 0;
    if (tk->kind == BM_TOK_ARABIC)
        return arabic_longest(g, t, i, hit, NULL);
    if (tk->kind == BM_TOK_LATIN)
        return latin_longest(g, t, i, hit);
    return 0;
}

int bm__gz_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit)
{
    hit->no_imported = 0;
    return longest(g, t, i, hit);
}

int bm__gz_longest_files(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit)
{
    hit->no_imported = 1;
    return longest(g, t, i, hit);
}

/* ---- Lexicon lookups -------------------------------------------------------- */

static const gz_context *ctx_get(const bm_gazetteer *g, const char *w, size_t n)
{
    const gz_slot *s = bm__gz_map_get(&g->context, w, n, bm__gz_hash(w, n));
    return s ? &g->contexts[s->value] : NULL;
}

/* Context roles of a word, trying it as written, without proclitics, and
 * with لل read as ال. */
static const gz_context *ctx_of(const bm_gazetteer *g, const bm_token *tk)
{
    if (!g->n_contexts || !is_word(tk))
        return NULL;
    const char *w = tk->norm;
    size_t len = tk->norm_len;
    const gz_context *c = ctx_get(g, w, len);
    if (c || tk->kind != BM_TOK_ARABIC || len > GZ_MAX_KEY)
        return c;
    for (int which = 1; which <= 2 && !c; which++) {
        size_t cl = bm_ar_proclitic_len(w, len, which);
        if (cl)
            c = ctx_get(g, w + cl, len - cl);
    }
    if (!c && len >= 8 && !memcmp(w, AR_LAM AR_LAM, 4)) {
        char buf[GZ_MAX_KEY + 8];
        memcpy(buf, AR_ALEF, 2);
        memcpy(buf + 2, w + 2, len - 2);
        c = ctx_get(g, buf, len);
    }
    return c;
}

static const gz_nisba *nisba_of(const bm_gazetteer *g, const bm_token *tk, int strip)
{
    if (!g->n_nisbas || !is_word(tk))
        return NULL;
    const char *w = tk->norm;
    size_t n = tk->norm_len;
    if (strip && tk->kind == BM_TOK_ARABIC) {
        size_t cl = bm_ar_proclitic_len(w, n, 1);
        if (cl && w[0] == "\xD9\x88"[0] && w[1] == "\xD9\x88"[1]) {
            w += cl;
            n -= cl;
        }
    }
    const gz_slot *s = bm__gz_map_get(&g->nisbas, w, n, bm__gz_hash(w, n));
    return s ? &g->nisba_v[s->value] : NULL;
}

static const gz_trap *trap_of(const bm_gazetteer *g, const char *k, size_t n)
{
    if (!g->n_traps)
        return NULL;
    const gz_slot *s = bm__gz_map_get(&g->traps, k, n, bm__gz_hash(k, n));
    return s ? &g->trap_v[s->value] : NULL;
}

/* Appends n bytes of s to the string dst (capacity cap), cutting at a UTF-8
 * boundary when it does not fit. Reason strings are built per candidate, so
 * this stays off printf. */
static void str_cat(char *dst, size_t cap, const char *s, size_t n)
{
    size_t l = strlen(dst);
    if (l + 1 >= cap)
        return;
    if (n > cap - 1 - l) {
        n = cap - 1 - l;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst + l, s, n);
    dst[l + n] = '\0';
}

static void str_set(char *dst, size_t cap, const char *s)
{
    dst[0] = '\0';
    str_cat(dst, cap, s, strlen(s));
}

/* ---- Candidates --------------------------------------------------------------- */

enum {
    EV_TRIGGER = 1 << 0,
    EV_TRIGGER_AFTER = 1 << 1,
    EV_LIST = 1 << 2,
    EV_NEARBY = 1 << 3,
    EV_SPECIAL = 1 << 4, /* capital or border phrase */
    EV_RANGE = 1 << 5    /* من X إلى Y / بين X و Y */
};

typedef enum state { S_OPEN, S_ACCEPTED, S_REJECTED } state;

typedef struct cand {
    size_t t0, t1;
    uint32_t group; /* NO_VALUE for special phrases */
    uint32_t place; /* chosen place */
    int strip, lil, latin;
    const gz_trap *trap;
    int broad_only;
    int nisba_homograph;
    int weak_clitic; /* a proclitic was stripped and a short minor name is left */
    int imported;    /* only user-imported places carry the name */
    int name_words;  /* ... and it is made of given names / common words only */
    int noart;       /* read only as a name without its article (هول for الهول) */
    unsigned evidence;
    unsigned pref_kinds;
    char trigger[48];
    int plural; /* the trigger is dual or plural (محافظتي، مدن): it spreads over a list */
    char via[64]; /* id of the place that gave list/nearby evidence */
    state st;
    const char *reject;
    double conf;
    char reason[96];
    int neighbour_kind; /* GZ_K_* + 1 of an unambiguous coordinated place; 0 none */
} cand;

/* ---- Word memo ------------------------------------------------------------------ */

/* What the lexicons and the index say about one word as written: its
 * context entry and the index entries of its Arabic readings. A text says
 * the same words again and again; a finder remembers them, so each distinct
 * word is hashed and looked up (up to nine lookups) once, not at every
 * occurrence. Valid for one gazetteer generation. */
typedef struct word_memo {
    uint32_t hash;
    uint32_t key_off; /* in the memo's key arena */
    uint32_t key_len; /* 0: empty slot */
    int kind;
    const gz_context *ctx;
    uint32_t e[AR_READINGS];
} word_memo;

/* Distinct words remembered before the memo starts afresh: bounds memory on
 * an endless stream of new words (names, numbers). */
#define MEMO_MAX (1u << 16)

typedef struct memo {
    word_memo *v;
    size_t cap, n; /* cap a power of two, load under a half */
    char *keys;
    size_t keys_len, keys_cap;
    const bm_gazetteer *g;
    unsigned generation;
} memo;

static void memo_free(memo *mo)
{
    free(mo->v);
    free(mo->keys);
    memset(mo, 0, sizeof *mo);
}

static void memo_clear(memo *mo)
{
    if (mo->v)
        memset(mo->v, 0, mo->cap * sizeof *mo->v);
    mo->n = 0;
    mo->keys_len = 0;
}

static int memo_grow(memo *mo)
{
    if (mo->cap >= MEMO_MAX) {
        memo_clear(mo);
        return 0;
    }
    size_t nc = mo->cap ? mo->cap * 2 : 512;
    word_memo *v = calloc(nc, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < mo->cap; i++) {
        if (!mo->v[i].key_len)
            continue;
        size_t k = mo->v[i].hash & (nc - 1);
        while (v[k].key_len)
            k = (k + 1) & (nc - 1);
        v[k] = mo->v[i];
    }
    free(mo->v);
    mo->v = v;
    mo->cap = nc;
    return 0;
}

static const gz_context *ctx_of(const bm_gazetteer *g, const bm_token *tk);

/* memcmp of short keys without the call: words are mostly 4-16 bytes. */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    for (; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The memo entry of word token tk, made on first sight; NULL when it cannot
 * be remembered (too long, out of memory): the caller looks it up itself.
 * The pointer is valid until the next call. */
/* h: bm__gz_hash of tk's normalised form */
static const word_memo *memo_get(memo *mo, const bm_token *tk, uint32_t h)
{
    const bm_gazetteer *g = mo->g;
    size_t n = tk->norm_len;
    if (n > GZ_MAX_KEY)
        return NULL;
    if (mo->generation != g->generation) {
        memo_clear(mo);
        mo->generation = g->generation;
    }

    size_t mask = mo->cap - 1, k = h & mask;
    for (; mo->cap && mo->v[k].key_len; k = (k + 1) & mask) {
        const word_memo *w = &mo->v[k];
        if (w->hash == h && w->key_len == n && w->kind == (int)tk->kind &&
            same_bytes(mo->keys + w->key_off, tk->norm, n))
            return w;
    }
    if ((mo->n + 1) * 2 > mo->cap || mo->keys_len + n > mo->keys_cap) {
        if (mo->keys_len + n > mo->keys_cap && mo->keys_cap >= (size_t)MEMO_MAX * 64)
            memo_clear(mo); /* the words have filled the arena: start afresh */
        if (mo->keys_len + n > mo->keys_cap) {
            size_t nc = mo->keys_cap ? mo->keys_cap * 2 : 8192;
            while (nc < mo->keys_len + n)
                nc *= 2;
            char *nk = realloc(mo->keys, nc);
            if (!nk)
                return NULL;
            mo->keys = nk;
            mo->keys_cap = nc;
        }
        if ((mo->n + 1) * 2 > mo->cap && memo_grow(mo))
            return NULL;
        mask = mo->cap - 1;
        for (k = h & mask; mo->v[k].key_len; k = (k + 1) & mask)
            ;
    }
    word_memo *w = &mo->v[k];
    w->hash = h;
    w->key_off = (uint32_t)mo->keys_len;
    w->key_len = (uint32_t)n;
    w->kind = (int)tk->kind;
    memcpy(mo->keys + mo->keys_len, tk->norm, n);
    mo->keys_len += n;
    mo->n++;
    w->ctx = ctx_of(g, tk);
    if (tk->kind == BM_TOK_ARABIC)
        arabic_entries(g, tk->norm, n, w->e);
    else
        memset(w->e, 0, sizeof w->e);
    return w;
}

typedef struct matcher {
    const bm_gazetteer *g;
    const char *text;
    const bm_tokens *t;
    cand *c;
    size_t n, cap;
    unsigned char *skip;   /* per token: inside boilerplate or an organisation name */
    const gz_context **cc; /* per token: its context entry, once looked up */
    uint32_t *sent;        /* per token: sentence number (filled on first need) */
    int sent_done;
    memo *memo;         /* the finder's word memo, NULL when not worth it */
    const uint32_t *th; /* per token: bm__gz_hash of its normalised form, or NULL */
} matcher;

static uint32_t token_hash(const matcher *m, size_t i)
{
    const bm_token *tk = &m->t->v[i];
    return m->th ? m->th[i] : bm__gz_hash(tk->norm, tk->norm_len);
}

/* Marks a token whose context entry has not been looked up yet. */
static const gz_context ctx_unknown;

/* The context entry of token i, cached per token: the rules ask about the
 * same words around a name several times. */
static const gz_context *ctx_lookup(const matcher *m, size_t i)
{
    const bm_token *tk = &m->t->v[i];
    const word_memo *w = m->memo && is_word(tk) ? memo_get(m->memo, tk, token_hash(m, i)) : NULL;
    m->cc[i] = w ? w->ctx : ctx_of(m->g, tk);
    return m->cc[i];
}

static inline const gz_context *ctx_at(const matcher *m, size_t i)
{
    if (i >= m->t->n)
        return NULL;
    return m->cc[i] == &ctx_unknown ? ctx_lookup(m, i) : m->cc[i];
}

static unsigned roles_at(const matcher *m, size_t i)
{
    const gz_context *c = ctx_at(m, i);
    return c ? c->roles : 0;
}

static const gz_ref *group_refs(const bm_gazetteer *g, uint32_t group, uint32_t *n)
{
    const gz_group *gr = &g->groups[group];
    *n = gr->n;
    return g->refs + gr->first;
}

static int push(matcher *m, const cand *c)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        cand *nv = realloc(m->c, nc * sizeof *nv);
        if (!nv)
            return -1;
        m->c = nv;
        m->cap = nc;
    }
    m->c[m->n++] = *c;
    return 0;
}

/* Latin names must be written as proper nouns: a capital letter opens the
 * first word that is not an article. */
static int latin_capitalised(const matcher *m, const cand *c)
{
    for (size_t i = c->t0; i <= c->t1; i++) {
        const bm_token *tk = &m->t->v[i];
        if (!is_word(tk) || (i < c->t1 && bm__gz_latin_article(tk->norm, tk->norm_len)))
            continue;
        /* "northern Iraq": a compass word is written in lower case */
        if (i < c->t1 && (roles_at(m, i) & GZ_C_DIRECTION))
            continue;
        const unsigned char *p = (const unsigned char *)m->text + tk->start;
        if (*p < 0x80)
            return *p >= 'A' && *p <= 'Z';
        utf8proc_int32_t cp;
        if (utf8proc_iterate(p, (utf8proc_ssize_t)(tk->end - tk->start), &cp) <= 0)
            return 0;
        return utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
    }
    return 0;
}

/* ---- Special phrases: descriptive capitals and borders ------------------------- */

static int special_capital(const matcher *m, size_t i, cand *out)
{
    const bm_gazetteer *g = m->g;
    const bm_tokens *t = m->t;
    size_t k = next_word(t, i);
    if (k == SIZE_MAX)
        return 0;
    const gz_nisba *nb = NULL;
    /* العاصمة السورية / the Syrian capital */
    if ((roles_at(m, i) & GZ_C_CAPITAL) && t->v[i].kind == BM_TOK_ARABIC)
        nb = nisba_of(g, &t->v[k], 0);
    else if ((roles_at(m, k) & GZ_C_CAPITAL) && t->v[i].kind == BM_TOK_LATIN)
        nb = nisba_of(g, &t->v[i], 0);
    if (!nb || nb->capital == NO_VALUE)
        return 0;
    memset(out, 0, sizeof *out);
    out->t0 = i;
    out->t1 = k;
    out->group = NO_VALUE;
    out->place = nb->capital;
    out->evidence = EV_SPECIAL;
    snprintf(out->reason, sizeof out->reason, "capital:%s", bm__gz_str(g, nb->fem_off));
    out->conf = 0.85;
    out->st = S_ACCEPTED;
    return 1;
}

static const gz_nisba *nisba_of_country(const bm_gazetteer *g, uint32_t place)
{
    for (size_t i = 0; i < g->n_nisbas; i++)
        if (g->nisba_v[i].country == place)
            return &g->nisba_v[i];
    return NULL;
}

/* The nisba of a word that is either a nisba (السورية) or a country name
 * (سوريا, وسوريا). */
static const gz_nisba *nisba_or_country(const matcher *m, size_t k)
{
    const gz_nisba *nb = nisba_of(m->g, &m->t->v[k], 1);
    if (nb)
        return nb;
    gz_hit h;
    if (!bm__gz_longest(m->g, m->t, k, &h) || h.t1 != k)
        return NULL;
    uint32_t n;
    const gz_ref *r = group_refs(m->g, h.group, &n);
    for (uint32_t a = 0; a < n; a++)
        if (m->g->places[r[a].place].kind == GZ_K_COUNTRY)
            return nisba_of_country(m->g, r[a].place);
    return NULL;
}

/* Looks up "<border word> <fem A> <fem B>" in both orders. */
static uint32_t border_group(const matcher *m, const char *border, const gz_nisba *a,
                             const gz_nisba *b)
{
    char key[GZ_MAX_KEY + 8];
    for (int order = 0; order < 2; order++) {
        const gz_nisba *x = order ? b : a, *y = order ? a : b;
        int n = snprintf(key, sizeof key, "%s %s %s", border, bm__gz_str(m->g, x->fem_off),
                         bm__gz_str(m->g, y->fem_off));
        if (n <= 0 || (size_t)n >= sizeof key)
            return NO_VALUE;
        uint32_t e = index_get(m->g, key, (size_t)n);
        if (e & GZ_E_FULL)
            return e & GZ_E_GROUP;
    }
    return NO_VALUE;
}

/* الحدود العراقية السورية (any order, hyphen or و between), الحدود بين
 * العراق وسوريا, the Iraq-Syria border / the Syrian-Iraqi border. The place
 * is whatever the gazetteer lists under the canonical Arabic phrase. */
static int special_border(const matcher *m, size_t i, cand *out)
{
    const bm_tokens *t = m->t;
    const bm_token *tk = &t->v[i];
    size_t last = 0;
    const gz_nisba *a = NULL, *b = NULL;
    const char *border = "\xD8\xA7\xD9\x84\xD8\xAD\xD8\xAF\xD9\x88\xD8\xAF"; /* الحدود */
    if (tk->kind == BM_TOK_ARABIC && (roles_at(m, i) & GZ_C_BORDER)) {
        size_t k1 = next_word(t, i);
        if (k1 == SIZE_MAX)
            return 0;
        if (roles_at(m, k1) & GZ_C_RANGE_FROM) /* بين */
            k1 = next_word(t, k1);
        if (k1 == SIZE_MAX || !(a = nisba_or_country(m, k1)))
            return 0;
        size_t k2 = next_word(t, k1);
        if (k2 == SIZE_MAX || !(b = nisba_or_country(m, k2)) || a == b)
            return 0;
        last = k2;
    } else if (tk->kind == BM_TOK_LATIN) {
        /* X-Y border: two nisbas or country names, then the border word */
        if (!(a = nisba_or_country(m, i)))
            return 0;
        size_t k1 = next_word(t, i);
        if (k1 == SIZE_MAX || !(b = nisba_or_country(m, k1)))
            return 0;
        size_t k2 = next_word(t, k1);
        if (k2 == SIZE_MAX || !(roles_at(m, k2) & GZ_C_BORDER))
            return 0;
        last = k2;
    } else {
        return 0;
    }
    /* "معبر القائم الحدودي بين العراق وسوريا": the adjective of the crossing
     * before it says where the crossing is; the countries stay countries */
    if (tk->kind == BM_TOK_ARABIC && m->n > 0 && m->c[m->n - 1].t1 + 1 == i &&
        (roles_at(m, i) & GZ_C_TRIGGER_AFTER))
        return 0;
    if (a->country == b->country)
        return 0;
    uint32_t group = border_group(m, border, a, b);
    if (group == NO_VALUE)
        return 0;
    memset(out, 0, sizeof *out);
    out->t0 = i;
    out->t1 = last;
    out->group = group;
    out->place = m->g->refs[m->g->groups[group].first].place;
    out->evidence = EV_SPECIAL;
    str_set(out->reason, sizeof out->reason, "border");
    out->conf = 0.9;
    out->st = S_ACCEPTED;
    return 1;
}

static size_t prev_adjacent(const bm_tokens *t, size_t i);
static size_t next_adjacent(const bm_tokens *t, size_t i);
static int org_pattern_before(const matcher *m, size_t t0);

/* How far a one-sided border looks for the country on the other side. */
#define BORDER_SIDE_WINDOW 400

/* Token k is "مع" / "with". */
static int is_with(const bm_token *tk)
{
    return (tk->kind == BM_TOK_ARABIC && tk->norm_len == 4 &&
            !memcmp(tk->norm, "\xD9\x85\xD8\xB9", 4)) ||
           (tk->kind == BM_TOK_LATIN && tk->norm_len == 4 && !memcmp(tk->norm, "with", 4));
}

/* The border of x with the nearest nisba or country of [from, to) that
 * shares one with x in the gazetteer (step -1 walks backwards); *seen tells
 * whether any other country stood there. */
static uint32_t side_in(const matcher *m, const char *border, const gz_nisba *x, size_t from,
                        size_t to, int step, int *seen)
{
    size_t cj = m->n; /* walking back: the candidates before k, latest first */
    for (size_t k = from; k != to; k += (size_t)step) {
        /* "the border with Syria and the border with Jordan": a country
         * that is the far side of an earlier border is not where the text
         * stands */
        if (step < 0) {
            while (cj > 0 && m->c[cj - 1].t0 > k)
                cj--;
            if (cj > 0 && m->c[cj - 1].t1 >= k && (m->c[cj - 1].evidence & EV_SPECIAL))
                continue;
        }
        const gz_nisba *y = is_word(&m->t->v[k]) ? nisba_or_country(m, k) : NULL;
        if (!y || y->country == UINT32_MAX || y->country == x->country)
            continue;
        *seen = 1;
        uint32_t gr = border_group(m, border, x, y);
        if (gr != NO_VALUE)
            return gr;
    }
    return NO_VALUE;
}

/* A token that ends a sentence (the punctuation of number_sentences). */
static int ends_sentence(const bm_token *tk)
{
    return tk->kind == BM_TOK_PUNCT &&
           (tk->norm[0] == '.' || tk->norm[0] == '!' || tk->norm[0] == '?' || tk->norm[0] == ';');
}

/* The border of x with the country of the place named last before t0 in
 * the same sentence ("معبر الوليد القريب من الحدود الأردنية", "a village
 * near the Jordanian border": the place is on the other side), when every
 * reading of that name lies in one country. */
static uint32_t side_of_place(const matcher *m, const char *border, const gz_nisba *x, size_t t0)
{
    if (m->n == 0)
        return NO_VALUE;
    const cand *c = &m->c[m->n - 1];
    if (c->t1 >= t0)
        return NO_VALUE;
    for (size_t k = c->t1 + 1; k <= t0; k++)
        if (m->t->v[k].newline_before || ends_sentence(&m->t->v[k]))
            return NO_VALUE;
    const bm_gazetteer *g = m->g;
    uint32_t n = 1, one = c->place;
    const gz_ref *r = c->group != NO_VALUE ? group_refs(g, c->group, &n) : NULL;
    const char *iso = g->places[r ? r[0].place : one].pub.country;
    for (uint32_t a = 1; a < n; a++)
        if (strcmp(g->places[r[a].place].pub.country, iso) != 0)
            return NO_VALUE;
    if (!strcmp(iso, "-") || !strcmp(iso, g->places[x->country].pub.country))
        return NO_VALUE;
    for (size_t k = 0; k < g->n_nisbas; k++) {
        const gz_nisba *y = &g->nisba_v[k];
        if (y->country != UINT32_MAX && !strcmp(g->places[y->country].pub.country, iso))
            return border_group(m, border, x, y);
    }
    return NO_VALUE;
}

/* The border between x and the country the text sees it from: the nearest
 * other nisba or country that shares a border with x (before the phrase,
 * then after it); when the text names no other country at all, the first
 * one the gazetteer lists a border with. */
static uint32_t other_side(const matcher *m, const char *border, const gz_nisba *x, size_t t0,
                           size_t t1)
{
    size_t lo = t0 > BORDER_SIDE_WINDOW ? t0 - BORDER_SIDE_WINDOW : 0;
    size_t hi = t1 + 1 + BORDER_SIDE_WINDOW < m->t->n ? t1 + 1 + BORDER_SIDE_WINDOW : m->t->n;
    int seen = 0;
    uint32_t gr = side_of_place(m, border, x, t0);
    if (gr != NO_VALUE)
        return gr;
    gr = t0 > lo ? side_in(m, border, x, t0 - 1, lo - 1, -1, &seen) : NO_VALUE;
    if (gr == NO_VALUE && t1 + 1 < hi)
        gr = side_in(m, border, x, t1 + 1, hi, 1, &seen);
    if (gr != NO_VALUE || seen)
        return gr;
    for (size_t k = 0; k < m->g->n_nisbas; k++) {
        const gz_nisba *y = &m->g->nisba_v[k];
        if (y->country != UINT32_MAX && y->country != x->country &&
            (gr = border_group(m, border, x, y)) != NO_VALUE)
            return gr;
    }
    return NO_VALUE;
}

/* The border word at i names a force or an office (حرس الحدود، قوات الحدود:
 * org-prefixes.tsv; border guards, the border authority: place-context.tsv),
 * or a point on it (المثلث الحدودي: place-context.tsv). */
static int border_org(const matcher *m, size_t i)
{
    size_t p = prev_adjacent(m->t, i);
    if (p != SIZE_MAX && (roles_at(m, p) & GZ_C_ORG_BEFORE) && org_pattern_before(m, i))
        return 1;
    /* "المثلث الحدودي مع سوريا والعراق": a tri-border point, not a border */
    if (p != SIZE_MAX && m->t->v[i].kind == BM_TOK_ARABIC && (roles_at(m, p) & GZ_C_BORDER_ORG))
        return 1;
    size_t n = next_adjacent(m->t, i);
    if (n == SIZE_MAX || m->t->v[i].kind != BM_TOK_LATIN)
        return 0;
    return (roles_at(m, n) & GZ_C_BORDER_ORG) != 0;
}

/* A border named from one side (the codebook's rule): الحدود مع سوريا،
 * الحدود السورية، حدود العراق، الشريط الحدودي مع سوريا; the Syrian border,
 * the border with Iraq. It is the border between that country and the one
 * the text sees it from. Token i is the border word. */
static int special_border_one_side(const matcher *m, size_t i, cand *out)
{
    const bm_tokens *t = m->t;
    const char *border = "\xD8\xA7\xD9\x84\xD8\xAD\xD8\xAF\xD9\x88\xD8\xAF"; /* الحدود */
    size_t t0 = i, last = 0;
    const gz_nisba *x = NULL;
    /* "معبر ربيعة الحدودي مع سوريا": the adjective of a place before it
     * (not "الحدود مع سوريا والحدود مع الأردن": a noun, joined by و) */
    if (m->n > 0 && m->c[m->n - 1].t1 + 1 == i && (roles_at(m, i) & GZ_C_TRIGGER_AFTER))
        return 0;
    /* "حرس الحدود العراقي", "Iraqi border guards": a force's name */
    if (border_org(m, i))
        return 0;
    size_t k1 = next_word(t, i);
    if (k1 != SIZE_MAX && is_with(&t->v[k1])) { /* الحدود مع X, the border with X */
        size_t k2 = next_word(t, k1);
        if (k2 == SIZE_MAX || !(x = nisba_or_country(m, k2)))
            return 0;
        last = k2;
    } else if (t->v[i].kind == BM_TOK_ARABIC) { /* الحدود السورية، حدود العراق */
        if (k1 == SIZE_MAX || !(x = nisba_or_country(m, k1)))
            return 0;
        last = k1;
    } else { /* the Syrian border */
        size_t p = prev_adjacent(t, i);
        if (p == SIZE_MAX || !(x = nisba_of(m->g, &t->v[p], 0)))
            return 0;
        t0 = p;
        last = i;
    }
    if (x->country == UINT32_MAX)
        return 0;
    uint32_t group = other_side(m, border, x, t0, last);
    if (group == NO_VALUE)
        return 0;
    memset(out, 0, sizeof *out);
    out->t0 = t0;
    out->t1 = last;
    out->group = group;
    out->place = m->g->refs[m->g->groups[group].first].place;
    out->evidence = EV_SPECIAL;
    str_set(out->reason, sizeof out->reason, "border (one side)");
    out->conf = 0.85;
    out->st = S_ACCEPTED;
    return 1;
}

/* ---- Collecting candidates ------------------------------------------------------ */

/* Marks boilerplate lines (اقرأ أيضا / Read also: links to other stories)
 * so that their places are not taken for the article's. */
static void mark_skiplines(matcher *m)
{
    const bm_tokens *t = m->t;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && !t->v[i].newline_before)
            continue;
        if (!(roles_at(m, i) & GZ_C_SKIPLINE))
            continue;
        /* a skip word alone does not make a link line: it needs a second
         * skip word (اقرأ أيضا) or a colon right after it */
        size_t k = i + 1;
        int ok = k < t->n && !t->v[k].newline_before &&
                 ((roles_at(m, k) & GZ_C_SKIPLINE) ||
                  (t->v[k].kind == BM_TOK_PUNCT && t->v[k].norm[0] == ':'));
        if (!ok)
            continue;
        for (size_t j = i; j < t->n && (j == i || !t->v[j].newline_before); j++)
            m->skip[j] = 1;
    }
}

/* An imported name of one word, in Latin script, or made of given names and
 * common words only: it needs a village word. */
static int hit_name_words(const matcher *m, const gz_hit *h)
{
    return h->imported && (h->t0 == h->t1 || h->latin ||
                           bm__gz_all_name_words(m->g, m->t, h->t0, h->t1, h->strip));
}

static void fill_from_hit(const matcher *m, const gz_hit *h, cand *c)
{
    const bm_gazetteer *g = m->g;
    memset(c, 0, sizeof *c);
    c->t0 = h->t0;
    c->t1 = h->t1;
    c->group = h->group;
    c->strip = h->strip;
    c->lil = h->lil;
    c->latin = h->latin;
    c->trap = trap_of(g, h->key, h->klen);
    c->imported = h->imported;
    c->name_words = hit_name_words(m, h);
    uint32_t n;
    const gz_ref *r = group_refs(g, h->group, &n);
    c->place = r[0].place;
    c->noart = 1;
    for (uint32_t a = 0; a < n; a++)
        if (!(r[a].flags & GZ_R_NOART))
            c->noart = 0;
    c->broad_only = 1;
    for (uint32_t a = 0; a < n; a++)
        if (!(g->places[r[a].place].flags & GZ_P_BROAD))
            c->broad_only = 0;
    c->nisba_homograph = h->t0 == h->t1 && bm__gz_map_get(&g->nisbas, h->key, h->klen,
                                                          bm__gz_hash(h->key, h->klen)) != NULL;
    /* ب + اراك is as likely "Barrack" as "in Arak": a stripped preposition
     * (ب ل ك; the conjunction و of a list is safe) leaving four letters or
     * fewer is a weak reading when the name is only a village or small town. */
    const char *w = m->t->v[h->t0].norm;
    int prep = h->strip && (!memcmp(w + h->strip - 2, "\xD8\xA8", 2) || /* ب */
                            !memcmp(w + h->strip - 2, "\xD9\x84", 2) || /* ل */
                            !memcmp(w + h->strip - 2, "\xD9\x83", 2));  /* ك */
    if (prep && !h->lil && h->t0 == h->t1 && h->klen <= 8) {
        int minor = 1;
        for (uint32_t a = 0; a < n; a++) {
            const gz_place *p = &g->places[r[a].place];
            if (!(p->flags & GZ_P_SETTLE) || p->kind == GZ_K_CITY)
                minor = 0;
        }
        c->weak_clitic = minor;
    }
    c->st = S_OPEN;
}

/* A name in the list after a dual or plural trigger, read with the
 * trigger's singular before it: "حقلي العمر" names "حقل العمر", "معبري
 * سيمالكا واليعربية" the crossing "معبر اليعربية", not the town. */
static int plural_reading(const matcher *m, size_t i, const char *sing, gz_hit *h)
{
    const bm_token *tk = &m->t->v[i];
    size_t sn = strlen(sing);
    int have = 0;
    h->special = 0;
    h->no_imported = 0;
    if (tk->kind != BM_TOK_ARABIC)
        return 0;
    for (int which = 0; which <= 1; which++) {
        size_t cl = which ? bm_ar_proclitic_len(tk->norm, tk->norm_len, 1) : 0;
        if (which && !cl)
            continue;
        size_t n = tk->norm_len - cl;
        char buf[GZ_MAX_KEY + 8];
        if (sn + 1 + n > GZ_MAX_KEY)
            continue;
        memcpy(buf, sing, sn);
        buf[sn] = ' ';
        memcpy(buf + sn + 1, tk->norm + cl, n);
        uint32_t e = index_get(m->g, buf, sn + 1 + n);
        try_reading(m->g, m->t, i, buf, sn + 1 + n, (int)cl, 0, e, h, &have);
    }
    return have;
}

/* Where the next member of a list may start after a name ending at t1:
 * after "،" or at a word opening with و. SIZE_MAX when the list ends. */
static size_t list_next(const bm_tokens *t, size_t t1)
{
    size_t k = t1 + 1;
    if (k >= t->n || t->v[k].newline_before)
        return SIZE_MAX;
    if (t->v[k].kind == BM_TOK_PUNCT && t->v[k].norm[0] == ',')
        return k + 1;
    if (t->v[k].kind == BM_TOK_ARABIC && t->v[k].norm_len > 2 &&
        !memcmp(t->v[k].norm, "\xD9\x88", 2))
        return k;
    return SIZE_MAX;
}

static void triggers(matcher *m, cand *c);

/* A name only user imports know that is made of given names and common
 * words needs a place word before it (قرية X، قرب X); without one, a shorter
 * name from the gazetteer files inside it is read instead, so such a
 * village never hides a town its name starts with. */
static void prefer_files(matcher *m, size_t i, gz_hit *h)
{
    if (!hit_name_words(m, h))
        return; /* a distinctive imported name stands on its own */
    cand probe;
    memset(&probe, 0, sizeof probe);
    probe.t0 = i;
    probe.t1 = h->t1;
    probe.latin = h->latin;
    triggers(m, &probe);
    if (probe.evidence & EV_TRIGGER)
        return;
    /* inside one word the files' reading would be the same key: most hits
     * are one word, so the second lookup is saved for names of several */
    if (h->t0 == h->t1)
        return;
    gz_hit f;
    if (bm__gz_longest_files(m->g, m->t, i, &f)) {
        f.special = h->special;
        *h = f;
    }
}

/* Could evidence ever unlock an imported name made of common words: a
 * place word around it, or a list mark (و، ،) next to it? Most such words in
 * a text are people and things; dropping them early keeps a gazetteer of
 * tens of thousands of villages as fast as the files alone. */
static int may_have_evidence(matcher *m, cand *c)
{
    const bm_tokens *t = m->t;
    cand probe = *c;
    triggers(m, &probe);
    if (probe.evidence & (EV_TRIGGER | EV_TRIGGER_AFTER))
        return 1;
    const bm_token *first = &t->v[c->t0];
    if (first->kind == BM_TOK_ARABIC && c->strip >= 2 && !memcmp(first->norm, "\xD9\x88", 2))
        return 1; /* وX */
    if (c->t0 > 0) {
        const bm_token *p = &t->v[c->t0 - 1];
        if (p->kind == BM_TOK_PUNCT && (p->norm[0] == ',' || p->norm[0] == '-'))
            return 1;
        if (roles_at(m, c->t0 - 1) & (GZ_C_RANGE_FROM | GZ_C_RANGE_TO))
            return 1;
    }
    return list_next(t, c->t1) != SIZE_MAX;
}

/* bm__gz_longest at token i; e: the index entries of the readings of an
 * Arabic first word, from the memo, or NULL. */
static int longest_at(matcher *m, size_t i, const uint32_t *e, gz_hit *h)
{
    if (!e || m->t->v[i].kind != BM_TOK_ARABIC)
        return bm__gz_longest(m->g, m->t, i, h);
    h->no_imported = 0;
    h->special = 0;
    return arabic_longest(m->g, m->t, i, h, e);
}

/* How many place-type words may follow an English name ("Husaybah border post"). */
#define KIND_WORDS_AFTER 2

/* "the Husaybah border post", "the Abu Kamal border crossing": a place-type
 * word after an English name that has a canonical word in place-context.tsv
 * (post -> crossing) names "<name> <canonical>" when the gazetteer knows that
 * name ("Husaybah crossing"): the crossing, not the town it is named after. */
static void kind_reading(const matcher *m, gz_hit *h)
{
    if (!h->latin)
        return;
    uint32_t n;
    const gz_ref *r = group_refs(m->g, h->group, &n);
    for (uint32_t i = 0; i < n; i++)
        if (m->g->places[r[i].place].kind == GZ_K_CROSSING)
            return; /* the name is a crossing's already ("Al-Waleed") */
    size_t j = h->t1;
    for (int step = 0; step < KIND_WORDS_AFTER; step++) {
        size_t k = next_word(m->t, j);
        if (k == SIZE_MAX || m->t->v[k].kind != BM_TOK_LATIN)
            return;
        const gz_context *cx = ctx_at(m, k);
        if (!cx || !(cx->roles & GZ_C_TRIGGER_AFTER))
            return;
        j = k;
        if (!cx->singular)
            continue;
        const char *canon = bm__gz_str(m->g, cx->singular - 1);
        size_t cn = strlen(canon);
        if (h->klen + cn > GZ_MAX_KEY)
            return;
        char buf[GZ_MAX_KEY + 8];
        memcpy(buf, h->key, h->klen);
        memcpy(buf + h->klen, canon, cn);
        int have = 1;
        consider(h, &have, h->t0, k, index_get(m->g, buf, h->klen + cn), buf, h->klen + cn,
                 h->strip, h->lil, 1);
        return;
    }
}

/* How many tokens after a plural "وبينها" / "ومنها" may still list its members. */
#define LIST_OPEN_WINDOW 30

static int collect(matcher *m)
{
    const bm_tokens *t = m->t;
    size_t pl_at = SIZE_MAX; /* token where a plural trigger's list goes on */
    const char *sing = NULL;
    /* the last plural of the sentence: "المعابر ... وبينها القائم والتنف" */
    size_t pl_last = SIZE_MAX;
    const char *pl_sing = NULL;
    for (size_t i = 0; i < t->n;) {
        if (t->v[i].newline_before || ends_sentence(&t->v[i]))
            pl_last = SIZE_MAX;
        if (!is_word(&t->v[i]) || m->skip[i]) {
            i++;
            continue;
        }
        /* one memo lookup gives the word's context entry and readings */
        uint32_t e[AR_READINGS];
        const word_memo *w = m->memo ? memo_get(m->memo, &t->v[i], token_hash(m, i)) : NULL;
        if (w) {
            memcpy(e, w->e, sizeof e);
            if (m->cc[i] == &ctx_unknown)
                m->cc[i] = w->ctx;
        }
        const gz_context *cx = ctx_at(m, i);
        if (cx && (cx->roles & GZ_C_PLURAL) && cx->singular) {
            sing = pl_sing = bm__gz_str(m->g, cx->singular - 1);
            pl_last = i;
            pl_at = ++i;
            continue;
        }
        if (cx && (cx->roles & GZ_C_LIST_OPEN) && pl_last != SIZE_MAX &&
            i - pl_last <= LIST_OPEN_WINDOW) {
            sing = pl_sing;
            pl_at = ++i;
            continue;
        }
        cand c, sp;
        gz_hit h, ph;
        int have = longest_at(m, i, w ? e : NULL, &h);
        if (have) {
            prefer_files(m, i, &h);
            kind_reading(m, &h);
        }
        if (i == pl_at && plural_reading(m, i, sing, &ph) && (!have || ph.t1 >= h.t1)) {
            h = ph;
            have = 1;
        }
        int special = h.special && (special_border(m, i, &sp) || special_capital(m, i, &sp));
        if (!special && (roles_at(m, i) & GZ_C_BORDER) && special_border_one_side(m, i, &sp))
            special = 1;
        int found = 1;
        if (special && (!have || sp.t1 >= h.t1)) {
            c = sp;
        } else if (have && i != pl_at && hit_name_words(m, &h)) {
            /* decided before the places of the name are read: no word
             * around it may vouch for it, it is no candidate */
            memset(&c, 0, sizeof c);
            c.t0 = h.t0;
            c.t1 = h.t1;
            c.strip = h.strip;
            c.latin = h.latin;
            c.imported = 1;
            found = may_have_evidence(m, &c);
            if (found)
                fill_from_hit(m, &h, &c);
        } else if (have) {
            fill_from_hit(m, &h, &c);
        } else {
            found = 0;
        }
        if (!found) {
            if (i == pl_at)
                pl_at = SIZE_MAX;
            i++;
            continue;
        }
        if (push(m, &c))
            return -1;
        if (i == pl_at)
            pl_at = list_next(t, c.t1);
        i = c.t1 + 1;
    }
    return 0;
}

/* ---- Context rules ---------------------------------------------------------------- */

/* The word right before token i, if nothing but spaces separates them. */
static size_t prev_adjacent(const bm_tokens *t, size_t i)
{
    if (i == 0 || t->v[i].newline_before || !is_word(&t->v[i - 1]))
        return SIZE_MAX;
    return i - 1;
}

static size_t next_adjacent(const bm_tokens *t, size_t i)
{
    if (i + 1 >= t->n || t->v[i + 1].newline_before || !is_word(&t->v[i + 1]))
        return SIZE_MAX;
    return i + 1;
}

static int word_has_article(const bm_token *tk)
{
    return tk->kind == BM_TOK_ARABIC && tk->norm_len >= 8 && !memcmp(tk->norm, AR_AL, 4);
}

/* The word joined to token i by a hyphen with no space on either side
 * ("US-led"), or SIZE_MAX. */
static size_t hyphen_joined(const bm_tokens *t, size_t i)
{
    if (i + 2 >= t->n || !is_hyphen(&t->v[i + 1]) || !is_word(&t->v[i + 2]) ||
        t->v[i + 1].start != t->v[i].end || t->v[i + 2].start != t->v[i + 1].end)
        return SIZE_MAX;
    return i + 2;
}

/* A compound modifier: "US-led", "Tehran-backed", "UK-based" name an actor's
 * patron or seat, not a place of the text (the codebook's rule). */
static int modifier_context(const matcher *m, const cand *c)
{
    size_t nw = hyphen_joined(m->t, c->t1);
    if (nw == SIZE_MAX || !(roles_at(m, nw) & GZ_C_ORG_AFTER))
        return 0;
    const bm_token *w = &m->t->v[nw];
    const gz_slot *s =
        bm__gz_map_get(&m->g->orgs, w->norm, w->norm_len, bm__gz_hash(w->norm, w->norm_len));
    return s && (s->value & GZ_ORG_MODIFIER);
}

/* Organisation names: "<pattern> X" (معهد واشنطن، فيلق القدس) or "X <pattern>"
 * (Washington Institute). The words after "<pattern> X" that start with ل
 * (لسياسة الشرق الأدنى) still belong to the name. */
/* An organisation pattern of org-prefixes.tsv ends right before token t0
 * (حرس الحدود، معهد واشنطن، المدعومة من تركيا). */
static int org_pattern_before(const matcher *m, size_t t0)
{
    const bm_gazetteer *g = m->g;
    const bm_tokens *t = m->t;
    char key[GZ_MAX_KEY + 8];
    for (size_t k = 1; k <= g->org_max_tokens && k <= t0; k++) {
        /* words t0-k .. t0-1, all adjacent */
        size_t first = t0 - k, o = 0;
        int ok = 1;
        for (size_t j = first; j < t0 && ok; j++) {
            if (!is_word(&t->v[j]) || (j > first && t->v[j].newline_before) ||
                t->v[j + 1].newline_before)
                ok = 0;
        }
        if (!ok)
            break;
        for (int strip = 0; strip < 2; strip++) {
            o = 0;
            for (size_t j = first; j < t0; j++) {
                const char *w = t->v[j].norm;
                size_t n = t->v[j].norm_len;
                if (j == first && strip) {
                    size_t cl = t->v[j].kind == BM_TOK_ARABIC ? bm_ar_proclitic_len(w, n, 1) : 0;
                    if (!cl)
                        break;
                    w += cl;
                    n -= cl;
                }
                if (o + n + 2 > sizeof key)
                    break;
                if (o)
                    key[o++] = ' ';
                memcpy(key + o, w, n);
                o += n;
            }
            const gz_slot *s = o ? bm__gz_map_get(&g->orgs, key, o, bm__gz_hash(key, o)) : NULL;
            if (s && (s->value & GZ_ORG_BEFORE))
                return 1;
        }
    }
    return 0;
}

static int org_context(matcher *m, const cand *c)
{
    const bm_gazetteer *g = m->g;
    const bm_tokens *t = m->t;
    if (!g->orgs.n)
        return 0;
    /* cheap test first: is the word next to the name part of a pattern? */
    size_t pw = prev_adjacent(t, c->t0), nw = next_adjacent(t, c->t1);
    int before = pw != SIZE_MAX && (roles_at(m, pw) & GZ_C_ORG_BEFORE);
    int after = nw != SIZE_MAX && (roles_at(m, nw) & GZ_C_ORG_AFTER);
    /* قناة "القاهرة الإخبارية"، وكالة «بغداد اليوم»: an outlet's name in
     * quotes (outlets are named for cities and countries; موقع "البرج 22"
     * is a military site) */
    size_t q = c->t0 > 1 ? c->t0 - 1 : SIZE_MAX;
    int kind = g->places[c->place].kind;
    if (!before && q != SIZE_MAX && kind <= GZ_K_VILLAGE && t->v[q].kind == BM_TOK_PUNCT &&
        t->v[q].norm[0] == '"' && !t->v[q].newline_before &&
        (roles_at(m, q - 1) & GZ_C_ORG_BEFORE) && org_pattern_before(m, q))
        return 1;
    char key[GZ_MAX_KEY + 8];
    if (before && org_pattern_before(m, c->t0)) {
        /* the name runs on through a following ل-phrase */
        size_t nx = next_adjacent(t, c->t1);
        if (nx != SIZE_MAX && t->v[nx].kind == BM_TOK_ARABIC && !memcmp(t->v[nx].norm, AR_LAM, 2) &&
            t->v[nx].norm_len >= 8)
            for (size_t j = nx; j < t->n && j <= nx + 2 && is_word(&t->v[j]); j++)
                m->skip[j] = 1;
        return 1;
    }
    for (size_t k = 1; after && k <= g->org_max_tokens; k++) {
        size_t o = 0, j = c->t1;
        int ok = 1;
        for (size_t w = 0; w < k && ok; w++) {
            j = next_adjacent(t, j);
            if (j == SIZE_MAX) {
                ok = 0;
                break;
            }
            if (o + t->v[j].norm_len + 2 > sizeof key) {
                ok = 0;
                break;
            }
            if (o)
                key[o++] = ' ';
            memcpy(key + o, t->v[j].norm, t->v[j].norm_len);
            o += t->v[j].norm_len;
        }
        if (!ok)
            break;
        const gz_slot *s = bm__gz_map_get(&g->orgs, key, o, bm__gz_hash(key, o));
        if (s && (s->value & GZ_ORG_AFTER))
            return 1;
    }
    return 0;
}

static void reject(cand *c, const char *why)
{
    c->st = S_REJECTED;
    c->reject = why;
}

/* A trigger word before the name (مدينة، معبر، محافظة، ريف؛ town of, near)
 * or after it (الحدودي; crossing, camp, governorate). */
static void triggers(matcher *m, cand *c)
{
    const bm_tokens *t = m->t;
    size_t p = prev_adjacent(t, c->t0);
    const gz_context *ctx = p != SIZE_MAX ? ctx_at(m, p) : NULL;
    /* "بالقرب من X", "town of X", "east of X": look past the linking word */
    if (ctx && (ctx->roles & (GZ_C_LINK | GZ_C_RANGE_FROM)) && !(ctx->roles & GZ_C_TRIGGER)) {
        size_t p2 = prev_adjacent(t, p);
        const gz_context *c2 = p2 != SIZE_MAX ? ctx_at(m, p2) : NULL;
        if (c2 && (c2->roles & (GZ_C_TRIGGER | GZ_C_LINK))) {
            p = p2;
            ctx = c2;
        }
    }
    /* an English preposition is too weak for the tens of thousands of
     * imported names (Kurdistan, Bashar, Saada are villages too) */
    int weak_ok = c->latin && !c->imported;
    /* and only village words vouch for them (قرية، بلدة، مزرعة، بئر، قرب) */
    if (ctx && c->imported && !bm__gz_vouches(m->g, &t->v[p]))
        ctx = NULL;
    if (ctx && (ctx->roles & (GZ_C_TRIGGER | GZ_C_LINK)) &&
        (!(ctx->roles & GZ_C_WEAK) || weak_ok)) {
        c->evidence |= EV_TRIGGER;
        c->pref_kinds |= ctx->kinds;
        c->plural = (ctx->roles & GZ_C_PLURAL) != 0;
        c->trigger[0] = '\0';
        str_cat(c->trigger, sizeof c->trigger, t->v[p].norm, t->v[p].norm_len);
    } else if (ctx && (ctx->roles & GZ_C_WEAK) && weak_ok) {
        c->evidence |= EV_TRIGGER;
        c->trigger[0] = '\0';
        str_cat(c->trigger, sizeof c->trigger, t->v[p].norm, t->v[p].norm_len);
    }
    size_t nx = next_adjacent(t, c->t1);
    ctx = nx != SIZE_MAX ? ctx_at(m, nx) : NULL;
    if (ctx && c->imported && !bm__gz_vouches(m->g, &t->v[nx]))
        ctx = NULL;
    if (ctx && (ctx->roles & GZ_C_TRIGGER_AFTER)) {
        c->evidence |= EV_TRIGGER_AFTER;
        c->pref_kinds |= ctx->kinds;
        if (!c->trigger[0])
            str_cat(c->trigger, sizeof c->trigger, t->v[nx].norm, t->v[nx].norm_len);
    }
}

/* A word written with tanwin fath (سورياً، عراقياً، سوريًا) is an adjective
 * or an adverb: place names are not declined with tanwin. */
static int has_tanwin(const matcher *m, size_t k)
{
    const bm_token *tk = &m->t->v[k];
    for (size_t b = tk->start; b + 1 < tk->end; b++)
        if ((unsigned char)m->text[b] == 0xD9 && (unsigned char)m->text[b + 1] == 0x8B)
            return 1;
    return 0;
}

/* "US airstrikes", "a U.S. official": an abbreviated country name before
 * a common noun is an adjective, like American; with "the" before it ("the
 * US will", "the US military") it stays the country. */
static int attributive_abbreviation(const matcher *m, const cand *c)
{
    const bm_tokens *t = m->t;
    for (size_t b = t->v[c->t0].start; b < t->v[c->t1].end; b++) {
        char ch = m->text[b];
        if (!(ch >= 'A' && ch <= 'Z') && ch != '.')
            return 0;
    }
    /* "a joint US-Iraqi raid": joined to an adjective of origin */
    if (c->t1 + 2 < t->n && is_hyphen(&t->v[c->t1 + 1]) && t->v[c->t1 + 2].kind == BM_TOK_LATIN &&
        nisba_of(m->g, &t->v[c->t1 + 2], 0))
        return 1;
    size_t nx = next_adjacent(t, c->t1), p = prev_adjacent(t, c->t0);
    if (nx == SIZE_MAX || t->v[nx].kind != BM_TOK_LATIN)
        return 0;
    char first = m->text[t->v[nx].start];
    if (!(first >= 'a' && first <= 'z'))
        return 0;
    return !(p != SIZE_MAX && t->v[p].norm_len == 3 && !memcmp(t->v[p].norm, "the", 3));
}

/* A byline opening a line: "بغداد/ المدى", "شفق نيوز/ نينوى" (the place
 * and the outlet joined by a slash, at most three words before it). It
 * tells where the story was filed, as a dateline's date tells when: page
 * furniture (the codebook), no place of the article. */
static int byline(const matcher *m, const cand *c)
{
    const bm_tokens *t = m->t;
    size_t start = c->t0;
    while (start > 0 && !t->v[start].newline_before && c->t0 - start < 4)
        start--;
    if (start > 0 && !t->v[start].newline_before)
        return 0;
    size_t nx = c->t1 + 1;
    if (start == c->t0 && nx + 1 < t->n && t->v[nx].kind == BM_TOK_PUNCT &&
        t->v[nx].norm[0] == '/' && !t->v[nx + 1].newline_before && is_word(&t->v[nx + 1]))
        return 1;
    /* "Outlet/ City": the slash right before the name, words only before it */
    if (start == c->t0 || c->t0 < 2 || t->v[c->t0].newline_before)
        return 0;
    const bm_token *sl = &t->v[c->t0 - 1];
    if (sl->kind != BM_TOK_PUNCT || sl->norm[0] != '/')
        return 0;
    for (size_t k = start; k + 1 < c->t0; k++)
        if (!is_word(&t->v[k]))
            return 0;
    return 1;
}

/* Rules that veto a name whatever else the text says. */
static void vetoes(matcher *m, cand *c)
{
    const bm_tokens *t = m->t;
    if (m->skip[c->t0]) {
        reject(c, "org");
        return;
    }
    if (c->latin && !latin_capitalised(m, c)) {
        reject(c, "lowercase");
        return;
    }
    if (!c->latin && has_tanwin(m, c->t1)) {
        reject(c, "tanwin");
        return;
    }
    /* a proclitic takes the article of a definite name with it (فالرقة،
     * بالرقة): "فرقة" is ف + a word, not الرقة without its article */
    if (!c->latin && c->strip && c->noart && !c->lil) {
        reject(c, "clitic without article");
        return;
    }
    if (byline(m, c)) {
        reject(c, "byline");
        return;
    }
    if (c->latin && attributive_abbreviation(m, c)) {
        reject(c, "modifier");
        return;
    }
    size_t p = prev_adjacent(t, c->t0), nx = next_adjacent(t, c->t1);
    unsigned pr = p != SIZE_MAX ? roles_at(m, p) : 0;
    unsigned nr = nx != SIZE_MAX ? roles_at(m, nx) : 0;
    if (pr & GZ_C_PERSON_BEFORE) {
        reject(c, "person");
        return;
    }
    if (nr & GZ_C_PERSON_AFTER) {
        reject(c, "person");
        return;
    }
    if ((nr & GZ_C_NOT_AFTER) && c->trap) {
        reject(c, "title");
        return;
    }
    /* "قالت ربيعة": the subject of a verb of saying is a person when the
     * name is also a given name (a place that speaks is a capital, no trap) */
    if ((pr & GZ_C_SPEAKER) && c->trap &&
        !strcmp(bm__gz_str(m->g, c->trap->why_off), "given-name")) {
        reject(c, "person");
        return;
    }
    /* a word that is itself a place word (مدينة، منطقة) is never a name */
    if (c->t0 == c->t1 && !c->strip &&
        (roles_at(m, c->t0) & (GZ_C_TRIGGER | GZ_C_APPOSITION | GZ_C_LINK))) {
        reject(c, "place-word");
        return;
    }
    if (org_context(m, c)) {
        reject(c, "org");
        return;
    }
    if (modifier_context(m, c)) {
        reject(c, "modifier");
        return;
    }
    /* a generated row that is spelt like an adjective of origin */
    if (c->nisba_homograph && c->broad_only) {
        reject(c, "nisba");
        return;
    }
    /* A definite trap word right after a definite noun is that noun's
     * adjective (الوضع القائم، المدى القصير، الحكومة السعودية), unless the
     * noun announces a place (العاصمة، المدينة). */
    if ((c->trap || c->nisba_homograph) && !c->latin && !c->strip && c->t0 == c->t1 &&
        word_has_article(&t->v[c->t0]) && p != SIZE_MAX && word_has_article(&t->v[p]) &&
        !(pr & (GZ_C_TRIGGER | GZ_C_APPOSITION)))
        reject(c, "adjective");
}

/* ---- Evidence between candidates -------------------------------------------------- */

static int specific(const gz_place *p)
{
    return (p->flags & (GZ_P_SETTLE | GZ_P_POINTLIKE)) || p->kind == GZ_K_DISTRICT ||
           p->kind == GZ_K_SUBDISTRICT || p->kind == GZ_K_GOVERNORATE;
}

/* Are candidates a (before) and b (after) coordinated: "X و Y", "X، Y",
 * "من X إلى Y", "بين X و Y"? Sets *range for the two-ended patterns. */
static int coordinated(const matcher *m, const cand *a, const cand *b, int *range)
{
    const bm_tokens *t = m->t;
    *range = 0;
    if (b->t0 <= a->t1)
        return 0;
    size_t gap = b->t0 - a->t1 - 1;
    const bm_token *bt = &t->v[b->t0];
    int b_waw =
        bt->kind == BM_TOK_ARABIC && b->strip >= 2 && !memcmp(bt->norm, "\xD9\x88", 2); /* وY */
    size_t pa = a->t0 > 0 ? a->t0 - 1 : SIZE_MAX;
    int from = pa != SIZE_MAX && (roles_at(m, pa) & GZ_C_RANGE_FROM);
    if (gap == 0 && b_waw) {
        *range = from;
        return 1;
    }
    /* من X شمالا إلى Y جنوبا: a range may carry a word or two after X */
    if (from && gap >= 2 && gap <= 3 && is_word(&t->v[b->t0 - 1]) &&
        (roles_at(m, b->t0 - 1) & GZ_C_RANGE_TO)) {
        int words = 1;
        for (size_t k = a->t1 + 1; k < b->t0; k++)
            words &= is_word(&t->v[k]) && !t->v[k].newline_before;
        if (words) {
            *range = 1;
            return 1;
        }
    }
    if (gap == 1) {
        const bm_token *mid = &t->v[a->t1 + 1];
        if (mid->kind == BM_TOK_PUNCT && (mid->norm[0] == ',' || mid->norm[0] == '-'))
            return 1;
        if (is_word(mid) && (roles_at(m, a->t1 + 1) & GZ_C_RANGE_TO)) {
            *range = from;
            return 1;
        }
    }
    return 0;
}

static double cand_distance(const matcher *m, const cand *a, const cand *b)
{
    const bm_gazetteer *g = m->g;
    double best = 1e9;
    if (a->group == NO_VALUE || b->st != S_ACCEPTED)
        return best;
    uint32_t n;
    const gz_ref *r = group_refs(g, a->group, &n);
    for (uint32_t i = 0; i < n; i++) {
        /* an imported namesake (WOF has villages called جاسم near every
         * town) never makes a name "nearby" */
        if (g->places[r[i].place].flags & GZ_P_USER)
            continue;
        double d = bm_distance_km(g->places[r[i].place].pub.pt, g->places[b->place].pub.pt);
        if (d < best)
            best = d;
    }
    return best;
}

/* Sentence numbers: a line break or . ! ? ; ends a sentence. */
static void number_sentences(matcher *m)
{
    uint32_t s = 0;
    for (size_t i = 0; i < m->t->n; i++) {
        const bm_token *tk = &m->t->v[i];
        if (tk->newline_before)
            s++;
        m->sent[i] = s;
        if (tk->kind == BM_TOK_PUNCT &&
            (tk->norm[0] == '.' || tk->norm[0] == '!' || tk->norm[0] == '?' || tk->norm[0] == ';'))
            s++;
    }
    m->sent_done = 1;
}

static int same_sentence(matcher *m, size_t a, size_t b)
{
    if (!m->sent_done)
        number_sentences(m);
    return m->sent[a] == m->sent[b];
}

/* How many earlier candidates coreference looks back over: about an
 * article's worth, so a long text stays linear. */
#define COREF_WINDOW 256

/* Imported names (thousands of same-name villages) look back over fewer
 * candidates: the test runs once per place of the name. */
#define COREF_WINDOW_IMPORTED 24

/* Did an earlier accepted mention resolve to place p? Looks back from the
 * nearest: an article names its places again soon after. */
static int named_before(const matcher *m, const cand *c, uint32_t p)
{
    ptrdiff_t win = c->imported ? COREF_WINDOW_IMPORTED : COREF_WINDOW;
    const cand *first = c - m->c > win ? c - win : m->c;
    for (const cand *o = c; o-- > first;)
        if (o->place == p && o->st == S_ACCEPTED && o->group != c->group)
            return 1;
    return 0;
}

/* A trap the article named in full before ("مخيم الهول" ... "من الهول"):
 * the short form refers back to that place. */
static int named_in_full(matcher *m, size_t ci)
{
    cand *c = &m->c[ci];
    uint32_t n;
    const gz_ref *r = group_refs(m->g, c->group, &n);
    for (uint32_t i = 0; i < n; i++)
        if (named_before(m, c, r[i].place)) {
            c->place = r[i].place;
            c->evidence |= EV_NEARBY;
            str_set(c->via, sizeof c->via, m->g->places[r[i].place].pub.id);
            return 1;
        }
    return 0;
}

/* Is token k the preposition في ("in")? */
static int is_fi(const matcher *m, size_t k)
{
    const bm_token *tk = &m->t->v[k];
    return tk->kind == BM_TOK_ARABIC && tk->norm_len == 4 &&
           !memcmp(tk->norm, "\xD9\x81\xD9\x8A", 4);
}

/* "ربيعة في نينوى", "هيت في الأنبار": a name said to lie in the governorate
 * one of its places lies in is that place. Returns 1 and notes the
 * governorate when so. */
static int inside_own_governorate(matcher *m, size_t ci)
{
    cand *c = &m->c[ci];
    if (ci + 1 >= m->n)
        return 0;
    const cand *o = &m->c[ci + 1];
    if (o->st != S_ACCEPTED || o->group == NO_VALUE || o->t0 != c->t1 + 2 || !is_fi(m, c->t1 + 1))
        return 0;
    uint32_t nc, no;
    const gz_ref *rc = group_refs(m->g, c->group, &nc), *ro = group_refs(m->g, o->group, &no);
    for (uint32_t j = 0; j < no; j++) {
        const gz_place *gov = &m->g->places[ro[j].place];
        if (gov->kind != GZ_K_GOVERNORATE)
            continue;
        for (uint32_t i = 0; i < nc; i++)
            if (!strcmp(m->g->places[rc[i].place].pub.admin1, gov->pub.id)) {
                c->place = rc[i].place;
                str_set(c->via, sizeof c->via, gov->pub.id);
                return 1;
            }
    }
    return 0;
}

/* Evidence a trap (or a broad-only name) needs; returns 1 when unlocked. */
/* How near the article's other places a name after في must lie. */
#define LOCATIVE_KM 250
/* How many place candidates either side count as the article's places (an
 * article names a few dozen; a stream of articles must not make it quadratic). */
#define LOCATIVE_CANDS 40

/* Token k is في or وفي. */
static int is_fi_clitic(const matcher *m, size_t k)
{
    const bm_token *tk = &m->t->v[k];
    return is_fi(m, k) || (tk->kind == BM_TOK_ARABIC && tk->norm_len == 6 &&
                           !memcmp(tk->norm, "\xD9\x88\xD9\x81\xD9\x8A", 6));
}

/* "قوات الحدود في ربيعة": a name right after في names where something is,
 * and it resolves when another place of the article lies near it. A given
 * name rarely follows في, and a namesake far from the article's geography is
 * not evidence. */
static int located_in_article(matcher *m, size_t ci)
{
    cand *c = &m->c[ci];
    if (c->t0 == 0 || c->latin || !is_fi_clitic(m, c->t0 - 1) || c->group == NO_VALUE)
        return 0;
    /* candidates are in text order: look outward, within the article's reach */
    size_t lo = ci > LOCATIVE_CANDS ? ci - LOCATIVE_CANDS : 0;
    size_t hi = ci + LOCATIVE_CANDS < m->n ? ci + LOCATIVE_CANDS : m->n;
    for (size_t j = lo; j < hi; j++) {
        const cand *o = &m->c[j];
        if (j == ci || o->st != S_ACCEPTED || o->trap)
            continue;
        const gz_place *op = &m->g->places[o->place];
        if (op->kind == GZ_K_COUNTRY || cand_distance(m, c, o) > LOCATIVE_KM)
            continue;
        c->evidence |= EV_NEARBY;
        str_set(c->via, sizeof c->via, op->pub.id);
        return 1;
    }
    return 0;
}

static int unlocked(matcher *m, size_t ci)
{
    cand *c = &m->c[ci];
    unsigned unlock = c->trap ? c->trap->unlock : (GZ_U_TRIGGER | GZ_U_LIST | GZ_U_NEARBY);
    /* tens of thousands of imported villages are named like people and
     * words (جاسم محمد، السبخة): another place nearby proves nothing */
    if (c->name_words)
        unlock &= GZ_U_TRIGGER;
    /* without its article a trap is most often the plain word (عن هول ما
     * رأوا): only a place word next to it unlocks it */
    if (c->trap && c->noart)
        unlock &= GZ_U_TRIGGER;
    if ((unlock & GZ_U_TRIGGER) && (c->evidence & (EV_TRIGGER | EV_TRIGGER_AFTER)))
        return 1;
    if ((unlock & (GZ_U_LIST | GZ_U_NEARBY)) && c->group != NO_VALUE && named_in_full(m, ci))
        return 1;
    if ((unlock & (GZ_U_LIST | GZ_U_NEARBY)) && c->group != NO_VALUE &&
        inside_own_governorate(m, ci)) {
        c->evidence |= EV_NEARBY;
        return 1;
    }
    const gz_place *self = &m->g->places[c->place];
    /* coordination with a neighbouring place */
    for (int side = 0; side < 2 && (unlock & GZ_U_LIST); side++) {
        size_t oi = side ? ci + 1 : ci - 1;
        if ((side == 0 && ci == 0) || oi >= m->n)
            continue;
        const cand *o = &m->c[oi];
        int range;
        if (!(side ? coordinated(m, c, o, &range) : coordinated(m, o, c, &range)))
            continue;
        if (o->st == S_REJECTED || o->group == NO_VALUE)
            continue;
        const gz_place *op = &m->g->places[o->place];
        if (!specific(op) && !(self->flags & GZ_P_AREA))
            continue;
        /* two traps may vouch for each other only in a range (من X إلى Y) */
        if (o->st == S_OPEN && !range)
            continue;
        c->evidence |= range ? EV_RANGE : EV_LIST;
        str_set(c->via, sizeof c->via, op->pub.id);
        return 1;
    }
    if (!(unlock & GZ_U_NEARBY))
        return 0;
    if (located_in_article(m, ci))
        return 1;
    /* candidates are in text order: look outward and stop past the window */
    for (int dir = -1; dir <= 1; dir += 2) {
        for (size_t j = ci;;) {
            if ((dir < 0 && j == 0) || (dir > 0 && j + 1 >= m->n))
                break;
            j = dir < 0 ? j - 1 : j + 1;
            const cand *o = &m->c[j];
            size_t lo = o->t0 < c->t0 ? o->t0 : c->t0, hi = o->t0 < c->t0 ? c->t0 : o->t0;
            if (hi - lo > 16)
                break;
            if (o->st != S_ACCEPTED || o->trap || o->group == NO_VALUE || !same_sentence(m, lo, hi))
                continue;
            const gz_place *op = &m->g->places[o->place];
            if (!specific(op) || op->kind == GZ_K_GOVERNORATE)
                continue;
            if (cand_distance(m, c, o) > 150)
                continue;
            c->evidence |= EV_NEARBY;
            str_set(c->via, sizeof c->via, op->pub.id);
            return 1;
        }
    }
    return 0;
}

/* ---- Choosing among places that share a name ----------------------------------------- */

typedef struct doc_ctx {
    const char *admin1[64];
    const char *country[32];
    size_t n_admin1, n_country;
    bm_lonlat anchor[64]; /* points of the article's unambiguous places */
    size_t n_anchor;
} doc_ctx;

static int in_list(const char *const *v, size_t n, const char *s)
{
    if (!s || !strcmp(s, "-"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

static void doc_add(doc_ctx *d, const gz_place *p)
{
    const char *a1 = p->kind == GZ_K_GOVERNORATE ? p->pub.id : p->pub.admin1;
    if (strcmp(a1, "-") && !in_list(d->admin1, d->n_admin1, a1) && d->n_admin1 < 64)
        d->admin1[d->n_admin1++] = a1;
    if (strcmp(p->pub.country, "-") && !in_list(d->country, d->n_country, p->pub.country) &&
        d->n_country < 32)
        d->country[d->n_country++] = p->pub.country;
    if (specific(p) && p->kind != GZ_K_GOVERNORATE && d->n_anchor < 64)
        d->anchor[d->n_anchor++] = p->pub.pt;
}

/* "ريف دير الزور", "محافظة حمص" when only the city is listed under the name,
 * "Homs province": the trigger asks for a governorate and none of the places
 * is one, so the governorate the named place lies in is meant. */
static int admin1_fallback(matcher *m, cand *c, const gz_ref *r, uint32_t n)
{
    const bm_gazetteer *g = m->g;
    unsigned gov = 1u << GZ_K_GOVERNORATE;
    int sibling = 0;
    if (!(c->pref_kinds & gov)) {
        /* "دير الزور والأنبار": a governorate-level neighbour; only the
         * governorate named after its capital qualifies */
        if (c->neighbour_kind != GZ_K_GOVERNORATE + 1 || n != 1)
            return 0;
        sibling = 1;
    }
    for (uint32_t i = 0; i < n; i++)
        if (g->places[r[i].place].kind == GZ_K_GOVERNORATE)
            return 0;
    const bm_gplace *self = &g->places[r[0].place].pub;
    const bm_gplace *a1 = bm_gazetteer_get(g, self->admin1);
    if (!a1 || strcmp(a1->kind, "governorate") != 0)
        return 0;
    /* only the governorate named after the place: ريف دير الزور is the
     * governorate, ريف منبج is the land around Manbij */
    if (!strcmp(self->name_ar, "-") || !strstr(a1->name_ar, self->name_ar))
        return 0;
    c->place = (uint32_t)((const gz_place *)a1 - g->places);
    size_t l = strlen(c->reason);
    if (l)
        str_cat(c->reason, sizeof c->reason, ";", 1);
    str_set(c->reason + strlen(c->reason), sizeof c->reason - strlen(c->reason),
            sibling ? "sibling-level" : "admin1");
    return 1;
}

static void choose(matcher *m, cand *c, const doc_ctx *d)
{
    const bm_gazetteer *g = m->g;
    if (c->group == NO_VALUE)
        return;
    uint32_t n;
    const gz_ref *r = group_refs(g, c->group, &n);
    if (admin1_fallback(m, c, r, n))
        return;
    if (n == 1) {
        c->place = r[0].place;
        return;
    }
    double best = -1e9;
    const char *why = "prior";
    for (uint32_t i = 0; i < n; i++) {
        const gz_place *p = &g->places[r[i].place];
        double s = 0;
        const char *w = "prior";
        unsigned bit = 1u << p->kind;
        if (c->pref_kinds & bit) {
            s += 4;
            w = "kind";
        }
        if (c->neighbour_kind && c->neighbour_kind == p->kind + 1) {
            s += 1.5;
            w = "sibling-kind";
        }
        const char *a1 = p->kind == GZ_K_GOVERNORATE ? p->pub.id : p->pub.admin1;
        if (in_list(d->admin1, d->n_admin1, a1)) {
            s += 2;
            if (!(c->pref_kinds & bit))
                w = "sibling";
        } else if (in_list(d->country, d->n_country, p->pub.country)) {
            s += 1;
            if (!(c->pref_kinds & bit))
                w = "sibling";
        }
        if (!(p->flags & GZ_P_BROAD))
            s += 1;
        /* a bare name the article already gave in full ("مخيم الهول" ... "من
         * الهول") is the same place: the press shortens names it has set up */
        if (!c->pref_kinds && named_before(m, c, r[i].place)) {
            s += 3;
            w = "coreference";
        }
        /* the settlement is what a bare name means; the area it names needs
         * a trigger (محافظة X) or a sibling of its level */
        if (p->flags & GZ_P_SETTLE)
            s += 0.5;
        else if (p->flags & GZ_P_POINTLIKE)
            s += 0.2;
        if (p->pub.population > 0)
            s += 0.3 * log10((double)p->pub.population) / 7.0;
        if ((p->flags & (GZ_P_USER | GZ_P_BROAD)) == (GZ_P_USER | GZ_P_BROAD)) {
            const char *rw = NULL;
            s += bm__gz_rank_imported(p, d->anchor, d->n_anchor, &rw);
            if (rw)
                w = rw;
        }
        if (s > best + 1e-9) {
            best = s;
            c->place = r[i].place;
            why = w;
        }
    }
    if (c->reason[0])
        str_cat(c->reason, sizeof c->reason, ";", 1);
    str_cat(c->reason, sizeof c->reason, why, strlen(why));
}

/* Names only user imports know are chosen last, against every place the
 * article's neighbouring mentions resolved to (not only the unambiguous
 * ones): WOF has thousands of same-name villages and a town of the files
 * that shares a name with one of them is still the best anchor. */
#define ANCHOR_WINDOW 32

static void choose_imported(matcher *m, const doc_ctx *d)
{
    for (size_t i = 0; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->st != S_ACCEPTED || !c->imported)
            continue;
        doc_ctx local = *d;
        local.n_anchor = 0;
        size_t lo = i > ANCHOR_WINDOW ? i - ANCHOR_WINDOW : 0;
        for (size_t j = lo; j < m->n && j <= i + ANCHOR_WINDOW; j++) {
            const cand *o = &m->c[j];
            if (j == i || o->st != S_ACCEPTED || o->place == NO_VALUE || local.n_anchor >= 64)
                continue;
            const gz_place *p = &m->g->places[o->place];
            if (specific(p) && p->kind != GZ_K_GOVERNORATE)
                local.anchor[local.n_anchor++] = p->pub.pt;
        }
        choose(m, c, &local);
    }
}

/* "حقل العمر في دير الزور", "حقول رميلان في الحسكة": a place far out of the
 * city named after its governorate, said to be "in" that name, is in the
 * governorate; the city itself is not meant. Points within a few km of the
 * city (a quarter, its airport) leave it the city. */
static void container_level(matcher *m)
{
    const bm_gazetteer *g = m->g;
    for (size_t i = 1; i < m->n; i++) {
        cand *c = &m->c[i];
        const cand *o = &m->c[i - 1];
        if (c->st != S_ACCEPTED || o->st != S_ACCEPTED || c->group == NO_VALUE ||
            o->group == NO_VALUE || c->t0 != o->t1 + 2 || c->strip)
            continue;
        if (!is_fi(m, o->t1 + 1))
            continue;
        const gz_place *city = &g->places[c->place], *in = &g->places[o->place];
        if (city->kind != GZ_K_CITY || !specific(in) || in->kind == GZ_K_GOVERNORATE)
            continue;
        const bm_gplace *a1 = bm_gazetteer_get(g, city->pub.admin1);
        if (!a1 || strcmp(a1->kind, "governorate") != 0 || strcmp(in->pub.admin1, a1->id) != 0 ||
            !strstr(a1->name_ar, city->pub.name_ar))
            continue;
        if (bm_distance_km(in->pub.pt, city->pub.pt) <= 10)
            continue;
        c->place = (uint32_t)((const gz_place *)a1 - g->places);
        str_cat(c->reason, sizeof c->reason, ";container", 10);
    }
}

/* "محافظة حمص" ... "في حمص": once an article has set up a governorate and
 * not the city it is named after, the bare name goes on meaning the
 * governorate. A place word (مدينة حمص) or an earlier mention of the city
 * keeps the city. */
static void governorate_coreference(matcher *m)
{
    const bm_gazetteer *g = m->g;
    for (size_t i = 1; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->st != S_ACCEPTED || c->group == NO_VALUE || c->pref_kinds ||
            (c->evidence & (EV_TRIGGER | EV_TRIGGER_AFTER)))
            continue;
        const gz_place *city = &g->places[c->place];
        const bm_gplace *a1 = bm_gazetteer_get(g, city->pub.admin1);
        if (city->kind != GZ_K_CITY || !a1 || strcmp(a1->kind, "governorate") != 0 ||
            !strstr(a1->name_ar, city->pub.name_ar))
            continue;
        uint32_t gov = (uint32_t)((const gz_place *)a1 - g->places);
        int seen_gov = 0, seen_city = 0;
        /* from the nearest back: the city named before settles it */
        for (size_t j = i, lo = i > COREF_WINDOW ? i - COREF_WINDOW : 0; j-- > lo && !seen_city;) {
            if (m->c[j].st != S_ACCEPTED)
                continue;
            seen_gov |= m->c[j].place == gov;
            seen_city |= m->c[j].place == c->place;
        }
        if (!seen_gov || seen_city)
            continue;
        c->place = gov;
        str_cat(c->reason, sizeof c->reason, ";coreference", 12);
    }
}

/* ---- The pipeline ------------------------------------------------------------------------ */

static void base_reason(matcher *m, cand *c)
{
    if (c->evidence & EV_SPECIAL)
        return;
    uint32_t n;
    const gz_ref *r = group_refs(m->g, c->group, &n);
    const char *how = c->strip ? (c->lil ? "lil" : "clitic") : "exact";
    double conf = c->strip ? 0.88 : 0.9;
    if (r[0].flags & GZ_R_NOART)
        conf -= 0.08;
    if (r[0].flags & GZ_R_JOINED)
        conf -= 0.04;
    if (c->broad_only)
        conf = 0.6;
    if (c->evidence & (EV_TRIGGER | EV_TRIGGER_AFTER)) {
        conf = c->trap ? 0.85 : fmin(0.95, conf + 0.05);
        str_set(c->reason, sizeof c->reason, "trigger:");
        str_cat(c->reason, sizeof c->reason, c->trigger, strlen(c->trigger));
    } else if (c->evidence & (EV_LIST | EV_RANGE)) {
        conf = c->trap ? 0.75 : conf;
        str_set(c->reason, sizeof c->reason, c->evidence & EV_RANGE ? "range:" : "list:");
        str_cat(c->reason, sizeof c->reason, c->via, strlen(c->via));
    } else if (c->evidence & EV_NEARBY) {
        conf = 0.7;
        str_set(c->reason, sizeof c->reason, "nearby:");
        str_cat(c->reason, sizeof c->reason, c->via, strlen(c->via));
    } else {
        str_set(c->reason, sizeof c->reason, how);
    }
    c->conf = conf;
}

static void neighbour_kinds(matcher *m)
{
    for (size_t i = 0; i + 1 < m->n; i++) {
        cand *a = &m->c[i], *b = &m->c[i + 1];
        int range;
        if (a->group == NO_VALUE || b->group == NO_VALUE || !coordinated(m, a, b, &range))
            continue;
        uint32_t na, nb;
        const gz_ref *ra = group_refs(m->g, a->group, &na), *rb = group_refs(m->g, b->group, &nb);
        /* an unambiguous neighbour tells the level of an ambiguous one
         * (دير الزور والأنبار: both governorates) */
        if (nb == 1)
            a->neighbour_kind = m->g->places[rb[0].place].kind + 1;
        if (na == 1)
            b->neighbour_kind = m->g->places[ra[0].place].kind + 1;
    }
}

/* A dual or plural place word names every member of the list after it:
 * "محافظتي الحسكة ودير الزور" are two governorates, "حقلي العمر وكونيكو" two
 * fields. The first name took the trigger; pass it down the list. */
static void spread_plural(matcher *m)
{
    for (size_t i = 1; i < m->n; i++) {
        cand *a = &m->c[i - 1], *b = &m->c[i];
        int range;
        if (!a->plural || !(a->evidence & EV_TRIGGER) || a->st == S_REJECTED)
            continue;
        if (b->st == S_REJECTED || (b->evidence & EV_TRIGGER) || b->group == NO_VALUE ||
            !coordinated(m, a, b, &range) || range)
            continue;
        b->evidence |= EV_TRIGGER;
        b->pref_kinds |= a->pref_kinds;
        b->plural = 1;
        str_set(b->trigger, sizeof b->trigger, a->trigger);
    }
}

/* "بلدة جديد عكيدات": an imported name of one word (or of name words only)
 * followed by a bare word that is no
 * particle, place word or article-bearing adjective is the start of a longer
 * name the gazetteer lacks, not that place. */
static int name_continues(matcher *m, const cand *c)
{
    const bm_tokens *t = m->t;
    size_t nx = next_adjacent(t, c->t1);
    if (nx == SIZE_MAX || t->v[nx].kind != BM_TOK_ARABIC)
        return 0;
    const bm_token *tk = &t->v[nx];
    return !word_has_article(tk) && !ctx_at(m, nx) && !bm__gz_name_end(m->g, tk);
}

static int needs_evidence(const cand *c)
{
    if (c->evidence & EV_SPECIAL)
        return 0;
    if (c->name_words)
        return 1;
    if (c->trap)
        return !(c->trap->unlock & GZ_U_ALWAYS);
    return (c->broad_only && c->t0 == c->t1) || c->weak_clitic;
}

/* How far a district's seat may lie from the district's point. */
#define SEAT_KM 80

/* The seat town of a district or subdistrict: the settlement named like it
 * without its qualifier (قضاء القائم -> القائم), near it. NO_VALUE if none. */
static uint32_t district_seat(const matcher *m, uint32_t district)
{
    const bm_gazetteer *g = m->g;
    const gz_place *d = &g->places[district];
    const char *sp = strchr(d->pub.name_ar, ' ');
    char key[GZ_MAX_KEY + 8];
    int latin;
    if (!sp || !bm__gz_name_key(sp + 1, key, sizeof key, &latin))
        return NO_VALUE;
    uint32_t e = index_get(g, key, strlen(key));
    if (!(e & GZ_E_FULL))
        return NO_VALUE;
    uint32_t n, best = NO_VALUE;
    double bd = SEAT_KM;
    const gz_ref *r = group_refs(g, e & GZ_E_GROUP, &n);
    for (uint32_t i = 0; i < n; i++) {
        const gz_place *p = &g->places[r[i].place];
        double km = bm_distance_km(p->pub.pt, d->pub.pt);
        if ((p->flags & GZ_P_SETTLE) && km <= bd) {
            bd = km;
            best = r[i].place;
        }
    }
    return best;
}

/* The codebook places a named district at its seat (ACLED's convention),
 * and a bare town name is the town: a district never comes out when its
 * seat is in the gazetteer. */
static void districts_at_seats(matcher *m)
{
    for (size_t i = 0; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->st != S_ACCEPTED)
            continue;
        int kind = m->g->places[c->place].kind;
        if (kind != GZ_K_DISTRICT && kind != GZ_K_SUBDISTRICT)
            continue;
        uint32_t seat = district_seat(m, c->place);
        if (seat != NO_VALUE)
            c->place = seat;
    }
}

static void resolve(matcher *m)
{
    for (size_t i = 0; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->evidence & EV_SPECIAL)
            continue;
        vetoes(m, c);
        if (c->st == S_REJECTED)
            continue;
        triggers(m, c);
        if (c->name_words && name_continues(m, c)) {
            reject(c, "partial");
            continue;
        }
        if (!needs_evidence(c))
            c->st = S_ACCEPTED;
    }
    spread_plural(m);
    /* Traps and bare broad names: evidence may come from places accepted in
     * an earlier round, so iterate until nothing changes. */
    for (int round = 0; round < 4; round++) {
        int changed = 0;
        for (size_t i = 0; i < m->n; i++) {
            cand *c = &m->c[i];
            if (c->st != S_OPEN)
                continue;
            if (unlocked(m, i)) {
                c->st = S_ACCEPTED;
                changed = 1;
            }
        }
        if (!changed)
            break;
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->c[i].st == S_OPEN)
            reject(&m->c[i], "trap");

    neighbour_kinds(m);
    doc_ctx d = {0};
    for (size_t i = 0; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->st != S_ACCEPTED)
            continue;
        uint32_t n = 1;
        if (c->group != NO_VALUE)
            group_refs(m->g, c->group, &n);
        if (n == 1)
            doc_add(&d, &m->g->places[c->place]);
    }
    for (size_t i = 0; i < m->n; i++) {
        cand *c = &m->c[i];
        if (c->st != S_ACCEPTED)
            continue;
        base_reason(m, c);
        if (!c->imported)
            choose(m, c, &d);
    }
    choose_imported(m, &d);
    container_level(m);
    governorate_coreference(m);
    districts_at_seats(m);
}

struct bm_place_finder {
    const bm_gazetteer *g;
    bm_tokens t;
    cand *c;
    size_t cap_c;
    unsigned char *skip;
    const gz_context **cc;
    uint32_t *sent;
    size_t cap_tok;
    bm_place_mention *out;
    size_t cap_out;
    memo memo;
    unsigned long runs; /* texts read so far */
    uint32_t *th;       /* bm_place_finder_run: the key hash of each of t's tokens */
    size_t cap_th;
};

/* A finder made for one short text (an article in ingest) looks its words
 * up directly: making the memo would cost more than it saves. It remembers
 * words from its second text on, or in a long text. */
#define MEMO_MIN_TOKENS 4096

int bm_place_finder_new(const bm_gazetteer *g, bm_place_finder **out, bm_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
    (*out)->g = g;
    (*out)->memo.g = g;
    (*out)->memo.generation = g->generation;
    return BM_OK;
}

void bm_place_finder_free(bm_place_finder *f)
{
    if (!f)
        return;
    bm_tokens_free(&f->t);
    free(f->c);
    free(f->skip);
    free(f->cc);
    free(f->sent);
    free(f->out);
    free(f->th);
    memo_free(&f->memo);
    free(f);
}

/* Per-token arrays sized for n tokens; they only ever grow. */
static int finder_reserve(bm_place_finder *f, size_t n)
{
    if (n <= f->cap_tok)
        return 0;
    size_t nc = f->cap_tok ? f->cap_tok : 1024;
    while (nc < n)
        nc *= 2;
    unsigned char *s = realloc(f->skip, nc);
    if (!s)
        return -1;
    f->skip = s;
    const gz_context **cc = realloc(f->cc, nc * sizeof *cc);
    if (!cc)
        return -1;
    f->cc = cc;
    uint32_t *sent = realloc(f->sent, nc * sizeof *sent);
    if (!sent)
        return -1;
    f->sent = sent;
    f->cap_tok = nc;
    return 0;
}

static int emit(bm_place_finder *f, const matcher *m, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        k += m->c[i].st == S_ACCEPTED;
    if (k > f->cap_out) {
        bm_place_mention *o = realloc(f->out, k * sizeof *o);
        if (!o)
            return -1;
        f->out = o;
        f->cap_out = k;
    }
    *n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const cand *c = &m->c[i];
        if (c->st != S_ACCEPTED)
            continue;
        bm_place_mention *pm = &f->out[(*n)++];
        pm->start = m->t->v[c->t0].start;
        pm->end = m->t->v[c->t1].end;
        pm->place = &f->g->places[c->place].pub;
        pm->confidence = c->conf;
        _Static_assert(sizeof pm->reason == sizeof c->reason, "reason buffers differ");
        memcpy(pm->reason, c->reason, sizeof pm->reason);
    }
    return 0;
}

int bm_place_finder_run_tokens(bm_place_finder *f, const char *text, size_t len,
                               const bm_tokens *tokens, const bm_place_mention **out, size_t *n,
                               bm_error *err)
{
    return bm__place_finder_run_hashed(f, text, len, tokens, NULL, out, n, err);
}

int bm__place_finder_run_hashed(bm_place_finder *f, const char *text, size_t len,
                                const bm_tokens *tokens, const uint32_t *th,
                                const bm_place_mention **out, size_t *n, bm_error *err)
{
    *out = NULL;
    *n = 0;
    (void)len;
    if (finder_reserve(f, tokens->n + 1))
        return bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
    matcher m = {.g = f->g,
                 .text = text,
                 .t = tokens,
                 .c = f->c,
                 .cap = f->cap_c,
                 .skip = f->skip,
                 .cc = f->cc,
                 .sent = f->sent,
                 .memo = f->runs++ || tokens->n >= MEMO_MIN_TOKENS ? &f->memo : NULL,
                 .th = th};
    memset(m.skip, 0, tokens->n + 1);
    for (size_t i = 0; i <= tokens->n; i++)
        m.cc[i] = &ctx_unknown;
    mark_skiplines(&m);
    int rc = collect(&m);
    /* collect may have grown the candidate array: keep it for next time */
    f->c = m.c;
    f->cap_c = m.cap;
    if (rc < 0)
        return bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
    resolve(&m);
    if (emit(f, &m, n))
        return bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
    *out = f->out;
    return BM_OK;
}

int bm_place_finder_run(bm_place_finder *f, const char *text, size_t len,
                        const bm_place_mention **out, size_t *n, bm_error *err)
{
    *out = NULL;
    *n = 0;
    int rc = bm_tokenize(text, len, &f->t, err);
    if (rc)
        return rc;
    /* Each word is looked up by its hash several times here, and again by the
     * date lexicon when the caller reads the same tokens: hash it once. */
    if (bm__grow((void **)&f->th, &f->cap_th, f->t.n, sizeof *f->th) != BM_OK)
        return bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
    bm__key_hash_tokens(&f->t, f->th);
    return bm__place_finder_run_hashed(f, text, len, &f->t, f->th, out, n, err);
}

const bm_tokens *bm_place_finder_tokens(const bm_place_finder *f)
{
    return &f->t;
}

const uint32_t *bm__place_finder_hashes(const bm_place_finder *f)
{
    return f->th;
}

int bm_gazetteer_find(const bm_gazetteer *g, const char *text, size_t len, bm_place_mention **out,
                      size_t *n, bm_error *err)
{
    *out = NULL;
    *n = 0;
    bm_place_finder *f;
    int rc = bm_place_finder_new(g, &f, err);
    if (rc)
        return rc;
    const bm_place_mention *m;
    rc = bm_place_finder_run(f, text, len, &m, n, err);
    if (rc == BM_OK && *n) {
        /* hand the finder's array over instead of copying it */
        *out = f->out;
        f->out = NULL;
    }
    bm_place_finder_free(f);
    return rc;
}
