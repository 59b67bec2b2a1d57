/* store_lean.c: a store connection set up for one long read-once scan (an export, a map)
 * or a long run of small transactions (an ingest): no file mapping and a small page cache
 * for its duration, then the store's own settings back. The store maps its file (1 GB
 * window) and keeps a 128 MB cache for bulk loads, whose R*Tree inserts touch the index all
 * over; mapped pages count in the process's memory, so a scan of a large database
 * otherwise "used" the whole file, and an ingest's memory grew with the database.
 * Must never change anything but these two connection settings, nor fail the scan: when
 * the settings cannot be read, nothing is changed. */
#include <stdio.h>

#include <sqlite3.h>

#include "store_private.h"

static int pragma_value(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int ok =
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok;
}

/* PRAGMA takes no bound parameters: the numbers are ours or the ones read back. */
static void set_pragmas(sqlite3 *db, long long mmap_size, long long cache_size)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA mmap_size = %lld; PRAGMA cache_size = %lld", mmap_size,
             cache_size);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void bm__store_lean_begin(bm_store *store, long cache_kib, bm__store_lean *l)
{
    l->db = bm__store_db(store);
    if (!l->db || !pragma_value(l->db, "PRAGMA mmap_size", &l->mmap_size) ||
        !pragma_value(l->db, "PRAGMA cache_size", &l->cache_size)) {
        l->db = NULL;
        return;
    }
    set_pragmas(l->db, 0, -(long long)cache_kib);
}

void bm__store_lean_end(bm__store_lean *l)
{
    if (l->db)
        set_pragmas(l->db, l->mmap_size, l->cache_size);
    l->db = NULL;
}
