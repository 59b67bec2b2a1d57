/* store_backend.h: the PostgreSQL/PostGIS backend of the store (store_pg.c,
 * store_pg_schema.c), behind the public bm_store_* functions: store.c hands a
 * call over when the handle was opened on a postgresql:// URL.
 * Never exported; callers of the library only ever see bordermap/store.h. */
#ifndef BORDERMAP_STORE_BACKEND_H
#define BORDERMAP_STORE_BACKEND_H

#include "bordermap/store.h"

typedef struct bm_pg bm_pg;

/* True when path names a PostgreSQL database (postgresql:// or postgres://). */
int bm__pg_is_url(const char *path);

/* Connects (libpq: PGPASSWORD, ~/.pgpass, PGSSLMODE...) and opens the
 * bordermap schema `schema` (NULL: "bordermap"), creating and migrating it to
 * target_version unless BM_STORE_READONLY/NOCREATE. A URL carrying a
 * password is refused. *out is freed with bm__pg_close. Errors never
 * contain the connection string. */
int bm__pg_open(const char *url, const char *schema, int flags, int target_version, bm_pg **out,
                bm_error *err);
void bm__pg_close(bm_pg *p);
const char *bm__pg_errmsg(const bm_pg *p);
/* "schema S of PostgreSQL database D": what messages name instead of the URL. */
const char *bm__pg_label(const bm_pg *p);
int bm__pg_schema_version(const bm_pg *p);
int bm__pg_migrate(bm_pg *p, int target);

int bm__pg_begin(bm_pg *p);
int bm__pg_commit(bm_pg *p);
void bm__pg_rollback(bm_pg *p);

int bm__pg_meta_get(bm_pg *p, const char *key, char *buf, size_t bufsize);
int bm__pg_meta_set(bm_pg *p, const char *key, const char *value);

int bm__pg_incident_add(bm_pg *p, bm_incident *inc);
int bm__pg_incident_update(bm_pg *p, const bm_incident *inc);
int bm__pg_incident_find_external(bm_pg *p, const char *provenance, const char *external_id,
                                  int64_t *id);
int bm__pg_incident_get(bm_pg *p, int64_t id, bm_incident *out);
int bm__pg_incident_delete(bm_pg *p, int64_t id);
int bm__pg_query(bm_pg *p, const bm_query *q, bm_incident_cb cb, void *user);
int bm__pg_count(bm_pg *p, const bm_query *q, int64_t *count);
/* store_private.h's bm__store_incidents_by_key (ingest's duplicate lookup). */
int bm__pg_incidents_by_key(bm_pg *p, const bm_incident *key, bm_incident_cb cb, void *user);

int bm__pg_article_find(bm_pg *p, const char *sha256, int64_t *id);
int bm__pg_article_add(bm_pg *p, bm_article *a);
int bm__pg_article_purge(bm_pg *p, int64_t article_id);
int bm__pg_source_add(bm_pg *p, const bm_source *src);
int bm__pg_sources(bm_pg *p, int64_t incident_id, bm_source_cb cb, void *user);

int bm__pg_place_put(bm_pg *p, const bm_place *pl);
int bm__pg_place_name_add(bm_pg *p, const char *place_id, const char *name, const char *key,
                          const char *lang);
int bm__pg_place_area_set(bm_pg *p, const char *place_id, const unsigned char *wkb,
                          size_t wkb_size);
int bm__pg_place_areas(bm_pg *p, bm_place_area_cb cb, void *user);
int bm__pg_place_get(bm_pg *p, const char *id, bm_place *out);
int bm__pg_place_count(bm_pg *p, int64_t *count);
int bm__pg_places(bm_pg *p, bm_place_cb cb, void *user);
int bm__pg_place_names(bm_pg *p, bm_place_name_cb cb, void *user);
int bm__pg_place_record_get(bm_pg *p, const char *record, char *place_id, size_t id_size,
                            char *digest, size_t digest_size);
int bm__pg_place_record_put(bm_pg *p, const char *record, const char *place_id,
                            const char *digest);
int bm__pg_place_move_incidents(bm_pg *p, const char *from, const char *to, int64_t *moved);
int bm__pg_place_delete(bm_pg *p, const char *id);

/* identity.c's key row (INSERT OR REPLACE INTO incident_keys). */
int bm__pg_identity_record(bm_pg *p, const char *sha256, int64_t start, int64_t end,
                           const char *place_key, int ordinal, int64_t id);

/* ---- Generic rows, for `db copy` and the analysts' tables -------------------
 * A statement with ?1..?n placeholders (store.c's dialect is translated to
 * $1..$n) run with text parameters (NULL = SQL NULL); each result row is
 * handed to cb as text columns (NULL for SQL NULL). */
typedef int (*bm__row_cb)(int ncols, const char *const *cols, void *user);
int bm__pg_exec(bm_pg *p, const char *sql, int n, const char *const *params, bm__row_cb cb,
                void *user, int64_t *changes);

/* The backend of a store handle (NULL for SpatiaLite). */
bm_pg *bm__store_pg(bm_store *store);

#endif
