/* store_stmt.c: the statement interface of store_stmt.h: SQLite's own on a
 * SpatiaLite store, buffered libpq results on a PostgreSQL one.
 * Must never splice a value into SQL text: on PostgreSQL every value is a
 * parameter of PQexecParams, typed as bound (integers as int8). */
#include "store_stmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_private.h"

#define MAX_PARAMS 16

struct bm__stmt {
    bm_store *s;
    sqlite3_stmt *lite; /* SpatiaLite */
    bm_pg *pg;          /* PostgreSQL: */
    char *sql;          /* translated text */
    int n_params;
    char *vals[MAX_PARAMS];
    Oid types[MAX_PARAMS];
    PGresult *res;
    int row;
};

/* The highest ?N of the statement (SQLite's parameter count). */
static int count_params(const char *sql)
{
    int n = 0, quoted = 0;
    for (const char *c = sql; *c; c++) {
        if (*c == '\'')
            quoted = !quoted;
        if (!quoted && *c == '?') {
            int k = atoi(c + 1);
            n = k > n ? k : n;
        }
    }
    return n;
}

int bm__stmt_prepare(bm_store *s, const char *sql, bm__stmt **out)
{
    *out = NULL;
    bm__stmt *st = calloc(1, sizeof *st);
    if (!st)
        return SQLITE_NOMEM;
    st->s = s;
    st->pg = bm__store_pg(s);
    if (!st->pg) {
        int rc = sqlite3_prepare_v2(bm__store_db(s), sql, -1, &st->lite, NULL);
        if (rc != SQLITE_OK) {
            free(st);
            return rc;
        }
        *out = st;
        return SQLITE_OK;
    }
    st->sql = bm__pg_translate(sql);
    st->n_params = count_params(sql);
    if (!st->sql || st->n_params > MAX_PARAMS) {
        free(st->sql);
        free(st);
        return SQLITE_NOMEM;
    }
    st->row = -1;
    *out = st;
    return SQLITE_OK;
}

static int pg_bind(bm__stmt *st, int i, const char *v, Oid type)
{
    if (i < 1 || i > st->n_params)
        return SQLITE_RANGE;
    free(st->vals[i - 1]);
    st->vals[i - 1] = v ? strdup(v) : NULL;
    st->types[i - 1] = type;
    return v && !st->vals[i - 1] ? SQLITE_NOMEM : SQLITE_OK;
}

int bm__stmt_bind_text(bm__stmt *st, int i, const char *v, int n, void (*destructor)(void *))
{
    (void)n, (void)destructor;
    if (st->lite)
        return v ? sqlite3_bind_text(st->lite, i, v, -1, SQLITE_TRANSIENT)
                 : sqlite3_bind_null(st->lite, i);
    return pg_bind(st, i, v, 0);
}

int bm__stmt_bind_int64(bm__stmt *st, int i, int64_t v)
{
    if (st->lite)
        return sqlite3_bind_int64(st->lite, i, v);
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return pg_bind(st, i, buf, 20 /* int8 */);
}

int bm__stmt_bind_int(bm__stmt *st, int i, int v)
{
    return bm__stmt_bind_int64(st, i, v);
}

int bm__stmt_bind_parameter_count(bm__stmt *st)
{
    return st->lite ? sqlite3_bind_parameter_count(st->lite) : st->n_params;
}

int bm__stmt_step(bm__stmt *st)
{
    if (st->lite)
        return sqlite3_step(st->lite);
    if (!st->res) {
        st->res = PQexecParams(st->pg->conn, st->sql, st->n_params, st->types,
                               (const char *const *)st->vals, NULL, NULL, 0);
        ExecStatusType rs = PQresultStatus(st->res);
        if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
            bm__pg_fail_res(st->pg, st->res, "PostgreSQL");
            PQclear(st->res);
            st->res = NULL;
            return SQLITE_ERROR;
        }
        const char *c = PQcmdTuples(st->res);
        st->pg->last_changes = c && *c ? strtoll(c, NULL, 10) : 0;
        st->row = -1;
    }
    return ++st->row < PQntuples(st->res) ? SQLITE_ROW : SQLITE_DONE;
}

const unsigned char *bm__stmt_column_text(bm__stmt *st, int col)
{
    if (st->lite)
        return sqlite3_column_text(st->lite, col);
    if (!st->res || st->row < 0 || st->row >= PQntuples(st->res) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return (const unsigned char *)PQgetvalue(st->res, st->row, col);
}

int64_t bm__stmt_column_int64(bm__stmt *st, int col)
{
    if (st->lite)
        return sqlite3_column_int64(st->lite, col);
    const char *v = (const char *)bm__stmt_column_text(st, col);
    if (!v)
        return 0;
    if (!strcmp(v, "t") || !strcmp(v, "f")) /* PostgreSQL booleans */
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

int bm__stmt_column_int(bm__stmt *st, int col)
{
    return (int)bm__stmt_column_int64(st, col);
}

int bm__stmt_reset(bm__stmt *st)
{
    if (st->lite)
        return sqlite3_reset(st->lite);
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    return SQLITE_OK;
}

int bm__stmt_finalize(bm__stmt *st)
{
    if (!st)
        return SQLITE_OK;
    sqlite3_finalize(st->lite);
    if (st->res) /* PostgreSQL's: a call would load libpq into a SQLite run (lazy_libs.c) */
        PQclear(st->res);
    for (int i = 0; i < MAX_PARAMS; i++)
        free(st->vals[i]);
    free(st->sql);
    free(st);
    return SQLITE_OK;
}

int bm__stmt_changes(bm_store *s)
{
    bm_pg *pg = bm__store_pg(s);
    return pg ? (int)pg->last_changes : sqlite3_changes(bm__store_db(s));
}

const char *bm__stmt_errmsg(bm_store *s)
{
    bm_pg *pg = bm__store_pg(s);
    return pg ? bm__pg_errmsg(pg) : sqlite3_errmsg(bm__store_db(s));
}
