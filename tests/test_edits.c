/* test_edits.c: the corrections API (edits.h): schema version 4 reached from
 * every earlier version with identity keys backfilled, edit/merge/split with
 * their history rows, the author fallback, team places and aliases, and
 * re-ingest through the library keeping ids and corrections. The CLI flow is
 * tests/check_corrections.sh. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"
#include "store_private.h"

static char path_buf[512];

static const char *tmp_path(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", bm_test_tmpdir(), name);
    return path_buf;
}

static bm_store *open_at(const char *path, int version)
{
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm__store_open_at(path, 0, version, &s, &err);
    if (rc != BM_OK)
        fprintf(stderr, "open %s: %s\n", path, bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK && s);
    return s;
}

static int64_t count(bm_store *s, const char *sql)
{
    sqlite3_stmt *st;
    BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(s), sql, -1, &st, NULL) == SQLITE_OK);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

static int64_t add_incident(bm_store *s, const char *type, const char *place, double lon)
{
    bm_incident inc;
    bm_incident_init(&inc);
    inc.date_start = inc.date_end = (bm_date){2025, 3, 5};
    snprintf(inc.type, sizeof inc.type, "%s", type);
    snprintf(inc.place_id, sizeof inc.place_id, "%s", place);
    inc.pt = (bm_lonlat){lon, 34.0};
    snprintf(inc.summary, sizeof inc.summary, "%s at %s", type, place);
    BM_REQUIRE(bm_store_incident_add(s, &inc) == BM_OK);
    return inc.id;
}

/* An incident as a schema of version v had it: the current insert names
 * columns that later versions add. */
static int64_t add_incident_v(bm_store *s, int v, const char *type, const char *place,
                              double lon)
{
    if (v >= BM_SCHEMA_VERSION)
        return add_incident(s, type, place, lon);
    sqlite3_stmt *st;
    BM_REQUIRE(sqlite3_prepare_v2(bm__store_db(s),
                                  "INSERT INTO incidents(date_start, date_end, date_precision, "
                                  "type, place_id, geo_precision, confidence, geom, created_at) "
                                  "VALUES ('2025-03-05', '2025-03-05', 'day', ?1, ?2, 1, 0.5, "
                                  "MakePoint(?3, 34.0, 4326), '2025-03-05T00:00:00Z')",
                                  -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, place, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, lon);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fprintf(stderr, "v%d insert: %s\n", v, sqlite3_errmsg(bm__store_db(s)));
    sqlite3_finalize(st);
    BM_REQUIRE(rc == SQLITE_DONE);
    return sqlite3_last_insert_rowid(bm__store_db(s));
}

static void add_source(bm_store *s, int64_t incident, int64_t article, int64_t start)
{
    bm_source src = {.incident_id = incident,
                     .article_id = article,
                     .byte_start = start,
                     .byte_end = start + 40,
                     .sentence = "a sentence"};
    BM_REQUIRE(bm_store_source_add(s, &src) == BM_OK);
}

static int64_t add_article(bm_store *s, const char *sha)
{
    bm_article a = {0};
    snprintf(a.sha256, sizeof a.sha256, "%s", sha);
    a.file_name = "article.txt";
    BM_REQUIRE(bm_store_article_add(s, &a) == BM_OK);
    return a.id;
}

/* A database made at every earlier version migrates to the current one; the
 * incidents extracted before version 4 get their identity keys. */
static void test_migration_from_every_version(void)
{
    for (int v = 1; v < BM_SCHEMA_VERSION; v++) {
        char name[32];
        snprintf(name, sizeof name, "v%d.sqlite", v);
        const char *path = tmp_path(name);
        bm_store *s = open_at(path, v);
        BM_ASSERT_EQ_INT(bm_store_schema_version(s), v);
        if (v >= 2) {
            int64_t a = add_article(s, "ab12");
            add_source(s, add_incident_v(s, v, "clash", "rutba", 40.3), a, 10);
            add_source(s, add_incident_v(s, v, "attack", "", 41.5), a, 100);
        }
        bm_store_close(s);
        s = open_at(path, BM_SCHEMA_VERSION);
        BM_ASSERT_EQ_INT(bm_store_schema_version(s), BM_SCHEMA_VERSION);
        BM_ASSERT_EQ_INT(count(s, "SELECT count(*) FROM incident_edits"), 0);
        BM_ASSERT_EQ_INT(count(s, "SELECT count(*) FROM team_places"), 0);
        /* keys are made by the migration to 4 for what was extracted before it;
         * a later database's keys come from ingest */
        if (v >= 2 && v < 4) {
            BM_ASSERT_EQ_INT(count(s, "SELECT count(*) FROM incident_keys WHERE sha256 = 'ab12' "
                                      "AND place_key = 'rutba' AND byte_start = 10"),
                             1);
            BM_ASSERT_EQ_INT(count(s, "SELECT count(*) FROM incident_keys WHERE "
                                      "place_key = 'pt:41.5000,34.0000'"),
                             1);
        }
        bm_store_close(s);
    }
}

typedef struct hist {
    char text[4096];
    size_t n;
} hist;

static int hist_cb(const bm_edit_record *r, void *user)
{
    hist *h = user;
    size_t len = strlen(h->text);
    snprintf(h->text + len, sizeof h->text - len, "%lld|%s|%s|%s|%s|%s\n",
             (long long)r->incident_id, r->action, r->field ? r->field : "-",
             r->old_value ? r->old_value : "-", r->new_value ? r->new_value : "-", r->author);
    h->n++;
    return 0;
}

static void test_edit_merge_split(void)
{
    bm_store *s = open_at(tmp_path("edits.sqlite"), BM_SCHEMA_VERSION);
    bm_place p = {.id = "rutba",
                  .name_en = "Rutba",
                  .kind = "town",
                  .population = -1,
                  .pt = {40.2859, 33.0372}};
    BM_REQUIRE(bm_store_place_put(s, &p) == BM_OK);
    int64_t art = add_article(s, "cd34");
    int64_t a = add_incident(s, "clash", "", 40.0), b = add_incident(s, "clash", "", 40.01);
    add_source(s, a, art, 0);
    add_source(s, b, art, 50);
    add_source(s, b, art, 90);

    bm_error err;
    bm_error_clear(&err);
    bm_incident_change c;
    bm_incident_change_init(&c);
    c.place_id = "rutba";
    c.has_fatalities = 1;
    c.fatalities = 2;
    c.note = "per the wire";
    int n = 0;
    BM_ASSERT_EQ_INT(bm_edit_incident(s, a, &c, "alice", &n, &err), BM_OK);
    BM_ASSERT_EQ_INT(n, 4); /* place, location, fatalities, note */
    bm_incident inc;
    BM_REQUIRE(bm_store_incident_get(s, a, &inc) == BM_OK);
    BM_ASSERT_EQ_STR(inc.place_id, "rutba");
    BM_ASSERT_NEAR(inc.pt.lon, 40.2859, 1e-9);
    BM_ASSERT_EQ_INT(inc.fatalities, 2);
    bm_incident_state st;
    BM_REQUIRE(bm_edit_state(s, a, &st, &err) == BM_OK);
    BM_ASSERT(st.edited);
    BM_ASSERT_EQ_STR(st.note, "per the wire");
    /* the same change again changes nothing and records nothing */
    BM_ASSERT_EQ_INT(bm_edit_incident(s, a, &c, "alice", &n, &err), BM_OK);
    BM_ASSERT_EQ_INT(n, 0);
    /* a bad value changes nothing either */
    bm_incident_change bad;
    bm_incident_change_init(&bad);
    bad.type = "picnic";
    BM_ASSERT_EQ_INT(bm_edit_incident(s, a, &bad, "alice", &n, &err), BM_EINVAL);
    bad.type = NULL;
    bad.place_id = "nowhere";
    BM_ASSERT_EQ_INT(bm_edit_incident(s, a, &bad, "alice", &n, &err), BM_ENOTFOUND);

    int64_t new_id = 0;
    BM_ASSERT_EQ_INT(bm_edit_split(s, b, 2, "bob", &new_id, &err), BM_OK);
    BM_ASSERT(new_id > b);
    BM_REQUIRE(bm_store_incident_get(s, new_id, &inc) == BM_OK);
    BM_ASSERT_EQ_INT(inc.n_sources, 1);
    BM_ASSERT_EQ_INT(bm_edit_split(s, new_id, 1, "bob", &new_id, &err), BM_EINVAL);

    int64_t others[] = {b};
    BM_ASSERT_EQ_INT(bm_edit_merge(s, a, others, 1, "carol", &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, b, &inc), BM_ENOTFOUND);
    int64_t into = 0;
    BM_ASSERT_EQ_INT(bm_edit_merged_into(s, b, &into, &err), BM_OK);
    BM_ASSERT_EQ_INT(into, a);
    BM_REQUIRE(bm_store_incident_get(s, a, &inc) == BM_OK);
    BM_ASSERT_EQ_INT(inc.n_sources, 2);
    BM_ASSERT_EQ_INT(bm_edit_merge(s, a, others, 1, "carol", &err), BM_ENOTFOUND);

    hist h = {"", 0};
    BM_ASSERT_EQ_INT(bm_edit_history(s, a, hist_cb, &h, &err), BM_OK);
    const char *want = "|edit|place|-|rutba|alice\n";
    BM_ASSERT(strstr(h.text, want) != NULL);
    BM_ASSERT(strstr(h.text, "|edit|fatalities|not stated|2|alice\n") != NULL);
    BM_ASSERT(strstr(h.text, "|split|source|") != NULL); /* b's rows come with the merge */
    BM_ASSERT(strstr(h.text, "|merge|incident|") != NULL);
    BM_ASSERT_EQ_INT(h.n, 7); /* 4 edits, split, merge, merged-into */

    /* ids are never given twice, even the highest one after its deletion */
    int64_t last = add_incident(s, "other", "", 40.5);
    BM_ASSERT_EQ_INT(bm_edit_delete(s, last, "dana", &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_incident_get(s, last, &inc), BM_ENOTFOUND);
    BM_ASSERT(add_incident(s, "other", "", 40.5) == last + 1);
    h.text[0] = '\0';
    h.n = 0;
    BM_ASSERT_EQ_INT(bm_edit_history(s, last, hist_cb, &h, &err), BM_OK);
    BM_ASSERT(strstr(h.text, "|delete|incident|other at a point, ") != NULL);
    bm_store_close(s);
}

static void test_author_fallback(void)
{
    char buf[128];
    BM_ASSERT_EQ_STR(bm_edit_author("dana", buf, sizeof buf), "dana");
    char *saved = getenv("USER") ? strdup(getenv("USER")) : NULL;
    setenv("USER", "erin", 1);
    BM_ASSERT_EQ_STR(bm_edit_author(NULL, buf, sizeof buf), "erin");
    unsetenv("USER");
    bm_edit_author("", buf, sizeof buf);
    BM_ASSERT(buf[0] != '\0' && strcmp(buf, "erin") != 0);
    if (saved) {
        setenv("USER", saved, 1);
        free(saved);
    }
}

static void test_team_places(void)
{
    bm_store *s = open_at(tmp_path("team.sqlite"), BM_SCHEMA_VERSION);
    bm_error err;
    bm_error_clear(&err);
    bm_place p = {.id = "fooville",
                  .name_en = "Fooville",
                  .kind = "town",
                  .country = "IQ",
                  .population = -1,
                  .pt = {40.9, 34.4}};
    BM_ASSERT_EQ_INT(bm_team_place_add(s, &p, "dana", &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_team_place_add(s, &p, "dana", &err), BM_EEXIST);
    BM_ASSERT_EQ_INT(bm_team_alias_add(s, "fooville", "Fuville", "en", NULL, &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_team_alias_add(s, "fooville", "Fuville", "en", NULL, &err), BM_EEXIST);
    BM_ASSERT_EQ_INT(bm_team_alias_add(s, "nowhere", "Nowhere", "en", NULL, &err), BM_ENOTFOUND);
    bm_gazetteer *g = NULL;
    BM_REQUIRE(bm_gazetteer_load(&g, &err) == BM_OK);
    BM_ASSERT_EQ_INT(bm_gazetteer_add_store_places(g, s, &err), BM_OK);
    const bm_gplace *gp = bm_gazetteer_get(g, "fooville");
    BM_REQUIRE(gp != NULL);
    BM_ASSERT_EQ_STR(gp->source, "team");
    const char *text = "Clashes near Fuville and in Fooville.";
    bm_place_mention *m = NULL;
    size_t n = 0;
    BM_ASSERT_EQ_INT(bm_gazetteer_find(g, text, strlen(text), &m, &n, &err), BM_OK);
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += strcmp(m[i].place->id, "fooville") == 0;
    BM_ASSERT_EQ_INT(hits, 2);
    free(m);
    bm_gazetteer_free(g);
    bm_store_close(s);
}

/* Through the library: a re-ingest keeps ids, and an edited incident keeps
 * its fields while an unedited one is refreshed. */
static void test_reingest_keeps_ids(void)
{
    bm_store *s = open_at(tmp_path("ingest.sqlite"), BM_SCHEMA_VERSION);
    bm_error err;
    bm_error_clear(&err);
    bm_ingest *ig = NULL;
    BM_REQUIRE(bm_ingest_new(s, &ig, &err) == BM_OK);
    const char *text = "A US airstrike hit a convoy in al-Qaim on 4 March 2025.\n\n"
                       "Iraqi forces clashed with smugglers in Rutba and Sinjar on 5 March 2025.\n";
    bm_ingest_opts o;
    bm_ingest_opts_init(&o);
    o.published = "2025-03-06";
    bm_ingest_result r;
    BM_REQUIRE(bm_ingest_text(ig, "t.txt", text, strlen(text), &o, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.n_new, 3);
    bm_incident_change c;
    bm_incident_change_init(&c);
    c.summary = "corrected";
    BM_ASSERT_EQ_INT(bm_edit_incident(s, 2, &c, "alice", NULL, &err), BM_OK);
    /* someone rewrites an unedited incident by hand: re-extraction restores it */
    BM_REQUIRE(sqlite3_exec(bm__store_db(s), "UPDATE incidents SET summary = 'x' WHERE id = 3",
                            NULL, NULL, NULL) == SQLITE_OK);
    o.force = 1;
    BM_REQUIRE(bm_ingest_text(ig, "t.txt", text, strlen(text), &o, &r, &err) == BM_OK);
    BM_ASSERT_EQ_INT(r.status, BM_INGEST_REPLACED);
    BM_ASSERT_EQ_INT(r.n_new, 0);
    BM_ASSERT_EQ_INT(r.n_kept, 3);
    bm_incident inc;
    BM_REQUIRE(bm_store_incident_get(s, 2, &inc) == BM_OK);
    BM_ASSERT_EQ_STR(inc.summary, "corrected");
    BM_REQUIRE(bm_store_incident_get(s, 3, &inc) == BM_OK);
    BM_ASSERT(strcmp(inc.summary, "x") != 0);
    BM_ASSERT_EQ_INT(inc.n_sources, 1);
    int64_t total = 0;
    BM_REQUIRE(bm_store_count(s, NULL, &total) == BM_OK);
    BM_ASSERT_EQ_INT(total, 3);
    bm_ingest_free(ig);
    bm_store_close(s);
}

int main(void)
{
    test_migration_from_every_version();
    test_edit_merge_split();
    test_author_fallback();
    test_team_places();
    test_reingest_keeps_ids();
    int rc = bm_test_finish("test_edits");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}
