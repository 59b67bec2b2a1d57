/* store_copy.c: `bordermap db copy`: a whole database from one backend to the
 * other (SpatiaLite <-> PostgreSQL/PostGIS, or either to its own kind), every
 * table and id as it is, so a team can move a laptop's file to the shared
 * database and back.
 * Must never merge into a database that already holds articles or
 * incidents, never round a value (doubles travel as exact text or as WKB),
 * and never leave half a copy: the whole copy is one transaction on `to`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_backend.h"
#include "store_private.h"

/* Column kinds: text, integer, real, date, point, multipolygon. */
typedef struct {
    const char *name;
    char kind; /* 'T', 'I', 'R', 'D', 'P', 'M' */
} column;

typedef struct {
    const char *table;
    const column *cols;
    const char *order; /* ORDER BY, for a copy in the same order every time */
} table_spec;

#define COLS(...) ((const column[]){__VA_ARGS__, {NULL, 0}})

/* Parents before children (foreign keys). bm_meta last: its rows describe
 * what was copied (span, id high-water mark, gazetteer fingerprint). */
static const table_spec tables[] = {
    {"places",
     COLS({"id", 'T'}, {"name_en", 'T'}, {"name_ar", 'T'}, {"kind", 'T'}, {"country", 'T'},
          {"admin1", 'T'}, {"population", 'I'}, {"geom", 'P'}, {"area", 'M'}, {"source", 'T'}),
     "id"},
    {"place_names", COLS({"place_id", 'T'}, {"name", 'T'}, {"key", 'T'}, {"lang", 'T'}),
     "place_id, name"},
    {"place_records", COLS({"record", 'T'}, {"place_id", 'T'}, {"digest", 'T'}), "record"},
    {"articles",
     COLS({"id", 'I'}, {"sha256", 'T'}, {"file_name", 'T'}, {"source", 'T'}, {"url", 'T'},
          {"published", 'T'}, {"language", 'T'}, {"ingested_at", 'T'}),
     "id"},
    {"incidents",
     COLS({"id", 'I'}, {"date_start", 'D'}, {"date_end", 'D'}, {"date_precision", 'T'},
          {"type", 'T'}, {"place_id", 'T'}, {"geom", 'P'}, {"geo_precision", 'I'},
          {"confidence", 'R'}, {"fatalities", 'I'}, {"summary", 'T'}, {"created_at", 'T'},
          {"reasons", 'T'}, {"cell", 'I'}, {"note", 'T'}, {"edited_at", 'T'}, {"review", 'T'},
          {"actor1", 'T'}, {"actor2", 'T'}, {"provenance", 'T'}, {"external_id", 'T'},
          {"inter1", 'I'}, {"inter2", 'I'}),
     "id"},
    {"incident_sources",
     COLS({"incident_id", 'I'}, {"article_id", 'I'}, {"byte_start", 'I'}, {"byte_end", 'I'},
          {"sentence", 'T'}),
     "incident_id, article_id, byte_start"},
    {"incident_keys",
     COLS({"sha256", 'T'}, {"byte_start", 'I'}, {"byte_end", 'I'}, {"place_key", 'T'},
          {"ordinal", 'I'}, {"incident_id", 'I'}),
     "sha256, byte_start, byte_end, place_key, ordinal"},
    {"incident_deleted_keys",
     COLS({"sha256", 'T'}, {"byte_start", 'I'}, {"byte_end", 'I'}, {"place_key", 'T'},
          {"ordinal", 'I'}, {"incident_id", 'I'}),
     "sha256, byte_start, byte_end, place_key, ordinal"},
    {"incident_edits",
     COLS({"id", 'I'}, {"incident_id", 'I'}, {"action", 'T'}, {"field", 'T'},
          {"old_value", 'T'}, {"new_value", 'T'}, {"author", 'T'}, {"at", 'T'}),
     "id"},
    {"incident_merges", COLS({"old_id", 'I'}, {"into_id", 'I'}), "old_id"},
    {"team_places", COLS({"place_id", 'T'}, {"added_by", 'T'}, {"added_at", 'T'}), "place_id"},
    {"team_aliases",
     COLS({"place_id", 'T'}, {"name", 'T'}, {"lang", 'T'}, {"added_by", 'T'}, {"added_at", 'T'}),
     "place_id, name"},
};

#define MAX_COLS 32

static int ncols(const column *c)
{
    int n = 0;
    while (c[n].name)
        n++;
    return n;
}

/* ---- Statement text ---------------------------------------------------------- */

static void select_sql(const table_spec *t, int pg, char *sql, size_t size)
{
    size_t n = (size_t)snprintf(sql, size, "SELECT ");
    for (int i = 0; t->cols[i].name; i++) {
        const char *c = t->cols[i].name, *sep = i ? ", " : "";
        char k = t->cols[i].kind;
        if (k == 'P' || k == 'M')
            n += (size_t)snprintf(sql + n, size - n,
                                  pg ? "%sencode(ST_AsBinary(%s), 'hex')"
                                     : "%snullif(hex(AsBinary(%s)), '')", /* hex(NULL) is '' */
                                  sep, c);
        else if (k == 'D' && pg)
            n += (size_t)snprintf(sql + n, size - n, "%s%s::text", sep, c);
        else
            n += (size_t)snprintf(sql + n, size - n, "%s%s", sep, c);
    }
    snprintf(sql + n, size - n, " FROM %s ORDER BY %s", t->table, t->order);
}

static void insert_sql(const table_spec *t, int pg, char *sql, size_t size)
{
    size_t n = (size_t)snprintf(sql, size, "INSERT INTO %s(", t->table);
    for (int i = 0; t->cols[i].name; i++)
        n += (size_t)snprintf(sql + n, size - n, "%s%s", i ? ", " : "", t->cols[i].name);
    n += (size_t)snprintf(sql + n, size - n, ") VALUES (");
    for (int i = 0; t->cols[i].name; i++) {
        const char *sep = i ? ", " : "";
        char k = t->cols[i].kind;
        if (!pg)
            n += (size_t)snprintf(sql + n, size - n,
                                  k == 'P' || k == 'M' ? "%sGeomFromWKB(?%d, 4326)" : "%s?%d", sep,
                                  i + 1);
        else if (k == 'P' || k == 'M')
            n += (size_t)snprintf(sql + n, size - n,
                                  "%sST_SetSRID(ST_GeomFromWKB(decode(?%d, 'hex')), 4326)", sep,
                                  i + 1);
        else
            n += (size_t)snprintf(sql + n, size - n, "%s?%d%s", sep, i + 1,
                                  k == 'I'   ? "::bigint"
                                  : k == 'R' ? "::float8"
                                  : k == 'D' ? "::date"
                                             : "::text");
    }
    snprintf(sql + n, size - n, ")");
}

/* ---- SpatiaLite side ---------------------------------------------------------- */

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (const char *c = hex; c[0] && c[1]; c += 2) {
        unsigned hi = (unsigned)(c[0] <= '9' ? c[0] - '0' : (c[0] | 32) - 'a' + 10);
        unsigned lo = (unsigned)(c[1] <= '9' ? c[1] - '0' : (c[1] | 32) - 'a' + 10);
        out[n++] = (unsigned char)(hi << 4 | lo);
    }
    return n;
}

static int lite_fail(bm_store *s, bm_error *err, const char *what)
{
    return bm_error_set(err, BM_EDB, "%s: %s", what, sqlite3_errmsg(bm__store_db(s)));
}

/* Binds text values by kind: numbers as numbers (exactly as their text),
 * geometries as WKB blobs. */
static int lite_insert(sqlite3_stmt *st, const column *cols, const char *const *v)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; cols[i].name; i++) {
        if (!v[i])
            continue;
        switch (cols[i].kind) {
        case 'I': sqlite3_bind_int64(st, i + 1, strtoll(v[i], NULL, 10)); break;
        case 'R': sqlite3_bind_double(st, i + 1, strtod(v[i], NULL)); break;
        case 'P':
        case 'M': {
            unsigned char *b = malloc(strlen(v[i]) / 2 + 1);
            if (!b)
                return SQLITE_NOMEM;
            sqlite3_bind_blob(st, i + 1, b, (int)unhex(v[i], b), free);
            break;
        }
        default: sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
        }
    }
    return sqlite3_step(st);
}

/* ---- Row pump ------------------------------------------------------------------ */

typedef struct {
    bm_store *to;
    const table_spec *t;
    sqlite3_stmt *lite; /* the INSERT on a SpatiaLite target */
    char sql[4096];     /* the INSERT on a PostgreSQL target */
    int64_t rows;
    bm_error *err;
} pump;

static int put_row(int n, const char *const *v, void *user)
{
    pump *pm = user;
    bm_pg *pg = bm__store_pg(pm->to);
    pm->rows++;
    if (pg) {
        int rc = bm__pg_exec(pg, pm->sql, n, v, NULL, NULL, NULL);
        return rc == BM_OK ? 0
                           : bm_error_set(pm->err, rc, "writing %s: %s", pm->t->table,
                                          bm__pg_errmsg(pg));
    }
    int step = lite_insert(pm->lite, pm->t->cols, v);
    return step == SQLITE_DONE ? 0 : lite_fail(pm->to, pm->err, pm->t->table);
}

/* Reads every row of t from a SpatiaLite file as text: integers in decimal,
 * reals as %.17g (exact), geometries as hex WKB. */
static int lite_rows(bm_store *from, const table_spec *t, pump *pm)
{
    char sql[4096];
    select_sql(t, 0, sql, sizeof sql);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(bm__store_db(from), sql, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(from, pm->err, t->table);
    int n = ncols(t->cols), rc = 0, step;
    char num[MAX_COLS][32];
    const char *v[MAX_COLS];
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL) {
                v[i] = NULL;
            } else if (t->cols[i].kind == 'R' || type == SQLITE_FLOAT) {
                snprintf(num[i], sizeof num[i], "%.17g", sqlite3_column_double(st, i));
                v[i] = num[i];
            } else {
                v[i] = (const char *)sqlite3_column_text(st, i);
            }
        }
        rc = put_row(n, v, pm);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = lite_fail(from, pm->err, t->table);
    sqlite3_finalize(st);
    return rc;
}

static int copy_table(bm_store *from, bm_store *to, const table_spec *t, bm_error *err)
{
    pump pm = {.to = to, .t = t, .err = err};
    bm_pg *pg_to = bm__store_pg(to), *pg_from = bm__store_pg(from);
    insert_sql(t, pg_to != NULL, pm.sql, sizeof pm.sql);
    if (!pg_to && sqlite3_prepare_v2(bm__store_db(to), pm.sql, -1, &pm.lite, NULL) != SQLITE_OK)
        return lite_fail(to, err, t->table);
    int rc;
    if (pg_from) {
        char sql[4096];
        select_sql(t, 1, sql, sizeof sql);
        rc = bm__pg_exec(pg_from, sql, 0, NULL, put_row, &pm, NULL);
        if (rc > 0 || (rc != BM_OK && !err->msg[0]))
            rc = bm_error_set(err, BM_EDB, "reading %s: %s", t->table, bm__pg_errmsg(pg_from));
    } else {
        rc = lite_rows(from, t, &pm);
    }
    sqlite3_finalize(pm.lite);
    return rc;
}

/* ---- Target preparation --------------------------------------------------------- */

static int run_to(bm_store *to, const char *sql, int n, const char *const *v, bm_error *err)
{
    bm_pg *pg = bm__store_pg(to);
    if (pg) {
        int rc = bm__pg_exec(pg, sql, n, v, NULL, NULL, NULL);
        return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm__pg_errmsg(pg));
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(bm__store_db(to), sql, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(to, err, "prepare");
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE || step == SQLITE_ROW ? BM_OK : lite_fail(to, err, sql);
}

static int count_cb(int n, const char *const *v, void *user)
{
    (void)n;
    *(int64_t *)user = v[0] ? strtoll(v[0], NULL, 10) : 0;
    return 0;
}

static int row_count(bm_store *s, const char *table, int64_t *count, bm_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    bm_pg *pg = bm__store_pg(s);
    if (pg) {
        int rc = bm__pg_exec(pg, sql, 0, NULL, count_cb, count, NULL);
        return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm__pg_errmsg(pg));
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(bm__store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(s, err, table);
    int step = sqlite3_step(st);
    *count = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? BM_OK : lite_fail(s, err, table);
}

/* The target's own places (its gazetteer load) give way to the source's. */
static int clear_target(bm_store *to, bm_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM team_aliases",  "DELETE FROM team_places", "DELETE FROM place_records",
        "DELETE FROM place_names",   "DELETE FROM places",
        "DELETE FROM incident_edits", "DELETE FROM incident_merges",
        "DELETE FROM incident_deleted_keys",
        "DELETE FROM bm_meta WHERE key NOT IN ('application', 'schema_version')",
    };
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof *sql; i++)
        rc = run_to(to, sql[i], 0, NULL, err);
    return rc;
}

typedef struct {
    bm_store *to;
    bm_error *err;
    int rc;
} meta_pump;

static int put_meta(int n, const char *const *v, void *user)
{
    meta_pump *m = user;
    (void)n;
    if (!v[0] || !strcmp(v[0], "application") || !strcmp(v[0], "schema_version"))
        return 0;
    m->rc = run_to(m->to,
                   bm__store_pg(m->to) ? "INSERT INTO bm_meta(key, value) VALUES ($1, $2)"
                                       : "INSERT INTO bm_meta(key, value) VALUES (?1, ?2)",
                   2, v, m->err);
    return m->rc == BM_OK ? 0 : m->rc;
}

static int copy_meta(bm_store *from, bm_store *to, bm_error *err)
{
    meta_pump m = {to, err, BM_OK};
    bm_pg *pg = bm__store_pg(from);
    const char *sql = "SELECT key, value FROM bm_meta ORDER BY key";
    if (pg) {
        int rc = bm__pg_exec(pg, sql, 0, NULL, put_meta, &m, NULL);
        return m.rc != BM_OK ? m.rc
               : rc == BM_OK ? BM_OK
                             : bm_error_set(err, rc, "reading metadata: %s", bm__pg_errmsg(pg));
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(bm__store_db(from), sql, -1, &st, NULL) != SQLITE_OK)
        return lite_fail(from, err, "metadata");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *v[2] = {(const char *)sqlite3_column_text(st, 0),
                            (const char *)sqlite3_column_text(st, 1)};
        rc = put_meta(2, v, &m);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Serial columns continue after the copied ids. */
static int fix_sequences(bm_store *to, bm_error *err)
{
    if (!bm__store_pg(to))
        return BM_OK;
    static const char *const sql[] = {
        "SELECT setval(pg_get_serial_sequence('articles', 'id'), coalesce(max(id), 0) + 1, "
        "false) FROM articles",
        "SELECT setval(pg_get_serial_sequence('incident_edits', 'id'), coalesce(max(id), 0) + 1, "
        "false) FROM incident_edits",
    };
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < 2; i++)
        rc = run_to(to, sql[i], 0, NULL, err);
    return rc;
}

int bm_store_copy(bm_store *from, bm_store *to, bm_error *err)
{
    int64_t n_art = 0, n_inc = 0;
    int rc = row_count(to, "articles", &n_art, err);
    if (rc == BM_OK)
        rc = row_count(to, "incidents", &n_inc, err);
    if (rc != BM_OK)
        return rc;
    if (n_art || n_inc)
        return bm_error_set(err, BM_EEXIST,
                            "%s already holds %" PRId64 " articles and %" PRId64
                            " incidents; copy into a new database",
                            bm_store_path(to), n_art, n_inc);
    if ((rc = bm_store_begin(to)) != BM_OK)
        return bm_error_set(err, rc, "%s", bm_store_errmsg(to));
    rc = clear_target(to, err);
    for (size_t i = 0; rc == BM_OK && i < sizeof tables / sizeof *tables; i++)
        rc = copy_table(from, to, &tables[i], err);
    if (rc == BM_OK)
        rc = copy_meta(from, to, err);
    if (rc == BM_OK)
        rc = fix_sequences(to, err);
    if (rc != BM_OK) {
        bm_store_rollback(to);
        return rc < 0 ? rc : BM_EDB;
    }
    rc = bm_store_commit(to);
    return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "committing the copy: %s", bm_store_errmsg(to));
}
