/* store_private.h: what library modules (not users) may reach inside the
 * store: the raw connection for bulk work, and migration control for tests.
 * Never exported: nothing here is part of the public API. */
#ifndef BORDERMAP_STORE_PRIVATE_H
#define BORDERMAP_STORE_PRIVATE_H

#include <sqlite3.h>

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

#endif
