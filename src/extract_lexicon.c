/* extract_lexicon.c: loads the extraction lexicons (triggers, cues,
 * nationality words, fatality words) from the TSV files of gazetteer/lexicon/ and matches
 * them against tokens, with or without ال and the proclitics و ف ب ل ك.
 * Must never hold a word list in C: every term comes from the data files. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bordermap/fileio.h"
#include "extract_private.h"
#include "keyhash_private.h"

/* Stems shorter than this many characters never act as prefixes: "قتل*"
 * would swallow half the language. */
#define MIN_STEM_CHARS 4
/* Prefix entries are indexed by their first three characters. */
#define PREFIX_KEY_CHARS 3

struct lexicon {
    GPtrArray *entries; /* lex_entry *, owned */
    /* One table for every kind, so a token costs one lookup per form. */
    GHashTable *exact;  /* first word -> GPtrArray of entries */
    GHashTable *prefix; /* first 3 chars of a stem -> GPtrArray */
    size_t count[LEX_NKINDS];
    const bm_gplace *border_place;
    /* The capitals of demonym entries (a set of bm_gplace *): asked of every
     * place mention, too often to scan the entries each time. */
    GHashTable *capitals;
};

static void entry_free(gpointer p)
{
    lex_entry *e = p;
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++)
        free(e->w[i]);
    free(e->w);
    free(e->pfx);
    free(e->term);
    free(e);
}

static void array_free(gpointer p)
{
    g_ptr_array_free(p, TRUE);
}

void bm__lexicon_free(lexicon *lx)
{
    if (!lx)
        return;
    if (lx->exact)
        g_hash_table_destroy(lx->exact);
    if (lx->prefix)
        g_hash_table_destroy(lx->prefix);
    if (lx->entries)
        g_ptr_array_free(lx->entries, TRUE);
    if (lx->capitals)
        g_hash_table_destroy(lx->capitals);
    free(lx);
}

size_t bm__lexicon_count(const lexicon *lx, lex_kind kind)
{
    return lx ? lx->count[kind] : 0;
}

int bm__lexicon_is_capital(const lexicon *lx, const bm_gplace *p)
{
    return lx && p && g_hash_table_contains(lx->capitals, p);
}

const bm_gplace *bm__lexicon_border_place(const lexicon *lx)
{
    return lx ? lx->border_place : NULL;
}

/* ---- Building entries -------------------------------------------------- */

/* Byte length of the first n UTF-8 characters of s (or all of s). */
static size_t utf8_prefix_bytes(const char *s, size_t len, size_t nchars)
{
    size_t i = 0, c = 0;
    while (i < len && c < nchars) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    return i;
}

/* Splits a term into the same tokens the text will have; a '*' right after a
 * word marks that word a stem. */
static int entry_words(lex_entry *e, const char *term, bm_error *err)
{
    bm_tokens t = {0};
    int rc = bm_tokenize(term, strlen(term), &t, err);
    if (rc != BM_OK)
        return rc;
    e->w = calloc(t.n ? t.n : 1, sizeof *e->w);
    e->pfx = calloc(t.n ? t.n : 1, 1);
    if (!e->w || !e->pfx) {
        bm_tokens_free(&t);
        return bm_error_set(err, BM_ENOMEM, "lexicon: out of memory");
    }
    for (size_t i = 0; i < t.n; i++) {
        const bm_token *k = &t.v[i];
        if (term[k->start] == '*' && e->n > 0 && k->start == t.v[i - 1].end) {
            const char *w = e->w[e->n - 1];
            if (g_utf8_strlen(w, -1) >= MIN_STEM_CHARS)
                e->pfx[e->n - 1] |= PFX_STEM;
            continue;
        }
        /* A lone '*' between words is a gap: verb-first Arabic puts the
         * subject between verb and object (اقتحم مسلحون سجن), English an
         * object inside a phrasal verb (drove ISIS out). */
        if (term[k->start] == '*' && e->n > 0 && i + 1 < t.n) {
            e->pfx[e->n] = PFX_GAP;
            continue;
        }
        if (!(e->w[e->n] = strdup(k->norm))) {
            bm_tokens_free(&t);
            return bm_error_set(err, BM_ENOMEM, "lexicon: out of memory");
        }
        e->n++;
    }
    bm_tokens_free(&t);
    if (e->n == 0)
        return bm_error_set(err, BM_EPARSE, "empty term");
    return BM_OK;
}

static GPtrArray *bucket(GHashTable *h, const char *key, size_t len)
{
    char *k = g_strndup(key, len);
    GPtrArray *a = g_hash_table_lookup(h, k);
    if (a) {
        g_free(k);
        return a;
    }
    a = g_ptr_array_new();
    g_hash_table_insert(h, k, a);
    return a;
}

/* An entry with the same words and kind already loaded (cues merge roles). */
static lex_entry *find_same(lexicon *lx, const lex_entry *e)
{
    GPtrArray *a = g_hash_table_lookup(lx->exact, e->w[0]);
    for (guint i = 0; a && i < a->len; i++) {
        lex_entry *o = a->pdata[i];
        if (o->kind != e->kind || o->n != e->n || o->pfx[0] != e->pfx[0])
            continue;
        size_t j = 0;
        while (j < e->n && strcmp(o->w[j], e->w[j]) == 0 && o->pfx[j] == e->pfx[j])
            j++;
        if (j == e->n)
            return o;
    }
    return NULL;
}

static void index_entry(lexicon *lx, lex_entry *e)
{
    g_ptr_array_add(lx->entries, e);
    lx->count[e->kind]++;
    const char *w0 = e->w[0];
    size_t len = strlen(w0);
    /* A stem is also found as a whole word, so it sits in both tables. */
    g_ptr_array_add(bucket(lx->exact, w0, len), e);
    if (e->pfx[0])
        g_ptr_array_add(bucket(lx->prefix, w0, utf8_prefix_bytes(w0, len, PREFIX_KEY_CHARS)), e);
}

/* ---- TSV files --------------------------------------------------------- */

/* Splits one line into at most max tab-separated fields (in place). */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static lex_frame parse_frame(const char *s)
{
    if (!strcmp(s, "visit"))
        return FRAME_VISIT;
    if (!strcmp(s, "host"))
        return FRAME_HOST;
    if (!strcmp(s, "meet"))
        return FRAME_MEET;
    if (!strcmp(s, "comm"))
        return FRAME_COMM;
    if (!strcmp(s, "summit"))
        return FRAME_SUMMIT;
    if (!strcmp(s, "act"))
        return FRAME_ACT;
    if (!strcmp(s, "assault"))
        return FRAME_ASSAULT;
    if (!strcmp(s, "enter"))
        return FRAME_ENTER;
    if (!strcmp(s, "take"))
        return FRAME_TAKE;
    if (!strcmp(s, "counted"))
        return FRAME_COUNTED;
    if (!strcmp(s, "withdraw"))
        return FRAME_WITHDRAW;
    return FRAME_NONE;
}

static cue_roles parse_role(const char *s)
{
    static const struct {
        const char *name;
        cue_roles bit;
    } roles[] = {
        {"negation", CUE_NEGATION},
        {"future", CUE_FUTURE},
        {"scheduled", CUE_SCHEDULED},
        {"opinion", CUE_OPINION},
        {"background", CUE_BACKGROUND},
        {"bgdate", CUE_BGDATE},
        {"report", CUE_REPORT},
        {"receiver", CUE_RECEIVER},
        {"recipient", CUE_RECIPIENT},
        {"span_from", CUE_SPAN_FROM},
        {"span_to", CUE_SPAN_TO},
        {"border", CUE_BORDER},
        {"near", CUE_NEAR},
        {"clause", CUE_CLAUSE},
        {"capital", CUE_CAPITAL},
        {"title", CUE_TITLE},
        {"stop", CUE_STOP},
        {"actor", CUE_ACTOR},
        {"purpose", CUE_PURPOSE},
        {"stretch", CUE_STRETCH},
        {"source", CUE_SOURCE},
        {"speaker", CUE_SPEAKER},
        {"after", CUE_AFTER},
        {"accuse", CUE_ACCUSE},
        {"anaphor", CUE_ANAPHOR},
        {"credit", CUE_CREDIT},
        {"distance", CUE_DISTANCE},
        {"support", CUE_SUPPORT},
        {"complement", CUE_COMPLEMENT},
        {"forces", CUE_FORCES},
        {"doer", CUE_DOER},
        {"cause", CUE_CAUSE},
        {"them", CUE_THEM},
        {"target", CUE_TARGET},
        {"epoch", CUE_EPOCH},
        {"relative", CUE_RELATIVE},
        {"province", CUE_PROVINCE},
        {"present", CUE_PRESENT},
        {"settlement", CUE_SETTLEMENT},
        {"day_after", CUE_DAY_AFTER},
        {"means", CUE_MEANS},
        {"side", CUE_SIDE},
        {"pattern", CUE_PATTERN},
        {"reason", CUE_REASON},
        {"via", CUE_VIA},
        {"topic", CUE_TOPIC},
        {"ruler", CUE_RULER},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(roles[i].name, s))
            return roles[i].bit;
    return 0;
}

static fatal_kind parse_fkind(const char *s)
{
    if (!strcmp(s, "number"))
        return FATAL_NUMBER;
    if (!strcmp(s, "vague"))
        return FATAL_VAGUE;
    if (!strcmp(s, "death"))
        return FATAL_DEATH;
    if (!strcmp(s, "injury"))
        return FATAL_INJURY;
    return 0;
}

typedef struct load_ctx {
    lexicon *lx;
    const bm_gazetteer *g;
    const char *file;
    size_t line;
    bm_error *err;
} load_ctx;

static int bad_row(load_ctx *c, const char *why)
{
    return bm_error_set(c->err, BM_EPARSE, "%s:%zu: %s", c->file, c->line, why);
}

/* Fills the kind-specific fields from the row; 1 = keep, 0 = skip, <0 error. */
static int fill_entry(load_ctx *c, lex_kind kind, lex_entry *e, char **f, size_t nf)
{
    char *end;
    switch (kind) {
    case LEX_TRIGGER:
        if (nf < 3)
            return bad_row(c, "a trigger row needs term, type, weight");
        if ((e->type = bm_type_index(f[1])) < 0)
            return bad_row(c, "unknown incident type");
        e->weight = strtod(f[2], &end);
        if (end == f[2] || e->weight <= 0 || e->weight > 10)
            return bad_row(c, "weight must be a number in (0, 10]");
        e->frame = nf > 3 ? parse_frame(f[3]) : FRAME_NONE;
        return 1;
    case LEX_CUE:
        if (nf < 2)
            return bad_row(c, "a cue row needs term, role");
        if (!strcmp(f[1], "border_place")) {
            /* Not a word: names the gazetteer id of the frontier itself. */
            if (c->g)
                c->lx->border_place = bm_gazetteer_get(c->g, f[0]);
            return 0;
        }
        if (!(e->roles = parse_role(f[1])))
            return bad_row(c, "unknown cue role");
        return 1;
    case LEX_DEMONYM:
        if (nf < 3)
            return bad_row(c, "a demonym row needs term, country, capital");
        e->country = c->g ? bm_gazetteer_get(c->g, f[1]) : NULL;
        e->capital = c->g ? bm_gazetteer_get(c->g, f[2]) : NULL;
        return e->country != NULL;
    case LEX_FATAL:
        if (nf < 3)
            return bad_row(c, "a fatality row needs term, value, kind");
        e->value = (int)strtol(f[1], &end, 10);
        if (end == f[1] || e->value < 0)
            return bad_row(c, "value must be a count");
        if (!(e->fkind = parse_fkind(f[2])))
            return bad_row(c, "unknown fatality kind");
        return 1;
    default: return 0;
    }
}

static int load_row(load_ctx *c, lex_kind kind, char *line)
{
    char *f[6] = {0};
    size_t nf = split_tabs(line, f, 6);
    if (!f[0][0])
        return BM_OK;
    lex_entry *e = calloc(1, sizeof *e);
    if (!e)
        return bm_error_set(c->err, BM_ENOMEM, "lexicon: out of memory");
    e->kind = kind;
    int keep = fill_entry(c, kind, e, f, nf);
    if (keep <= 0) {
        entry_free(e);
        return keep < 0 ? keep : BM_OK;
    }
    if (!(e->term = strdup(f[0]))) {
        entry_free(e);
        return bm_error_set(c->err, BM_ENOMEM, "lexicon: out of memory");
    }
    int rc = entry_words(e, f[0], c->err);
    if (rc != BM_OK) {
        entry_free(e);
        return rc == BM_EPARSE ? bad_row(c, "term has no words") : rc;
    }
    lex_entry *same = kind == LEX_CUE ? find_same(c->lx, e) : NULL;
    if (same) {
        same->roles |= e->roles;
        entry_free(e);
        return BM_OK;
    }
    index_entry(c->lx, e);
    return BM_OK;
}

static int load_file(lexicon *lx, const bm_gazetteer *g, const char *dir, const char *name,
                     lex_kind kind, bm_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    int rc = bm_read_file(path, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    load_ctx c = {lx, g, name, 0, err};
    int header_seen = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        c.line++;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!header_seen) {
            header_seen = 1;
            if (!strncmp(line, "term\t", 5))
                continue;
        }
        if ((rc = load_row(&c, kind, line)) != BM_OK)
            break;
    }
    free(data);
    return rc;
}

int bm__lexicon_load(const char *dir, const bm_gazetteer *g, lexicon **out, bm_error *err)
{
    static const struct {
        const char *file;
        lex_kind kind;
    } files[] = {
        {"triggers-ar.tsv", LEX_TRIGGER}, {"triggers-en.tsv", LEX_TRIGGER}, {"cues.tsv", LEX_CUE},
        {"demonyms.tsv", LEX_DEMONYM},    {"fatalities.tsv", LEX_FATAL},
    };
    *out = NULL;
    lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        return bm_error_set(err, BM_ENOMEM, "lexicon: out of memory");
    lx->entries = g_ptr_array_new_with_free_func(entry_free);
    lx->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, array_free);
    lx->prefix = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, array_free);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int rc = load_file(lx, g, dir, files[i].file, files[i].kind, err);
        if (rc != BM_OK) {
            bm__lexicon_free(lx);
            return rc;
        }
    }
    lx->capitals = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < lx->entries->len; i++) {
        const lex_entry *e = lx->entries->pdata[i];
        if (e->kind == LEX_DEMONYM && e->capital)
            g_hash_table_add(lx->capitals, (gpointer)e->capital);
    }
    *out = lx;
    return BM_OK;
}

/* ---- Matching ---------------------------------------------------------- */

#define AR_ALEF_LAM "\xD8\xA7\xD9\x84"
#define AR_LAM_LAM "\xD9\x84\xD9\x84"
#define MAX_VARIANTS 8
#define VARIANT_BUF 192

/* The forms under which a word may be listed: as written, without ال, without
 * a proclitic (and then without ال), with لل read as ال. */
typedef struct variants {
    const char *s[MAX_VARIANTS];
    size_t n;
    char buf[2][VARIANT_BUF];
    int nbuf;
} variants;

static void add_variant(variants *v, const char *s)
{
    if (v->n < MAX_VARIANTS && s && *s)
        v->s[v->n++] = s;
}

/* Adds w, w without ال, and ال+rest for a word starting with لل. */
static void add_article_forms(variants *v, const char *w)
{
    size_t len = strlen(w);
    add_variant(v, w);
    if (!bm_ar_has_article(w, len))
        return;
    add_variant(v, w + 4);
    if (strncmp(w, AR_LAM_LAM, 4) == 0 && v->nbuf < 2 && len + 1 < VARIANT_BUF) {
        char *b = v->buf[v->nbuf++];
        memcpy(b, AR_ALEF_LAM, 4);
        memcpy(b + 4, w + 4, len - 4 + 1);
        add_variant(v, b);
    }
}

static void word_variants(const bm_token *tok, variants *v)
{
    v->n = 0;
    v->nbuf = 0;
    add_article_forms(v, tok->norm);
    if (tok->kind != BM_TOK_ARABIC)
        return;
    size_t len = tok->norm_len;
    size_t p2 = bm_ar_proclitic_len(tok->norm, len, 2);
    size_t p1 = bm_ar_proclitic_len(tok->norm, len, 1);
    if (p1)
        add_article_forms(v, tok->norm + p1);
    if (p2)
        add_article_forms(v, tok->norm + p2);
}

#define AR_ALEF "\xD8\xA7"
/* A listed word must have this many characters before its accusative alef is
 * accepted: shorter words ending in alef are mostly other words. */
#define MIN_ACC_CHARS 3

/* Length of s without the alef of the indefinite accusative (اتفاقاً is
 * normalised to اتفاقا: the tanween is a haraka), or 0 when s has none. */
static size_t accusative_len(const char *s, size_t len)
{
    if (len < 2 + 2 * MIN_ACC_CHARS || memcmp(s + len - 2, AR_ALEF, 2) != 0)
        return 0;
    return len - 2;
}

/* Any listed noun also matches in the indefinite accusative, so the lexicon
 * lists each noun once instead of every case ending. */
static int word_matches(const char *w, int pfx, const char *s)
{
    if (pfx & PFX_STEM)
        return strncmp(w, s, strlen(w)) == 0;
    if (strcmp(w, s) == 0)
        return 1;
    size_t wl = strlen(w), sl = strlen(s);
    return accusative_len(s, sl) == wl && memcmp(w, s, wl) == 0 &&
           g_utf8_strlen(w, (gssize)wl) >= MIN_ACC_CHARS;
}

/* Quote marks inside a multi-word term are skipped: تنظيم “الدولة”. */
static int is_quote_token(const bm_token *k)
{
    if (k->kind != BM_TOK_PUNCT)
        return 0;
    const char *q[] = {"\"",          "'",        "\xE2\x80\x9C", "\xE2\x80\x9D",
                       "\xC2\xAB",    "\xC2\xBB", "\xE2\x80\x98", "\xE2\x80\x99",
                       "\xE2\x80\x9E"};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        if (strcmp(k->norm, q[i]) == 0)
            return 1;
    return 0;
}

/* Whether a whole listed word w can match tok at all. Every form of a token
 * is a suffix of its key or ال before one, and a whole word matches a form
 * as it is or before an accusative alef: so the key ends with w (without
 * its ال), alef or not. Never false for a token that matches; true for few
 * others, which spares working out the forms of most tokens. */
static int may_match_whole(const char *w, const bm_token *tok)
{
    size_t wl = strlen(w), nl = strlen(tok->norm);
    if (wl >= 4 && !memcmp(w, AR_ALEF_LAM, 4)) {
        w += 4;
        wl -= 4;
    }
    const char *n = tok->norm;
    if (nl >= wl && !memcmp(n + nl - wl, w, wl))
        return 1;
    return nl >= wl + 2 && !memcmp(n + nl - 2, AR_ALEF, 2) && !memcmp(n + nl - 2 - wl, w, wl);
}

/* One listed word against a text token; later words of a term may carry ال
 * or و themselves: "العمليات العسكرية". */
static int word_matches_token(const char *w, int pfx, const bm_token *tok)
{
    if (!(pfx & PFX_STEM) && !may_match_whole(w, tok))
        return 0;
    variants v;
    word_variants(tok, &v);
    for (size_t k = 0; k < v.n; k++)
        if (word_matches(w, pfx, v.s[k]))
            return 1;
    return 0;
}

/* Words a gap of a term may skip: never punctuation, so never a clause. */
#define GAP_MAX 2

/* A word or a count ("دخول نحو 2500 من جنود": a number stands in a gap as a
 * word does) */
static int is_word_token(const bm_token *k)
{
    return k->kind == BM_TOK_ARABIC || k->kind == BM_TOK_LATIN || k->kind == BM_TOK_NUMBER;
}

/* Matches words w..n-1 of e from token j on; returns the tokens consumed, or
 * -1. A gap word is matched after 1 to GAP_MAX words, the fewest first. */
static long match_words(const lex_entry *e, size_t w, const bm_tokens *t, size_t j)
{
    if (w >= e->n)
        return 0;
    size_t start = j;
    while (j < t->n && is_quote_token(&t->v[j]))
        j++;
    if (e->pfx[w] & PFX_GAP) {
        for (size_t skip = 1; skip <= GAP_MAX && j + skip <= t->n; skip++) {
            if (!is_word_token(&t->v[j + skip - 1]))
                return -1;
            if (j + skip >= t->n)
                return -1;
            if (word_matches_token(e->w[w], e->pfx[w] & PFX_STEM, &t->v[j + skip])) {
                long r = match_words(e, w + 1, t, j + skip + 1);
                if (r >= 0)
                    return (long)(j + skip + 1 - start) + r;
            }
        }
        return -1;
    }
    if (j >= t->n || !word_matches_token(e->w[w], e->pfx[w] & PFX_STEM, &t->v[j]))
        return -1;
    long r = match_words(e, w + 1, t, j + 1);
    return r < 0 ? -1 : (long)(j + 1 - start) + r;
}

/* Matches words 1..n-1 of e from token j on; returns the tokens consumed. */
static size_t match_rest(const lex_entry *e, const bm_tokens *t, size_t j)
{
    long r = match_words(e, 1, t, j);
    return r > 0 ? (size_t)r : 0;
}

/* ---- First-word candidates and their memo ------------------------------ */

/* The entries whose first word matches a token (under any of its forms)
 * depend on the token's kind and normalised text only: a text says the same
 * words again and again, so an extraction remembers them per word instead
 * of hashing up to eight forms three times at every token. */
typedef struct memo_slot {
    uint32_t hash;
    uint32_t key_off, key_len; /* in the key arena */
    uint32_t first, n;         /* the word's candidates in the candidate arena */
    int kind;                  /* bm_token_kind; -1: empty slot */
} memo_slot;

/* Distinct words remembered before the memo starts afresh: bounds memory on
 * an endless stream of new words (names, numbers) across many articles, to
 * about 2.5 MB per thread (slots, keys, candidates). */
#define LEX_MEMO_MAX (1u << 14)
#define LEX_MEMO_KEYS ((size_t)LEX_MEMO_MAX * 64)
#define LEX_MEMO_CANDS ((size_t)LEX_MEMO_MAX * 4)

struct lex_memo {
    const lexicon *lx; /* the lexicon the candidates point into */
    memo_slot *v;
    size_t cap, n; /* cap a power of two, load under a half */
    char *keys;
    size_t keys_len, keys_cap;
    const lex_entry **cands;
    size_t ncands, cap_cands;
};

lex_memo *bm__lex_memo_new(void)
{
    return calloc(1, sizeof(lex_memo));
}

void bm__lex_memo_free(lex_memo *mo)
{
    if (!mo)
        return;
    free(mo->v);
    free(mo->keys);
    free(mo->cands);
    free(mo);
}

static void memo_clear(lex_memo *mo)
{
    for (size_t i = 0; i < mo->cap; i++)
        mo->v[i].kind = -1;
    mo->n = mo->keys_len = mo->ncands = 0;
}

static int memo_rehash(lex_memo *mo)
{
    if (mo->cap >= 2 * (size_t)LEX_MEMO_MAX) {
        memo_clear(mo);
        return 0;
    }
    size_t nc = mo->cap ? mo->cap * 2 : 1024;
    memo_slot *v = malloc(nc * sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < nc; i++)
        v[i].kind = -1;
    for (size_t i = 0; i < mo->cap; i++) {
        if (mo->v[i].kind < 0)
            continue;
        size_t k = mo->v[i].hash & (nc - 1);
        while (v[k].kind >= 0)
            k = (k + 1) & (nc - 1);
        v[k] = mo->v[i];
    }
    free(mo->v);
    mo->v = v;
    mo->cap = nc;
    return 0;
}

/* Room for `more` bytes of keys; 0 when out of memory. */
static int memo_key_room(lex_memo *mo, size_t more)
{
    if (mo->keys_len + more <= mo->keys_cap)
        return 1;
    size_t nc = mo->keys_cap ? mo->keys_cap * 2 : 8192;
    while (nc < mo->keys_len + more)
        nc *= 2;
    char *k = realloc(mo->keys, nc);
    if (!k)
        return 0;
    mo->keys = k;
    mo->keys_cap = nc;
    return 1;
}

/* A candidate list being built: in the memo's arena, or on its own. */
typedef struct cand_list {
    const lex_entry ***v;
    size_t *n, *cap;
    size_t first;
    int oom;
} cand_list;

static void push_cand(cand_list *c, const lex_entry *e)
{
    for (size_t i = c->first; i < *c->n; i++)
        if ((*c->v)[i] == e)
            return; /* tried once: a second try cannot change the best */
    if (*c->n == *c->cap) {
        size_t nc = *c->cap ? *c->cap * 2 : 64;
        const lex_entry **v = realloc(*c->v, nc * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        *c->v = v;
        *c->cap = nc;
    }
    (*c->v)[(*c->n)++] = e;
}

/* Every entry in bucket a whose first word matches s, in bucket order. */
static void add_bucket(const GPtrArray *a, const char *s, cand_list *c)
{
    for (guint k = 0; a && k < a->len; k++) {
        const lex_entry *e = a->pdata[k];
        if (word_matches(e->w[0], e->pfx[0], s))
            push_cand(c, e);
    }
}

/* The entries whose first word matches tok, in the order they are tried:
 * each form, as written, in the accusative and by its prefix. */
static void first_word_cands(const lexicon *lx, const bm_token *tok, cand_list *c)
{
    variants v;
    word_variants(tok, &v);
    int has_prefix = g_hash_table_size(lx->prefix) > 0;
    for (size_t k = 0; k < v.n; k++) {
        add_bucket(g_hash_table_lookup(lx->exact, v.s[k]), v.s[k], c);
        size_t len = strlen(v.s[k]);
        size_t acc = accusative_len(v.s[k], len);
        char stem[VARIANT_BUF];
        if (acc && acc < sizeof stem) {
            memcpy(stem, v.s[k], acc);
            stem[acc] = '\0';
            add_bucket(g_hash_table_lookup(lx->exact, stem), v.s[k], c);
        }
        if (!has_prefix)
            continue;
        size_t kb = utf8_prefix_bytes(v.s[k], len, PREFIX_KEY_CHARS);
        char key[32];
        if (kb >= len || kb >= sizeof key)
            continue; /* a word no longer than the key was found exactly above */
        memcpy(key, v.s[k], kb);
        key[kb] = '\0';
        add_bucket(g_hash_table_lookup(lx->prefix, key), v.s[k], c);
    }
}

/* The remembered candidates of tok (made on first sight) in *out, *n; 0
 * when the memo cannot hold them (out of memory): the caller works them out
 * itself. Valid until the next call. */
static int memo_cands(lex_memo *mo, const lexicon *lx, const bm_token *tok, uint32_t h,
                      const lex_entry *const **out, size_t *n)
{
    size_t len = tok->norm_len;
    if (mo->lx != lx) {
        memo_clear(mo);
        mo->lx = lx;
    }
    size_t mask = mo->cap - 1, k = h & mask;
    for (; mo->cap && mo->v[k].kind >= 0; k = (k + 1) & mask) {
        const memo_slot *w = &mo->v[k];
        if (w->hash == h && w->key_len == len && w->kind == (int)tok->kind &&
            !memcmp(mo->keys + w->key_off, tok->norm, len)) {
            *out = w->n ? mo->cands + w->first : NULL; /* no arena yet when no word had any */
            *n = w->n;
            return 1;
        }
    }
    if (mo->keys_len + len > LEX_MEMO_KEYS || mo->ncands + 64 > LEX_MEMO_CANDS)
        memo_clear(mo); /* the words have filled the arenas: start afresh */
    if (((mo->n + 1) * 2 > mo->cap && memo_rehash(mo)) || !memo_key_room(mo, len))
        return 0;
    mask = mo->cap - 1;
    for (k = h & mask; mo->v[k].kind >= 0; k = (k + 1) & mask)
        ;
    cand_list c = {&mo->cands, &mo->ncands, &mo->cap_cands, mo->ncands, 0};
    first_word_cands(lx, tok, &c);
    if (c.oom) {
        mo->ncands = c.first;
        return 0;
    }
    memo_slot *w = &mo->v[k];
    w->hash = h;
    w->key_off = (uint32_t)mo->keys_len;
    w->key_len = (uint32_t)len;
    w->kind = (int)tok->kind;
    w->first = (uint32_t)c.first;
    w->n = (uint32_t)(mo->ncands - c.first);
    memcpy(mo->keys + mo->keys_len, tok->norm, len);
    mo->keys_len += len;
    mo->n++;
    *out = w->n ? mo->cands + w->first : NULL;
    *n = w->n;
    return 1;
}

/* Tries every candidate at token i; keeps the best of each kind. */
static void try_cands(const lex_entry *const *v, size_t nv, const bm_tokens *t, size_t i,
                      const lex_entry **best, size_t *best_n)
{
    for (size_t k = 0; k < nv; k++) {
        const lex_entry *e = v[k];
        size_t n = 1;
        if (e->n > 1) {
            size_t rest = match_rest(e, t, i + 1);
            if (!rest)
                continue;
            n += rest;
        }
        /* Longest match wins; on a tie the heavier trigger. */
        const lex_entry *b = best[e->kind];
        if (n > best_n[e->kind] || (n == best_n[e->kind] && b && e->weight > b->weight)) {
            best[e->kind] = e;
            best_n[e->kind] = n;
        }
    }
}

void bm__lexicon_match_all(const lexicon *lx, lex_memo *mo, const bm_tokens *t, const uint32_t *th,
                           size_t i, const lex_entry *best[LEX_NKINDS], size_t ntok[LEX_NKINDS])
{
    for (int k = 0; k < LEX_NKINDS; k++) {
        best[k] = NULL;
        ntok[k] = 0;
    }
    if (!lx || i >= t->n)
        return;
    const bm_token *tok = &t->v[i];
    if (tok->kind != BM_TOK_ARABIC && tok->kind != BM_TOK_LATIN && tok->kind != BM_TOK_NUMBER)
        return;
    const lex_entry *const *v;
    size_t nv;
    if (mo &&
        memo_cands(mo, lx, tok, th ? th[i] : bm__key_hash(tok->norm, tok->norm_len), &v, &nv)) {
        try_cands(v, nv, t, i, best, ntok);
        return;
    }
    const lex_entry **own = NULL;
    size_t n = 0, cap = 0;
    cand_list c = {&own, &n, &cap, 0, 0};
    first_word_cands(lx, tok, &c);
    try_cands(own, n, t, i, best, ntok); /* out of memory: the candidates found so far */
    free(own);
}
