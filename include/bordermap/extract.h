/* bordermap/extract.h: turns the text of one news article into the dated,
 * placed incidents an analyst would map (trigger words, the date and place
 * that belong to each, type, precision, fatalities, confidence).
 * Must never invent a date or a place: every incident points back to the
 * sentence it came from, and what was inferred is said in its reasons. */
#ifndef BORDERMAP_EXTRACT_H
#define BORDERMAP_EXTRACT_H

#include <stddef.h>

#include "bordermap/common.h"
#include "bordermap/dates.h"
#include "bordermap/gazetteer.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_extractor bm_extractor;

/* Loads the lexicons (gazetteer/lexicon/triggers-ar.tsv, triggers-en.tsv,
 * cues.tsv, demonyms.tsv, fatalities.tsv) from the data directory. g and d
 * are borrowed and must outlive the extractor. Free with bm_extractor_free(). */
int bm_extractor_new(const bm_gazetteer *g, const bm_dates *d, bm_extractor **out, bm_error *err);
/* Like bm_extractor_new, with the lexicons read from dir instead of
 * <data>/gazetteer/lexicon (tests and users with their own lexicons). */
int bm_extractor_new_from(const bm_gazetteer *g, const bm_dates *d, const char *dir,
                          bm_extractor **out, bm_error *err);
void bm_extractor_free(bm_extractor *x);
/* Number of trigger terms loaded (both languages). */
size_t bm_extractor_trigger_count(const bm_extractor *x);

/* How a date or a place was attached to a trigger (best first). */
typedef enum bm_attach {
    BM_ATTACH_NONE = 0,
    BM_ATTACH_CLAUSE = 1,    /* in the trigger's own clause */
    BM_ATTACH_SENTENCE = 2,  /* elsewhere in the sentence */
    BM_ATTACH_FRAME = 3,     /* by the frame of the trigger: a visit's destination,
                                the capital of a call's receiver */
    BM_ATTACH_BORDER = 4,    /* a border event with no named place: the frontier */
    BM_ATTACH_INHERITED = 5, /* from an earlier sentence */
    BM_ATTACH_NATION = 6,    /* only a nationality word: the country */
    BM_ATTACH_PUBLISHED = 7  /* no date in the text: the publication date */
} bm_attach;

/* One incident found in an article. The incident's place, dates, type,
 * precision, fatalities, confidence, reasons and summary are filled; its id
 * and n_sources are not (the store sets them). */
typedef struct bm_extracted {
    bm_incident inc;
    const bm_gplace *place;      /* borrowed from the gazetteer */
    size_t sent_start, sent_end; /* byte range of the sentence (provenance) */
    size_t trig_start, trig_end; /* byte range of the deciding trigger word */
    bm_attach date_from, place_from;
} bm_extracted;

typedef struct bm_extraction {
    bm_extracted *v; /* incidents, in text order */
    size_t n;
    char language[3]; /* "ar" or "en" */
    size_t n_sentences;
    size_t n_unresolved; /* events dropped for want of any date */
} bm_extraction;

/* Extracts the incidents of an article. published (may be NULL) resolves
 * relative dates and dates the undated events; without it those events are
 * dropped and counted in n_unresolved, never guessed. out must be zeroed or
 * freed before reuse; free with bm_extraction_free(). */
int bm_extract(const bm_extractor *x, const char *text, size_t len, const bm_date *published,
               bm_extraction *out, bm_error *err);
/* bm_extract() over tokens the caller already has (bm_tokenize() of exactly
 * this text; borrowed, only read), so a pipeline tokenises once. NULL
 * tokens: tokenised here. The extractor is only read: threads may share it. */
int bm_extract_tokens(const bm_extractor *x, const char *text, size_t len,
                      const bm_tokens *tokens, const bm_date *published, bm_extraction *out,
                      bm_error *err);
void bm_extraction_free(bm_extraction *e);

/* "ar" when Arabic letters outnumber Latin ones, else "en". Static string. */
const char *bm_detect_language(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
