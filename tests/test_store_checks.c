/* test_store_checks.c: an ingest handle turns the incidents' CHECK constraints off on its
 * store's connection (bm_store_incident_add/update check the same in C) and back on when
 * it is freed: while it lives an invalid incident is still refused through the API; after
 * it, raw SQL with an invalid type or precision is refused by SQLite again, also after two
 * handles on one store and a rolled-back transaction in between. */
#include "bm_test.h"
#include "store_private.h"

static int raw_insert(bm_store *s, const char *type, const char *prec)
{
    char sql[600];
    snprintf(sql, sizeof sql,
             "INSERT INTO incidents(date_start, date_end, date_precision, type, geom, "
             "geo_precision, confidence, created_at) VALUES ('2025-01-01', '2025-01-01', "
             "'%s', '%s', MakePoint(41, 34, 4326), 1, 0.5, '2025-01-01T00:00:00Z')",
             prec, type);
    return sqlite3_exec(bm__store_db(s), sql, NULL, NULL, NULL);
}

static void checks_on(bm_store *s)
{
    BM_ASSERT(raw_insert(s, "no-such-type", "day") != SQLITE_OK);
    BM_ASSERT(raw_insert(s, "clash", "fortnight") != SQLITE_OK);
    BM_ASSERT_EQ_INT(raw_insert(s, "clash", "day"), SQLITE_OK);
}

static void api_refuses(bm_store *s)
{
    bm_incident inc;
    bm_incident_init(&inc);
    snprintf(inc.type, sizeof inc.type, "no-such-type");
    BM_REQUIRE(bm_date_parse_iso("2025-03-01", &inc.date_start, &inc.date_end, &inc.date_precision,
                                 NULL) == BM_OK);
    inc.pt.lon = 41.0, inc.pt.lat = 34.4;
    inc.geo_precision = 1;
    inc.confidence = 0.5;
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_EINVAL);
    snprintf(inc.type, sizeof inc.type, "clash");
    inc.geo_precision = 7;
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_EINVAL);
}

int main(void)
{
    char path[900];
    snprintf(path, sizeof path, "%s/checks.sqlite", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(path, 0, &s, &err) == BM_OK);
    checks_on(s);

    bm_ingest *a = NULL, *b = NULL;
    BM_REQUIRE(bm_ingest_new(s, &a, &err) == BM_OK);
    /* Off while a handle lives (what the speed-up is), the API still refusing. */
    BM_ASSERT_EQ_INT(raw_insert(s, "no-such-type", "day"), SQLITE_OK);
    api_refuses(s);
    BM_REQUIRE(bm_ingest_new(s, &b, &err) == BM_OK);
    bm_ingest_free(a);
    BM_ASSERT_EQ_INT(raw_insert(s, "no-such-type", "day"), SQLITE_OK); /* b still lives */
    bm_ingest_free(b);
    checks_on(s);

    /* A rollback (which ends a bulk load's own switch) leaves a live handle's alone. */
    BM_REQUIRE(bm_ingest_new(s, &a, &err) == BM_OK);
    BM_REQUIRE(bm_store_begin(s) == BM_OK);
    bm_store_rollback(s);
    BM_ASSERT_EQ_INT(raw_insert(s, "no-such-type", "day"), SQLITE_OK);
    bm_ingest_free(a);
    checks_on(s);
    bm_store_close(s);
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_store_checks");
}
