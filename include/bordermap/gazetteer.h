/* bordermap/gazetteer.h: the places of the Iraq-Syria corridor and beyond,
 * loaded from gazetteer/ TSV files, and the matcher that finds them in text.
 * Must never resolve a name that is also an ordinary word (القائم, الهول,
 * تدمر...) without evidence from the text around it. */
#ifndef BORDERMAP_GAZETTEER_H
#define BORDERMAP_GAZETTEER_H

#include <stddef.h>

#include "bordermap/arabic.h"
#include "bordermap/common.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_gazetteer bm_gazetteer;

/* A place as the gazetteer holds it. All strings are owned by the gazetteer
 * and live as long as it does. */
typedef struct bm_gplace {
    const char *id;
    const char *name_en;
    const char *name_ar;
    const char *kind;    /* country governorate district ... (gazetteer/README.md) */
    const char *country; /* ISO 3166-1 alpha-2, or "-" */
    const char *admin1;  /* governorate id, or "-" */
    const char *area;    /* "-", "admin1:SY-DY", "region:<id>", "country:IQ" */
    const char *source;
    bm_lonlat pt;
    long long population; /* -1 when unknown */
    int specificity;      /* crossing/camp/base > town > district > governorate > region > country */
} bm_gplace;

/* Loads every gazetteer/ TSV files under the data directory (curated rows win over
 * broad ones). *out is the caller's to free with bm_gazetteer_free(). */
int bm_gazetteer_load(bm_gazetteer **out, bm_error *err);
/* Adds the places a user imported into the store (gazetteer import). */
int bm_gazetteer_add_store_places(bm_gazetteer *g, bm_store *store, bm_error *err);
void bm_gazetteer_free(bm_gazetteer *g);

size_t bm_gazetteer_count(const bm_gazetteer *g);
/* Borrowed; NULL when there is no such id. */
const bm_gplace *bm_gazetteer_get(const bm_gazetteer *g, const char *id);

/* A place found in text. */
typedef struct bm_place_mention {
    size_t start, end;          /* byte range of the surface form in the text */
    const bm_gplace *place;     /* borrowed from the gazetteer */
    double confidence;          /* 0..1 */
    char reason[96];            /* why this place: "exact", "trigger:معبر", "sibling", ... */
} bm_place_mention;

/* Finds every place mention in UTF-8 text, in text order. *out is a malloc'ed
 * array the caller frees (free(*out)); *n its length. */
int bm_gazetteer_find(const bm_gazetteer *g, const char *text, size_t len,
                      bm_place_mention **out, size_t *n, bm_error *err);

/* A reusable matcher for many texts (streams, ingest of many articles): it
 * keeps its token and candidate buffers between calls, so matching a long
 * input costs no allocation per block. Not shared between threads; the
 * gazetteer may be (it is only read). Free with bm_place_finder_free(). */
typedef struct bm_place_finder bm_place_finder;
int bm_place_finder_new(const bm_gazetteer *g, bm_place_finder **out, bm_error *err);
/* Like bm_gazetteer_find, but *out is borrowed from the finder and valid
 * until its next call or bm_place_finder_free(). */
int bm_place_finder_run(bm_place_finder *f, const char *text, size_t len,
                        const bm_place_mention **out, size_t *n, bm_error *err);
/* The same over tokens the caller already has (bm_tokenize() of exactly this
 * text), so a pipeline tokenises once. The tokens are only read. */
int bm_place_finder_run_tokens(bm_place_finder *f, const char *text, size_t len,
                               const bm_tokens *tokens, const bm_place_mention **out,
                               size_t *n, bm_error *err);
/* The tokens of the text of the last bm_place_finder_run(); borrowed, valid
 * until the next run (hand them to bm_dates_find_opts()). */
const bm_tokens *bm_place_finder_tokens(const bm_place_finder *f);
void bm_place_finder_free(bm_place_finder *f);

/* Candidates for a typed name, best first, with a score 0..1. */
typedef struct bm_place_candidate {
    const bm_gplace *place;
    double score;
    const char *matched; /* the alias that matched; borrowed */
} bm_place_candidate;
/* Fills up to max candidates; *n is how many. */
int bm_gazetteer_search(const bm_gazetteer *g, const char *name, bm_place_candidate *out,
                        size_t max, size_t *n);

/* The names of a place as listed in the gazetteer (canonical names first,
 * then aliases, each once). Fills up to max borrowed strings; returns how
 * many there are in total. Walks the index: meant for display, not for
 * matching. */
size_t bm_gazetteer_names(const bm_gazetteer *g, const bm_gplace *p, const char **out,
                          size_t max);

/* The matching key of a place name as the index holds it (Arabic words
 * normalised and joined by one space; Latin words case-folded, diacritics
 * stripped and run together). Writes it into out; returns its length, 0 when
 * the name has no letters or the key does not fit. */
size_t bm_gazetteer_key(const char *name, char *out, size_t outsize);

/* Writes every place (and alias) into the store's places/place_names tables
 * when the gazetteer changed since the last sync (fingerprint in meta). */
int bm_gazetteer_sync_store(const bm_gazetteer *g, bm_store *store, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
