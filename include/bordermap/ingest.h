/* bordermap/ingest.h: reads news articles into the store: digest, language,
 * publication date, incident extraction and cross-article deduplication, one
 * transaction per article.
 * Must never leave an article half-stored: an error (or a kill) in one
 * article leaves the database exactly as it was before that article. */
#ifndef BORDERMAP_INGEST_H
#define BORDERMAP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/common.h"
#include "bordermap/dates.h"
#include "bordermap/extract.h"
#include "bordermap/gazetteer.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_ingest bm_ingest;

/* Options of one article. Strings are borrowed for the call. */
typedef struct bm_ingest_opts {
    const char *published; /* YYYY-MM-DD, overrides what the article states; NULL */
    const char *source;    /* outlet name; NULL */
    const char *url;       /* NULL */
    int force;             /* re-extract an article already stored */
    double merge_km;       /* grid cell of the merge key for incidents placed by
                              coordinates only (default 10 km) */
    size_t max_bytes;      /* longer articles are refused with BM_EINVAL
                              (default BM_INGEST_MAX_BYTES; 0: no limit) */
} bm_ingest_opts;

/* The default article size limit: 4 MiB. News articles are a few KB; a file
 * this large is almost always a dump or a wrong path. */
#define BM_INGEST_MAX_BYTES (4u * 1024 * 1024)

void bm_ingest_opts_init(bm_ingest_opts *o);

typedef enum bm_ingest_status {
    BM_INGEST_STORED = 1,  /* a new article */
    BM_INGEST_SKIPPED = 2, /* same sha256 already stored, nothing changed */
    BM_INGEST_REPLACED = 3 /* --force: extracted again; incidents found again keep
                              their ids, corrected ones keep every field */
} bm_ingest_status;

typedef struct bm_ingest_result {
    bm_ingest_status status;
    int64_t article_id;
    char sha256[65];
    char language[3];
    char published[11];         /* "" when unknown */
    const char *published_from; /* "option", "article" or "none"; static */
    size_t n_new;               /* incidents created */
    size_t n_merged;            /* incidents that were already known: one more source */
    size_t n_kept;              /* --force: incidents found again, under their old ids */
    size_t n_unresolved;        /* events dropped for want of a date */
} bm_ingest_result;

/* Loads the gazetteer (plus the places users imported into this store), the
 * date lexicons and the extraction lexicons. store is borrowed and must
 * outlive the handle. Free with bm_ingest_free(). */
int bm_ingest_new(bm_store *store, bm_ingest **out, bm_error *err);
/* Same, with an already loaded gazetteer and date lexicons (borrowed). */
int bm_ingest_new_with(bm_store *store, const bm_gazetteer *g, const bm_dates *d, bm_ingest **out,
                       bm_error *err);
/* Commits any open batch (errors are lost: call bm_ingest_flush first to
 * see them), then frees. NULL does nothing. */
void bm_ingest_free(bm_ingest *ig);

/* Bulk loads: commit every n articles instead of after each one (n <= 1:
 * each article is its own transaction, the default). Each article stays all
 * or nothing (a savepoint inside the batch), but a kill loses the whole
 * uncommitted batch; those articles are simply read again by the next run.
 * Flushes the open batch first. */
int bm_ingest_set_batch(bm_ingest *ig, size_t n, bm_error *err);
/* Commits the open batch, if any. */
int bm_ingest_flush(bm_ingest *ig, bm_error *err);

/* Ingests one article held in memory (UTF-8; a BOM, CRLF line ends and bidi
 * marks are tolerated). name is what the store records as its file name (may
 * be NULL). On failure nothing of this article is in the store. An empty
 * article (no bytes, or only a BOM and white space) is BM_EPARSE; one over
 * o->max_bytes is BM_EINVAL. Articles longer than 256 KiB are extracted in
 * blocks cut at paragraph breaks, so memory stays a small multiple of the
 * article's size. */
int bm_ingest_text(bm_ingest *ig, const char *name, const char *data, size_t len,
                   const bm_ingest_opts *o, bm_ingest_result *r, bm_error *err);
/* Reads path ("-" = stdin) and ingests it; a file over o->max_bytes is
 * refused before it is read (BM_EINVAL). */
int bm_ingest_file(bm_ingest *ig, const char *path, const bm_ingest_opts *o, bm_ingest_result *r,
                   bm_error *err);

/* Called by bm_ingest_files() on the caller's thread for each path, in the
 * order given: rc is bm_ingest_file()'s, r and err (borrowed for the call)
 * its result and message. */
typedef void (*bm_ingest_file_cb)(const char *path, size_t index, int rc,
                                  const bm_ingest_result *r, const bm_error *err, void *user);
/* Ingests paths[0..n) as bm_ingest_file() would one after the other, with
 * reading, digests, dates and extraction spread over `jobs` worker threads
 * while the caller's thread stores each article (its own transaction, or the
 * batch's savepoint) in the order given: the database ends up exactly as
 * with jobs = 1, which runs everything on the caller's thread. At most
 * 8 x jobs articles are held at once. Each article's outcome goes to cb;
 * returns BM_EINVAL only for bad arguments. The handle's store must not be
 * used by the caller until it returns. */
int bm_ingest_files(bm_ingest *ig, char *const *paths, size_t n, const bm_ingest_opts *o,
                    unsigned jobs, bm_ingest_file_cb cb, void *user, bm_error *err);
/* The number of processors this process may use (at least 1). */
unsigned bm_ingest_default_jobs(void);

/* The extractor the handle uses (borrowed), e.g. to preview an article. */
const bm_extractor *bm_ingest_extractor(const bm_ingest *ig);

#ifdef __cplusplus
}
#endif
#endif
