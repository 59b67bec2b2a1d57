/* identity.h: the stable identity of extracted incidents (article digest,
 * sentence byte range, place, rank among same-place incidents of the
 * sentence), with which re-ingesting an article finds its incidents again.
 * Used by ingest.c only; never part of the public API. */
#ifndef BORDERMAP_IDENTITY_H
#define BORDERMAP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "bordermap/extract.h"
#include "bordermap/store.h"

/* The key of one extracted incident (without the digest). */
typedef struct bm__ikey {
    size_t start, end; /* sentence byte range */
    char place[80];    /* place id, or "pt:LON,LAT" at 4 decimals */
    int ordinal;       /* earlier incidents of the sentence with the same place */
} bm__ikey;

/* The keys of every incident of an extraction; *out is malloc'ed (free()). */
int bm__identity_keys(const bm_extraction *ex, bm__ikey **out, bm_error *err);

/* Records that the incident with key k of article sha256 is incident id.
 * *st caches the statement between calls (NULL at first; the caller
 * finalizes it before the store closes): ingest records every incident. */
int bm__identity_record(bm_store *s, sqlite3_stmt **st, const char *sha256, const bm__ikey *k,
                        int64_t id, bm_error *err);

/* What an article had before it is extracted again. */
typedef struct bm__reingest bm__reingest;

/* Reads the old keys and incidents of the article, then removes the article
 * row (its source links go with it) and its keys; the incidents stay until
 * bm__reingest_finish decides. Inside the caller's transaction. */
int bm__reingest_begin(bm_store *s, int64_t article_id, const char *sha256, bm__reingest **out,
                       bm_error *err);

/* For each of the n incidents of the new extraction (keys k), the old
 * incident it is (0: none; -1: one an analyst deleted, not to be stored):
 * same key first, then an unclaimed key of the same sentence (so a sentence
 * that now yields two incidents keeps the id on the one that matches, else
 * the first). *out is malloc'ed (free()). */
int bm__reingest_claim(bm__reingest *r, const bm__ikey *k, size_t n, int64_t **out, bm_error *err);

/* Brings a claimed incident up to date with its new extraction: an edited
 * one keeps every field (and loses a "no longer extracted" mark); one that
 * other articles also support keeps its fields; any other takes the new
 * fields under its old id. *refreshed is set when fields were rewritten. */
int bm__reingest_refresh(bm_store *s, bm__reingest *r, int64_t id, const bm_incident *extracted,
                         bm_error *err);

/* Settles the old incidents that nothing claimed: those other articles (or a
 * new link) support stay; an edited one with no source left stays, marked
 * for review with a history row; the rest are deleted. */
int bm__reingest_finish(bm_store *s, bm__reingest *r, const char *file_name, bm_error *err);

void bm__reingest_free(bm__reingest *r);

#endif
