/* dates.c: finds date expressions in Arabic and English news text and resolves
 * them against the publication date, with a precision and a basis.
 * Must never guess: without a publication date a relative or year-less date is
 * returned unresolved (only a stated weekday may pin a year); no regex and no
 * allocation per token, because ingest reads thousands of articles a second. */
#include "bordermap/dates.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bordermap/arabic.h"
#include "bordermap/fileio.h"
#include "dates_private.h"
#include "grow_private.h"
#include "keyhash_private.h"

/* ---- Lexicon ----------------------------------------------------------- */

/* Word classes of gazetteer/lexicon/dates-*.tsv (documented there). */
/* clang-format off */
enum lclass {
    L_MONTH, L_WEEKDAY, L_ORDINAL, L_COUNT, L_RELDAY, L_UNIT, L_MOD, L_PART, L_CUE,
    L_CUELEAD, L_COORD, L_YEARWORD, L_MONTHWORD, L_DAYWORD, L_DAYPART, L_OF, L_EQUALS,
    L_ARTICLE, L_SUFFIX, L_ERA, L_HIJRI_MONTH, L_SEASON, L_COUNTED, L_NOTDAY, L_NOTBEFORE,
    L_PUBCUE, L_AGO, L_ANCHORDAY, L_CREDIT, L_SAYVERB, L_AGOUNIT, L_APPROX, L_AGOVERB, L_N
};

/* The bit of a class in a word's set: more than 32 classes. */
#define LBIT(c) (UINT64_C(1) << (c))

static const char *const class_names[L_N] = {
    "month", "weekday", "ordinal", "count", "relday", "unit", "mod", "part", "cue",
    "cuelead", "coord", "yearword", "monthword", "dayword", "daypart", "of", "equals",
    "article", "suffix", "era", "hijri_month", "season", "counted", "notday", "notbefore",
    "pubcue", "ago", "anchorday", "credit", "sayverb", "agounit", "approx", "agoverb",
};
/* clang-format on */

enum lflag {
    F_CUE = 1,
    F_ABBR = 2,
    F_CAP = 4,
    F_TODAY = 8,
    F_BEFORE = 16,
    F_DUAL = 32,
    F_ROLLING = 64
};

enum { MOD_PAST = -1, MOD_CURRENT = 0, MOD_NEXT = 1 };
enum { ERA_GREGORIAN = 1, ERA_HIJRI = 2 };

#define MAX_WORDS 4   /* longest multi-word form */
#define MIN_YEAR 1800 /* a 4-digit number outside this range is never a year */
#define MAX_YEAR 2100
#define HEAD_LINES 5 /* the lines where an article states its own date */

typedef struct lex_entry {
    uint32_t hash;
    uint32_t key_off; /* normalised key in bm_dates.strings, words joined by ' ' */
    uint32_t key_len;
    uint8_t maxwords; /* longest form that starts with this one-word key */
    uint8_t used;
    uint64_t classes; /* bit set of L_* (LBIT) */
    int16_t value[L_N];
    uint8_t flags[L_N];
} lex_entry;

/* Bits of the filter over the keys' hashes: the lexicon holds about a
 * thousand keys, so nearly every word of a text that is none of them is
 * turned away by one bit test. */
#define FILTER_BITS (1u << 15)

struct bm_dates {
    lex_entry *slots;
    size_t cap, n; /* cap is a power of two, load kept under one half */
    char *strings;
    size_t str_len, str_cap;
    uint64_t filter[FILTER_BITS / 64]; /* bit (hash % FILTER_BITS) of every key */
};

static int filter_maybe(const bm_dates *d, uint32_t h)
{
    uint32_t b = h % FILTER_BITS;
    return (int)((d->filter[b / 64] >> (b % 64)) & 1);
}

/* h: bm__key_hash(key, len) */
static const lex_entry *lex_get_h(const bm_dates *d, const char *key, size_t len, uint32_t h)
{
    if (!filter_maybe(d, h))
        return NULL;
    for (size_t i = h & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
        const lex_entry *e = &d->slots[i];
        if (!e->used)
            return NULL;
        if (e->hash == h && e->key_len == len && memcmp(d->strings + e->key_off, key, len) == 0)
            return e;
    }
}

static const lex_entry *lex_get(const bm_dates *d, const char *key, size_t len)
{
    return lex_get_h(d, key, len, bm__key_hash(key, len));
}

static int lex_grow(bm_dates *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 512;
    lex_entry *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return BM_ENOMEM;
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->slots[i].used)
            continue;
        size_t k = d->slots[i].hash & (ncap - 1);
        while (ns[k].used)
            k = (k + 1) & (ncap - 1);
        ns[k] = d->slots[i];
    }
    free(d->slots);
    d->slots = ns;
    d->cap = ncap;
    return BM_OK;
}

/* Finds or creates the entry for key. */
static lex_entry *lex_put(bm_dates *d, const char *key, size_t len)
{
    lex_entry *found = (lex_entry *)lex_get(d, key, len);
    if (found)
        return found;
    if ((d->n + 1) * 2 > d->cap && lex_grow(d) != BM_OK)
        return NULL;
    if (d->str_len + len + 1 > d->str_cap) {
        size_t ncap = d->str_cap ? d->str_cap * 2 : 8192;
        while (ncap < d->str_len + len + 1)
            ncap *= 2;
        char *np = realloc(d->strings, ncap);
        if (!np)
            return NULL;
        d->strings = np;
        d->str_cap = ncap;
    }
    uint32_t h = bm__key_hash(key, len);
    d->filter[h % FILTER_BITS / 64] |= 1ull << (h % FILTER_BITS % 64);
    size_t i = h & (d->cap - 1);
    while (d->slots[i].used)
        i = (i + 1) & (d->cap - 1);
    lex_entry *e = &d->slots[i];
    memset(e, 0, sizeof *e);
    e->used = 1;
    e->hash = h;
    e->key_off = (uint32_t)d->str_len;
    e->key_len = (uint32_t)len;
    e->maxwords = 1;
    memcpy(d->strings + d->str_len, key, len);
    d->strings[d->str_len + len] = '\0';
    d->str_len += len + 1;
    d->n++;
    return e;
}

static int class_index(const char *s)
{
    for (int i = 0; i < L_N; i++)
        if (strcmp(s, class_names[i]) == 0)
            return i;
    return -1;
}

/* Reads the value column of a class; 0 when it is not valid for the class. */
static int parse_value(int cls, const char *s, int *out)
{
    static const struct {
        int cls;
        const char *name;
        int v;
    } names[] = {
        {L_UNIT, "day", BM_PREC_DAY},        {L_UNIT, "week", BM_PREC_WEEK},
        {L_UNIT, "month", BM_PREC_MONTH},    {L_UNIT, "year", BM_PREC_YEAR},
        {L_AGOUNIT, "month", BM_PREC_MONTH}, {L_AGOUNIT, "year", BM_PREC_YEAR},
        {L_MOD, "past", MOD_PAST},           {L_MOD, "current", MOD_CURRENT},
        {L_MOD, "next", MOD_NEXT},           {L_PART, "early", BM_PART_EARLY},
        {L_PART, "mid", BM_PART_MID},        {L_PART, "late", BM_PART_LATE},
        {L_CUE, "at", BM_DATE_AT},           {L_CUE, "since", BM_DATE_SINCE},
        {L_CUE, "until", BM_DATE_UNTIL},     {L_CUE, "before", BM_DATE_BEFORE},
        {L_CUE, "after", BM_DATE_AFTER},     {L_ERA, "gregorian", ERA_GREGORIAN},
        {L_ERA, "hijri", ERA_HIJRI},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].cls == cls && strcmp(names[i].name, s) == 0) {
            *out = names[i].v;
            return 1;
        }
    }
    int lo, hi;
    switch (cls) {
    case L_MONTH:
    case L_HIJRI_MONTH:
        lo = 1;
        hi = 12;
        break;
    case L_WEEKDAY:
        lo = 0;
        hi = 6;
        break;
    case L_ORDINAL:
        lo = 1;
        hi = 31;
        break;
    case L_COUNT:
        lo = 1;
        hi = 99;
        break;
    case L_RELDAY:
    case L_ANCHORDAY:
        lo = -7;
        hi = 7;
        break;
    case L_UNIT:
    case L_MOD:
    case L_PART:
    case L_CUE:
    case L_ERA: return 0;
    default: *out = 0; return strcmp(s, "-") == 0;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

static int parse_flags(const char *s, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"cue", F_CUE},       {"abbr", F_ABBR}, {"cap", F_CAP},        {"today", F_TODAY},
                 {"before", F_BEFORE}, {"dual", F_DUAL}, {"rolling", F_ROLLING}};
    *out = 0;
    if (strcmp(s, "-") == 0)
        return 1;
    while (*s) {
        size_t n = strcspn(s, ",");
        size_t i = 0;
        for (; i < sizeof names / sizeof names[0]; i++) {
            if (strlen(names[i].name) == n && memcmp(names[i].name, s, n) == 0) {
                *out |= names[i].bit;
                break;
            }
        }
        if (i == sizeof names / sizeof names[0])
            return 0;
        s += n;
        if (*s == ',')
            s++;
    }
    return 1;
}

/* Adds one row: the normalised form gets the class, and its first word learns
 * how long the forms starting with it are, so lookups try longer keys only
 * where one exists. */
static int lex_add_row(bm_dates *d, const char *form, int cls, int value, unsigned flags)
{
    char *key = bm_normalize(form, strlen(form));
    if (!key)
        return BM_ENOMEM;
    size_t len = strlen(key);
    size_t words = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        words += key[i] == ' ';
    int rc = BM_EPARSE;
    if (words == 0 || words > MAX_WORDS)
        goto done;
    rc = BM_ENOMEM;
    lex_entry *e = lex_put(d, key, len);
    if (!e)
        goto done;
    e->classes |= LBIT(cls);
    e->value[cls] = (int16_t)value;
    e->flags[cls] = (uint8_t)flags;
    if (words > 1) {
        lex_entry *first = lex_put(d, key, strcspn(key, " "));
        if (!first)
            goto done;
        if (first->maxwords < words)
            first->maxwords = (uint8_t)words;
    }
    rc = BM_OK;
done:
    free(key);
    return rc;
}

/* Splits a line on tabs in place; returns the number of fields (at most max). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++) {
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    return n;
}

static int lex_load_file(bm_dates *d, const char *rel, bm_error *err)
{
    char path[4096];
    int rc = bm_data_path(rel, path, sizeof path, err);
    if (rc != BM_OK)
        return rc;
    char *data;
    size_t len;
    rc = bm_read_file(path, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    int lineno = 0, header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (ll == 0 || line[0] == '#')
            continue;
        char *f[5];
        int nf = split_tabs(line, f, 5);
        if (!header) {
            header = 1;
            if (nf == 4 && strcmp(f[0], "form") == 0 && strcmp(f[1], "class") == 0)
                continue;
            rc = bm_error_set(err, BM_EPARSE, "%s:%d: header must be form, class, value, flags",
                              path, lineno);
            break;
        }
        int cls = nf == 4 ? class_index(f[1]) : -1;
        int value;
        unsigned flags;
        if (cls < 0 || !parse_value(cls, f[2], &value) || !parse_flags(f[3], &flags)) {
            rc = bm_error_set(err, BM_EPARSE, "%s:%d: bad row (want form, class, value, flags)",
                              path, lineno);
            break;
        }
        rc = lex_add_row(d, f[0], cls, value, flags);
        if (rc != BM_OK) {
            bm_error_set(err, rc, "%s:%d: %s", path, lineno,
                         rc == BM_EPARSE ? "form must have 1 to 4 words" : bm_strerror(rc));
            break;
        }
    }
    free(data);
    if (rc == BM_OK && !header)
        rc = bm_error_set(err, BM_EPARSE, "%s: no rows", path);
    return rc;
}

int bm_dates_new(bm_dates **out, bm_error *err)
{
    *out = NULL;
    bm_dates *d = calloc(1, sizeof *d);
    if (!d || lex_grow(d) != BM_OK) {
        free(d);
        return bm_error_set(err, BM_ENOMEM, "loading date lexicons: out of memory");
    }
    static const char *const files[] = {"gazetteer/lexicon/dates-ar.tsv",
                                        "gazetteer/lexicon/dates-en.tsv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        int rc = lex_load_file(d, files[i], err);
        if (rc != BM_OK) {
            bm_dates_free(d);
            return rc;
        }
    }
    *out = d;
    return BM_OK;
}

void bm_dates_free(bm_dates *d)
{
    if (!d)
        return;
    free(d->slots);
    free(d->strings);
    free(d);
}

/* ---- Names ------------------------------------------------------------- */

const char *bm_date_basis_name(bm_date_basis b)
{
    switch (b) {
    case BM_DATE_EXPLICIT: return "explicit";
    case BM_DATE_YEAR_INFERRED: return "year-inferred";
    case BM_DATE_RELATIVE: return "relative";
    default: return NULL;
    }
}

const char *bm_date_relation_name(bm_date_relation r)
{
    switch (r) {
    case BM_DATE_AT: return "at";
    case BM_DATE_SINCE: return "since";
    case BM_DATE_UNTIL: return "until";
    case BM_DATE_BEFORE: return "before";
    case BM_DATE_AFTER: return "after";
    default: return NULL;
    }
}

void bm_dates_opts_init(bm_dates_opts *o)
{
    memset(o, 0, sizeof *o);
}

/* ---- Token classification ---------------------------------------------- */

/* What the lexicon says about one token, computed once per call. */
typedef struct tinfo {
    const lex_entry *e;  /* longest entry starting here (may span tokens) */
    const lex_entry *e1; /* the one-word entry */
    uint32_t eol;        /* index of the first token of the next line */
    int32_t num;         /* NUMBER tokens: value, -1 when too long */
    uint8_t nw;          /* tokens covered by e */
    uint8_t ndig;        /* NUMBER tokens: digits */
} tinfo;

#define AR_LETTER_IS(p, b1, b2) ((unsigned char)(p)[0] == (b1) && (unsigned char)(p)[1] == (b2))
#define IS_WAW(p) AR_LETTER_IS(p, 0xD9, 0x88)
#define IS_FA(p) AR_LETTER_IS(p, 0xD9, 0x81)
#define IS_BA(p) AR_LETTER_IS(p, 0xD8, 0xA8)
#define IS_KAF(p) AR_LETTER_IS(p, 0xD9, 0x83)
#define IS_LAM(p) AR_LETTER_IS(p, 0xD9, 0x84)
#define IS_YA(p) AR_LETTER_IS(p, 0xD9, 0x8A)
#define IS_TA(p) AR_LETTER_IS(p, 0xD8, 0xAA)
#define IS_HA(p) AR_LETTER_IS(p, 0xD9, 0x87) /* ه, also ة once normalised */

/* Classes a word keeps when it carries a proclitic (وأيار, بالأمس, للعام).
 * Tiny function words are excluded: stripping و from وم would make an era. */
#define CLITIC_OK                                                                                  \
    (~(LBIT(L_ERA) | LBIT(L_ARTICLE) | LBIT(L_COORD) | LBIT(L_SUFFIX) | LBIT(L_OF) |               \
       LBIT(L_CUELEAD)))

/* Looks up a normalised Arabic word, trying its proclitics off: a conjunction
 * (و ف), then a preposition (ب ك ل; لل before a noun stands for ل + ال).
 * The remainder keeps at least two letters. buf receives the matched form. */
static const lex_entry *lookup_word(const bm_dates *d, const char *w, size_t len, uint32_t h,
                                    int arabic, char *buf, size_t bufsz, size_t *blen)
{
    const lex_entry *e = lex_get_h(d, w, len, h);
    *blen = 0;
    if (e || !arabic || len < 6 || len + 2 > bufsz) {
        if (e && len < bufsz) {
            memcpy(buf, w, len);
            *blen = len;
        }
        return e;
    }
    const char *bases[2] = {w, NULL};
    size_t blens[2] = {len, 0};
    if (IS_WAW(w) || IS_FA(w)) {
        bases[1] = w + 2;
        blens[1] = len - 2;
        e = lex_get(d, bases[1], blens[1]);
        if (e && (e->classes & CLITIC_OK)) {
            memcpy(buf, bases[1], blens[1]);
            *blen = blens[1];
            return e;
        }
    }
    for (int k = 0; k < 2; k++) {
        const char *b = bases[k];
        size_t bl = blens[k];
        if (!b || bl < 6)
            continue;
        size_t n = 0;
        if (IS_LAM(b) && IS_LAM(b + 2)) {
            /* لل + word = ل + ال + word */
            memcpy(buf, "\xD8\xA7", 2);
            memcpy(buf + 2, b + 2, bl - 2);
            n = bl;
        } else if (IS_BA(b) || IS_KAF(b) || IS_LAM(b)) {
            memcpy(buf, b + 2, bl - 2);
            n = bl - 2;
        }
        if (n < 4)
            continue;
        e = lex_get(d, buf, n);
        if (e && (e->classes & CLITIC_OK)) {
            *blen = n;
            return e;
        }
    }
    return NULL;
}

static int word_token(const bm_token *t)
{
    return t->kind == BM_TOK_ARABIC || t->kind == BM_TOK_LATIN;
}

/* Sets ti[k].eol for every token: the index of the first token of the next
 * line. */
static void set_eols(const bm_token *tok, size_t n, tinfo *ti)
{
    uint32_t eol = (uint32_t)n;
    for (size_t k = n; k-- > 0;) {
        ti[k].eol = eol;
        if (tok[k].newline_before)
            eol = (uint32_t)k;
    }
}

/* Fills ti[i] but its eol (set already) for the tokens [i0, i1): numbers
 * read, words looked up (with the longest multi-word form that starts there
 * and ends on its line). One loop for both callers: per-token calls cost a
 * tenth of the classification. */
static void classify_range(const bm_dates *d, const bm_token *tok, const uint32_t *th, size_t i0,
                           size_t i1, tinfo *ti)
{
    char key[256];
    for (size_t i = i0; i < i1; i++) {
        const bm_token *t = &tok[i];
        tinfo *x = &ti[i];
        x->e = x->e1 = NULL;
        x->nw = 0;
        x->num = -1;
        x->ndig = 0;
        if (t->kind == BM_TOK_NUMBER) {
            x->ndig = (uint8_t)(t->norm_len > 255 ? 255 : t->norm_len);
            if (t->norm_len <= 9) {
                int v = 0;
                for (size_t k = 0; k < t->norm_len; k++)
                    v = v * 10 + (t->norm[k] - '0');
                x->num = v;
            }
            continue;
        }
        if (t->kind == BM_TOK_OTHER)
            continue;
        size_t klen = 0;
        uint32_t h = th ? th[i] : bm__key_hash(t->norm, t->norm_len);
        const lex_entry *e = lookup_word(d, t->norm, t->norm_len, h, t->kind == BM_TOK_ARABIC, key,
                                         sizeof key, &klen);
        if (!e)
            continue;
        x->e1 = e->classes ? e : NULL;
        x->e = x->e1;
        x->nw = x->e ? 1 : 0;
        if (e->maxwords < 2 || !word_token(t) || klen == 0)
            continue;
        /* Longer forms: build "w1 w2 ..." from the following tokens. */
        size_t lens[MAX_WORDS];
        size_t w = 1;
        lens[0] = klen;
        for (size_t j = i + 1; j < x->eol && w < e->maxwords; j++, w++) {
            if (!word_token(&tok[j]) || klen + 1 + tok[j].norm_len >= sizeof key)
                break;
            key[klen++] = ' ';
            memcpy(key + klen, tok[j].norm, tok[j].norm_len);
            klen += tok[j].norm_len;
            lens[w] = klen;
        }
        for (size_t k = w; k >= 2; k--) {
            const lex_entry *m = lex_get(d, key, lens[k - 1]);
            if (m && m->classes) {
                x->e = m;
                x->nw = (uint8_t)k;
                break;
            }
        }
    }
}

/* Fills ti[i] for every token: numbers read, words looked up (with the
 * longest multi-word form that starts there). */
static void classify(const bm_dates *d, const bm_token *tok, const uint32_t *th, size_t n,
                     tinfo *ti)
{
    set_eols(tok, n, ti);
    classify_range(d, tok, th, 0, n, ti);
}

/* The classification of the first nh tokens from that of all of them (full):
 * what classify() gives over those nh tokens alone. A line's end is capped
 * at nh; a multi-word form the cap cuts is looked up again within it (a
 * longer form than the full one was refused there already, so only those
 * change). */
static void classify_head(const bm_dates *d, const bm_token *tok, const tinfo *full, size_t nh,
                          tinfo *ti)
{
    memcpy(ti, full, nh * sizeof *ti);
    for (size_t i = 0; i < nh; i++) {
        if (ti[i].eol > nh)
            ti[i].eol = (uint32_t)nh;
        if (ti[i].nw >= 2 && i + ti[i].nw > ti[i].eol)
            classify_range(d, tok, NULL, i, i + 1, ti);
    }
}

/* ---- Scanner ----------------------------------------------------------- */

typedef struct scan {
    const bm_dates *d;
    const char *text;
    const bm_token *tok;
    size_t n;
    const tinfo *ti;
    const bm_date *pub;
    size_t lim; /* end of the current line (token index) */
    bm_date_mention *out;
    size_t nout, cap;
    unsigned char *pin; /* per mention: the weekday must pin the year */
} scan;

/* A parsed expression before it is resolved. */
typedef struct cand {
    size_t t0, t1;        /* tokens [t0, t1) */
    int year, month, day; /* stated parts, 0 when not stated */
    int weekday;          /* -1 when none */
    int relday;           /* INT_MIN when none, else offset in days */
    int unit;             /* relative unit (week, month, year), 0 when none */
    int has_mod, mod;     /* الماضي / الحالي / المقبل */
    int rolling;          /* "the past week": the seven days before publication */
    int monthrel;         /* a day of الشهر الجاري/الماضي: month is relative */
    int yearrel, yearmod; /* a month "من العام الماضي": year is relative */
    bm_date_part part;
    bm_date_relation rel;
    bm_precision prec;
    int today;
    int paren;      /* a "(" after the weekday waits for its ")" */
    int day0;       /* first day of a pair ("12 و13 أيار"), 0 when none */
    size_t day0_t1; /* end token of that first day */
    int anchor;     /* relday counts from the last day the text stated (اليوم التالي) */
} cand;

static void cand_init(cand *c, size_t i)
{
    memset(c, 0, sizeof *c);
    c->t0 = c->t1 = i;
    c->weekday = -1;
    c->relday = INT_MIN;
}

/* The sense of class cls of the token at i, or NULL. *nw gets how many
 * tokens it spans: the longest form wins, the one-word sense is the fallback. */
static const lex_entry *sense(const scan *s, size_t i, int cls, size_t *nw)
{
    if (i >= s->lim)
        return NULL;
    const tinfo *x = &s->ti[i];
    if (x->e && (x->e->classes & LBIT(cls)) && i + x->nw <= s->lim) {
        if (nw)
            *nw = x->nw;
        return x->e;
    }
    if (x->e1 && (x->e1->classes & LBIT(cls))) {
        if (nw)
            *nw = 1;
        return x->e1;
    }
    return NULL;
}

static int is(const scan *s, size_t i, int cls)
{
    return sense(s, i, cls, NULL) != NULL;
}

static int val(const scan *s, size_t i, int cls)
{
    const lex_entry *e = sense(s, i, cls, NULL);
    return e ? e->value[cls] : 0;
}

static unsigned flg(const scan *s, size_t i, int cls)
{
    const lex_entry *e = sense(s, i, cls, NULL);
    return e ? e->flags[cls] : 0;
}

/* Consumes a sense of cls at *j; returns its value through *v. */
static int take(const scan *s, size_t *j, int cls, int *v)
{
    size_t nw;
    const lex_entry *e = sense(s, *j, cls, &nw);
    if (!e)
        return 0;
    if (v)
        *v = e->value[cls];
    *j += nw;
    return 1;
}

static int punct(const scan *s, size_t i, char ch)
{
    return i < s->lim && s->tok[i].kind == BM_TOK_PUNCT && s->tok[i].norm_len == 1 &&
           s->tok[i].norm[0] == ch;
}

static int adjacent(const scan *s, size_t i)
{
    return i > 0 && i < s->lim && s->tok[i].start == s->tok[i - 1].end;
}

/* A NUMBER token of at most maxdig digits, value in [lo, hi]. */
static int number(const scan *s, size_t i, int maxdig, int lo, int hi)
{
    if (i >= s->lim || s->tok[i].kind != BM_TOK_NUMBER)
        return 0;
    const tinfo *x = &s->ti[i];
    return x->num >= lo && x->num <= hi && x->ndig <= maxdig;
}

/* A number that continues into a decimal or grouped number (2,000 / 2014.5)
 * is a quantity, whatever its digits. */
static int number_continues(const scan *s, size_t i)
{
    size_t j = i + 1;
    return (punct(s, j, ',') || punct(s, j, '.')) && adjacent(s, j) && j + 1 < s->lim &&
           s->tok[j + 1].kind == BM_TOK_NUMBER && adjacent(s, j + 1);
}

/* A four-digit year in range that is not part of a larger number and not a
 * decade ("the 2000s"). */
static int year_number(const scan *s, size_t i)
{
    if (!number(s, i, 4, MIN_YEAR, MAX_YEAR) || s->ti[i].ndig != 4 || number_continues(s, i))
        return 0;
    const bm_token *n = i + 1 < s->lim ? &s->tok[i + 1] : NULL;
    return !(n && adjacent(s, i + 1) && n->kind == BM_TOK_LATIN && n->norm_len == 1 &&
             n->norm[0] == 's');
}

/* The original text of token i starts with an ASCII capital (May, not may). */
static int capitalised(const scan *s, size_t i)
{
    char c = s->text[s->tok[i].start];
    return c >= 'A' && c <= 'Z';
}

/* A modifier written after what it modifies (الماضي); *j advances. */
static int post_mod(const scan *s, size_t *j, int *mod)
{
    if (!is(s, *j, L_MOD) || (flg(s, *j, L_MOD) & F_BEFORE))
        return 0;
    return take(s, j, L_MOD, mod);
}

/* Reads an optional year after a day or a month: [,] [من] [عام] YYYY [م],
 * or a year named relative to now: "من العام الماضي". Returns 1 with *year
 * set, 2 with *year = the modifier of a relative year, 0 when there is none,
 * -1 for a Hijri year. */
static int trailing_year(const scan *s, size_t *j, int *year)
{
    size_t k = *j;
    if (punct(s, k, ','))
        k++;
    int of = take(s, &k, L_OF, NULL), unit, mod;
    size_t u = k;
    if (of && take(s, &u, L_UNIT, &unit) && unit == BM_PREC_YEAR && post_mod(s, &u, &mod)) {
        *year = mod;
        *j = u;
        return 2;
    }
    if (!take(s, &k, L_YEARWORD, NULL) && of)
        return 0;
    if (!year_number(s, k) || is(s, k + 1, L_COUNTED))
        return 0;
    int era = 0;
    size_t e = k + 1;
    if (take(s, &e, L_ERA, &era) && era == ERA_HIJRI)
        return -1;
    *year = s->ti[k].num;
    *j = era ? e : k + 1;
    return 1;
}

/* Skips a twin of the month just read: "ديسمبر (كانون الأول)", "أيار/مايو".
 * A different month in the brackets is not absorbed. */
static size_t skip_twin(const scan *s, size_t j, int month, int *twin)
{
    size_t k = j + 1;
    int v;
    if (punct(s, j, '(')) {
        if (take(s, &k, L_MONTH, &v) && v == month && punct(s, k, ')')) {
            *twin = 1;
            return k + 1;
        }
        return j;
    }
    if (punct(s, j, '/') || punct(s, j, '-')) {
        if (take(s, &k, L_MONTH, &v) && v == month) {
            *twin = 1;
            return k;
        }
    }
    return j;
}

/* Reads a month name at *j (with its abbreviation dot and twin). Returns the
 * month, 0 when none; *flags gets its lexicon flags. */
static int month_at(const scan *s, size_t *j, unsigned *flags, int *twin)
{
    size_t k = *j;
    int m;
    *flags = flg(s, k, L_MONTH);
    if (!take(s, &k, L_MONTH, &m))
        return 0;
    if ((*flags & F_CAP) && !capitalised(s, *j))
        return 0;
    if ((*flags & F_ABBR) && punct(s, k, '.') && adjacent(s, k))
        k++;
    *j = skip_twin(s, k, m, twin);
    return m;
}

static int pre_mod(const scan *s, size_t *j, int *mod)
{
    if (!is(s, *j, L_MOD) || !(flg(s, *j, L_MOD) & F_BEFORE))
        return 0;
    return take(s, j, L_MOD, mod);
}

/* A relational cue (منذ, قبل, بعد, حتى) at *j, with ما before it. Plain "in"
 * cues are not part of an expression: they return 0 and are left alone. */
static int relation_cue(const scan *s, size_t *j, bm_date_relation *rel)
{
    size_t k = *j;
    if (is(s, k, L_CUELEAD) && is(s, k + 1, L_CUE) && val(s, k + 1, L_CUE) != BM_DATE_AT)
        k++;
    int v;
    size_t c = k;
    if (!take(s, &c, L_CUE, &v) || v == BM_DATE_AT)
        return 0;
    *rel = (bm_date_relation)v;
    *j = c;
    return 1;
}

/* The word before token i (on the same line) is a preposition or a part
 * word: evidence that an ambiguous month name (مارس, آب) is the month. */
static int cue_before(const scan *s, size_t i)
{
    if (i == 0 || s->tok[i].newline_before)
        return 0;
    const tinfo *x = &s->ti[i - 1];
    const lex_entry *e = x->e1;
    return e && (e->classes & (LBIT(L_CUE) | LBIT(L_PART) | LBIT(L_MONTHWORD)));
}

/* Day [of] [شهر] month [twin] [mod | year]: the core of a day-precision date,
 * starting at a day number or ordinal at *j. */
static int day_month(const scan *s, size_t *j, cand *c)
{
    size_t k = *j;
    int day = 0;
    if (is(s, k, L_ARTICLE) && number(s, k + 1, 2, 1, 31))
        k++;
    int numeric = number(s, k, 2, 1, 31), mod;
    if (numeric) {
        day = s->ti[k].num;
        k++;
        if (is(s, k, L_SUFFIX) && adjacent(s, k))
            k++;
        /* "12 و13 أيار", "1-5 آذار": two days of one month. */
        if ((is(s, k, L_COORD) || punct(s, k, '-')) && number(s, k + 1, 2, 1, 31) &&
            s->ti[k + 1].num > day) {
            c->day0 = day;
            c->day0_t1 = k;
            day = s->ti[k + 1].num;
            k += 2;
        }
    } else if (!take(s, &k, L_ORDINAL, &day)) {
        return 0;
    }
    /* "في 15 الجاري": the month is implied. Not after an ordinal word, where
     * الجيل الثاني الحالي is an adjective chain. */
    if (numeric && !c->day0 && post_mod(s, &k, &mod)) {
        c->monthrel = 1;
        c->mod = mod;
        c->day = day;
        *j = k;
        return 1;
    }
    take(s, &k, L_OF, NULL);
    take(s, &k, L_MONTHWORD, NULL);
    unsigned flags;
    int twin = 0;
    int month = month_at(s, &k, &flags, &twin);
    if (month) {
        c->month = month;
        if (post_mod(s, &k, &mod)) {
            c->has_mod = 1;
            c->mod = mod;
        }
    } else {
        /* الشهر الجاري / الماضي: a day of a month named relative to now. */
        int unit;
        size_t u = k;
        if (!take(s, &u, L_UNIT, &unit) || unit != BM_PREC_MONTH)
            return 0;
        c->monthrel = 1;
        c->mod = MOD_CURRENT;
        if (post_mod(s, &u, &mod))
            c->mod = mod;
        k = u;
    }
    c->day = day;
    *j = k;
    return 1;
}

/* English order: month [.] day [suffix] [,] [year] ("Sept. 30", "September 30, 2019"). */
static int month_day(const scan *s, size_t *j, cand *c)
{
    size_t k = *j;
    unsigned flags;
    int twin = 0;
    int month = month_at(s, &k, &flags, &twin);
    if (!month || !number(s, k, 2, 1, 31) || number_continues(s, k))
        return 0;
    if (is(s, k + 1, L_COUNTED))
        return 0;
    c->month = month;
    c->day = s->ti[k].num;
    k++;
    if (is(s, k, L_SUFFIX) && adjacent(s, k))
        k++;
    *j = k;
    return 1;
}

/* Weekday prefix of a day expression: [اليوم|أمس [,]] [daypart] [يوم|on] weekday [,] [الموافق]. */
static size_t day_prefix(const scan *s, size_t i, cand *c)
{
    size_t j = i;
    int v;
    int daypart = take(s, &j, L_DAYPART, NULL);
    if (take(s, &j, L_RELDAY, &v)) {
        c->relday = v;
        if (punct(s, j, ','))
            j++;
    }
    if (!daypart)
        take(s, &j, L_DAYPART, NULL);
    take(s, &j, L_DAYWORD, NULL);
    if (take(s, &j, L_WEEKDAY, &v)) {
        c->weekday = v;
        if (punct(s, j, ','))
            j++;
        take(s, &j, L_EQUALS, NULL);
        if (punct(s, j, '(')) {
            c->paren = 1;
            j++;
        }
    }
    return j;
}

/* Matchers return 1 (c filled), 0 (nothing here) or -1 (the tokens up to
 * c->t1 looked like a date but are not one: skip them, emit nothing). */

static int m_numeric(const scan *s, size_t i, cand *c)
{
    if (i >= s->lim || s->tok[i].kind != BM_TOK_NUMBER)
        return 0;
    if (i > 0 && adjacent(s, i) && s->tok[i - 1].kind == BM_TOK_PUNCT &&
        strchr("-/.", s->tok[i - 1].norm[0]))
        return 0; /* the tail of a longer numeric string */
    if (i + 4 >= s->lim)
        return 0;
    char sep = s->tok[i + 1].kind == BM_TOK_PUNCT ? s->tok[i + 1].norm[0] : 0;
    if (!sep || !strchr("-/.", sep) || !punct(s, i + 1, sep) || !punct(s, i + 3, sep))
        return 0;
    for (size_t k = i + 1; k <= i + 4; k++)
        if (!adjacent(s, k))
            return 0;
    if (s->tok[i + 2].kind != BM_TOK_NUMBER || s->tok[i + 4].kind != BM_TOK_NUMBER)
        return 0;
    if (i + 5 < s->lim && adjacent(s, i + 5) &&
        (s->tok[i + 5].kind == BM_TOK_NUMBER || punct(s, i + 5, sep)))
        return 0;
    bm_date d;
    if (number(s, i, 4, MIN_YEAR, MAX_YEAR) && s->ti[i].ndig == 4 && number(s, i + 2, 2, 1, 12) &&
        number(s, i + 4, 2, 1, 31)) {
        d = (bm_date){s->ti[i].num, s->ti[i + 2].num, s->ti[i + 4].num};
    } else if (number(s, i, 2, 1, 31) && number(s, i + 2, 2, 1, 31) &&
               number(s, i + 4, 4, MIN_YEAR, MAX_YEAR) && s->ti[i + 4].ndig == 4) {
        int a = s->ti[i].num, b = s->ti[i + 2].num;
        /* Day first, as Arabic and British news write it; month first only
         * when the day-first reading is impossible. */
        d = b <= 12 ? (bm_date){s->ti[i + 4].num, b, a} : (bm_date){s->ti[i + 4].num, a, b};
    } else {
        return 0;
    }
    c->t1 = i + 5;
    if (!bm_date_valid(d))
        return -1;
    c->year = d.year;
    c->month = d.month;
    c->day = d.day;
    c->prec = BM_PREC_DAY;
    return 1;
}

static int m_day(const scan *s, size_t i, cand *c)
{
    if (is(s, i, L_CUE) && val(s, i, L_CUE) == BM_DATE_AT && !is(s, i, L_DAYWORD))
        return 0;
    /* "الأسبوع الأول من الشهر": the first week, not the first day */
    if (i > 0 && !s->tok[i].newline_before && is(s, i - 1, L_UNIT) &&
        val(s, i - 1, L_UNIT) == BM_PREC_WEEK)
        return 0;
    size_t j = i;
    relation_cue(s, &j, &c->rel);
    j = day_prefix(s, j, c);
    if (!day_month(s, &j, c) && !month_day(s, &j, c))
        return 0;
    int y = 0;
    int ry = c->has_mod || c->monthrel ? 0 : trailing_year(s, &j, &y);
    if (c->paren) {
        if (!punct(s, j, ')'))
            return 0;
        j++;
    }
    c->t1 = j;
    if (ry < 0)
        return -1;
    if (ry == 2) {
        c->yearrel = 1;
        c->yearmod = y;
        y = 0;
    }
    c->year = y;
    c->today = c->relday == 0;
    c->prec = BM_PREC_DAY;
    /* 31 April or 30 February is no date: skip the whole expression. */
    if (c->month && c->day > bm_days_in_month(y ? y : 2024, c->month))
        return -1;
    if (y && !bm_date_valid((bm_date){y, c->month, c->day}))
        return -1;
    return 1;
}

static int m_month(const scan *s, size_t i, cand *c)
{
    if (is(s, i, L_CUE) && val(s, i, L_CUE) == BM_DATE_AT)
        return 0;
    size_t j = i;
    int evidence = relation_cue(s, &j, &c->rel);
    int v;
    if (take(s, &j, L_PART, &v)) {
        c->part = (bm_date_part)v;
        evidence = 1;
        if (punct(s, j, '-') && adjacent(s, j))
            j++;
        take(s, &j, L_OF, NULL);
    }
    if (take(s, &j, L_MONTHWORD, NULL))
        evidence = 1;
    if (pre_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
        evidence = 1;
    }
    size_t m0 = j;
    unsigned flags;
    int twin = 0;
    int month = month_at(s, &j, &flags, &twin);
    if (!month)
        return 0;
    evidence |= twin || cue_before(s, m0);
    int y = 0, ry = 0;
    if (!c->has_mod && post_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
        evidence = 1;
    } else if (!c->has_mod) {
        ry = trailing_year(s, &j, &y);
    }
    c->t1 = j;
    if (ry < 0)
        return -1;
    if (ry > 0)
        evidence = 1;
    if (ry == 2) {
        c->yearrel = 1;
        c->yearmod = y;
        y = 0;
    }
    /* Ambiguous words (مارس, آب, May) need evidence; abbreviations need a
     * year (a lone "Jan" is more often a name). */
    if ((flags & F_CUE) && !evidence)
        return 0;
    if ((flags & F_ABBR) && !y)
        return 0;
    c->month = month;
    c->year = y;
    c->prec = BM_PREC_MONTH;
    return 1;
}

static int m_year(const scan *s, size_t i, cand *c)
{
    size_t j = i;
    int evidence = 0, v;
    if (is(s, j, L_CUELEAD) && is(s, j + 1, L_CUE))
        j++;
    if (take(s, &j, L_CUE, &v)) {
        c->rel = (bm_date_relation)v;
        evidence = 1;
    }
    if (take(s, &j, L_PART, &v)) {
        c->part = (bm_date_part)v;
        evidence = 1;
        if (punct(s, j, '-') && adjacent(s, j))
            j++;
        take(s, &j, L_OF, NULL);
    }
    if (take(s, &j, L_SEASON, NULL))
        evidence = 1;
    if (take(s, &j, L_YEARWORD, NULL))
        evidence = 1;
    if (!year_number(s, j) || is(s, j + 1, L_COUNTED))
        return 0;
    size_t y = j++;
    int era = 0;
    size_t e = j;
    if (take(s, &e, L_ERA, &era)) {
        if (era == ERA_HIJRI) {
            c->t1 = e;
            return -1;
        }
        j = e;
        evidence = 1;
    }
    if (!evidence)
        return 0;
    c->year = s->ti[y].num;
    c->prec = BM_PREC_YEAR;
    c->t1 = j;
    return 1;
}

static int m_unit(const scan *s, size_t i, cand *c)
{
    if (is(s, i, L_CUE) && val(s, i, L_CUE) == BM_DATE_AT)
        return 0;
    size_t j = i;
    int v;
    relation_cue(s, &j, &c->rel);
    if (take(s, &j, L_PART, &v)) {
        c->part = (bm_date_part)v;
        take(s, &j, L_OF, NULL);
        take(s, &j, L_ARTICLE, NULL);
    }
    int rolling = is(s, j, L_MOD) && (flg(s, j, L_MOD) & F_ROLLING);
    if (pre_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
        c->rolling = rolling;
    }
    int unit;
    if (!take(s, &j, L_UNIT, &unit) || unit == BM_PREC_DAY)
        return 0;
    if (!c->has_mod && post_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
    }
    if (!c->has_mod) {
        /* "أواخر الشهر", "the end of the month": the current one. A bare
         * العام is mostly "general" (الرأي العام), never a date. */
        if (!c->part)
            return 0;
        c->has_mod = 1;
        c->mod = MOD_CURRENT;
    }
    c->unit = unit;
    c->prec = (bm_precision)unit;
    c->t1 = j;
    return 1;
}

static int m_weekday(const scan *s, size_t i, cand *c)
{
    if (is(s, i, L_CUE) && val(s, i, L_CUE) == BM_DATE_AT && !is(s, i, L_DAYWORD))
        return 0;
    size_t j = i;
    int v;
    int daypart = take(s, &j, L_DAYPART, NULL);
    int evidence = daypart;
    int paren = 0;
    if (take(s, &j, L_RELDAY, &v)) {
        c->relday = v;
        evidence = 1;
        if (punct(s, j, ','))
            j++;
        /* أمس (الجمعة) */
        if (punct(s, j, '(') && is(s, j + 1, L_WEEKDAY) && punct(s, j + 2, ')')) {
            paren = 1;
            j++;
        }
    }
    if (!daypart && take(s, &j, L_DAYPART, NULL))
        daypart = evidence = 1;
    if (take(s, &j, L_DAYWORD, NULL))
        evidence = 1;
    if (pre_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
        evidence = 1;
    }
    unsigned flags = flg(s, j, L_WEEKDAY);
    if (!take(s, &j, L_WEEKDAY, &v))
        return 0;
    c->weekday = v;
    if (paren)
        j++;
    if (!c->has_mod && post_mod(s, &j, &v)) {
        c->has_mod = 1;
        c->mod = v;
        evidence = 1;
    }
    /* "ليلة الخميس على الجمعة": one night, dated by its first day. */
    if (daypart && is(s, j, L_COORD) && is(s, j + 1, L_WEEKDAY))
        j += 2;
    /* الأحد عشر is "the eleven". */
    if (is(s, j, L_NOTDAY))
        return 0;
    /* Set off by commas, as news writes the day of a statement:
     * "قالت الوزارة، الاثنين، إن". */
    if (punct(s, j, ',') || (i > 0 && !s->tok[i].newline_before &&
                             s->tok[i - 1].kind == BM_TOK_PUNCT && s->tok[i - 1].norm[0] == ','))
        evidence = 1;
    /* "أفادت الاثنين مصادر أمنية": wire copy puts the day between the verb
     * of reporting and its subject */
    if (!evidence && i > 0 && !s->tok[i].newline_before && s->ti[i - 1].e1 &&
        (s->ti[i - 1].e1->classes & LBIT(L_SAYVERB)))
        evidence = 1;
    /* الأحد and الاثنين are also "the one" and "both": only with a cue. A
     * bare weekday after صلاة or أيام names a custom, not a day. */
    if ((flags & F_CUE) && !evidence)
        return 0;
    if (!evidence && i > 0 && !s->tok[i].newline_before && s->ti[i - 1].e1 &&
        (s->ti[i - 1].e1->classes & LBIT(L_NOTBEFORE)))
        return 0;
    c->today = c->relday == 0;
    c->prec = BM_PREC_DAY;
    c->t1 = j;
    return 1;
}

/* An Arabic imperfect verb of the third person (يواجه, ينعكس): "اليوم" next
 * to it means "nowadays", not the day of an event. */
static int imperfect_verb(const scan *s, size_t i)
{
    const bm_token *t = &s->tok[i];
    if (t->kind != BM_TOK_ARABIC)
        return 0;
    const char *w = t->norm;
    size_t len = t->norm_len;
    if (len >= 8 && (IS_WAW(w) || IS_FA(w))) {
        w += 2;
        len -= 2;
    }
    if (len < 8 || s->ti[i].e1)
        return 0;
    if (IS_YA(w))
        return 1;
    /* ت opens the feminine present (تنتشر، تشهد) and many nouns; the
     * nouns most often end in ات or ة (تعزيزات، تظاهرة), the verbs never do */
    return IS_TA(w) && !IS_HA(w + len - 2) &&
           !(AR_LETTER_IS(w + len - 4, 0xD8, 0xA7) && IS_TA(w + len - 2));
}

/* Is "اليوم" at i (spanning to j) the day of an event? Not after حتى/إلى
 * ("until today"), not before التالي/نفسه or an ordinal ("the next day",
 * "the first day"), and not next to a present-tense verb ("nowadays"). */
static int today_is_event(const scan *s, size_t i, size_t j)
{
    if (i > 0 && !s->tok[i].newline_before) {
        const lex_entry *p = s->ti[i - 1].e1;
        if (p && (p->classes & LBIT(L_NOTBEFORE)))
            return 0;
        for (size_t k = i, back = 0; k-- > 0 && back < 3; back++) {
            if (s->tok[k + 1].newline_before || s->tok[k].kind == BM_TOK_PUNCT)
                break;
            if (imperfect_verb(s, k))
                return 0;
        }
    }
    if (is(s, j, L_NOTDAY) || is(s, j, L_ORDINAL))
        return 0;
    size_t k = punct(s, j, ',') ? j + 1 : j;
    return !(k < s->lim && imperfect_verb(s, k));
}

/* A number of days at *j: يومين (dual), ثلاثة أيام, 3 أيام, two days. */
static int days_count(const scan *s, size_t *j, int *n)
{
    size_t k = *j;
    int unit;
    if (is(s, k, L_UNIT) && (flg(s, k, L_UNIT) & F_DUAL)) {
        *n = 2;
        *j = k + 1;
        return val(s, k, L_UNIT) == BM_PREC_DAY;
    }
    if (number(s, k, 2, 1, 31)) {
        *n = s->ti[k].num;
        k++;
    } else if (!take(s, &k, L_COUNT, n)) {
        return 0;
    }
    if (!take(s, &k, L_UNIT, &unit) || unit != BM_PREC_DAY)
        return 0;
    *j = k;
    return 1;
}

static int m_relday(const scan *s, size_t i, cand *c)
{
    size_t j = i;
    int daypart = take(s, &j, L_DAYPART, NULL), v, n = 0;
    size_t k = j;
    /* قبل يومين, قبل ثلاثة أيام, منذ 3 أيام: a day counted back; but after a
     * verb in the present (يواصلون منذ يومين تقدمهم) منذ tells how long,
     * not when. */
    int lasting = is(s, k, L_CUE) && val(s, k, L_CUE) == BM_DATE_SINCE && k > 0 &&
                  !s->tok[k].newline_before &&
                  (imperfect_verb(s, k - 1) || /* وتشهد المنطقة منذ يومين */
                   (k > 1 && !s->tok[k - 1].newline_before && imperfect_verb(s, k - 2)));
    if (!lasting && is(s, k, L_CUE) &&
        (val(s, k, L_CUE) == BM_DATE_BEFORE || val(s, k, L_CUE) == BM_DATE_SINCE)) {
        k++;
        if (days_count(s, &k, &n)) {
            c->relday = -n;
            c->t1 = k;
            c->prec = BM_PREC_DAY;
            return 1;
        }
    }
    /* two days ago */
    k = j;
    if (days_count(s, &k, &n) && is(s, k, L_AGO)) {
        c->relday = -n;
        c->t1 = k + 1;
        c->prec = BM_PREC_DAY;
        return 1;
    }
    unsigned flags = flg(s, j, L_RELDAY);
    size_t r = j;
    if (!take(s, &j, L_RELDAY, &v))
        return 0;
    if ((flags & F_TODAY) && !daypart && !today_is_event(s, r, j))
        return 0;
    c->relday = v;
    c->today = v == 0;
    c->prec = BM_PREC_DAY;
    c->t1 = j;
    return 1;
}

/* Months or years counted back from publication: قبل شهرين، قبل ثلاثة أشهر،
 * قبل عام; two months ago, a year ago. A count of weeks names no month. */
/* "The decision comes three months after ...", "يأتي ذلك بعد ثلاثة أشهر من
 * ...": the news of today comes that long after the earlier event, which is
 * so counted back from publication. A present-tense verb (agoverb) one or
 * two words before the count or بعد. */
static int comes_after(const scan *s, size_t i)
{
    for (size_t k = i; k-- > 0 && k + 2 >= i;) {
        if (s->tok[k + 1].newline_before)
            return 0;
        if (is(s, k, L_AGOVERB))
            return 1;
    }
    return 0;
}

static int m_ago(const scan *s, size_t i, cand *c)
{
    size_t j = i;
    int n = 1, unit;
    int before = is(s, j, L_CUE) && val(s, j, L_CUE) == BM_DATE_BEFORE;
    /* يأتي ذلك بعد ثلاثة أشهر من: "after" read back from today */
    int after =
        !before && is(s, j, L_CUE) && val(s, j, L_CUE) == BM_DATE_AFTER && comes_after(s, i);
    if (before || after)
        j++;
    if (number(s, j, 2, 1, 99)) {
        n = s->ti[j].num;
        j++;
    } else {
        take(s, &j, L_COUNT, &n);
    }
    int dual = is(s, j, L_AGOUNIT) && (flg(s, j, L_AGOUNIT) & F_DUAL);
    if (!take(s, &j, L_AGOUNIT, &unit))
        return 0;
    if (dual)
        n = 2;
    /* "قبل عامين من الانتخابات": counted from another event, not publication */
    if (before && j < s->lim && s->tok[j].kind == BM_TOK_ARABIC && s->tok[j].norm_len == 4 &&
        !memcmp(s->tok[j].norm, "\xD9\x85\xD9\x86", 4))
        return 0;
    /* "some 18 months ago", "about a year ago": an estimate names no month */
    size_t first = before || after ? i + 1 : i;
    if (first > 0 && !s->tok[first].newline_before && is(s, first - 1, L_APPROX))
        return 0;
    if (i > 1 && !before && is(s, i - 2, L_APPROX))
        return 0;
    if (!before && !after) {
        /* English: the count (or "a") comes first, "ago" (or "after" behind
         * a present-tense "comes") closes it */
        int ago = is(s, j, L_AGO) ||
                  (is(s, j, L_CUE) && val(s, j, L_CUE) == BM_DATE_AFTER && comes_after(s, i));
        if (!ago)
            return 0;
        j++;
        if (j == i + 2 && i > 0 && s->tok[i - 1].kind == BM_TOK_LATIN &&
            ((s->tok[i - 1].norm_len == 1 && s->tok[i - 1].norm[0] == 'a') ||
             (s->tok[i - 1].norm_len == 3 && !memcmp(s->tok[i - 1].norm, "one", 3))))
            c->t0 = i - 1;
        else if (j == i + 2)
            return 0; /* "months ago" with no count */
    }
    c->unit = unit;
    c->has_mod = 1;
    c->mod = -n;
    c->prec = (bm_precision)unit;
    c->t1 = j;
    return 1;
}

/* A day counted from the last day the text stated, not from publication:
 * "في اليوم التالي", "غداة", "عشية", "بعد يومين" (the narrative's clock). */
static int m_anchor(const scan *s, size_t i, cand *c)
{
    size_t j = i, k;
    int v, n;
    if (take(s, &j, L_ANCHORDAY, &v)) {
        c->relday = v;
    } else if (is(s, i, L_CUE) && val(s, i, L_CUE) == BM_DATE_AFTER &&
               (k = i + 1, days_count(s, &k, &n))) {
        c->relday = n;
        j = k;
    } else {
        return 0;
    }
    c->anchor = 1;
    c->prec = BM_PREC_DAY;
    c->t1 = j;
    return 1;
}

/* ---- Resolution -------------------------------------------------------- */

/* The year of a month named without one, relative to the publication date:
 * the occurrence on or before the publication month unless a modifier says
 * otherwise (الماضي: strictly before, المقبل: strictly after). */
static int infer_year(int month, int has_mod, int mod, bm_date pub)
{
    if (!has_mod)
        return month <= pub.month ? pub.year : pub.year - 1;
    switch (mod) {
    case MOD_PAST: return month < pub.month ? pub.year : pub.year - 1;
    case MOD_NEXT: return month > pub.month ? pub.year : pub.year + 1;
    default: return pub.year;
    }
}

static bm_date add_months(bm_date d, int n)
{
    int m = d.year * 12 + (d.month - 1) + n;
    d.year = m / 12;
    d.month = m % 12 + 1;
    d.day = 1;
    return d;
}

/* The most recent day with weekday wd on or before d. */
static bm_date weekday_on_or_before(bm_date d, int wd)
{
    int delta = (bm_date_weekday(d) - wd + 7) % 7;
    return bm_date_add_days(d, -delta);
}

static bm_date week_start(bm_date d)
{
    return weekday_on_or_before(d, BM_WEEK_START);
}

static void resolve_weekday(const cand *c, bm_date pub, bm_date *out)
{
    if (c->relday != INT_MIN) {
        /* أمس الجمعة: the weekday wins when the two disagree, because a
         * story filed before midnight is often dated the next day. */
        bm_date base = bm_date_add_days(pub, c->relday);
        *out = bm_date_weekday(base) == c->weekday ? base : weekday_on_or_before(base, c->weekday);
        return;
    }
    int delta;
    switch (c->has_mod ? c->mod : MOD_CURRENT) {
    case MOD_PAST:
        delta = (bm_date_weekday(pub) - c->weekday + 7) % 7;
        *out = bm_date_add_days(pub, -(delta ? delta : 7));
        return;
    case MOD_NEXT:
        delta = (c->weekday - bm_date_weekday(pub) + 7) % 7;
        *out = bm_date_add_days(pub, delta ? delta : 7);
        return;
    default: *out = weekday_on_or_before(pub, c->weekday); return;
    }
}

/* Fills the date and basis; returns 1 when resolved, 0 when it needs a
 * publication date (or a weekday pin, flagged in *pin). */
static int resolve(const cand *c, const bm_date *pub, bm_date_mention *m, int *pin)
{
    bm_date d = {c->year, c->month ? c->month : 1, c->day ? c->day : 1};
    *pin = 0;
    if (c->year && (c->month || c->prec == BM_PREC_YEAR)) {
        m->basis = BM_DATE_EXPLICIT;
        m->date = d;
        return bm_date_valid(d);
    }
    if (c->month && c->yearrel) {
        m->basis = BM_DATE_YEAR_INFERRED;
        m->date = (bm_date){0, c->month, c->day};
        if (!pub)
            return 0;
        d.year = pub->year + c->yearmod;
        m->date = d;
        return bm_date_valid(d);
    }
    if (c->month) {
        m->basis = BM_DATE_YEAR_INFERRED;
        m->date = (bm_date){0, c->month, c->day};
        if (!pub) {
            *pin = c->weekday >= 0 && c->day;
            return 0;
        }
        d.year = infer_year(c->month, c->has_mod, c->mod, *pub);
        m->date = d;
        return bm_date_valid(d);
    }
    m->basis = BM_DATE_RELATIVE;
    m->date = (bm_date){0, 0, c->day};
    if (!pub)
        return 0;
    if (c->monthrel) {
        d = add_months(*pub, c->mod);
        d.day = c->day;
    } else if (c->unit == BM_PREC_WEEK && c->rolling) {
        d = bm_date_add_days(*pub, -7);
    } else if (c->unit == BM_PREC_WEEK) {
        d = bm_date_add_days(week_start(*pub), 7 * c->mod);
    } else if (c->unit == BM_PREC_MONTH) {
        d = add_months(*pub, c->mod);
    } else if (c->unit == BM_PREC_YEAR) {
        d = (bm_date){pub->year + c->mod, 1, 1};
    } else if (c->weekday >= 0) {
        resolve_weekday(c, *pub, &d);
    } else if (c->relday != INT_MIN) {
        d = bm_date_add_days(*pub, c->relday);
    } else {
        return 0;
    }
    m->date = d;
    return bm_date_valid(d);
}

static int emit(scan *s, const cand *c)
{
    if (s->nout == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        bm_date_mention *no = realloc(s->out, ncap * sizeof *no);
        if (!no)
            return BM_ENOMEM;
        s->out = no;
        unsigned char *np = realloc(s->pin, ncap);
        if (!np)
            return BM_ENOMEM;
        s->pin = np;
        s->cap = ncap;
    }
    bm_date_mention *m = &s->out[s->nout];
    memset(m, 0, sizeof *m);
    m->start = s->tok[c->t0].start;
    m->end = s->tok[c->t1 - 1].end;
    m->precision = c->prec;
    m->relation = c->rel;
    m->is_range_start = c->rel == BM_DATE_SINCE;
    m->part = c->part;
    m->weekday = c->weekday;
    m->is_today = c->today;
    int pin;
    if (c->anchor) {
        /* the last resolved day before it; without one the phrase is "after
         * two days" from publication, and "the next day" is left out */
        const bm_date_mention *a = NULL;
        for (size_t k = s->nout; k-- > 0 && !a;)
            if (s->out[k].resolved && s->out[k].precision == BM_PREC_DAY)
                a = &s->out[k];
        if (!a && (!s->pub || c->relday <= 1))
            return BM_OK;
        m->basis = BM_DATE_RELATIVE;
        m->date = bm_date_add_days(a ? a->date : *s->pub, c->relday);
        m->resolved = bm_date_valid(m->date);
        s->pin[s->nout++] = 0;
        return BM_OK;
    }
    m->resolved = resolve(c, s->pub, m, &pin);
    if (!m->resolved && !pin && s->pub)
        return BM_OK; /* impossible date (29 February of a common year) */
    s->pin[s->nout++] = (unsigned char)pin;
    return BM_OK;
}

/* Years joined to a year just read: "عامي 2014 و2015", "from 2011 to 2014". */
static int coordinated_years(scan *s, cand *prev, size_t *next)
{
    size_t j = prev->t1;
    while (is(s, j, L_COORD) && year_number(s, j + 1) && !is(s, j + 2, L_COUNTED)) {
        cand c;
        cand_init(&c, j);
        c.year = s->ti[j + 1].num;
        c.prec = BM_PREC_YEAR;
        c.rel = prev->rel == BM_DATE_SINCE ? BM_DATE_UNTIL : prev->rel;
        c.t1 = j + 2;
        if (emit(s, &c) != BM_OK)
            return BM_ENOMEM;
        j = c.t1;
    }
    *next = j;
    return BM_OK;
}

typedef int (*matcher)(const scan *, size_t, cand *);

/* Classes an expression can start with; every other word is passed over
 * without trying the matchers (most words of an article). */
#define START_CLASSES                                                                              \
    (LBIT(L_MONTH) | LBIT(L_WEEKDAY) | LBIT(L_ORDINAL) | LBIT(L_COUNT) | LBIT(L_RELDAY) |          \
     LBIT(L_UNIT) | LBIT(L_MOD) | LBIT(L_PART) | LBIT(L_CUE) | LBIT(L_CUELEAD) |                   \
     LBIT(L_YEARWORD) | LBIT(L_MONTHWORD) | LBIT(L_DAYWORD) | LBIT(L_DAYPART) | LBIT(L_ARTICLE) |  \
     LBIT(L_SEASON) | LBIT(L_ANCHORDAY) | LBIT(L_AGOUNIT))

static int may_start(const scan *s, size_t i)
{
    const tinfo *x = &s->ti[i];
    if (s->tok[i].kind == BM_TOK_NUMBER)
        return 1;
    return (x->e && (x->e->classes & START_CLASSES)) || (x->e1 && (x->e1->classes & START_CLASSES));
}

static int scan_tokens(scan *s)
{
    static const matcher order[] = {m_anchor, m_numeric, m_day,    m_month, m_year,
                                    m_unit,   m_weekday, m_relday, m_ago};
    size_t i = 0;
    while (i < s->n) {
        size_t next = i + 1;
        if (!may_start(s, i)) {
            i = next;
            continue;
        }
        s->lim = s->ti[i].eol;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            cand c;
            cand_init(&c, i);
            int r = order[k](s, i, &c);
            if (r == 0)
                continue;
            next = c.t1 > i ? c.t1 : i + 1;
            if (r > 0) {
                if (c.day0) {
                    cand first = c;
                    first.day = c.day0;
                    first.t1 = c.day0_t1;
                    if (emit(s, &first) != BM_OK)
                        return BM_ENOMEM;
                }
                if (emit(s, &c) != BM_OK)
                    return BM_ENOMEM;
                if (c.prec == BM_PREC_YEAR && c.year && coordinated_years(s, &c, &next) != BM_OK)
                    return BM_ENOMEM;
            }
            break;
        }
        i = next;
    }
    return BM_OK;
}

static int clock_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm))
        return 2025;
    return tm.tm_year + 1900;
}

/* A year-less date with a weekday ("الثلاثاء 1 من نيسان") and no publication
 * date: the weekday pins the year. Among the years where that day falls on
 * that weekday, take the one nearest the latest year the article names (up
 * to the present), else nearest the present; a tie goes to the past. */
static void pin_weekdays(scan *s, int present)
{
    int ref = 0;
    for (size_t k = 0; k < s->nout; k++) {
        const bm_date_mention *m = &s->out[k];
        if (m->basis == BM_DATE_EXPLICIT && m->resolved && m->date.year <= present &&
            m->date.year > ref)
            ref = m->date.year;
    }
    if (!ref)
        ref = present;
    for (size_t k = 0; k < s->nout; k++) {
        bm_date_mention *m = &s->out[k];
        if (!s->pin[k])
            continue;
        for (int dist = 0; dist <= 40; dist++) {
            bm_date a = {ref - dist, m->date.month, m->date.day};
            bm_date b = {ref + dist, m->date.month, m->date.day};
            if (bm_date_valid(a) && bm_date_weekday(a) == m->weekday) {
                m->date = a;
                m->resolved = 1;
                break;
            }
            if (bm_date_valid(b) && bm_date_weekday(b) == m->weekday) {
                m->date = b;
                m->resolved = 1;
                break;
            }
        }
    }
}

/* ---- Page furniture ------------------------------------------------------ */

/* Most words a line may hold besides a date for the date to be a stamp
 * (a site clock "Friday 26 April 2024 Abu Dhabi", "Jun 30, 2016, 8:05 AM
 * EDT"); most words before a dateline's comma ("Dubai, UAE, 10 April"). */
#define STAMP_WORDS 3
#define DATELINE_WORDS 6

static int tok_is_text(const bm_token *t)
{
    return t->kind == BM_TOK_ARABIC || t->kind == BM_TOK_LATIN;
}

static int tok_is(const bm_token *t, const char *s)
{
    return t->kind == BM_TOK_PUNCT && t->norm_len == strlen(s) && !memcmp(t->norm, s, t->norm_len);
}

static int has_class(const tinfo *x, int cls)
{
    return (x->e1 && (x->e1->classes & LBIT(cls))) || (x->e && (x->e->classes & LBIT(cls)));
}

/* A photo credit on the line [l0, l1): "REUTERS/Name", "[Name/AFP]". */
static int caption_line(const scan *s, size_t l0, size_t l1)
{
    for (size_t k = l0; k < l1; k++)
        if (has_class(&s->ti[k], L_CREDIT) && ((k > l0 && tok_is(&s->tok[k - 1], "/")) ||
                                               (k + 1 < l1 && tok_is(&s->tok[k + 1], "/"))))
            return 1;
    return 0;
}

/* Whether mention tokens [t0, t1) on line [l0, l1) are page furniture, and
 * of which kind (BM_FURNITURE_*). */
static int furniture_at(const scan *s, size_t l0, size_t l1, size_t t0, size_t t1)
{
    size_t before = 0, after = 0;
    int pubcue = 0;
    for (size_t k = l0; k < t0; k++) {
        before += tok_is_text(&s->tok[k]);
        pubcue |= has_class(&s->ti[k], L_PUBCUE);
    }
    int pubcue_after = 0;
    for (size_t k = t1; k < l1; k++) {
        after += tok_is_text(&s->tok[k]);
        pubcue_after |= after <= 1 && has_class(&s->ti[k], L_PUBCUE);
    }
    /* "Published: ...", "date 2019-12-30" opening a line */
    if (pubcue && before <= 3)
        return BM_FURNITURE_DATE; /* "date 2019-12-30 In a statement ...": the text runs on */
    /* "23 نوفمبر 2025 آخر تحديث", "Jun 29, 2016 Updated": a site's stamp */
    if (pubcue_after && before <= STAMP_WORDS)
        return BM_FURNITURE_DATE;
    /* "BAGHDAD, Jan 26 (Reuters) -", "دبي، ...، 10 إبريل 2014 (الكاتب)" */
    if (t0 > l0 && before <= DATELINE_WORDS &&
        (tok_is(&s->tok[t0 - 1], ",") || tok_is(&s->tok[t0 - 1], "\xD8\x8C")) &&
        (t1 >= l1 || tok_is(&s->tok[t1], "(") || tok_is(&s->tok[t1], "-") ||
         tok_is(&s->tok[t1], "\xE2\x80\x94") || tok_is(&s->tok[t1], "\xE2\x80\x93")))
        return BM_FURNITURE_DATE;
    /* a date (with a clock or a place) alone on its line */
    if (before <= 2 && before + after <= STAMP_WORDS)
        return BM_FURNITURE_LINE;
    return caption_line(s, l0, l1) ? BM_FURNITURE_LINE : 0;
}

/* Marks the mentions that sit in page furniture (the codebook's rule: it
 * gives the publication date and nothing else). */
static void mark_furniture(scan *s)
{
    size_t t0 = 0; /* mentions come in text order: one pass over the tokens */
    for (size_t i = 0; i < s->nout; i++) {
        bm_date_mention *m = &s->out[i];
        while (t0 > 0 && s->tok[t0 - 1].start >= m->start)
            t0--;
        while (t0 < s->n && s->tok[t0].start < m->start)
            t0++;
        size_t t1 = t0;
        while (t1 < s->n && s->tok[t1].end <= m->end)
            t1++;
        if (t0 >= s->n || t1 <= t0)
            continue;
        size_t l0 = t0, l1 = t1;
        while (l0 > 0 && !s->tok[l0].newline_before)
            l0--;
        while (l1 < s->n && !s->tok[l1].newline_before)
            l1++;
        m->furniture = furniture_at(s, l0, l1, t0, t1);
    }
}

/* Runs the whole finder over tokens classified in s->ti; fills s->out. */
static int find_classified(scan *s, int present_year)
{
    int rc = scan_tokens(s);
    if (rc == BM_OK) {
        pin_weekdays(s, present_year ? present_year : clock_year());
        mark_furniture(s);
    }
    return rc;
}

static void scan_free(scan *s)
{
    free(s->out);
    free(s->pin);
    s->out = NULL;
    s->pin = NULL;
}

/* Sets up the scan over the caller's tokens or tokens made here (*own). */
static int scan_prepare(scan *s, const bm_dates *d, const char *text, size_t len,
                        const bm_dates_opts *o, bm_tokens *own, bm_error *err)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    s->text = text;
    const bm_tokens *t = o ? o->tokens : NULL;
    if (!t) {
        int rc = bm_tokenize(text, len, own, err);
        if (rc != BM_OK)
            return rc;
        t = own;
    }
    s->tok = t->v;
    s->n = t->n;
    return BM_OK;
}

/* bm_dates_find_opts over the classification ti of o->tokens, or (ti NULL)
 * one made here. */
static int find_opts(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                     const tinfo *ti, bm_date_mention **out, size_t *n, bm_error *err)
{
    *out = NULL;
    *n = 0;
    if (!d || (!text && len))
        return bm_error_set(err, BM_EINVAL, "bm_dates_find: no lexicon or no text");
    bm_tokens own = {0};
    scan s;
    tinfo *mine = NULL;
    int rc = scan_prepare(&s, d, text, len, o, &own, err);
    if (rc == BM_OK && !ti) {
        if ((mine = malloc((s.n ? s.n : 1) * sizeof *mine)) != NULL)
            classify(d, s.tok, NULL, s.n, mine);
        else
            rc = bm_error_set(err, BM_ENOMEM, "finding dates in %zu bytes: out of memory", len);
        ti = mine;
    }
    if (rc == BM_OK) {
        s.pub = o ? o->published : NULL;
        s.ti = ti;
        rc = find_classified(&s, o ? o->present_year : 0);
        if (rc != BM_OK)
            bm_error_set(err, rc, "finding dates in %zu bytes: out of memory", len);
    }
    free(mine);
    bm_tokens_free(&own);
    if (rc != BM_OK) {
        scan_free(&s);
        return rc;
    }
    free(s.pin);
    *out = s.out;
    *n = s.nout;
    if (!s.nout) {
        free(s.out);
        *out = NULL;
    }
    return BM_OK;
}

int bm_dates_find_opts(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                       bm_date_mention **out, size_t *n, bm_error *err)
{
    return find_opts(d, text, len, o, NULL, out, n, err);
}

int bm_dates_find(const bm_dates *d, const char *text, size_t len, const bm_date *published,
                  bm_date_mention **out, size_t *n, bm_error *err)
{
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.published = published;
    return bm_dates_find_opts(d, text, len, &o, out, n, err);
}

/* ---- Publication date --------------------------------------------------- */

/* Index of the first token past the first HEAD_LINES lines that hold text. */
static size_t head_end(const bm_token *tok, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || tok[i].newline_before)
            lines++;
        if (lines > HEAD_LINES)
            return i;
    }
    return n;
}

/* First and last token index of the mention m (tokens are sorted by start). */
static void mention_tokens(const scan *s, const bm_date_mention *m, size_t *t0, size_t *t1)
{
    size_t k = 0;
    while (k < s->n && s->tok[k].start < m->start)
        k++;
    *t0 = k;
    while (k < s->n && s->tok[k].end <= m->end)
        k++;
    *t1 = k;
}

static size_t line_start(const scan *s, size_t t)
{
    while (t > 0 && !s->tok[t].newline_before)
        t--;
    return t;
}

/* A publication cue (نشر, تاريخ, Published, date) among the three tokens
 * before t0 on its line. */
static int after_pubcue(const scan *s, size_t t0)
{
    size_t ls = line_start(s, t0);
    for (size_t k = t0, back = 0; k > ls && back < 3; back++) {
        k--;
        const tinfo *x = &s->ti[k];
        if (x->e1 && (x->e1->classes & LBIT(L_PUBCUE)))
            return 1;
        if (x->e && (x->e->classes & LBIT(L_PUBCUE)))
            return 1;
    }
    return 0;
}

/* A dateline: the date opens its line (a place name and a dash may come
 * first) and the line ends soon after it or goes on after a dash or bracket
 * ("BAGHDAD, 8 November 2025 (Reuters) -"). */
static int dateline(const scan *s, size_t t0, size_t t1)
{
    size_t ls = line_start(s, t0);
    size_t eol = s->ti[t0].eol;
    if (t0 - ls > 3)
        return 0;
    if (eol - t1 <= 4)
        return 1;
    for (size_t k = t1; k < eol && k < t1 + 2; k++) {
        if (s->tok[k].kind == BM_TOK_PUNCT &&
            (s->tok[k].norm[0] == '(' || s->tok[k].norm[0] == '-'))
            return 1;
    }
    return 0;
}

/* Chooses the article's own date among the mentions in the head: after a
 * publication cue first, then one anchored on اليوم/today, then a dateline. */
static int pick_published(scan *s, bm_date *out)
{
    size_t head = head_end(s->tok, s->n);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t k = 0; k < s->nout; k++) {
            const bm_date_mention *m = &s->out[k];
            if (!m->resolved || m->precision != BM_PREC_DAY || m->basis == BM_DATE_RELATIVE)
                continue;
            size_t t0, t1;
            mention_tokens(s, m, &t0, &t1);
            if (t0 >= head)
                break;
            int ok = pass == 0   ? after_pubcue(s, t0)
                     : pass == 1 ? m->is_today
                                 : dateline(s, t0, t1);
            if (ok) {
                *out = m->date;
                return BM_OK;
            }
        }
    }
    return BM_ENOTFOUND;
}

/* bm_dates_published_opts over the classification ti of the tokens, or (ti
 * NULL) one made here. */
static int published_opts(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                          const tinfo *ti, bm_date *out, bm_error *err)
{
    if (!d || !out || (!text && len))
        return bm_error_set(err, BM_EINVAL, "bm_dates_published: no lexicon or no text");
    bm_tokens own = {0};
    scan s;
    int rc = scan_prepare(&s, d, text, len, o, &own, err);
    if (rc != BM_OK) {
        bm_tokens_free(&own);
        return rc;
    }
    tinfo *mine = NULL;
    if (!ti) {
        if (!(mine = malloc((s.n ? s.n : 1) * sizeof *mine))) {
            bm_tokens_free(&own);
            return bm_error_set(err, BM_ENOMEM, "reading the publication date: out of memory");
        }
        classify(d, s.tok, NULL, s.n, mine);
        ti = mine;
    }
    s.ti = ti;
    rc = scan_tokens(&s);
    if (rc == BM_OK) {
        pin_weekdays(&s, o && o->present_year ? o->present_year : clock_year());
        rc = pick_published(&s, out);
        if (rc == BM_ENOTFOUND)
            bm_error_set(err, rc, "the article states no publication date in its first lines");
    } else {
        bm_error_set(err, rc, "reading the publication date: out of memory");
    }
    free(mine);
    scan_free(&s);
    bm_tokens_free(&own);
    return rc;
}

int bm_dates_published_opts(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                            bm_date *out, bm_error *err)
{
    return published_opts(d, text, len, o, NULL, out, err);
}

int bm_dates_published(const bm_dates *d, const char *text, size_t len, bm_date *out)
{
    return bm_dates_published_opts(d, text, len, NULL, out, NULL);
}

/* ---- One classification for several passes (dates_private.h) ------------ */

struct bm__dates_cls {
    tinfo *ti; /* of the tokens tok[0..n) */
    size_t cap;
    const bm_token *tok;
    size_t n;
    int held;
    tinfo *head; /* scratch: the classification of a head of the tokens */
    size_t head_cap;
};

bm__dates_cls *bm__dates_cls_new(void)
{
    return calloc(1, sizeof(bm__dates_cls));
}

void bm__dates_cls_free(bm__dates_cls *c)
{
    if (!c)
        return;
    free(c->ti);
    free(c->head);
    free(c);
}

int bm__dates_classify(const bm_dates *d, const bm_tokens *tok, const uint32_t *th,
                       bm__dates_cls *c)
{
    c->held = 0;
    if (!d || !tok ||
        bm__grow((void **)&c->ti, &c->cap, tok->n ? tok->n : 1, sizeof *c->ti) != BM_OK)
        return BM_ENOMEM;
    classify(d, tok->v, th, tok->n, c->ti);
    c->tok = tok->v;
    c->n = tok->n;
    c->held = 1;
    return BM_OK;
}

int bm__dates_cls_holds(const bm__dates_cls *c, const bm_tokens *tok)
{
    return c && tok && c->held && c->tok == tok->v && c->n == tok->n;
}

void bm__dates_cls_forget(bm__dates_cls *c)
{
    if (c)
        c->held = 0;
}

int bm__dates_find_cls(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                       const bm__dates_cls *c, bm_date_mention **out, size_t *n, bm_error *err)
{
    if (!o || !bm__dates_cls_holds(c, o->tokens))
        return bm_dates_find_opts(d, text, len, o, out, n, err);
    return find_opts(d, text, len, o, c->ti, out, n, err);
}

int bm__dates_published_cls(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                            bm__dates_cls *c, bm_date *out, bm_error *err)
{
    const bm_tokens *t = o ? o->tokens : NULL;
    if (!d || !c || !c->held || !t || t->v != c->tok || t->n > c->n ||
        bm__grow((void **)&c->head, &c->head_cap, t->n ? t->n : 1, sizeof *c->head) != BM_OK)
        return bm_dates_published_opts(d, text, len, o, out, err);
    classify_head(d, c->tok, c->ti, t->n, c->head);
    return published_opts(d, text, len, o, c->head, out, err);
}
