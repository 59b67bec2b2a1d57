/* bordermap/store.h: the SpatiaLite database of articles, places and dated
 * incidents (the embedded default store).
 * The store never interprets text: extraction happens in ingest, and the store
 * only validates and persists what it is given, one transaction per write. */
#ifndef BORDERMAP_STORE_H
#define BORDERMAP_STORE_H

#include "bordermap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this library writes; older files are migrated forward
 * on open, newer ones are refused with BM_EVERSION. */
#define BM_SCHEMA_VERSION 6

typedef struct bm_store bm_store;

enum {
    BM_STORE_READONLY = 1 << 0, /* open for reading only; never creates or migrates */
    BM_STORE_NOCREATE = 1 << 1  /* fail with BM_ENOTFOUND when the file does not exist */
};

/* Opens (creating and migrating as needed) the database at path. On success
 * *out is a handle the caller frees with bm_store_close(). On failure *out is
 * NULL, err says why, and no file was created or changed. */
int bm_store_open(const char *path, int flags, bm_store **out, bm_error *err);
/* Closes the handle; NULL does nothing. */
void bm_store_close(bm_store *store);
/* Detail of the last failure on this handle; borrowed, valid until the next call. */
const char *bm_store_errmsg(const bm_store *store);
/* The path the store was opened with; borrowed. */
const char *bm_store_path(const bm_store *store);
/* The schema version of the open file. */
int bm_store_schema_version(bm_store *store);

/* Explicit transactions group several writes into one (ingest of an article,
 * bulk loads). Writes outside them are each their own transaction. */
int bm_store_begin(bm_store *store);
int bm_store_commit(bm_store *store);
/* Rolls back; safe to call when no transaction is open. */
void bm_store_rollback(bm_store *store);

/* ---- Incidents ------------------------------------------------------- */

typedef struct bm_incident {
    int64_t id;                  /* set by bm_store_incident_add */
    bm_date date_start;          /* first day */
    bm_date date_end;            /* last day (== date_start at day precision) */
    bm_precision date_precision; /* BM_PREC_DAY .. BM_PREC_YEAR */
    char type[16];               /* one of bm_type_name() */
    char place_id[64];           /* gazetteer id, "" when placed by coordinates only */
    bm_lonlat pt;                /* WGS84 */
    int geo_precision;           /* ACLED: 1 point/town, 2 near/part of region, 3 region */
    double confidence;           /* 0..1 */
    int fatalities;              /* -1 when not stated */
    int n_sources;               /* read-only: number of linked article sources */
    char summary[1024];
    char reasons[256];           /* why the confidence is what it is */
    char actor1[96];             /* the side that acts ("" when unknown) */
    char actor2[96];             /* the side acted upon ("" when none or unknown) */
    char provenance[16];         /* "extracted", "manual" or "acled"; "" = extracted */
    char external_id[32];        /* the source dataset's id (ACLED event_id_cnty) or "" */
    int inter1, inter2;          /* ACLED interaction codes 1-8 of the actors, 0 unknown */
} bm_incident;

/* Fills defaults: precision day, geo_precision 1, confidence 1, fatalities -1. */
void bm_incident_init(bm_incident *inc);

/* Validates and inserts; sets inc->id. BM_EINVAL on a bad type, date, range
 * or coordinate (message on the handle). */
int bm_store_incident_add(bm_store *store, bm_incident *inc);
/* Rewrites every field of an existing incident (by inc->id). */
int bm_store_incident_update(bm_store *store, const bm_incident *inc);
/* The first incident with this provenance and external id (an ACLED event
 * imported before): BM_OK with *id set, or BM_ENOTFOUND. */
int bm_store_incident_find_external(bm_store *store, const char *provenance,
                                    const char *external_id, int64_t *id);
/* BM_ENOTFOUND when there is no such id. */
int bm_store_incident_get(bm_store *store, int64_t id, bm_incident *out);
/* Deletes the incident and its source links; BM_ENOTFOUND when absent. */
int bm_store_incident_delete(bm_store *store, int64_t id);

/* A filter over incidents. All members are optional; bm_query_init() sets
 * "everything". Strings are borrowed for the duration of the call. */
typedef struct bm_query {
    int has_from, has_to;
    bm_date from, to;            /* inclusive; an incident matches when its
                                    [date_start, date_end] overlaps [from, to] */
    int has_bbox;
    double west, south, east, north;
    const char *const *types;    /* n_types names; NULL/0 = all types */
    size_t n_types;
    int64_t limit;               /* <= 0: no limit */
    int any_order;               /* 1: in storage order, not by date (a whole-table scan
                                    without the date index's random reads; for callers
                                    that sort or do not care, e.g. a map) */
} bm_query;

void bm_query_init(bm_query *q);

/* Calls cb for each matching incident ordered by date_start, id (unless
 * q->any_order). The
 * incident passed to cb is borrowed and valid only during the call. A non-zero
 * return from cb stops the scan and is returned. */
typedef int (*bm_incident_cb)(const bm_incident *inc, void *user);
int bm_store_query(bm_store *store, const bm_query *q, bm_incident_cb cb, void *user);
/* Counts matching incidents. */
int bm_store_count(bm_store *store, const bm_query *q, int64_t *count);

/* ---- Articles and sources ------------------------------------------- */

typedef struct bm_article {
    int64_t id;
    char sha256[65];         /* hex digest of the article bytes */
    const char *file_name;   /* borrowed; may be NULL */
    const char *source;      /* outlet; may be NULL */
    const char *url;         /* may be NULL */
    const char *published;   /* YYYY-MM-DD or NULL */
    const char *language;    /* "ar", "en" or NULL */
} bm_article;

/* Looks an article up by digest: BM_OK with *id set, or BM_ENOTFOUND. */
int bm_store_article_find(bm_store *store, const char *sha256, int64_t *id);
/* Inserts an article; sets a->id. BM_EEXIST when its digest is present. */
int bm_store_article_add(bm_store *store, bm_article *a);
/* Removes an article, its source links, and incidents left with no source.
 * (ingest --force does not use it: it finds the article's incidents again by
 * their identity and keeps their ids and corrections; see edits.h.) */
int bm_store_article_purge(bm_store *store, int64_t article_id);

typedef struct bm_source {
    int64_t incident_id, article_id;
    int64_t byte_start, byte_end; /* offsets of the sentence in the article */
    const char *sentence;         /* borrowed */
    const char *file_name;        /* borrowed, filled by the iterator */
    const char *url;              /* borrowed, filled by the iterator */
    const char *outlet;           /* borrowed, filled by the iterator: the article's source */
    const char *published;        /* borrowed, filled by the iterator: YYYY-MM-DD or NULL */
} bm_source;

/* Links an incident to an article (one more source for it). */
int bm_store_source_add(bm_store *store, const bm_source *src);
/* Calls cb for each source of an incident (incident_id > 0) or for every
 * source (incident_id <= 0), ordered by incident, article, offset. */
typedef int (*bm_source_cb)(const bm_source *src, void *user);
int bm_store_sources(bm_store *store, int64_t incident_id, bm_source_cb cb, void *user);

/* ---- Places (the gazetteer, as stored for GIS users) ----------------- */

typedef struct bm_place {
    char id[64];
    char name_en[128];
    char name_ar[128];
    char kind[16];
    char country[3];
    char admin1[64];
    int64_t population; /* -1 when unknown */
    bm_lonlat pt;
    char source[96]; /* curated, geonames:<id>, wof:<id>;gn:<id>, user ("" unknown) */
} bm_place;

/* Inserts or replaces a place (and drops its old aliases). */
int bm_store_place_put(bm_store *store, const bm_place *p);
/* Adds one alias with its normalised key and language ("ar", "en"). */
int bm_store_place_name_add(bm_store *store, const char *place_id, const char *name,
                            const char *key, const char *lang);
/* Sets a place's area from WKB (POLYGON or MULTIPOLYGON, EPSG:4326). */
int bm_store_place_area_set(bm_store *store, const char *place_id, const unsigned char *wkb,
                            size_t wkb_size);
/* BM_ENOTFOUND when absent. */
int bm_store_place_get(bm_store *store, const char *id, bm_place *out);
int bm_store_place_count(bm_store *store, int64_t *count);
/* Calls cb for every place ordered by id. */
typedef int (*bm_place_cb)(const bm_place *p, void *user);
int bm_store_places(bm_store *store, bm_place_cb cb, void *user);

/* Every alias of every place (place_names), in no set order; cb returns
 * non-zero to stop (that value is returned). Strings are borrowed for the
 * call only. */
typedef int (*bm_place_name_cb)(const char *place_id, const char *name, const char *lang,
                                void *user);
int bm_store_place_names(bm_store *store, bm_place_name_cb cb, void *user);

/* Records of imported gazetteers (wof:<id>, gn:<id>, tsv:<id>): the place
 * each became or was merged into, and a digest of the row as imported.
 * get writes into caller buffers (either may be NULL); BM_ENOTFOUND when
 * the record was never imported. */
int bm_store_place_record_get(bm_store *store, const char *record, char *place_id,
                              size_t id_size, char *digest, size_t digest_size);
int bm_store_place_record_put(bm_store *store, const char *record, const char *place_id,
                              const char *digest);
/* Points the incidents of place `from` at place `to` (and its point);
 * *moved (may be NULL) gets how many. Nothing moves when `to` is absent. */
int bm_store_place_move_incidents(bm_store *store, const char *from, const char *to,
                                  int64_t *moved);
/* Removes a place with its names and records (incidents keep their id). */
int bm_store_place_delete(bm_store *store, const char *id);

/* A value kept in the meta table (e.g. the gazetteer fingerprint the places
 * table was loaded from). bm_store_meta_get writes "" when absent. */
int bm_store_meta_get(bm_store *store, const char *key, char *buf, size_t bufsize);
int bm_store_meta_set(bm_store *store, const char *key, const char *value);

#ifdef __cplusplus
}
#endif
#endif
