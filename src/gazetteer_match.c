/* gazetteer_match.c: finds place mentions in text: longest match of token
 * sequences through the name index, clitics, traps, organisation names,
 * nisba adjectives, and the choice between places sharing a name.
 * Must never resolve inside a word, and never resolve a trap name without
 * evidence in the text around it. */
#include "gazetteer_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#define NO_VALUE UINT32_MAX

/* ---- Index lookups over tokens ------------------------------------------- */

static uint32_t index_get(const bm_gazetteer *g, const char *k, size_t n)
{
    const gz_slot *s = bm__gz_map_get(&g->index, k, n, bm__gz_hash(k, n));
    return s ? s->value : 0;
}

static int is_word(const bm_token *t)
{
    return t->kind == BM_TOK_ARABIC || t->kind == BM_TOK_LATIN || t->kind == BM_TOK_NUMBER;
}

static int is_hyphen(const bm_token *t)
{
    return t->kind == BM_TOK_PUNCT && t->norm_len == 1 && t->norm[0] == '-';
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

typedef struct variant {
    char s[GZ_MAX_KEY + 8];
    size_t n;
    int strip, lil;
} variant;

/* The readings of an Arabic first word: as written, minus one or two
 * proclitics, and لل read as ال (للحدود) or as ل + ال (للاذقية). */
static size_t ar_variants(const bm_token *tok, variant *v)
{
    size_t nv = 0, len = tok->norm_len;
    const char *w = tok->norm;
    if (len > GZ_MAX_KEY)
        return 0;
    memcpy(v[nv].s, w, len);
    v[nv].n = len;
    v[nv].strip = 0;
    v[nv++].lil = 0;
    for (int which = 1; which <= 2; which++) {
        size_t cl = bm_ar_proclitic_len(w, len, which);
        if (!cl)
            continue;
        memcpy(v[nv].s, w + cl, len - cl);
        v[nv].n = len - cl;
        v[nv].strip = (int)cl;
        v[nv++].lil = 0;
    }
    /* لل after an optional conjunction */
    size_t c = 0;
    if (len >= 2 && (!memcmp(w, "\xD9\x88", 2) || !memcmp(w, "\xD9\x81", 2)))
        c = 2;
    if (len >= c + 8 && !memcmp(w + c, AR_LAM AR_LAM, 4)) {
        const char *rest = w + c + 2; /* drop the preposition ل */
        size_t rn = len - c - 2;
        memcpy(v[nv].s, AR_ALEF, 2); /* ل + (ا)ل... : restore the alef */
        memcpy(v[nv].s + 2, rest, rn);
        v[nv].n = rn + 2;
        v[nv].strip = (int)c + 2;
        v[nv++].lil = 1;
        memcpy(v[nv].s, AR_AL, 4); /* ل + ال + ل...: the article swallowed */
        memcpy(v[nv].s + 4, rest, rn);
        v[nv].n = rn + 4;
        v[nv].strip = (int)c + 2;
        v[nv++].lil = 1;
    }
    return nv;
}

static void consider(gz_hit *best, int *have, size_t t0, size_t t1, uint32_t e, const char *k,
                     size_t kn, int strip, int lil, int latin)
{
    if (!(e & GZ_E_FULL))
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

static int arabic_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *best)
{
    variant v[6];
    size_t nv = ar_variants(&t->v[i], v);
    int have = 0;
    best->special = 0;
    for (size_t a = 0; a < nv; a++) {
        char *buf = v[a].s;
        size_t n = v[a].n, j = i;
        uint32_t e = index_get(g, buf, n);
        mark_special(best, e);
        while (e) {
            consider(best, &have, i, j, e, buf, n, v[a].strip, v[a].lil, 0);
            if (!(e & GZ_E_PREFIX))
                break;
            size_t k = next_word(t, j);
            if (k == SIZE_MAX || n + 1 + t->v[k].norm_len > GZ_MAX_KEY)
                break;
            buf[n++] = ' ';
            memcpy(buf + n, t->v[k].norm, t->v[k].norm_len);
            n += t->v[k].norm_len;
            j = k;
            e = index_get(g, buf, n);
        }
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

int bm__gz_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit)
{
    const bm_token *tk = &t->v[i];
    hit->special = 0;
    if (tk->kind == BM_TOK_ARABIC)
        return arabic_longest(g, t, i, hit);
    if (tk->kind == BM_TOK_LATIN)
        return latin_longest(g, t, i, hit);
    return 0;
}

/* ---- Lexicon lookups -------------------------------------------------------- */

/* Context roles of a word, trying it as written and without proclitics. */
static const gz_context *ctx_of(const bm_gazetteer *g, const bm_token *tk)
{
    if (!g->n_contexts || !is_word(tk))
        return NULL;
    const gz_slot *s =
        bm__gz_map_get(&g->context, tk->norm, tk->norm_len, bm__gz_hash(tk->norm, tk->norm_len));
    if (s)
        return &g->contexts[s->value];
    if (tk->kind != BM_TOK_ARABIC)
        return NULL;
    variant v[6];
    size_t nv = ar_variants(tk, v);
    for (size_t a = 1; a < nv; a++) {
        s = bm__gz_map_get(&g->context, v[a].s, v[a].n, bm__gz_hash(v[a].s, v[a].n));
        if (s)
            return &g->contexts[s->value];
    }
    return NULL;
}

static unsigned roles_of(const bm_gazetteer *g, const bm_tokens *t, size_t i)
{
    if (i >= t->n)
        return 0;
    const gz_context *c = ctx_of(g, &t->v[i]);
    return c ? c->roles : 0;
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
    uint32_t group;  /* NO_VALUE for special phrases */
    uint32_t place;  /* chosen place */
    int strip, lil, latin;
    const gz_trap *trap;
    int broad_only;
    int nisba_homograph;
    int weak_clitic; /* a proclitic was stripped and a short minor name is left */
    unsigned evidence;
    unsigned pref_kinds;
    char trigger[48];
    char via[64]; /* id of the place that gave list/nearby evidence */
    state st;
    const char *reject;
    double conf;
    char reason[96];
    int neighbour_kind_rank;
} cand;

typedef struct matcher {
    const bm_gazetteer *g;
    const char *text;
    const bm_tokens *t;
    cand *c;
    size_t n, cap;
    unsigned char *skip; /* per token: inside boilerplate or an organisation name */
} matcher;

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
    if ((roles_of(g, t, i) & GZ_C_CAPITAL) && t->v[i].kind == BM_TOK_ARABIC)
        nb = nisba_of(g, &t->v[k], 0);
    else if ((roles_of(g, t, k) & GZ_C_CAPITAL) && t->v[i].kind == BM_TOK_LATIN)
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
        if (!strcmp(m->g->places[r[a].place].pub.kind, "country"))
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
    if (tk->kind == BM_TOK_ARABIC && (roles_of(m->g, t, i) & GZ_C_BORDER)) {
        size_t k1 = next_word(t, i);
        if (k1 == SIZE_MAX)
            return 0;
        if (roles_of(m->g, t, k1) & GZ_C_RANGE_FROM) /* بين */
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
        if (k2 == SIZE_MAX || !(roles_of(m->g, t, k2) & GZ_C_BORDER))
            return 0;
        last = k2;
    } else {
        return 0;
    }
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
    snprintf(out->reason, sizeof out->reason, "border");
    out->conf = 0.9;
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
        if (!(roles_of(m->g, t, i) & GZ_C_SKIPLINE))
            continue;
        /* a skip word alone does not make a link line: it needs a second
         * skip word (اقرأ أيضا) or a colon right after it */
        size_t k = i + 1;
        int ok = k < t->n && !t->v[k].newline_before &&
                 ((roles_of(m->g, t, k) & GZ_C_SKIPLINE) ||
                  (t->v[k].kind == BM_TOK_PUNCT && t->v[k].norm[0] == ':'));
        if (!ok)
            continue;
        for (size_t j = i; j < t->n && (j == i || !t->v[j].newline_before); j++)
            m->skip[j] = 1;
    }
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
    uint32_t n;
    const gz_ref *r = group_refs(g, h->group, &n);
    c->place = r[0].place;
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
    int prep = h->strip && (!memcmp(w + h->strip - 2, "\xD8\xA8", 2) ||  /* ب */
                            !memcmp(w + h->strip - 2, "\xD9\x84", 2) ||  /* ل */
                            !memcmp(w + h->strip - 2, "\xD9\x83", 2));   /* ك */
    if (prep && !h->lil && h->t0 == h->t1 && h->klen <= 8) {
        int minor = 1;
        for (uint32_t a = 0; a < n; a++) {
            const gz_place *p = &g->places[r[a].place];
            if (!(p->flags & GZ_P_SETTLE) || !strcmp(p->pub.kind, "city"))
                minor = 0;
        }
        c->weak_clitic = minor;
    }
    c->st = S_OPEN;
}

static int collect(matcher *m)
{
    const bm_tokens *t = m->t;
    for (size_t i = 0; i < t->n;) {
        if (!is_word(&t->v[i]) || m->skip[i]) {
            i++;
            continue;
        }
        cand c, sp;
        gz_hit h;
        int have = bm__gz_longest(m->g, t, i, &h);
        int special = h.special && (special_border(m, i, &sp) || special_capital(m, i, &sp));
        if (special && (!have || sp.t1 >= h.t1)) {
            c = sp;
        } else if (have) {
            fill_from_hit(m, &h, &c);
        } else {
            i++;
            continue;
        }
        if (push(m, &c))
            return -1;
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

/* Organisation names: "<pattern> X" (معهد واشنطن، فيلق القدس) or "X <pattern>"
 * (Washington Institute). The words after "<pattern> X" that start with ل
 * (لسياسة الشرق الأدنى) still belong to the name. */
static int org_context(matcher *m, const cand *c)
{
    const bm_gazetteer *g = m->g;
    const bm_tokens *t = m->t;
    if (!g->orgs.n)
        return 0;
    char key[GZ_MAX_KEY + 8];
    for (size_t k = 1; k <= g->org_max_tokens && k <= c->t0; k++) {
        /* words t0-k .. t0-1, all adjacent */
        size_t first = c->t0 - k, o = 0;
        int ok = 1;
        for (size_t j = first; j < c->t0 && ok; j++) {
            if (!is_word(&t->v[j]) || (j > first && t->v[j].newline_before) ||
                t->v[j + 1].newline_before)
                ok = 0;
        }
        if (!ok)
            break;
        for (int strip = 0; strip < 2; strip++) {
            o = 0;
            for (size_t j = first; j < c->t0; j++) {
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
            if (s && (s->value & GZ_ORG_BEFORE)) {
                /* the name runs on through a following ل-phrase */
                size_t nx = next_adjacent(t, c->t1);
                if (nx != SIZE_MAX && t->v[nx].kind == BM_TOK_ARABIC &&
                    !memcmp(t->v[nx].norm, AR_LAM, 2) && t->v[nx].norm_len >= 8)
                    for (size_t j = nx; j < t->n && j <= nx + 2 && is_word(&t->v[j]); j++)
                        m->skip[j] = 1;
                return 1;
            }
        }
    }
    for (size_t k = 1; k <= g->org_max_tokens; k++) {
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
    const gz_context *ctx = p != SIZE_MAX ? ctx_of(m->g, &t->v[p]) : NULL;
    /* "بالقرب من X", "town of X", "east of X": look past the linking word */
    if (ctx && (ctx->roles & (GZ_C_LINK | GZ_C_RANGE_FROM)) && !(ctx->roles & GZ_C_TRIGGER)) {
        size_t p2 = prev_adjacent(t, p);
        const gz_context *c2 = p2 != SIZE_MAX ? ctx_of(m->g, &t->v[p2]) : NULL;
        if (c2 && (c2->roles & (GZ_C_TRIGGER | GZ_C_LINK))) {
            p = p2;
            ctx = c2;
        }
    }
    if (ctx && (ctx->roles & (GZ_C_TRIGGER | GZ_C_LINK)) &&
        (!(ctx->roles & GZ_C_WEAK) || c->latin)) {
        c->evidence |= EV_TRIGGER;
        c->pref_kinds |= ctx->kinds;
        snprintf(c->trigger, sizeof c->trigger, "%.*s", (int)t->v[p].norm_len, t->v[p].norm);
    } else if (ctx && (ctx->roles & GZ_C_WEAK) && c->latin) {
        c->evidence |= EV_TRIGGER;
        snprintf(c->trigger, sizeof c->trigger, "%.*s", (int)t->v[p].norm_len, t->v[p].norm);
    }
    size_t nx = next_adjacent(t, c->t1);
    ctx = nx != SIZE_MAX ? ctx_of(m->g, &t->v[nx]) : NULL;
    if (ctx && (ctx->roles & GZ_C_TRIGGER_AFTER)) {
        c->evidence |= EV_TRIGGER_AFTER;
        c->pref_kinds |= ctx->kinds;
        if (!c->trigger[0])
            snprintf(c->trigger, sizeof c->trigger, "%.*s", (int)t->v[nx].norm_len,
                     t->v[nx].norm);
    }
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
    size_t p = prev_adjacent(t, c->t0), nx = next_adjacent(t, c->t1);
    unsigned pr = p != SIZE_MAX ? roles_of(m->g, t, p) : 0;
    unsigned nr = nx != SIZE_MAX ? roles_of(m->g, t, nx) : 0;
    if (pr & GZ_C_PERSON_BEFORE) {
        reject(c, "person");
        return;
    }
    if (nr & GZ_C_PERSON_AFTER) {
        reject(c, "person");
        return;
    }
    if (org_context(m, c)) {
        reject(c, "org");
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
    return (p->flags & (GZ_P_SETTLE | GZ_P_POINTLIKE)) || !strcmp(p->pub.kind, "district") ||
           !strcmp(p->pub.kind, "subdistrict") || !strcmp(p->pub.kind, "governorate");
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
    int b_waw = bt->kind == BM_TOK_ARABIC && b->strip >= 2 &&
                !memcmp(bt->norm, "\xD9\x88", 2); /* وY */
    size_t pa = a->t0 > 0 ? a->t0 - 1 : SIZE_MAX;
    int from = pa != SIZE_MAX && (roles_of(m->g, t, pa) & GZ_C_RANGE_FROM);
    if (gap == 0 && b_waw) {
        *range = from;
        return 1;
    }
    if (gap == 1) {
        const bm_token *mid = &t->v[a->t1 + 1];
        if (mid->kind == BM_TOK_PUNCT && (mid->norm[0] == ',' || mid->norm[0] == '-'))
            return 1;
        if (is_word(mid) && (roles_of(m->g, t, a->t1 + 1) & GZ_C_RANGE_TO)) {
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
        double d = bm_distance_km(g->places[r[i].place].pub.pt, g->places[b->place].pub.pt);
        if (d < best)
            best = d;
    }
    return best;
}

static int same_sentence(const matcher *m, size_t from, size_t to)
{
    for (size_t i = from + 1; i <= to && i < m->t->n; i++) {
        const bm_token *tk = &m->t->v[i];
        if (tk->newline_before)
            return 0;
        if (tk->kind == BM_TOK_PUNCT && (tk->norm[0] == '.' || tk->norm[0] == '!' ||
                                         tk->norm[0] == '?' || tk->norm[0] == ';'))
            return 0;
    }
    return 1;
}

/* Evidence a trap (or a broad-only name) needs; returns 1 when unlocked. */
static int unlocked(matcher *m, size_t ci)
{
    cand *c = &m->c[ci];
    unsigned unlock = c->trap ? c->trap->unlock : (GZ_U_TRIGGER | GZ_U_LIST | GZ_U_NEARBY);
    if ((unlock & GZ_U_TRIGGER) && (c->evidence & (EV_TRIGGER | EV_TRIGGER_AFTER)))
        return 1;
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
        snprintf(c->via, sizeof c->via, "%s", op->pub.id);
        return 1;
    }
    if (!(unlock & GZ_U_NEARBY))
        return 0;
    for (size_t j = 0; j < m->n; j++) {
        const cand *o = &m->c[j];
        if (j == ci || o->st != S_ACCEPTED || o->trap || o->group == NO_VALUE)
            continue;
        size_t lo = o->t0 < c->t0 ? o->t0 : c->t0, hi = o->t0 < c->t0 ? c->t0 : o->t0;
        if (hi - lo > 16 || !same_sentence(m, lo, hi))
            continue;
        const gz_place *op = &m->g->places[o->place];
        if (!specific(op) || !strcmp(op->pub.kind, "governorate"))
            continue;
        if (cand_distance(m, c, o) > 150)
            continue;
        c->evidence |= EV_NEARBY;
        snprintf(c->via, sizeof c->via, "%s", op->pub.id);
        return 1;
    }
    return 0;
}

/* ---- Choosing among places that share a name ----------------------------------------- */

typedef struct doc_ctx {
    const char *admin1[64];
    const char *country[32];
    size_t n_admin1, n_country;
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
    const char *a1 = !strcmp(p->pub.kind, "governorate") ? p->pub.id : p->pub.admin1;
    if (strcmp(a1, "-") && !in_list(d->admin1, d->n_admin1, a1) && d->n_admin1 < 64)
        d->admin1[d->n_admin1++] = a1;
    if (strcmp(p->pub.country, "-") && !in_list(d->country, d->n_country, p->pub.country) &&
        d->n_country < 32)
        d->country[d->n_country++] = p->pub.country;
}

/* "ريف دير الزور", "محافظة حمص" when only the city is listed under the name,
 * "Homs province": the trigger asks for a governorate and none of the places
 * is one, so the governorate the named place lies in is meant. */
static int admin1_fallback(matcher *m, cand *c, const gz_ref *r, uint32_t n)
{
    const bm_gazetteer *g = m->g;
    unsigned gov = bm__gz_kind_bit("governorate");
    int sibling = 0;
    if (!(c->pref_kinds & gov)) {
        /* "دير الزور والأنبار": a governorate-level neighbour; only the
         * governorate named after its capital qualifies */
        if (c->neighbour_kind_rank != bm__gz_kind_rank("governorate") || n != 1)
            return 0;
        sibling = 1;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(g->places[r[i].place].pub.kind, "governorate"))
            return 0;
    const bm_gplace *self = &g->places[r[0].place].pub;
    const bm_gplace *a1 = bm_gazetteer_get(g, self->admin1);
    if (!a1 || strcmp(a1->kind, "governorate") != 0)
        return 0;
    if (sibling && (!strcmp(self->name_ar, "-") || !strstr(a1->name_ar, self->name_ar)))
        return 0;
    c->place = (uint32_t)((const gz_place *)a1 - g->places);
    size_t l = strlen(c->reason);
    snprintf(c->reason + l, sizeof c->reason - l, "%s%s", l ? ";" : "",
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
        unsigned bit = bm__gz_kind_bit(p->pub.kind);
        if (c->pref_kinds & bit) {
            s += 4;
            w = "kind";
        }
        if (c->neighbour_kind_rank && c->neighbour_kind_rank == p->kind_rank) {
            s += 1.5;
            w = "sibling-kind";
        }
        const char *a1 = !strcmp(p->pub.kind, "governorate") ? p->pub.id : p->pub.admin1;
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
        /* the settlement is what a bare name means; the area it names needs
         * a trigger (محافظة X) or a sibling of its level */
        if (p->flags & GZ_P_SETTLE)
            s += 0.5;
        else if (p->flags & GZ_P_POINTLIKE)
            s += 0.2;
        if (p->pub.population > 0)
            s += 0.3 * log10((double)p->pub.population) / 7.0;
        if (s > best + 1e-9) {
            best = s;
            c->place = r[i].place;
            why = w;
        }
    }
    size_t l = strlen(c->reason);
    if (l + 2 < sizeof c->reason)
        snprintf(c->reason + l, sizeof c->reason - l, "%s%s", l ? ";" : "", why);
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
        snprintf(c->reason, sizeof c->reason, "trigger:%s", c->trigger);
    } else if (c->evidence & (EV_LIST | EV_RANGE)) {
        conf = c->trap ? 0.75 : conf;
        snprintf(c->reason, sizeof c->reason, "%s:%s", c->evidence & EV_RANGE ? "range" : "list",
                 c->via);
    } else if (c->evidence & EV_NEARBY) {
        conf = 0.7;
        snprintf(c->reason, sizeof c->reason, "nearby:%s", c->via);
    } else {
        snprintf(c->reason, sizeof c->reason, "%s", how);
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
            a->neighbour_kind_rank = m->g->places[rb[0].place].kind_rank;
        if (na == 1)
            b->neighbour_kind_rank = m->g->places[ra[0].place].kind_rank;
    }
}

static int needs_evidence(const cand *c)
{
    if (c->evidence & EV_SPECIAL)
        return 0;
    if (c->trap)
        return !(c->trap->unlock & GZ_U_ALWAYS);
    return (c->broad_only && c->t0 == c->t1) || c->weak_clitic;
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
        if (!needs_evidence(c))
            c->st = S_ACCEPTED;
    }
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
        choose(m, c, &d);
    }
}

int bm_gazetteer_find(const bm_gazetteer *g, const char *text, size_t len,
                      bm_place_mention **out, size_t *n, bm_error *err)
{
    *out = NULL;
    *n = 0;
    bm_tokens t = {0};
    matcher m = {.g = g, .text = text, .t = &t};
    int rc = bm_tokenize(text, len, &t, err);
    if (rc)
        goto done;
    m.skip = calloc(t.n + 1, 1);
    if (m.skip)
        mark_skiplines(&m);
    if (!m.skip || collect(&m) < 0) {
        rc = bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
        goto done;
    }
    resolve(&m);
    size_t k = 0;
    for (size_t i = 0; i < m.n; i++)
        k += m.c[i].st == S_ACCEPTED;
    if (k) {
        *out = malloc(k * sizeof **out);
        if (!*out) {
            rc = bm_error_set(err, BM_ENOMEM, "finding places: out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < m.n; i++) {
        const cand *c = &m.c[i];
        if (c->st != S_ACCEPTED)
            continue;
        bm_place_mention *pm = &(*out)[(*n)++];
        pm->start = t.v[c->t0].start;
        pm->end = t.v[c->t1].end;
        pm->place = &g->places[c->place].pub;
        pm->confidence = c->conf;
        snprintf(pm->reason, sizeof pm->reason, "%s", c->reason);
    }
done:
    free(m.c);
    free(m.skip);
    bm_tokens_free(&t);
    return rc;
}
