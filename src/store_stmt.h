/* store_stmt.h: one statement interface over both backends for the modules
 * that write SQL of their own (edits.c, identity.c, team_places.c): the shape
 * of SQLite's (prepare, bind, step, column, reset, finalize; SQLITE_ROW and
 * SQLITE_DONE results), run on SQLite directly and on PostgreSQL through
 * libpq with the SQLite dialect those modules use translated (store_pg.c).
 * Never exported. */
#ifndef BORDERMAP_STORE_STMT_H
#define BORDERMAP_STORE_STMT_H

#include <sqlite3.h>
#include <stdint.h>

#include "bordermap/store.h"

typedef struct bm__stmt bm__stmt;

/* SQLITE_OK or an SQLite error code; *st is freed with bm__stmt_finalize. */
int bm__stmt_prepare(bm_store *s, const char *sql, bm__stmt **st);
/* Values are copied; the length and destructor arguments of SQLite's
 * functions are accepted and ignored so the call sites read the same. */
int bm__stmt_bind_text(bm__stmt *st, int i, const char *v, int n, void (*destructor)(void *));
int bm__stmt_bind_int64(bm__stmt *st, int i, int64_t v);
int bm__stmt_bind_int(bm__stmt *st, int i, int v);
int bm__stmt_bind_parameter_count(bm__stmt *st);
/* SQLITE_ROW, SQLITE_DONE, or an error (bm__stmt_errmsg says which). */
int bm__stmt_step(bm__stmt *st);
const unsigned char *bm__stmt_column_text(bm__stmt *st, int col);
int64_t bm__stmt_column_int64(bm__stmt *st, int col);
int bm__stmt_column_int(bm__stmt *st, int col);
/* Ready to run again with the same bindings. */
int bm__stmt_reset(bm__stmt *st);
int bm__stmt_finalize(bm__stmt *st);
/* Rows the last write on the store changed, and its last error. */
int bm__stmt_changes(bm_store *s);
const char *bm__stmt_errmsg(bm_store *s);

#endif
