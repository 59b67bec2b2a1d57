/* test_store_v5.c: schema version 5 (actors, inter codes, provenance and
 * external ids; date_start/date_end declared DATE), migrated from files made
 * at every earlier version, read back by the store and by OGR.
 * Never trusts the migration's own bookkeeping: rows written by hand at the
 * old version must come back whole, and date queries must still use them. */
#include <gdal.h>
#include <ogr_api.h>

#include "bm_test.h"
#include "store_private.h"

static char g_dir[512];

/* Rows as versions 1 and 2 stored them, with their article and source. */
static void write_old_rows(bm_store *s, int version)
{
    sqlite3 *db = bm__store_db(s);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO incidents(date_start, date_end, date_precision, type, geo_precision, "
             "confidence, summary, created_at, geom%s) VALUES ('2024-05-01', '2024-05-31', "
             "'month', 'smuggling', 1, 0.9, 'fuel seized', '2024-06-01T00:00:00Z', "
             "MakePoint(41.1, 34.4, 4326)%s)",
             version >= 2 ? ", reasons" : "", version >= 2 ? ", 'trigger=seized'" : "");
    BM_ASSERT_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    BM_ASSERT_EQ_INT(sqlite3_exec(db,
                                  "INSERT INTO articles(sha256, file_name, source, url, published, "
                                  "language, ingested_at) VALUES ('ab', 'a.txt', 'Shafaq News', "
                                  "'https://example.org/a', '2024-06-01', 'ar', "
                                  "'2024-06-01T00:00:00Z');"
                                  "INSERT INTO incident_sources VALUES (1, 1, 0, 10, 'ضبط وقود')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    /* Version 2 keeps the longest date span in bm_meta, as its store would
     * have on this insert. */
    if (version >= 2)
        BM_ASSERT_EQ_INT(sqlite3_exec(db, "UPDATE bm_meta SET value = '30' WHERE key = "
                                          "'max_span_days'",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
}

typedef struct seen {
    char outlet[64], published[16];
} seen;

static int src_cb(const bm_source *src, void *user)
{
    seen *s = user;
    snprintf(s->outlet, sizeof s->outlet, "%s", src->outlet ? src->outlet : "");
    snprintf(s->published, sizeof s->published, "%s", src->published ? src->published : "");
    return 0;
}

static void check_migrated(const char *path)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(path, 0, &s, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    bm_incident inc;
    BM_REQUIRE(bm_store_incident_get(s, 1, &inc) == BM_OK);
    char a[11], b[11];
    BM_ASSERT_EQ_STR(bm_date_format(inc.date_start, a), "2024-05-01");
    BM_ASSERT_EQ_STR(bm_date_format(inc.date_end, b), "2024-05-31");
    BM_ASSERT_EQ_INT(inc.date_precision, BM_PREC_MONTH);
    BM_ASSERT_EQ_STR(inc.summary, "fuel seized");
    BM_ASSERT_EQ_STR(inc.provenance, "extracted");
    BM_ASSERT_EQ_STR(inc.actor1, "");
    BM_ASSERT_EQ_INT(inc.inter1, 0);
    BM_ASSERT_EQ_INT(inc.n_sources, 1);
    seen sn = {{0}, {0}};
    BM_ASSERT_EQ_INT(bm_store_sources(s, 1, src_cb, &sn), BM_OK);
    BM_ASSERT_EQ_STR(sn.outlet, "Shafaq News");
    BM_ASSERT_EQ_STR(sn.published, "2024-06-01");

    /* Schema 6: the date index carries the merge key (ingest's lookup). */
    sqlite3_stmt *st = NULL;
    BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(s),
                                  "SELECT group_concat(name, ',') FROM "
                                  "pragma_index_info('incidents_date')",
                                  -1, &st, NULL) == SQLITE_OK);
    BM_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    BM_ASSERT_EQ_STR((const char *)sqlite3_column_text(st, 0),
                     "date_start,date_end,type,date_precision,place_id");
    sqlite3_finalize(st);

    /* Date windows and boxes still find the migrated row (rebuilt indexes). */
    bm_query q;
    bm_query_init(&q);
    q.has_from = q.has_to = 1;
    q.from = (bm_date){2024, 5, 20};
    q.to = (bm_date){2024, 6, 30};
    q.has_bbox = 1;
    q.west = 41, q.south = 34, q.east = 42, q.north = 35;
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, &q, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    q.from = (bm_date){2024, 6, 1};
    BM_ASSERT_EQ_INT(bm_store_count(s, &q, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 0);

    /* The new columns take values. */
    bm_incident_init(&inc);
    inc.date_start = inc.date_end = (bm_date){2025, 3, 7};
    snprintf(inc.type, sizeof inc.type, "clash");
    inc.pt = (bm_lonlat){40.9, 34.45};
    snprintf(inc.actor1, sizeof inc.actor1, "Islamic State");
    inc.inter1 = 2;
    snprintf(inc.provenance, sizeof inc.provenance, "acled");
    snprintf(inc.external_id, sizeof inc.external_id, "SYR1");
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_OK);
    int64_t id = 0;
    BM_ASSERT_EQ_INT(bm_store_incident_find_external(s, "acled", "SYR1", &id), BM_OK);
    BM_ASSERT_EQ_INT(id, inc.id);
    BM_ASSERT_EQ_INT(bm_store_incident_find_external(s, "acled", "SYR2", &id), BM_ENOTFOUND);
    inc.inter2 = 9;
    BM_ASSERT_EQ_INT(bm_store_incident_update(s, &inc), BM_EINVAL);
    bm_store_close(s);

    /* OGR (and so QGIS) reads the dates as dates. */
    const char *const drivers[] = {"SQLite", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    BM_REQUIRE(ds);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(GDALDatasetGetLayerByName(ds, "incidents"));
    const char *const dates[] = {"date_start", "date_end"};
    for (int i = 0; i < 2; i++) {
        int k = OGR_FD_GetFieldIndex(defn, dates[i]);
        BM_ASSERT(k >= 0);
        if (k >= 0)
            BM_ASSERT_EQ_INT(OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, k)), OFTDate);
    }
    GDALClose(ds);
}

static void test_from(int version)
{
    char path[700];
    snprintf(path, sizeof path, "%s/v%d.sqlite", g_dir, version);
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm__store_open_at(path, 0, version, &s, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), version);
    write_old_rows(s, version);
    bm_store_close(s);
    check_migrated(path);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s", bm_test_tmpdir());
    GDALAllRegister();
    for (int v = 1; v < BM_SCHEMA_VERSION; v++)
        test_from(v);
    int rc = bm_test_finish("test_store_v5");
    if (rc == 0)
        bm_test_rmtree(g_dir);
    GDALDestroyDriverManager();
    OGRCleanupAll();
    return rc;
}
