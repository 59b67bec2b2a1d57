/* test_store_bulk.c: the store's bulk-load path (indexes and R*Tree built
 * once before COMMIT when one transaction inserts many incidents). After a
 * bulk load the file must be exactly as complete as after row-by-row
 * inserts: same indexes and triggers, every point in the R*Tree, queries
 * equal to a brute-force scan, CHECKs back on; a rolled-back bulk load must
 * leave the indexes in place; bad rows are still refused during a bulk. */
#include <sqlite3.h>

#include "bm_test.h"
#include "store_private.h"

/* Past the store's BULK_MIN_ROWS (5,000). */
#define N_BULK 8000

static char path_buf[512];

static const char *tmp_path(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", bm_test_tmpdir(), name);
    return path_buf;
}

static bm_store *open_ok(const char *path)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_store_open(path, 0, &s, &err);
    if (rc != BM_OK)
        fprintf(stderr, "open %s: %s\n", path, bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK && s);
    return s;
}

static void make_incident(bm_incident *inc, int i)
{
    bm_incident_init(inc);
    unsigned h = (unsigned)i * 2654435761u;
    inc->date_start = bm_date_add_days((bm_date){2024, 1, 1}, h % 700);
    inc->date_precision = BM_PREC_DAY;
    inc->date_end = inc->date_start;
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name((int)((h >> 4) % BM_N_TYPES)));
    inc->pt.lon = 38.0 + (double)((h >> 3) % 8000) / 1000.0;
    inc->pt.lat = 32.0 + (double)((h >> 5) % 6000) / 1000.0;
    inc->geo_precision = 1 + (int)((h >> 7) % 3);
    inc->confidence = 0.5;
}

static int64_t n_deferred_objects(bm_store *s)
{
    return bm_test_scalar(
        s, "SELECT count(*) FROM sqlite_master WHERE name IN ('incidents_cell_date', "
           "'incidents_date', 'gii_incidents_geom')");
}

static int load(bm_store *s, int from, int n, int commit)
{
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    for (int i = from; i < from + n; i++) {
        bm_incident inc;
        make_incident(&inc, i);
        if (bm_store_incident_add(s, &inc) != BM_OK) {
            fprintf(stderr, "add %d: %s\n", i, bm_store_errmsg(s));
            bm_store_rollback(s);
            return BM_EDB;
        }
    }
    /* Inside a bulk the indexes are set aside (built at the commit). */
    if (n >= N_BULK)
        BM_ASSERT_EQ_INT(n_deferred_objects(s), 0);
    /* A bad row in the middle of a bulk is still refused. */
    bm_incident bad;
    make_incident(&bad, 0);
    bad.confidence = 2.0;
    BM_ASSERT(bm_store_incident_add(s, &bad) != BM_OK);
    snprintf(bad.type, sizeof bad.type, "picnic");
    bad.confidence = 0.5;
    BM_ASSERT(bm_store_incident_add(s, &bad) != BM_OK);
    if (!commit) {
        bm_store_rollback(s);
        return BM_OK;
    }
    return bm_store_commit(s);
}

static int count_cb(const bm_incident *inc, void *user)
{
    (void)inc;
    ++*(int64_t *)user;
    return 0;
}

/* Every query answer equals a scan of the table without indexes. */
static void check_queries(bm_store *s)
{
    for (int q = 0; q < 20; q++) {
        bm_query qu;
        bm_query_init(&qu);
        qu.has_from = qu.has_to = qu.has_bbox = 1;
        qu.from = bm_date_add_days((bm_date){2024, 1, 1}, q * 31);
        qu.to = bm_date_add_days(qu.from, 20);
        qu.west = 38.0 + q * 0.3, qu.east = qu.west + 1.5;
        qu.south = 32.0 + q * 0.2, qu.north = qu.south + 1.5;
        int64_t got = 0;
        BM_REQUIRE(bm_store_query(s, &qu, count_cb, &got) == BM_OK);
        char from[11], to[11], sql[512];
        bm_date_format(qu.from, from);
        bm_date_format(qu.to, to);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM incidents NOT INDEXED WHERE date_end >= '%s' AND "
                 "date_start <= '%s' AND ST_X(geom) BETWEEN %.6f AND %.6f AND ST_Y(geom) "
                 "BETWEEN %.6f AND %.6f",
                 from, to, qu.west, qu.east, qu.south, qu.north);
        BM_ASSERT_EQ_INT(got, bm_test_scalar(s, sql));
    }
}

static void test_bulk_into_empty(void)
{
    bm_store *s = open_ok(tmp_path("bulk.sqlite"));
    BM_ASSERT_EQ_INT(n_deferred_objects(s), 3);
    BM_REQUIRE(load(s, 1, N_BULK, 1) == BM_OK);
    BM_ASSERT_EQ_INT(n_deferred_objects(s), 3);
    /* rebuilt as it was: the date index with the merge key (schema 6) */
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM pragma_index_info('incidents_date')"),
                     5);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM incidents"), N_BULK);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), N_BULK);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM incidents i JOIN idx_incidents_geom r "
                                       "ON r.pkid = i.id WHERE r.xmin <= ST_X(i.geom) + 1e-5 AND "
                                       "r.xmax >= ST_X(i.geom) - 1e-5"),
                     N_BULK);
    /* CHECKs are back: a raw insert breaking one fails, the same row with
     * a known type goes in (and into the R*Tree by the trigger). */
    const char *raw = "INSERT INTO incidents(date_start, date_end, date_precision, type, geom, "
                      "geo_precision, confidence, created_at) VALUES ('2025-01-01', "
                      "'2025-01-01', 'day', '%s', MakePoint(40, 34, 4326), 1, 0.5, 'x')";
    char sql[512];
    snprintf(sql, sizeof sql, raw, "picnic");
    BM_ASSERT(sqlite3_exec(bm__store_db(s), sql, NULL, NULL, NULL) != SQLITE_OK);
    snprintf(sql, sizeof sql, raw, "clash");
    BM_ASSERT(sqlite3_exec(bm__store_db(s), sql, NULL, NULL, NULL) == SQLITE_OK);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), N_BULK + 1);
    check_queries(s);
    /* A small batch after it: maintained row by row, indexes stay. */
    BM_REQUIRE(load(s, N_BULK + 1, 100, 1) == BM_OK);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), N_BULK + 101);
    BM_ASSERT_EQ_INT(n_deferred_objects(s), 3);
    bm_store_close(s);
}

static void test_bulk_rolled_back(void)
{
    bm_store *s = open_ok(tmp_path("bulk-rollback.sqlite"));
    BM_REQUIRE(load(s, 1, N_BULK, 0) == BM_OK);
    BM_ASSERT_EQ_INT(n_deferred_objects(s), 3);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM incidents"), 0);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), 0);
    /* and a later bulk load works normally */
    BM_REQUIRE(load(s, 1, N_BULK, 1) == BM_OK);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), N_BULK);
    check_queries(s);
    bm_store_close(s);
}

/* A bulk inside a batch whose savepoint is rolled back after the indexes
 * were set aside: the outer COMMIT must still leave them in place. */
static void test_bulk_in_rolled_back_savepoint(void)
{
    bm_store *s = open_ok(tmp_path("bulk-savepoint.sqlite"));
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    BM_REQUIRE(load(s, 1, N_BULK, 0) == BM_OK); /* savepoint, rolled back */
    BM_REQUIRE(load(s, 1, 10, 1) == BM_OK);     /* savepoint, released */
    BM_REQUIRE(bm_store_commit(s) == BM_OK);
    BM_ASSERT_EQ_INT(n_deferred_objects(s), 3);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM incidents"), 10);
    BM_ASSERT_EQ_INT(bm_test_scalar(s, "SELECT count(*) FROM idx_incidents_geom"), 10);
    bm_store_close(s);
}

int main(void)
{
    test_bulk_into_empty();
    test_bulk_rolled_back();
    test_bulk_in_rolled_back_savepoint();
    int rc = bm_test_finish("test_store_bulk");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}
