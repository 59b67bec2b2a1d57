/* test_ingest.c: articles into a real store: skip of unchanged articles,
 * --force, one transaction per article (a failure injected mid-article leaves
 * the database byte-for-byte as before), deduplication across articles,
 * BOM/CRLF/bidi input, invalid UTF-8, and the CLI's summary and exit code.
 * Uses only articles written for bordermap (examples/ and inline). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bm_test.h"
#include "bordermap/ingest.h"
#include "digest_private.h"
#include "store_private.h"

typedef struct env {
    char db[1024];
    bm_store *store;
    bm_ingest *ig;
} env;

static void env_open(env *e, const char *name)
{
    bm_error err;
    bm_error_clear(&err);
    snprintf(e->db, sizeof e->db, "%s/%s.sqlite", bm_test_tmpdir(), name);
    if (bm_store_open(e->db, 0, &e->store, &err) != BM_OK ||
        bm_ingest_new(e->store, &e->ig, &err) != BM_OK) {
        fprintf(stderr, "setup: %s\n", bm_error_text(&err));
        exit(1);
    }
}

static void env_close(env *e)
{
    bm_ingest_free(e->ig);
    bm_store_close(e->store);
}

static char *example(const char *name, size_t *len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/examples/articles/%s", BM_TEST_SOURCE_DIR, name);
    char *data = NULL;
    BM_REQUIRE(bm_read_file(path, &data, len, NULL) == BM_OK);
    return data;
}

static int ingest(env *e, const char *name, const char *text, size_t len, int force,
                  bm_ingest_result *r, bm_error *err)
{
    bm_ingest_opts o;
    bm_ingest_opts_init(&o);
    o.force = force;
    bm_error_clear(err);
    return bm_ingest_text(e->ig, name, text, len, &o, r, err);
}

static int64_t count(env *e, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(e->store), sql, -1, &st, NULL) == SQLITE_OK);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

/* A digest of every row of the tables ingest writes. */
static char *snapshot(env *e)
{
    static const char *const tables[] = {"articles", "incidents", "incident_sources"};
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t t = 0; t < 3; t++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[t]);
        sqlite3_stmt *st = NULL;
        BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(e->store), sql, -1, &st, NULL) == SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const void *b = sqlite3_column_blob(st, c);
                int n = sqlite3_column_bytes(st, c);
                if (b)
                    g_checksum_update(sum, b, n);
                g_checksum_update(sum, (const guchar *)"|", 1);
            }
        }
        sqlite3_finalize(st);
    }
    char *out = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return out;
}

static void test_skip_and_force(void)
{
    env e;
    env_open(&e, "skip");
    size_t len;
    char *text = example("13-border-stable-statement.en.txt", &len);
    bm_ingest_result r;
    bm_error err;
    BM_REQUIRE(ingest(&e, "13.txt", text, len, 0, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.status, BM_INGEST_STORED);
    BM_ASSERT(r.n_new >= 2);
    BM_ASSERT_EQ_STR(r.published, "2025-03-07");
    BM_ASSERT_EQ_STR(r.published_from, "article");
    BM_ASSERT_EQ_STR(r.language, "en");
    BM_ASSERT_EQ_INT(strlen(r.sha256), 64);
    char *before = snapshot(&e);

    BM_REQUIRE(ingest(&e, "13.txt", text, len, 0, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.status, BM_INGEST_SKIPPED);
    BM_ASSERT_EQ_INT(r.n_new + r.n_merged, 0);
    char *after = snapshot(&e);
    BM_ASSERT_EQ_STR(after, before);
    g_free(after);

    int64_t incidents = count(&e, "incidents");
    BM_REQUIRE(ingest(&e, "13.txt", text, len, 1, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.status, BM_INGEST_REPLACED);
    BM_ASSERT(r.article_id > 0);
    BM_ASSERT_EQ_INT(count(&e, "incidents"), incidents);
    BM_ASSERT_EQ_INT(count(&e, "articles"), 1);
    g_free(before);
    free(text);
    env_close(&e);
}

/* A database failure on the second source of an article rolls the whole
 * article back. */
static void test_rollback(void)
{
    env e;
    env_open(&e, "rollback");
    size_t len13, len01;
    char *t13 = example("13-border-stable-statement.en.txt", &len13);
    char *t01 = example("01-us-strikes-qaim-albukamal.en.txt", &len01);
    bm_ingest_result r;
    bm_error err;
    BM_REQUIRE(ingest(&e, "13.txt", t13, len13, 0, &r, &err) == BM_OK);
    char *before = snapshot(&e);
    char *msg = NULL;
    const char *inject = "CREATE TEMP TRIGGER inject BEFORE INSERT ON incident_sources "
                         "WHEN (SELECT count(*) FROM incident_sources "
                         "WHERE article_id = NEW.article_id) >= 1 "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END";
    BM_REQUIRE(sqlite3_exec(bm__store_db(e.store), inject, NULL, NULL, &msg) == SQLITE_OK);
    int rc = ingest(&e, "01.txt", t01, len01, 0, &r, &err);
    BM_ASSERT(rc != BM_OK);
    BM_ASSERT(strstr(err.msg, "injected failure") != NULL);
    BM_ASSERT_EQ_INT(r.n_new, 0);
    char *after = snapshot(&e);
    BM_ASSERT_EQ_STR(after, before);
    g_free(after);

    /* The article was not half-stored: once the fault is gone it goes in whole. */
    BM_REQUIRE(sqlite3_exec(bm__store_db(e.store), "DROP TRIGGER temp.inject", NULL, NULL, &msg) ==
               SQLITE_OK);
    BM_REQUIRE(ingest(&e, "01.txt", t01, len01, 0, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.status, BM_INGEST_STORED);
    BM_ASSERT(r.n_new >= 2);
    g_free(before);
    free(t13);
    free(t01);
    env_close(&e);
}

/* Batch mode: articles share a commit, a failing one still leaves nothing,
 * and the others are kept. */
static void test_batch(void)
{
    env e;
    env_open(&e, "batch");
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_ingest_set_batch(e.ig, 10, &err) == BM_OK);
    size_t l1, l2;
    char *t1 = example("06-anbar-joint-raid.en.txt", &l1);
    char *t2 = example("01-us-strikes-qaim-albukamal.en.txt", &l2);
    bm_ingest_result r;
    BM_REQUIRE(ingest(&e, "06.txt", t1, l1, 0, &r, &err) == BM_OK);
    BM_ASSERT(r.n_new >= 1);
    char first_sha[65];
    snprintf(first_sha, sizeof first_sha, "%s", r.sha256);
    /* Not committed yet: another connection does not see it. */
    bm_store *other = NULL;
    int64_t id = 0;
    BM_REQUIRE(bm_store_open(e.db, BM_STORE_READONLY, &other, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_article_find(other, first_sha, &id), BM_ENOTFOUND);
    bm_store_close(other);
    int64_t after_first = count(&e, "incident_sources");
    char *msg = NULL;
    const char *inject = "CREATE TEMP TRIGGER inject BEFORE INSERT ON incident_sources "
                         "WHEN (SELECT count(*) FROM incident_sources "
                         "WHERE article_id = NEW.article_id) >= 1 "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END";
    BM_REQUIRE(sqlite3_exec(bm__store_db(e.store), inject, NULL, NULL, &msg) == SQLITE_OK);
    BM_ASSERT(ingest(&e, "01.txt", t2, l2, 0, &r, &err) != BM_OK);
    BM_ASSERT_EQ_INT(count(&e, "incident_sources"), after_first);
    BM_ASSERT_EQ_INT(count(&e, "articles"), 1);
    BM_REQUIRE(sqlite3_exec(bm__store_db(e.store), "DROP TRIGGER temp.inject", NULL, NULL, &msg) ==
               SQLITE_OK);
    BM_ASSERT_EQ_INT(bm_ingest_flush(e.ig, &err), BM_OK);
    /* After the flush the first article is committed, the failed one absent. */
    BM_REQUIRE(bm_store_open(e.db, BM_STORE_READONLY, &other, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_article_find(other, first_sha, &id), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_article_find(other, r.sha256, &id), BM_ENOTFOUND);
    bm_store_close(other);
    BM_ASSERT_EQ_INT(count(&e, "articles"), 1);
    free(t1);
    free(t2);
    env_close(&e);
}

typedef struct first_inc {
    int64_t id;
    int n_sources;
    char type[16], place[64];
} first_inc;

static int list_cb(const bm_incident *inc, void *user)
{
    first_inc *f = user;
    if (!strcmp(inc->type, f->type) && !strcmp(inc->place_id, f->place)) {
        f->id = inc->id;
        f->n_sources = inc->n_sources;
    }
    return 0;
}

static first_inc find(env *e, const char *type, const char *place)
{
    first_inc f = {0};
    snprintf(f.type, sizeof f.type, "%s", type);
    snprintf(f.place, sizeof f.place, "%s", place);
    BM_ASSERT_EQ_INT(bm_store_query(e->store, NULL, list_cb, &f), BM_OK);
    return f;
}

static void one(env *e, const char *name, const char *text, size_t want_new, size_t want_merged)
{
    bm_ingest_result r;
    bm_error err;
    int rc = ingest(e, name, text, strlen(text), 0, &r, &err);
    if (rc != BM_OK)
        fprintf(stderr, "%s: %s\n", name, bm_error_text(&err));
    BM_ASSERT_EQ_INT(rc, BM_OK);
    if (r.n_new != want_new || r.n_merged != want_merged)
        BM_FAIL_AT("%s: %zu new, %zu merged; want %zu, %zu", name, r.n_new, r.n_merged, want_new,
                   want_merged);
}

/* The same clash told by two outlets is one incident with two sources; a
 * clash elsewhere and an airstrike in the same town stay apart. */
static void test_dedup(void)
{
    env e;
    env_open(&e, "dedup");
    one(&e, "a.txt",
        "date 2024-08-09\n\nاندلعت اشتباكات عنيفة بين قوات سوريا الديمقراطية ومسلحين من "
        "العشائر في بلدة هجين يوم 7 آب 2024.",
        1, 0);
    one(&e, "b.txt", "date 2024-08-08\n\nHeavy clashes erupted in Hajin on 7 August 2024.", 0, 1);
    one(&e, "c.txt", "date 2024-08-08\n\nHeavy clashes erupted in al-Mayadin on 7 August 2024.", 1,
        0);
    one(&e, "d.txt",
        "date 2024-08-08\n\nWarplanes carried out airstrikes on Hajin on 7 August 2024.", 1, 0);
    one(&e, "e.txt", "date 2024-08-20\n\nHeavy clashes erupted in Hajin on 19 August 2024.", 1, 0);
    first_inc f = find(&e, "clash", "hajin");
    BM_ASSERT(f.id > 0);
    bm_incident inc;
    BM_REQUIRE(bm_store_incident_get(e.store, find(&e, "airstrike", "hajin").id, &inc) == BM_OK);
    BM_ASSERT_EQ_INT(inc.n_sources, 1);
    /* The first Hajin clash (7 August) has both articles as sources. */
    int64_t clash7 = 0;
    bm_query q;
    bm_query_init(&q);
    q.has_from = q.has_to = 1;
    q.from = (bm_date){2024, 8, 7};
    q.to = (bm_date){2024, 8, 7};
    first_inc g = {0};
    snprintf(g.type, sizeof g.type, "clash");
    snprintf(g.place, sizeof g.place, "hajin");
    BM_ASSERT_EQ_INT(bm_store_query(e.store, &q, list_cb, &g), BM_OK);
    clash7 = g.id;
    BM_REQUIRE(clash7 > 0);
    BM_REQUIRE(bm_store_incident_get(e.store, clash7, &inc) == BM_OK);
    BM_ASSERT_EQ_INT(inc.n_sources, 2);
    BM_ASSERT_EQ_INT(count(&e, "incidents"), 4);
    env_close(&e);
}

typedef struct src_check {
    const char *name, *text;
    size_t len;
    int n;
} src_check;

static int source_cb(const bm_source *s, void *user)
{
    src_check *c = user;
    if (!s->file_name || strcmp(s->file_name, c->name) != 0)
        return 0;
    c->n++;
    BM_ASSERT(s->byte_start >= 0 && s->byte_end <= (int64_t)c->len && s->byte_start < s->byte_end);
    if (s->sentence && s->byte_end <= (int64_t)c->len)
        BM_ASSERT(strncmp(s->sentence, c->text + s->byte_start,
                          (size_t)(s->byte_end - s->byte_start)) == 0);
    return 0;
}

/* A BOM, CRLF line ends and bidi marks change nothing but the offsets, and
 * the offsets still point into the bytes as given. */
static void test_bom_crlf(void)
{
    env e;
    env_open(&e, "bom");
    const char *plain = "date 2024-12-08\n\nأعلنت السلطات العراقية إغلاق منفذ القائم الحدودي "
                        "مع سوريا يوم 6 كانون الأول 2024.\n";
    const char *marked = "\xEF\xBB\xBF"
                         "date 2024-12-08\r\n\r\n\xE2\x80\x8F"
                         "أعلنت السلطات العراقية إغلاق منفذ القائم الحدودي "
                         "مع سوريا يوم 6 كانون الأول 2024.\r\n";
    bm_ingest_result r1, r2;
    bm_error err;
    BM_REQUIRE(ingest(&e, "plain.txt", plain, strlen(plain), 0, &r1, &err) == BM_OK);
    BM_REQUIRE(ingest(&e, "marked.txt", marked, strlen(marked), 0, &r2, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r1.n_new, 1);
    BM_ASSERT_EQ_STR(r2.published, "2024-12-08");
    BM_ASSERT_EQ_STR(r2.language, "ar");
    /* Different bytes, same event: the second article is one more source. */
    BM_ASSERT_EQ_INT(r2.status, BM_INGEST_STORED);
    BM_ASSERT_EQ_INT(r2.n_new, 0);
    BM_ASSERT_EQ_INT(r2.n_merged, 1);
    src_check c = {"marked.txt", marked, strlen(marked), 0};
    BM_ASSERT_EQ_INT(bm_store_sources(e.store, 0, source_cb, &c), BM_OK);
    BM_ASSERT_EQ_INT(c.n, 1);
    src_check d = {"plain.txt", plain, strlen(plain), 0};
    BM_ASSERT_EQ_INT(bm_store_sources(e.store, 0, source_cb, &d), BM_OK);
    BM_ASSERT_EQ_INT(d.n, 1);
    env_close(&e);
}

static void test_bad_input(void)
{
    env e;
    env_open(&e, "bad");
    const char bad[] = "date 2024-12-08\n\nclashes in Hajin \xC3\x28 on 7 August 2024.";
    bm_ingest_result r;
    bm_error err;
    BM_ASSERT_EQ_INT(ingest(&e, "bad.txt", bad, sizeof bad - 1, 0, &r, &err), BM_EPARSE);
    BM_ASSERT(strstr(err.msg, "UTF-8") != NULL);
    BM_ASSERT_EQ_INT(count(&e, "articles"), 0);

    bm_ingest_opts o;
    bm_ingest_opts_init(&o);
    o.published = "2024-13-01";
    const char *ok = "Heavy clashes erupted in Hajin yesterday.";
    BM_ASSERT_EQ_INT(bm_ingest_text(e.ig, "x.txt", ok, strlen(ok), &o, &r, &err), BM_EINVAL);
    o.published = "2024-08-08";
    BM_ASSERT_EQ_INT(bm_ingest_text(e.ig, "x.txt", ok, strlen(ok), &o, &r, &err), BM_OK);
    BM_ASSERT_EQ_STR(r.published_from, "option");
    BM_ASSERT_EQ_INT(r.n_new, 1);
    BM_ASSERT_EQ_INT(count(&e, "articles"), 1);
    env_close(&e);
}

/* The CLI reads a directory, keeps going past a bad file, says why, and
 * exits 1; a second run skips everything. */
static void test_cli(void)
{
    const char *dir = bm_test_tmpdir();
    char art[1100], db[1100], out[1100];
    snprintf(art, sizeof art, "%s/cli-articles", dir);
    snprintf(db, sizeof db, "%s/cli.sqlite", dir);
    snprintf(out, sizeof out, "%s/cli.err", dir);
    BM_REQUIRE(bm_test_system("mkdir -p '%s/sub' && cp '%s'/examples/articles/0[1-3]*.txt '%s/' "
                              "&& cp '%s'/examples/articles/05*.txt '%s/sub/' "
                              "&& printf 'x\\303\\050y' > '%s/zz-bad.txt' "
                              "&& cp '%s'/examples/articles/README.md '%s/'",
                              art, BM_TEST_SOURCE_DIR, art, BM_TEST_SOURCE_DIR, art, art,
                              BM_TEST_SOURCE_DIR, art) == 0);
    int rc = bm_test_system("'%s' --db '%s' ingest '%s' 2> '%s'", bm_test_binary(), db, art, out);
    BM_ASSERT_EQ_INT(rc, 1);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q 'zz-bad.txt: not UTF-8' '%s'", out), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '4 article(s) read' '%s'", out), 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '1 failed' '%s'", out), 0);
    BM_REQUIRE(bm_test_system("rm '%s/zz-bad.txt'", art) == 0);
    rc = bm_test_system("'%s' --db '%s' ingest '%s' 2> '%s'", bm_test_binary(), db, art, out);
    BM_ASSERT_EQ_INT(rc, 0);
    BM_ASSERT_EQ_INT(bm_test_system("grep -q '4 skipped, 0 failed' '%s'", out), 0);
    BM_ASSERT_EQ_INT(
        bm_test_system("'%s' ingest --published 2024-02-30 x 2>/dev/null", bm_test_binary()), 2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' ingest --help | grep -q 'Exit codes'", bm_test_binary()),
                     0);
}

/* An article's digest is the SHA-256 the store has always keyed it by
 * (GLib's, before libcrypto made it): any length, any bytes. */
static void test_digest(void)
{
    static const size_t lens[] = {0, 1, 3, 55, 56, 63, 64, 65, 1000, 1 << 20};
    char *buf = malloc(1 << 20);
    BM_REQUIRE(buf != NULL);
    for (size_t i = 0; i < (1u << 20); i++)
        buf[i] = (char)(i * 131 + (i >> 8));
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        char hex[65];
        BM_REQUIRE(bm__sha256_hex(buf, lens[k], hex) == 0);
        gchar *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)buf, lens[k]);
        BM_ASSERT_EQ_STR(hex, want);
        g_free(want);
    }
    char hex[65];
    BM_REQUIRE(bm__sha256_hex("abc", 3, hex) == 0);
    BM_ASSERT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(buf);
}

/* Articles longer than the 4 KB head, the bound falling at every byte of a word: the head
 * ends at a word's start, so the date line is found the same way wherever the cut is, and
 * an article whose head has no date has none. */
static int64_t pragma(bm_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(s), sql, -1, &st, NULL) == SQLITE_OK);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* While an ingest handle lives its store keeps a small page cache and maps
 * no file, so an ingest's memory does not grow with the database; the
 * store's own settings (bulk loads and scans want them) come back after. */
static void test_memory_settings(void)
{
    env e;
    env_open(&e, "memory");
    BM_ASSERT_EQ_INT(pragma(e.store, "PRAGMA mmap_size"), 0);
    int64_t cache = pragma(e.store, "PRAGMA cache_size");
    BM_ASSERT(cache < 0 && cache >= -16384);
    size_t len = 0;
    char *text = example("02-syrian-soldiers-qaim-crossing.ar.txt", &len);
    bm_ingest_result r;
    bm_error err;
    BM_ASSERT_EQ_INT(ingest(&e, "02-syrian-soldiers-qaim-crossing.ar.txt", text, len, 0, &r, &err),
                     BM_OK);
    BM_ASSERT_EQ_INT(pragma(e.store, "PRAGMA mmap_size"), 0);
    free(text);
    bm_ingest_free(e.ig);
    e.ig = NULL;
    BM_ASSERT(pragma(e.store, "PRAGMA mmap_size") > 0);
    BM_ASSERT(pragma(e.store, "PRAGMA cache_size") < cache);
    env_close(&e);
}

static void test_long_head(void)
{
    env e;
    env_open(&e, "longhead");
    const char *word = "الحدودية ";
    for (int pad = 0; pad < 18; pad++) {
        GString *g = g_string_new(pad % 2 ? "date 2025-03-07\n\n" : "\n\n");
        for (int k = 0; k < pad; k++)
            g_string_append_c(g, 'x');
        g_string_append_c(g, ' ');
        while (g->len < 5000)
            g_string_append(g, word);
        g_string_append(g, "\nأغلقت السلطات منفذ القائم يوم 6 آذار 2025.\n");
        char name[32];
        snprintf(name, sizeof name, "long%d.txt", pad);
        bm_ingest_result r;
        bm_error err;
        BM_ASSERT_EQ_INT(ingest(&e, name, g->str, g->len, 0, &r, &err), BM_OK);
        BM_ASSERT_EQ_STR(r.published, pad % 2 ? "2025-03-07" : "");
        BM_ASSERT_EQ_STR(r.published_from, pad % 2 ? "article" : "none");
        g_string_free(g, TRUE);
    }
    env_close(&e);
}

int main(void)
{
    test_digest();
    test_skip_and_force();
    test_rollback();
    test_batch();
    test_dedup();
    test_bom_crlf();
    test_long_head();
    test_memory_settings();
    test_bad_input();
    test_cli();
    bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_ingest");
}
