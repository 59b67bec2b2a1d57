/* test_store_vfs.c: the store's VFS gathers a commit's WAL frames into one write. What a
 * commit makes visible must be in the file when the commit returns: another connection
 * (SQLite's default VFS, its own file descriptors) sees every commit at once; a process
 * that dies right after a commit loses nothing of it, one that dies mid-transaction leaves
 * nothing of it; a transaction larger than the buffer, spilling pages and rewriting frames
 * (the checksum rewrite), commits whole; a rollback leaves nothing. The WAL's pages are
 * handed to write-back in ranges of 1 MiB, a range closed early when the writes move away
 * from it (the WAL restarted after a checkpoint), and commits across restarts stay whole. */
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "store_private.h"

static char g_path[900];

static int64_t count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static sqlite3 *reader(void)
{
    sqlite3 *db = NULL;
    BM_REQUIRE(sqlite3_open_v2(g_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* n rows of `bytes` random bytes each into t, in one transaction. */
static int insert_rows(sqlite3 *db, int n, int bytes, int commit)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d) "
             "INSERT INTO t(v) SELECT randomblob(%d) FROM k",
             n, bytes);
    int rc = exec(db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = exec(db, sql);
    if (rc == SQLITE_OK)
        rc = exec(db, commit ? "COMMIT" : "ROLLBACK");
    return rc;
}

/* The reader sees the writer's bytes, and the file passes SQLite's integrity check. */
static void same_and_sound(sqlite3 *w, sqlite3 *r)
{
    BM_ASSERT_EQ_INT(count(r, "SELECT sum(length(v)) FROM t"),
                     count(w, "SELECT sum(length(v)) FROM t"));
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM pragma_integrity_check WHERE "
                              "integrity_check != 'ok'"),
                     0);
}

static void test_every_commit_visible(sqlite3 *w, sqlite3 *r)
{
    for (int i = 1; i <= 200; i++) {
        BM_REQUIRE(insert_rows(w, 1 + i % 7, 300 + 37 * i, 1) == SQLITE_OK);
        BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), count(w, "SELECT count(*) FROM t"));
    }
    int64_t before = count(r, "SELECT count(*) FROM t");
    BM_REQUIRE(insert_rows(w, 50, 1000, 0) == SQLITE_OK); /* rolled back */
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), before);
    BM_ASSERT_EQ_INT(count(w, "SELECT count(*) FROM t"), before);
}

static void test_large_transaction(sqlite3 *w, sqlite3 *r)
{
    /* A small page cache spills pages to the WAL mid-transaction, and pages written again
     * afterwards are rewritten in place, their checksums recomputed at commit. */
    BM_REQUIRE(exec(w, "PRAGMA cache_size = 20") == SQLITE_OK);
    int64_t before = count(w, "SELECT count(*) FROM t");
    BM_REQUIRE(exec(w, "BEGIN IMMEDIATE") == SQLITE_OK);
    BM_REQUIRE(exec(w, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k "
                       "WHERE i < 3000) INSERT INTO t(v) SELECT randomblob(1500) FROM k") ==
               SQLITE_OK);
    BM_REQUIRE(exec(w, "UPDATE t SET v = randomblob(1400) WHERE id % 3 = 0") == SQLITE_OK);
    BM_REQUIRE(exec(w, "UPDATE t SET v = randomblob(1300) WHERE id % 5 = 0") == SQLITE_OK);
    BM_REQUIRE(exec(w, "COMMIT") == SQLITE_OK);
    BM_REQUIRE(exec(w, "PRAGMA cache_size = -131072") == SQLITE_OK);
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), before + 3000);
    same_and_sound(w, r);
}

static void test_writeback_ranges(void)
{
    bm__wb_range r = {0, 0};
    int64_t lo = -1, hi = -1, off = 32;
    int handed = 0;
    /* Frames of 4 KiB + 24 bytes written one after another from the WAL header on. */
    while (!handed) {
        handed = bm__wb_note(&r, off, 4120, &lo, &hi);
        off += 4120;
    }
    BM_ASSERT_EQ_INT(lo, 32);
    BM_ASSERT_EQ_INT(hi, off);
    BM_ASSERT(hi - lo >= BM__WRITEBACK && hi - lo < BM__WRITEBACK + 4120);
    /* The next write starts a new range; a restart at the WAL's start hands it over. */
    BM_ASSERT_EQ_INT(bm__wb_note(&r, off, 4120, &lo, &hi), 0);
    BM_ASSERT_EQ_INT(bm__wb_note(&r, off + 4120, 4120, &lo, &hi), 0);
    BM_ASSERT_EQ_INT(bm__wb_note(&r, 32, 4120, &lo, &hi), 1);
    BM_ASSERT_EQ_INT(lo, off);
    BM_ASSERT_EQ_INT(hi, off + 2 * 4120);
    /* A header rewritten inside the range keeps it; one past its end hands it over. */
    BM_ASSERT_EQ_INT(bm__wb_note(&r, 4152, 24, &lo, &hi), 0);
    BM_ASSERT_EQ_INT(r.lo, 32);
    BM_ASSERT_EQ_INT(r.hi, 4176);
    BM_ASSERT_EQ_INT(bm__wb_note(&r, 1 << 22, 24, &lo, &hi), 1);
    BM_ASSERT_EQ_INT(lo, 32);
    BM_ASSERT_EQ_INT(hi, 4176);
}

/* Megabytes of commits, the WAL restarted by a checkpoint, megabytes more: every commit
 * whole for another connection, before and after. */
static void test_wal_restart(sqlite3 *w, sqlite3 *r)
{
    int64_t before = count(w, "SELECT count(*) FROM t");
    for (int i = 0; i < 60; i++)
        BM_REQUIRE(insert_rows(w, 20, 3000, 1) == SQLITE_OK);
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), before + 1200);
    BM_REQUIRE(exec(w, "PRAGMA wal_checkpoint(RESTART)") == SQLITE_OK);
    for (int i = 0; i < 60; i++)
        BM_REQUIRE(insert_rows(w, 20, 3000, 1) == SQLITE_OK);
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), before + 2400);
    same_and_sound(w, r);
}

/* A child writes through the store and dies without closing anything. */
static void test_killed_writer(int commit)
{
    bm_store *s = NULL;
    BM_REQUIRE(bm_store_open(g_path, 0, &s, NULL) == BM_OK);
    int64_t before = count(bm__store_db(s), "SELECT count(*) FROM t");
    bm_store_close(s);
    fflush(NULL);
    pid_t pid = fork();
    BM_REQUIRE(pid >= 0);
    if (pid == 0) {
        bm_store *c = NULL;
        if (bm_store_open(g_path, 0, &c, NULL) != BM_OK)
            _exit(2);
        sqlite3 *db = bm__store_db(c);
        exec(db, "PRAGMA cache_size = 20");
        int rc = exec(db, "BEGIN IMMEDIATE");
        for (int i = 0; rc == SQLITE_OK && i < 40; i++)
            rc = exec(db, "INSERT INTO t(v) SELECT randomblob(2000)");
        if (rc == SQLITE_OK && commit)
            rc = exec(db, "COMMIT");
        _exit(rc == SQLITE_OK ? 0 : 3);
    }
    int status = 0;
    BM_REQUIRE(waitpid(pid, &status, 0) == pid);
    BM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sqlite3 *r = reader();
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM t"), before + (commit ? 40 : 0));
    BM_ASSERT_EQ_INT(count(r, "SELECT count(*) FROM pragma_integrity_check WHERE "
                              "integrity_check != 'ok'"),
                     0);
    sqlite3_close(r);
}

int main(void)
{
    BM_REQUIRE(bm__store_vfs() != NULL);
    test_writeback_ranges();
    snprintf(g_path, sizeof g_path, "%s/vfs.sqlite", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(g_path, 0, &s, &err) == BM_OK);
    sqlite3 *w = bm__store_db(s);
    BM_REQUIRE(exec(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)") == SQLITE_OK);
    sqlite3 *r = reader();
    test_every_commit_visible(w, r);
    test_large_transaction(w, r);
    test_wal_restart(w, r);
    sqlite3_close(r);
    bm_store_close(s);
    test_killed_writer(1);
    test_killed_writer(0);
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_store_vfs");
}
