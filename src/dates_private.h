/* dates_private.h: the date finder over a classification of the tokens made
 * once, so that ingest classifies an article's tokens (lexicon lookups of
 * every word) once for its publication date and its dates, and a thread
 * reuses the memory from one article to the next. Results equal those of
 * bm_dates_find_opts and bm_dates_published_opts. Never exported. */
#ifndef BORDERMAP_DATES_PRIVATE_H
#define BORDERMAP_DATES_PRIVATE_H

#include <stdint.h>

#include "bordermap/dates.h"

/* What the lexicon says of every token of one token array; one thread's. */
typedef struct bm__dates_cls bm__dates_cls;

bm__dates_cls *bm__dates_cls_new(void);
void bm__dates_cls_free(bm__dates_cls *c);
/* Classifies every token of tok into c (its memory reused); c then holds
 * tok until the next call or bm__dates_cls_forget. th: bm__key_hash of
 * each token's normalised form, or NULL (hashed here). */
int bm__dates_classify(const bm_dates *d, const bm_tokens *tok, const uint32_t *th,
                       bm__dates_cls *c);
/* Whether c holds the classification of exactly tok (same array, same n). */
int bm__dates_cls_holds(const bm__dates_cls *c, const bm_tokens *tok);
/* c holds nothing any more (its tokens are about to be freed). */
void bm__dates_cls_forget(bm__dates_cls *c);

/* bm_dates_find_opts() over o->tokens, which c must hold. */
int bm__dates_find_cls(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                       const bm__dates_cls *c, bm_date_mention **out, size_t *n, bm_error *err);
/* bm_dates_published_opts() over o->tokens, the first o->tokens->n tokens of
 * those c holds (a head view of them, text cut at len): the same as
 * classifying the head alone. c is not changed but for its scratch memory. */
int bm__dates_published_cls(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                            bm__dates_cls *c, bm_date *out, bm_error *err);

#endif
