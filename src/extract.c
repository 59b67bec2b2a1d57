/* extract.c: one article in, its incidents out. Splits sentences and
 * clauses, scores trigger words per clause, attaches the date and the place
 * that belong to each trigger, and fills type, precision, fatalities,
 * confidence with reasons, summary and provenance.
 * Must never guess silently: every inference lowers the confidence and is
 * named in the reasons; an event with no date at all is dropped and counted. */
#include "bordermap/extract.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/arabic.h"
#include "extract_private.h"
#include "grow_private.h"
#include "extract_ws_private.h"
#include "gazetteer_private.h"

/* A clause becomes an incident when its best type scores at least this. */
#define MIN_SCORE 1.0
/* The least weight of a word that says something happened (open, close,
 * deploy); lighter words name things or people (crossing, soldiers, ISIS). */
#define ACTION_WEIGHT 0.6
/* Tokens before a trigger in which a negation cancels it. */
#define NEG_WINDOW 4
/* How far back a purpose cue (بهدف، in order to) reaches to a trigger. */
#define PURPOSE_WINDOW 10
/* How far back a cause cue (على خلفية، in response to) reaches to a trigger:
 * the cause is a noun phrase, often with its own complement ("in response to
 * the killing of a US contractor in a rocket attack"). */
#define CAUSE_WINDOW 16
/* Cost of a date after publication in best_date: above a report's date. */
#define FUTURE_DATE_COST 4000
/* Words between an `after` cue and the event it introduces ("after the army
 * withdrew"). */
#define AFTER_WINDOW 4
#define AR_WAW "\xD9\x88"
#define AR_AL "\xD8\xA7\xD9\x84"               /* the article ال */
#define AR_ALA "\xD8\xB9\xD9\x84\xD9\x89"      /* على */
#define AR_ALA_Y "\xD8\xB9\xD9\x84\xD9\x8A"    /* علي (على without its alef maqsura) */
#define AR_FI "\xD9\x81\xD9\x8A"               /* the preposition في */
#define AR_ILA "\xD8\xA7\xD9\x84\xD9\x8A"      /* the preposition إلى, normalised */
#define AR_WAW_ANNA "\xD9\x88\xD8\xA7\xD9\x86" /* وأن، وإن after normalisation */
/* Tokens after "according to" whose trigger names the source of the news. */
#define SOURCE_WINDOW 2
/* Tokens around a death word in which its count is read. */
#define FATAL_WINDOW 3
/* Incidents of one article closer than this (same type and day) are one. */
#define SAME_PLACE_KM 10.0
/* Words between a distance unit and its reference place (كلم غرب بغداد). */
#define DISTANCE_WINDOW 3
/* Words from a reporting verb to a date that still dates the report. */
#define REPORT_REACH 12
/* Words a support cue (backed by, بدعم من) reaches, and what its triggers weigh. */
#define SUPPORT_WINDOW 6
#define SUPPORT_FACTOR 0.5
/* Two places of a "from X to Y" span must be this far apart to be a line. */
#define SPAN_MIN_KM 30.0
/* Words allowed between X and "to" in "from X (in Nineveh) to Y". */
#define SPAN_MAX_GAP 4
/* A line without terminal punctuation and at most this many words is a
 * heading: it repeats the body and never makes incidents itself. */
#define HEADING_MAX_WORDS 12

struct bm_extractor {
    const bm_gazetteer *g;
    const bm_dates *d;
    lexicon *lx;
};

/* ---- Extractor --------------------------------------------------------- */

int bm_extractor_new_from(const bm_gazetteer *g, const bm_dates *d, const char *dir,
                          bm_extractor **out, bm_error *err)
{
    *out = NULL;
    if (!g || !d || !dir)
        return bm_error_set(err, BM_EINVAL, "extractor: gazetteer, dates and lexicon dir needed");
    bm_extractor *x = calloc(1, sizeof *x);
    if (!x)
        return bm_error_set(err, BM_ENOMEM, "extractor: out of memory");
    x->g = g;
    x->d = d;
    int rc = bm__lexicon_load(dir, g, &x->lx, err);
    if (rc != BM_OK) {
        free(x);
        return rc;
    }
    *out = x;
    return BM_OK;
}

int bm_extractor_new(const bm_gazetteer *g, const bm_dates *d, bm_extractor **out, bm_error *err)
{
    char dir[4096];
    int rc = bm_data_path("gazetteer/lexicon/triggers-ar.tsv", dir, sizeof dir, err);
    if (rc != BM_OK)
        return rc;
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return bm_extractor_new_from(g, d, dir, out, err);
}

void bm_extractor_free(bm_extractor *x)
{
    if (!x)
        return;
    bm__lexicon_free(x->lx);
    free(x);
}

size_t bm_extractor_trigger_count(const bm_extractor *x)
{
    return x ? bm__lexicon_count(x->lx, LEX_TRIGGER) : 0;
}

void bm_extraction_free(bm_extraction *e)
{
    if (!e)
        return;
    free(e->v);
    memset(e, 0, sizeof *e);
}

#define BYTES_1 0x0101010101010101ull
#define BYTES_7F (0x7F * BYTES_1)
#define BYTES_80 (0x80 * BYTES_1)

/* The high bit of each zero byte of x (exact: no carry between bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
    return ~(((x & BYTES_7F) + BYTES_7F) | x | BYTES_7F);
}

/* The sum of the eight byte counters of a (each at most 255). */
static inline size_t sum_bytes(uint64_t a)
{
    uint64_t b = (a & 0x00FF00FF00FF00FFull) + ((a >> 8) & 0x00FF00FF00FF00FFull);
    return (size_t)((b * 0x0001000100010001ull) >> 48);
}

/* Every article is read whole once for this (ingest hands the answer to
 * its extraction): eight bytes at a time. Latin letters are the ASCII ones
 * (isalpha in the C locale). */
const char *bm_detect_language(const char *text, size_t len)
{
    size_t ar = 0, lat = 0, i = 0;
    while (i + 8 <= len) {
        uint64_t acc_ar = 0, acc_lat = 0;
        for (int k = 0; k < 255 && i + 8 <= len; k++, i += 8) {
            uint64_t w;
            memcpy(&w, text + i, 8);
            /* U+0600..U+06FF and the presentation forms lead with D8..DB */
            acc_ar += zero_bytes((w & (0xFC * BYTES_1)) ^ (0xD8 * BYTES_1)) >> 7;
            /* a..z once folded to lower case, high bit clear: 0x60 < b < 0x7B */
            uint64_t l = w | (0x20 * BYTES_1), t = l & BYTES_7F;
            acc_lat +=
                ((((127 + 0x7B) * BYTES_1 - t) & ~l & (t + (127 - 0x60) * BYTES_1)) & BYTES_80) >>
                7;
        }
        ar += sum_bytes(acc_ar);
        lat += sum_bytes(acc_lat);
    }
    for (const unsigned char *p = (const unsigned char *)text; i < len; i++) {
        if (p[i] >= 0xD8 && p[i] <= 0xDB)
            ar++;
        else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
            lat++;
    }
    return ar > lat ? "ar" : "en";
}

/* ---- Working state of one article -------------------------------------- */

typedef struct tokinfo {
    const lex_entry *trig; /* trigger starting here (greedy, longest first) */
    const lex_entry *dem;  /* nationality word starting here */
    const lex_entry *fat;  /* fatality word starting here */
    cue_roles cue;         /* cue roles of a cue starting here */
    cue_roles cover;       /* cue roles of every cue covering this token */
    size_t cue_n;
    int place;             /* place mention covering it, -1 */
    int date;              /* date mention covering it, -1 */
    unsigned char negated; /* a trigger cancelled by a negation before it */
    unsigned char support; /* a trigger inside "backed by ...": it helps another event */
    unsigned char cause;   /* a trigger inside "in response to ...": the reason of another event */
    unsigned char means;   /* a trigger inside "by means of ...": how the clause's event was done */
    unsigned char in_trig; /* inside a multi-word trigger */
} tokinfo;

typedef struct pmention {
    size_t t0, t1; /* token range [t0, t1) */
    const bm_gplace *place;
    int near;    /* "near X", "countryside of X" */
    int speaker; /* "no comment from Damascus": a government, not a venue */
    int cause;   /* inside a cause phrase ("over comments on the coast events") */
} pmention;

typedef struct dmention {
    size_t t0, t1;
    bm_date date;
    bm_precision prec;
    int background; /* since/before/after a year: history, not an event */
    int report;     /* next to a reporting verb: dates the report */
    int since;      /* since + a day or month: background unless since_dated() */
} dmention;

typedef struct sentence {
    size_t t0, t1;
    size_t b0, b1;
    int heading;
} sentence;

typedef struct person {
    const char *surname; /* normalised, borrowed from the tokens */
    const lex_entry *dem;
} person;

/* What the extractor knows of an output incident beyond bm_extracted. */
enum {
    OUT_WEAK = 1,         /* typed by minor words only */
    OUT_REPORT_DATED = 2, /* dated only by its report ("sources said Monday") */
    OUT_DROP = 4          /* dropped before the merge */
};

typedef struct article {
    const bm_extractor *x;
    bm__extract_ws *ws; /* what the thread's extractions keep across texts */
    const char *text;
    size_t len;
    const bm_date *pub;
    int english;
    bm_tokens tok;
    int tok_borrowed; /* tok is the caller's (bm_extract_tokens) */
    tokinfo *ti;
    size_t cap_ti;
    const uint32_t *th; /* the tokens' key hashes (the workspace's), or NULL */
    pmention *pm;
    size_t npm, cap_pm;
    dmention *dm;
    size_t ndm, cap_dm;
    sentence *sv;
    size_t ns, cap_s;
    person *pv;
    size_t np, cap_p;
    /* What earlier sentences leave to later ones. */
    int has_ctx_date;
    bm_date ctx_date;
    bm_precision ctx_prec;
    const bm_gplace *ctx_place;
    bm_extraction *out;
    size_t cap_out;
    unsigned char *flags; /* per output incident: OUT_WEAK, OUT_REPORT_DATED */
    size_t cap_flags;
    bm_error *err;
} article;

/* The per-article arrays come from the thread's workspace and go back to
 * it (a calloc of the token table per article cost 2% of an ingest). */
static void *borrow(article *a, int slot, size_t elem, size_t *cap)
{
    size_t bytes;
    void *p = bm__extract_ws_take(a->ws, slot, &bytes);
    *cap = bytes / elem;
    return p;
}

static void article_borrow(article *a)
{
    a->ti = borrow(a, BM__WS_TOKINFO, sizeof *a->ti, &a->cap_ti);
    a->pm = borrow(a, BM__WS_PLACES, sizeof *a->pm, &a->cap_pm);
    a->dm = borrow(a, BM__WS_DATES, sizeof *a->dm, &a->cap_dm);
    a->sv = borrow(a, BM__WS_SENTS, sizeof *a->sv, &a->cap_s);
    a->pv = borrow(a, BM__WS_PEOPLE, sizeof *a->pv, &a->cap_p);
}

static void article_free(article *a)
{
    if (!a->tok_borrowed)
        bm_tokens_free(&a->tok);
    bm__extract_ws_forget_hashes(a->ws); /* the tokens may be freed next */
    bm__extract_ws_give(a->ws, BM__WS_TOKINFO, a->ti, a->cap_ti * sizeof *a->ti);
    bm__extract_ws_give(a->ws, BM__WS_PLACES, a->pm, a->cap_pm * sizeof *a->pm);
    bm__extract_ws_give(a->ws, BM__WS_DATES, a->dm, a->cap_dm * sizeof *a->dm);
    bm__extract_ws_give(a->ws, BM__WS_SENTS, a->sv, a->cap_s * sizeof *a->sv);
    bm__extract_ws_give(a->ws, BM__WS_PEOPLE, a->pv, a->cap_p * sizeof *a->pv);
    free(a->flags);
}

/* First token whose start is at or after byte b (binary search). */
static size_t token_at(const bm_tokens *t, size_t b)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->v[mid].start < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Tokens [*t0, *t1) covered by bytes [b0, b1). 0 when none. */
static int token_range(const bm_tokens *t, size_t b0, size_t b1, size_t *t0, size_t *t1)
{
    *t0 = token_at(t, b0);
    *t1 = *t0;
    while (*t1 < t->n && t->v[*t1].end <= b1)
        (*t1)++;
    return *t1 > *t0;
}

static int is_word(const bm_token *k)
{
    return k->kind == BM_TOK_ARABIC || k->kind == BM_TOK_LATIN || k->kind == BM_TOK_NUMBER;
}

/* ---- Lexicon annotation ------------------------------------------------ */

/* "U.S.-led", "Iranian-backed": a nationality joined by a hyphen to the next
 * word is a compound modifier naming an actor's patron, not a place (the
 * codebook's rule). k is the token after the nationality word. */
static int compound_modifier(const article *a, size_t k)
{
    while (k < a->tok.n && a->tok.v[k].kind == BM_TOK_PUNCT && !strcmp(a->tok.v[k].norm, ".") &&
           a->tok.v[k].start == a->tok.v[k - 1].end)
        k++;
    if (k == 0 || k + 1 >= a->tok.n)
        return 0;
    const bm_token *h = &a->tok.v[k];
    return h->kind == BM_TOK_PUNCT && !strcmp(h->norm, "-") && h->start == a->tok.v[k - 1].end &&
           h->end == a->tok.v[k + 1].start && a->tok.v[k + 1].kind == BM_TOK_LATIN;
}

static void record(article *a, size_t i, const lex_entry *e, size_t n)
{
    tokinfo *ti = &a->ti[i];
    switch (e->kind) {
    case LEX_TRIGGER:
        ti->trig = e;
        for (size_t k = 1; k < n && i + k < a->tok.n; k++)
            a->ti[i + k].in_trig = 1;
        break;
    case LEX_CUE:
        ti->cue = e->roles;
        ti->cue_n = n;
        for (size_t k = 0; k < n && i + k < a->tok.n; k++)
            a->ti[i + k].cover |= e->roles;
        break;
    case LEX_DEMONYM:
        if (!compound_modifier(a, i + (n ? n : 1)))
            ti->dem = e;
        break;
    case LEX_FATAL: ti->fat = e; break;
    default: break;
    }
}

/* Marks every lexicon match, longest first, left to right. Each kind skips
 * only over its own matches: cues may overlap triggers (نقل is both). */
static void annotate(article *a)
{
    size_t next[LEX_NKINDS] = {0};
    for (size_t i = 0; i < a->tok.n; i++) {
        const lex_entry *best[LEX_NKINDS];
        size_t n[LEX_NKINDS];
        bm__lexicon_match_all(a->x->lx, bm__extract_ws_lex(a->ws), &a->tok, a->th, i, best, n);
        for (int k = 0; k < LEX_NKINDS; k++) {
            if (!best[k] || i < next[k])
                continue;
            record(a, i, best[k], n[k]);
            next[k] = i + (n[k] ? n[k] : 1);
        }
    }
}

/* ---- Mentions: places and dates ---------------------------------------- */

static int add_place(article *a, size_t t0, size_t t1, const bm_gplace *p)
{
    if (bm__grow((void **)&a->pm, &a->cap_pm, a->npm + 1, sizeof *a->pm) != BM_OK)
        return BM_ENOMEM;
    pmention *m = &a->pm[a->npm++];
    m->t0 = t0;
    m->t1 = t1;
    m->place = p;
    m->near = t0 > 0 && (a->ti[t0 - 1].cover & CUE_NEAR);
    m->speaker = 0;
    m->cause = 0;
    for (size_t k = t0; k < t1; k++)
        a->ti[k].place = (int)(a->npm - 1);
    return BM_OK;
}

/* The gazetteer's mentions over the article's own tokens (tokenised once);
 * *pm is malloc'ed. */
static int find_places_tokens(article *a, bm_place_mention **pm, size_t *n)
{
    bm_place_finder *own = NULL, *f = bm__extract_ws_finder(a->ws, a->x->g);
    const bm_place_mention *m;
    int rc = f ? BM_OK : bm_place_finder_new(a->x->g, &own, a->err);
    if (!f)
        f = own;
    if (rc == BM_OK)
        rc = bm__place_finder_run_hashed(f, a->text, a->len, &a->tok, a->th, &m, n, a->err);
    if (rc == BM_OK && *n && !(*pm = malloc(*n * sizeof **pm)))
        rc = bm_error_set(a->err, BM_ENOMEM, "finding places: out of memory");
    if (rc == BM_OK && *n)
        memcpy(*pm, m, *n * sizeof **pm);
    bm_place_finder_free(own);
    return rc;
}

static int find_places(article *a)
{
    bm_place_mention *pm = NULL;
    size_t n = 0;
    int rc = find_places_tokens(a, &pm, &n);
    if (rc != BM_OK)
        return rc;
    for (size_t i = 0; i < n && rc == BM_OK; i++) {
        size_t t0, t1;
        if (!pm[i].place || !token_range(&a->tok, pm[i].start, pm[i].end, &t0, &t1))
            continue;
        /* "US military aircraft struck ...", "the Damascus government":
         * the country (or its capital for its government) acts; it is not
         * where the event happened. */
        if ((pm[i].place->specificity <= 1 || bm__lexicon_is_capital(a->x->lx, pm[i].place)) &&
            t1 < a->tok.n && (a->ti[t1].cue & CUE_ACTOR))
            continue;
        /* "حكومة دمشق", "نظام دمشق" (wip/ext5-prec): the government of the
         * capital, as "the Damascus government" is; no place of its own, and
         * no speaker either (a place right after it stays the event's:
         * "أغلقت سلطات دمشق معبر اليعربية") */
        if (t0 >= 1 && t1 == t0 + 1 && (a->ti[t0 - 1].cue & CUE_RULER) &&
            bm__lexicon_is_capital(a->x->lx, pm[i].place))
            continue;
        rc = add_place(a, t0, t1, pm[i].place);
    }
    free(pm);
    return rc;
}

/* "العاصمة السورية" / "the Syrian capital": the capital of that country,
 * when the gazetteer did not already resolve the phrase. */
static int find_capitals(article *a)
{
    for (size_t i = 0; i < a->tok.n; i++) {
        if (!(a->ti[i].cue & CUE_CAPITAL) || a->ti[i].place >= 0)
            continue;
        size_t after = i + a->ti[i].cue_n;
        const lex_entry *d = NULL;
        size_t t0 = i, t1 = after;
        if (after < a->tok.n && a->ti[after].dem && a->ti[after].place < 0) {
            d = a->ti[after].dem;
            t1 = after + 1;
        } else if (i > 0 && a->ti[i - 1].dem && a->ti[i - 1].place < 0) {
            d = a->ti[i - 1].dem; /* English: "the Syrian capital" */
            t0 = i - 1;
        }
        if (d && d->capital && add_place(a, t0, t1, d->capital) != BM_OK)
            return BM_ENOMEM;
    }
    return BM_OK;
}

/* Words back from "province" to its "the" ("the Kurdish-controlled province"). */
#define PROVINCE_REACH 4

/* Is the province word at i definite and bare: "the (adjectives) province"
 * with no name in between, nor "of" after it; المحافظة not followed by على
 * (المحافظة على: "preserving"). */
static int bare_province(const article *a, size_t i)
{
    const bm_token *t = &a->tok.v[i];
    if (i + 1 < a->tok.n && a->tok.v[i + 1].kind != BM_TOK_PUNCT &&
        (!strcmp(a->tok.v[i + 1].norm, "of") || !strcmp(a->tok.v[i + 1].norm, AR_ALA) ||
         !strcmp(a->tok.v[i + 1].norm, AR_ALA_Y)))
        return 0;
    if (t->kind == BM_TOK_ARABIC)
        return !strncmp(t->norm, AR_AL, strlen(AR_AL));
    for (size_t k = i; k-- > 0 && k + PROVINCE_REACH >= i;) {
        const bm_token *w = &a->tok.v[k];
        if (a->ti[k].place >= 0 || a->ti[k].dem)
            return 0;
        if (w->kind == BM_TOK_PUNCT && strcmp(w->norm, "-") != 0)
            return 0;
        if (!strcmp(w->norm, "the"))
            return 1;
    }
    return 0;
}

/* "ISIS gunmen stormed a prison located in the Kurdish-run province", a sentence
 * after "the new barrier lies opposite al-Shaddadi in Hasakeh province": a bare province word
 * refers back to the governorate the article named last. */
static int is_town_kind(const char *kind)
{
    return !strcmp(kind, "city") || !strcmp(kind, "town") || !strcmp(kind, "village");
}

/* The same for "the town", "the large village" (wip/ext3-recall-en): a bare
 * settlement word refers back to the city, town or village named last
 * ("Iraqi troops are moving towards the town", "fanned out across the large
 * village in the Euphrates valley"). */
static int find_provinces(article *a)
{
    for (size_t i = 0; i < a->tok.n; i++) {
        int town = (a->ti[i].cue & CUE_SETTLEMENT) != 0;
        if (!(a->ti[i].cue & (CUE_PROVINCE | CUE_SETTLEMENT)) || a->ti[i].place >= 0 ||
            !bare_province(a, i))
            continue;
        const bm_gplace *last = NULL;
        size_t at = 0;
        for (size_t k = 0; k < a->npm; k++)
            if (a->pm[k].t0 < i && a->pm[k].t0 >= at &&
                (town ? is_town_kind(a->pm[k].place->kind)
                      : !strcmp(a->pm[k].place->kind, "governorate"))) {
                last = a->pm[k].place;
                at = a->pm[k].t0;
            }
        if (last && add_place(a, i, i + 1, last) != BM_OK)
            return BM_ENOMEM;
    }
    return BM_OK;
}

static int cmp_pm(const void *x, const void *y)
{
    const pmention *a = x, *b = y;
    return a->t0 < b->t0 ? -1 : a->t0 > b->t0;
}

/* Mentions in text order, so that a clause's mentions are found by binary
 * search instead of a scan of the whole article. */
static void sort_places(article *a)
{
    if (a->npm == 0)
        return; /* qsort(NULL, 0, ...) is undefined */
    qsort(a->pm, a->npm, sizeof *a->pm, cmp_pm);
    for (size_t i = 0; i < a->npm; i++)
        for (size_t k = a->pm[i].t0; k < a->pm[i].t1; k++)
            a->ti[k].place = (int)i;
}

/* First place (date) mention starting at or after token t0. */
static size_t pm_from(const article *a, size_t t0)
{
    size_t lo = 0, hi = a->npm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->pm[mid].t0 < t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t dm_from(const article *a, size_t t0)
{
    size_t lo = 0, hi = a->ndm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->dm[mid].t0 < t0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int skippable_before_date(const bm_token *k)
{
    static const char *const w[] = {"عام", "العام", "year", "in", "في", "of"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(k->norm, w[i]) == 0)
            return 1;
    return 0;
}

/* A year after since/before/after (منذ 2014، قبل 2014) is history. */
static int date_is_background(const article *a, const bm_date_mention *m, size_t t0, size_t t1)
{
    if (m->is_range_start)
        return 1;
    if (m->precision != BM_PREC_YEAR)
        return 0;
    /* The finder may include the preposition in the expression ("بعد 2011"). */
    for (size_t k = t0; k < t1 && k < t0 + 2; k++)
        if (a->ti[k].cover & CUE_BGDATE)
            return 1;
    size_t k = t0;
    for (int steps = 0; k > 0 && steps < 3; steps++) {
        k--;
        if (a->ti[k].cover & CUE_BGDATE)
            return 1;
        if (!skippable_before_date(&a->tok.v[k]))
            return 0;
    }
    return 0;
}

/* A date within two words of a reporting verb dates the report. */
static int ends_sentence(const article *a, size_t i);

static int date_is_report(const article *a, size_t t0, size_t t1)
{
    size_t lo = t0 >= 2 ? t0 - 2 : 0;
    size_t hi = t1 + 2 < a->tok.n ? t1 + 2 : a->tok.n;
    /* "... struck the convoy on Sunday evening. The official explained ...":
     * a reporting verb of the next sentence, or of the one before, is not
     * this date's (a line break ends a sentence as a dot does) */
    for (size_t k = t0; k-- > lo;)
        if (ends_sentence(a, k) || a->tok.v[k + 1].newline_before) {
            lo = k + 1;
            break;
        }
    for (size_t k = t1; k < hi; k++)
        if (ends_sentence(a, k) || a->tok.v[k].newline_before) {
            hi = k;
            break;
        }
    for (size_t k = lo; k < hi; k++)
        if (a->ti[k].cover & CUE_REPORT)
            return 1;
    /* "ذكر سكان من المنطقة، الاثنين، أن ...", "X said on Monday that
     * ...": between a reporting verb and its أن / that, a date is the
     * report's. */
    size_t back = t0 > REPORT_REACH ? t0 - REPORT_REACH : 0, verb = SIZE_MAX;
    for (size_t k = t0; k-- > back;) {
        if (a->ti[k].cover & CUE_COMPLEMENT)
            return 0;
        if (ends_sentence(a, k))
            return 0;
        if (a->ti[k].cover & CUE_REPORT) {
            verb = k;
            break;
        }
    }
    if (verb == SIZE_MAX)
        return 0;
    for (size_t k = t1; k < a->tok.n && k < t1 + REPORT_REACH / 3; k++)
        if (a->ti[k].cover & CUE_COMPLEMENT)
            return 1;
    return 0;
}

/* "in the past week" is a date, not "in the past": a history cue whose words
 * are part of a date expression names that period, not the past in general. */
static void date_words_not_history(article *a)
{
    for (size_t i = 0; i < a->tok.n; i++) {
        if (!(a->ti[i].cue & CUE_BACKGROUND))
            continue;
        size_t end = i + a->ti[i].cue_n;
        int dated = 0;
        for (size_t k = i; k < end && k < a->tok.n; k++)
            dated |= a->ti[k].date >= 0;
        for (size_t k = i; dated && k < end && k < a->tok.n; k++)
            a->ti[k].cover &= ~(cue_roles)CUE_BACKGROUND;
    }
}

static int find_dates(article *a)
{
    bm_date_mention *dm = NULL;
    size_t n = 0;
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.published = a->pub;
    o.tokens = &a->tok;
    /* Classified by the caller already (ingest, for the publication date),
     * else here into the thread's reused memory. */
    bm__dates_cls *dc = bm__extract_ws_dates(a->ws);
    if (dc && !bm__dates_cls_holds(dc, &a->tok))
        bm__dates_classify(a->x->d, &a->tok, a->th, dc); /* on failure dc holds nothing */
    int rc = bm__dates_find_cls(a->x->d, a->text, a->len, &o, dc, &dm, &n, a->err);
    bm__dates_cls_forget(dc); /* the tokens may be freed next */
    if (rc != BM_OK)
        return rc;
    if (bm__grow((void **)&a->dm, &a->cap_dm, n ? n : 1, sizeof *a->dm) != BM_OK) {
        free(dm);
        return BM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        size_t t0, t1;
        if (!dm[i].resolved || dm[i].furniture ||
            !token_range(&a->tok, dm[i].start, dm[i].end, &t0, &t1))
            continue;
        dmention *d = &a->dm[a->ndm];
        d->t0 = t0;
        d->t1 = t1;
        d->date = dm[i].date;
        d->prec = dm[i].precision;
        d->background = date_is_background(a, &dm[i], t0, t1);
        d->since = dm[i].is_range_start && dm[i].precision != BM_PREC_YEAR;
        d->report = date_is_report(a, t0, t1);
        for (size_t k = t0; k < t1; k++)
            a->ti[k].date = (int)a->ndm;
        a->ndm++;
    }
    free(dm);
    date_words_not_history(a);
    return BM_OK;
}

/* ---- Sentences and clauses --------------------------------------------- */

static int is_abbreviation(const bm_token *k)
{
    static const char *const ab[] = {"jan",  "feb", "mar", "apr", "jun", "jul", "aug", "sep",
                                     "sept", "oct", "nov", "dec", "mr",  "mrs", "dr",  "gen",
                                     "col",  "lt",  "st",  "no",  "vs",  "u",   "s"};
    if (k->kind != BM_TOK_LATIN)
        return 0;
    /* an initial: N.S.A., U.N., J. Smith */
    if (k->end - k->start == 1)
        return 1;
    for (size_t i = 0; i < sizeof ab / sizeof ab[0]; i++)
        if (strcmp(k->norm, ab[i]) == 0)
            return 1;
    return 0;
}

/* A closing quote or bracket: 'قال إن "...".وأضاف' ends a quoted sentence
 * glued to the next one as firmly as a word does. */
static int closing_mark(const bm_token *k)
{
    static const char *const marks[] = {"\"", ")", "\xC2\xBB" /* » */, "\xE2\x80\x9D" /* ” */, "'"};
    if (k->kind != BM_TOK_PUNCT)
        return 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (!strcmp(k->norm, marks[i]))
            return 1;
    return 0;
}

static int ends_sentence(const article *a, size_t i)
{
    const bm_token *k = &a->tok.v[i];
    if (k->kind != BM_TOK_PUNCT)
        return 0;
    const char *s = k->norm;
    if (!strcmp(s, "!") || !strcmp(s, "?") || !strcmp(s, "\xD8\x9F") /* ؟ */)
        return 1;
    if (strcmp(s, ".") != 0)
        return 0;
    /* 1.5, U.S., Sept. 30: not the end of a sentence. */
    if (i > 0 && is_abbreviation(&a->tok.v[i - 1]) && a->tok.v[i - 1].end == k->start)
        return 0;
    /* "الجنسية العراقية.وقال": pages glue Arabic sentences; Arabic has no
     * dotted abbreviations, so a glued dot between Arabic words ends one. */
    if (i > 0 && i + 1 < a->tok.n && a->tok.v[i + 1].start == k->end &&
        a->tok.v[i - 1].end == k->start &&
        !(a->tok.v[i + 1].kind == BM_TOK_ARABIC &&
          (a->tok.v[i - 1].kind == BM_TOK_ARABIC || closing_mark(&a->tok.v[i - 1]))))
        return 0;
    return 1;
}

static int is_punct(const bm_token *k, const char *p)
{
    return k->kind == BM_TOK_PUNCT && !strcmp(k->norm, p);
}

/* A photo caption: its line credits an agency in brackets or next to a
 * slash ("(AFP)", "REUTERS/Name", "(فرانس برس)"). Page furniture: it tells
 * what a picture shows, not what the article reports. */
static int caption_line(const article *a, size_t t)
{
    size_t l0 = t, l1 = t + 1;
    while (l0 > 0 && !a->tok.v[l0].newline_before)
        l0--;
    while (l1 < a->tok.n && !a->tok.v[l1].newline_before)
        l1++;
    for (size_t k = l0; k < l1; k++) {
        if (!(a->ti[k].cue & CUE_CREDIT))
            continue;
        size_t end = k + (a->ti[k].cue_n ? a->ti[k].cue_n : 1);
        if ((k > l0 && (is_punct(&a->tok.v[k - 1], "(") || is_punct(&a->tok.v[k - 1], "/"))) ||
            (end < l1 && is_punct(&a->tok.v[end], "/")))
            return 1;
    }
    return 0;
}

static int push_sentence(article *a, size_t t0, size_t t1)
{
    if (t1 <= t0)
        return BM_OK;
    if (bm__grow((void **)&a->sv, &a->cap_s, a->ns + 1, sizeof *a->sv) != BM_OK)
        return BM_ENOMEM;
    sentence *s = &a->sv[a->ns++];
    s->t0 = t0;
    s->t1 = t1;
    s->b0 = a->tok.v[t0].start;
    s->b1 = a->tok.v[t1 - 1].end;
    size_t words = 0;
    for (size_t k = t0; k < t1; k++)
        words += is_word(&a->tok.v[k]);
    int line_start = a->tok.v[t0].newline_before || t0 == 0;
    int line_end = t1 >= a->tok.n || a->tok.v[t1].newline_before;
    int punct_end = ends_sentence(a, t1 - 1);
    s->heading =
        (line_start && line_end && !punct_end && words <= HEADING_MAX_WORDS) || caption_line(a, t0);
    return BM_OK;
}

static int split_sentences(article *a)
{
    size_t t0 = 0;
    for (size_t i = 0; i < a->tok.n; i++) {
        if (i > t0 && a->tok.v[i].newline_before) {
            if (push_sentence(a, t0, i) != BM_OK)
                return BM_ENOMEM;
            t0 = i;
        }
        if (ends_sentence(a, i)) {
            if (push_sentence(a, t0, i + 1) != BM_OK)
                return BM_ENOMEM;
            t0 = i + 1;
        }
    }
    return push_sentence(a, t0, a->tok.n);
}

static int is_clause_punct(const bm_token *k)
{
    return k->kind == BM_TOK_PUNCT && (!strcmp(k->norm, ";") || !strcmp(k->norm, "\xD8\x9B"));
}

static int is_comma(const bm_token *k)
{
    return k->kind == BM_TOK_PUNCT && (!strcmp(k->norm, ",") || !strcmp(k->norm, "\xD8\x8C"));
}

/* Whether [t0, t1) holds enough trigger weight of one type to be an event
 * (a reporting verb or "statement" alone frames an event, it is not one). */
static int has_event(const article *a, size_t t0, size_t t1)
{
    double score[BM_N_TYPES] = {0};
    int statement = bm_type_index("statement");
    for (size_t i = t0; i < t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (e && !a->ti[i].negated && e->type != statement &&
            (score[e->type] += e->weight) >= MIN_SCORE)
            return 1;
    }
    return 0;
}

/* "..., and the crossings were closed": a comma, then a trigger joined by و,
 * opens a second event when what precedes is already an event of its own. */
static int coordinated_event(const article *a, size_t t0, size_t i, size_t end)
{
    if (i + 1 >= end || !is_comma(&a->tok.v[i]))
        return 0;
    const bm_token *k = &a->tok.v[i + 1];
    if (k->kind != BM_TOK_ARABIC || strncmp(k->norm, AR_WAW, 2) != 0)
        return 0;
    if (a->ti[i + 1].trig)
        return has_event(a, t0, i);
    /* "the sources said fighters took X, and that the SDF withdrew from Y":
     * "and that" opens a second reported event. */
    return !strcmp(k->norm, AR_WAW_ANNA) && has_event(a, t0, i) && has_event(a, i + 2, end);
}

/* "closed the crossing since yesterday, after 2,500 soldiers entered": منذ
 * / since before a date is a time phrase of the clause's own event, not the
 * start of an earlier event's clause. */
static int opens_date(const article *a, size_t i, size_t end)
{
    for (size_t k = i + 1; k < end && k <= i + 2; k++)
        if (a->ti[k].date >= 0)
            return 1;
    return 0;
}

/* End of the clause that starts at t0 inside sentence s. */
static size_t clause_end(const article *a, const sentence *s, size_t t0)
{
    for (size_t i = t0 + 1; i < s->t1; i++) {
        if (is_clause_punct(&a->tok.v[i]) || coordinated_event(a, t0, i, s->t1))
            return i + 1 < s->t1 ? i + 1 : s->t1;
        if ((a->ti[i].cue & CUE_CLAUSE) && i > s->t0 + 1)
            return i;
        /* "took the crossing after the army withdrew": two events, the
         * second in its own clause, when each part holds one. */
        if ((a->ti[i].cue & CUE_AFTER) && !opens_date(a, i, s->t1) && has_event(a, t0, i) &&
            has_event(a, i + 1, s->t1))
            return i;
    }
    return s->t1;
}

/* Whether trigger i sits in a phrase opened by a cue of `role` at most
 * `window` words before it. The phrase runs from the cue to the next comma or
 * clause break. A purpose phrase ("in order to disrupt its ability to launch
 * attacks") names an aim, not an event: a trigger inside one does not count. */
static int is_statement(int type);

/* The type of trigger i when it is a definite noun (اللقاء، the talks)
 * right before a `topic` verb (تناول، discussed): the event is one already
 * told, and so are words of its type later in the clause. Else -1. */
static int told_topic_type(article *a, const sentence *s, size_t i)
{
    size_t k = i + 1;
    while (k < s->t1 && a->ti[k].in_trig)
        k++;
    /* SVO "اللقاء تناول", or VSO "وناقشت المباحثات" unless a relative
     * clause tells the meeting anew (وناقش الاجتماع الذي عقد في بغداد) */
    int after = k < s->t1 && (a->ti[k].cue & CUE_TOPIC);
    int before = i > s->t0 && (a->ti[i - 1].cue & CUE_TOPIC) &&
                 !(k < s->t1 && (a->ti[k].cue & CUE_RELATIVE));
    if (!after && !before)
        return -1;
    const bm_token *t = &a->tok.v[i];
    int definite = t->kind == BM_TOK_ARABIC ? bm_ar_has_article(t->norm, strlen(t->norm))
                                            : i > s->t0 && !strcmp(a->tok.v[i - 1].norm, "the");
    if (!definite)
        return -1;
    a->ti[i].negated = 1;
    /* "the office said in a statement that the meeting covered ...": the
     * statement reports that meeting, it has no event of its own */
    for (size_t j = s->t0; j < i; j++)
        if (a->ti[j].trig && is_statement(a->ti[j].trig->type))
            a->ti[j].negated = 1;
    return a->ti[i].trig->type;
}

static int in_phrase(const article *a, const sentence *s, size_t i, cue_roles role, size_t window)
{
    size_t lo = i >= s->t0 + window ? i - window : s->t0;
    for (size_t k = i; k-- > lo;) {
        const bm_token *t = &a->tok.v[k];
        if (a->ti[k].cue & role)
            return 1;
        if (is_clause_punct(t) || (a->ti[k].cue & CUE_CLAUSE) || is_comma(t))
            return 0;
    }
    return 0;
}

/* The cue of `role` that opens the phrase token i sits in (as in_phrase),
 * else SIZE_MAX. */
static size_t phrase_cue(const article *a, const sentence *s, size_t i, cue_roles role,
                         size_t window)
{
    size_t lo = i >= s->t0 + window ? i - window : s->t0;
    for (size_t k = i; k-- > lo;) {
        const bm_token *t = &a->tok.v[k];
        if (a->ti[k].cue & role)
            return k;
        if (is_clause_punct(t) || (a->ti[k].cue & CUE_CLAUSE) || is_comma(t))
            return SIZE_MAX;
    }
    return SIZE_MAX;
}

/* "the day after", "a day after": an `after` cue (at k) with a day word
 * next to it dates the earlier event relative to the sentence's. */
static int day_after(const article *a, size_t k)
{
    return (k > 0 && !strcmp(a->tok.v[k - 1].norm, "day")) ||
           (k + 1 < a->tok.n && !strcmp(a->tok.v[k + 1].norm, "day"));
}

/* "The strikes came in response to a drone attack that hit, last Sunday,
 * Tower 22": a cause the text dates (a date of its own after the trigger,
 * before the clause ends or the clause's own event begins, not a report's) is
 * news of its own, not the reason of a retold event. */
static int dated_cause(const article *a, const sentence *s, size_t i)
{
    for (size_t k = i + 1; k < s->t1; k++) {
        const bm_token *t = &a->tok.v[k];
        if (is_clause_punct(t) || (a->ti[k].cue & CUE_CLAUSE))
            return 0;
        /* "in response to X, US warplanes struck ... on 10 March" */
        if (a->ti[k].trig && !in_phrase(a, s, k, CUE_CAUSE | CUE_MEANS, CAUSE_WINDOW))
            return 0;
        if (a->ti[k].date >= 0 && !a->dm[a->ti[k].date].report && !a->dm[a->ti[k].date].background)
            return 1;
    }
    return 0;
}

/* A trigger is cancelled by a negation in the words just before it, or by a
 * purpose clause it sits in. */
static int type_is(int type, const char *name)
{
    return type >= 0 && !strcmp(bm_type_name(type), name);
}

/* Support is fire from the air or from a distance; a takeover after the
 * support phrase ("backed by strikes, retook the town") is the event. */
static int supporting_type(int type)
{
    return type_is(type, "airstrike") || type_is(type, "attack");
}

static int has_comma(const article *a, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (is_comma(&a->tok.v[k]))
            return 1;
    return 0;
}

static int is_determiner(const bm_token *k);

/* "took Ramadi", "take Anbar capital Ramadi", "took the town of X": the
 * object of a take verb (frame take) is a place right after it, or after
 * "the"/"a" and one word. */
static int takes_place(const article *a, size_t i, size_t end)
{
    size_t k = i + 1;
    while (k < end && a->ti[k].in_trig)
        k++;
    if (k < end && a->ti[k].place >= 0)
        return 1;
    if (k >= end || !is_determiner(&a->tok.v[k]))
        return 0;
    for (size_t j = k + 1; j < end && j <= k + 3; j++) {
        if (a->tok.v[j].kind == BM_TOK_PUNCT)
            return 0;
        if (a->ti[j].place >= 0)
            return 1;
    }
    return 0;
}

/* Words before a subject-first counted trigger in which its count may
 * stand ("نحو ألفي عسكري سوري قد عبروا": the count opens the subject). */
#define COUNT_BEFORE 2

/* A count at token k: digits that are no date, a number or vague word of
 * fatalities.tsv. */
static int is_count(const article *a, size_t k)
{
    if (a->ti[k].date >= 0)
        return 0;
    if (a->tok.v[k].kind == BM_TOK_NUMBER)
        return 1;
    const lex_entry *f = a->ti[k].fat;
    return f && (f->fkind == FATAL_NUMBER || f->fkind == FATAL_VAGUE);
}

/* "عبر نحو ألفي عسكري", "دخل 300 جندي": the words of a counted trigger
 * (frame counted) after its verb hold a count; subject-first ("ألفي عسكري
 * سوري قد عبروا") the count stands right before it, in its sentence. */
static int counted(const article *a, size_t i, size_t lo, size_t end)
{
    for (size_t k = i + 1; k < end && a->ti[k].in_trig; k++)
        if (is_count(a, k))
            return 1;
    for (size_t k = i; k-- > lo && k + COUNT_BEFORE >= i;) {
        if (a->tok.v[k].kind == BM_TOK_PUNCT)
            return 0;
        if (is_count(a, k))
            return 1;
    }
    return 0;
}

static int ends_with(const char *w, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && !memcmp(w + len - n, suffix, n);
}

/* An Arabic verb in the present: ي or ت opens it (ينصبها، تشنها), after an
 * optional و or ف; ت-forms that end in ت once a pronoun is off (تبنتها،
 * تعرضت) are the feminine past of forms V and VI. */
static int present_verb(const bm_token *t)
{
    static const char ya[] = "\xD9\x8A", ta[] = "\xD8\xAA", waw[] = "\xD9\x88", fa[] = "\xD9\x81";
    static const char *const pron[] = {"\xD9\x87\xD8\xA7", "\xD9\x87\xD9\x85", "\xD9\x87"};
    if (t->kind != BM_TOK_ARABIC)
        return 0;
    const char *w = t->norm;
    size_t len = t->norm_len;
    if (len >= 8 && (!strncmp(w, waw, 2) || !strncmp(w, fa, 2))) {
        w += 2;
        len -= 2;
    }
    if (len < 6)
        return 0;
    if (!strncmp(w, ya, 2))
        return 1;
    if (strncmp(w, ta, 2) != 0)
        return 0;
    for (size_t k = 0; k < sizeof pron / sizeof pron[0]; k++)
        if (ends_with(w, len, pron[k]) && len - strlen(pron[k]) >= 6) {
            len -= strlen(pron[k]);
            break;
        }
    return !ends_with(w, len, ta);
}

/* "الكمائن التي ينصبها التنظيم", "the attacks the group carries out": an
 * event noun followed by a relative clause in the present tells what
 * happens as a rule, not one dated event. */
static int habitual(const article *a, const sentence *s, size_t i)
{
    /* "المسلحون الذين يشنون هجوما": the event noun is the object of a present
     * verb in a relative clause, what the actor is doing, not one event */
    if (i >= s->t0 + 2 && (a->ti[i - 2].cue & CUE_RELATIVE) && a->ti[i - 2].cue_n == 1 &&
        !a->ti[i - 1].trig && present_verb(&a->tok.v[i - 1]))
        return 1;
    size_t k = i + 1;
    while (k < s->t1 && a->ti[k].in_trig)
        k++;
    return k + 1 < s->t1 && (a->ti[k].cue & CUE_RELATIVE) && a->ti[k].cue_n == 1 &&
           present_verb(&a->tok.v[k + 1]);
}

/* A negation in the four words before a trigger cancels it, unless an
 * `after` cue stands between them that opens a clause of its own: "بقاء
 * القوات لم يعد مبرراً بعد هزيمة التنظيم", "no longer needed after the defeat
 * of IS" deny the main clause, not the earlier event. بعد right after the
 * negated verb is "yet" (لم يصل بعد), no such boundary (wip/ext5-recall). */
static int negated_before(const article *a, const sentence *s, size_t i)
{
    size_t lo = i >= s->t0 + NEG_WINDOW ? i - NEG_WINDOW : s->t0;
    for (size_t k = i; k-- > lo;) {
        if (a->ti[k].cue & CUE_NEGATION)
            return 1;
        if (!(a->ti[k].cover & CUE_AFTER))
            continue;
        int yet = 0;
        for (size_t j = k >= lo + 2 ? k - 2 : lo; j < k; j++)
            if (a->ti[j].cue & CUE_NEGATION)
                yet = 1;
        if (!yet)
            return 0;
    }
    return 0;
}

static void mark_negations(article *a)
{
    for (size_t si = 0; si < a->ns; si++) {
        const sentence *s = &a->sv[si];
        int told = -1; /* type of an event named by an anaphor in this clause */
        for (size_t i = s->t0; i < s->t1; i++) {
            if (is_clause_punct(&a->tok.v[i]) ||
                (a->ti[i].cover & (CUE_CLAUSE | CUE_AFTER | CUE_CAUSE | CUE_MEANS | CUE_BGDATE)))
                told = -1;
            if (!a->ti[i].trig)
                continue;
            /* "هذه التحصينات تتضمن أسوارا وأبراجا", "this attack involved
             * car bombs": words of the same type after an anaphor's event
             * describe it, they are not a new one */
            if (told >= 0 && a->ti[i].trig->type == told)
                a->ti[i].negated = 1;
            if (a->ti[i].trig->frame == FRAME_TAKE && !takes_place(a, i, s->t1))
                a->ti[i].negated = 1;
            if (a->ti[i].trig->frame == FRAME_COUNTED && !counted(a, i, s->t0, s->t1))
                a->ti[i].negated = 1;
            if (negated_before(a, s, i))
                a->ti[i].negated = 1;
            if (in_phrase(a, s, i, CUE_PURPOSE, PURPOSE_WINDOW) || habitual(a, s, i))
                a->ti[i].negated = 1;
            /* "withdrew ... against the backdrop of the tribes' attack",
             * "in response to a rocket attack, the US carried out strikes":
             * the cause is told to explain the clause's own event */
            if (in_phrase(a, s, i, CUE_CAUSE, CAUSE_WINDOW) && !dated_cause(a, s, i))
                a->ti[i].cause = 1;
            else if (in_phrase(a, s, i, CUE_MEANS, CAUSE_WINDOW) && !dated_cause(a, s, i))
                a->ti[i].means = 1;
            /* "backed by US airstrikes", "بدعم من غطاء جوي": help given to
             * the clause's main event, which owns the type */
            for (size_t k = i > s->t0 + SUPPORT_WINDOW ? i - SUPPORT_WINDOW : s->t0; k < i; k++)
                if ((a->ti[k].cue & CUE_SUPPORT) && !has_comma(a, k, i) &&
                    supporting_type(a->ti[i].trig->type))
                    a->ti[i].support = 1;
            /* "اللقاء تناول", "the talks covered": what a meeting already
             * told was about, not a new meeting */
            int topic = told_topic_type(a, s, i);
            if (topic >= 0)
                told = topic;
            /* "هذا الهجوم", "this attack": an event already told */
            if (i > s->t0 && (a->ti[i - 1].cue & CUE_ANAPHOR)) {
                a->ti[i].negated = 1;
                told = a->ti[i].trig->type;
            }
            /* "according to a statement": the source of the news, not news. */
            for (size_t k = i > s->t0 + SOURCE_WINDOW ? i - SOURCE_WINDOW : s->t0; k < i; k++)
                if (a->ti[k].cue & CUE_SOURCE)
                    a->ti[i].negated = 1;
        }
    }
}

/* Places inside an undated reason phrase (على خلفية، in response to) belong
 * to the cause, told to explain the clause's own event. A means or a
 * concession (عبر منفذ القائم، despite) keeps its places: the crossing a
 * transfer went through is the event's. */
static void mark_cause_places(article *a)
{
    size_t i = 0;
    for (size_t si = 0; si < a->ns; si++) {
        const sentence *s = &a->sv[si];
        for (; i < a->npm && a->pm[i].t0 < s->t1; i++) {
            pmention *m = &a->pm[i];
            if (m->t0 >= s->t0 && in_phrase(a, s, m->t0, CUE_REASON, CAUSE_WINDOW) &&
                !dated_cause(a, s, m->t0))
                m->cause = 1;
        }
    }
}

/* ---- People: "the Iraqi prime minister, Mohammed Shia al-Sudani" ------- */

static int is_particle(const char *w)
{
    static const char *const p[] = {"al", "el", "ad", "ar", "as", "ash", "at", "az", "bin", "ibn"};
    /* each is two or three letters and starts with a, e, b or i: nearly
     * every word is turned away here, before ten string compares */
    if (!w[0] || !w[1] || (w[2] && w[3]) || !strchr("aebi", w[0]))
        return 0;
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (!strcmp(w, p[i]))
            return 1;
    return 0;
}

static int name_token(const article *a, size_t k)
{
    const bm_token *t = &a->tok.v[k];
    const tokinfo *ti = &a->ti[k];
    if (ti->trig || ti->in_trig || ti->cover || ti->dem || ti->place >= 0 || ti->date >= 0)
        return 0;
    if (t->kind == BM_TOK_ARABIC)
        return 1;
    if (t->kind != BM_TOK_LATIN)
        return 0;
    return isupper((unsigned char)a->text[t->start]) || is_particle(t->norm);
}

static void learn_person(article *a, size_t i)
{
    size_t k = i + 1, end = a->tok.n;
    if (k < end && a->tok.v[k].kind == BM_TOK_PUNCT &&
        (!strcmp(a->tok.v[k].norm, ",") || !strcmp(a->tok.v[k].norm, "\xD8\x8C")))
        k++;
    while (k < end && (a->ti[k].cue & CUE_TITLE))
        k += a->ti[k].cue_n ? a->ti[k].cue_n : 1;
    const char *last = NULL;
    for (int got = 0; k < end && got < 4; k++) {
        const bm_token *t = &a->tok.v[k];
        if (t->kind == BM_TOK_PUNCT && k > 0 && t->start == a->tok.v[k - 1].end &&
            t->norm[0] == '-')
            continue; /* al-Sudani */
        if (!name_token(a, k))
            break;
        if (!is_particle(t->norm))
            last = t->norm;
        got++;
    }
    if (!last || bm__grow((void **)&a->pv, &a->cap_p, a->np + 1, sizeof *a->pv) != BM_OK)
        return;
    a->pv[a->np].surname = last;
    a->pv[a->np].dem = a->ti[i].dem;
    a->np++;
}

static void learn_people(article *a)
{
    for (size_t i = 0; i < a->tok.n; i++)
        if (a->ti[i].dem)
            learn_person(a, i);
}

/* The nationality of a person named by token k (with ال or a proclitic). */
static const lex_entry *person_at(const article *a, size_t k)
{
    const bm_token *t = &a->tok.v[k];
    const char *w = t->norm;
    size_t p1 = t->kind == BM_TOK_ARABIC ? bm_ar_proclitic_len(w, t->norm_len, 1) : 0;
    for (size_t i = a->np; i-- > 0;) {
        const char *s = a->pv[i].surname;
        if (!strcmp(s, w) || (p1 && !strcmp(s, w + p1)))
            return a->pv[i].dem;
        /* للسوداني: لل read as ال */
        if (p1 && bm_ar_has_article(s, strlen(s)) && !strncmp(w, "\xD9\x84\xD9\x84", 4) &&
            !strcmp(s + 4, w + 4))
            return a->pv[i].dem;
    }
    return NULL;
}

/* A nationality within `span` words from k on (titles skipped). */
static const lex_entry *nation_after(const article *a, size_t k, size_t limit, size_t span)
{
    for (size_t n = 0; k < limit && n < span; k++, n++) {
        if (a->ti[k].dem)
            return a->ti[k].dem;
        const lex_entry *p = person_at(a, k);
        if (p)
            return p;
    }
    return NULL;
}

static const lex_entry *nation_before(const article *a, size_t k, size_t lo, size_t span)
{
    for (size_t n = 0; k > lo && n < span; n++) {
        k--;
        if (a->ti[k].dem)
            return a->ti[k].dem;
        const lex_entry *p = person_at(a, k);
        if (p)
            return p;
    }
    return NULL;
}

/* ---- Attaching a place -------------------------------------------------- */

typedef struct clause_ref {
    const sentence *s;
    size_t t0, t1; /* the clause */
    size_t anchor; /* token of the deciding trigger */
    int type;
    lex_frame frame;
    size_t report_at; /* a reporting trigger before the anchor, or SIZE_MAX */
} clause_ref;

static size_t tok_dist(size_t a, size_t b)
{
    return a > b ? a - b : b - a;
}

/* "A comment from Damascus or Tehran", "a response from Baghdad": a place
 * after "from" that follows a `speaker` word (within three words) names the
 * government that speaks, not where anything happened. A place joined to it
 * by one word ("or Tehran") speaks too. */
/* Token t opens its line, or follows only a date stamp there ("date
 * 2024-12-09 Baghdad: ..."; one more word, such as "date", may stand). */
static int line_opening(const article *a, size_t t)
{
    size_t words = 0;
    if (t == 0 || a->tok.v[t].newline_before)
        return 1;
    for (size_t k = t; k-- > 0;) {
        const bm_token *w = &a->tok.v[k];
        if (a->ti[k].date < 0 && (w->kind == BM_TOK_ARABIC || w->kind == BM_TOK_LATIN) &&
            ++words > 1)
            return 0;
        if (a->tok.v[k].newline_before)
            break;
    }
    return 1;
}

static int dateline_mark(const bm_token *k)
{
    static const char *const marks[] = {"-", ":", "(", "/", "\xE2\x80\x93", "\xE2\x80\x94"};
    if (k->kind != BM_TOK_PUNCT || k->newline_before)
        return 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (!strcmp(k->norm, marks[i]))
            return 1;
    return 0;
}

/* A place opening a line and followed by "-", ":", "(", "/" or a dash,
 * maybe after ", Country" ("BEIRUT, Lebanon –"): a dateline. */
static int dateline(const article *a, const pmention *m)
{
    if (!line_opening(a, m->t0))
        return 0;
    if (m->t1 >= a->tok.n)
        return 0;
    if (dateline_mark(&a->tok.v[m->t1]))
        return 1;
    if (!is_comma(&a->tok.v[m->t1]))
        return 0;
    int next = m->t1 + 1 < a->tok.n ? a->ti[m->t1 + 1].place : -1;
    return next >= 0 && a->pm[next].t0 == m->t1 + 1 && a->pm[next].t1 < a->tok.n &&
           dateline_mark(&a->tok.v[a->pm[next].t1]);
}

/* How far a country or city must lie from every other place of the article
 * to be an actor (US-led, a UN office in Geneva), not where events were. */
#define FAR_ACTOR_KM 1500.0

/* "US airstrikes", "a spokesman in Geneva": a place far from all the
 * article's other places is who acted or spoke, when the article's events
 * happen elsewhere. */
static int far_from_article(const article *a, const pmention *m)
{
    int others = 0;
    for (size_t j = 0; j < a->npm; j++) {
        const bm_gplace *q = a->pm[j].place;
        if (q == m->place || q->specificity <= 1)
            continue;
        others = 1;
        if (bm_distance_km(q->pt, m->place->pt) <= FAR_ACTOR_KM)
            return 0;
    }
    return others;
}

/* "(380 كلم غرب بغداد)", "120 km west of Mosul": a reference point for a
 * distance, not a place of the event. */
static int distance_reference(const article *a, const pmention *m)
{
    size_t lo = m->t0 >= DISTANCE_WINDOW ? m->t0 - DISTANCE_WINDOW : 0;
    for (size_t k = lo; k < m->t0; k++)
        if (a->ti[k].cue & CUE_DISTANCE)
            return 1;
    return 0;
}

/* Whether token k is the capital's name with no proclitic (بغداد, not
 * ببغداد "in Baghdad"): only a bare name can be a verb's subject. */
static int bare_name(const article *a, const pmention *m)
{
    if (m->t1 != m->t0 + 1 || a->tok.v[m->t0].kind != BM_TOK_ARABIC || !m->place->name_ar)
        return 0;
    char *n = bm_normalize(m->place->name_ar, strlen(m->place->name_ar));
    int same = n && !strcmp(n, a->tok.v[m->t0].norm);
    free(n);
    return same;
}

/* "ونفذت بغداد غارات", "Damascus launched an offensive": a capital as the
 * subject of a verb of doing (a `doer` cue) is its government acting, not
 * the place of the act. Arabic puts the subject after the verb, English
 * before it (an auxiliary may sit between). */
static int capital_acting(const article *a, const pmention *m)
{
    if (!bm__lexicon_is_capital(a->x->lx, m->place))
        return 0;
    if (m->t0 >= 1 && (a->ti[m->t0 - 1].cover & CUE_DOER) && bare_name(a, m))
        return 1;
    if (a->tok.v[m->t0].kind != BM_TOK_LATIN)
        return 0;
    size_t k = m->t1;
    if (k < a->tok.n && (!strcmp(a->tok.v[k].norm, "has") || !strcmp(a->tok.v[k].norm, "had")))
        k++;
    return k < a->tok.n && (a->ti[k].cover & CUE_DOER);
}

static void mark_speakers(article *a)
{
    for (size_t i = 0; i < a->npm; i++) {
        pmention *m = &a->pm[i];
        if (i > 0 && a->pm[i - 1].speaker && m->t0 <= a->pm[i - 1].t1 + 1) {
            m->speaker = 1;
            continue;
        }
        /* "بغداد - وكالات:", "DAMASCUS (AFP) -": a dateline tells where the
         * report was filed, not where its events were */
        if (dateline(a, m) || distance_reference(a, m) || far_from_article(a, m)) {
            m->speaker = 1;
            continue;
        }
        if (capital_acting(a, m)) {
            m->speaker = 1;
            continue;
        }
        /* "accused Damascus of backing the fighters": a government blamed */
        if (m->t0 >= 1 && (a->ti[m->t0 - 1].cover & CUE_ACCUSE)) {
            m->speaker = 1;
            continue;
        }
        if (m->t0 < 2 || !(a->ti[m->t0 - 1].cover & CUE_SPAN_FROM))
            continue;
        size_t lo = m->t0 >= 5 ? m->t0 - 5 : 0;
        for (size_t k = lo; k < m->t0 - 1 && !m->speaker; k++)
            m->speaker = (a->ti[k].cover & CUE_SPEAKER) != 0;
    }
}

/* The most specific place with tokens in [t0, t1) (after `after` when it is
 * not SIZE_MAX); ties go to the one nearest the anchor. */
/* "between Damascus and the Iraqi border", بين دمشق والحدود: a place right
 * after "between" and before "and" locates another place (the crossroads,
 * the town the sentence is about). */
static int between_reference(const article *a, const pmention *m)
{
    if (m->t0 == 0 || m->t1 >= a->tok.n || !(a->ti[m->t0 - 1].cover & CUE_SPAN_FROM))
        return 0;
    const bm_token *next = &a->tok.v[m->t1];
    return !strcmp(next->norm, "and") ||
           (next->kind == BM_TOK_ARABIC && !strncmp(next->norm, AR_WAW, strlen(AR_WAW)) &&
            next->norm_len > strlen(AR_WAW));
}

/* Of two places as specific, the one that does not locate another ("In
 * Palmyra, at a crossroads between Damascus and the border, IS executed
 * ...": Damascus only locates Palmyra), else the nearer to the anchor. */
static int better_tie(const article *a, size_t i, size_t best, size_t anchor)
{
    int ri = between_reference(a, &a->pm[i]), rb = between_reference(a, &a->pm[best]);
    if (ri != rb)
        return rb;
    return tok_dist(a->pm[i].t0, anchor) < tok_dist(a->pm[best].t0, anchor);
}

static int best_place(const article *a, size_t t0, size_t t1, size_t anchor, size_t after)
{
    int best = -1;
    for (size_t i = pm_from(a, t0); i < a->npm && a->pm[i].t0 < t1; i++) {
        const pmention *m = &a->pm[i];
        if (m->t1 > t1 || m->speaker || (after != SIZE_MAX && m->t0 <= after))
            continue;
        /* "arrested over their comments on the events of the coast": the
         * cause's place is not where the clause's own event was */
        if (m->cause && !a->ti[anchor].cause)
            continue;
        if (best < 0)
            best = (int)i;
        else {
            const pmention *b = &a->pm[best];
            int sm = m->place->specificity, sb = b->place->specificity;
            if (sm > sb || (sm == sb && better_tie(a, i, (size_t)best, anchor)))
                best = (int)i;
        }
    }
    return best;
}

static int is_determiner(const bm_token *k)
{
    return !strcmp(k->norm, "the") || !strcmp(k->norm, "a");
}

/* "from Rabia to al-Walid", "between Syria and Iraq": the event lies along a
 * line; on a border event that line is the frontier. */
/* The token of a "to" cue right before mention q (after `end`), allowing a
 * determiner or one kind word between ("to the al-Walid crossing", "to the
 * base of al-Omar field"); SIZE_MAX when there is none. */
static size_t span_to_before(const article *a, const pmention *q, size_t end)
{
    for (size_t k = q->t0; k-- > end && k + 3 > q->t0;)
        if (a->ti[k].cover & CUE_SPAN_TO)
            return k;
    return SIZE_MAX;
}

/* "from X to Y" starting at mention i: 1 with *dest the index of Y when a
 * "to" links them, 1 with *dest -1 for "between X and Y", else 0. Places
 * coordinated with X ("from al-Hasakah and Raqqa to ...") belong to X. */
static int span_from_mention(const article *a, size_t i, size_t t1, int *dest)
{
    const pmention *p = &a->pm[i];
    size_t end = p->t1;
    int between = 0;
    for (size_t j = pm_from(a, p->t1); j < a->npm && a->pm[j].t0 <= end + SPAN_MAX_GAP + 1; j++) {
        const pmention *q = &a->pm[j];
        if (q->t1 > t1 || q->place == p->place)
            continue;
        int far = bm_distance_km(p->place->pt, q->place->pt) > SPAN_MIN_KM;
        if (q->t0 == end) {
            between |= far;
            end = q->t1;
            continue;
        }
        size_t to = q->t0 <= end + SPAN_MAX_GAP + 2 ? span_to_before(a, q, end) : SIZE_MAX;
        if (to == SIZE_MAX || !far)
            continue;
        /* A plain "to" names where a movement ends; "as far as" and "all the
         * way to" keep the line. */
        *dest = (a->ti[to].cover & CUE_STRETCH) ? -1 : (int)j;
        return 1;
    }
    return between;
}

/* The first "from X to Y" (or "between X and Y") of [t0, t1): 1 with *dest
 * as span_from_mention gives it and *origin the index of X, else 0. */
static int span_with_origin(const article *a, size_t t0, size_t t1, int *origin, int *dest)
{
    *dest = -1;
    for (size_t i = pm_from(a, t0 + 1); i < a->npm && a->pm[i].t0 < t1; i++) {
        const pmention *p = &a->pm[i];
        if (p->t1 > t1 || !(a->ti[p->t0 - 1].cover & CUE_SPAN_FROM))
            continue;
        if (span_from_mention(a, i, t1, dest)) {
            *origin = (int)i;
            return 1;
        }
    }
    return 0;
}

/* The span of [t0, t1) opens on a country (بين سوريا والعراق). */
static int span_of_countries(const article *a, size_t t0, size_t t1)
{
    for (size_t i = pm_from(a, t0 + 1); i < a->npm && a->pm[i].t0 < t1; i++) {
        const pmention *p = &a->pm[i];
        int d;
        if (p->t1 > t1 || !(a->ti[p->t0 - 1].cover & CUE_SPAN_FROM))
            continue;
        if (span_from_mention(a, i, t1, &d))
            return !strcmp(p->place->kind, "country");
    }
    return 0;
}

static int has_cue(const article *a, size_t t0, size_t t1, cue_roles role)
{
    for (size_t k = t0; k < t1; k++)
        if (a->ti[k].cover & role)
            return 1;
    return 0;
}

/* Types that happen on a frontier when the text names no place. */
static int border_type(int type)
{
    const char *n = bm_type_name(type);
    return !strcmp(n, "smuggling") || !strcmp(n, "infiltration") || !strcmp(n, "fortification") ||
           !strcmp(n, "deployment") || !strcmp(n, "crossing");
}

/* Events that travel: people or goods moving from one place to another. */
static int movement_type(int type)
{
    const char *n = bm_type_name(type);
    return !strcmp(n, "deployment") || !strcmp(n, "infiltration") || !strcmp(n, "crossing") ||
           !strcmp(n, "repatriation") || !strcmp(n, "smuggling");
}

static int talk_type(int type)
{
    const char *n = bm_type_name(type);
    return !strcmp(n, "diplomacy") || !strcmp(n, "statement");
}

/* Iraq and Syria both evoked in the sentence (by name or nationality). */
static int evokes_both_sides(const article *a, const sentence *s)
{
    const bm_gplace *bp = bm__lexicon_border_place(a->x->lx);
    int iq = 0, sy = 0;
    for (size_t k = s->t0; k < s->t1; k++) {
        const bm_gplace *p = a->ti[k].dem          ? a->ti[k].dem->country
                             : a->ti[k].place >= 0 ? a->pm[a->ti[k].place].place
                                                   : NULL;
        if (!p || p == bp)
            continue;
        iq |= !strcmp(p->country, "IQ");
        sy |= !strcmp(p->country, "SY");
    }
    return iq && sy;
}

/* The country most named by nationality words in the sentence. */
static const bm_gplace *nation_majority(const article *a, const sentence *s)
{
    enum { MAX_NATIONS = 16 };
    const bm_gplace *seen[MAX_NATIONS];
    int count[MAX_NATIONS];
    size_t ns = 0;
    for (size_t k = s->t0; k < s->t1; k++) {
        if (!a->ti[k].dem)
            continue;
        const bm_gplace *c = a->ti[k].dem->country;
        size_t j = 0;
        while (j < ns && seen[j] != c)
            j++;
        if (j == ns) {
            if (ns == MAX_NATIONS)
                continue;
            seen[ns] = c;
            count[ns++] = 0;
        }
        count[j]++;
    }
    /* The most named; on a tie the first named. */
    const bm_gplace *best = NULL;
    int best_n = 0;
    for (size_t j = 0; j < ns; j++)
        if (count[j] > best_n) {
            best = seen[j];
            best_n = count[j];
        }
    return best;
}

/* Where a call or message was received: the receiver's capital. */
static const bm_gplace *receiver_capital(const article *a, const clause_ref *c)
{
    const sentence *s = c->s;
    for (size_t k = s->t0; k < s->t1; k++) {
        if (!(a->ti[k].cue & CUE_RECEIVER))
            continue;
        size_t after = k + (a->ti[k].cue_n ? a->ti[k].cue_n : 1);
        const lex_entry *d =
            a->english ? nation_before(a, k, s->t0, 4) : nation_after(a, after, s->t1, 4);
        if (!d)
            d = a->english ? nation_after(a, after, s->t1, 4) : nation_before(a, k, s->t0, 3);
        if (d && d->capital)
            return d->capital;
    }
    for (size_t k = c->anchor + 1; k < c->t1; k++) {
        if (!(a->ti[k].cover & CUE_RECIPIENT))
            continue;
        const lex_entry *d = nation_after(a, k + 1, c->t1, 5);
        if (d && d->capital)
            return d->capital;
    }
    return NULL;
}

typedef struct placed {
    const bm_gplace *place;
    bm_attach from;
    int near;
} placed;

static int inside(const bm_gplace *p, const bm_gplace *q);

static int frame_place(const article *a, const clause_ref *c, placed *out)
{
    int i = -1;
    switch (c->frame) {
    case FRAME_VISIT:
        if ((i = best_place(a, c->t0, c->t1, c->anchor, c->anchor)) < 0)
            i = best_place(a, c->anchor, c->s->t1, c->anchor, c->anchor);
        break;
    case FRAME_COMM:
        out->place = receiver_capital(a, c);
        out->from = BM_ATTACH_FRAME;
        return out->place != NULL;
    case FRAME_HOST:
        if ((i = best_place(a, c->t0, c->t1, c->anchor, SIZE_MAX)) >= 0)
            break;
        {
            const lex_entry *d = nation_after(a, c->anchor + 1, c->t1, 3);
            out->place = d ? d->capital : NULL;
            out->from = BM_ATTACH_FRAME;
            return out->place != NULL;
        }
    default: return 0;
    }
    if (i < 0)
        return 0;
    out->place = a->pm[i].place;
    out->near = a->pm[i].near;
    out->from = BM_ATTACH_FRAME;
    return 1;
}

/* Border events, and statements about the border situation. */
static int border_event(int type)
{
    return border_type(type) || !strcmp(bm_type_name(type), "statement");
}

/* Reinforcements sent "to the border strip" or "to al-Qaim": the
 * destination after "to" is where the deployment is. */
/* How many tokens after a border destination a town still qualifies it. */
#define TOWN_AFTER_BORDER 3

/* "to the border near Rabia": a town named right after a border
 * destination is finer than the line. */
static int town_in_phrase(const article *a, const clause_ref *c, const pmention *m)
{
    if (m->place->specificity >= 6)
        return 0;
    for (size_t k = m->t1; k < c->t1 && k <= m->t1 + TOWN_AFTER_BORDER; k++) {
        if (is_comma(&a->tok.v[k]))
            return 0;
        int pl = a->ti[k].place;
        if (pl >= 0 && a->pm[pl].t0 == k && a->pm[pl].place->specificity >= 6)
            return 1;
    }
    return 0;
}

static int destination(const article *a, const clause_ref *c, const bm_gplace *border, placed *out)
{
    if (strcmp(bm_type_name(c->type), "deployment") != 0)
        return 0;
    for (size_t k = c->anchor + 1; k + 1 < c->t1; k++) {
        if (!(a->ti[k].cover & CUE_SPAN_TO))
            continue;
        /* "as far as al-Walid" ends a stretch, it is not where troops went. */
        if (a->ti[k].cover & CUE_STRETCH) {
            if (!border || !has_cue(a, c->t0, c->t1, CUE_BORDER) || !evokes_both_sides(a, c->s))
                return 0;
            out->place = border;
            out->from = BM_ATTACH_BORDER;
            return 1;
        }
        size_t next = k + (a->ti[k].cue_n ? a->ti[k].cue_n : 1);
        if (next < c->t1 && is_determiner(&a->tok.v[next]))
            next++;
        if (next >= c->t1)
            return 0;
        int pl = a->ti[next].place;
        /* "إلى الشريط الحدودي مع سوريا": one plain noun may stand between
         * the preposition and the place phrase. */
        if (pl < 0 && next + 1 < c->t1 && a->tok.v[next].kind != BM_TOK_PUNCT)
            pl = a->ti[next + 1].place;
        if (pl >= 0 && a->pm[pl].t0 <= next + 1 && a->pm[pl].place->specificity > 1 &&
            !town_in_phrase(a, c, &a->pm[pl])) {
            out->place = a->pm[pl].place;
            out->near = a->pm[pl].near;
            out->from = BM_ATTACH_FRAME;
            return 1;
        }
        /* "to the border near Rabia": the named town is finer than the line. */
        int town = best_place(a, c->t0, c->t1, c->anchor, SIZE_MAX);
        if (town >= 0 && a->pm[town].place->specificity >= 6)
            return 0;
        if (border && (a->ti[next].cover & CUE_BORDER) && evokes_both_sides(a, c->s)) {
            out->place = border;
            out->from = BM_ATTACH_BORDER;
            return 1;
        }
        return 0;
    }
    return 0;
}

/* A repatriation is placed at the camp people leave. When a later mention
 * names only where a batch arrived ("reached al-Jadaa"), the origin is the
 * one the article's earlier repatriation left from. */
static int repatriation_origin(const article *a, const clause_ref *c, const pmention *m,
                               placed *out)
{
    if (strcmp(bm_type_name(c->type), "repatriation") != 0 || m->t0 == 0 ||
        !(a->ti[m->t0 - 1].cover & CUE_SPAN_TO))
        return 0;
    for (size_t k = a->out->n; k-- > 0;) {
        const bm_extracted *prev = &a->out->v[k];
        if (strcmp(prev->inc.type, "repatriation") != 0 || prev->place == m->place)
            continue;
        out->place = prev->place;
        out->from = BM_ATTACH_INHERITED;
        return 1;
    }
    return 0;
}

/* "from Rabia to the al-Walid crossing": an end of a line is no venue. */
static int line_end(const article *a, const pmention *m)
{
    for (size_t k = m->t0; k-- > 0 && k + 3 > m->t0;)
        if (a->ti[k].cover & (CUE_SPAN_FROM | CUE_SPAN_TO | CUE_STRETCH))
            return 1;
    return 0;
}

/* A town or finer place named in [t0, t1) that is no end of a line. */
static int town_off_line(const article *a, size_t t0, size_t t1)
{
    for (size_t i = pm_from(a, t0); i < a->npm && a->pm[i].t0 < t1; i++)
        if (a->pm[i].t1 <= t1 && !a->pm[i].speaker && a->pm[i].place->specificity >= 6 &&
            !line_end(a, &a->pm[i]))
            return 1;
    return 0;
}

/* How many words may stand between a border and the area after it. */
#define SIDE_GAP 4

/* "securing the Iraqi-Syrian border on the Nineveh province side", "سواتر على
 * الحدود السورية العراقية من جهة محافظة نينوى": an area coarser than a town named
 * as the side of a border tells which stretch of the border; the event is on
 * the border. i is the index of the place chosen. */
static int border_side(const article *a, size_t i, const bm_gplace *border)
{
    const pmention *m = &a->pm[i];
    if (!border || i == 0 || m->place->specificity >= 6 || a->pm[i - 1].place != border)
        return 0;
    size_t b = a->pm[i - 1].t1;
    if (b > m->t0 || m->t0 - b > SIDE_GAP)
        return 0;
    int side = 0;
    for (size_t k = b; k < m->t0; k++) {
        if (a->tok.v[k].kind == BM_TOK_PUNCT)
            return 0;
        side |= (a->ti[k].cover & CUE_SIDE) != 0;
    }
    return side;
}

static int place_by_rules(const article *a, const clause_ref *c, placed *out)
{
    memset(out, 0, sizeof *out);
    if (frame_place(a, c, out))
        return 1;
    const sentence *s = c->s;
    const bm_gplace *border = bm__lexicon_border_place(a->x->lx);
    int dest = -1, origin = -1;
    int span = !talk_type(c->type) && span_with_origin(a, c->t0, c->t1, &origin, &dest);
    /* "Reinforcements coming from al-Hasakah to the al-Omar base": a
     * movement along a route is where it arrives. A transfer of people
     * ("families moved from al-Hol camp to al-Jadaa") is coded where they
     * leave, never at the destination (the codebook; wip/ext4-transfer). */
    if (span && dest >= 0 && movement_type(c->type) &&
        !has_cue(a, c->t0, c->t1, CUE_STRETCH | CUE_BORDER)) {
        int at = type_is(c->type, "repatriation") ? origin : dest;
        out->place = a->pm[at].place;
        out->near = a->pm[at].near;
        out->from = BM_ATTACH_FRAME;
        return 1;
    }
    /* "the al-Qaim crossing between Syria and Iraq": a span of two countries
     * says where the crossing is, and the crossing is finer than the line.
     * "ISIS stormed the border town of Albukamal, to move freely between Iraq
     * and Syria": a town named outside the line is where the event was. */
    int ci = span && span_of_countries(a, c->t0, c->t1)
                 ? best_place(a, c->t0, c->t1, c->anchor, SIZE_MAX)
                 : -1;
    if (border && span && (border_type(c->type) || has_cue(a, s->t0, s->t1, CUE_BORDER)) &&
        !(ci >= 0 && !strcmp(a->pm[ci].place->kind, "crossing")) &&
        !town_off_line(a, c->t0, c->t1)) {
        out->place = border;
        out->from = BM_ATTACH_BORDER;
        return 1;
    }
    if (destination(a, c, border, out))
        return 1;
    int i = best_place(a, c->t0, c->t1, c->anchor, SIZE_MAX);
    out->from = BM_ATTACH_CLAUSE;
    if (i < 0) {
        i = best_place(a, s->t0, s->t1, c->anchor, SIZE_MAX);
        out->from = BM_ATTACH_SENTENCE;
    }
    /* "Iraq built a wall along the Syrian border": on a border event the
     * frontier is finer than a country. */
    if (i >= 0 && border && border_event(c->type) && a->pm[i].place->specificity <= 1 &&
        has_cue(a, c->t0, c->t1, CUE_BORDER) && evokes_both_sides(a, s)) {
        out->place = border;
        out->from = BM_ATTACH_BORDER;
        return 1;
    }
    if (i >= 0 && out->from == BM_ATTACH_CLAUSE && border_side(a, (size_t)i, border)) {
        out->place = border;
        return 1;
    }
    if (i >= 0 && repatriation_origin(a, c, &a->pm[i], out))
        return 1;
    if (i >= 0) {
        out->place = a->pm[i].place;
        out->near = a->pm[i].near;
        return 1;
    }
    if (border && border_type(c->type) &&
        (has_cue(a, s->t0, s->t1, CUE_BORDER) || evokes_both_sides(a, s))) {
        out->place = border;
        out->from = BM_ATTACH_BORDER;
        return 1;
    }
    /* "a drone struck trucks parked on the Syrian side of the border", said
     * an Iraqi official: any event its own clause puts on the border, with no
     * place named, is on the frontier (the codebook's rule), not in the
     * country of the nationality words */
    if (border && !talk_type(c->type) && has_cue(a, c->t0, c->t1, CUE_BORDER) &&
        evokes_both_sides(a, s)) {
        out->place = border;
        out->from = BM_ATTACH_BORDER;
        return 1;
    }
    if ((out->place = nation_majority(a, s))) {
        out->from = BM_ATTACH_NATION;
        /* "the Syrian Observatory said warplanes struck IS hideouts" after a
         * sentence about Al-Bukamal: the town in that country is finer. */
        if (a->ctx_place && a->ctx_place->specificity >= 6 && inside(a->ctx_place, out->place)) {
            out->place = a->ctx_place;
            out->from = BM_ATTACH_INHERITED;
        }
        return 1;
    }
    if ((out->place = a->ctx_place)) {
        out->from = BM_ATTACH_INHERITED;
        return 1;
    }
    return 0;
}

/* A named crossing in [t0, t1) (not a speaking government), -1 when none. */
static int named_crossing(const article *a, size_t t0, size_t t1)
{
    for (size_t i = pm_from(a, t0); i < a->npm && a->pm[i].t0 < t1; i++)
        if (a->pm[i].t1 <= t1 && !a->pm[i].speaker && !strcmp(a->pm[i].place->kind, "crossing") &&
            !line_end(a, &a->pm[i]))
            return (int)i;
    return -1;
}

/* "closed the al-Qaim crossing between Iraq and Syria", "came to the border
 * ... let in via the Qaim crossing": the line is where an event goes only
 * when no nearer place is named, and a named crossing lies on it. */
static int choose_place(const article *a, const clause_ref *c, placed *out)
{
    if (!place_by_rules(a, c, out))
        return 0;
    if (out->from != BM_ATTACH_BORDER)
        return 1;
    int i = named_crossing(a, c->t0, c->t1);
    bm_attach from = BM_ATTACH_CLAUSE;
    if (i < 0 && movement_type(c->type)) {
        i = named_crossing(a, c->s->t0, c->s->t1);
        from = BM_ATTACH_SENTENCE;
    }
    if (i >= 0) {
        out->place = a->pm[i].place;
        out->near = a->pm[i].near;
        out->from = from;
    }
    return 1;
}

/* ---- Attaching a date --------------------------------------------------- */

typedef struct dated {
    bm_date date;
    bm_precision prec;
    bm_attach from;
    int report;
    int background; /* only history dates in the clause: not an event */
    int present;    /* undated, told in the present tense: going on now */
    int day_before; /* a day before the sentence's date ("a day after") */
} dated;

/* Nearest usable date in [t0, t1); report dates only when nothing else. */
static int best_date(const article *a, size_t t0, size_t t1, size_t anchor, size_t report_at,
                     int *bg_only)
{
    int best = -1, seen_bg = 0;
    size_t best_cost = SIZE_MAX;
    for (size_t i = dm_from(a, t0); i < a->ndm && a->dm[i].t0 < t1; i++) {
        const dmention *d = &a->dm[i];
        if (d->t1 > t1)
            continue;
        if (d->background) {
            seen_bg = 1;
            continue;
        }
        size_t cost = tok_dist(d->t0, anchor) + (d->report ? 1000 : 0);
        /* Between the announcing verb and the event: the announcement's day. */
        if (report_at != SIZE_MAX && d->t0 > report_at && d->t1 <= anchor)
            cost += 500;
        /* A date after publication is a deadline or a plan ("an agreement
         * to end the mission by September 2025"), the clause's event only
         * when the clause has no other date (a summit scheduled for May). */
        if (a->pub && bm_date_cmp(d->date, *a->pub) > 0)
            cost += FUTURE_DATE_COST;
        if (cost < best_cost) {
            best_cost = cost;
            best = (int)i;
        }
    }
    if (bg_only)
        *bg_only = best < 0 && seen_bg;
    return best;
}

/* How many words a present-tense verb may stand before the trigger it
 * conjugates ("faces a major offensive", "are moving towards"). */
#define PRESENT_SPAN 3

/* "The group faces a major offensive in Manbij", "troops who are moving
 * towards the town": an English present tense right before the trigger
 * tells an event going on as the article is written, so an undated one is
 * the publication's, not the last date an earlier sentence gave. */
static int present_tense(const article *a, const clause_ref *c)
{
    size_t stop = c->anchor > c->t0 + PRESENT_SPAN ? c->anchor - PRESENT_SPAN : c->t0;
    for (size_t k = c->anchor; k-- > stop;) {
        if (a->tok.v[k].kind == BM_TOK_PUNCT)
            return 0;
        if (a->ti[k].cover & CUE_PRESENT)
            return a->tok.v[k].kind == BM_TOK_LATIN;
    }
    return 0;
}

/* "The raid ended at dawn, a day after Kurdish-led units spread through
 * the village": the event after a `day_after` cue happened the day
 * before the date of the sentence's frame. The cue between the clause's
 * start and its trigger, or SIZE_MAX. */
static size_t day_after_cue(const article *a, const clause_ref *c)
{
    for (size_t k = c->t0; k < c->anchor; k++)
        if (a->ti[k].cue & CUE_DAY_AFTER)
            return k;
    return SIZE_MAX;
}

/* Moves a day-precise date one day back when the event follows a
 * `day_after` cue and the date was not told after the cue itself. */
static void day_before(const article *a, const clause_ref *c, int mention, dated *out)
{
    size_t q = day_after_cue(a, c);
    if (q == SIZE_MAX || out->prec != BM_PREC_DAY || (mention >= 0 && a->dm[mention].t0 > q))
        return;
    out->date = bm_date_add_days(out->date, -1);
    out->day_before = 1;
}

static int choose_date(const article *a, const clause_ref *c, dated *out)
{
    memset(out, 0, sizeof *out);
    int bg = 0;
    int i = best_date(a, c->t0, c->t1, c->anchor, c->report_at, &bg);
    out->from = BM_ATTACH_CLAUSE;
    if (bg) {
        out->background = 1;
        return 0;
    }
    if (i < 0) {
        /* "declared an alert on its border, after ISIS retook the towns on
         * 29 October": the clause after بعد / after is the earlier event,
         * and its date is that event's, not the main one's (a report's date
         * there, "..., an official said Monday", still dates the report) */
        size_t end = c->t1 < c->s->t1 && (a->ti[c->t1].cue & CUE_AFTER) ? c->t1 : c->s->t1;
        i = best_date(a, c->s->t0, end, c->anchor, c->report_at, NULL);
        if (i < 0 && end < c->s->t1) {
            i = best_date(a, end, c->s->t1, c->anchor, c->report_at, NULL);
            if (i >= 0 && !a->dm[i].report)
                i = -1;
        }
        out->from = BM_ATTACH_SENTENCE;
    }
    if (i >= 0) {
        out->date = a->dm[i].date;
        out->prec = a->dm[i].prec;
        out->report = a->dm[i].report;
        day_before(a, c, i, out);
        return 1;
    }
    out->present = a->pub && present_tense(a, c);
    if (a->has_ctx_date && !out->present) {
        out->date = a->ctx_date;
        out->prec = a->ctx_prec;
        out->from = BM_ATTACH_INHERITED;
        day_before(a, c, -1, out);
        return 1;
    }
    if (a->pub) {
        out->date = *a->pub;
        out->prec = BM_PREC_DAY;
        out->from = BM_ATTACH_PUBLISHED;
        day_before(a, c, -1, out);
        return 1;
    }
    return 0;
}

/* ---- Scoring a clause --------------------------------------------------- */

static int is_statement(int type)
{
    return type >= 0 && !strcmp(bm_type_name(type), "statement");
}

/* "The ministry said in a statement that two infiltrators were arrested":
 * the announcement is the frame, the reported event owns the type. A
 * statement is an incident only when the clause reports no event of its own. */
static int reported_event(const double *score, int best)
{
    if (!is_statement(best))
        return best;
    int event = -1;
    for (int t = 0; t < BM_N_TYPES; t++)
        if (!is_statement(t) && score[t] >= MIN_SCORE && (event < 0 || score[t] > score[event]))
            event = t;
    return event >= 0 ? event : best;
}

/* Tokens after an arrest or ambush word in which "them" (عليهم، لهم) is
 * its object: "كمين محكم لهم", "القبض عليهم". */
#define THEM_SPAN 3

/* An arrest or an ambush whose targets are people crossing illegally is the
 * interdiction of that crossing: infiltration, as the incident types define
 * it, not a security operation or an armed group's attack. */
static int interdiction(const article *a, const clause_ref *c, const double *score, int best)
{
    if (!type_is(best, "security_op") && !type_is(best, "attack"))
        return best;
    int inf = bm_type_index("infiltration");
    if (inf < 0)
        return best;
    if (score[inf] >= MIN_SCORE)
        return inf;
    /* "Three infiltrators were caught. An ambush was laid for them and they
     * were arrested": an arrest or ambush aimed at "them" right after an
     * infiltration is its interdiction, told in more detail. */
    if (a->out->n == 0 || strcmp(a->out->v[a->out->n - 1].inc.type, "infiltration") != 0)
        return best;
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (!e || a->ti[i].negated || e->type != best || e->weight < MIN_SCORE)
            continue;
        for (size_t k = i + 1; k < c->t1 && k <= i + THEM_SPAN; k++)
            if (a->ti[k].cover & CUE_THEM)
                return inf;
    }
    return best;
}

/* How much weight of minor smuggling words (goods, drugs, pills, a seizure:
 * not the smugglers themselves, whose arrest is a security operation) makes
 * an arrest a seizure. */
#define SEIZURE_TOPIC 0.4

/* "Intelligence units arrested two men dealing in drugs, with 23,000 pills on
 * them": an arrest of people holding contraband is its seizure, which the
 * codebook types smuggling, not a security operation. */
static int seizure(double goods, int best)
{
    if (!type_is(best, "security_op") || goods < SEIZURE_TOPIC)
        return best;
    int smg = bm_type_index("smuggling");
    return smg >= 0 ? smg : best;
}

/* The first statement trigger before the anchor: the verb that frames the
 * event ("announced today the arrest ..."), whose time adverb dates the
 * announcement rather than the event. */
static size_t report_frame(const article *a, const clause_ref *c)
{
    if (is_statement(c->type))
        return SIZE_MAX;
    for (size_t i = c->t0; i < c->anchor; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (e && !a->ti[i].negated && is_statement(e->type))
            return i;
    }
    return SIZE_MAX;
}

/* The weight of an air means (warplanes, طيران حربي) that makes the act
 * words of its clause an airstrike. */
#define AIR_MEANS 0.8

/* "قصف طيران حربي موقعا", "warplanes struck hideouts": an act word says that
 * something was hit, the means says how. When the clause names aircraft and
 * no ground means (rockets, mortars, a bomb), its act words are the
 * airstrike's: ACLED codes by the means. */
static void by_means(const article *a, const clause_ref *c, double *score, double *maxw,
                     size_t *anchor)
{
    int air = bm_type_index("airstrike"), atk = bm_type_index("attack");
    if (air < 0 || atk < 0)
        return;
    /* "The area was the target of 22 air strikes. The director said the town
     * was bombarded": a bare act word goes on the means the article's last
     * event named. */
    int air_before = a->out->n > 0 && !strcmp(a->out->v[a->out->n - 1].inc.type, "airstrike");
    if (score[air] < AIR_MEANS && !air_before)
        return;
    double act = 0, means = 0;
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (!e || a->ti[i].negated || e->type != atk)
            continue;
        if (e->frame == FRAME_ACT)
            act += e->weight;
        else if (e->weight >= MIN_SCORE)
            means += e->weight;
    }
    if (act <= 0 || means > 0)
        return;
    score[atk] -= act;
    score[air] += act;
    /* with no air word in the clause, the act word anchors the airstrike */
    if (maxw[air] <= 0)
        anchor[air] = anchor[atk];
    if (maxw[air] < MIN_SCORE)
        maxw[air] = MIN_SCORE;
}

/* Tokens after a generic attack word in which its target is looked for:
 * "هجوما متزامنا على أربعة مواقع للجيش", "attacked army positions near". */
#define TARGET_SPAN 6

/* "The attack on Abu Kamal drew some 300 rebels", "بدء الهجوم
 * على بلدة ذيبان": a bare assault (no means in its clause) on a town or city
 * is a battle for it, the codebook's clash (ACLED: Battles). The target is
 * the town named right after "on" (a town noun may stand between). */
static int assault_on_town(const article *a, const clause_ref *c, size_t anchor)
{
    for (size_t k = anchor + 1; k < c->t1 && k <= anchor + 2; k++) {
        if (!(a->ti[k].cue & CUE_TARGET))
            continue;
        for (size_t j = k + 1; j < c->t1 && j <= k + 2; j++) {
            if (a->ti[j].place < 0)
                continue;
            const pmention *m = &a->pm[a->ti[j].place];
            return m->t0 == j && !m->near && m->place->specificity >= 6 &&
                   m->place->specificity <= 7;
        }
    }
    return 0;
}

/* "Tribal fighters attacked three military posts of the SDF": an armed
 * group's assault on armed forces' positions is armed fighting between
 * organised forces, a clash in the codebook (ACLED: Battles); shelling,
 * rockets, bombs or drones (any attack word that is not a bare assault)
 * keep it an attack, and so does an attack on a checkpoint or a prison. */
static int assault_on_forces(const article *a, const clause_ref *c, int best, size_t anchor)
{
    int clash = bm_type_index("clash");
    if (!type_is(best, "attack") || clash < 0)
        return best;
    const lex_entry *at = a->ti[anchor].trig;
    if (!at || at->frame != FRAME_ASSAULT)
        return best;
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (e && !a->ti[i].negated && e->type == best && e->weight >= MIN_SCORE &&
            e->frame != FRAME_ASSAULT)
            return best;
    }
    for (size_t i = anchor + 1; i < c->t1 && i <= anchor + TARGET_SPAN; i++)
        if (a->ti[i].cover & CUE_FORCES)
            return clash;
    return assault_on_town(a, c, anchor) ? clash : best;
}

/* The weight of each type in a clause, the heaviest trigger of each, its
 * anchor and the weight of minor smuggling words. A trigger in an undated
 * cause phrase ("withdrew against the backdrop of the attack", "in response
 * to a rocket attack, the US carried out strikes") explains the clause's
 * event, told before or background: it does not count. One in a means phrase
 * (عبر إقامة السواتر) counts only when `means` is set. */
static double add_triggers(const article *a, const clause_ref *c, double *score, double *maxw,
                           size_t *anchor, int means, int *skipped)
{
    double goods = 0;
    int smg = bm_type_index("smuggling");
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (!e || a->ti[i].negated || a->ti[i].cause)
            continue;
        if (a->ti[i].means && !means) {
            *skipped = 1;
            continue;
        }
        if (e->type == smg && e->weight < MIN_SCORE)
            goods += e->weight;
        score[e->type] += a->ti[i].support ? e->weight * SUPPORT_FACTOR : e->weight;
        /* The anchor is the first full trigger: in verb-first Arabic that is
         * the event's verb, whose adverbs carry its date; later nouns often sit
         * in relative clauses about other events. */
        if (e->weight > maxw[e->type] && (maxw[e->type] < MIN_SCORE || e->weight < MIN_SCORE))
            anchor[e->type] = i;
        if (e->weight > maxw[e->type])
            maxw[e->type] = e->weight;
    }
    return goods;
}

/* The heaviest type of the clause's scores, or -1. */
static int best_type(const double *score, const double *maxw)
{
    int best = -1;
    for (int t = 0; t < BM_N_TYPES; t++)
        if (score[t] > 0 && (best < 0 || score[t] > score[best] ||
                             (score[t] == score[best] && maxw[t] > maxw[best])))
            best = t;
    return best;
}

/* Whether type `best` makes an event: MIN_SCORE with an action word ("three
 * crossings link Syria and Iraq: the Rabia crossing, ...": names of things and
 * people add up, but without an action word there is no event). */
static int makes_event(const double *score, const double *maxw, int best)
{
    return best >= 0 && score[best] >= MIN_SCORE && maxw[best] >= ACTION_WEIGHT;
}

static int score_clause(const article *a, clause_ref *c, double *score_out)
{
    double score[BM_N_TYPES] = {0}, maxw[BM_N_TYPES] = {0};
    size_t anchor[BM_N_TYPES] = {0};
    int skipped = 0;
    double goods = add_triggers(a, c, score, maxw, anchor, 0, &skipped);
    by_means(a, c, score, maxw, anchor);
    int best = best_type(score, maxw);
    /* "the PMF is securing the border by building berms and trenches": a
     * means alone in its clause is the event told */
    if (skipped && !makes_event(score, maxw, best)) {
        memset(score, 0, sizeof score);
        memset(maxw, 0, sizeof maxw);
        goods = add_triggers(a, c, score, maxw, anchor, 1, &skipped);
        by_means(a, c, score, maxw, anchor);
        best = best_type(score, maxw);
    }
    if (!makes_event(score, maxw, best))
        return 0;
    best = reported_event(score, best);
    int interdicted = interdiction(a, c, score, best);
    /* an interdiction told with "them" has no infiltration word: the arrest
     * or ambush anchors it */
    if (maxw[interdicted] <= 0)
        anchor[interdicted] = anchor[best];
    best = seizure(goods, interdicted);
    c->anchor = anchor[best];
    *score_out = score[best];
    /* an assault typed clash keeps its attack word as anchor and score */
    c->type = assault_on_forces(a, c, best, c->anchor);
    c->frame = a->ti[c->anchor].trig->frame;
    c->report_at = report_frame(a, c);
    return 1;
}

/* The article's first sentence that is not a heading. */
static int is_lede(const article *a, const sentence *s)
{
    for (const sentence *p = a->sv; p < s; p++)
        if (!p->heading)
            return 0;
    return 1;
}

/* "الانسحاب المرتقب", "الزيارة المزمعة": Arabic puts the adjective after its
 * noun, so an expectation word right after the trigger makes it a plan. */
static int future_adjective(const article *a, const clause_ref *c)
{
    if (a->english)
        return 0;
    size_t k = c->anchor + 1;
    while (k < c->t1 && a->ti[k].in_trig)
        k++;
    /* only a definite adjective agreeing with its noun: "مقتل طالب" is the
     * killing of a student, not a demand */
    return k < c->t1 && (a->ti[k].cue & CUE_FUTURE) && a->ti[k].cue_n == 1 &&
           !strncmp(a->tok.v[k].norm, AR_AL, strlen(AR_AL));
}

/* Whether a `future` cue governs the clause's anchor. A plan or a demand
 * reaches up to a comma that opens a coordinated verb ("طالب بالنفير العام،
 * وأعلن بدء الهجوم", "demanded a general call-up, and announced the
 * attack"): what that verb tells is not demanded. */
static int future_before(const article *a, const clause_ref *c)
{
    size_t from = c->t0;
    for (size_t k = c->anchor; k-- > c->t0 + 1;) {
        if (!is_comma(&a->tok.v[k - 1]))
            continue;
        const bm_token *w = &a->tok.v[k];
        size_t verb = !strcmp(w->norm, "and") ? k + 1 : k;
        int joined =
            verb > k || (w->kind == BM_TOK_ARABIC && !strncmp(w->norm, AR_WAW, strlen(AR_WAW)));
        if (joined && verb <= c->anchor && a->ti[verb].trig) {
            from = k;
            break;
        }
    }
    return has_cue(a, from, c->anchor, CUE_FUTURE);
}

/* Plans, speculation, opinion and history are not events. */
static int is_hypothetical(const article *a, const clause_ref *c, const dated *d)
{
    /* a report's date ("said Monday") does not date the event */
    int dated_here = d->from == BM_ATTACH_CLAUSE && !d->report;
    /* "seized by IS in 2014": an event dated only to a year is background
     * (the codebook puts on the map what is dated to the month at least). */
    if (d->prec == BM_PREC_YEAR)
        return 1;
    if (has_cue(a, c->s->t0, c->s->t1, CUE_OPINION) && !(dated_here && d->prec <= BM_PREC_MONTH))
        return 1;
    if (has_cue(a, c->t0, c->t1, CUE_BACKGROUND) && !(dated_here && d->prec == BM_PREC_DAY))
        return 1;
    /* "After the fall of Assad, ... and the foreign minister visited Iraq":
     * a sentence set in a period named by a known event, not by a date, tells
     * background (its clauses that state a day are news); the lede tells the
     * news, so there the period is the news's own ("right after the regime
     * fell, Iraq massed troops on the border") */
    if (has_cue(a, c->s->t0, c->s->t1, CUE_EPOCH) && !(dated_here && d->prec == BM_PREC_DAY) &&
        !is_lede(a, c->s))
        return 1;
    /* "زيارات سرية لمسؤولين إلى دمشق": an event noun in the plural, as the
     * clause's anchor, sums up many visits or meetings over a period, not one
     * event, unless the clause gives them a day */
    if ((a->ti[c->anchor].cue & CUE_PATTERN) && !(dated_here && d->prec == BM_PREC_DAY))
        return 1;
    if (future_before(a, c) || future_adjective(a, c)) {
        int scheduled = has_cue(a, c->t0, c->t1, CUE_SCHEDULED) || dated_here;
        if (strcmp(bm_type_name(c->type), "diplomacy") != 0 || !scheduled)
            return 1;
    }
    /* A future date is a plan, unless it is a scheduled meeting or summit. */
    if (a->pub && bm_date_cmp(d->date, *a->pub) > 0 &&
        strcmp(bm_type_name(c->type), "diplomacy") != 0)
        return 1;
    return 0;
}

/* ---- Fatalities ---------------------------------------------------------- */

static int violent_type(int type)
{
    const char *n = bm_type_name(type);
    return !strcmp(n, "clash") || !strcmp(n, "attack") || !strcmp(n, "airstrike") ||
           !strcmp(n, "security_op");
}

/* The count a token states (digits or a number word), else -1. */
static int count_at(const article *a, size_t k)
{
    const bm_token *t = &a->tok.v[k];
    if (a->ti[k].date >= 0)
        return -1;
    if (t->kind == BM_TOK_NUMBER) {
        long v = strtol(t->norm, NULL, 10);
        return v > 0 && v < 1900 ? (int)v : -1;
    }
    const lex_entry *f = a->ti[k].fat;
    if (f && (f->fkind == FATAL_NUMBER || f->fkind == FATAL_VAGUE))
        return f->value;
    return -1;
}

static int injury_between(const article *a, size_t x, size_t y)
{
    size_t lo = x < y ? x : y, hi = x < y ? y : x;
    for (size_t k = lo + 1; k < hi; k++)
        if (a->ti[k].fat && a->ti[k].fat->fkind == FATAL_INJURY)
            return 1;
    return 0;
}

static int fatalities(const article *a, const clause_ref *c)
{
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *f = a->ti[i].fat;
        if (!f || f->fkind != FATAL_DEATH)
            continue;
        if (f->value > 0)
            return f->value;
        for (size_t d = 1; d <= FATAL_WINDOW; d++) {
            if (i + d < c->t1 && !injury_between(a, i, i + d)) {
                int v = count_at(a, i + d);
                if (v > 0)
                    return v;
            }
            if (i >= c->t0 + d && !injury_between(a, i - d, i)) {
                int v = count_at(a, i - d);
                if (v > 0)
                    return v;
            }
        }
    }
    return -1;
}

/* ---- Assembling an incident ---------------------------------------------- */

static int geo_precision(const placed *p)
{
    if (p->from == BM_ATTACH_BORDER || p->from == BM_ATTACH_NATION)
        return 3;
    int s = p->place->specificity;
    if (s >= 6)
        return p->near ? 2 : 1;
    return s >= 4 ? 2 : 3;
}

static const char *attach_name(bm_attach a)
{
    switch (a) {
    case BM_ATTACH_CLAUSE: return "clause";
    case BM_ATTACH_SENTENCE: return "sentence";
    case BM_ATTACH_FRAME: return "frame";
    case BM_ATTACH_BORDER: return "border";
    case BM_ATTACH_INHERITED: return "inherited";
    case BM_ATTACH_NATION: return "nationality";
    case BM_ATTACH_PUBLISHED: return "published";
    default: return "none";
    }
}

static double confidence(double score, const dated *d, const placed *p)
{
    double c = 0.55 + 0.15 * (score < 2.5 ? score : 2.5);
    static const double date_f[] = {0, 1.0, 0.95, 1.0, 1.0, 0.8, 0.8, 0.7};
    static const double place_f[] = {0, 1.0, 0.9, 0.95, 0.8, 0.75, 0.7, 0.7};
    c *= date_f[d->from] * place_f[p->from];
    if (d->report)
        c *= 0.9;
    if (d->prec == BM_PREC_YEAR)
        c *= 0.85;
    return c < 0.05 ? 0.05 : c > 0.99 ? 0.99 : c;
}

/* Copies at most cap-1 bytes of s, never cutting a UTF-8 character. */
static void copy_utf8(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* "clash in Hama: <the sentence, whitespace collapsed>". */
static void write_summary(const article *a, const sentence *s, int type, const bm_gplace *p,
                          char *buf, size_t cap)
{
    char label[24];
    snprintf(label, sizeof label, "%s", bm_type_name(type));
    for (char *q = label; *q; q++)
        if (*q == '_')
            *q = ' ';
    int n = snprintf(buf, cap, "%s in %s: ", label, p->name_en);
    if (n < 0 || (size_t)n >= cap)
        return;
    size_t o = (size_t)n, room = cap - o;
    char *tmp = malloc(s->b1 - s->b0 + 1);
    if (!tmp)
        return;
    size_t m = 0;
    int space = 0;
    for (size_t i = s->b0; i < s->b1; i++) {
        char ch = a->text[i];
        if (ch == '\n' || ch == '\r' || ch == '\t' || ch == ' ') {
            space = m > 0;
            continue;
        }
        if (space)
            tmp[m++] = ' ';
        space = 0;
        tmp[m++] = ch;
    }
    copy_utf8(buf + o, room, tmp, m);
    free(tmp);
}

static int emit(article *a, const clause_ref *c, double score, const dated *d, const placed *p)
{
    if (bm__grow((void **)&a->out->v, &a->cap_out, a->out->n + 1, sizeof *a->out->v) != BM_OK)
        return BM_ENOMEM;
    if (bm__grow((void **)&a->flags, &a->cap_flags, a->out->n + 1, 1) != BM_OK)
        return BM_ENOMEM;
    a->flags[a->out->n] = (a->ti[c->anchor].trig->weight < MIN_SCORE ? OUT_WEAK : 0) |
                          (d->report ? OUT_REPORT_DATED : 0);
    bm_extracted *x = &a->out->v[a->out->n++];
    memset(x, 0, sizeof *x);
    bm_incident *inc = &x->inc;
    bm_incident_init(inc);
    inc->date_start = d->date;
    inc->date_precision = d->prec;
    inc->date_end = bm_date_span_end(d->date, d->prec);
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name(c->type));
    snprintf(inc->place_id, sizeof inc->place_id, "%s", p->place->id);
    inc->pt = p->place->pt;
    inc->geo_precision = geo_precision(p);
    inc->confidence = confidence(score, d, p);
    inc->fatalities = violent_type(c->type) ? fatalities(a, c) : -1;
    const lex_entry *t = a->ti[c->anchor].trig;
    char reasons[512];
    snprintf(reasons, sizeof reasons, "trigger=%s score=%.1f; date=%s%s; place=%s%s", t->term,
             score, attach_name(d->from), d->report ? "(report)" : "", attach_name(p->from),
             p->near ? "(near)" : "");
    copy_utf8(inc->reasons, sizeof inc->reasons, reasons, strlen(reasons));
    write_summary(a, c->s, c->type, p->place, inc->summary, sizeof inc->summary);
    x->place = p->place;
    x->sent_start = c->s->b0;
    x->sent_end = c->s->b1;
    x->trig_start = a->tok.v[c->anchor].start;
    x->trig_end = a->tok.v[c->anchor].end;
    x->date_from = d->from;
    x->place_from = p->from;
    return BM_OK;
}

/* Fighting and one-sided violence are often the same event told twice
 * ("clashes broke out ... the SDF said it repelled the attack"). */
static int same_family(const char *x, const char *y)
{
    if (!strcmp(x, y))
        return 1;
    int gx = !strcmp(x, "clash") || !strcmp(x, "attack");
    int gy = !strcmp(y, "clash") || !strcmp(y, "attack");
    return gx && gy;
}

/* "On Saturday the spokesman said the strikes on al-Qaim violated ...": an
 * event inside a later announcement, at a place where the article already
 * reported that event, is the same event retold, not a new one. */
static int retold(const article *a, const clause_ref *c, const dated *d, const placed *p)
{
    if (c->report_at == SIZE_MAX)
        return 0;
    const char *type = bm_type_name(c->type);
    for (size_t i = a->out->n; i-- > 0;) {
        const bm_extracted *prev = &a->out->v[i];
        if (!strcmp(prev->inc.type, type) && bm_date_cmp(prev->inc.date_start, d->date) < 0 &&
            (prev->place == p->place ||
             bm_distance_km(prev->inc.pt, p->place->pt) <= SAME_PLACE_KM))
            return 1;
    }
    return 0;
}

/* Whether the sentence names capital p only bare, with no locative word
 * before it ("understandings between Baghdad and Washington", "which
 * Baghdad denied"): then it names the government, not a place where the
 * event happened ("في بغداد", "ببغداد", "in Baghdad" would). */
static int government_only(const article *a, const clause_ref *c, const bm_gplace *p)
{
    if (!bm__lexicon_is_capital(a->x->lx, p))
        return 0;
    for (size_t i = pm_from(a, c->s->t0); i < a->npm && a->pm[i].t0 < c->s->t1; i++) {
        const pmention *m = &a->pm[i];
        if (m->place != p)
            continue;
        if (m->t0 == 0)
            return 0;
        const char *prev = a->tok.v[m->t0 - 1].norm;
        int english = a->tok.v[m->t0].kind == BM_TOK_LATIN;
        if (english ? (!strcmp(prev, "in") || !strcmp(prev, "at") || !strcmp(prev, "near") ||
                       !strcmp(prev, "on") || !strcmp(prev, "into") || !strcmp(prev, "to"))
                    : (!bare_name(a, m) || !strcmp(prev, AR_FI) || !strcmp(prev, AR_ILA)))
            return 0;
    }
    return 1;
}

/* "The mayor said the crossing was ready to reopen. He added that the border
 * strip with Syria was fully secured": what a speaker says about another
 * place is another statement (the codebook's one row per event and place),
 * though told undated after the first: its clause names the place, neither
 * place holds the other. It keeps the first statement's date. */
static int statement_elsewhere(const clause_ref *c, const placed *p, const bm_gplace *prev)
{
    return is_statement(c->type) && p->from == BM_ATTACH_CLAUSE && p->place != prev &&
           !inside(p->place, prev) && !inside(prev, p->place);
}

/* "IS attacked Rutba and seized several districts ... The jihadists executed
 * five people while they held the districts": a one-sided act told by its
 * own word (an execution, a bombing; not a bare attack word, which may name
 * the fighting) with its own dead is not the battle retold, nor an attack
 * told at another place. */
static int distinct_act(const article *a, const clause_ref *c, const placed *p,
                        const bm_extracted *prev)
{
    const lex_entry *t = a->ti[c->anchor].trig;
    if (strcmp(bm_type_name(c->type), "attack") != 0 || t->frame == FRAME_ASSAULT ||
        t->weight < MIN_SCORE || fatalities(a, c) <= 0)
        return 0;
    if (strcmp(prev->inc.type, "attack") != 0)
        return 1;
    return prev->place != p->place && !inside(p->place, prev->place) &&
           !inside(prev->place, p->place) &&
           bm_distance_km(prev->inc.pt, p->place->pt) > SAME_PLACE_KM;
}

/* An undated mention of a type the article already reported ("the
 * celebrations", "the visit", "repelled the attack" after clashes) is that
 * same event: it takes the event's date, and only a named town or point adds
 * anything to it. 1 = drop it. */
static int back_reference(const article *a, const clause_ref *c, dated *d, const placed *p)
{
    if (retold(a, c, d, p))
        return 1;
    if (d->from != BM_ATTACH_INHERITED && d->from != BM_ATTACH_PUBLISHED)
        return 0;
    const char *type = bm_type_name(c->type);
    for (size_t i = a->out->n; i-- > 0;) {
        const bm_incident *prev = &a->out->v[i].inc;
        if (!same_family(prev->type, type))
            continue;
        if (distinct_act(a, c, p, &a->out->v[i]))
            continue;
        if (statement_elsewhere(c, p, a->out->v[i].place)) {
            d->date = prev->date_start;
            d->prec = prev->date_precision;
            return 0;
        }
        /* a town or a point, or a named mountain (Mount Sinjar): a place
         * of its own, not the coarser area of the event told before */
        int named = (p->from == BM_ATTACH_CLAUSE || p->from == BM_ATTACH_SENTENCE) &&
                    (p->place->specificity >= 6 || !strcmp(p->place->kind, "mountain")) &&
                    !government_only(a, c, p->place);
        if (!named)
            return 1;
        if (d->present || d->day_before)
            return 0; /* going on now, or the day before: a new event */
        d->date = prev->date_start;
        d->prec = prev->date_precision;
        return 0;
    }
    return 0;
}

/* Two settlements, each its own place on a map (a town and a village a few
 * kilometres apart are listed apart by the text). */
static int distinct_towns(const bm_gplace *p, const bm_gplace *q)
{
    return p != q && p->specificity >= 6 && p->specificity <= 8 && q->specificity >= 6 &&
           q->specificity <= 8 && bm_distance_km(p->pt, q->pt) > 1.0;
}

/* How many words may stand between a place and the "in" that locates it
 * ("قاعدة عين الأسد الجوية في ناحية البغدادي"). */
#define LOCATOR_GAP 3

static int locates_previous(const article *a, const pmention *prev, const pmention *m)
{
    if (prev->t1 > m->t0 || m->t0 - prev->t1 > LOCATOR_GAP ||
        prev->place->specificity <= m->place->specificity)
        return 0;
    int in = 0;
    for (size_t k = prev->t1; k < m->t0; k++) {
        const bm_token *t = &a->tok.v[k];
        if (t->kind == BM_TOK_PUNCT)
            return 0;
        in |= !strcmp(t->norm, AR_FI) || !strcmp(t->norm, "in");
    }
    return in;
}

/* "al-Ashara, between al-Mayadin and Albukamal", "the Damascus-Baghdad
 * highway", "Akashat, close to Rutba": places that locate another place or
 * name a road are no event places of their own. */
static int reference_point(const article *a, size_t i)
{
    const pmention *m = &a->pm[i];
    for (size_t k = m->t0; k-- > 0 && k + 3 > m->t0;) {
        if (is_comma(&a->tok.v[k]) || a->ti[k].place >= 0)
            break;
        if (a->ti[k].cover & (CUE_NEAR | CUE_SPAN_FROM))
            return 1;
    }
    /* "Ain al-Asad air base in al-Baghdadi subdistrict": a place right
     * after "in" that follows a finer place locates it */
    if (i > 0 && locates_previous(a, &a->pm[i - 1], m))
        return 1;
    /* "between X and Y": Y follows X after one conjunction */
    if (i > 0 && a->pm[i - 1].t1 + 1 >= m->t0 && a->pm[i - 1].t0 > 0 &&
        (a->ti[a->pm[i - 1].t0 - 1].cover & CUE_SPAN_FROM))
        return 1;
    const bm_token *prev = m->t0 > 0 ? &a->tok.v[m->t0 - 1] : NULL;
    const bm_token *next = m->t1 < a->tok.n ? &a->tok.v[m->t1] : NULL;
    if (prev && is_punct(prev, "-") && i > 0 && a->pm[i - 1].t1 + 1 == m->t0 &&
        prev->start == a->tok.v[m->t0 - 2].end)
        return 1;
    return next && is_punct(next, "-") && i + 1 < a->npm && a->pm[i + 1].t0 == m->t1 + 1 &&
           next->end == a->tok.v[m->t1 + 1].start;
}

/* "strikes near al-Qaim and around Abu Kamal and al-Mayadin": one event per
 * town the clause names alongside the chosen one (ACLED codes each
 * location). Reference points ("east of X") are not event places. */
/* "conducted airstrikes in Iraq and Syria": an event the clause puts in two
 * countries (or governorates: "watchtowers in Anbar and Nineveh") joined by a
 * conjunction is one row per place, as it is per town. Only a place of the
 * chosen one's kind named right after it (one word between them at most,
 * never a clause break) counts: a country elsewhere in the clause is an
 * actor or a reference. */
static int emit_place_pair(article *a, const clause_ref *c, double score, const dated *d,
                           const placed *p)
{
    size_t first = pm_from(a, c->t0);
    for (size_t i = first; i + 1 < a->npm && a->pm[i + 1].t1 <= c->t1; i++) {
        const pmention *m = &a->pm[i], *n = &a->pm[i + 1];
        if (m->place != p->place || n->place == p->place ||
            strcmp(n->place->kind, p->place->kind) != 0 || n->t0 > m->t1 + 1 ||
            (n->t0 == m->t1 + 1 && a->tok.v[m->t1].kind == BM_TOK_PUNCT))
            continue;
        placed q = {n->place, BM_ATTACH_CLAUSE, 0};
        return emit(a, c, score, d, &q);
    }
    return BM_OK;
}

/* "a wall near Sinjar and al-Baaj", "جدار في قضاء سنجار وناحية البعاج": two
 * settlements joined by and (at most one word between them, the و or "and"
 * with a district word) are one row each, whichever of them the clause chose
 * (codebook: an event at two named places is two rows; wip/ext5-recall). */
static int emit_settlement_pair(article *a, const clause_ref *c, double score, const dated *d,
                                const placed *p)
{
    /* not a meeting's parties ("Baghdad and Washington announced"), the
     * towns people fled from (other) or a transfer's ends (repatriation) */
    static const char *const kinds[] = {"fortification", "deployment", "crossing",
                                        "infiltration",  "smuggling",  "security_op"};
    int kind_ok = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        kind_ok |= type_is(c->type, kinds[k]);
    if (!kind_ok || !is_town_kind(p->place->kind))
        return BM_OK;
    size_t first = pm_from(a, c->t0);
    for (size_t i = first; i + 1 < a->npm && a->pm[i + 1].t1 <= c->t1; i++) {
        const pmention *m = &a->pm[i], *n = &a->pm[i + 1];
        if ((m->place != p->place) == (n->place != p->place) || n->t0 > m->t1 + 1 || n->t0 < m->t1)
            continue;
        const bm_token *j = n->t0 == m->t1 ? &a->tok.v[n->t0] : &a->tok.v[m->t1];
        if (strcmp(j->norm, "and") != 0 && strncmp(j->norm, AR_WAW, strlen(AR_WAW)) != 0)
            continue;
        const bm_gplace *other = m->place == p->place ? n->place : m->place;
        if (!is_town_kind(other->kind))
            continue;
        placed q = {other, BM_ATTACH_CLAUSE, 0};
        return emit(a, c, score, d, &q);
    }
    return BM_OK;
}

/* "seized two crossings on the border with Turkey and the crossing of
 * Albukamal": a border that locates no named place (none ends right before
 * it) is where the event was on that side, a place of its own among the
 * clause's towns; "Albukamal, on the border with Iraq" only locates the town. */
static int own_border(const article *a, size_t i)
{
    const pmention *m = &a->pm[i];
    if (strcmp(m->place->kind, "other") != 0 || !strstr(m->place->id, "border"))
        return 0;
    return i == 0 || a->pm[i - 1].t1 + LOCATOR_GAP < m->t0;
}

static int emit_siblings(article *a, const clause_ref *c, double score, const dated *d,
                         const placed *p)
{
    if (!strcmp(p->place->kind, "country"))
        return emit_place_pair(a, c, score, d, p);
    if (p->place->specificity < 6)
        return BM_OK;
    const bm_gplace *done[16];
    size_t nd = 0;
    done[nd++] = p->place;
    /* The chosen place's side of the trigger: before it stand the actors
     * ("Washington said ..."), after it the targets, or the other way round. */
    int after = 0;
    size_t first = pm_from(a, c->t0);
    for (size_t i = first; i < a->npm && a->pm[i].t0 < c->t1; i++)
        if (a->pm[i].place == p->place && a->pm[i].t1 <= c->t1)
            after = a->pm[i].t0 > c->anchor;
    for (size_t i = first; i < a->npm && a->pm[i].t0 < c->t1 && nd < 16; i++) {
        const pmention *m = &a->pm[i];
        if (m->t1 > c->t1 || (m->place->specificity < 6 && !own_border(a, i)) || m->near ||
            (m->t0 > c->anchor) != after || reference_point(a, i))
            continue;
        size_t k = 0;
        while (k < nd &&
               (done[k] != m->place && (bm_distance_km(done[k]->pt, m->place->pt) > SAME_PLACE_KM ||
                                        distinct_towns(done[k], m->place))))
            k++;
        if (k < nd)
            continue;
        done[nd++] = m->place;
        placed q = {m->place, BM_ATTACH_CLAUSE, 0};
        int rc = emit(a, c, score, d, &q);
        if (rc != BM_OK)
            return rc;
    }
    return BM_OK;
}

/* A named crossing in [t0, t1) right after a `via` cue (عبر منفذ ربيعة,
 * through the al-Qaim crossing; a determiner may stand between), -1 when
 * none. */
static int via_crossing(const article *a, size_t t0, size_t t1)
{
    for (size_t i = pm_from(a, t0); i < a->npm && a->pm[i].t0 < t1; i++) {
        const pmention *m = &a->pm[i];
        if (m->t1 > t1 || m->t0 <= t0 || m->speaker || strcmp(m->place->kind, "crossing") != 0)
            continue;
        size_t k = m->t0 - 1;
        if (k > t0 && is_determiner(&a->tok.v[k]))
            k--;
        if (a->ti[k].cover & CUE_VIA)
            return (int)i;
    }
    return -1;
}

/* "families returned from al-Hol camp were carried by bus through the Rabia
 * crossing to al-Jadaa": a transfer of people is coded at its origin and
 * at the named crossing it passes (the codebook), same date and type; the
 * destination is no row. The crossing is looked for in the clause, else in
 * the rest of the sentence (a coordinated "and were carried through"). */
static int emit_via_crossing(article *a, const clause_ref *c, double score, const dated *d,
                             const placed *p)
{
    if (!type_is(c->type, "repatriation"))
        return BM_OK;
    int i = via_crossing(a, c->t0, c->t1);
    bm_attach from = BM_ATTACH_CLAUSE;
    if (i < 0) {
        i = via_crossing(a, c->s->t0, c->s->t1);
        from = BM_ATTACH_SENTENCE;
    }
    if (i < 0 || a->pm[i].place == p->place)
        return BM_OK;
    placed q = {a->pm[i].place, from, 0};
    return emit(a, c, score, d, &q);
}

/* "The mayor said Iraq was ready to reopen the crossing": a plan is no
 * event, but its announcement is a statement (the codebook's rule: a
 * statement when the announcement reports no event). Turns c into that
 * statement; 0 when no statement verb frames the plan. */
/* Whether an official speaks the clause: a `title` before the reporting
 * verb's complement (قال رئيس الهيئة إن، the minister said that). A title
 * after it is part of what is reported ("أشار إلى أن ... دعوة رئيس سوريا":
 * the report's words on a president, not a president's words). */
static int official_speaks(const article *a, const clause_ref *c)
{
    size_t k = c->t0;
    while (k < c->anchor && !(a->ti[k].cover & CUE_REPORT))
        k++;
    if (k == c->anchor)
        return 0;
    size_t end = k;
    while (end < c->anchor && !(a->ti[end].cue & CUE_COMPLEMENT))
        end++;
    return has_cue(a, c->s->t0, end, CUE_TITLE);
}

static int announced_plan(const article *a, clause_ref *c, const dated *d)
{
    if (!future_before(a, c) || (a->pub && bm_date_cmp(d->date, *a->pub) > 0))
        return 0;
    /* "قال رئيس الهيئة إن الحكومة وافقت على إعادة افتتاح المعبر": an
     * official's reporting verb (a cue, not a statement trigger) frames the
     * decision as well; an analyst's or a report's word on aims does not */
    if (c->report_at == SIZE_MAX &&
        (!official_speaks(a, c) || has_cue(a, c->s->t0, c->s->t1, CUE_OPINION)))
        return 0;
    c->type = bm_type_index("statement");
    if (c->report_at != SIZE_MAX)
        c->anchor = c->report_at;
    c->frame = FRAME_NONE;
    c->report_at = SIZE_MAX;
    return c->type >= 0;
}

/* The first trigger of type `type` in the clause when its words reach an
 * event of their own (MIN_SCORE with an action word), else SIZE_MAX. Support
 * does not halve them here: the help is an event too. */
static size_t own_event(const article *a, const clause_ref *c, int type, double *score)
{
    double sum = 0, maxw = 0;
    size_t first = SIZE_MAX;
    for (size_t i = c->t0; i < c->t1; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (!e || a->ti[i].negated || a->ti[i].cause || a->ti[i].means || e->type != type)
            continue;
        sum += e->weight;
        if (e->weight > maxw) {
            maxw = e->weight;
            first = i;
        }
    }
    *score = sum;
    return sum >= MIN_SCORE && maxw >= ACTION_WEIGHT ? first : SIZE_MAX;
}

/* "Forces backed by coalition air strikes retook the town", "after a week of
 * fighting and air strikes": the ground battle and the strikes from the air
 * are two events at one place and time (ACLED codes each), though one clause
 * tells both. The clause's type is one of them; this adds the other. */
static int emit_air_ground(article *a, const clause_ref *c, const dated *d, const placed *p)
{
    int clash = bm_type_index("clash"), air = bm_type_index("airstrike");
    if (clash < 0 || air < 0 || (c->type != clash && c->type != air))
        return BM_OK;
    int other = c->type == clash ? air : clash;
    double score = 0;
    size_t at = own_event(a, c, other, &score);
    if (at == SIZE_MAX)
        return BM_OK;
    clause_ref o = *c;
    o.type = other;
    o.anchor = at;
    o.frame = a->ti[at].trig->frame;
    return emit(a, &o, score, d, p);
}

/* Words after an entering trigger in which what was entered is looked for. */
#define ENTERED_SPAN 3

/* "Iraqi forces entered al-Qaim" takes a town (clash, the codebook's armed
 * takeover with or without a fight); "Syrian troops entered Iraq (through
 * the al-Qaim crossing)" cross into a country: soldiers crossing the border
 * are a deployment, wherever the event is placed. */
static void entered(const article *a, clause_ref *c)
{
    int deployment = bm_type_index("deployment");
    if (c->frame != FRAME_ENTER || deployment < 0)
        return;
    size_t k = c->anchor;
    while (k < c->t1 && (k == c->anchor || a->ti[k].in_trig))
        k++;
    for (size_t end = k + ENTERED_SPAN; k < c->t1 && k < end; k++) {
        int pl = a->ti[k].place;
        if (pl < 0)
            continue;
        if (!strcmp(a->pm[pl].place->kind, "country"))
            c->type = deployment;
        return;
    }
}

/* "IS withdrew from Rabia after an attack by the Peshmerga", "انسحب التنظيم
 * من البلدة بعد هجوم شنته القوات": a withdrawal forced by an assault (frame
 * `assault`) told in the `after` clause right behind it is the assault's
 * success, the codebook's armed takeover (clash). A withdrawal alone, after
 * a decision, after remote violence (rockets, a drone, shelling, an air
 * strike not told as support), or after a takeover told as such ("after
 * militants overran the station": the takeover and the withdrawal are two
 * events) stays a deployment (wip/ext6). Whether the clause opened by the
 * `after` cue at k tells such an assault: */
#define REMOTE_MEANS 0.75 /* rockets, drones, mortars 0.8+; gunmen 0.5-0.6 */

static int forcing_after(const article *a, const sentence *s, size_t k)
{
    size_t end = clause_end(a, s, k);
    int assault = 0;
    for (size_t i = k + 1; i < end; i++) {
        const lex_entry *e = a->ti[i].trig;
        if (!e || a->ti[i].negated)
            continue;
        /* "withdrew from the base after a rocket (drone) attack": remote
         * violence drives forces out, nobody takes the place. Its means
         * words weigh REMOTE_MEANS or more; actor words (gunmen) less. */
        if (!a->ti[i].support && e->weight >= REMOTE_MEANS &&
            (type_is(e->type, "airstrike") ||
             (type_is(e->type, "attack") && e->frame != FRAME_ASSAULT)))
            return 0;
        assault |= e->frame == FRAME_ASSAULT;
    }
    return assault;
}

static void forced_out(const article *a, clause_ref *c)
{
    int clash = bm_type_index("clash");
    if (c->frame == FRAME_WITHDRAW && clash >= 0 && c->t1 < c->s->t1 &&
        (a->ti[c->t1].cue & CUE_AFTER) && forcing_after(a, c->s, c->t1))
        c->type = clash;
}

/* The assault of "IS withdrew from Rabia after an attack by the Peshmerga":
 * the withdrawal before the `after` cue that opens this clause was typed the
 * clash this assault won (forced_out), the assault is not a second incident.
 * An air strike told with it stays one (wip/ext6). */
static int forcing_assault(const article *a, const clause_ref *c)
{
    if (c->frame != FRAME_ASSAULT || c->t0 <= c->s->t0 || !(a->ti[c->t0].cue & CUE_AFTER) ||
        (!type_is(c->type, "attack") && !type_is(c->type, "clash")) ||
        !forcing_after(a, c->s, c->t0))
        return 0;
    for (size_t i = c->t0; i-- > c->s->t0;) {
        if (is_clause_punct(&a->tok.v[i]))
            return 0;
        const lex_entry *e = a->ti[i].trig;
        if (e && !a->ti[i].negated && e->frame == FRAME_WITHDRAW)
            return 1;
    }
    return 0;
}

/* "the offensive was successful, the US defence secretary said", "Iraqi
 * refugees are the largest group in the camp": outside the lede, an event
 * with neither a date nor a named place of its own (only a nationality word,
 * and the date of an earlier sentence or of publication) is an aside on a
 * situation or an event already told, not a reported incident. */
static int aside(const article *a, const clause_ref *c, const dated *d, const placed *p)
{
    if (is_lede(a, c->s))
        return 0;
    /* "today" outside the lede ("our response began today, the US president
     * said") dates nothing the publication date does not: with only a
     * nationality for a place, the clause is still an aside (wip/ext4-heldout) */
    if (p->from == BM_ATTACH_NATION && d->prec == BM_PREC_DAY && a->pub &&
        !bm_date_cmp(d->date, *a->pub))
        return 1;
    if (d->from != BM_ATTACH_INHERITED && d->from != BM_ATTACH_PUBLISHED)
        return 0;
    if (p->from == BM_ATTACH_NATION)
        return 1;
    /* "..., the second crossing the militants hold, after their takeover of
     * the al-Qaim crossing": the earlier event an `after` cue introduces,
     * with no date in its sentence, is one told before, not news */
    size_t k = phrase_cue(a, c->s, c->anchor, CUE_AFTER, AFTER_WINDOW);
    return k != SIZE_MAX && !day_after(a, k);
}

/* "Fierce battles raged in al-Baghuz since 9 February", "kept the al-Qaim
 * crossing closed since December": a since-date of a day or month starts the
 * clause's own event when the clause names its place and tells one event,
 * not a pattern ("a series of attacks on US bases since 17 October", an
 * epoch cue); the codebook maps background dated to the month
 * (wip/ext5-recall). */
#define SINCE_SPAN 6 /* words between the event and its since-date */

static int since_dated(const article *a, const clause_ref *c, dated *out)
{
    if (has_cue(a, c->s->t0, c->s->t1, CUE_EPOCH) || (a->ti[c->anchor].cue & CUE_PATTERN))
        return 0;
    int best = -1;
    for (size_t i = dm_from(a, c->t0); i < a->ndm && a->dm[i].t0 < c->t1; i++)
        if (a->dm[i].since && a->dm[i].t1 <= c->t1 && !a->dm[i].report &&
            tok_dist(a->dm[i].t0, c->anchor) <= SINCE_SPAN) {
            best = (int)i;
            break;
        }
    if (best < 0)
        return 0;
    /* a country is where many events add up ("attacks in Iraq and Syria
     * since 17 October"), not the place of one going on */
    int pl = best_place(a, c->t0, c->t1, c->anchor, SIZE_MAX);
    if (pl < 0 || !strcmp(a->pm[pl].place->kind, "country"))
        return 0;
    memset(out, 0, sizeof *out);
    out->date = a->dm[best].date;
    out->prec = a->dm[best].prec;
    out->from = BM_ATTACH_CLAUSE;
    return 1;
}

static int extract_clause(article *a, const sentence *s, size_t t0, size_t t1)
{
    clause_ref c = {s, t0, t1, 0, 0, FRAME_NONE, SIZE_MAX};
    double score = 0;
    if (!score_clause(a, &c, &score))
        return BM_OK;
    dated d;
    if (!choose_date(a, &c, &d) && !(d.background && since_dated(a, &c, &d))) {
        if (!d.background)
            a->out->n_unresolved++;
        return BM_OK;
    }
    if (is_hypothetical(a, &c, &d) && !announced_plan(a, &c, &d))
        return BM_OK;
    placed p;
    if (!choose_place(a, &c, &p))
        return BM_OK;
    entered(a, &c);
    forced_out(a, &c);
    if (forcing_assault(a, &c))
        return BM_OK;
    if (aside(a, &c, &d, &p))
        return BM_OK;
    if (back_reference(a, &c, &d, &p))
        return BM_OK;
    int rc = emit(a, &c, score, &d, &p);
    if (rc == BM_OK && p.from == BM_ATTACH_CLAUSE && violent_type(c.type))
        rc = emit_siblings(a, &c, score, &d, &p);
    /* "watchtowers along the frontier in Anbar and Nineveh": two governorates
     * joined by "and" are one row each, whatever the event (wip/ext3-recall-en) */
    if (rc == BM_OK && p.from == BM_ATTACH_CLAUSE && !strcmp(p.place->kind, "governorate"))
        rc = emit_place_pair(a, &c, score, &d, &p);
    if (rc == BM_OK && p.from == BM_ATTACH_CLAUSE && !violent_type(c.type))
        rc = emit_settlement_pair(a, &c, score, &d, &p);
    if (rc == BM_OK)
        rc = emit_air_ground(a, &c, &d, &p);
    if (rc == BM_OK)
        rc = emit_via_crossing(a, &c, score, &d, &p);
    return rc;
}

/* What a sentence leaves to the next: its last event date and its place. */
static void update_context(article *a, const sentence *s, size_t first_new)
{
    const bm_extracted *ev = a->out->n > first_new ? &a->out->v[a->out->n - 1] : NULL;
    for (size_t i = dm_from(a, s->t0); i < a->ndm && a->dm[i].t0 < s->t1; i++) {
        const dmention *d = &a->dm[i];
        /* A bare year after the sentence's dated event ("closed since the
         * summer of 2014") is background: later sentences keep the event's
         * time, never jump years back. */
        if (ev && d->prec > ev->inc.date_precision && bm_date_cmp(d->date, ev->inc.date_start) < 0)
            continue;
        if (d->t1 <= s->t1 && !d->background) {
            a->has_ctx_date = 1;
            a->ctx_date = d->date;
            a->ctx_prec = d->prec;
        }
    }
    if (a->out->n > first_new) {
        a->ctx_place = a->out->v[a->out->n - 1].place;
        return;
    }
    int i = best_place(a, s->t0, s->t1, s->t0, SIZE_MAX);
    if (i >= 0)
        a->ctx_place = a->pm[i].place;
}

static int extract_sentences(article *a)
{
    for (size_t si = 0; si < a->ns; si++) {
        const sentence *s = &a->sv[si];
        if (s->heading)
            continue;
        size_t first_new = a->out->n;
        for (size_t t0 = s->t0; t0 < s->t1;) {
            size_t t1 = clause_end(a, s, t0);
            int rc = extract_clause(a, s, t0, t1);
            if (rc != BM_OK)
                return rc;
            t0 = t1;
        }
        update_context(a, s, first_new);
    }
    return BM_OK;
}

/* ---- One event reported twice in an article ------------------------------ */

/* p lies inside q (a town in its country or governorate). */
static int inside(const bm_gplace *p, const bm_gplace *q)
{
    if (!strcmp(q->kind, "country"))
        return !strcmp(p->country, q->country);
    if (!strcmp(q->kind, "governorate"))
        return !strcmp(p->admin1, q->id);
    return 0;
}

/* How many days before an undated lede the event it sums up may lie. */
#define LEDE_DAYS 7

/* "Militants took the al-Walid crossing, sources said on Monday" and later
 * "... took al-Walid yesterday, Sunday": a lede with no date of its own, or
 * only its report's date, sums up the event the body dates. */
static int lede_of(const bm_extracted *undated, unsigned uflags, const bm_extracted *told,
                   unsigned tflags)
{
    int no_date = undated->date_from == BM_ATTACH_PUBLISHED || (uflags & OUT_REPORT_DATED);
    if (!no_date || told->date_from == BM_ATTACH_PUBLISHED || (tflags & OUT_REPORT_DATED))
        return 0;
    int64_t dd = bm_date_to_days(undated->inc.date_start) - bm_date_to_days(told->inc.date_start);
    return dd >= 0 && dd <= LEDE_DAYS;
}

/* "seized a strategic crossing between Syria and Iraq" and then "seized the
 * al-Yarubiyah crossing": a crossing of Iraq or Syria lies on their border. */
static int on_border(const bm_gplace *p, const bm_gplace *border)
{
    return border && !strcmp(p->kind, "crossing") &&
           (!strcmp(p->country, "IQ") || !strcmp(p->country, "SY"));
}

/* How far from a region's or a river's point a town still lies in it (the
 * codebook's distances for a region and a river). */
#define REGION_KM 200.0
#define RIVER_KM 300.0

/* "retook the last large ISIS stronghold in eastern Syria" and then "took Hajin": a
 * town in the region (or along the river) the event was first put in. */
static int in_area(const bm_gplace *p, const bm_gplace *q)
{
    if (p->specificity < 6)
        return 0;
    double d = bm_distance_km(p->pt, q->pt);
    return (!strcmp(q->kind, "region") && d <= REGION_KM) ||
           (!strcmp(q->kind, "river") && d <= RIVER_KM);
}

static int same_place(const bm_extracted *x, const bm_extracted *y, const bm_gplace *border)
{
    return x->place == y->place || inside(x->place, y->place) || inside(y->place, x->place) ||
           in_area(x->place, y->place) || in_area(y->place, x->place) ||
           (x->place == border && on_border(y->place, border)) ||
           (y->place == border && on_border(x->place, border));
}

/* Whether the event's date is its own: not the publication's, not inherited
 * from an earlier sentence. */
static int undated_mention(const bm_extracted *x)
{
    return x->date_from == BM_ATTACH_PUBLISHED || x->date_from == BM_ATTACH_INHERITED;
}

/* "13 air strikes yesterday in areas of Syria near the border with Iraq" and
 * then, undated, "Albukamal and the areas around it were shelled"; or a lede
 * "3 infiltrators arrested coming from the Syrian side" and the body's
 * village where they were caught: an event put only on the frontier line is
 * the one the article places at a town of Iraq or Syria when either mention
 * has no date of its own (wip/ext5-prec). A named crossing stays a place of
 * its own (on_border), and so does a town dated by its own clause when the
 * frontier event is too (two strikes of one day, one on each). */
static int border_town_retold(const bm_extracted *x, const bm_extracted *y, const bm_gplace *border)
{
    if (!border || x->place != border || y->place->specificity < 6 ||
        !strcmp(y->place->kind, "crossing") ||
        (strcmp(y->place->country, "IQ") != 0 && strcmp(y->place->country, "SY") != 0))
        return 0;
    return undated_mention(x) || undated_mention(y);
}

static int is_settlement(const bm_gplace *p)
{
    return p->specificity >= 6 && p->specificity <= 8;
}

static int crossing_and_town(const bm_gplace *p, const bm_gplace *q)
{
    return (!strcmp(p->kind, "crossing") && is_settlement(q)) ||
           (!strcmp(q->kind, "crossing") && is_settlement(p));
}

/* Whether area `outer` (a governorate, or a region) holds place `inner`: a
 * place of the governorate, or any finer-than-country place within a
 * region's distance of the region's point. */
static int area_holds(const bm_gplace *outer, const bm_gplace *inner)
{
    if (outer == inner || !strcmp(inner->kind, "country"))
        return 0;
    if (!strcmp(outer->kind, "governorate"))
        return inside(inner, outer);
    return !strcmp(outer->kind, "region") && bm_distance_km(outer->pt, inner->pt) <= REGION_KM;
}

/* "US and Iraqi forces carried out a joint raid in western Iraq, CENTCOM
 * said Friday" and the body's raid in the Anbar desert on Thursday; "IS
 * retook all the areas the SDF had taken in Deir ez-Zor's eastern
 * countryside, a channel said" and the body's al-Susah: a lede with no date
 * of its own (or only its report's) put in a governorate or a region sums up
 * the body's event at a place inside it (wip/ext5-prec). A country is too
 * coarse for that (a report's date is still a date there). */
static int area_lede(const bm_extracted *x, unsigned xf, const bm_extracted *y, unsigned yf)
{
    return (lede_of(x, xf, y, yf) && area_holds(x->place, y->place)) ||
           (lede_of(y, yf, x, xf) && area_holds(y->place, x->place));
}

static int same_event(const bm_extracted *x, unsigned xf, const bm_extracted *y, unsigned yf,
                      const bm_gplace *border)
{
    if (strcmp(x->inc.type, y->inc.type) != 0)
        return 0;
    if (area_lede(x, xf, y, yf))
        return 1;
    int lede = lede_of(x, xf, y, yf) || lede_of(y, yf, x, xf);
    /* a report's date is still a date: "4,000 soldiers crossed into Iraq,
     * an official said Monday" is not the convoy the body puts at al-Qaim on
     * Sunday; only a report of the same place sums up the body's event */
    if (lede && ((xf | yf) & OUT_REPORT_DATED) && x->place != y->place &&
        bm_distance_km(x->inc.pt, y->inc.pt) > SAME_PLACE_KM)
        return 0;
    if (!lede && (bm_date_cmp(x->inc.date_start, y->inc.date_end) > 0 ||
                  bm_date_cmp(y->inc.date_start, x->inc.date_end) > 0))
        return 0;
    /* "took al-Susah and al-Baghuz": two named towns are two places however
     * near they lie, in one sentence or in two ("attacked Dhiban" and "took
     * al-Tayyana": the codebook's one row per event and named place). */
    if (distinct_towns(x->place, y->place))
        return 0;
    /* "regained the Husaybah border post" and "stormed the Husaybah area":
     * a crossing and a town each named by its own clause are two places,
     * however near (the codebook's crossing is only the one named so). */
    if (x->place_from == BM_ATTACH_CLAUSE && y->place_from == BM_ATTACH_CLAUSE &&
        crossing_and_town(x->place, y->place))
        return 0;
    /* Facing crossings (al-Yarubiyah and Rabia) are two places however near. */
    if (x->place != y->place && !strcmp(x->place->kind, "crossing") &&
        !strcmp(y->place->kind, "crossing"))
        return 0;
    /* "began striking IS in Syria on Tuesday" and, in another sentence,
     * "Abu Kamal was hit by 22 strikes on Tuesday": a country-wide event and
     * one at a finer place, each dated to the day by its own clause, are two
     * reports (ACLED codes the country-wide one at geo-precision 3) */
    if (x->sent_start != y->sent_start && x->date_from == BM_ATTACH_CLAUSE &&
        y->date_from == BM_ATTACH_CLAUSE && !((xf | yf) & OUT_REPORT_DATED) &&
        x->inc.date_precision == BM_PREC_DAY && y->inc.date_precision == BM_PREC_DAY &&
        (!strcmp(x->place->kind, "country") != !strcmp(y->place->kind, "country")))
        return 0;
    /* what is said of a crossing and what is said of the whole border are two
     * statements (statement_elsewhere) */
    if (!strcmp(x->inc.type, "statement") && (x->place == border) != (y->place == border))
        return 0;
    return same_place(x, y, border) || border_town_retold(x, y, border) ||
           border_town_retold(y, x, border) ||
           (!lede && bm_distance_km(x->inc.pt, y->inc.pt) <= SAME_PLACE_KM);
}

/* 1 when y is the better record of the event (finer place, then a date of
 * the event's own over its report's, then precision, then confidence). */
static int better(const bm_extracted *x, unsigned xf, const bm_extracted *y, unsigned yf)
{
    if (y->place->specificity != x->place->specificity)
        return y->place->specificity > x->place->specificity;
    if ((xf ^ yf) & OUT_REPORT_DATED)
        return !(yf & OUT_REPORT_DATED);
    if (y->inc.date_precision != x->inc.date_precision)
        return y->inc.date_precision < x->inc.date_precision;
    return y->inc.confidence > x->inc.confidence;
}

/* How many days an announced killing may lie from the event that caused it. */
#define KILLING_DAYS 3

/* "The prime minister announced the killing of X" and, a sentence later, the
 * airstrike that killed him: a death told without its means (only minor
 * words typed it) is the specific violent event of the article near it in
 * time and place, not an incident of its own. */
/* Removes the incidents flagged OUT_DROP, keeping the flags aligned. */
static void compact(bm_extraction *e, unsigned char *flags)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++)
        if (!(flags[i] & OUT_DROP)) {
            flags[n] = flags[i];
            e->v[n++] = e->v[i];
        }
    e->n = n;
}

static void drop_unspecified_killings(bm_extraction *e, unsigned char *flags)
{
    if (!flags)
        return;
    /* decide on the whole list first, then compact it and its flags */
    for (size_t i = 0; i < e->n; i++) {
        const bm_extracted *x = &e->v[i];
        if (!(flags[i] & OUT_WEAK) || !violent_type(bm_type_index(x->inc.type)))
            continue;
        for (size_t j = 0; j < e->n; j++) {
            const bm_extracted *y = &e->v[j];
            if (j == i || (flags[j] & (OUT_WEAK | OUT_DROP)) ||
                !violent_type(bm_type_index(y->inc.type)))
                continue;
            int64_t dd = bm_date_to_days(x->inc.date_start) - bm_date_to_days(y->inc.date_start);
            if (dd >= -KILLING_DAYS && dd <= KILLING_DAYS &&
                (x->place == y->place || inside(y->place, x->place) ||
                 bm_distance_km(x->inc.pt, y->inc.pt) <= SAME_PLACE_KM)) {
                flags[i] |= OUT_DROP;
                break;
            }
        }
    }
    compact(e, flags);
}

/* "seized 1.2 million pills in a truck ..., and arrested its driver": an
 * arrest the sentence ties to a seizure or an interdiction at the same place
 * and date is part of that event, not a security operation of its own. */
static void drop_arrests_of_seizures(bm_extraction *e, unsigned char *flags,
                                     const bm_gplace *border)
{
    for (size_t i = 0; i < e->n; i++) {
        const bm_extracted *x = &e->v[i];
        if (strcmp(x->inc.type, "security_op") != 0)
            continue;
        for (size_t j = 0; j < e->n; j++) {
            const bm_extracted *y = &e->v[j];
            if (j == i || y->sent_start != x->sent_start ||
                (strcmp(y->inc.type, "smuggling") != 0 && strcmp(y->inc.type, "infiltration") != 0))
                continue;
            if (bm_date_cmp(x->inc.date_start, y->inc.date_start) == 0 &&
                same_place(x, y, border)) {
                flags[i] |= OUT_DROP;
                break;
            }
        }
    }
    compact(e, flags);
}

static void merge_duplicates(bm_extraction *e, unsigned char *flags, const bm_gplace *border)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        unsigned fi = flags ? flags[i] : 0;
        size_t j = 0;
        while (j < n && !same_event(&e->v[j], flags ? flags[j] : 0, &e->v[i], fi, border))
            j++;
        if (j == n) {
            if (flags)
                flags[n] = (unsigned char)fi;
            e->v[n++] = e->v[i];
        } else if (better(&e->v[j], flags ? flags[j] : 0, &e->v[i], fi)) {
            if (flags)
                flags[j] = (unsigned char)fi;
            e->v[j] = e->v[i];
        }
    }
    e->n = n;
}

/* ---- Entry point ---------------------------------------------------------- */

static int run(article *a)
{
    int rc = a->tok_borrowed ? BM_OK : bm_tokenize(a->text, a->len, &a->tok, a->err);
    if (rc != BM_OK)
        return rc;
    /* each word hashed once for the three lexicons that look it up */
    a->th = bm__extract_ws_hashes(a->ws, &a->tok);
    if (bm__grow((void **)&a->ti, &a->cap_ti, a->tok.n ? a->tok.n : 1, sizeof *a->ti) != BM_OK)
        return bm_error_set(a->err, BM_ENOMEM, "extract: out of memory");
    for (size_t i = 0; i < a->tok.n; i++)
        a->ti[i] = (tokinfo){.place = -1, .date = -1};
    annotate(a);
    if ((rc = find_places(a)) != BM_OK || (rc = find_capitals(a)) != BM_OK ||
        (rc = find_provinces(a)) != BM_OK || (rc = find_dates(a)) != BM_OK)
        return rc == BM_ENOMEM ? bm_error_set(a->err, rc, "extract: out of memory") : rc;
    sort_places(a);
    mark_speakers(a);
    if (split_sentences(a) != BM_OK)
        return bm_error_set(a->err, BM_ENOMEM, "extract: out of memory");
    mark_negations(a);
    mark_cause_places(a);
    learn_people(a);
    if ((rc = extract_sentences(a)) != BM_OK)
        return bm_error_set(a->err, rc, "extract: out of memory");
    const bm_gplace *border = bm__lexicon_border_place(a->x->lx);
    if (a->flags) {
        drop_unspecified_killings(a->out, a->flags);
        drop_arrests_of_seizures(a->out, a->flags, border);
    }
    merge_duplicates(a->out, a->flags, border);
    a->out->n_sentences = a->ns;
    return BM_OK;
}

int bm_extract(const bm_extractor *x, const char *text, size_t len, const bm_date *published,
               bm_extraction *out, bm_error *err)
{
    return bm_extract_tokens(x, text, len, NULL, published, out, err);
}

int bm__extract_tokens_ws(const bm_extractor *x, bm__extract_ws *ws, const char *text, size_t len,
                          const bm_tokens *tokens, const char *language, const bm_date *published,
                          bm_extraction *out, bm_error *err)
{
    if (!x || !text || !out)
        return bm_error_set(err, BM_EINVAL, "extract: no extractor, text or output");
    memset(out, 0, sizeof *out);
    bm__extract_ws *own = NULL;
    if (!ws) {
        int rc = bm__extract_ws_new(x->g, &own, err);
        if (rc != BM_OK)
            return rc;
        ws = own;
    }
    snprintf(out->language, sizeof out->language, "%s",
             language ? language : bm_detect_language(text, len));
    article a = {0};
    a.x = x;
    a.ws = ws;
    a.text = text;
    a.len = len;
    a.pub = published;
    a.english = !strcmp(out->language, "en");
    a.out = out;
    a.err = err;
    if (tokens) {
        a.tok = *tokens;
        a.tok_borrowed = 1;
    }
    article_borrow(&a);
    int rc = run(&a);
    article_free(&a);
    bm__extract_ws_free(own);
    if (rc != BM_OK)
        bm_extraction_free(out);
    return rc;
}

int bm_extract_tokens(const bm_extractor *x, const char *text, size_t len, const bm_tokens *tokens,
                      const bm_date *published, bm_extraction *out, bm_error *err)
{
    return bm__extract_tokens_ws(x, NULL, text, len, tokens, NULL, published, out, err);
}
