/* store_pg.c: the incident store on PostgreSQL/PostGIS through libpq, for a
 * team that shares one database: the same reads and writes as store.c, on
 * the schema store_pg_schema.c creates.
 * Must never build SQL from values (every value is a bound parameter of a
 * prepared or parameterised statement), never print or log the connection
 * string, and never let two writers decide a duplicate merge on stale data:
 * every write transaction holds the schema's transaction-level advisory lock
 * (see bm__pg_begin). */
#include "store_pg_private.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Errors and plumbing ---------------------------------------------------- */

int bm__pg_fail(bm_pg *p, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->errmsg, sizeof p->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

/* libpq's messages end in a newline and may span lines: one line for ours. */
static void one_line(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (char *c = s; *c; c++)
        if (*c == '\n')
            *c = ' ';
}

int bm__pg_fail_res(bm_pg *p, const PGresult *res, const char *what)
{
    const char *m = res ? PQresultErrorMessage(res) : "";
    if (!m || !*m)
        m = PQerrorMessage(p->conn);
    int lost = PQstatus(p->conn) != CONNECTION_OK;
    bm__pg_fail(p, BM_EDB, "%s: %s%s", what, m && *m ? m : "unknown PostgreSQL error",
                lost ? " (connection to the server lost; the transaction was rolled back)" : "");
    one_line(p->errmsg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && (!strcmp(state, "25006") || !strncmp(state, "42501", 5)))
        return BM_EREADONLY;
    return BM_EDB;
}

const char *bm__pg_errmsg(const bm_pg *p)
{
    return p && p->errmsg[0] ? p->errmsg : "no error";
}

const char *bm__pg_label(const bm_pg *p)
{
    return p ? p->label : NULL;
}

int bm__pg_schema_version(const bm_pg *p)
{
    return p ? p->schema_version : 0;
}

/* Runs one of the statements prepared once per connection (ingest runs them
 * for every article). */
PGresult *bm__pg_run(bm_pg *p, int which, const char *sql, int n, const char *const *v)
{
    char name[16];
    snprintf(name, sizeof name, "bm%d", which);
    if (!p->prepared[which]) {
        PGresult *r = PQprepare(p->conn, name, sql, n, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) {
            bm__pg_fail_res(p, r, "prepare");
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        p->prepared[which] = 1;
    }
    PGresult *r = PQexecPrepared(p->conn, name, n, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        bm__pg_fail_res(p, r, "PostgreSQL");
        PQclear(r);
        return NULL;
    }
    return r;
}

/* A statement with its parameters bound, not kept prepared (built per call,
 * or rare). */
PGresult *bm__pg_params(bm_pg *p, const char *sql, int n, const char *const *v)
{
    PGresult *r = PQexecParams(p->conn, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        bm__pg_fail_res(p, r, "PostgreSQL");
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Runs a statement that returns nothing of interest; *changes may be NULL. */
static int run_done(bm_pg *p, int which, const char *sql, int n, const char *const *v,
                    int64_t *changes)
{
    PGresult *r = which >= 0 ? bm__pg_run(p, which, sql, n, v) : bm__pg_params(p, sql, n, v);
    if (!r)
        return p->errmsg[0] && strstr(p->errmsg, "permission denied") ? BM_EREADONLY : BM_EDB;
    if (changes) {
        const char *c = PQcmdTuples(r);
        *changes = c && *c ? strtoll(c, NULL, 10) : 0;
    }
    PQclear(r);
    return BM_OK;
}

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static void copy_val(char *dst, size_t n, const PGresult *r, int row, int col)
{
    const char *v = val(r, row, col);
    snprintf(dst, n, "%s", v ? v : "");
}

static int64_t int_val(const PGresult *r, int row, int col, int64_t dflt)
{
    const char *v = val(r, row, col);
    return v ? strtoll(v, NULL, 10) : dflt;
}

static double dbl_val(const PGresult *r, int row, int col)
{
    const char *v = val(r, row, col);
    return v ? strtod(v, NULL) : 0.0;
}

/* Text forms of bound values: exact for doubles (%.17g round-trips). */
typedef struct {
    char b[24][40];
    char cells[24 * 8 + 4];
} numbufs;

static const char *i64(numbufs *nb, int k, int64_t v)
{
    snprintf(nb->b[k], sizeof nb->b[k], "%" PRId64, v);
    return nb->b[k];
}

static const char *dbl(numbufs *nb, int k, double v)
{
    snprintf(nb->b[k], sizeof nb->b[k], "%.17g", v);
    return nb->b[k];
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---- Transactions ----------------------------------------------------------- */

/* Every write transaction takes the schema's advisory lock first: the
 * duplicate search of an article and its inserts then see every article
 * committed before, on any machine, exactly like SQLite's single writer, so
 * N concurrent ingests reach the incidents of a sequential run. Extraction
 * (the costly part) runs before the transaction, in parallel. */
int bm__pg_begin(bm_pg *p)
{
    if (p->read_only)
        return bm__pg_fail(p, BM_EREADONLY, "the database is open read-only");
    if (p->tx_depth > 0) {
        int rc = run_done(p, PS_SAVEPOINT, "SAVEPOINT nested", 0, NULL, NULL);
        if (rc == BM_OK)
            p->tx_depth++;
        return rc;
    }
    if (PQstatus(p->conn) != CONNECTION_OK) {
        /* the connection dropped since the last article: one reconnect, and
         * the statements are prepared again on the new session */
        PQreset(p->conn);
        memset(p->prepared, 0, sizeof p->prepared);
        for (size_t i = 0; i < sizeof p->qcache / sizeof p->qcache[0]; i++) {
            free(p->qcache[i].sql);
            p->qcache[i].sql = NULL;
        }
        if (PQstatus(p->conn) != CONNECTION_OK || bm__pg_session_setup(p) != BM_OK)
            return bm__pg_fail(p, BM_EDB, "reconnecting to %s: %s", p->label,
                               PQerrorMessage(p->conn));
    }
    const char *v[1] = {p->lock_key};
    int rc = run_done(p, PS_BEGIN, "BEGIN", 0, NULL, NULL);
    if (rc == BM_OK && (rc = run_done(p, PS_LOCK, "SELECT pg_advisory_xact_lock(hashtext($1))", 1,
                                      v, NULL)) != BM_OK) {
        PGresult *r = PQexec(p->conn, "ROLLBACK");
        PQclear(r);
    }
    if (rc == BM_OK)
        p->tx_depth = 1;
    return rc;
}

int bm__pg_commit(bm_pg *p)
{
    if (p->tx_depth <= 0)
        return bm__pg_fail(p, BM_EINVAL, "commit without a transaction");
    if (--p->tx_depth > 0)
        return run_done(p, PS_RELEASE, "RELEASE nested", 0, NULL, NULL);
    /* COMMIT of a failed transaction answers ROLLBACK without an error */
    PGresult *r = bm__pg_run(p, PS_COMMIT, "COMMIT", 0, NULL);
    if (!r)
        return BM_EDB;
    int ok = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    return ok ? BM_OK : bm__pg_fail(p, BM_EDB, "commit: the transaction had failed and was rolled back");
}

void bm__pg_rollback(bm_pg *p)
{
    if (!p || p->tx_depth <= 0)
        return;
    if (--p->tx_depth > 0) {
        PQclear(PQexec(p->conn, "ROLLBACK TO nested"));
        PQclear(PQexec(p->conn, "RELEASE nested"));
        return;
    }
    if (PQstatus(p->conn) == CONNECTION_OK)
        PQclear(PQexec(p->conn, "ROLLBACK"));
}

/* A write outside the caller's transaction is its own (and takes the lock). */
static int auto_begin(bm_pg *p, int *own)
{
    *own = p->tx_depth == 0;
    return *own ? bm__pg_begin(p) : BM_OK;
}

static int auto_end(bm_pg *p, int own, int rc)
{
    if (!own)
        return rc;
    if (rc == BM_OK)
        return bm__pg_commit(p);
    char keep[sizeof p->errmsg];
    snprintf(keep, sizeof keep, "%s", p->errmsg);
    bm__pg_rollback(p);
    snprintf(p->errmsg, sizeof p->errmsg, "%s", keep);
    return rc;
}

/* ---- Meta ------------------------------------------------------------------- */

int bm__pg_meta_get(bm_pg *p, const char *key, char *buf, size_t bufsize)
{
    buf[0] = '\0';
    const char *v[1] = {key};
    PGresult *r = bm__pg_run(p, PS_META_GET, "SELECT value FROM bm_meta WHERE key = $1", 1, v);
    if (!r)
        return BM_EDB;
    if (PQntuples(r) > 0)
        copy_val(buf, bufsize, r, 0, 0);
    PQclear(r);
    return BM_OK;
}

int bm__pg_meta_set(bm_pg *p, const char *key, const char *value)
{
    const char *v[2] = {key, value};
    return run_done(p, PS_META_SET,
                    "INSERT INTO bm_meta(key, value) VALUES ($1, $2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    2, v, NULL);
}

/* ---- Incidents -------------------------------------------------------------- */

#define PG_INCIDENT_COLUMNS                                                                \
    "i.id, i.date_start, i.date_end, i.date_precision, i.type, i.place_id, ST_X(i.geom), " \
    "ST_Y(i.geom), i.geo_precision, i.confidence, i.fatalities, i.summary, i.reasons, "    \
    "(SELECT count(*) FROM incident_sources s WHERE s.incident_id = i.id), "              \
    "i.actor1, i.actor2, i.provenance, i.external_id, i.inter1, i.inter2"

static bm_date date_val(const PGresult *r, int row, int col)
{
    bm_date d = {0, 0, 0};
    const char *v = val(r, row, col);
    if (v)
        bm_date_parse_iso(v, &d, NULL, NULL, NULL);
    return d;
}

static void read_incident(const PGresult *r, int row, bm_incident *inc)
{
    bm_incident_init(inc);
    inc->id = int_val(r, row, 0, 0);
    inc->date_start = date_val(r, row, 1);
    inc->date_end = date_val(r, row, 2);
    const char *prec = val(r, row, 3);
    bm_precision_parse(prec ? prec : "day", &inc->date_precision);
    copy_val(inc->type, sizeof inc->type, r, row, 4);
    copy_val(inc->place_id, sizeof inc->place_id, r, row, 5);
    inc->pt.lon = dbl_val(r, row, 6);
    inc->pt.lat = dbl_val(r, row, 7);
    inc->geo_precision = (int)int_val(r, row, 8, 1);
    inc->confidence = dbl_val(r, row, 9);
    inc->fatalities = (int)int_val(r, row, 10, -1);
    copy_val(inc->summary, sizeof inc->summary, r, row, 11);
    copy_val(inc->reasons, sizeof inc->reasons, r, row, 12);
    inc->n_sources = (int)int_val(r, row, 13, 0);
    copy_val(inc->actor1, sizeof inc->actor1, r, row, 14);
    copy_val(inc->actor2, sizeof inc->actor2, r, row, 15);
    copy_val(inc->provenance, sizeof inc->provenance, r, row, 16);
    copy_val(inc->external_id, sizeof inc->external_id, r, row, 17);
    inc->inter1 = (int)int_val(r, row, 18, 0);
    inc->inter2 = (int)int_val(r, row, 19, 0);
}

/* The incident's columns as $1..$13 and $15..$20 ($14: the id of an UPDATE),
 * the same order as store.c binds them. */
static void incident_params(const bm_incident *inc, const char **v, numbufs *nb, char d1[11],
                            char d2[11])
{
    v[0] = bm_date_format(inc->date_start, d1);
    v[1] = bm_date_format(inc->date_end, d2);
    v[2] = bm_precision_name(inc->date_precision);
    v[3] = inc->type;
    v[4] = or_null(inc->place_id);
    v[5] = dbl(nb, 5, inc->pt.lon);
    v[6] = dbl(nb, 6, inc->pt.lat);
    v[7] = i64(nb, 7, inc->geo_precision);
    v[8] = dbl(nb, 8, inc->confidence);
    v[9] = inc->fatalities >= 0 ? i64(nb, 9, inc->fatalities) : NULL;
    v[10] = or_null(inc->summary);
    v[11] = or_null(inc->reasons);
    v[12] = i64(nb, 12, bm__grid_cell(inc->pt));
    v[13] = i64(nb, 13, inc->id);
    v[14] = or_null(inc->actor1);
    v[15] = or_null(inc->actor2);
    v[16] = inc->provenance[0] ? inc->provenance : "extracted";
    v[17] = or_null(inc->external_id);
    v[18] = inc->inter1 > 0 ? i64(nb, 18, inc->inter1) : NULL;
    v[19] = inc->inter2 > 0 ? i64(nb, 19, inc->inter2) : NULL;
}

/* The longest span only grows; greatest() keeps another writer's larger one. */
static int note_span(bm_pg *p, const bm_incident *inc)
{
    int span = (int)(bm_date_to_days(inc->date_end) - bm_date_to_days(inc->date_start));
    if (span <= p->max_span_days)
        return BM_OK;
    numbufs nb;
    const char *v[1] = {i64(&nb, 0, span)};
    int rc = run_done(p, PS_SPAN_SET,
                      "UPDATE bm_meta SET value = greatest(value::integer, $1::integer)::text "
                      "WHERE key = 'max_span_days'",
                      1, v, NULL);
    if (rc == BM_OK)
        p->max_span_days = span;
    return rc;
}

int bm__pg_incident_add(bm_pg *p, bm_incident *inc)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    const char *v[20];
    numbufs nb;
    char d1[11], d2[11];
    incident_params(inc, v, &nb, d1, d2);
    /* Above every id in use and every id deleted (incident_id_hwm), as in
     * SpatiaLite: history and merge rows never come to name another incident.
     * The write lock makes max()+1 safe between writers. */
    PGresult *r = bm__pg_run(
        p, PS_INCIDENT_ADD,
        "INSERT INTO incidents(id, date_start, date_end, date_precision, type, place_id, geom, "
        "geo_precision, confidence, fatalities, summary, reasons, cell, actor1, actor2, "
        "provenance, external_id, inter1, inter2, created_at) VALUES ("
        "greatest(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT value::bigint "
        "FROM bm_meta WHERE key = 'incident_id_hwm'), 0)) + 1 + 0 * $14::bigint, "
        "$1::date, $2::date, $3, $4, $5, ST_SetSRID(ST_MakePoint($6::float8, $7::float8), 4326), "
        "$8::integer, $9::float8, $10::integer, $11, $12, $13::integer, $15, $16, $17, $18, "
        "$19::integer, $20::integer, to_char(now() AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) RETURNING id",
        20, v);
    if (!r)
        rc = BM_EDB;
    if (r) {
        inc->id = int_val(r, 0, 0, 0);
        PQclear(r);
        rc = note_span(p, inc);
    }
    return auto_end(p, own, rc);
}

int bm__pg_incident_update(bm_pg *p, const bm_incident *inc)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    const char *v[20];
    numbufs nb;
    char d1[11], d2[11];
    incident_params(inc, v, &nb, d1, d2);
    int64_t changed = 0;
    rc = run_done(p, PS_INCIDENT_UPDATE,
                  "UPDATE incidents SET date_start = $1::date, date_end = $2::date, "
                  "date_precision = $3, type = $4, place_id = $5, "
                  "geom = ST_SetSRID(ST_MakePoint($6::float8, $7::float8), 4326), "
                  "geo_precision = $8::integer, confidence = $9::float8, "
                  "fatalities = $10::integer, summary = $11, reasons = $12, cell = $13::integer, "
                  "actor1 = $15, actor2 = $16, provenance = $17, external_id = $18, "
                  "inter1 = $19::integer, inter2 = $20::integer WHERE id = $14::bigint",
                  20, v, &changed);
    if (rc == BM_OK && changed == 0)
        rc = bm__pg_fail(p, BM_ENOTFOUND, "no incident %lld", (long long)inc->id);
    if (rc == BM_OK)
        rc = note_span(p, inc);
    return auto_end(p, own, rc);
}

int bm__pg_incident_find_external(bm_pg *p, const char *provenance, const char *external_id,
                                  int64_t *id)
{
    const char *v[2] = {provenance, external_id};
    PGresult *r = bm__pg_run(p, PS_INCIDENT_FIND_EXTERNAL,
                             "SELECT id FROM incidents WHERE provenance = $1 AND external_id = $2 "
                             "ORDER BY id LIMIT 1",
                             2, v);
    if (!r)
        return BM_EDB;
    int found = PQntuples(r) > 0;
    if (found)
        *id = int_val(r, 0, 0, 0);
    PQclear(r);
    return found ? BM_OK : BM_ENOTFOUND;
}

int bm__pg_incident_get(bm_pg *p, int64_t id, bm_incident *out)
{
    numbufs nb;
    const char *v[1] = {i64(&nb, 0, id)};
    PGresult *r = bm__pg_run(p, PS_INCIDENT_GET,
                             "SELECT " PG_INCIDENT_COLUMNS " FROM incidents i WHERE i.id = $1::bigint",
                             1, v);
    if (!r)
        return BM_EDB;
    int found = PQntuples(r) > 0;
    if (found)
        read_incident(r, 0, out);
    PQclear(r);
    return found ? BM_OK : bm__pg_fail(p, BM_ENOTFOUND, "no incident %lld", (long long)id);
}

int bm__pg_incident_delete(bm_pg *p, int64_t id)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    numbufs nb;
    const char *v[1] = {i64(&nb, 0, id)};
    int64_t changed = 0;
    rc = run_done(p, -1, "DELETE FROM incidents WHERE id = $1::bigint", 1, v, &changed);
    if (rc == BM_OK && changed == 0)
        rc = bm__pg_fail(p, BM_ENOTFOUND, "no incident %lld", (long long)id);
    return auto_end(p, own, rc);
}

/* Large scans (render, export of millions) come through a cursor in
 * batches, so memory stays flat and the callback may use the connection
 * between batches. Runs inside the caller's transaction, or its own
 * read-only one. */
#define FETCH_ROWS 5000

typedef int (*row_reader)(const PGresult *r, int row, void *user);

/* Runs sql as a statement prepared once per connection (least recently used
 * one replaced when the cache is full). */
static PGresult *cached_query(bm_pg *p, const char *sql, int n, const char *const *v)
{
    size_t slots = sizeof p->qcache / sizeof p->qcache[0], k = 0, victim = 0;
    for (; k < slots; k++) {
        if (p->qcache[k].sql && strcmp(p->qcache[k].sql, sql) == 0)
            break;
        if (p->qcache[k].last_use < p->qcache[victim].last_use)
            victim = k;
    }
    char name[32];
    if (k == slots) {
        k = victim;
        snprintf(name, sizeof name, "bmq%zu", k);
        if (p->qcache[k].sql) {
            char dealloc[64];
            snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
            PQclear(PQexec(p->conn, dealloc));
            free(p->qcache[k].sql);
            p->qcache[k].sql = NULL;
        }
        PGresult *r = PQprepare(p->conn, name, sql, n, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            bm__pg_fail_res(p, r, "prepare");
        PQclear(r);
        if (!ok || !(p->qcache[k].sql = strdup(sql)))
            return NULL;
    }
    snprintf(name, sizeof name, "bmq%zu", k);
    p->qcache[k].last_use = ++p->qclock;
    PGresult *r = PQexecPrepared(p->conn, name, n, v, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        bm__pg_fail_res(p, r, "PostgreSQL");
        PQclear(r);
        return NULL;
    }
    return r;
}

int bm__pg_scan(bm_pg *p, const char *sql, int n, const char *const *v, row_reader rd, void *user)
{
    if (p->tx_depth > 0 && !p->read_only) {
        /* Inside a write transaction the scans are ingest's duplicate
         * lookups: a few rows, asked once per article, where a cursor's
         * three round trips would be most of the article's time. */
        PGresult *r = cached_query(p, sql, n, v);
        if (!r)
            return BM_EDB;
        int rc = BM_OK;
        for (int i = 0; i < PQntuples(r) && rc == BM_OK; i++)
            rc = rd(r, i, user);
        PQclear(r);
        return rc;
    }
    int own = p->tx_depth == 0;
    if (own) {
        PGresult *b = bm__pg_params(p, "BEGIN READ ONLY", 0, NULL);
        if (!b)
            return BM_EDB;
        PQclear(b);
    }
    char cname[32], decl[16384], fetch[64], close_sql[64];
    snprintf(cname, sizeof cname, "bm_cur%u", ++p->cursor_seq);
    snprintf(decl, sizeof decl, "DECLARE %s NO SCROLL CURSOR FOR %s", cname, sql);
    snprintf(fetch, sizeof fetch, "FETCH %d FROM %s", FETCH_ROWS, cname);
    snprintf(close_sql, sizeof close_sql, "CLOSE %s", cname);
    int rc = BM_OK;
    PGresult *r = bm__pg_params(p, decl, n, v);
    if (!r)
        rc = BM_EDB;
    PQclear(r);
    while (rc == BM_OK) {
        r = bm__pg_params(p, fetch, 0, NULL);
        if (!r) {
            rc = BM_EDB;
            break;
        }
        int rows = PQntuples(r);
        for (int i = 0; i < rows && rc == BM_OK; i++)
            rc = rd(r, i, user);
        PQclear(r);
        if (rows < FETCH_ROWS)
            break;
    }
    if (PQstatus(p->conn) == CONNECTION_OK && PQtransactionStatus(p->conn) == PQTRANS_INTRANS)
        PQclear(PQexec(p->conn, close_sql));
    if (own)
        PQclear(PQexec(p->conn, rc == BM_OK ? "COMMIT" : "ROLLBACK"));
    return rc;
}

typedef struct {
    bm_incident inc;
    bm_incident_cb cb;
    void *user;
} incident_scan;

static int incident_row(const PGresult *r, int row, void *user)
{
    incident_scan *sc = user;
    read_incident(r, row, &sc->inc);
    return sc->cb(&sc->inc, sc->user);
}

/* More cells than this and the box is nearly everything: GiST alone. */
#define MAX_QUERY_CELLS 24

/* The cells of a box as an array literal, "{c1,c2,...}", in nb's last slots. */
static const char *cells_param(numbufs *nb, int cx0, int cx1, int cy0, int cy1)
{
    char *o = nb->cells;
    size_t left = sizeof nb->cells;
    int w = snprintf(o, left, "{");
    for (int y = cy0; y <= cy1; y++)
        for (int x = cx0; x <= cx1; x++) {
            o += w, left -= (size_t)w;
            w = snprintf(o, left, "%s%d", o[-1] == '{' ? "" : ",", y * 360 + x);
        }
    o += w, left -= (size_t)w;
    snprintf(o, left, "}");
    return nb->cells;
}

/* The box is the GiST index's (a point's box is the point: && is exact);
 * dates scan date_start back by the longest stored span, read in the same
 * statement so a longer span another writer just stored counts. */
static int build_query(bm_pg *p, const bm_query *q, char *sql, size_t size, const char **v,
                       int *nv, numbufs *nb, char dates[3][11])
{
    size_t n = (size_t)snprintf(sql, size, "SELECT " PG_INCIDENT_COLUMNS " FROM incidents i WHERE true");
    int k = 0;
    if (q->has_bbox) {
        v[k] = dbl(nb, k, q->west), k++;
        v[k] = dbl(nb, k, q->south), k++;
        v[k] = dbl(nb, k, q->east), k++;
        v[k] = dbl(nb, k, q->north), k++;
        /* A small box is its 1-degree cells and an exact test on the
         * point: the (cell, date) index then reads only the window of
         * those cells (ANDing the GiST index in would read every point of
         * the box in all years). A large one is the GiST index's. */
        int cx0 = (int)floor(q->west) + 180, cx1 = (int)floor(q->east) + 180;
        int cy0 = (int)floor(q->south) + 90, cy1 = (int)floor(q->north) + 90;
        if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= MAX_QUERY_CELLS) {
            v[k] = cells_param(nb, cx0, cx1, cy0, cy1), k++;
            n += (size_t)snprintf(sql + n, size - n,
                                  " AND i.cell = ANY($%d::integer[]) AND ST_X(i.geom) BETWEEN "
                                  "$%d::float8 AND $%d::float8 AND ST_Y(i.geom) BETWEEN "
                                  "$%d::float8 AND $%d::float8",
                                  k, k - 4, k - 2, k - 3, k - 1);
        } else {
            n += (size_t)snprintf(sql + n, size - n,
                                  " AND i.geom && ST_MakeEnvelope($%d::float8, $%d::float8, "
                                  "$%d::float8, $%d::float8, 4326)",
                                  k - 3, k - 2, k - 1, k);
        }
    }
    if (q->has_from) {
        v[k++] = bm_date_format(q->from, dates[0]);
        n += (size_t)snprintf(sql + n, size - n,
                              " AND i.date_start >= $%d::date - coalesce((SELECT value::integer "
                              "FROM bm_meta WHERE key = 'max_span_days'), 366) AND "
                              "i.date_end >= $%d::date",
                              k, k);
    }
    if (q->has_to) {
        v[k++] = bm_date_format(q->to, dates[1]);
        n += (size_t)snprintf(sql + n, size - n, " AND i.date_start <= $%d::date", k);
    }
    if (q->n_types > 0) {
        if (q->n_types > 16)
            return bm__pg_fail(p, BM_EINVAL, "too many types in one query");
        n += (size_t)snprintf(sql + n, size - n, " AND i.type IN (");
        for (size_t t = 0; t < q->n_types; t++) {
            v[k++] = q->types[t];
            n += (size_t)snprintf(sql + n, size - n, "%s$%d", t ? "," : "", k);
        }
        n += (size_t)snprintf(sql + n, size - n, ")");
    }
    if (!q->any_order)
        n += (size_t)snprintf(sql + n, size - n, " ORDER BY i.date_start, i.id");
    if (q->limit > 0) {
        v[k] = i64(nb, k, q->limit), k++;
        snprintf(sql + n, size - n, " LIMIT $%d::bigint", k);
    }
    *nv = k;
    return BM_OK;
}

int bm__pg_query(bm_pg *p, const bm_query *q, bm_incident_cb cb, void *user)
{
    bm_query all;
    if (!q) {
        bm_query_init(&all);
        q = &all;
    }
    char sql[4096], dates[3][11];
    const char *v[24];
    numbufs nb;
    int nv = 0;
    int rc = build_query(p, q, sql, sizeof sql, v, &nv, &nb, dates);
    if (rc != BM_OK)
        return rc;
    incident_scan *sc = malloc(sizeof *sc);
    if (!sc)
        return bm__pg_fail(p, BM_ENOMEM, "out of memory");
    sc->cb = cb;
    sc->user = user;
    rc = bm__pg_scan(p, sql, nv, v, incident_row, sc);
    free(sc);
    return rc;
}

/* Ingest's duplicate lookup (see store.c): the key columns only, inside the
 * writer's transaction (and lock), so every committed article counts. */
int bm__pg_incidents_by_key(bm_pg *p, const bm_incident *key, bm_incident_cb cb, void *user)
{
    char d1[11], d2[11];
    const char *v[5] = {bm_date_format(key->date_start, d1), bm_date_format(key->date_end, d2),
                        bm_precision_name(key->date_precision), key->type, key->place_id};
    PGresult *r = bm__pg_run(p, PS_BY_KEY,
                             "SELECT i.id, ST_X(i.geom), ST_Y(i.geom) FROM incidents i "
                             "WHERE i.date_start = $1::date AND i.date_end = $2::date "
                             "AND i.date_precision = $3 AND i.type = $4 "
                             "AND coalesce(i.place_id, '') = $5 ORDER BY i.id",
                             5, v);
    if (!r)
        return BM_EDB;
    int rc = 0;
    bm_incident inc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        bm_incident_init(&inc);
        inc.id = int_val(r, i, 0, 0);
        inc.pt.lon = dbl_val(r, i, 1);
        inc.pt.lat = dbl_val(r, i, 2);
        inc.date_start = key->date_start;
        inc.date_end = key->date_end;
        inc.date_precision = key->date_precision;
        snprintf(inc.type, sizeof inc.type, "%s", key->type);
        snprintf(inc.place_id, sizeof inc.place_id, "%s", key->place_id);
        rc = cb(&inc, user);
    }
    PQclear(r);
    return rc;
}

/* Counted by the server: init and list headers count millions of rows. */
int bm__pg_count(bm_pg *p, const bm_query *q, int64_t *count)
{
    *count = 0;
    bm_query all;
    if (!q) {
        bm_query_init(&all);
        q = &all;
    }
    char sql[4096], wrapped[4200], dates[3][11];
    const char *v[24];
    numbufs nb;
    int nv = 0;
    int rc = build_query(p, q, sql, sizeof sql, v, &nv, &nb, dates);
    if (rc != BM_OK)
        return rc;
    snprintf(wrapped, sizeof wrapped, "SELECT count(*) FROM (%s) q", sql);
    PGresult *r = bm__pg_params(p, wrapped, nv, v);
    if (!r)
        return BM_EDB;
    *count = int_val(r, 0, 0, 0);
    PQclear(r);
    return BM_OK;
}

/* ---- Articles and sources ----------------------------------------------------- */

int bm__pg_article_find(bm_pg *p, const char *sha256, int64_t *id)
{
    const char *v[1] = {sha256};
    PGresult *r = bm__pg_run(p, PS_ARTICLE_FIND, "SELECT id FROM articles WHERE sha256 = $1", 1, v);
    if (!r)
        return BM_EDB;
    int found = PQntuples(r) > 0;
    if (found)
        *id = int_val(r, 0, 0, 0);
    PQclear(r);
    return found ? BM_OK : BM_ENOTFOUND;
}

int bm__pg_article_add(bm_pg *p, bm_article *a)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    /* one round trip: the digest's unique key says whether it is new */
    const char *v[6] = {a->sha256,         or_null(a->file_name), or_null(a->source),
                        or_null(a->url),   or_null(a->published), or_null(a->language)};
    PGresult *r = bm__pg_run(
        p, PS_ARTICLE_ADD,
        "INSERT INTO articles(sha256, file_name, source, url, published, language, ingested_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, to_char(now() AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ON CONFLICT (sha256) DO NOTHING RETURNING id",
        6, v);
    if (!r)
        rc = BM_EDB;
    else if (PQntuples(r) == 0)
        rc = bm__pg_fail(p, BM_EEXIST, "article %s is already stored", a->sha256);
    else
        a->id = int_val(r, 0, 0, 0);
    PQclear(r);
    return auto_end(p, own, rc);
}

int bm__pg_article_purge(bm_pg *p, int64_t article_id)
{
    static const char *const sql[] = {
        "DELETE FROM incidents WHERE id IN (SELECT incident_id FROM incident_sources "
        "WHERE article_id = $1::bigint) AND NOT EXISTS (SELECT 1 FROM incident_sources o "
        "WHERE o.incident_id = incidents.id AND o.article_id <> $1::bigint)",
        "DELETE FROM incident_sources WHERE article_id = $1::bigint",
        "DELETE FROM articles WHERE id = $1::bigint",
    };
    numbufs nb;
    const char *v[1] = {i64(&nb, 0, article_id)};
    int rc = bm__pg_begin(p);
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof sql[0]; i++)
        rc = run_done(p, -1, sql[i], 1, v, NULL);
    if (rc != BM_OK) {
        bm__pg_rollback(p);
        return rc;
    }
    return bm__pg_commit(p);
}

int bm__pg_source_add(bm_pg *p, const bm_source *src)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    numbufs nb;
    const char *v[5] = {i64(&nb, 0, src->incident_id), i64(&nb, 1, src->article_id),
                        i64(&nb, 2, src->byte_start), i64(&nb, 3, src->byte_end),
                        or_null(src->sentence)};
    rc = run_done(p, PS_SOURCE_ADD,
                  "INSERT INTO incident_sources(incident_id, article_id, byte_start, byte_end, "
                  "sentence) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5) "
                  "ON CONFLICT DO NOTHING",
                  5, v, NULL);
    return auto_end(p, own, rc);
}

typedef struct {
    bm_source_cb cb;
    void *user;
} source_scan;

static int source_row(const PGresult *r, int row, void *user)
{
    source_scan *sc = user;
    bm_source src = {
        .incident_id = int_val(r, row, 0, 0),
        .article_id = int_val(r, row, 1, 0),
        .byte_start = int_val(r, row, 2, 0),
        .byte_end = int_val(r, row, 3, 0),
        .sentence = val(r, row, 4),
        .file_name = val(r, row, 5),
        .url = val(r, row, 6),
        .outlet = val(r, row, 7),
        .published = val(r, row, 8),
    };
    return sc->cb(&src, sc->user);
}

int bm__pg_sources(bm_pg *p, int64_t incident_id, bm_source_cb cb, void *user)
{
    numbufs nb;
    const char *v[1] = {i64(&nb, 0, incident_id)};
    source_scan sc = {cb, user};
    const char *sql = "SELECT s.incident_id, s.article_id, s.byte_start, s.byte_end, s.sentence, "
                      "a.file_name, a.url, a.source, a.published FROM incident_sources s "
                      "JOIN articles a ON a.id = s.article_id WHERE $1::bigint <= 0 OR "
                      "s.incident_id = $1::bigint ORDER BY s.incident_id, s.article_id, "
                      "s.byte_start";
    if (incident_id > 0) {
        /* one incident's sources: a handful of rows, asked once per incident
         * shown, so no cursor */
        PGresult *r = bm__pg_run(p, PS_SOURCES_ONE, sql, 1, v);
        if (!r)
            return BM_EDB;
        int rc = 0;
        for (int i = 0; i < PQntuples(r) && rc == 0; i++)
            rc = source_row(r, i, &sc);
        PQclear(r);
        return rc;
    }
    return bm__pg_scan(p, sql, 1, v, source_row, &sc);
}

/* ---- Places ------------------------------------------------------------------ */

int bm__pg_place_put(bm_pg *p, const bm_place *pl)
{
    if (!pl->id[0])
        return bm__pg_fail(p, BM_EINVAL, "a place needs an id");
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    numbufs nb;
    const char *id[1] = {pl->id};
    const char *v[10] = {pl->id,
                         or_null(pl->name_en),
                         or_null(pl->name_ar),
                         or_null(pl->kind),
                         or_null(pl->country),
                         or_null(pl->admin1),
                         pl->population >= 0 ? i64(&nb, 6, pl->population) : NULL,
                         dbl(&nb, 7, pl->pt.lon),
                         dbl(&nb, 8, pl->pt.lat),
                         or_null(pl->source)};
    rc = run_done(p, PS_PLACE_NAMES_DEL, "DELETE FROM place_names WHERE place_id = $1", 1, id,
                  NULL);
    if (rc == BM_OK)
        rc = run_done(p, PS_PLACE_PUT,
                      "INSERT INTO places(id, name_en, name_ar, kind, country, admin1, population, "
                      "geom, source) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, "
                      "ST_SetSRID(ST_MakePoint($8::float8, $9::float8), 4326), $10) "
                      "ON CONFLICT(id) DO UPDATE SET name_en = excluded.name_en, "
                      "name_ar = excluded.name_ar, kind = excluded.kind, "
                      "country = excluded.country, admin1 = excluded.admin1, "
                      "population = excluded.population, geom = excluded.geom, "
                      "source = excluded.source",
                      10, v, NULL);
    return auto_end(p, own, rc);
}

int bm__pg_place_name_add(bm_pg *p, const char *place_id, const char *name, const char *key,
                          const char *lang)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    const char *v[4] = {place_id, name, or_null(key), or_null(lang)};
    rc = run_done(p, PS_PLACE_NAME_ADD,
                  "INSERT INTO place_names(place_id, name, key, lang) VALUES ($1, $2, $3, $4) "
                  "ON CONFLICT DO NOTHING",
                  4, v, NULL);
    return auto_end(p, own, rc);
}

static void hex_encode(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

int bm__pg_place_area_set(bm_pg *p, const char *place_id, const unsigned char *wkb,
                          size_t wkb_size)
{
    char *hex = malloc(2 * wkb_size + 1);
    if (!hex)
        return bm__pg_fail(p, BM_ENOMEM, "out of memory");
    hex_encode(wkb, wkb_size, hex);
    int own;
    int rc = auto_begin(p, &own);
    int64_t changed = 0;
    const char *v[2] = {place_id, hex};
    if (rc == BM_OK)
        rc = run_done(p, PS_PLACE_AREA_SET,
                      "UPDATE places SET area = ST_Multi(ST_SetSRID(ST_GeomFromWKB("
                      "decode($2, 'hex')), 4326)) WHERE id = $1 AND "
                      "GeometryType(ST_GeomFromWKB(decode($2, 'hex'))) IN "
                      "('POLYGON', 'MULTIPOLYGON')",
                      2, v, &changed);
    free(hex);
    if (rc == BM_OK && changed == 0)
        rc = bm__pg_fail(p, BM_ENOTFOUND, "no place %s (or the area is not a polygon)", place_id);
    return own ? auto_end(p, own, rc) : rc;
}

static size_t hex_decode(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (const char *c = hex; c[0] && c[1]; c += 2) {
        unsigned hi = (unsigned)(c[0] <= '9' ? c[0] - '0' : (c[0] | 32) - 'a' + 10);
        unsigned lo = (unsigned)(c[1] <= '9' ? c[1] - '0' : (c[1] | 32) - 'a' + 10);
        out[n++] = (unsigned char)(hi << 4 | lo);
    }
    return n;
}

typedef struct {
    bm_place_area_cb cb;
    void *user;
    bm_pg *p;
} area_scan;

static int area_row(const PGresult *r, int row, void *user)
{
    area_scan *sc = user;
    const char *hex = val(r, row, 1);
    if (!hex)
        return 0;
    unsigned char *wkb = malloc(strlen(hex) / 2 + 1);
    if (!wkb)
        return bm__pg_fail(sc->p, BM_ENOMEM, "out of memory");
    size_t n = hex_decode(hex, wkb);
    int rc = sc->cb(PQgetvalue(r, row, 0), wkb, n, sc->user);
    free(wkb);
    return rc;
}

int bm__pg_place_areas(bm_pg *p, bm_place_area_cb cb, void *user)
{
    area_scan sc = {cb, user, p};
    return bm__pg_scan(p,
                       "SELECT id, encode(ST_AsBinary(area), 'hex') FROM places "
                       "WHERE area IS NOT NULL ORDER BY id",
                       0, NULL, area_row, &sc);
}

#define PG_PLACE_COLUMNS \
    "id, name_en, name_ar, kind, country, admin1, population, ST_X(geom), ST_Y(geom), source"

static void read_place(const PGresult *r, int row, bm_place *pl)
{
    memset(pl, 0, sizeof *pl);
    copy_val(pl->id, sizeof pl->id, r, row, 0);
    copy_val(pl->name_en, sizeof pl->name_en, r, row, 1);
    copy_val(pl->name_ar, sizeof pl->name_ar, r, row, 2);
    copy_val(pl->kind, sizeof pl->kind, r, row, 3);
    copy_val(pl->country, sizeof pl->country, r, row, 4);
    copy_val(pl->admin1, sizeof pl->admin1, r, row, 5);
    pl->population = int_val(r, row, 6, -1);
    pl->pt.lon = dbl_val(r, row, 7);
    pl->pt.lat = dbl_val(r, row, 8);
    copy_val(pl->source, sizeof pl->source, r, row, 9);
}

int bm__pg_place_get(bm_pg *p, const char *id, bm_place *out)
{
    const char *v[1] = {id};
    PGresult *r = bm__pg_run(p, PS_PLACE_GET, "SELECT " PG_PLACE_COLUMNS " FROM places WHERE id = $1",
                             1, v);
    if (!r)
        return BM_EDB;
    int found = PQntuples(r) > 0;
    if (found)
        read_place(r, 0, out);
    PQclear(r);
    return found ? BM_OK : bm__pg_fail(p, BM_ENOTFOUND, "no place '%s' in the gazetteer", id);
}

int bm__pg_place_count(bm_pg *p, int64_t *count)
{
    PGresult *r = bm__pg_params(p, "SELECT count(*) FROM places", 0, NULL);
    if (!r)
        return BM_EDB;
    *count = int_val(r, 0, 0, 0);
    PQclear(r);
    return BM_OK;
}

typedef struct {
    bm_place pl;
    bm_place_cb cb;
    void *user;
} place_scan;

static int place_row(const PGresult *r, int row, void *user)
{
    place_scan *sc = user;
    read_place(r, row, &sc->pl);
    return sc->cb(&sc->pl, sc->user);
}

int bm__pg_places(bm_pg *p, bm_place_cb cb, void *user)
{
    place_scan *sc = malloc(sizeof *sc);
    if (!sc)
        return bm__pg_fail(p, BM_ENOMEM, "out of memory");
    sc->cb = cb;
    sc->user = user;
    int rc = bm__pg_scan(p, "SELECT " PG_PLACE_COLUMNS " FROM places ORDER BY id", 0, NULL,
                         place_row, sc);
    free(sc);
    return rc;
}

typedef struct {
    bm_place_name_cb cb;
    void *user;
} name_scan;

static int name_row(const PGresult *r, int row, void *user)
{
    name_scan *sc = user;
    const char *id = val(r, row, 0), *name = val(r, row, 1), *lang = val(r, row, 2);
    return sc->cb(id ? id : "", name ? name : "", lang ? lang : "", sc->user);
}

int bm__pg_place_names(bm_pg *p, bm_place_name_cb cb, void *user)
{
    name_scan sc = {cb, user};
    return bm__pg_scan(p, "SELECT place_id, name, lang FROM place_names", 0, NULL, name_row, &sc);
}

int bm__pg_place_record_get(bm_pg *p, const char *record, char *place_id, size_t id_size,
                            char *digest, size_t digest_size)
{
    const char *v[1] = {record};
    PGresult *r = bm__pg_run(p, PS_RECORD_GET,
                             "SELECT place_id, digest FROM place_records WHERE record = $1", 1, v);
    if (!r)
        return BM_EDB;
    int found = PQntuples(r) > 0;
    if (found && place_id)
        copy_val(place_id, id_size, r, 0, 0);
    if (found && digest)
        copy_val(digest, digest_size, r, 0, 1);
    PQclear(r);
    return found ? BM_OK : BM_ENOTFOUND;
}

int bm__pg_place_record_put(bm_pg *p, const char *record, const char *place_id,
                            const char *digest)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    const char *v[3] = {record, place_id, digest ? digest : ""};
    rc = run_done(p, PS_RECORD_PUT,
                  "INSERT INTO place_records(record, place_id, digest) VALUES ($1, $2, $3) "
                  "ON CONFLICT(record) DO UPDATE SET place_id = excluded.place_id, "
                  "digest = excluded.digest",
                  3, v, NULL);
    return auto_end(p, own, rc);
}

int bm__pg_place_move_incidents(bm_pg *p, const char *from, const char *to, int64_t *moved)
{
    int own;
    int rc = auto_begin(p, &own);
    if (rc != BM_OK)
        return rc;
    const char *v[2] = {from, to};
    int64_t n = 0;
    rc = run_done(p, -1,
                  "UPDATE incidents SET place_id = $2, geom = (SELECT geom FROM places WHERE "
                  "id = $2), cell = (SELECT ((floor(ST_Y(geom))::integer + 90) * 360 + "
                  "floor(ST_X(geom))::integer + 180) FROM places WHERE id = $2) "
                  "WHERE place_id = $1 AND EXISTS (SELECT 1 FROM places WHERE id = $2 AND "
                  "geom IS NOT NULL)",
                  2, v, &n);
    if (moved)
        *moved = rc == BM_OK ? n : 0;
    return auto_end(p, own, rc);
}

int bm__pg_place_delete(bm_pg *p, const char *id)
{
    static const char *const sql[] = {"DELETE FROM place_names WHERE place_id = $1",
                                      "DELETE FROM place_records WHERE place_id = $1",
                                      "DELETE FROM places WHERE id = $1"};
    int own;
    int rc = auto_begin(p, &own);
    const char *v[1] = {id};
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof *sql; i++)
        rc = run_done(p, -1, sql[i], 1, v, NULL);
    return own ? auto_end(p, own, rc) : rc;
}

int bm__pg_identity_record(bm_pg *p, const char *sha256, int64_t start, int64_t end,
                           const char *place_key, int ordinal, int64_t id)
{
    numbufs nb;
    const char *v[6] = {sha256, i64(&nb, 1, start), i64(&nb, 2, end), place_key,
                        i64(&nb, 4, ordinal), i64(&nb, 5, id)};
    return run_done(p, PS_IDENTITY_RECORD,
                    "INSERT INTO incident_keys(sha256, byte_start, byte_end, place_key, ordinal, "
                    "incident_id) VALUES ($1, $2::bigint, $3::bigint, $4, $5::integer, $6::bigint) "
                    "ON CONFLICT (sha256, byte_start, byte_end, place_key, ordinal) DO UPDATE "
                    "SET incident_id = excluded.incident_id",
                    6, v, NULL);
}

/* ---- Generic rows ------------------------------------------------------------- */

#define LITE_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
#define PG_NOW "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* INSERT OR REPLACE of the tables the analysts' modules write: the key it
 * replaces on, and what it sets. */
static const struct {
    const char *table, *conflict;
} replace_keys[] = {
    {"incident_merges", "(old_id) DO UPDATE SET into_id = excluded.into_id"},
    {"incident_keys", "(sha256, byte_start, byte_end, place_key, ordinal) DO UPDATE SET "
                      "incident_id = excluded.incident_id"},
    {"incident_deleted_keys", "(sha256, byte_start, byte_end, place_key, ordinal) DO UPDATE "
                              "SET incident_id = excluded.incident_id"},
};

static const char *replace_clause(const char *rest)
{
    for (size_t i = 0; i < sizeof replace_keys / sizeof *replace_keys; i++) {
        size_t n = strlen(replace_keys[i].table);
        if (!strncmp(rest, replace_keys[i].table, n) && rest[n] == '(')
            return replace_keys[i].conflict;
    }
    return NULL;
}

static char *to_dollar(const char *sql);

char *bm__pg_translate(const char *sql)
{
    return to_dollar(sql);
}

/* The SpatiaLite dialect the analysts' modules write, for PostgreSQL: ?N
 * placeholders become $N (outside quotes), the UTC timestamp becomes
 * PostgreSQL's, INSERT OR IGNORE becomes ON CONFLICT DO NOTHING and INSERT
 * OR REPLACE an upsert on the table's key. */
static char *to_dollar(const char *sql)
{
    const char *ignore = "INSERT OR IGNORE INTO", *replace = "INSERT OR REPLACE INTO ";
    int is_ignore = strncmp(sql, ignore, strlen(ignore)) == 0;
    const char *upsert = NULL;
    if (!strncmp(sql, replace, strlen(replace))) {
        upsert = replace_clause(sql + strlen(replace));
        if (!upsert)
            return NULL;
        sql += strlen("INSERT OR REPLACE");
    }
    if (is_ignore)
        sql += strlen("INSERT OR IGNORE");
    char *out = malloc(strlen(sql) * 2 + 64);
    if (!out)
        return NULL;
    char *o = out;
    if (is_ignore || upsert)
        o += sprintf(o, "INSERT");
    int quoted = 0;
    for (const char *c = sql; *c; c++) {
        if (!quoted && strncmp(c, LITE_NOW, strlen(LITE_NOW)) == 0) {
            o += sprintf(o, "%s", PG_NOW);
            c += strlen(LITE_NOW) - 1;
            continue;
        }
        if (*c == '\'')
            quoted = !quoted;
        *o++ = (!quoted && *c == '?') ? '$' : *c;
    }
    *o = '\0';
    if (is_ignore)
        strcat(out, " ON CONFLICT DO NOTHING");
    if (upsert) {
        char *grown = realloc(out, strlen(out) + strlen(upsert) + 16);
        if (!grown) {
            free(out);
            return NULL;
        }
        out = grown;
        strcat(strcat(out, " ON CONFLICT "), upsert);
    }
    return out;
}

typedef struct {
    bm__row_cb cb;
    void *user;
} generic_scan;

static int generic_row(const PGresult *r, int row, void *user)
{
    generic_scan *sc = user;
    int nc = PQnfields(r);
    const char *cols[64];
    if (nc > 64)
        nc = 64;
    for (int i = 0; i < nc; i++)
        cols[i] = val(r, row, i);
    return sc->cb(nc, cols, sc->user);
}

int bm__pg_exec(bm_pg *p, const char *sql, int n, const char *const *params, bm__row_cb cb,
                void *user, int64_t *changes)
{
    char *q = to_dollar(sql);
    if (!q)
        return bm__pg_fail(p, BM_ENOMEM, "out of memory");
    int rc;
    if (cb) {
        generic_scan sc = {cb, user};
        rc = bm__pg_scan(p, q, n, params, generic_row, &sc);
    } else {
        rc = run_done(p, -1, q, n, params, changes);
    }
    free(q);
    return rc;
}
