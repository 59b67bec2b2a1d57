/* arabic.c: normalisation keys and the tokeniser for Arabic and Latin news
 * text. Must never lose byte offsets into the original text, and must never
 * call into utf8proc for the common Arabic and ASCII ranges (speed). */
#include "bordermap/arabic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "grow_private.h"

/* Character classes the tokeniser works with. */
typedef enum cclass {
    C_SPACE,   /* separates tokens */
    C_NEWLINE, /* separates tokens and marks newline_before */
    C_AR,      /* Arabic letter (may map to nothing, e.g. tatweel) */
    C_LAT,     /* Latin (or other alphabetic) letter */
    C_DIGIT,   /* a decimal digit of any supported script */
    C_MARK,    /* combining mark: belongs to the word it follows, dropped */
    C_IGNORE,  /* zero-width, bidi and format marks: invisible everywhere */
    C_APOS,    /* apostrophe-like mark: inside a Latin word it is dropped */
    C_PUNCT,   /* one punctuation token */
    C_OTHER    /* symbols and anything else: one token each */
} cclass;

/* The normalised form of one code point: up to 4 code points (NFKC of
 * presentation forms and ligatures can expand). */
typedef struct folded {
    cclass cls;
    int n;
    uint32_t cp[8];
} folded;

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes one code point; invalid or truncated sequences yield U+FFFD and
 * consume one byte, so hostile input can never stall or overrun. */
static uint32_t decode(const unsigned char *p, size_t n, size_t *adv)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *adv = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (p[1] & 0xC0) == 0x80) {
        *adv = 2;
        return ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if (c >= 0xE0 && c <= 0xEF && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
            *adv = 3;
            return cp;
        }
    }
    if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
        (p[3] & 0xC0) == 0x80) {
        uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
                      ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        if (cp >= 0x10000 && cp <= 0x10FFFF) {
            *adv = 4;
            return cp;
        }
    }
    *adv = 1;
    return 0xFFFD;
}

static size_t encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- Folding tables --------------------------------------------------- */

static void one(folded *f, cclass cls, uint32_t cp)
{
    f->cls = cls;
    f->n = 1;
    f->cp[0] = cp;
}

static void none(folded *f, cclass cls)
{
    f->cls = cls;
    f->n = 0;
}

/* The Arabic block U+0600..U+06FF: the letter foldings that make spelling
 * variants of one name meet (hamza carriers, taa marbuta, alef maqsura,
 * Persian/Urdu letter shapes used by some outlets). */
static void fold_arabic_block(uint32_t cp, folded *f)
{
    if (cp <= 0x0605) {
        none(f, C_IGNORE);
        return;
    } /* number signs (format) */
    if (cp == 0x060C) {
        one(f, C_PUNCT, ',');
        return;
    }
    if (cp == 0x061B) {
        one(f, C_PUNCT, ';');
        return;
    }
    if (cp == 0x061F) {
        one(f, C_PUNCT, '?');
        return;
    }
    if (cp == 0x06D4) {
        one(f, C_PUNCT, '.');
        return;
    }
    if (cp == 0x066B) {
        one(f, C_PUNCT, '.');
        return;
    }
    if (cp == 0x066C) {
        one(f, C_PUNCT, ',');
        return;
    }
    if (cp == 0x066A) {
        one(f, C_OTHER, '%');
        return;
    }
    if (cp == 0x061C) {
        none(f, C_IGNORE);
        return;
    } /* Arabic letter mark (bidi) */
    if (cp < 0x0610) {
        one(f, C_OTHER, cp);
        return;
    }
    if (cp <= 0x061A) {
        none(f, C_MARK);
        return;
    }
    if (cp >= 0x064B && cp <= 0x065F) {
        none(f, C_MARK);
        return;
    } /* harakat */
    if (cp == 0x0670) {
        none(f, C_MARK);
        return;
    } /* superscript alef */
    if (cp >= 0x06D6 && cp <= 0x06ED) {
        none(f, C_MARK);
        return;
    } /* Quranic marks */
    if (cp >= 0x0660 && cp <= 0x0669) {
        one(f, C_DIGIT, '0' + (cp - 0x0660));
        return;
    }
    if (cp >= 0x06F0 && cp <= 0x06F9) {
        one(f, C_DIGIT, '0' + (cp - 0x06F0));
        return;
    }
    if (cp == 0x0640) {
        none(f, C_AR);
        return;
    } /* tatweel: part of the word, no letter */
    switch (cp) {
    case 0x0622:
    case 0x0623:
    case 0x0625:
    case 0x0671:
    case 0x0672:
    case 0x0673:
    case 0x0675: {
        one(f, C_AR, 0x0627);
        return;
    }
    case 0x0624: {
        one(f, C_AR, 0x0648);
        return;
    }
    case 0x0626:
    case 0x0649:
    case 0x06CC:
    case 0x06CD:
    case 0x06D0:
    case 0x06D1: {
        one(f, C_AR, 0x064A);
        return;
    }
    case 0x0629:
    case 0x06BE:
    case 0x06C0:
    case 0x06C1:
    case 0x06C3:
    case 0x06D5: {
        one(f, C_AR, 0x0647);
        return;
    }
    case 0x06A9:
    case 0x06AA: {
        one(f, C_AR, 0x0643);
        return;
    }
    default: break;
    }
    {
        one(f, C_AR, cp);
        return;
    }
}

static int is_apostrophe(uint32_t cp)
{
    switch (cp) {
    case 0x27:
    case 0x60:
    case 0xB4:
    case 0x2018:
    case 0x2019:
    case 0x02BC:
    case 0x02BB:
    case 0x02BE:
    case 0x02BF:
    case 0x02B9:
    case 0x02C8:
    case 0x2032: return 1;
    default: return 0;
    }
}

static int is_hyphen(uint32_t cp)
{
    return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE58 ||
           cp == 0xFE63 || cp == 0xFF0D;
}

static int is_quote(uint32_t cp)
{
    return cp == '"' || cp == 0xAB || cp == 0xBB || cp == 0x201C || cp == 0x201D || cp == 0x201E ||
           cp == 0x201F || cp == 0x2039 || cp == 0x203A;
}

static int in_arabic_script(uint32_t cp)
{
    return (cp >= 0x0600 && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F) ||
           (cp >= 0x0870 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF);
}

/* The rare path: anything outside ASCII and the Arabic block goes through
 * utf8proc (compatibility decomposition, case fold, marks stripped), and the
 * result is folded again by the Arabic table so that presentation forms meet
 * the letters they stand for. */
static void fold_slow(uint32_t cp, folded *f)
{
    const utf8proc_property_t *prop = utf8proc_get_property((utf8proc_int32_t)cp);
    utf8proc_category_t cat = (utf8proc_category_t)prop->category;
    if (cp == 0xFEFF || cp == 0x00AD || cat == UTF8PROC_CATEGORY_CF) {
        none(f, C_IGNORE);
        return;
    }
    if (cp == 0x2028 || cp == 0x2029 || cp == 0x85) {
        none(f, C_NEWLINE);
        return;
    }
    if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP ||
        cat == UTF8PROC_CATEGORY_CC) {
        none(f, C_SPACE);
        return;
    }
    if (is_apostrophe(cp)) {
        none(f, C_APOS);
        return;
    }
    if (is_hyphen(cp)) {
        one(f, C_PUNCT, '-');
        return;
    }
    if (is_quote(cp)) {
        one(f, C_PUNCT, '"');
        return;
    }
    if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME) {
        none(f, C_MARK);
        return;
    }

    utf8proc_int32_t dst[8];
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        (utf8proc_int32_t)cp, dst, 8,
        UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, &boundclass);
    if (n < 0 || n > 8) {
        n = 1;
        dst[0] = (utf8proc_int32_t)cp;
    }
    int arabic = in_arabic_script(cp);
    if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO)
        f->cls = C_PUNCT;
    else if (cat == UTF8PROC_CATEGORY_ND)
        f->cls = C_OTHER; /* digits of other scripts are not read as numbers */
    else if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
        f->cls = arabic ? C_AR : C_LAT;
    else
        f->cls = C_OTHER;
    f->n = 0;
    for (utf8proc_ssize_t i = 0; i < n && f->n < 8; i++) {
        uint32_t c = (uint32_t)dst[i];
        if (c >= 0x0600 && c <= 0x06FF) {
            folded g = {0};
            fold_arabic_block(c, &g);
            for (int k = 0; k < g.n && f->n < 8; k++)
                f->cp[f->n++] = g.cp[k];
        } else if (c == ' ') {
            /* NFKC of some ligatures (e.g. U+FDFA) contains spaces: keep the
             * letters together rather than splitting the token. */
        } else {
            f->cp[f->n++] = c;
        }
    }
}

/* The fast path for ASCII and the Arabic block; everything else is rare in
 * news text and goes through utf8proc. */
static void fold_cp(uint32_t cp, folded *f)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            one(f, cp <= '9' ? C_DIGIT : C_LAT, cp);
            return;
        }
        if (cp >= 'A' && cp <= 'Z') {
            one(f, C_LAT, cp + 32);
            return;
        }
        if (cp == '\n') {
            none(f, C_NEWLINE);
            return;
        }
        if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\f' || cp == '\v' || cp < 0x20 ||
            cp == 0x7F) {
            none(f, C_SPACE);
            return;
        }
        /* hashtags join words with an underscore (#دير_الزور, #Deir_ez_Zor) */
        if (cp == '_') {
            none(f, C_SPACE);
            return;
        }
        if (cp == '\'' || cp == '`') {
            none(f, C_APOS);
            return;
        }
        if (cp == '-') {
            one(f, C_PUNCT, '-');
            return;
        }
        if (cp == '"') {
            one(f, C_PUNCT, '"');
            return;
        }
        if (cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' || cp == '^' ||
            cp == '|' || cp == '~' || cp == '%') {
            one(f, C_OTHER, cp);
            return;
        }
        {
            one(f, C_PUNCT, cp);
            return;
        }
    }
    if (cp >= 0x0600 && cp <= 0x06FF) {
        fold_arabic_block(cp, f);
        return;
    }
    if (cp == 0xA0) {
        none(f, C_SPACE);
        return;
    }
    if (cp >= 0x200B && cp <= 0x200F) {
        none(f, cp == 0x200B ? C_SPACE : C_IGNORE);
        return;
    }
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        none(f, C_IGNORE);
        return;
    }
    fold_slow(cp, f);
}

/* ---- Normalisation of a whole string ---------------------------------- */

char *bm_normalize(const char *s, size_t len)
{
    /* A folded code point is at most 8 code points of 4 bytes; whitespace
     * runs shrink to one space, so 32x the input bounds the output. Sizing
     * by the input keeps this a single pass for the short strings it gets. */
    const unsigned char *p = (const unsigned char *)s;
    size_t cap = len * 4 + 16, o = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int pending_space = 0;
    for (size_t i = 0; i < len;) {
        size_t adv;
        uint32_t cp = decode(p + i, len - i, &adv);
        i += adv;
        folded f;
        fold_cp(cp, &f);
        if (f.cls == C_SPACE || f.cls == C_NEWLINE) {
            pending_space = o > 0;
            continue;
        }
        if (f.cls == C_IGNORE || f.cls == C_MARK || f.cls == C_APOS)
            continue;
        if (pending_space) {
            out[o++] = ' ';
            pending_space = 0;
        }
        if (o + (size_t)f.n * 4 + 2 > cap) {
            cap = cap * 2 + (size_t)f.n * 4 + 2;
            char *np = realloc(out, cap);
            if (!np) {
                free(out);
                return NULL;
            }
            out = np;
        }
        for (int k = 0; k < f.n; k++)
            o += encode(f.cp[k], out + o);
    }
    out[o] = '\0';
    return out;
}

/* ---- Tokeniser -------------------------------------------------------- */

/* Word-building state: a token in progress. */
typedef struct builder {
    bm_tokens *t;
    int active;
    bm_token_kind kind;
    size_t start, end;
    size_t norm_start; /* offset of its normalised bytes in t->buf */
    int newline_before;
} builder;

static int buf_reserve(bm_tokens *t, size_t extra)
{
    return bm__grow((void **)&t->buf, &t->buf_cap, t->buf_len + extra, 1);
}

static int append_folded(bm_tokens *t, const folded *f)
{
    if (buf_reserve(t, (size_t)f->n * 4 + 1))
        return -1;
    for (int k = 0; k < f->n; k++)
        t->buf_len += encode(f->cp[k], t->buf + t->buf_len);
    return 0;
}

static int open_token(builder *b, bm_token_kind kind, size_t start, int *newline)
{
    b->active = 1;
    b->kind = kind;
    b->start = start;
    b->end = start;
    b->norm_start = b->t->buf_len;
    b->newline_before = *newline;
    *newline = 0;
    return 0;
}

/* Closes the token in progress. The normalised string's pointer is fixed up
 * at the end of bm_tokenize, because t->buf may move while it grows. */
static int close_active(builder *b)
{
    b->active = 0;
    bm_tokens *t = b->t;
    size_t nlen = t->buf_len - b->norm_start;
    if (nlen == 0 && b->kind != BM_TOK_ARABIC && b->kind != BM_TOK_LATIN) {
        /* nothing visible (cannot happen for punctuation, kept for safety) */
        return 0;
    }
    if (nlen == 0) {
        /* A word made only of tatweel or marks has no key: drop it. */
        return 0;
    }
    if ((t->buf_len + 1 > t->buf_cap && buf_reserve(t, 1)) ||
        (t->n + 1 > t->cap && bm__grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v)))
        return -1;
    t->buf[t->buf_len++] = '\0';
    bm_token *tok = &t->v[t->n++];
    tok->start = b->start;
    tok->end = b->end;
    tok->norm = NULL;
    tok->norm_len = nlen;
    tok->kind = b->kind;
    tok->newline_before = b->newline_before;
    return 0;
}

/* Every space closes a token: most find none open, so that test is inline. */
static inline int close_token(builder *b)
{
    return b->active ? close_active(b) : 0;
}

static bm_token_kind kind_of(cclass c)
{
    switch (c) {
    case C_AR: return BM_TOK_ARABIC;
    case C_LAT: return BM_TOK_LATIN;
    case C_DIGIT: return BM_TOK_NUMBER;
    case C_PUNCT: return BM_TOK_PUNCT;
    default: return BM_TOK_OTHER;
    }
}

/* A Latin possessive "'s" at the end of a word ("Mosul's") is not part of
 * the name; other apostrophes inside Latin words are transliteration marks
 * (Ba'aj, Ra'ad) and simply vanish from the key. */
static int possessive_s(const unsigned char *p, size_t len, size_t i)
{
    if (i >= len || (p[i] != 's' && p[i] != 'S'))
        return 0;
    if (i + 1 >= len)
        return 1;
    size_t adv;
    folded f;
    fold_cp(decode(p + i + 1, len - i - 1, &adv), &f);
    return f.cls != C_LAT && f.cls != C_DIGIT && f.cls != C_MARK && f.cls != C_AR;
}

static int next_is_latin(const unsigned char *p, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    size_t adv;
    folded f;
    fold_cp(decode(p + i, len - i, &adv), &f);
    return f.cls == C_LAT;
}

/* The Arabic letters U+0600..U+067F as the tokeniser's fast path reads
 * them, by ((lead byte & 1) << 6) | (second byte & 0x3F) for lead bytes
 * 0xD8 and 0xD9: the two bytes of the letter's key (the letter itself, or
 * the letter it folds to: أ إ آ ٱ -> ا, ة -> ه, ى ئ -> ي, ؤ -> و); 1 for a mark
 * or tatweel, which a word passes over; 0 for anything else (punctuation,
 * digits, format marks), left to the general path. Made from
 * fold_arabic_block; tests/test_arabic.c checks every entry against
 * bm_normalize. */
/* clang-format off */
static const uint16_t ar_fold[128] = {
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001,
    0x0001, 0x0001, 0x0001, 0x0000, 0x0000, 0xD89D, 0xD89E, 0x0000,
    0xD8A0, 0xD8A1, 0xD8A7, 0xD8A7, 0xD988, 0xD8A7, 0xD98A, 0xD8A7,
    0xD8A8, 0xD987, 0xD8AA, 0xD8AB, 0xD8AC, 0xD8AD, 0xD8AE, 0xD8AF,
    0xD8B0, 0xD8B1, 0xD8B2, 0xD8B3, 0xD8B4, 0xD8B5, 0xD8B6, 0xD8B7,
    0xD8B8, 0xD8B9, 0xD8BA, 0xD8BB, 0xD8BC, 0xD8BD, 0xD8BE, 0xD8BF,
    0x0001, 0xD981, 0xD982, 0xD983, 0xD984, 0xD985, 0xD986, 0xD987,
    0xD988, 0xD98A, 0xD98A, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001,
    0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001,
    0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001, 0x0001,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0xD9AD, 0xD9AE, 0xD9AF,
    0x0001, 0xD8A7, 0xD8A7, 0xD8A7, 0xD9B4, 0xD8A7, 0xD9B6, 0xD9B7,
    0xD9B8, 0xD9B9, 0xD9BA, 0xD9BB, 0xD9BC, 0xD9BD, 0xD9BE, 0xD9BF,
};
/* clang-format on */

/* The entry of the two bytes at p (p[0] is 0xD8 or 0xD9), 0 when p[1] is
 * no continuation byte. */
static inline unsigned ar_fold_at(const unsigned char *p)
{
    if ((p[1] & 0xC0) != 0x80)
        return 0;
    return ar_fold[((p[0] & 1u) << 6) | (p[1] & 0x3Fu)];
}

/* A one-byte ASCII mark that is a token of its own: its class as fold_cp
 * gives it (PUNCT, or OTHER for symbols), 0 when it is not one (letters,
 * digits, spaces, apostrophes, '_'). */
static int ascii_mark_class(unsigned c)
{
    if (c <= 0x20 || c >= 0x7F || (c >= '0' && c <= '9') ||
        ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == '\'' || c == '`')
        return 0;
    return strchr("$+<=>^|~%", (int)c) ? C_OTHER : C_PUNCT;
}

static void fix_pointers(bm_tokens *t)
{
    size_t off = 0;
    for (size_t k = 0; k < t->n; k++) {
        t->v[k].norm = t->buf + off;
        off += t->v[k].norm_len + 1;
    }
}

/* One code point of the input, already folded, fed to the word builder.
 * Returns -1 on allocation failure. */
static int feed(builder *b, const folded *f, size_t at, size_t end, int *newline)
{
    bm_token_kind k = kind_of(f->cls);
    /* Arabic and Latin letters and digits continue a word of their own kind;
     * a Latin word may also take digits (T2, K1). */
    int continues = b->active && (b->kind == k || (b->kind == BM_TOK_LATIN && k == BM_TOK_NUMBER));
    if (f->cls == C_PUNCT || f->cls == C_OTHER || !continues) {
        if (close_token(b))
            return -1;
        open_token(b, k, at, newline);
    }
    if (append_folded(b->t, f))
        return -1;
    b->end = end;
    if (f->cls == C_PUNCT || f->cls == C_OTHER)
        return close_token(b);
    return 0;
}

int bm_tokenize(const char *text, size_t len, bm_tokens *tokens, bm_error *err)
{
    /* Reuse the buffers of a previous call: streaming callers tokenise many
     * paragraphs and should not pay an allocation for each. */
    tokens->n = 0;
    tokens->buf_len = 0;
    /* Keys are rarely longer than the text (NFKC can expand, so every path
     * still checks): reserving 2 * len once saves regrowing while scanning. */
    if (buf_reserve(tokens, 2 * len + 64) ||
        bm__grow((void **)&tokens->v, &tokens->cap, len / 4 + 64, sizeof *tokens->v))
        return bm_error_set(err, BM_ENOMEM, "tokenising %zu bytes: out of memory", len);
    const unsigned char *p = (const unsigned char *)text;
    builder b = {.t = tokens};
    int newline = 0;
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;
    while (i < len) {
        /* Fast paths for the bulk of news text: spaces, plain Arabic letters
         * (their own key) and ASCII letters. Everything else takes the
         * general path below. */
        unsigned c0 = p[i];
        if (c0 == ' ') {
            if (close_token(&b))
                goto nomem;
            i++;
            continue;
        }
        unsigned v = (c0 & 0xFE) == 0xD8 && i + 1 < len ? ar_fold_at(p + i) : 0;
        if (v > 1) {
            if (!(b.active && b.kind == BM_TOK_ARABIC)) {
                if (close_token(&b))
                    goto nomem;
                open_token(&b, BM_TOK_ARABIC, i, &newline);
            }
            /* a run of letters is written by the table: each letter's key
             * is two bytes, marks and tatweel none, so one capacity check
             * covers the run */
            if (tokens->buf_len + (len - i) + 2 > tokens->buf_cap &&
                buf_reserve(tokens, len - i + 2))
                goto nomem;
            char *out = tokens->buf + tokens->buf_len;
            size_t j = i;
            for (;;) {
                if (v > 1) {
                    out[0] = (char)(v >> 8);
                    out[1] = (char)(v & 0xFF);
                    out += 2;
                }
                j += 2;
                if (j + 1 >= len || (p[j] & 0xFE) != 0xD8 || !(v = ar_fold_at(p + j)))
                    break;
            }
            tokens->buf_len = (size_t)(out - tokens->buf);
            i = j;
            b.end = i;
            continue;
        }
        /* a mark of its own (. , : ( ) and the Arabic comma): one token,
         * without decoding and folding */
        int mc = c0 < 0x80 ? ascii_mark_class(c0) : 0;
        unsigned mark = (unsigned)c0;
        if (c0 == 0xD8 && i + 1 < len) {
            mark = p[i + 1] == 0x8C ? ',' : p[i + 1] == 0x9B ? ';' : p[i + 1] == 0x9F ? '?' : 0;
            mc = mark ? C_PUNCT : 0;
        }
        if (mc) {
            size_t at = i;
            i += c0 < 0x80 ? 1 : 2;
            folded f;
            one(&f, (cclass)mc, mark);
            if (feed(&b, &f, at, i, &newline))
                goto nomem;
            continue;
        }
        if (((c0 | 0x20) >= 'a' && (c0 | 0x20) <= 'z') && b.active && b.kind == BM_TOK_LATIN) {
            if (tokens->buf_len + 2 > tokens->buf_cap && buf_reserve(tokens, 2))
                goto nomem;
            tokens->buf[tokens->buf_len++] = (char)(c0 | 0x20);
            i++;
            b.end = i;
            continue;
        }
        size_t adv;
        uint32_t cp = decode(p + i, len - i, &adv);
        size_t at = i;
        i += adv;
        folded f;
        fold_cp(cp, &f);
        switch (f.cls) {
        case C_NEWLINE:
            newline = 1;
            /* fall through */
        case C_SPACE:
            if (close_token(&b))
                goto nomem;
            continue;
        case C_IGNORE: continue;
        case C_MARK:
            if (b.active && (b.kind == BM_TOK_ARABIC || b.kind == BM_TOK_LATIN))
                b.end = i;
            continue;
        case C_APOS:
            if (next_is_latin(p, len, i) && !(b.active && b.kind == BM_TOK_LATIN)) {
                /* an ayn/hamza mark opening a transliterated word ('Ana) */
                if (close_token(&b))
                    goto nomem;
                continue;
            }
            if (b.active && b.kind == BM_TOK_LATIN) {
                if (possessive_s(p, len, i)) {
                    /* keep "'s" in the byte range but out of the key */
                    b.end = i + 1;
                    i += 1;
                    if (close_token(&b))
                        goto nomem;
                    continue;
                }
                if (next_is_latin(p, len, i)) {
                    b.end = i;
                    continue;
                }
            }
            if (close_token(&b))
                goto nomem;
            /* A free-standing apostrophe acts as a quotation mark. */
            {
                folded q;
                one(&q, C_PUNCT, '\'');
                if (feed(&b, &q, at, i, &newline))
                    goto nomem;
            }
            continue;
        default:
            if (feed(&b, &f, at, i, &newline))
                goto nomem;
            continue;
        }
    }
    if (close_token(&b))
        goto nomem;
    fix_pointers(tokens);
    return BM_OK;
nomem:
    fix_pointers(tokens);
    return bm_error_set(err, BM_ENOMEM, "tokenising %zu bytes: out of memory", len);
}

void bm_tokens_free(bm_tokens *tokens)
{
    if (!tokens)
        return;
    free(tokens->v);
    free(tokens->buf);
    memset(tokens, 0, sizeof *tokens);
}

/* ---- Clitics ---------------------------------------------------------- */

/* Normalised Arabic letters are two bytes, 0xD8/0xD9 lead bytes. */
#define AR_WAW "\xD9\x88"
#define AR_FA "\xD9\x81"
#define AR_BA "\xD8\xA8"
#define AR_LAM "\xD9\x84"
#define AR_KAF "\xD9\x83"
#define AR_ALEF "\xD8\xA7"

static int letter_is(const char *w, size_t len, size_t at, const char *letter)
{
    return at + 2 <= len && w[at] == letter[0] && w[at + 1] == letter[1];
}

static int is_conj(const char *w, size_t len, size_t at)
{
    return letter_is(w, len, at, AR_WAW) || letter_is(w, len, at, AR_FA);
}

static int is_prep(const char *w, size_t len, size_t at)
{
    return letter_is(w, len, at, AR_BA) || letter_is(w, len, at, AR_LAM) ||
           letter_is(w, len, at, AR_KAF);
}

/* which == 1: one proclitic letter (و ف ب ل ك); which == 2: a conjunction
 * followed by a preposition (وب، ول، وك، فب، فل، فك). The remainder must keep
 * at least two letters, so short words are never reduced to nothing. */
size_t bm_ar_proclitic_len(const char *w, size_t len, int which)
{
    if (!w)
        return 0;
    if (which == 1) {
        if ((is_conj(w, len, 0) || is_prep(w, len, 0)) && len >= 2 + 4)
            return 2;
        return 0;
    }
    if (which == 2) {
        if (is_conj(w, len, 0) && is_prep(w, len, 2) && len >= 4 + 4)
            return 4;
        return 0;
    }
    return 0;
}

int bm_ar_has_article(const char *w, size_t len)
{
    if (!w || len < 4 + 4)
        return 0;
    if (letter_is(w, len, 0, AR_ALEF) && letter_is(w, len, 2, AR_LAM))
        return 1;
    return letter_is(w, len, 0, AR_LAM) && letter_is(w, len, 2, AR_LAM);
}
