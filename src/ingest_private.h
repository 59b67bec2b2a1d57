/* ingest_private.h: the two halves of ingesting an article, so that worker
 * threads can prepare articles (read, digest, date, extract: no database
 * writes) while one writer stores them in input order (ingest_parallel.c).
 * Never exported: nothing here is part of the public API. */
#ifndef BORDERMAP_INGEST_PRIVATE_H
#define BORDERMAP_INGEST_PRIVATE_H

#include "bordermap/extract.h"
#include "bordermap/ingest.h"
#include "extract_ws_private.h"

/* Whether an article with this digest is stored: BM_OK (and *id) if it is,
 * anything else if not or unknown. */
typedef int (*bm__lookup_fn)(void *user, const char *sha256, int64_t *id);

/* An article prepared for storing. */
typedef struct bm__prepared {
    bm_ingest_result r; /* digest, language, date; status when skip */
    int skip;           /* already stored: nothing to write */
    int has_pub;
    bm_date pub;
    bm_extraction ex; /* owned; bm__prepared_free() */
} bm__prepared;

/* Reads only the handle's extractor and lexicons (never its store): safe on
 * several threads at once, each with its own workspace ws (NULL: one for
 * this article only). lookup (may be NULL) lets an unchanged article skip
 * extraction. o must not be NULL. On failure err says why and *p holds
 * nothing to free. */
int bm__ingest_prepare(const bm_ingest *ig, bm__extract_ws *ws, const char *data, size_t len,
                       const bm_ingest_opts *o, bm__lookup_fn lookup, void *lookup_user,
                       bm__prepared *p, bm_error *err);
/* A new extraction workspace for one thread preparing articles for ig, or
 * NULL (out of memory: bm__ingest_prepare then makes one per article).
 * Free with bm__extract_ws_free(). */
bm__extract_ws *bm__ingest_ws_new(const bm_ingest *ig);
/* Stores a prepared article in its own transaction (or batch savepoint);
 * the writer's thread only. Fills *r. p stays the caller's to free. */
int bm__ingest_store(bm_ingest *ig, const char *name, const char *data, bm__prepared *p,
                     const bm_ingest_opts *o, bm_ingest_result *r, bm_error *err);
void bm__prepared_free(bm__prepared *p);

/* Reads an article file ("-": stdin) within o->max_bytes; *data malloc'ed. */
int bm__ingest_read(const char *path, const bm_ingest_opts *o, char **data, size_t *len,
                    bm_error *err);
/* The file name stored for a path ("(stdin)" for "-"); static or path. */
const char *bm__ingest_name(const char *path);

/* The store the handle writes (borrowed). */
bm_store *bm__ingest_store_handle(const bm_ingest *ig);

#endif
