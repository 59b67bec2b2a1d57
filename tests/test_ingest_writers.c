/* test_ingest_writers.c: the duplicate lookup stays exact with two writers
 * on one file. Two handles (two connections, each with its duplicate-lookup
 * statement prepared and used) take turns: an incident one writer commits
 * must be found by the other's next lookup, never hidden by a statement,
 * cache or snapshot kept from before. Also bm_ingest_files() against
 * bm_ingest_file() one by one: the same database, row for row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bm_test.h"
#include "bordermap/ingest.h"
#include "store_private.h"

typedef struct writer {
    bm_store *store;
    bm_ingest *ig;
} writer;

static void writer_open(writer *w, const char *db)
{
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(db, 0, &w->store, &err) != BM_OK ||
        bm_ingest_new(w->store, &w->ig, &err) != BM_OK) {
        fprintf(stderr, "setup: %s\n", bm_error_text(&err));
        exit(1);
    }
}

static void writer_close(writer *w)
{
    bm_ingest_free(w->ig);
    bm_store_close(w->store);
}

static void ingest(writer *w, const char *name, const char *text, size_t want_new,
                   size_t want_merged)
{
    bm_ingest_result r;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_ingest_text(w->ig, name, text, strlen(text), NULL, &r, &err);
    if (rc != BM_OK)
        fprintf(stderr, "%s: %s\n", name, bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK);
    BM_ASSERT_EQ_INT(r.n_new, want_new);
    BM_ASSERT_EQ_INT(r.n_merged, want_merged);
}

/* One airstrike in Al-Qaim on 1 March 2025, told three ways, and one on
 * another day. */
static const char *const strike[] = {
    "date 2025-03-02\n\nAn airstrike hit a convoy in Al-Qaim on 1 March 2025.\n",
    "date 2025-03-03\n\nWarplanes carried out an airstrike on a truck in Al-Qaim on 1 March "
    "2025, a local source said.\n",
    "date 2025-03-04\n\nAn airstrike in Al-Qaim on 1 March 2025 destroyed a vehicle.\n",
    "date 2025-03-06\n\nAn airstrike hit a convoy in Al-Qaim on 5 March 2025.\n",
};

static void test_turns(void)
{
    char db[1024];
    snprintf(db, sizeof db, "%s/writers.sqlite", bm_test_tmpdir());
    writer a, b;
    writer_open(&a, db);
    writer_open(&b, db);
    ingest(&a, "a1", strike[3], 1, 0); /* a's lookup is prepared, finds nothing */
    ingest(&b, "b1", strike[0], 1, 0); /* b stores the 1 March strike */
    ingest(&a, "a2", strike[1], 0, 1); /* a must see b's commit: a merge */
    ingest(&b, "b2", strike[2], 0, 1); /* and b a's */
    BM_ASSERT_EQ_INT(bm_test_scalar(a.store, "SELECT count(*) FROM incidents"), 2);
    BM_ASSERT_EQ_INT(bm_test_scalar(a.store, "SELECT count(*) FROM incident_sources"), 4);
    BM_ASSERT_EQ_INT(bm_test_scalar(b.store, "SELECT max(n) FROM (SELECT count(*) n FROM "
                                             "incident_sources GROUP BY incident_id)"),
                     3);
    writer_close(&a);
    writer_close(&b);
}

typedef struct outcome {
    size_t n, created, merged, failed;
} outcome;

static void count_cb(const char *path, size_t i, int rc, const bm_ingest_result *r,
                     const bm_error *err, void *user)
{
    (void)path, (void)err;
    outcome *o = user;
    BM_ASSERT_EQ_INT(i, o->n);
    o->n++;
    if (rc != BM_OK) {
        o->failed++;
        return;
    }
    o->created += r->n_new;
    o->merged += r->n_merged;
}

static char *dump(const char *db)
{
    sqlite3 *h = NULL;
    BM_REQUIRE(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    BM_REQUIRE(sqlite3_prepare_v2(h,
                                  "SELECT group_concat(x, '|') FROM (SELECT i.id || ',' || "
                                  "i.type || ',' || coalesce(i.place_id, '') || ',' || "
                                  "i.date_start || ',' || s.article_id || ',' || s.byte_start "
                                  "AS x FROM incidents i JOIN incident_sources s ON "
                                  "s.incident_id = i.id ORDER BY i.id, s.article_id, "
                                  "s.byte_start)",
                                  -1, &st, NULL) == SQLITE_OK);
    BM_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *out = strdup(t ? (const char *)t : "");
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

/* bm_ingest_files on 3 threads equals one file after another. */
static void test_files_equal_serial(void)
{
    char dir[1024], *paths[8];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/arts", bm_test_tmpdir());
    BM_REQUIRE(bm_test_system("mkdir -p '%s'", dir) == 0);
    for (size_t i = 0; i < 8; i++) {
        char p[1100];
        snprintf(p, sizeof p, "%s/%zu.txt", dir, i);
        FILE *f = fopen(p, "w");
        BM_REQUIRE(f != NULL);
        fputs(i == 6 ? "\xff not text\n" : strike[i % 4], f);
        if (i >= 4 && i != 6)
            fprintf(f, "\n(copy %zu)\n", i);
        fclose(f);
        paths[n++] = strdup(p);
    }
    char db1[1100], db2[1100];
    snprintf(db1, sizeof db1, "%s/serial.sqlite", bm_test_tmpdir());
    snprintf(db2, sizeof db2, "%s/threads.sqlite", bm_test_tmpdir());
    outcome o1 = {0}, o2 = {0};
    writer w;
    writer_open(&w, db1);
    BM_REQUIRE(bm_ingest_files(w.ig, paths, n, NULL, 1, count_cb, &o1, NULL) == BM_OK);
    writer_close(&w);
    writer_open(&w, db2);
    BM_REQUIRE(bm_ingest_files(w.ig, paths, n, NULL, 3, count_cb, &o2, NULL) == BM_OK);
    writer_close(&w);
    BM_ASSERT_EQ_INT(o1.n, n);
    BM_ASSERT_EQ_INT(o2.n, n);
    BM_ASSERT_EQ_INT(o1.failed, 1);
    BM_ASSERT_EQ_INT(o2.failed, 1);
    BM_ASSERT_EQ_INT(o1.created, 2);
    BM_ASSERT_EQ_INT(o2.created, o1.created);
    BM_ASSERT_EQ_INT(o2.merged, o1.merged);
    char *d1 = dump(db1), *d2 = dump(db2);
    BM_ASSERT(strlen(d1) > 20);
    BM_ASSERT_EQ_STR(d2, d1);
    free(d1);
    free(d2);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
}

int main(void)
{
    test_turns();
    test_files_equal_serial();
    int rc = bm_test_finish("test_ingest_writers");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}
