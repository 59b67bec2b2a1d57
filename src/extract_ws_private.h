/* extract_ws_private.h: what one thread's extractions keep from one text to
 * the next (the place finder with its word memo, the lexicon's word memo),
 * so that a stream of articles looks each distinct word up once, not once
 * per article. Results are the same with or without one. Never exported. */
#ifndef BORDERMAP_EXTRACT_WS_PRIVATE_H
#define BORDERMAP_EXTRACT_WS_PRIVATE_H

#include <stdint.h>

#include "bordermap/extract.h"
#include "bordermap/gazetteer.h"
#include "dates_private.h"

typedef struct bm__extract_ws bm__extract_ws;
typedef struct lex_memo lex_memo;

/* A workspace for extractions over gazetteer g, for one thread at a time.
 * Its memory is bounded however many texts it reads. */
int bm__extract_ws_new(const bm_gazetteer *g, bm__extract_ws **out, bm_error *err);
void bm__extract_ws_free(bm__extract_ws *ws);
/* The workspace's place finder, or NULL when ws is NULL or was made for
 * another gazetteer than g. */
bm_place_finder *bm__extract_ws_finder(bm__extract_ws *ws, const bm_gazetteer *g);
/* The workspace's lexicon word memo, or NULL when ws is NULL. */
lex_memo *bm__extract_ws_lex(bm__extract_ws *ws);

/* The workspace's date classification, or NULL when ws is NULL. A caller
 * that classified the tokens it passes to bm__extract_tokens_ws there
 * saves the extraction doing it again; the extraction forgets it. */
bm__dates_cls *bm__extract_ws_dates(bm__extract_ws *ws);

/* bm__key_hash of every token's normalised form, for exactly tokens t
 * (computed here unless ws holds them already), so that the date lexicon,
 * the trigger lexicon's memo and the gazetteer's memo hash each word once,
 * not three times; NULL when ws is NULL or out of memory (each then hashes
 * itself). Valid until bm__extract_ws_forget_hashes, which a caller calls
 * before the tokens are freed. */
const uint32_t *bm__extract_ws_hashes(bm__extract_ws *ws, const bm_tokens *t);
void bm__extract_ws_forget_hashes(bm__extract_ws *ws);

/* Per-article working arrays a thread's extractions lend each other, so that
 * an article allocates none of them: each slot is one array of the
 * extraction (extract.c's article). */
enum {
    BM__WS_TOKINFO, /* per token */
    BM__WS_PLACES,  /* place mentions */
    BM__WS_DATES,   /* date mentions */
    BM__WS_SENTS,   /* sentences */
    BM__WS_PEOPLE,  /* people named */
    BM__WS_NSLOTS
};
/* Takes slot k's memory out of ws: *cap_bytes bytes of it, contents
 * undefined (NULL and 0 when ws is NULL or holds none). */
void *bm__extract_ws_take(bm__extract_ws *ws, int k, size_t *cap_bytes);
/* Gives p (cap_bytes bytes, maybe grown or NULL) back to slot k; freed
 * instead when ws is NULL or p is too large to keep. */
void bm__extract_ws_give(bm__extract_ws *ws, int k, void *p, size_t cap_bytes);

/* bm_extract_tokens() with a workspace (NULL: one for this call only);
 * tokens NULL: the text is tokenised here, as bm_extract() does; language
 * bm_detect_language() of the text when the caller has it (ingest), NULL:
 * detected here. */
int bm__extract_tokens_ws(const bm_extractor *x, bm__extract_ws *ws, const char *text, size_t len,
                          const bm_tokens *tokens, const char *language, const bm_date *published,
                          bm_extraction *out, bm_error *err);

#endif
