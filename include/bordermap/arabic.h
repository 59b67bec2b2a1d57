/* bordermap/arabic.h: Unicode normalisation and tokenisation of Arabic and
 * Latin news text for matching (gazetteer names, month names, triggers).
 * Must never lose the link to the original bytes: every token carries its
 * byte offsets in the input, because provenance is reported in those. */
#ifndef BORDERMAP_ARABIC_H
#define BORDERMAP_ARABIC_H

#include <stddef.h>

#include "bordermap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Token classes. */
typedef enum bm_token_kind {
    BM_TOK_ARABIC = 1, /* Arabic-script word */
    BM_TOK_LATIN = 2,  /* Latin-script word */
    BM_TOK_NUMBER = 3, /* digits (ASCII or Arabic-Indic, normalised to ASCII) */
    BM_TOK_PUNCT = 4,  /* one punctuation mark: sentence ends, brackets, quotes, dashes */
    BM_TOK_OTHER = 5
} bm_token_kind;

typedef struct bm_token {
    size_t start, end;   /* byte range in the original text */
    const char *norm;    /* normalised form, NUL-terminated, owned by bm_tokens */
    size_t norm_len;
    bm_token_kind kind;
    int newline_before;  /* a line break separates it from the previous token */
} bm_token;

typedef struct bm_tokens {
    bm_token *v;
    size_t n, cap;
    char *buf;           /* storage of the normalised strings */
    size_t buf_len, buf_cap;
} bm_tokens;

/* Normalisation (the matching key of a word):
 * Arabic: alef forms (أ إ آ ٱ) -> ا, ة -> ه, ى -> ي, ؤ -> و, ئ -> ي, tatweel and
 * harakat removed, presentation forms folded (NFKC), Arabic-Indic digits ->
 * ASCII. Latin: case-folded, diacritics stripped, apostrophes/okina/ayn marks
 * removed, hyphens unified. Zero-width and bidi marks are dropped everywhere.
 * Writes the key of the UTF-8 string s into a malloc'ed string the caller frees;
 * NULL on allocation failure. */
char *bm_normalize(const char *s, size_t len);

/* Splits text into tokens (words, numbers, punctuation) with normalised forms.
 * Hyphens and slashes between words are punctuation tokens. tokens must be
 * zeroed or freed before reuse; free with bm_tokens_free(). BOM, CR and bidi
 * marks are tolerated. */
int bm_tokenize(const char *text, size_t len, bm_tokens *tokens, bm_error *err);
void bm_tokens_free(bm_tokens *tokens);

/* Arabic clitic handling for matching a normalised Arabic word w:
 * bm_ar_strip_proclitic() returns how many bytes of a leading و ف ب ل ك
 * (one or two of them, e.g. وب، فل، ول) could be removed, 0 if none; the caller
 * only strips when the remainder is a known word. bm_ar_has_article() tells
 * whether w starts with ال (or لل after a stripped proclitic, read as ال). */
size_t bm_ar_proclitic_len(const char *w, size_t len, int which);
int bm_ar_has_article(const char *w, size_t len);

#ifdef __cplusplus
}
#endif
#endif
