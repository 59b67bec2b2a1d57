/* store.c: the SpatiaLite incident store: opening with the checks that keep a
 * user's file safe, schema migrations, and the incident/article/source/place
 * reads and writes.
 * Must never build SQL from values (every value is a bound parameter), never
 * touch a file that is not a bordermap database, and never leave a write
 * half-done: each one is a transaction or part of the caller's. */
#include "bordermap/store.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
/* spatialite.h needs sqlite3.h first. */
#include <spatialite.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bordermap/fileio.h"
#include "store_backend.h"
#include "store_private.h"

/* How long a statement waits for another process's lock before it fails. */
#define BUSY_TIMEOUT_MS 10000

/* Statements prepared once per handle, because ingest and bulk loads run them
 * hundreds of thousands of times. */
enum {
    ST_INCIDENT_ADD,
    ST_INCIDENT_UPDATE,
    ST_INCIDENT_GET,
    ST_INCIDENT_FIND_EXTERNAL,
    ST_INCIDENT_BY_KEY,
    ST_INCIDENT_BY_PLACE_KEY,
    ST_SOURCE_ADD,
    ST_ARTICLE_FIND,
    ST_ARTICLE_ADD,
    ST_PLACE_NAME_ADD,
    ST_PLACE_NAMES_DEL,
    ST_PLACE_PUT,
    ST_SPAN_SET,
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_SOURCES_OF, /* an export reads the sources of each incident it writes */
    ST_COUNT
};

struct bm_store {
    bm_pg *pg; /* the PostgreSQL backend (store_pg.c), or NULL: SpatiaLite */
    sqlite3 *db;
    void *splite; /* SpatiaLite per-connection cache */
    char *path;
    int read_only;
    int schema_version;
    int tx_depth;
    int max_span_days; /* longest [date_start, date_end] stored, in days */
    sqlite3_stmt *stmts[ST_COUNT];
    /* Incident queries by SQL text: ingest's duplicate search asks the same
     * shape of question for every article. */
    struct {
        char *sql;
        sqlite3_stmt *st;
        unsigned last_use;
    } qcache[8];
    unsigned qclock;
    /* Bulk loads (bulk_note_insert): incidents inserted in the open
     * transaction, and the index and trigger SQL set aside until its commit. */
    int64_t tx_inserts;
    int64_t bulk_first_id; /* rows from here on are missing from the R*Tree */
    char *bulk_sql[4];
    int bulk;
    int no_bulk;      /* bm__store_keep_indexes() */
    int trust_checks; /* bm__store_trust_checks() holders */
    char errmsg[512];
};

/* A point's MBR corner is the point: MbrMinX reads it from the blob header, where ST_X
 * parses the whole geometry (three times the cost over a large query). */
#define INCIDENT_COLUMNS                                                                           \
    "i.id, i.date_start, i.date_end, i.date_precision, i.type, i.place_id, MbrMinX(i.geom), "      \
    "MbrMinY(i.geom), i.geo_precision, i.confidence, i.fatalities, i.summary, i.reasons, "         \
    "(SELECT count(*) FROM incident_sources s WHERE s.incident_id = i.id), "                       \
    "i.actor1, i.actor2, i.provenance, i.external_id, i.inter1, i.inter2"

static int fail(bm_store *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(bm_store *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

static int db_fail(bm_store *s, const char *what)
{
    int rc = sqlite3_errcode(s->db);
    int code = (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) ? BM_EREADONLY : BM_EDB;
    return fail(s, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

const char *bm_store_errmsg(const bm_store *s)
{
    if (s && s->pg)
        return bm__pg_errmsg(s->pg);
    return s && s->errmsg[0] ? s->errmsg : "no error";
}

const char *bm_store_path(const bm_store *s)
{
    return s ? s->path : NULL;
}

int bm_store_schema_version(bm_store *s)
{
    if (s && s->pg)
        return bm__pg_schema_version(s->pg);
    return s ? s->schema_version : 0;
}

sqlite3 *bm__store_db(bm_store *s)
{
    return s->db;
}

/* ---- Plain SQL helpers ----------------------------------------------- */

static int exec(bm_store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail(s, BM_EDB, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return BM_EDB;
    }
    return BM_OK;
}

static int prepare(bm_store *s, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(s, "prepare");
    return BM_OK;
}

/* A cached statement, reset and with its bindings cleared. */
static sqlite3_stmt *cached(bm_store *s, int which, const char *sql)
{
    sqlite3_stmt *st = s->stmts[which];
    if (!st) {
        if (prepare(s, sql, &st) != BM_OK)
            return NULL;
        s->stmts[which] = st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Runs a statement that returns no rows. */
static int step_done(bm_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(s, what);
    return BM_OK;
}

static int scalar_int(bm_store *s, const char *sql, const char *arg, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != BM_OK)
        return rc;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = 0;
    else
        db_fail(s, "query");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BM_OK : BM_EDB;
}

/* ---- Transactions ---------------------------------------------------- */

/* Transaction control runs once per ingested article: prepared once. */
static int exec_cached(bm_store *s, int which, const char *sql)
{
    sqlite3_stmt *st = cached(s, which, sql);
    if (!st)
        return BM_EDB;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fail(s, BM_EDB, "%s: %s", sql, sqlite3_errmsg(s->db));
    return BM_OK;
}

/* ---- Bulk loads ------------------------------------------------------ */

/* Inserting into the date indexes and the R*Tree row by row costs a bulk
 * load more than the rows themselves; building them once at the end is what
 * SQLite's own path (load, then CREATE INDEX and CreateSpatialIndex) does.
 * Once a transaction has inserted BULK_MIN_ROWS incidents and at least half
 * as many as the table held before it, the two date indexes and the R*Tree
 * insert trigger are dropped inside the transaction and rebuilt before its
 * COMMIT: readers never see the table without them, and a rollback (or a
 * kill) undoes the drop with everything else. Lookups the load itself needs
 * (external ids, primary keys) keep their indexes. Only incident rows are
 * written through validate_incident() while it lasts (no raw SQL edits). */
#define BULK_MIN_ROWS 5000

static const char *const bulk_objects[] = {"incidents_cell_date", "incidents_date",
                                           "gii_incidents_geom", NULL};

static void bulk_clear(bm_store *s)
{
    if (s->bulk && s->db && !s->trust_checks)
        exec(s, "PRAGMA ignore_check_constraints = OFF");
    for (size_t i = 0; i < sizeof s->bulk_sql / sizeof s->bulk_sql[0]; i++) {
        free(s->bulk_sql[i]);
        s->bulk_sql[i] = NULL;
    }
    s->bulk = 0;
    s->tx_inserts = 0;
}

static int object_exists(bm_store *s, const char *name, int *exists)
{
    int64_t n = 0;
    int rc = scalar_int(s, "SELECT count(*) FROM sqlite_master WHERE name = ?1", name, &n);
    *exists = n > 0;
    return rc;
}

/* Sets the indexes and the trigger aside (their SQL kept for the commit). */
static int bulk_defer(bm_store *s)
{
    int64_t total = 0, first = 0;
    int rc = scalar_int(s, "SELECT count(*) FROM incidents", NULL, &total);
    if (rc == BM_OK && total - s->tx_inserts > 2 * s->tx_inserts)
        return BM_OK; /* a small batch into a large table: keep maintaining */
    if (rc == BM_OK)
        rc = scalar_int(s, "SELECT coalesce(max(id), 0) + 1 FROM incidents", NULL, &first);
    for (size_t i = 0; rc == BM_OK && bulk_objects[i]; i++) {
        sqlite3_stmt *st;
        if ((rc = prepare(s, "SELECT type, sql FROM sqlite_master WHERE name = ?1", &st)) != BM_OK)
            break;
        sqlite3_bind_text(st, 1, bulk_objects[i], -1, SQLITE_STATIC);
        char drop[128] = "";
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 1)) {
            s->bulk_sql[i] = strdup((const char *)sqlite3_column_text(st, 1));
            snprintf(drop, sizeof drop, "DROP %s \"%s\"",
                     strcmp((const char *)sqlite3_column_text(st, 0), "trigger") ? "INDEX"
                                                                                 : "TRIGGER",
                     bulk_objects[i]);
            if (!s->bulk_sql[i])
                rc = fail(s, BM_ENOMEM, "out of memory");
        }
        sqlite3_finalize(st);
        if (rc == BM_OK && drop[0])
            rc = exec(s, drop);
    }
    /* The CHECK constraints build two temporary B-trees per row (the IN
     * lists of type and precision): validate_incident() checks the same
     * in C, and bm_store_incident_update() too, for as long as this lasts. */
    if (rc == BM_OK)
        rc = exec(s, "PRAGMA ignore_check_constraints = ON");
    s->bulk = 1;
    s->bulk_first_id = first;
    return rc;
}

void bm__store_keep_indexes(bm_store *s)
{
    s->no_bulk = 1;
}

/* The CHECK constraints of incidents build two temporary B-trees for every row written
 * (the IN lists of type and precision), a sixth of an ingested incident's insert:
 * bm_store_incident_add() and bm_store_incident_update() check the same in C, and ingest
 * writes incidents through nothing else. Counted, so that nested holders and a bulk load
 * (which does the same for its duration) leave the constraints on only when all are done.
 * The pragma expires the connection's prepared statements: they recompile once. */
void bm__store_trust_checks(bm_store *s, int on)
{
    if (!s || s->pg || !s->db || s->read_only)
        return;
    s->trust_checks += on ? 1 : -1;
    if (s->trust_checks == (on ? 1 : 0) && !s->bulk)
        exec(s,
             on ? "PRAGMA ignore_check_constraints = ON" : "PRAGMA ignore_check_constraints = OFF");
}

/* Called after each incident insert inside a transaction. */
static int bulk_note_insert(bm_store *s)
{
    if (s->tx_depth <= 0 || s->bulk || s->no_bulk || ++s->tx_inserts != BULK_MIN_ROWS)
        return BM_OK;
    return bulk_defer(s);
}

/* Before the outermost COMMIT: the indexes and the trigger back (unless a
 * rolled-back savepoint already restored them), and the R*Tree given the
 * rows inserted meanwhile. */
static int bulk_finish(bm_store *s)
{
    if (!s->bulk)
        return BM_OK;
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && bulk_objects[i]; i++) {
        int exists = 0;
        if (!s->bulk_sql[i] || (rc = object_exists(s, bulk_objects[i], &exists)) != BM_OK || exists)
            continue;
        rc = exec(s, s->bulk_sql[i]);
    }
    if (rc == BM_OK) {
        sqlite3_stmt *st;
        rc = prepare(s,
                     "INSERT OR REPLACE INTO idx_incidents_geom(pkid, xmin, xmax, ymin, ymax) "
                     "SELECT id, MbrMinX(geom), MbrMaxX(geom), MbrMinY(geom), MbrMaxY(geom) "
                     "FROM incidents WHERE id >= ?1 AND geom IS NOT NULL",
                     &st);
        if (rc == BM_OK) {
            sqlite3_bind_int64(st, 1, s->bulk_first_id);
            rc = step_done(s, st, "building the spatial index");
            sqlite3_finalize(st);
        }
    }
    bulk_clear(s);
    return rc;
}

int bm_store_begin(bm_store *s)
{
    if (s->pg)
        return bm__pg_begin(s->pg);
    if (s->read_only)
        return fail(s, BM_EREADONLY, "the database is open read-only");
    if (s->tx_depth++ > 0)
        return exec_cached(s, ST_SAVEPOINT, "SAVEPOINT nested");
    int rc = exec_cached(s, ST_BEGIN, "BEGIN IMMEDIATE");
    if (rc != BM_OK)
        s->tx_depth--;
    return rc;
}

int bm_store_commit(bm_store *s)
{
    if (s->pg)
        return bm__pg_commit(s->pg);
    if (s->tx_depth <= 0)
        return fail(s, BM_EINVAL, "commit without a transaction");
    if (--s->tx_depth > 0)
        return exec_cached(s, ST_RELEASE, "RELEASE nested");
    int rc = bulk_finish(s);
    if (rc == BM_OK)
        rc = exec_cached(s, ST_COMMIT, "COMMIT");
    s->tx_inserts = 0;
    if (rc != BM_OK) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", s->errmsg);
        exec_cached(s, ST_ROLLBACK, "ROLLBACK");
        fail(s, BM_EDB, "commit: %s", keep);
    }
    return rc;
}

void bm_store_rollback(bm_store *s)
{
    if (s && s->pg) {
        bm__pg_rollback(s->pg);
        return;
    }
    if (!s || s->tx_depth <= 0)
        return;
    if (--s->tx_depth > 0) {
        exec_cached(s, ST_ROLLBACK_TO, "ROLLBACK TO nested");
        exec_cached(s, ST_RELEASE, "RELEASE nested");
        return;
    }
    if (!sqlite3_get_autocommit(s->db))
        exec_cached(s, ST_ROLLBACK, "ROLLBACK");
    bulk_clear(s); /* the rollback brought the indexes back */
}

/* ---- Opening --------------------------------------------------------- */

static void store_free(bm_store *s)
{
    if (!s)
        return;
    bm__pg_close(s->pg);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    for (size_t i = 0; i < sizeof s->qcache / sizeof s->qcache[0]; i++) {
        sqlite3_finalize(s->qcache[i].st);
        free(s->qcache[i].sql);
    }
    bulk_clear(s);
    if (s->db)
        sqlite3_close_v2(s->db);
    if (s->splite)
        spatialite_cleanup_ex(s->splite);
    free(s->path);
    free(s);
}

void bm_store_close(bm_store *s)
{
    if (s && !s->pg && s->tx_depth > 0) {
        s->tx_depth = 1;
        bm_store_rollback(s);
    }
    store_free(s);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int dir_writable(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return access(dir, W_OK) == 0;
}

/* A file is ours when it holds our meta table with application=bordermap.
 * An SQLite file without any table is a fresh database we may initialise;
 * anything else belongs to someone else and is refused. */
static int classify(bm_store *s, int *is_empty)
{
    int64_t n_tables = 0, ours = 0;
    if (scalar_int(s, "SELECT count(*) FROM sqlite_master", NULL, &n_tables) != BM_OK) {
        int rc = sqlite3_errcode(s->db);
        if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
            return fail(s, BM_ENOTDB, "%s is not an SQLite/SpatiaLite database", s->path);
        return BM_EDB;
    }
    *is_empty = n_tables == 0;
    if (*is_empty)
        return BM_OK;
    if (scalar_int(s, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='bm_meta'",
                   NULL, &ours) != BM_OK)
        return BM_EDB;
    if (!ours)
        return fail(s, BM_ENOTDB,
                    "%s is a database of another application (no bordermap metadata); "
                    "refusing to modify it",
                    s->path);
    return BM_OK;
}

static int load_span(bm_store *s)
{
    char buf[32];
    int rc = bm_store_meta_get(s, "max_span_days", buf, sizeof buf);
    s->max_span_days = rc == BM_OK && buf[0] ? atoi(buf) : 366;
    return rc;
}

static int read_version(bm_store *s)
{
    char buf[32];
    int rc = bm_store_meta_get(s, "schema_version", buf, sizeof buf);
    if (rc != BM_OK)
        return rc;
    s->schema_version = atoi(buf);
    if (s->schema_version <= 0)
        return fail(s, BM_ENOTDB, "%s has no valid schema version", s->path);
    return s->schema_version >= 2 ? load_span(s) : BM_OK;
}

static int configure_connection(bm_store *s)
{
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 0);
    s->splite = spatialite_alloc_connection();
    if (!s->splite)
        return fail(s, BM_ENOMEM, "cannot allocate the SpatiaLite connection");
    spatialite_init_ex(s->db, s->splite, 0);
    int rc = exec(s, "PRAGMA foreign_keys = ON");
    if (rc == BM_OK && !s->read_only)
        rc = exec(s, "PRAGMA synchronous = NORMAL");
    /* Each checkpoint syncs the WAL and the database file (two fdatasync
     * calls); at SQLite's default of 1,000 pages an ingest, ~30 pages per
     * article, checkpointed every 30 articles and spent most of its wall
     * time waiting for the disk. A kill still loses nothing committed. */
    if (rc == BM_OK && !s->read_only)
        rc = exec(s, "PRAGMA wal_autocheckpoint = 16384");
    /* A bulk load touches the R*Tree all over: a page cache that holds the
     * index avoids spilling to the WAL mid-transaction. */
    if (rc == BM_OK)
        rc = exec(s, "PRAGMA cache_size = -131072");
    /* SpatiaLite's triggers give every INSERT a statement journal; on disk
     * that is a dozen pwrite() calls per incident. */
    if (rc == BM_OK)
        rc = exec(s, "PRAGMA temp_store = MEMORY");
    /* Date-ordered scans read the table in random order; mapping the file
     * spares a read() per page (1M incidents: several seconds). */
    if (rc == BM_OK)
        rc = exec(s, "PRAGMA mmap_size = 1073741824");
    return rc;
}

/* "file:" URI of a path, for the immutable read-only fallback. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path) * 3 + strlen(query) + 16;
    char *uri = malloc(n), *o = uri;
    if (!uri)
        return NULL;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        o += (*p == '%' || *p == '?' || *p == '#' || *p < 0x21) ? sprintf(o, "%%%02X", *p)
                                                                : sprintf(o, "%c", *p);
    sprintf(o, "?%s", query);
    return uri;
}

static int connect(bm_store *s, const char *name, int flags)
{
    if (sqlite3_open_v2(name, &s->db, flags | SQLITE_OPEN_NOMUTEX, bm__store_vfs()) == SQLITE_OK) {
        /* Before the first statement: the file's first reader may find another
         * process recovering or checkpointing the WAL, which is a wait, not an
         * error. */
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        return BM_OK;
    }
    int code = s->db ? sqlite3_errcode(s->db) : SQLITE_NOMEM;
    fail(s, code == SQLITE_CANTOPEN || code == SQLITE_READONLY ? BM_EREADONLY : BM_EDB,
         "cannot open %s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_close_v2(s->db);
    s->db = NULL;
    return code == SQLITE_CANTOPEN ? BM_EREADONLY : BM_EDB;
}

/* A WAL database in a directory this process cannot write has no -shm to
 * coordinate readers through; nobody can be writing it then (a writer needs
 * the directory too), so it is read as an immutable file. */
static int can_read_wal(bm_store *s)
{
    int64_t n = 0;
    return scalar_int(s, "SELECT count(*) FROM sqlite_master", NULL, &n) == BM_OK;
}

static int open_connection(bm_store *s, int create)
{
    int flags = s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    int rc = connect(s, s->path, flags);
    if (rc != BM_OK || !s->read_only || dir_writable(s->path) || can_read_wal(s))
        return rc;
    sqlite3_close_v2(s->db);
    s->db = NULL;
    char *uri = file_uri(s->path, "immutable=1");
    if (!uri)
        return fail(s, BM_ENOMEM, "out of memory");
    rc = connect(s, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    free(uri);
    return rc;
}

/* WAL lets a reader run while another process writes; it needs a writable
 * directory, so a read-only open keeps whatever mode the file has. */
static int enable_wal(bm_store *s)
{
    if (s->read_only)
        return BM_OK;
    sqlite3_stmt *st;
    int rc = prepare(s, "PRAGMA journal_mode = WAL", &st);
    if (rc != BM_OK)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? BM_OK : db_fail(s, "enable WAL");
    sqlite3_finalize(st);
    return rc;
}

/* Opens a file that exists; an empty or older one is migrated to target. */
static int open_existing(bm_store *s, int target)
{
    int rc = open_connection(s, 0);
    int empty = 0;
    /* Classify before anything else runs on the connection: SpatiaLite's
     * set-up would otherwise be the first to trip over a foreign file. */
    if (rc == BM_OK)
        rc = classify(s, &empty);
    if (rc == BM_OK)
        rc = configure_connection(s);
    if (rc == BM_OK && empty) {
        if (s->read_only)
            return fail(s, BM_ENOTDB, "%s is an empty database (run `bordermap init`)", s->path);
        rc = enable_wal(s);
        return rc == BM_OK ? bm__store_migrate(s, target) : rc;
    }
    if (rc == BM_OK)
        rc = read_version(s);
    if (rc != BM_OK)
        return rc;
    if (s->schema_version > BM_SCHEMA_VERSION)
        return fail(s, BM_EVERSION,
                    "%s has schema version %d, newer than this bordermap understands (%d); "
                    "upgrade bordermap",
                    s->path, s->schema_version, BM_SCHEMA_VERSION);
    if (s->schema_version < BM_SCHEMA_VERSION && s->read_only)
        return fail(s, BM_EVERSION,
                    "%s has schema version %d and needs a migration; open it writable once",
                    s->path, s->schema_version);
    rc = enable_wal(s);
    if (rc == BM_OK && s->schema_version < target)
        rc = bm__store_migrate(s, target);
    return rc;
}

/* Builds a complete database at the temporary name of an atomic output
 * file: schema, WAL mode, closed (so its -wal and -shm are gone). */
static int build_new(const char *tmp, int target_version, char *msg, size_t msgsize)
{
    bm_store *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(tmp))) {
        free(t);
        snprintf(msg, msgsize, "out of memory");
        return BM_ENOMEM;
    }
    int rc = open_connection(t, 0);
    if (rc == BM_OK)
        rc = configure_connection(t);
    if (rc == BM_OK)
        rc = enable_wal(t);
    if (rc == BM_OK)
        rc = bm__store_migrate(t, target_version);
    snprintf(msg, msgsize, "%s", t->errmsg);
    store_free(t);
    return rc;
}

/* Concurrent first use: every process that finds no file builds a complete
 * database under its own temporary name and links it into place without
 * replacing anything; the losers of that race drop their own file and open
 * the winner's. The target never exists half-initialised, and no process
 * removes a file it did not create in this call. */
static int open_new(bm_store *s, int target_version)
{
    if (!dir_writable(s->path))
        return fail(s, BM_EREADONLY, "cannot create %s: %s", s->path,
                    errno == ENOENT ? "no such directory" : "directory is not writable");
    bm_atomic_file *f = NULL;
    bm_error err;
    int rc = bm_atomic_open(s->path, 0, &f, &err);
    if (rc == BM_EEXIST)
        return open_existing(s, target_version); /* created meanwhile */
    if (rc != BM_OK)
        return fail(s, rc, "%s", bm_error_text(&err));
    rc = build_new(bm_atomic_tmppath(f), target_version, s->errmsg, sizeof s->errmsg);
    if (rc != BM_OK) {
        bm_atomic_abort(f);
        return fail(s, rc, "creating %s: %s", s->path, s->errmsg);
    }
    rc = bm_atomic_commit(f, &err);
    if (rc != BM_OK && rc != BM_EEXIST)
        return fail(s, rc, "%s", bm_error_text(&err));
    return open_existing(s, target_version);
}

/* A postgresql:// URL is a PostgreSQL database (store_pg.c); the handle's
 * path is then a label that never shows the URL. */
static int open_pg(const char *url, const char *schema, int flags, int target_version,
                   bm_store **out, bm_error *err)
{
    bm_store *s = calloc(1, sizeof *s);
    if (!s)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    int rc = bm__pg_open(url, schema, flags, target_version, &s->pg, err);
    if (rc == BM_OK && !(s->path = strdup(bm__pg_label(s->pg))))
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc != BM_OK) {
        store_free(s);
        return rc;
    }
    s->read_only = (flags & BM_STORE_READONLY) != 0;
    *out = s;
    return BM_OK;
}

int bm_store_path_is_url(const char *path)
{
    return bm__pg_is_url(path);
}

bm_pg *bm__store_pg(bm_store *s)
{
    return s ? s->pg : NULL;
}

int bm__store_open_full(const char *path, const char *pg_schema, int flags, int target_version,
                        bm_store **out, bm_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return bm_error_set(err, BM_EINVAL, "no database file name");
    if (bm__pg_is_url(path))
        return open_pg(path, pg_schema, flags, target_version, out, err);
    bm_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    }
    s->read_only = (flags & BM_STORE_READONLY) != 0;
    int exists = file_exists(path);
    int rc;
    if (exists) {
        rc = open_existing(s, BM_SCHEMA_VERSION);
    } else if (flags & (BM_STORE_READONLY | BM_STORE_NOCREATE)) {
        rc = fail(s, BM_ENOTFOUND, "%s does not exist (run `bordermap init` first)", path);
    } else {
        rc = open_new(s, target_version);
    }
    if (rc != BM_OK) {
        bm_error_set(err, rc, "%s", s->errmsg[0] ? s->errmsg : bm_strerror(rc));
        store_free(s);
        return rc;
    }
    *out = s;
    return BM_OK;
}

int bm__store_open_at(const char *path, int flags, int target_version, bm_store **out,
                      bm_error *err)
{
    return bm__store_open_full(path, NULL, flags, target_version, out, err);
}

int bm_store_open(const char *path, int flags, bm_store **out, bm_error *err)
{
    return bm__store_open_full(path, NULL, flags, BM_SCHEMA_VERSION, out, err);
}

int bm_store_open_schema(const char *path, const char *pg_schema, int flags, bm_store **out,
                         bm_error *err)
{
    return bm__store_open_full(path, pg_schema, flags, BM_SCHEMA_VERSION, out, err);
}

/* ---- Meta -------------------------------------------------------------- */

int bm_store_meta_get(bm_store *s, const char *key, char *buf, size_t bufsize)
{
    if (s->pg)
        return bm__pg_meta_get(s->pg, key, buf, bufsize);
    sqlite3_stmt *st;
    buf[0] = '\0';
    int rc = prepare(s, "SELECT value FROM bm_meta WHERE key = ?1", &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(buf, bufsize, "%s", v ? (const char *)v : "");
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? BM_OK : db_fail(s, "read metadata");
}

int bm_store_meta_set(bm_store *s, const char *key, const char *value)
{
    if (s->pg)
        return bm__pg_meta_set(s->pg, key, value);
    sqlite3_stmt *st;
    int rc = prepare(s,
                     "INSERT INTO bm_meta(key, value) VALUES (?1, ?2) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = step_done(s, st, "write metadata");
    sqlite3_finalize(st);
    return rc;
}

/* ---- Incidents ----------------------------------------------------------- */

void bm_incident_init(bm_incident *inc)
{
    memset(inc, 0, sizeof *inc);
    inc->date_precision = BM_PREC_DAY;
    inc->geo_precision = 1;
    inc->confidence = 1.0;
    inc->fatalities = -1;
}

static int validate_incident(bm_store *s, const bm_incident *inc)
{
    if (bm_type_index(inc->type) < 0)
        return fail(s, BM_EINVAL, "unknown incident type '%s'", inc->type);
    if (!bm_date_valid(inc->date_start) || !bm_date_valid(inc->date_end))
        return fail(s, BM_EINVAL, "invalid incident date");
    if (bm_date_cmp(inc->date_end, inc->date_start) < 0)
        return fail(s, BM_EINVAL, "incident ends before it starts");
    if (inc->date_precision < BM_PREC_DAY || inc->date_precision > BM_PREC_YEAR)
        return fail(s, BM_EINVAL, "invalid date precision");
    if (!(inc->pt.lon >= -180 && inc->pt.lon <= 180 && inc->pt.lat >= -90 && inc->pt.lat <= 90))
        return fail(s, BM_EINVAL, "coordinates %g,%g are outside WGS84 bounds", inc->pt.lon,
                    inc->pt.lat);
    if (inc->geo_precision < 1 || inc->geo_precision > 3)
        return fail(s, BM_EINVAL, "geo_precision must be 1, 2 or 3");
    if (!(inc->confidence >= 0 && inc->confidence <= 1))
        return fail(s, BM_EINVAL, "confidence must be between 0 and 1");
    if (inc->fatalities < -1)
        return fail(s, BM_EINVAL, "fatalities cannot be negative");
    if (inc->inter1 < 0 || inc->inter1 > 8 || inc->inter2 < 0 || inc->inter2 > 8)
        return fail(s, BM_EINVAL, "inter codes must be between 1 and 8 (0: unknown)");
    return BM_OK;
}

/* Binds the incident's columns to ?1..?13 and ?15..?20 (?14 is the id of an
 * UPDATE) in the order of the INSERT/UPDATE. */
static void bind_incident(sqlite3_stmt *st, const bm_incident *inc)
{
    char d1[11], d2[11];
    sqlite3_bind_text(st, 1, bm_date_format(inc->date_start, d1), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, bm_date_format(inc->date_end, d2), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, bm_precision_name(inc->date_precision), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, inc->type, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, inc->place_id);
    sqlite3_bind_double(st, 6, inc->pt.lon);
    sqlite3_bind_double(st, 7, inc->pt.lat);
    sqlite3_bind_int(st, 8, inc->geo_precision);
    sqlite3_bind_double(st, 9, inc->confidence);
    if (inc->fatalities >= 0)
        sqlite3_bind_int(st, 10, inc->fatalities);
    else
        sqlite3_bind_null(st, 10);
    bind_text_or_null(st, 11, inc->summary);
    bind_text_or_null(st, 12, inc->reasons);
    sqlite3_bind_int(st, 13, bm__grid_cell(inc->pt));
    bind_text_or_null(st, 15, inc->actor1);
    bind_text_or_null(st, 16, inc->actor2);
    sqlite3_bind_text(st, 17, inc->provenance[0] ? inc->provenance : "extracted", -1,
                      SQLITE_TRANSIENT);
    bind_text_or_null(st, 18, inc->external_id);
    if (inc->inter1 > 0)
        sqlite3_bind_int(st, 19, inc->inter1);
    else
        sqlite3_bind_null(st, 19);
    if (inc->inter2 > 0)
        sqlite3_bind_int(st, 20, inc->inter2);
    else
        sqlite3_bind_null(st, 20);
}

int bm__grid_cell(bm_lonlat pt)
{
    int x = (int)floor(pt.lon) + 180, y = (int)floor(pt.lat) + 90;
    return y * 360 + x;
}

/* Date queries scan date_start back by the longest stored span, so the span
 * only ever grows; recorded in the same transaction as the incident. */
static int note_span(bm_store *s, const bm_incident *inc)
{
    int span = (int)(bm_date_to_days(inc->date_end) - bm_date_to_days(inc->date_start));
    if (span <= s->max_span_days)
        return BM_OK;
    sqlite3_stmt *st =
        cached(s, ST_SPAN_SET, "UPDATE bm_meta SET value = ?1 WHERE key = 'max_span_days'");
    if (!st)
        return BM_EDB;
    sqlite3_bind_int(st, 1, span);
    int rc = step_done(s, st, "record date span");
    if (rc == BM_OK)
        s->max_span_days = span;
    return rc;
}

/* Above every id in use and every id deleted (incident_id_hwm, schema 4), so
 * that a history or merge row never comes to name another incident. */
#define NEXT_INCIDENT_ID_SQL                                                                       \
    "(max(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT CAST(value AS "           \
    "INTEGER) FROM bm_meta WHERE key = 'incident_id_hwm'), 0)) + 1)"

int bm_store_incident_add(bm_store *s, bm_incident *inc)
{
    int rc = validate_incident(s, inc);
    if (rc != BM_OK)
        return rc;
    if (s->pg)
        return bm__pg_incident_add(s->pg, inc);
    sqlite3_stmt *st = cached(
        s, ST_INCIDENT_ADD,
        "INSERT INTO incidents(id, date_start, date_end, date_precision, type, place_id, geom, "
        "geo_precision, confidence, fatalities, summary, reasons, cell, actor1, actor2, "
        "provenance, external_id, inter1, inter2, created_at) VALUES (" NEXT_INCIDENT_ID_SQL
        ", ?1, ?2, ?3, ?4, ?5, MakePoint(?6, ?7, 4326), ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?16, "
        "?17, ?18, ?19, ?20, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
    if (!st)
        return BM_EDB;
    bind_incident(st, inc);
    rc = step_done(s, st, "add incident");
    if (rc == BM_OK)
        inc->id = sqlite3_last_insert_rowid(s->db);
    if (rc == BM_OK)
        rc = note_span(s, inc);
    if (rc == BM_OK)
        rc = bulk_note_insert(s);
    return rc;
}

int bm_store_incident_update(bm_store *s, const bm_incident *inc)
{
    int rc = validate_incident(s, inc);
    if (rc != BM_OK)
        return rc;
    if (s->pg)
        return bm__pg_incident_update(s->pg, inc);
    sqlite3_stmt *st = cached(
        s, ST_INCIDENT_UPDATE,
        "UPDATE incidents SET date_start = ?1, date_end = ?2, date_precision = ?3, type = ?4, "
        "place_id = ?5, geom = MakePoint(?6, ?7, 4326), geo_precision = ?8, confidence = ?9, "
        "fatalities = ?10, summary = ?11, reasons = ?12, cell = ?13, actor1 = ?15, "
        "actor2 = ?16, provenance = ?17, external_id = ?18, inter1 = ?19, inter2 = ?20 "
        "WHERE id = ?14");
    if (!st)
        return BM_EDB;
    bind_incident(st, inc);
    sqlite3_bind_int64(st, 14, inc->id);
    rc = step_done(s, st, "update incident");
    if (rc == BM_OK && sqlite3_changes(s->db) == 0)
        return fail(s, BM_ENOTFOUND, "no incident %lld", (long long)inc->id);
    return rc == BM_OK ? note_span(s, inc) : rc;
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    /* not snprintf: reading tens of thousands of places copies a few
     * hundred thousand columns */
    const unsigned char *v = sqlite3_column_text(st, col);
    size_t len = v ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n == 0)
        return;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(dst, v, len);
    dst[len] = '\0';
}

static bm_date col_date(sqlite3_stmt *st, int col)
{
    bm_date d = {0, 0, 0};
    const unsigned char *v = sqlite3_column_text(st, col);
    if (v)
        bm_date_parse_iso((const char *)v, &d, NULL, NULL, NULL);
    return d;
}

/* Reads a row selected with INCIDENT_COLUMNS. */
static void read_incident(sqlite3_stmt *st, bm_incident *inc)
{
    bm_incident_init(inc);
    inc->id = sqlite3_column_int64(st, 0);
    inc->date_start = col_date(st, 1);
    inc->date_end = col_date(st, 2);
    const unsigned char *p = sqlite3_column_text(st, 3);
    bm_precision_parse(p ? (const char *)p : "day", &inc->date_precision);
    copy_col(inc->type, sizeof inc->type, st, 4);
    copy_col(inc->place_id, sizeof inc->place_id, st, 5);
    inc->pt.lon = sqlite3_column_double(st, 6);
    inc->pt.lat = sqlite3_column_double(st, 7);
    inc->geo_precision = sqlite3_column_int(st, 8);
    inc->confidence = sqlite3_column_double(st, 9);
    inc->fatalities = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
    copy_col(inc->summary, sizeof inc->summary, st, 11);
    copy_col(inc->reasons, sizeof inc->reasons, st, 12);
    inc->n_sources = sqlite3_column_int(st, 13);
    copy_col(inc->actor1, sizeof inc->actor1, st, 14);
    copy_col(inc->actor2, sizeof inc->actor2, st, 15);
    copy_col(inc->provenance, sizeof inc->provenance, st, 16);
    copy_col(inc->external_id, sizeof inc->external_id, st, 17);
    inc->inter1 = sqlite3_column_int(st, 18);
    inc->inter2 = sqlite3_column_int(st, 19);
}

int bm_store_incident_find_external(bm_store *s, const char *provenance, const char *external_id,
                                    int64_t *id)
{
    if (s->pg)
        return bm__pg_incident_find_external(s->pg, provenance, external_id, id);
    sqlite3_stmt *st = cached(s, ST_INCIDENT_FIND_EXTERNAL,
                              "SELECT id FROM incidents WHERE provenance = ?1 AND "
                              "external_id = ?2 ORDER BY id LIMIT 1");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, provenance, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return BM_OK;
    return rc == SQLITE_DONE ? BM_ENOTFOUND : db_fail(s, "find incident");
}

int bm_store_incident_get(bm_store *s, int64_t id, bm_incident *out)
{
    if (s->pg)
        return bm__pg_incident_get(s->pg, id, out);
    sqlite3_stmt *st =
        cached(s, ST_INCIDENT_GET, "SELECT " INCIDENT_COLUMNS " FROM incidents i WHERE i.id = ?1");
    if (!st)
        return BM_EDB;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_incident(st, out);
        sqlite3_reset(st);
        return BM_OK;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return fail(s, BM_ENOTFOUND, "no incident %lld", (long long)id);
    return db_fail(s, "read incident");
}

int bm_store_incident_delete(bm_store *s, int64_t id)
{
    if (s->pg)
        return bm__pg_incident_delete(s->pg, id);
    sqlite3_stmt *st;
    int rc = prepare(s, "DELETE FROM incidents WHERE id = ?1", &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = step_done(s, st, "delete incident");
    sqlite3_finalize(st);
    if (rc == BM_OK && sqlite3_changes(s->db) == 0)
        return fail(s, BM_ENOTFOUND, "no incident %lld", (long long)id);
    return rc;
}

void bm_query_init(bm_query *q)
{
    memset(q, 0, sizeof *q);
}

/* A prepared statement for this query text, from the cache or new (evicting
 * the least recently used). Borrowed: reset it after use, never finalize. */
static sqlite3_stmt *query_stmt(bm_store *s, const char *sql)
{
    size_t n = sizeof s->qcache / sizeof s->qcache[0], victim = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->qcache[i].sql && strcmp(s->qcache[i].sql, sql) == 0) {
            s->qcache[i].last_use = ++s->qclock;
            sqlite3_reset(s->qcache[i].st);
            sqlite3_clear_bindings(s->qcache[i].st);
            return s->qcache[i].st;
        }
        if (s->qcache[i].last_use < s->qcache[victim].last_use)
            victim = i;
    }
    sqlite3_stmt *st;
    char *copy = strdup(sql);
    if (!copy || prepare(s, sql, &st) != BM_OK) {
        free(copy);
        return NULL;
    }
    sqlite3_finalize(s->qcache[victim].st);
    free(s->qcache[victim].sql);
    s->qcache[victim].sql = copy;
    s->qcache[victim].st = st;
    s->qcache[victim].last_use = ++s->qclock;
    return st;
}

/* More cells than this and the box is nearly everything: scan by date. */
#define MAX_QUERY_CELLS 400

/* Builds the WHERE clause (placeholders only) and binds it. A box becomes the
 * list of 1-degree cells it touches (the cell+date index) plus an exact test
 * on the point; dates scan date_start back by the longest stored span. */
static int build_query(bm_store *s, const bm_query *q, const char *select, sqlite3_stmt **out)
{
    char sql[8192];
    size_t n = (size_t)snprintf(sql, sizeof sql, "%s FROM incidents i WHERE 1", select);
    if (q->has_bbox) {
        int cx0 = (int)floor(q->west) + 180, cx1 = (int)floor(q->east) + 180;
        int cy0 = (int)floor(q->south) + 90, cy1 = (int)floor(q->north) + 90;
        if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= MAX_QUERY_CELLS) {
            n += (size_t)snprintf(sql + n, sizeof sql - n, " AND i.cell IN (");
            int k = 0;
            for (int y = cy0; y <= cy1; y++)
                for (int x = cx0; x <= cx1; x++, k++)
                    n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%d", k ? "," : "",
                                          y * 360 + x);
            n += (size_t)snprintf(sql + n, sizeof sql - n, ")");
        }
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND MbrMinX(i.geom) BETWEEN :west AND :east"
                              " AND MbrMinY(i.geom) BETWEEN :south AND :north");
    }
    if (q->has_from)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND i.date_start >= :from_floor AND i.date_end >= :from");
    if (q->has_to)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND i.date_start <= :to");
    if (q->n_types > 0) {
        if (q->n_types > 64)
            return fail(s, BM_EINVAL, "too many types in one query");
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND i.type IN (");
        for (size_t k = 0; k < q->n_types; k++)
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?%zu", k ? "," : "", 100 + k);
        n += (size_t)snprintf(sql + n, sizeof sql - n, ")");
    }
    if (!q->any_order)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " ORDER BY i.date_start, i.id");
    if (q->limit > 0)
        snprintf(sql + n, sizeof sql - n, " LIMIT :limit");
    sqlite3_stmt *st = query_stmt(s, sql);
    if (!st)
        return BM_EDB;
    char buf[11];
    if (q->has_bbox) {
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":west"), q->west);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":south"), q->south);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":east"), q->east);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":north"), q->north);
    }
    if (q->has_from) {
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":from"),
                          bm_date_format(q->from, buf), -1, SQLITE_TRANSIENT);
        bm_date floor_d = bm_date_add_days(q->from, -(int64_t)s->max_span_days);
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":from_floor"),
                          bm_date_format(floor_d, buf), -1, SQLITE_TRANSIENT);
    }
    if (q->has_to)
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":to"), bm_date_format(q->to, buf),
                          -1, SQLITE_TRANSIENT);
    for (size_t k = 0; k < q->n_types; k++)
        sqlite3_bind_text(st, (int)(100 + k), q->types[k], -1, SQLITE_TRANSIENT);
    if (q->limit > 0)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), q->limit);
    *out = st;
    return BM_OK;
}

int bm_store_query(bm_store *s, const bm_query *q, bm_incident_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_query(s->pg, q, cb, user);
    bm_query all;
    if (!q) {
        bm_query_init(&all);
        q = &all;
    }
    sqlite3_stmt *st;
    int rc = build_query(s, q, "SELECT " INCIDENT_COLUMNS, &st);
    if (rc != BM_OK)
        return rc;
    bm_incident *inc = malloc(sizeof *inc);
    if (!inc) {
        sqlite3_reset(st);
        return fail(s, BM_ENOMEM, "out of memory");
    }
    int step;
    rc = BM_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        read_incident(st, inc);
        rc = cb(inc, user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "query incidents");
    free(inc);
    sqlite3_reset(st);
    return rc;
}

/* ---- The columns a map draws ---------------------------------------------------------- */

/* A point geometry's x and y from its SpatiaLite blob header (the MBR's corner, what MbrMinX
 * and MbrMinY read) without a SQL function call per row; any other blob (a compressed or
 * tiny point) through MbrMinX and MbrMinY themselves, so NULL reads as 0 as before. */
static double blob_double(const unsigned char *p, int little)
{
    unsigned char b[8];
    for (int k = 0; k < 8; k++)
        b[k] = p[little ? k : 7 - k];
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--)
        u = u << 8 | b[k];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int blob_point(bm_store *s, sqlite3_stmt *st, int col, sqlite3_stmt **mbr, bm_lonlat *pt)
{
    const unsigned char *b = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    pt->lon = pt->lat = 0;
    if (b && n >= 45 && b[0] == 0x00 && (b[1] == 0 || b[1] == 1) && b[38] == 0x7C &&
        b[n - 1] == 0xFE) {
        pt->lon = blob_double(b + 6, b[1]);
        pt->lat = blob_double(b + 14, b[1]);
        return BM_OK;
    }
    if (!b)
        return BM_OK;
    if (!*mbr && prepare(s, "SELECT MbrMinX(?1), MbrMinY(?1)", mbr) != BM_OK)
        return BM_EDB;
    sqlite3_bind_blob(*mbr, 1, b, n, SQLITE_TRANSIENT);
    if (sqlite3_step(*mbr) == SQLITE_ROW)
        pt->lon = sqlite3_column_double(*mbr, 0), pt->lat = sqlite3_column_double(*mbr, 1);
    sqlite3_reset(*mbr);
    return BM_OK;
}

/* Every incident's source count, in incident id order: one scan of the sources' key instead
 * of a count per row (a third of reading a large table). */
typedef struct source_counts {
    int64_t *id;
    int *n;
    size_t len, at;
} source_counts;

static int read_source_counts(bm_store *s, source_counts *c)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *st;
    /* The key's ids in order, counted here: cheaper than GROUP BY's aggregate. */
    int rc = prepare(s, "SELECT incident_id FROM incident_sources ORDER BY incident_id", &st);
    if (rc != BM_OK)
        return rc;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (c->len && c->id[c->len - 1] == id) {
            c->n[c->len - 1]++;
            continue;
        }
        if (c->len == cap) {
            cap = cap * 2 + 4096;
            int64_t *ids = realloc(c->id, cap * sizeof *ids);
            int *n = ids ? realloc(c->n, cap * sizeof *n) : NULL;
            if (ids)
                c->id = ids;
            if (!n) {
                sqlite3_finalize(st);
                return fail(s, BM_ENOMEM, "out of memory");
            }
            c->n = n;
        }
        c->id[c->len] = id;
        c->n[c->len++] = 1;
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? BM_OK : db_fail(s, "count sources");
}

/* The count of incident id: from where the last lookup ended when ids come in order (a scan
 * in storage order), by bisection otherwise. */
static int source_count(source_counts *c, int64_t id)
{
    if (c->at >= c->len || c->id[c->at] > id || (c->at > 0 && c->id[c->at - 1] >= id)) {
        size_t lo = 0, hi = c->len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->id[mid] < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        c->at = lo;
    }
    while (c->at < c->len && c->id[c->at] < id)
        c->at++;
    return c->at < c->len && c->id[c->at] == id ? c->n[c->at] : 0;
}

/* A date column as stored (YYYY-MM-DD) without the general parser; anything else through it. */
static bm_date col_day(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    if (v && sqlite3_column_bytes(st, col) == 10 && v[4] == '-' && v[7] == '-') {
        int ok = 1, f[8] = {0, 1, 2, 3, 5, 6, 8, 9};
        for (int k = 0; k < 8; k++)
            ok &= v[f[k]] >= '0' && v[f[k]] <= '9';
        bm_date d = {(v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0'),
                     (v[5] - '0') * 10 + (v[6] - '0'), (v[8] - '0') * 10 + (v[9] - '0')};
        if (ok && bm_date_valid(d))
            return d;
    }
    return col_date(st, col);
}

int bm__store_query_map(bm_store *s, const bm_query *q, bm_incident_cb cb, void *user)
{
    bm_query all;
    if (!q) {
        bm_query_init(&all);
        q = &all;
    }
    /* The whole table (or most of it): the counts in one scan. A filtered query may select a
     * few rows of many: a count for each of those. */
    int whole = !q->has_bbox && !q->has_from && !q->has_to && q->n_types == 0 && q->limit <= 0;
    if (s->pg || !whole)
        return bm_store_query(s, q, cb, user);
    source_counts c;
    int rc = read_source_counts(s, &c);
    sqlite3_stmt *st = NULL;
    if (rc == BM_OK)
        rc = build_query(s, q,
                         "SELECT i.id, i.date_start, i.date_end, i.date_precision, i.type, "
                         "i.place_id, i.geom, i.geo_precision, i.fatalities",
                         &st);
    bm_incident *inc = rc == BM_OK ? malloc(sizeof *inc) : NULL;
    if (rc == BM_OK && !inc)
        rc = fail(s, BM_ENOMEM, "out of memory");
    if (rc != BM_OK) {
        if (st)
            sqlite3_reset(st);
        free(c.id);
        free(c.n);
        return rc;
    }
    bm_incident_init(inc);
    sqlite3_stmt *mbr = NULL;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        inc->id = sqlite3_column_int64(st, 0);
        inc->date_start = col_day(st, 1);
        inc->date_end = col_day(st, 2);
        const unsigned char *p = sqlite3_column_text(st, 3);
        bm_precision_parse(p ? (const char *)p : "day", &inc->date_precision);
        copy_col(inc->type, sizeof inc->type, st, 4);
        copy_col(inc->place_id, sizeof inc->place_id, st, 5);
        if ((rc = blob_point(s, st, 6, &mbr, &inc->pt)) != BM_OK)
            break;
        inc->geo_precision = sqlite3_column_int(st, 7);
        inc->fatalities =
            sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 8);
        inc->n_sources = source_count(&c, inc->id);
        if ((rc = cb(inc, user)) != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "query incidents");
    sqlite3_finalize(mbr);
    free(inc);
    free(c.id);
    free(c.n);
    sqlite3_reset(st);
    return rc;
}

static int count_cb(const bm_incident *inc, void *user)
{
    (void)inc;
    ++*(int64_t *)user;
    return 0;
}

/* Ingest's duplicate lookup: one statement whose text never changes, so it
 * stays prepared (the general query's text names grid cells and misses any
 * text cache). Runs inside the writer's transaction, so it sees every
 * committed article: exact under concurrent writers with nothing cached. */
int bm__store_incidents_by_key(bm_store *s, const bm_incident *key, bm_incident_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_incidents_by_key(s->pg, key, cb, user);
    /* Only the key columns: the full column list counts each row's sources,
     * which grows with every article merged into it. With a place id the whole
     * key is an index search whose rows come in id order; coalesce() (a key
     * without one matches NULL and '') leaves the place to a filter and the
     * order to a sort. */
    sqlite3_stmt *st = key->place_id[0]
                           ? cached(s, ST_INCIDENT_BY_PLACE_KEY,
                                    "SELECT i.id, ST_X(i.geom), ST_Y(i.geom) FROM incidents i"
                                    " WHERE i.date_start = ?1 AND i.date_end = ?2"
                                    " AND i.date_precision = ?3 AND i.type = ?4"
                                    " AND i.place_id = ?5 ORDER BY i.id")
                           : cached(s, ST_INCIDENT_BY_KEY,
                                    "SELECT i.id, ST_X(i.geom), ST_Y(i.geom) FROM incidents i"
                                    " WHERE i.date_start = ?1 AND i.date_end = ?2"
                                    " AND i.date_precision = ?3 AND i.type = ?4"
                                    " AND coalesce(i.place_id, '') = ?5 ORDER BY i.id");
    if (!st)
        return BM_EDB;
    char d1[11], d2[11];
    sqlite3_bind_text(st, 1, bm_date_format(key->date_start, d1), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, bm_date_format(key->date_end, d2), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, bm_precision_name(key->date_precision), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, key->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, key->place_id, -1, SQLITE_TRANSIENT);
    bm_incident inc;
    int step, rc = BM_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        bm_incident_init(&inc);
        inc.id = sqlite3_column_int64(st, 0);
        inc.pt.lon = sqlite3_column_double(st, 1);
        inc.pt.lat = sqlite3_column_double(st, 2);
        inc.date_start = key->date_start;
        inc.date_end = key->date_end;
        inc.date_precision = key->date_precision;
        snprintf(inc.type, sizeof inc.type, "%s", key->type);
        snprintf(inc.place_id, sizeof inc.place_id, "%s", key->place_id);
        if ((rc = cb(&inc, user)) != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "duplicate lookup");
    sqlite3_reset(st);
    return rc;
}

int bm_store_count(bm_store *s, const bm_query *q, int64_t *count)
{
    if (s->pg)
        return bm__pg_count(s->pg, q, count);
    *count = 0;
    return bm_store_query(s, q, count_cb, count);
}

/* ---- Articles and sources ---------------------------------------------- */

int bm_store_article_find(bm_store *s, const char *sha256, int64_t *id)
{
    if (s->pg)
        return bm__pg_article_find(s->pg, sha256, id);
    sqlite3_stmt *st = cached(s, ST_ARTICLE_FIND, "SELECT id FROM articles WHERE sha256 = ?1");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return BM_OK;
    if (rc == SQLITE_DONE)
        return BM_ENOTFOUND;
    return db_fail(s, "find article");
}

int bm_store_article_add(bm_store *s, bm_article *a)
{
    if (s->pg)
        return bm__pg_article_add(s->pg, a);
    int64_t existing;
    if (bm_store_article_find(s, a->sha256, &existing) == BM_OK)
        return fail(s, BM_EEXIST, "article %s is already stored (id %lld)", a->sha256,
                    (long long)existing);
    sqlite3_stmt *st = cached(
        s, ST_ARTICLE_ADD,
        "INSERT INTO articles(sha256, file_name, source, url, published, language, ingested_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, a->sha256, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 2, a->file_name);
    bind_text_or_null(st, 3, a->source);
    bind_text_or_null(st, 4, a->url);
    bind_text_or_null(st, 5, a->published);
    bind_text_or_null(st, 6, a->language);
    int rc = step_done(s, st, "add article");
    if (rc == BM_OK)
        a->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int bm_store_article_purge(bm_store *s, int64_t article_id)
{
    static const char *const sql[] = {
        /* Incidents that only this article supports go with it; incidents
         * other articles confirm, and manual entries, stay. */
        "DELETE FROM incidents WHERE id IN (SELECT incident_id FROM incident_sources "
        "WHERE article_id = ?1) AND NOT EXISTS (SELECT 1 FROM incident_sources o "
        "WHERE o.incident_id = incidents.id AND o.article_id <> ?1)",
        "DELETE FROM incident_sources WHERE article_id = ?1",
        "DELETE FROM articles WHERE id = ?1",
    };
    if (s->pg)
        return bm__pg_article_purge(s->pg, article_id);
    int rc = bm_store_begin(s);
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st;
        rc = prepare(s, sql[i], &st);
        if (rc != BM_OK)
            break;
        sqlite3_bind_int64(st, 1, article_id);
        rc = step_done(s, st, "purge article");
        sqlite3_finalize(st);
    }
    if (rc != BM_OK) {
        bm_store_rollback(s);
        return rc;
    }
    return bm_store_commit(s);
}

int bm_store_source_add(bm_store *s, const bm_source *src)
{
    if (s->pg)
        return bm__pg_source_add(s->pg, src);
    sqlite3_stmt *st = cached(
        s, ST_SOURCE_ADD,
        "INSERT OR IGNORE INTO incident_sources(incident_id, article_id, byte_start, byte_end, "
        "sentence) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return BM_EDB;
    sqlite3_bind_int64(st, 1, src->incident_id);
    sqlite3_bind_int64(st, 2, src->article_id);
    sqlite3_bind_int64(st, 3, src->byte_start);
    sqlite3_bind_int64(st, 4, src->byte_end);
    bind_text_or_null(st, 5, src->sentence);
    return step_done(s, st, "add incident source");
}

#define SOURCE_COLUMNS                                                                             \
    "SELECT s.incident_id, s.article_id, s.byte_start, s.byte_end, s.sentence, a.file_name, "      \
    "a.url, a.source, a.published FROM incident_sources s JOIN articles a ON a.id = "              \
    "s.article_id "

int bm_store_sources(bm_store *s, int64_t incident_id, bm_source_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_sources(s->pg, incident_id, cb, user);
    /* One incident's: a prepared statement kept (an index search, run once per exported
     * incident); all of them: a scan, prepared per call. */
    sqlite3_stmt *st = NULL;
    int one = incident_id > 0, rc = BM_OK;
    if (one)
        st = cached(s, ST_SOURCES_OF,
                    SOURCE_COLUMNS "WHERE s.incident_id = ?1 ORDER BY s.article_id, s.byte_start");
    else
        rc = prepare(s, SOURCE_COLUMNS "ORDER BY s.incident_id, s.article_id, s.byte_start", &st);
    if (!st)
        return rc != BM_OK ? rc : BM_EDB;
    sqlite3_bind_int64(st, 1, incident_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        bm_source src = {
            .incident_id = sqlite3_column_int64(st, 0),
            .article_id = sqlite3_column_int64(st, 1),
            .byte_start = sqlite3_column_int64(st, 2),
            .byte_end = sqlite3_column_int64(st, 3),
            .sentence = (const char *)sqlite3_column_text(st, 4),
            .file_name = (const char *)sqlite3_column_text(st, 5),
            .url = (const char *)sqlite3_column_text(st, 6),
            .outlet = (const char *)sqlite3_column_text(st, 7),
            .published = (const char *)sqlite3_column_text(st, 8),
        };
        rc = cb(&src, user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "read sources");
    if (one)
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
    return rc;
}

/* ---- Places ------------------------------------------------------------ */

int bm_store_place_put(bm_store *s, const bm_place *p)
{
    if (s->pg)
        return bm__pg_place_put(s->pg, p);
    if (!p->id[0])
        return fail(s, BM_EINVAL, "a place needs an id");
    /* cached: a gazetteer import writes tens of thousands of places */
    sqlite3_stmt *st = cached(s, ST_PLACE_NAMES_DEL, "DELETE FROM place_names WHERE place_id = ?1");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    int rc = step_done(s, st, "replace place");
    if (rc != BM_OK)
        return rc;
    st = cached(s, ST_PLACE_PUT,
                "INSERT INTO places(id, name_en, name_ar, kind, country, admin1, population, "
                "geom, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, MakePoint(?8, ?9, 4326), ?10) "
                "ON CONFLICT(id) DO UPDATE SET name_en = excluded.name_en, "
                "name_ar = excluded.name_ar, kind = excluded.kind, country = excluded.country, "
                "admin1 = excluded.admin1, population = excluded.population, "
                "geom = excluded.geom, source = excluded.source");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    bind_text_or_null(st, 2, p->name_en);
    bind_text_or_null(st, 3, p->name_ar);
    bind_text_or_null(st, 4, p->kind);
    bind_text_or_null(st, 5, p->country);
    bind_text_or_null(st, 6, p->admin1);
    if (p->population >= 0)
        sqlite3_bind_int64(st, 7, p->population);
    sqlite3_bind_double(st, 8, p->pt.lon);
    sqlite3_bind_double(st, 9, p->pt.lat);
    bind_text_or_null(st, 10, p->source);
    return step_done(s, st, "write place");
}

/* ---- Imported gazetteer records (schema 3) --------------------------------- */

int bm_store_place_record_get(bm_store *s, const char *record, char *place_id, size_t id_size,
                              char *digest, size_t digest_size)
{
    if (s->pg)
        return bm__pg_place_record_get(s->pg, record, place_id, id_size, digest, digest_size);
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT place_id, digest FROM place_records WHERE record = ?1", &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (place_id)
            copy_col(place_id, id_size, st, 0);
        if (digest)
            copy_col(digest, digest_size, st, 1);
        rc = BM_OK;
    } else {
        rc = step == SQLITE_DONE ? BM_ENOTFOUND : db_fail(s, "read place record");
    }
    sqlite3_finalize(st);
    return rc;
}

int bm_store_place_record_put(bm_store *s, const char *record, const char *place_id,
                              const char *digest)
{
    if (s->pg)
        return bm__pg_place_record_put(s->pg, record, place_id, digest);
    sqlite3_stmt *st;
    int rc = prepare(s,
                     "INSERT INTO place_records(record, place_id, digest) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT(record) DO UPDATE SET place_id = excluded.place_id, "
                     "digest = excluded.digest",
                     &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, record, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, place_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, digest ? digest : "", -1, SQLITE_STATIC);
    rc = step_done(s, st, "write place record");
    sqlite3_finalize(st);
    return rc;
}

int bm_store_place_move_incidents(bm_store *s, const char *from, const char *to, int64_t *moved)
{
    if (s->pg)
        return bm__pg_place_move_incidents(s->pg, from, to, moved);
    sqlite3_stmt *st;
    /* the point moves with the place: incidents placed there stand at the
     * successor's point */
    int rc = prepare(s,
                     "UPDATE incidents SET place_id = ?2, geom = (SELECT MakePoint(ST_X(geom), "
                     "ST_Y(geom), 4326) FROM places WHERE id = ?2) "
                     "WHERE place_id = ?1 AND EXISTS (SELECT 1 FROM places WHERE id = ?2 AND "
                     "geom IS NOT NULL)",
                     &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    rc = step_done(s, st, "move incidents");
    if (moved)
        *moved = rc == BM_OK ? sqlite3_changes(s->db) : 0;
    sqlite3_finalize(st);
    return rc;
}

int bm_store_place_delete(bm_store *s, const char *id)
{
    if (s->pg)
        return bm__pg_place_delete(s->pg, id);
    static const char *const sql[] = {"DELETE FROM place_names WHERE place_id = ?1",
                                      "DELETE FROM place_records WHERE place_id = ?1",
                                      "DELETE FROM places WHERE id = ?1"};
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *st;
        rc = prepare(s, sql[i], &st);
        if (rc != BM_OK)
            break;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = step_done(s, st, "delete place");
        sqlite3_finalize(st);
    }
    return rc;
}

int bm_store_place_names(bm_store *s, bm_place_name_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_place_names(s->pg, cb, user);
    sqlite3_stmt *st;
    /* table order: sorting by place would cost a lookup per row */
    int rc = prepare(s, "SELECT place_id, name, lang FROM place_names", &st);
    if (rc != BM_OK)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *lang = (const char *)sqlite3_column_text(st, 2);
        rc = cb(id ? id : "", name ? name : "", lang ? lang : "", user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "read place names");
    sqlite3_finalize(st);
    return rc;
}

int bm_store_place_name_add(bm_store *s, const char *place_id, const char *name, const char *key,
                            const char *lang)
{
    if (s->pg)
        return bm__pg_place_name_add(s->pg, place_id, name, key, lang);
    sqlite3_stmt *st = cached(s, ST_PLACE_NAME_ADD,
                              "INSERT OR IGNORE INTO place_names(place_id, name, key, lang) "
                              "VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return BM_EDB;
    sqlite3_bind_text(st, 1, place_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, key);
    bind_text_or_null(st, 4, lang);
    return step_done(s, st, "write place name");
}

int bm_store_place_area_set(bm_store *s, const char *place_id, const unsigned char *wkb,
                            size_t wkb_size)
{
    if (s->pg)
        return bm__pg_place_area_set(s->pg, place_id, wkb, wkb_size);
    sqlite3_stmt *st;
    int rc = prepare(s,
                     "UPDATE places SET area = CastToMultiPolygon(GeomFromWKB(?2, 4326)) "
                     "WHERE id = ?1",
                     &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, place_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, wkb, (int)wkb_size, SQLITE_STATIC);
    rc = step_done(s, st, "write place area");
    sqlite3_finalize(st);
    if (rc == BM_OK && sqlite3_changes(s->db) == 0)
        return fail(s, BM_ENOTFOUND, "no place %s (or the area is not a polygon)", place_id);
    return rc;
}

int bm_store_place_areas(bm_store *s, bm_place_area_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_place_areas(s->pg, cb, user);
    sqlite3_stmt *st;
    int rc =
        prepare(s, "SELECT id, AsBinary(area) FROM places WHERE area IS NOT NULL ORDER BY id", &st);
    if (rc != BM_OK)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *wkb = sqlite3_column_blob(st, 1);
        if (!wkb)
            continue;
        rc = cb((const char *)sqlite3_column_text(st, 0), wkb, (size_t)sqlite3_column_bytes(st, 1),
                user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "read place areas");
    sqlite3_finalize(st);
    return rc;
}

/* A place's geom is a POINT: its MBR corner is the point, read from the
 * blob header without decoding the geometry (a third of reading 30,000
 * places with ST_X/ST_Y). */
#define PLACE_COLUMNS                                                                              \
    "id, name_en, name_ar, kind, country, admin1, population, MbrMinX(geom), MbrMinY(geom), "      \
    "source"

static void read_place(sqlite3_stmt *st, bm_place *p)
{
    memset(p, 0, sizeof *p);
    copy_col(p->id, sizeof p->id, st, 0);
    copy_col(p->name_en, sizeof p->name_en, st, 1);
    copy_col(p->name_ar, sizeof p->name_ar, st, 2);
    copy_col(p->kind, sizeof p->kind, st, 3);
    copy_col(p->country, sizeof p->country, st, 4);
    copy_col(p->admin1, sizeof p->admin1, st, 5);
    p->population = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
    p->pt.lon = sqlite3_column_double(st, 7);
    p->pt.lat = sqlite3_column_double(st, 8);
    copy_col(p->source, sizeof p->source, st, 9);
}

int bm_store_place_get(bm_store *s, const char *id, bm_place *out)
{
    if (s->pg)
        return bm__pg_place_get(s->pg, id, out);
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT " PLACE_COLUMNS " FROM places WHERE id = ?1", &st);
    if (rc != BM_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        read_place(st, out);
    sqlite3_finalize(st);
    if (step == SQLITE_ROW)
        return BM_OK;
    if (step == SQLITE_DONE)
        return fail(s, BM_ENOTFOUND, "no place '%s' in the gazetteer", id);
    return db_fail(s, "read place");
}

int bm_store_place_count(bm_store *s, int64_t *count)
{
    if (s->pg)
        return bm__pg_place_count(s->pg, count);
    return scalar_int(s, "SELECT count(*) FROM places", NULL, count);
}

int bm_store_places(bm_store *s, bm_place_cb cb, void *user)
{
    if (s->pg)
        return bm__pg_places(s->pg, cb, user);
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT " PLACE_COLUMNS " FROM places ORDER BY id", &st);
    if (rc != BM_OK)
        return rc;
    bm_place p;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        read_place(st, &p);
        rc = cb(&p, user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_fail(s, "read places");
    sqlite3_finalize(st);
    return rc;
}

/* ---- Migrations --------------------------------------------------------- */

/* Version 1: the tables and their geometry columns. */
static const char *const migration_1[] = {
    "SELECT InitSpatialMetaData('WGS84_ONLY')",
    "CREATE TABLE bm_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "INSERT INTO bm_meta(key, value) VALUES ('application', 'bordermap')",
    "CREATE TABLE articles(id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, "
    "file_name TEXT, source TEXT, url TEXT, published TEXT, language TEXT, "
    "ingested_at TEXT NOT NULL)",
    "CREATE TABLE places(id TEXT PRIMARY KEY, name_en TEXT, name_ar TEXT, kind TEXT, "
    "country TEXT, admin1 TEXT, population INTEGER)",
    "SELECT AddGeometryColumn('places', 'geom', 4326, 'POINT', 'XY')",
    "SELECT AddGeometryColumn('places', 'area', 4326, 'MULTIPOLYGON', 'XY')",
    "CREATE TABLE place_names(place_id TEXT NOT NULL REFERENCES places(id) ON DELETE CASCADE, "
    "name TEXT NOT NULL, key TEXT, lang TEXT, PRIMARY KEY(place_id, name))",
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, date_start TEXT NOT NULL, "
    "date_end TEXT NOT NULL, date_precision TEXT NOT NULL CHECK (date_precision IN "
    "('day', 'week', 'month', 'year')), type TEXT NOT NULL CHECK (type IN ('clash', 'attack', "
    "'airstrike', 'smuggling', 'infiltration', 'security_op', 'fortification', 'deployment', "
    "'crossing', 'diplomacy', 'statement', 'repatriation', 'other')), place_id TEXT, "
    "geo_precision INTEGER NOT NULL CHECK (geo_precision BETWEEN 1 AND 3), "
    "confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1), "
    "fatalities INTEGER CHECK (fatalities >= 0), summary TEXT, created_at TEXT NOT NULL)",
    "SELECT AddGeometryColumn('incidents', 'geom', 4326, 'POINT', 'XY', 1)",
    "CREATE TABLE incident_sources(incident_id INTEGER NOT NULL REFERENCES incidents(id) "
    "ON DELETE CASCADE, article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE, "
    "byte_start INTEGER NOT NULL, byte_end INTEGER NOT NULL, sentence TEXT, "
    "PRIMARY KEY(incident_id, article_id, byte_start))",
    NULL,
};

/* Version 2: confidence reasons, spatial and date indexes, alias lookup.
 * SpatiaLite's own triggers cost more than the insert itself in a bulk load:
 * the index triggers call RTreeAlign(), which builds and parses SQL per row,
 * the constraint triggers search geometry_columns with Lower(), and the
 * timestamp triggers rewrite geometry_columns_time per row. The index and
 * constraint triggers are rewritten as plain SQL under the names SpatiaLite
 * manages; the timestamp ones (statistics only) are dropped.
 * Date-window queries use `cell` (a 1-degree grid cell) with the dates in one
 * B-tree: cheaper to maintain than a second R*Tree and as selective. */
#define BM_CELL_SQL(r)                                                                             \
    "((CAST(floor(MbrMinY(" r ".geom)) AS INTEGER) + 90) * 360 + "                                 \
    "CAST(floor(MbrMinX(" r ".geom)) AS INTEGER) + 180)"
static const char *const migration_2[] = {
    "ALTER TABLE incidents ADD COLUMN reasons TEXT",
    "ALTER TABLE incidents ADD COLUMN cell INTEGER",
    "UPDATE incidents SET cell = " BM_CELL_SQL("incidents"),
    "SELECT CreateSpatialIndex('incidents', 'geom')",
    "SELECT CreateSpatialIndex('places', 'geom')",
    "SELECT CreateSpatialIndex('places', 'area')",
    "DROP TRIGGER gii_incidents_geom",
    "DROP TRIGGER giu_incidents_geom",
    "DROP TRIGGER ggi_incidents_geom",
    "DROP TRIGGER ggu_incidents_geom",
    "DROP TRIGGER tmi_incidents_geom",
    "DROP TRIGGER tmu_incidents_geom",
    "DROP TRIGGER tmd_incidents_geom",
    "CREATE TRIGGER ggi_incidents_geom BEFORE INSERT ON incidents FOR EACH ROW BEGIN "
    "SELECT RAISE(ROLLBACK, 'incidents.geom violates Geometry constraint [geom-type or "
    "SRID not allowed]') WHERE GeometryConstraints(NEW.geom, 1, 4326) IS NOT 1; END",
    "CREATE TRIGGER ggu_incidents_geom BEFORE UPDATE OF geom ON incidents FOR EACH ROW BEGIN "
    "SELECT RAISE(ROLLBACK, 'incidents.geom violates Geometry constraint [geom-type or "
    "SRID not allowed]') WHERE GeometryConstraints(NEW.geom, 1, 4326) IS NOT 1; END",
    "CREATE TRIGGER gii_incidents_geom AFTER INSERT ON incidents FOR EACH ROW "
    "WHEN NEW.geom IS NOT NULL BEGIN INSERT OR REPLACE INTO idx_incidents_geom"
    "(pkid, xmin, xmax, ymin, ymax) VALUES (NEW.rowid, MbrMinX(NEW.geom), MbrMaxX(NEW.geom), "
    "MbrMinY(NEW.geom), MbrMaxY(NEW.geom)); END",
    "CREATE TRIGGER giu_incidents_geom AFTER UPDATE OF geom ON incidents FOR EACH ROW BEGIN "
    "DELETE FROM idx_incidents_geom WHERE pkid = NEW.rowid; INSERT INTO idx_incidents_geom"
    "(pkid, xmin, xmax, ymin, ymax) SELECT NEW.rowid, MbrMinX(NEW.geom), MbrMaxX(NEW.geom), "
    "MbrMinY(NEW.geom), MbrMaxY(NEW.geom) WHERE NEW.geom IS NOT NULL; END",
    /* bordermap binds the cell itself; these keep it right for edits made
     * by other programs (QGIS, ogr2ogr, sqlite3). */
    "CREATE TRIGGER incidents_cell_insert AFTER INSERT ON incidents FOR EACH ROW "
    "WHEN NEW.cell IS NULL AND NEW.geom IS NOT NULL BEGIN UPDATE incidents SET cell = " BM_CELL_SQL(
        "NEW") " WHERE id = NEW.id; END",
    "CREATE TRIGGER incidents_cell_update AFTER UPDATE OF geom ON incidents FOR EACH ROW "
    "BEGIN UPDATE incidents SET cell = " BM_CELL_SQL("NEW") " WHERE id = NEW.id; END",
    "CREATE INDEX incidents_cell_date ON incidents(cell, date_start, date_end)",
    "CREATE INDEX incidents_date ON incidents(date_start, date_end)",
    "CREATE INDEX incident_sources_article ON incident_sources(article_id)",
    "CREATE INDEX place_names_key ON place_names(key)",
    "INSERT INTO bm_meta(key, value) SELECT 'max_span_days', "
    "coalesce(max(julianday(date_end) - julianday(date_start)), 0) FROM incidents",
    NULL,
};

/* Version 3: where each place came from (curated, geonames:<id>, wof:<id>;gn:<id>,
 * user), and the records of imported gazetteers (WOF, GeoNames, TSV) with
 * the place each became or was merged into, and a digest of the row as
 * imported so that importing the same data again changes nothing. */
static const char *const migration_3[] = {
    "ALTER TABLE places ADD COLUMN source TEXT",
    "CREATE TABLE place_records(record TEXT PRIMARY KEY, place_id TEXT NOT NULL, "
    "digest TEXT NOT NULL)",
    "CREATE INDEX place_records_place ON place_records(place_id)",
    NULL,
};

/* Version 4: corrections that last (src/edits.c, src/identity.c). A manual
 * change sets incidents.edited_at and leaves a row in incident_edits; a
 * merged-away id is remembered in incident_merges; incident_keys ties each
 * extracted incident to its article (by digest, which survives --force), its
 * sentence and its place, so re-extraction finds it again. team_places and
 * team_aliases are the team's own places and spellings. Depends only on v2. */
static const char *const migration_4[] = {
    "ALTER TABLE incidents ADD COLUMN note TEXT",
    "ALTER TABLE incidents ADD COLUMN edited_at TEXT",
    "ALTER TABLE incidents ADD COLUMN review TEXT",
    "CREATE TABLE incident_edits(id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, "
    "action TEXT NOT NULL, field TEXT, old_value TEXT, new_value TEXT, author TEXT NOT NULL, "
    "at TEXT NOT NULL)",
    "CREATE INDEX incident_edits_incident ON incident_edits(incident_id)",
    "CREATE TABLE incident_merges(old_id INTEGER PRIMARY KEY, into_id INTEGER NOT NULL)",
    "CREATE TABLE incident_keys(sha256 TEXT NOT NULL, byte_start INTEGER NOT NULL, "
    "byte_end INTEGER NOT NULL, place_key TEXT NOT NULL, ordinal INTEGER NOT NULL, "
    "incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE, "
    "PRIMARY KEY(sha256, byte_start, byte_end, place_key, ordinal))",
    "CREATE INDEX incident_keys_incident ON incident_keys(incident_id)",
    /* An id is never given to a second incident (history and merges name ids):
     * the highest deleted id is remembered and new ids start above it. */
    "CREATE TRIGGER incidents_id_hwm AFTER DELETE ON incidents FOR EACH ROW BEGIN "
    "INSERT OR REPLACE INTO bm_meta(key, value) SELECT 'incident_id_hwm', max(OLD.id, "
    "coalesce((SELECT CAST(value AS INTEGER) FROM bm_meta WHERE key = 'incident_id_hwm'), 0)); "
    "END",
    /* Keys of incidents an analyst deleted: re-extraction never brings them back. */
    "CREATE TABLE incident_deleted_keys(sha256 TEXT NOT NULL, byte_start INTEGER NOT NULL, "
    "byte_end INTEGER NOT NULL, place_key TEXT NOT NULL, ordinal INTEGER NOT NULL, "
    "incident_id INTEGER NOT NULL, PRIMARY KEY(sha256, byte_start, byte_end, place_key, "
    "ordinal))",
    /* Incidents extracted before version 4 get their keys from their sources. */
    "INSERT OR IGNORE INTO incident_keys(sha256, byte_start, byte_end, place_key, ordinal, "
    "incident_id) SELECT a.sha256, s.byte_start, s.byte_end, CASE WHEN i.place_id <> '' "
    "THEN i.place_id ELSE printf('pt:%.4f,%.4f', ST_X(i.geom), ST_Y(i.geom)) END, 0, i.id "
    "FROM incident_sources s JOIN articles a ON a.id = s.article_id "
    "JOIN incidents i ON i.id = s.incident_id",
    "CREATE TABLE team_places(place_id TEXT PRIMARY KEY REFERENCES places(id) "
    "ON DELETE CASCADE, added_by TEXT NOT NULL, added_at TEXT NOT NULL)",
    "CREATE TABLE team_aliases(place_id TEXT NOT NULL, name TEXT NOT NULL, lang TEXT, "
    "added_by TEXT NOT NULL, added_at TEXT NOT NULL, PRIMARY KEY(place_id, name))",
    NULL,
};

/* Version 5: actors and provenance for ACLED interchange, and dates that GIS
 * tools read as dates. OGR types a SpatiaLite column by its declared type, so
 * date_start and date_end are re-declared DATE (values stay ISO text: DATE's
 * numeric affinity leaves 'YYYY-MM-DD' as text, so ordering is unchanged).
 * SQLite cannot change a column's type: each is renamed, re-added as DATE,
 * copied and dropped, with the date indexes rebuilt around it. Depends only
 * on schema 2. */
static const char *const migration_5[] = {
    "ALTER TABLE incidents ADD COLUMN actor1 TEXT",
    "ALTER TABLE incidents ADD COLUMN actor2 TEXT",
    "ALTER TABLE incidents ADD COLUMN provenance TEXT NOT NULL DEFAULT 'extracted'",
    "ALTER TABLE incidents ADD COLUMN external_id TEXT",
    "ALTER TABLE incidents ADD COLUMN inter1 INTEGER CHECK (inter1 BETWEEN 1 AND 8)",
    "ALTER TABLE incidents ADD COLUMN inter2 INTEGER CHECK (inter2 BETWEEN 1 AND 8)",
    "DROP INDEX incidents_cell_date",
    "DROP INDEX incidents_date",
    "ALTER TABLE incidents RENAME COLUMN date_start TO date_start_v4",
    "ALTER TABLE incidents RENAME COLUMN date_end TO date_end_v4",
    "ALTER TABLE incidents ADD COLUMN date_start DATE",
    "ALTER TABLE incidents ADD COLUMN date_end DATE",
    "UPDATE incidents SET date_start = date_start_v4, date_end = date_end_v4",
    "ALTER TABLE incidents DROP COLUMN date_start_v4",
    "ALTER TABLE incidents DROP COLUMN date_end_v4",
    "CREATE INDEX incidents_cell_date ON incidents(cell, date_start, date_end)",
    "CREATE INDEX incidents_date ON incidents(date_start, date_end)",
    "CREATE INDEX incidents_external ON incidents(provenance, external_id) "
    "WHERE external_id IS NOT NULL",
    NULL,
};

/* Version 6: ingest's duplicate lookup asks for one merge key (dates, type,
 * precision, place); with only the dates in the index it visited every
 * incident of those dates in the table (38% of storing an article once the
 * store held 20k articles). The wider date index answers it from the index
 * and still serves every date-window query by its prefix. Self-contained:
 * depends only on the v5 schema. */
static const char *const migration_6[] = {
    "DROP INDEX incidents_date",
    "CREATE INDEX incidents_date ON incidents(date_start, date_end, type, date_precision, "
    "place_id)",
    NULL,
};

static const char *const *const migrations[] = {NULL,        migration_1, migration_2, migration_3,
                                                migration_4, migration_5, migration_6};

/* SpatiaLite's helper functions report failure as a 0 result, not an SQL
 * error, so every SELECT of a helper is checked for a true result. */
static int run_statement(bm_store *s, const char *sql)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != BM_OK)
        return rc;
    int step = sqlite3_step(st);
    int ok = step == SQLITE_DONE ||
             (step == SQLITE_ROW &&
              (strncmp(sql, "SELECT", 6) != 0 || sqlite3_column_type(st, 0) == SQLITE_NULL ||
               sqlite3_column_int(st, 0) != 0));
    if (!ok)
        rc = step == SQLITE_ROW ? fail(s, BM_EDB, "schema step failed: %.200s", sql)
                                : db_fail(s, "schema");
    sqlite3_finalize(st);
    return rc;
}

/* The schema version of the file as of the open transaction (0: empty). */
static int locked_version(bm_store *s, int *version)
{
    int64_t ours = 0;
    int rc = scalar_int(s,
                        "SELECT count(*) FROM sqlite_master WHERE type='table' AND "
                        "name='bm_meta'",
                        NULL, &ours);
    if (rc != BM_OK || !ours) {
        *version = 0;
        return rc;
    }
    char buf[32];
    rc = bm_store_meta_get(s, "schema_version", buf, sizeof buf);
    *version = atoi(buf);
    return rc;
}

int bm__store_migrate(bm_store *s, int target)
{
    if (s->pg)
        return bm__pg_migrate(s->pg, target);
    if (target > BM_SCHEMA_VERSION || target <= s->schema_version)
        return BM_OK;
    int rc = bm_store_begin(s);
    /* Another process may have migrated (or initialised an empty file)
     * between our look and the write lock: the version read under the lock
     * decides. */
    int from = s->schema_version;
    if (rc == BM_OK)
        rc = locked_version(s, &from);
    if (rc == BM_OK && from >= target) {
        s->schema_version = from;
        rc = bm_store_commit(s);
        return rc == BM_OK && from >= 2 ? load_span(s) : rc;
    }
    for (int v = from + 1; rc == BM_OK && v <= target; v++) {
        for (const char *const *sql = migrations[v]; rc == BM_OK && *sql; sql++)
            rc = run_statement(s, *sql);
        char buf[16];
        snprintf(buf, sizeof buf, "%d", v);
        if (rc == BM_OK)
            rc = bm_store_meta_set(s, "schema_version", buf);
    }
    if (rc != BM_OK) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", s->errmsg);
        bm_store_rollback(s);
        return fail(s, rc, "migrating %s from schema %d to %d: %s", s->path, from, target, keep);
    }
    rc = bm_store_commit(s);
    if (rc == BM_OK)
        s->schema_version = target;
    if (rc == BM_OK && target >= 2)
        rc = load_span(s);
    return rc;
}
