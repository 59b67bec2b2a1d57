/* store_private.h: what library modules (not users) may reach inside the
 * store: the raw connection for bulk work, and migration control for tests.
 * Never exported: nothing here is part of the public API. */
#ifndef BORDERMAP_STORE_PRIVATE_H
#define BORDERMAP_STORE_PRIVATE_H

#include <sqlite3.h>

#include "bordermap/gazetteer.h"
#include "bordermap/store.h"

/* The connection behind the handle; borrowed. */
sqlite3 *bm__store_db(bm_store *store);

/* Migrates the open store forward to schema version `target`, in one
 * transaction. */
int bm__store_migrate(bm_store *store, int target);

/* Like bm_store_open, but a new file is created at schema version
 * `target_version` instead of the current one (tests use it to build an old
 * database and check its migration). */
int bm__store_open_at(const char *path, int flags, int target_version, bm_store **out,
                      bm_error *err);

/* bm_store_open_schema with a target version (see bm__store_open_at). */
int bm__store_open_full(const char *path, const char *pg_schema, int flags, int target_version,
                        bm_store **out, bm_error *err);

/* The 1-degree grid cell of a point, as stored in incidents.cell. */
int bm__grid_cell(bm_lonlat pt);

/* Calls cb for each stored incident with key's type, date_start, date_end,
 * date precision and place_id ("" matches none), lowest id first, with only
 * those fields, its id and its point filled in. The incident passed to cb is
 * borrowed for the call. */
int bm__store_incidents_by_key(bm_store *store, const bm_incident *key, bm_incident_cb cb,
                               void *user);

/* bm_store_query for a map: the same rows in the same order with only id, the dates and
 * their precision, type, place_id, point, geo_precision, fatalities and n_sources filled in
 * (the text columns empty), at a fraction of the cost on a whole table. */
int bm__store_query_map(bm_store *store, const bm_query *q, bm_incident_cb cb, void *user);

/* Keeps the incident indexes maintained row by row however many incidents
 * one transaction inserts: for writers that query incidents between their
 * inserts (ingest's duplicate lookup needs the date index). */
void bm__store_keep_indexes(bm_store *store);

/* While on (calls with on = 1 and on = 0 paired), the incidents' CHECK constraints are
 * not evaluated on this connection: for writers that write incidents only through
 * bm_store_incident_add/update, which check the same in C (ingest). */
void bm__store_trust_checks(bm_store *store, int on);

/* A long read-once scan or a long run of small transactions (store_lean.c): no file
 * mapping and a cache of cache_kib KiB until bm__store_lean_end() puts the store's
 * settings back. Never fails: when the settings
 * cannot be read nothing changes. */
typedef struct bm__store_lean {
    sqlite3 *db;
    long long mmap_size, cache_size;
} bm__store_lean;
void bm__store_lean_begin(bm_store *store, long cache_kib, bm__store_lean *l);
void bm__store_lean_end(bm__store_lean *l);

/* ---- Templates of new databases (store_template.c) ---------------------------------- */

/* What a template holds beyond the schema: called once on the store of a template being
 * built (the CLI copies the gazetteer into it). BM_OK or an error. */
typedef int (*bm__store_fill_fn)(bm_store *store, void *user);

/* Creates the SQLite database `path` (which must not exist) as a copy of the cached
 * template for `tag`, a string naming everything fill() writes (two fills with one tag
 * must write the same). On a miss, or an entry that fails its digest, the template is
 * built (schema, then fill) and cached first. *hit (may be NULL) says whether the cache
 * served it. BM_EEXIST when path appeared meanwhile; any other error means nothing was
 * created and the caller creates the database the ordinary way. */
int bm__store_create_from_template(const char *path, const char *tag, bm__store_fill_fn fill,
                                   void *user, int *hit);

/* The cache entry's path for tag (tests). BM_ENOTFOUND when there is no cache. */
int bm__store_template_path(const char *tag, char *buf, size_t size);

/* A new database `path` with the gazetteer synced into it, as a copy of the cached
 * template (gazetteer_store.c); see bm__store_create_from_template for the results.
 * g NULL: the gazetteer files as they are now, loaded only if the template must be built
 * (the same entry as a g loaded from the same files). */
int bm__gazetteer_store_create(const bm_gazetteer *g, const char *path, int *hit);
/* 1 when the store's places are synced from the gazetteer files as they are now (the
 * fingerprint in meta checked against the files' sizes and times, nothing loaded): a sync
 * would change nothing. 0 when it may (or the store cannot say). */
int bm__gazetteer_store_current(bm_store *store);
/* The cache entry bm__gazetteer_store_create uses for g (or NULL, the files now). */
int bm__gazetteer_template_path(const bm_gazetteer *g, char *buf, size_t size);

/* The name of the VFS the store opens its files with (store_vfs.c: the default one with
 * the WAL's frame writes gathered into one write per commit), or NULL (the default) when
 * it cannot be registered. */
const char *bm__store_vfs(void);

/* The WAL's write-back hints (store_vfs.c): a range of the file written and not yet handed
 * to the kernel's write-back. bm__wb_note() records a write of amt bytes at off and returns
 * 1 with [*lo, *hi) when a range is to be handed over: BM__WRITEBACK bytes have gathered,
 * or the write is away from the range in hand (the WAL restarted after a checkpoint, a
 * frame header rewritten in place), which hands the old range over and starts anew. */
#define BM__WRITEBACK (1 << 20)
typedef struct bm__wb_range {
    int64_t lo, hi;
} bm__wb_range;
int bm__wb_note(bm__wb_range *r, int64_t off, int amt, int64_t *lo, int64_t *hi);

#endif
