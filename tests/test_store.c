/* test_store.c: the SpatiaLite store: schema creation, migration, round
 * trips, queries against a brute-force scan, concurrent reader and writer,
 * and every bad input the foundation issue names. `test_store pg` runs the
 * round trips and queries on PostgreSQL/PostGIS ($BM_TEST_PG), with its own
 * tests: URLs, migration, concurrent creation, connection loss, areas. */
#include <math.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "store_private.h"

static char path_buf[512];
/* test_store pg: the server, and the schemas made (dropped at the end) */
static const char *pg_url;
static char pg_made[32][64];
static int pg_n_made;

static const char *tmp_path(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", bm_test_tmpdir(), name);
    return path_buf;
}

/* The schema that stands for a file name of the SpatiaLite tests. */
static const char *pg_schema_of(const char *path)
{
    static char buf[64];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int n = snprintf(buf, sizeof buf, "ts_%d_", (int)getpid());
    for (const char *c = base; *c && *c != '.' && n < 60; c++)
        buf[n++] = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ? *c : '_';
    buf[n] = '\0';
    int known = 0;
    for (int i = 0; i < pg_n_made; i++)
        known |= strcmp(pg_made[i], buf) == 0;
    if (!known && pg_n_made < 32)
        snprintf(pg_made[pg_n_made++], sizeof pg_made[0], "%s", buf);
    return buf;
}

static bm_store *open_ok(const char *path, int flags)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    int rc = pg_url ? bm_store_open_schema(pg_url, pg_schema_of(path), flags, &s, &err)
                    : bm_store_open(path, flags, &s, &err);
    if (rc != BM_OK)
        fprintf(stderr, "open %s: %s\n", path, bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK && s);
    return s;
}

static void make_incident(bm_incident *inc, int i)
{
    bm_incident_init(inc);
    /* Deterministic spread over 2024-2025 and the corridor box. */
    unsigned h = (unsigned)i * 2654435761u;
    inc->date_start = bm_date_add_days((bm_date){2024, 1, 1}, h % 700);
    inc->date_precision = (h >> 8) % 5 == 0 ? BM_PREC_MONTH : BM_PREC_DAY;
    if (inc->date_precision == BM_PREC_MONTH)
        inc->date_start.day = 1;
    inc->date_end = bm_date_span_end(inc->date_start, inc->date_precision);
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name((int)((h >> 4) % BM_N_TYPES)));
    inc->pt.lon = 38.0 + (double)((h >> 3) % 8000) / 1000.0;
    inc->pt.lat = 32.0 + (double)((h >> 5) % 6000) / 1000.0;
    inc->geo_precision = 1 + (int)((h >> 7) % 3);
    inc->confidence = (double)((h >> 9) % 100) / 100.0;
    inc->fatalities = (h >> 11) % 3 == 0 ? -1 : (int)((h >> 13) % 20);
    snprintf(inc->summary, sizeof inc->summary, "حادثة رقم %d near the border", i);
}

static void test_schema_and_idempotent_open(void)
{
    const char *path = tmp_path("schema.sqlite");
    bm_store *s = open_ok(path, 0);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    sqlite3 *db = bm__store_db(s);
    const char *tables[] = {"articles", "places", "place_names", "incidents",
                            "incident_sources", "idx_incidents_geom", "geometry_columns"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = ?1", -1, &st,
                           NULL);
        sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
        BM_ASSERT(sqlite3_step(st) == SQLITE_ROW);
        if (sqlite3_column_int(st, 0) != 1)
            BM_FAIL_AT("table %s missing", tables[i]);
        sqlite3_finalize(st);
    }
    bm_incident inc;
    make_incident(&inc, 1);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_OK);
    bm_store_close(s);

    /* Opening again (init twice) changes nothing. */
    s = open_ok(path, 0);
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, NULL, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    bm_store_close(s);

    /* OGR sees the geometry layers with EPSG:4326. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "ogrinfo -ro -so '%s' incidents 2>&1 | grep -q 'EPSG\\|WGS 84' && "
             "ogrinfo -ro '%s' 2>&1 | grep -q 'places'",
             path, path);
    BM_ASSERT_EQ_INT(bm_test_system("%s", cmd), 0);
}

/* Version 2 -> 3: places gain their source, imported records their table;
 * a place written at version 2 keeps everything and reads back with an
 * empty source. */
static void test_migration_from_v2(void)
{
    const char *path = tmp_path("v2.sqlite");
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm__store_open_at(path, 0, 2, &s, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), 2);
    BM_ASSERT_EQ_INT(sqlite3_exec(bm__store_db(s),
                                  "INSERT INTO places(id, name_en, name_ar, kind, country, geom) "
                                  "VALUES ('tall-test', 'Tall Test', 'تل تست', 'village', 'SY', "
                                  "MakePoint(40.2, 36.1, 4326))",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    bm_store_close(s);
    s = open_ok(path, 0);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    bm_place p;
    BM_ASSERT_EQ_INT(bm_store_place_get(s, "tall-test", &p), BM_OK);
    BM_ASSERT_EQ_STR(p.name_ar, "تل تست");
    BM_ASSERT_EQ_STR(p.source, "");
    snprintf(p.source, sizeof p.source, "wof:1;gn:42");
    BM_ASSERT_EQ_INT(bm_store_place_put(s, &p), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_place_record_put(s, "wof:1", "tall-test", "v1:x"), BM_OK);
    char id[64], digest[32];
    BM_ASSERT_EQ_INT(bm_store_place_record_get(s, "wof:1", id, sizeof id, digest, sizeof digest),
                     BM_OK);
    BM_ASSERT_EQ_STR(id, "tall-test");
    BM_ASSERT_EQ_STR(digest, "v1:x");
    BM_ASSERT_EQ_INT(bm_store_place_record_get(s, "wof:2", NULL, 0, NULL, 0), BM_ENOTFOUND);
    bm_store_close(s);
    s = open_ok(path, BM_STORE_READONLY);
    BM_ASSERT_EQ_INT(bm_store_place_get(s, "tall-test", &p), BM_OK);
    BM_ASSERT_EQ_STR(p.source, "wof:1;gn:42");
    bm_store_close(s);
}

static void test_migration_from_v1(void)
{
    const char *path = tmp_path("old.sqlite");
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm__store_open_at(path, 0, 1, &s, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), 1);
    /* Write a version-1 row by hand: version 1 has no reasons column. */
    sqlite3 *db = bm__store_db(s);
    BM_ASSERT_EQ_INT(sqlite3_exec(db,
                                  "INSERT INTO incidents(date_start, date_end, date_precision, "
                                  "type, geo_precision, confidence, summary, created_at, geom) "
                                  "VALUES ('2024-05-12', '2024-05-12', 'day', 'diplomacy', 1, 0.9, "
                                  "'memorandum signed', '2024-05-12T00:00:00Z', "
                                  "MakePoint(44.4, 33.3, 4326))",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    bm_store_close(s);

    s = open_ok(path, 0); /* migrates forward */
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    bm_incident inc;
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, 1, &inc), BM_OK);
    BM_ASSERT_EQ_STR(inc.summary, "memorandum signed");
    BM_ASSERT_EQ_STR(inc.type, "diplomacy");
    BM_ASSERT_NEAR(inc.pt.lon, 44.4, 1e-9);
    /* The migrated file has the version-2 spatial index: bbox queries work. */
    bm_query q;
    bm_query_init(&q);
    q.has_bbox = 1;
    q.west = 44;
    q.east = 45;
    q.south = 33;
    q.north = 34;
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, &q, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    bm_store_close(s);
}

static void test_round_trip(void)
{
    bm_store *s = open_ok(tmp_path("round.sqlite"), 0);
    bm_incident in, out;
    make_incident(&in, 42);
    in.date_precision = BM_PREC_MONTH;
    in.date_start = (bm_date){2025, 5, 1};
    in.date_end = (bm_date){2025, 5, 31};
    in.fatalities = 18;
    snprintf(in.place_id, sizeof in.place_id, "abu-kamal");
    snprintf(in.reasons, sizeof in.reasons, "trigger in clause; place nearest");
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &in), BM_OK);
    BM_ASSERT(in.id > 0);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, in.id, &out), BM_OK);
    BM_ASSERT_EQ_INT(bm_date_cmp(out.date_start, in.date_start), 0);
    BM_ASSERT_EQ_INT(bm_date_cmp(out.date_end, in.date_end), 0);
    BM_ASSERT_EQ_INT(out.date_precision, BM_PREC_MONTH);
    BM_ASSERT_EQ_STR(out.type, in.type);
    BM_ASSERT_EQ_STR(out.place_id, "abu-kamal");
    BM_ASSERT_NEAR(out.pt.lon, in.pt.lon, 1e-12);
    BM_ASSERT_NEAR(out.pt.lat, in.pt.lat, 1e-12);
    BM_ASSERT_EQ_INT(out.geo_precision, in.geo_precision);
    BM_ASSERT_NEAR(out.confidence, in.confidence, 1e-12);
    BM_ASSERT_EQ_INT(out.fatalities, 18);
    BM_ASSERT_EQ_STR(out.summary, in.summary);
    BM_ASSERT_EQ_STR(out.reasons, in.reasons);

    /* Sources: an article, two links, provenance kept. */
    bm_article a = {.file_name = "a.txt", .source = "Test", .published = "2025-05-02",
                    .language = "ar"};
    snprintf(a.sha256, sizeof a.sha256, "%064d", 7);
    BM_ASSERT_EQ_INT(bm_store_article_add(s, &a), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_article_add(s, &a), BM_EEXIST);
    int64_t found = 0;
    BM_ASSERT_EQ_INT(bm_store_article_find(s, a.sha256, &found), BM_OK);
    BM_ASSERT_EQ_INT(found, a.id);
    bm_source src = {.incident_id = in.id, .article_id = a.id, .byte_start = 10,
                     .byte_end = 90, .sentence = "جملة المصدر"};
    BM_ASSERT_EQ_INT(bm_store_source_add(s, &src), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, in.id, &out), BM_OK);
    BM_ASSERT_EQ_INT(out.n_sources, 1);

    /* Update and delete. */
    out.fatalities = -1;
    snprintf(out.type, sizeof out.type, "clash");
    BM_ASSERT_EQ_INT(bm_store_incident_update(s, &out), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, in.id, &out), BM_OK);
    BM_ASSERT_EQ_INT(out.fatalities, -1);
    BM_ASSERT_EQ_STR(out.type, "clash");

    /* Purging the article removes the incident it alone supports. */
    bm_incident manual;
    make_incident(&manual, 43);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &manual), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_article_purge(s, a.id), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, in.id, &out), BM_ENOTFOUND);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, manual.id, &out), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_delete(s, manual.id), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_delete(s, manual.id), BM_ENOTFOUND);

    /* Invalid incidents are refused before anything is written. */
    bm_incident bad;
    make_incident(&bad, 1);
    snprintf(bad.type, sizeof bad.type, "riot");
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &bad), BM_EINVAL);
    make_incident(&bad, 1);
    bad.date_end = bm_date_add_days(bad.date_start, -1);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &bad), BM_EINVAL);
    make_incident(&bad, 1);
    bad.pt.lat = 91;
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &bad), BM_EINVAL);

    /* Places with aliases. */
    bm_place p = {.id = "rabia", .name_en = "Rabia", .name_ar = "ربيعة", .kind = "town",
                  .country = "IQ", .admin1 = "nineveh-governorate", .population = -1,
                  .pt = {42.1, 36.8}};
    BM_ASSERT_EQ_INT(bm_store_place_put(s, &p), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_place_name_add(s, "rabia", "Rabiaa", "rabiaa", "en"), BM_OK);
    bm_place got;
    BM_ASSERT_EQ_INT(bm_store_place_get(s, "rabia", &got), BM_OK);
    BM_ASSERT_EQ_STR(got.name_ar, "ربيعة");
    BM_ASSERT_NEAR(got.pt.lat, 36.8, 1e-12);
    BM_ASSERT_EQ_INT(bm_store_place_get(s, "nowhere", &got), BM_ENOTFOUND);
    bm_store_close(s);
}

typedef struct collected {
    int64_t *ids;
    size_t n, cap;
} collected;

static int collect_cb(const bm_incident *inc, void *user)
{
    collected *c = user;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ids = realloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = inc->id;
    return 0;
}

static int matches(const bm_incident *inc, const bm_query *q)
{
    if (q->has_from && bm_date_cmp(inc->date_end, q->from) < 0)
        return 0;
    if (q->has_to && bm_date_cmp(inc->date_start, q->to) > 0)
        return 0;
    if (q->has_bbox && (inc->pt.lon < q->west || inc->pt.lon > q->east ||
                        inc->pt.lat < q->south || inc->pt.lat > q->north))
        return 0;
    if (q->n_types) {
        int ok = 0;
        for (size_t k = 0; k < q->n_types; k++)
            ok |= strcmp(q->types[k], inc->type) == 0;
        if (!ok)
            return 0;
    }
    return 1;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_queries_against_brute_force(void)
{
    enum { N = 3000 };
    bm_store *s = open_ok(tmp_path("query.sqlite"), 0);
    bm_incident *all = calloc(N, sizeof *all);
    BM_REQUIRE(all);
    BM_ASSERT_EQ_INT(bm_store_begin(s), BM_OK);
    for (int i = 0; i < N; i++) {
        make_incident(&all[i], i);
        BM_ASSERT_EQ_INT(bm_store_incident_add(s, &all[i]), BM_OK);
    }
    BM_ASSERT_EQ_INT(bm_store_commit(s), BM_OK);
    const char *types[] = {"clash", "airstrike", "smuggling"};
    for (int k = 0; k < 200; k++) {
        unsigned h = (unsigned)(k + 17) * 2246822519u;
        bm_query q;
        bm_query_init(&q);
        q.has_from = k % 3 != 0;
        q.from = bm_date_add_days((bm_date){2024, 1, 1}, h % 700);
        q.has_to = k % 4 != 0;
        q.to = bm_date_add_days(q.from, (h >> 10) % 90);
        q.has_bbox = k % 2 == 0;
        q.west = 38.0 + (h >> 3) % 6;
        q.east = q.west + 0.5 + (h >> 6) % 3;
        q.south = 32.0 + (h >> 9) % 4;
        q.north = q.south + 0.5 + (h >> 12) % 3;
        if (k % 7 == 0) { /* a wide box: PostgreSQL's GiST path, not cells */
            q.west = 20;
            q.east = 60;
        }
        if (k % 5 == 0) {
            q.types = types;
            q.n_types = 1 + (size_t)k % 3;
        }
        collected got = {0};
        BM_ASSERT_EQ_INT(bm_store_query(s, &q, collect_cb, &got), BM_OK);
        collected want = {0};
        for (int i = 0; i < N; i++)
            if (matches(&all[i], &q))
                collect_cb(&all[i], &want);
        if (got.n)
            qsort(got.ids, got.n, sizeof *got.ids, cmp_id);
        if (got.n != want.n || (got.n && memcmp(got.ids, want.ids, got.n * sizeof *got.ids)))
            BM_FAIL_AT("query %d: %zu results, brute force %zu", k, got.n, want.n);
        free(got.ids);
        free(want.ids);
    }
    free(all);
    bm_store_close(s);
}

/* A reader process holds its own connection while this process writes (WAL +
 * busy timeout). In lock step over pipes, so that it cannot pass without
 * seeing the writes: after each commit the reader must count exactly what is
 * committed (a partial count of the final 500), and while a write transaction
 * is open it must read, without error or wait, the last committed count
 * (isolation), never the half-written batch. */
static int64_t lockstep_read(int to_reader, int from_reader, int64_t want)
{
    int64_t got = -2;
    if (write(to_reader, &want, sizeof want) != (ssize_t)sizeof want ||
        read(from_reader, &got, sizeof got) != (ssize_t)sizeof got)
        return -2;
    return got;
}

static void reader_child(const char *p, int in, int out)
{
    bm_store *r = NULL;
    bm_error err;
    int bad = bm_store_open(p, BM_STORE_READONLY, &r, &err) != BM_OK;
    if (bad)
        fprintf(stderr, "reader: open: %s\n", bm_error_text(&err));
    int64_t want;
    while (read(in, &want, sizeof want) == (ssize_t)sizeof want && want >= 0) {
        int64_t n = -1;
        if (!bad && bm_store_count(r, NULL, &n) != BM_OK) {
            fprintf(stderr, "reader: count: %s\n", bm_store_errmsg(r));
            n = -1;
        }
        if (write(out, &n, sizeof n) != (ssize_t)sizeof n)
            break;
    }
    bm_store_close(r);
    _exit(bad);
}

static void test_reader_while_writing(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s", tmp_path("shared.sqlite"));
    bm_store *w = open_ok(p, 0); /* the file exists before the reader starts */
    bm_store_close(w);
    int down[2], up[2];
    BM_REQUIRE(pipe(down) == 0 && pipe(up) == 0);
    /* Fork before the writer opens: the child must not inherit a connection. */
    pid_t pid = fork();
    BM_REQUIRE(pid >= 0);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        reader_child(p, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    w = open_ok(p, 0);
    int partial_seen = 0;
    for (int batch = 0; batch < 50; batch++) {
        int64_t committed = (int64_t)batch * 10;
        BM_ASSERT_EQ_INT(bm_store_begin(w), BM_OK);
        for (int i = 0; i < 10; i++) {
            bm_incident inc;
            make_incident(&inc, batch * 10 + i);
            BM_ASSERT_EQ_INT(bm_store_incident_add(w, &inc), BM_OK);
            if (i == 4) /* mid-transaction: the reader sees the last commit only */
                BM_ASSERT_EQ_INT(lockstep_read(down[1], up[0], committed), committed);
        }
        BM_ASSERT_EQ_INT(bm_store_commit(w), BM_OK);
        int64_t seen = lockstep_read(down[1], up[0], committed + 10);
        BM_ASSERT_EQ_INT(seen, committed + 10);
        partial_seen += seen > 0 && seen < 500;
    }
    BM_ASSERT_EQ_INT(partial_seen, 49);
    int64_t stop = -1;
    BM_ASSERT(write(down[1], &stop, sizeof stop) == (ssize_t)sizeof stop);
    close(down[1]);
    close(up[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    BM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    bm_store_close(w);
}

static void test_rollback_leaves_nothing(void)
{
    bm_store *s = open_ok(tmp_path("rollback.sqlite"), 0);
    BM_ASSERT_EQ_INT(bm_store_begin(s), BM_OK);
    bm_incident inc;
    make_incident(&inc, 5);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_OK);
    bm_store_rollback(s);
    int64_t n = -1;
    BM_ASSERT_EQ_INT(bm_store_count(s, NULL, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 0);
    bm_store_close(s);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_bad_inputs(void)
{
    bm_store *s = NULL;
    bm_error err;

    /* A text file is not a database: refused, unchanged. */
    const char *txt = tmp_path("notes.txt");
    char txtp[512];
    snprintf(txtp, sizeof txtp, "%s", txt);
    FILE *fp = fopen(txtp, "w");
    fputs("these are my notes, not a database\n", fp);
    fclose(fp);
    BM_ASSERT_EQ_INT(bm_store_open(txtp, 0, &s, &err), BM_ENOTDB);
    BM_ASSERT(s == NULL);
    BM_ASSERT_EQ_INT(file_size(txtp), 35);

    /* Another application's SQLite database: refused, not modified. */
    const char *other = tmp_path("other.sqlite");
    char otherp[512];
    snprintf(otherp, sizeof otherp, "%s", other);
    sqlite3 *db;
    sqlite3_open(otherp, &db);
    sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL, NULL, NULL);
    sqlite3_close(db);
    long before = file_size(otherp);
    BM_ASSERT_EQ_INT(bm_store_open(otherp, 0, &s, &err), BM_ENOTDB);
    BM_ASSERT_EQ_INT(file_size(otherp), before);

    /* A newer schema: refused with BM_EVERSION and untouched. */
    const char *newer = tmp_path("newer.sqlite");
    char newerp[512];
    snprintf(newerp, sizeof newerp, "%s", newer);
    s = open_ok(newerp, 0);
    BM_ASSERT_EQ_INT(bm_store_meta_set(s, "schema_version", "99"), BM_OK);
    bm_store_close(s);
    s = NULL;
    BM_ASSERT_EQ_INT(bm_store_open(newerp, 0, &s, &err), BM_EVERSION);
    BM_ASSERT(strstr(err.msg, "99") != NULL);

    /* A read-only location: creation fails and leaves no file. */
    const char *ro = tmp_path("ro");
    char rop[512], dbp[600];
    snprintf(rop, sizeof rop, "%s", ro);
    mkdir(rop, 0555);
    snprintf(dbp, sizeof dbp, "%s/x.sqlite", rop);
    if (geteuid() == 0) {
        /* root ignores directory permissions; a missing directory stands in. */
        snprintf(dbp, sizeof dbp, "%s/missing/x.sqlite", rop);
    }
    int rc = bm_store_open(dbp, 0, &s, &err);
    BM_ASSERT(rc == BM_EREADONLY || rc == BM_EDB);
    BM_ASSERT(access(dbp, F_OK) != 0);

    /* Read-only open of a missing file does not create it. */
    snprintf(dbp, sizeof dbp, "%s/absent.sqlite", bm_test_tmpdir());
    BM_ASSERT_EQ_INT(bm_store_open(dbp, BM_STORE_READONLY, &s, &err), BM_ENOTFOUND);
    BM_ASSERT(access(dbp, F_OK) != 0);
}

/* The CLI maps the same bad inputs to exit codes 1 (failure) and 2 (usage),
 * and a rejected command leaves the database unchanged. */
static void test_cli_bad_inputs(void)
{
    const char *bin = bm_test_binary();
    const char *dir = bm_test_tmpdir();
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' -q --db cli.sqlite init", dir, bin), 0);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' -q --db cli.sqlite init", dir, bin), 0);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' --db cli.sqlite incidents add --date "
                                    "2025-13-01 --lonlat 41,34 --type clash --summary x "
                                    "2>/dev/null",
                                    dir, bin),
                     2);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' --db cli.sqlite incidents add --date "
                                    "2025-01-01 --lonlat 41,34 --type riot --summary x "
                                    "2>/dev/null",
                                    dir, bin),
                     2);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' --db cli.sqlite incidents add --date "
                                    "2025-01-01 --lonlat 41,95 --type clash --summary x "
                                    "2>/dev/null",
                                    dir, bin),
                     2);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && test \"$('%s' --db cli.sqlite incidents list "
                                    "--format csv | wc -l)\" = 1",
                                    dir, bin),
                     0);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && '%s' --db cli.sqlite incidents add --date "
                                    "2025-01-01 --lonlat 41,34 --type clash --summary ok "
                                    ">/dev/null && '%s' --db cli.sqlite incidents list "
                                    "--format csv | grep -q ',clash,'",
                                    dir, bin, bin),
                     0);
    BM_ASSERT_EQ_INT(bm_test_system("cd '%s' && echo notes > notes2.txt && '%s' --db notes2.txt "
                                    "incidents list 2>/dev/null; test $? = 1 && "
                                    "test \"$(cat notes2.txt)\" = notes",
                                    dir, bin),
                     0);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' nosuchcommand 2>/dev/null", bin), 2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' incidents list --bogus 2>/dev/null", bin), 2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --help | grep -q 'Exit codes'", bin), 0);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' incidents --help | grep -q 'Exit codes'", bin), 0);
}

/* ---- PostgreSQL ------------------------------------------------------------------ */

static int pg_sql(const char *sql)
{
    return bm_test_system("psql -qAtX '%s' -c \"%s\" >/dev/null 2>&1", pg_url, sql);
}

static void test_pg_urls(void)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_ASSERT_EQ_INT(bm_store_open("postgresql://ann:hunter2@127.0.0.1:1/x", 0, &s, &err),
                     BM_EINVAL);
    BM_ASSERT(strstr(err.msg, "pgpass") && !strstr(err.msg, "hunter2"));
    BM_ASSERT_EQ_INT(bm_store_open("postgresql://127.0.0.1:1/x?password=hunter2", 0, &s, &err),
                     BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_store_open_schema(pg_url, "Bad-Name; DROP", 0, &s, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_store_open("postgresql://nobody@127.0.0.1:1/nodb", 0, &s, &err), BM_EDB);
    BM_ASSERT(!strstr(err.msg, "postgresql://"));
    BM_ASSERT(s == NULL);
    /* a schema holding someone else's tables is not touched */
    const char *foreign = pg_schema_of("foreign");
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s; CREATE TABLE %s.t(x int)", foreign, foreign);
    BM_ASSERT_EQ_INT(pg_sql(sql), 0);
    BM_ASSERT_EQ_INT(bm_store_open_schema(pg_url, foreign, 0, &s, &err), BM_ENOTDB);
    /* reading a schema that is not there creates nothing */
    BM_ASSERT_EQ_INT(bm_store_open_schema(pg_url, pg_schema_of("absent"), BM_STORE_READONLY, &s,
                                          &err),
                     BM_ENOTFOUND);
}

static void test_pg_migration_from_v1(void)
{
    const char *schema = pg_schema_of("v1");
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm__store_open_full(pg_url, schema, 0, 1, &s, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), 1);
    bm_store_close(s);
    s = open_ok("v1", 0);
    BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
    bm_incident in, out;
    make_incident(&in, 7);
    snprintf(in.actor1, sizeof in.actor1, "Military Forces of Iraq");
    in.inter1 = 1;
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &in), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, in.id, &out), BM_OK);
    BM_ASSERT_EQ_STR(out.actor1, in.actor1);
    BM_ASSERT_EQ_INT(out.inter1, 1);
    bm_store_close(s);
}

/* Several processes create one new schema at once: all succeed. */
static void test_pg_concurrent_create(void)
{
    const char *schema = pg_schema_of("race");
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            bm_store *s = NULL;
            bm_error err;
            int rc = bm_store_open_schema(pg_url, schema, 0, &s, &err);
            bm_incident inc;
            make_incident(&inc, i);
            if (rc == BM_OK)
                rc = bm_store_incident_add(s, &inc);
            if (rc != BM_OK)
                fprintf(stderr, "child %d: %s\n", i, rc == BM_OK ? "" : err.msg);
            bm_store_close(s);
            _exit(rc == BM_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status = 0;
        waitpid(kids[i], &status, 0);
        BM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    bm_store *s = open_ok("race", 0);
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, NULL, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 4);
    bm_store_close(s);
}

/* The server drops the connection mid-transaction: the commit fails and
 * says so, nothing of it is stored, and the next transaction reconnects. */
static void test_pg_connection_loss(void)
{
    char url[512], name[64], sql[256];
    snprintf(name, sizeof name, "bm_kill_%d", (int)getpid());
    snprintf(url, sizeof url, "%s%sapplication_name=%s", pg_url, strchr(pg_url, '?') ? "&" : "?",
             name);
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open_schema(url, pg_schema_of("loss"), 0, &s, &err) == BM_OK);
    bm_incident inc;
    make_incident(&inc, 3);
    BM_ASSERT_EQ_INT(bm_store_begin(s), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_OK);
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'",
             name);
    BM_ASSERT_EQ_INT(pg_sql(sql), 0);
    BM_ASSERT(bm_store_commit(s) != BM_OK);
    BM_ASSERT(strstr(bm_store_errmsg(s), "connection") != NULL);
    BM_ASSERT(strstr(bm_store_errmsg(s), "postgresql://") == NULL);
    bm_store_rollback(s);
    BM_ASSERT_EQ_INT(bm_store_begin(s), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_add(s, &inc), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_commit(s), BM_OK);
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, NULL, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    bm_store_close(s);
}

static int area_cb(const char *id, const unsigned char *wkb, size_t size, void *user)
{
    int *n = user;
    BM_ASSERT_EQ_STR(id, "box");
    /* little-endian WKB MULTIPOLYGON (type 6) holding the one polygon */
    BM_ASSERT(size > 9 && wkb[0] == 1 && wkb[1] == 6);
    ++*n;
    return 0;
}

static void test_pg_areas(void)
{
    bm_store *s = open_ok("areas", 0);
    bm_place p = {.id = "box", .name_en = "Box", .kind = "region", .population = -1,
                  .pt = {41, 34}};
    BM_ASSERT_EQ_INT(bm_store_place_put(s, &p), BM_OK);
    /* POLYGON((40 33, 42 33, 42 35, 40 35, 40 33)), little-endian WKB */
    unsigned char wkb[9 + 4 + 5 * 16];
    double xy[10] = {40, 33, 42, 33, 42, 35, 40, 35, 40, 33};
    uint32_t type = 3, rings = 1, pts = 5;
    wkb[0] = 1;
    memcpy(wkb + 1, &type, 4);
    memcpy(wkb + 5, &rings, 4);
    memcpy(wkb + 9, &pts, 4);
    memcpy(wkb + 13, xy, sizeof xy);
    BM_ASSERT_EQ_INT(bm_store_place_area_set(s, "box", wkb, sizeof wkb), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_place_area_set(s, "nowhere", wkb, sizeof wkb), BM_ENOTFOUND);
    int n = 0;
    BM_ASSERT_EQ_INT(bm_store_place_areas(s, area_cb, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    bm_store_close(s);
}

static int main_pg(void)
{
    pg_url = getenv("BM_TEST_PG");
    if (!pg_url || !*pg_url) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true")) {
            fprintf(stderr, "test_store_pg: BM_TEST_PG is not set under CI=true "
                            "(scripts/test.sh starts a cluster)\n");
            return 1;
        }
        bm_test_skip("test_store_pg", "no PostgreSQL server (set BM_TEST_PG, see "
                                      "scripts/pg-cluster.sh)");
    }
    test_pg_urls();
    test_pg_migration_from_v1();
    test_round_trip();
    test_queries_against_brute_force();
    test_rollback_leaves_nothing();
    test_pg_concurrent_create();
    test_pg_connection_loss();
    test_pg_areas();
    for (int i = 0; i < pg_n_made; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %.63s CASCADE", pg_made[i]);
        pg_sql(sql);
    }
    int rc = bm_test_finish("test_store_pg");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "pg") == 0)
        return main_pg();
    test_schema_and_idempotent_open();
    test_migration_from_v1();
    test_migration_from_v2();
    test_round_trip();
    test_queries_against_brute_force();
    test_reader_while_writing();
    test_rollback_leaves_nothing();
    test_bad_inputs();
    test_cli_bad_inputs();
    int rc = bm_test_finish("test_store");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}
