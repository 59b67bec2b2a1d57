/* test_store_template.c: new databases as copies of a template in $XDG_CACHE_HOME/bordermap:
 * the first creation builds and caches the template (miss), the next copies it (hit) and
 * both hold the same schema, places and names as a database created the ordinary way; an
 * existing file is never replaced; a flipped byte or a truncated entry is a miss that
 * rebuilds the entry; another tag is another entry; without a cache directory nothing is
 * created and the caller's ordinary path does it. Without a gazetteer (the CLI's way) the
 * entry is the same and a miss loads the files to build it. Through the CLI, a second
 * `ingest` into a new file reads the cache and stores the same incidents as the first. */
#include <sys/stat.h>
#include <unistd.h>

#include "bm_test.h"
#include "store_private.h"

static char g_cache[700];

static int count_entries(void)
{
    return bm_test_cache_entries(g_cache, "dbtemplate-");
}

static ino_t inode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

static void tmp_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", bm_test_tmpdir(), name);
}

/* What a new database must hold, read back through the store. */
typedef struct summary {
    int64_t version, places, names, tables, spatial;
    char fingerprint[128];
} summary;

static void summarize(const char *path, summary *s)
{
    memset(s, 0, sizeof *s);
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(path, 0, &st, &err) == BM_OK);
    s->version = bm_store_schema_version(st);
    s->places = bm_test_scalar(st, "SELECT count(*) FROM places");
    s->names = bm_test_scalar(st, "SELECT count(*) FROM place_names");
    s->tables = bm_test_scalar(st, "SELECT count(*) FROM sqlite_master");
    s->spatial = bm_test_scalar(st, "SELECT count(*) FROM geometry_columns");
    BM_REQUIRE(bm_store_meta_get(st, "gazetteer_fingerprint", s->fingerprint,
                                 sizeof s->fingerprint) == BM_OK);
    /* The copy is a working database: an incident goes in and comes back. */
    bm_incident inc;
    bm_incident_init(&inc);
    snprintf(inc.type, sizeof inc.type, "clash");
    BM_REQUIRE(bm_date_parse_iso("2025-03-01", &inc.date_start, &inc.date_end, &inc.date_precision,
                                 NULL) == BM_OK);
    inc.pt.lon = 41.0, inc.pt.lat = 34.4;
    inc.geo_precision = 1;
    inc.confidence = 0.5;
    BM_ASSERT_EQ_INT(bm_store_incident_add(st, &inc), BM_OK);
    BM_ASSERT_EQ_INT(bm_test_scalar(st, "SELECT count(*) FROM incidents"), 1);
    BM_ASSERT_EQ_INT(bm_test_scalar(st, "SELECT count(*) FROM idx_incidents_geom"), 1);
    bm_store_close(st);
}

static void same_summary(const summary *a, const summary *b)
{
    BM_ASSERT_EQ_INT(a->version, b->version);
    BM_ASSERT_EQ_INT(a->places, b->places);
    BM_ASSERT_EQ_INT(a->names, b->names);
    BM_ASSERT_EQ_INT(a->tables, b->tables);
    BM_ASSERT_EQ_INT(a->spatial, b->spatial);
    BM_ASSERT_EQ_STR(a->fingerprint, b->fingerprint);
}

/* The database the ordinary path creates: open, then the gazetteer synced. */
static void ordinary(const bm_gazetteer *g, const char *path)
{
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_store_open(path, 0, &st, &err) == BM_OK);
    BM_REQUIRE(bm_gazetteer_sync_store(g, st, &err) == BM_OK);
    bm_store_close(st);
}

static void flip_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    BM_REQUIRE(f);
    BM_REQUIRE(fseek(f, at, SEEK_SET) == 0);
    int c = fgetc(f);
    BM_REQUIRE(fseek(f, at, SEEK_SET) == 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void test_miss_hit_corrupt(const bm_gazetteer *g)
{
    char ref[900], a[900], b[900], c[900], d[900], entry[1000];
    tmp_path("ordinary.sqlite", ref, sizeof ref);
    tmp_path("a.sqlite", a, sizeof a);
    tmp_path("b.sqlite", b, sizeof b);
    tmp_path("c.sqlite", c, sizeof c);
    tmp_path("d.sqlite", d, sizeof d);
    ordinary(g, ref);
    summary want, got;
    summarize(ref, &want);
    BM_ASSERT(want.places > 0 && want.names > 0);

    int hit = -1;
    BM_ASSERT_EQ_INT(count_entries(), 0);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, a, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    BM_ASSERT_EQ_INT(count_entries(), 1);
    BM_REQUIRE(bm__gazetteer_template_path(g, entry, sizeof entry) == BM_OK);
    ino_t first = inode_of(entry);
    BM_ASSERT(first != 0);
    /* No temporary file is left beside the entry or the database. */
    BM_ASSERT_EQ_INT(
        bm_test_system("ls -a '%s/bordermap' '%s' | grep -q tmp-", g_cache, bm_test_tmpdir()) == 0,
        0);

    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, b, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 1);
    BM_ASSERT(inode_of(entry) == first); /* read, not rewritten */
    summarize(a, &got);
    same_summary(&got, &want);
    summarize(b, &got);
    same_summary(&got, &want);

    /* An existing database is never replaced, even by an identical copy. */
    ino_t ina = inode_of(a);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, a, &hit), BM_EEXIST);
    BM_ASSERT(inode_of(a) == ina);

    /* A flipped byte in the middle: a miss, the entry rebuilt. */
    struct stat sb;
    BM_REQUIRE(stat(entry, &sb) == 0);
    flip_byte(entry, (long)sb.st_size / 2);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, c, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    BM_ASSERT(inode_of(entry) != first);
    summarize(c, &got);
    same_summary(&got, &want);

    /* A partial entry (a crash while writing it elsewhere): a miss too. */
    BM_REQUIRE(truncate(entry, sb.st_size / 3) == 0);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, d, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    summarize(d, &got);
    same_summary(&got, &want);
    BM_ASSERT_EQ_INT(count_entries(), 1);

    /* A damaged checksum (the entry's last byte) or first page: a miss as well. */
    char e1[900], e2[900];
    tmp_path("e1.sqlite", e1, sizeof e1);
    tmp_path("e2.sqlite", e2, sizeof e2);
    BM_REQUIRE(stat(entry, &sb) == 0);
    flip_byte(entry, (long)sb.st_size - 1);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, e1, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    flip_byte(entry, 40);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, e2, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    summarize(e2, &got);
    same_summary(&got, &want);
}

static void test_other_tag(void)
{
    /* Another tag (another gazetteer) is another entry; nothing fills this one. */
    char path[900], e1[1000], e2[1000];
    tmp_path("bare.sqlite", path, sizeof path);
    int hit = -1;
    BM_ASSERT_EQ_INT(bm__store_create_from_template(path, "another tag", NULL, NULL, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    BM_ASSERT_EQ_INT(count_entries(), 2);
    BM_REQUIRE(bm__store_template_path("another tag", e1, sizeof e1) == BM_OK);
    BM_REQUIRE(bm__store_template_path("yet another", e2, sizeof e2) == BM_OK);
    BM_ASSERT(strcmp(e1, e2) != 0);
    bm_store *st = NULL;
    BM_REQUIRE(bm_store_open(path, 0, &st, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(bm_store_schema_version(st), BM_SCHEMA_VERSION);
    BM_ASSERT_EQ_INT(bm_test_scalar(st, "SELECT count(*) FROM places"), 0);
    bm_store_close(st);
}

static void test_no_cache_directory(const bm_gazetteer *g)
{
    char path[900], keep[700];
    tmp_path("nocache.sqlite", path, sizeof path);
    snprintf(keep, sizeof keep, "%s", getenv("HOME") ? getenv("HOME") : "");
    unsetenv("HOME");
    setenv("XDG_CACHE_HOME", "relative/not/allowed", 1);
    BM_ASSERT(bm__gazetteer_store_create(g, path, NULL) != BM_OK);
    BM_ASSERT(access(path, F_OK) != 0);
    BM_ASSERT(access("relative", F_OK) != 0);
    if (keep[0])
        setenv("HOME", keep, 1);
    setenv("XDG_CACHE_HOME", g_cache, 1);
}

static void test_without_gazetteer(const bm_gazetteer *g)
{
    /* The CLI passes no gazetteer: the tag comes from the files' sizes and times, names the
     * same entry as the loaded gazetteer's, and a miss loads the files to fill it. */
    char ref[900], e[900], f[900], entry[1000], lazy[1000];
    tmp_path("ordinary2.sqlite", ref, sizeof ref);
    tmp_path("e.sqlite", e, sizeof e);
    tmp_path("f.sqlite", f, sizeof f);
    BM_REQUIRE(bm__gazetteer_template_path(g, entry, sizeof entry) == BM_OK);
    BM_REQUIRE(bm__gazetteer_template_path(NULL, lazy, sizeof lazy) == BM_OK);
    BM_ASSERT_EQ_STR(lazy, entry);
    ordinary(g, ref);
    summary want, got;
    summarize(ref, &want);
    BM_REQUIRE(unlink(entry) == 0);
    int hit = -1;
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(NULL, e, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 0);
    BM_ASSERT(inode_of(entry) != 0);
    BM_ASSERT_EQ_INT(bm__gazetteer_store_create(g, f, &hit), BM_OK);
    BM_ASSERT_EQ_INT(hit, 1);
    summarize(e, &got);
    same_summary(&got, &want);
    summarize(f, &got);
    same_summary(&got, &want);
}

static void test_cli_ingest(const char *entry)
{
    /* The CLI's tag is the library's for the same gazetteer: two ingests into new files
     * both read the entry (a rewrite would rename a new file over it) and store the same. */
    const char *dir = bm_test_tmpdir();
    ino_t before = inode_of(entry);
    BM_REQUIRE(before != 0);
    BM_REQUIRE(bm_test_system("mkdir -p '%s/arts' && printf '%%s\\n' "
                              "'BAGHDAD, March 3, 2025 - Clashes broke out near Al-Qaim on "
                              "Monday, officials said.' > '%s/arts/one.txt'",
                              dir, dir) == 0);
    for (int i = 0; i < 2; i++)
        BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s/cli%d.sqlite' ingest '%s/arts' "
                                        "> /dev/null",
                                        bm_test_binary(), dir, i, dir),
                         0);
    BM_ASSERT(inode_of(entry) == before);
    BM_ASSERT_EQ_INT(count_entries(), 2);
    char p0[900], p1[900];
    snprintf(p0, sizeof p0, "%s/cli0.sqlite", dir);
    snprintf(p1, sizeof p1, "%s/cli1.sqlite", dir);
    bm_store *s0 = NULL, *s1 = NULL;
    BM_REQUIRE(bm_store_open(p0, 0, &s0, NULL) == BM_OK);
    BM_REQUIRE(bm_store_open(p1, 0, &s1, NULL) == BM_OK);
    const char *q[] = {"SELECT count(*) FROM incidents", "SELECT count(*) FROM articles",
                       "SELECT count(*) FROM places", "SELECT count(*) FROM place_names"};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        BM_ASSERT_EQ_INT(bm_test_scalar(s0, q[i]), bm_test_scalar(s1, q[i]));
    BM_ASSERT(bm_test_scalar(s1, "SELECT count(*) FROM places") > 0);
    bm_store_close(s0);
    bm_store_close(s1);
}

int main(void)
{
    snprintf(g_cache, sizeof g_cache, "%s/cache", bm_test_tmpdir());
    setenv("XDG_CACHE_HOME", g_cache, 1);
    bm_gazetteer *g = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_gazetteer_load(&g, &err) == BM_OK);
    test_miss_hit_corrupt(g);
    test_other_tag();
    test_no_cache_directory(g);
    test_without_gazetteer(g);
    char entry[1000];
    BM_REQUIRE(bm__gazetteer_template_path(g, entry, sizeof entry) == BM_OK);
    bm_gazetteer_free(g);
    test_cli_ingest(entry);
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_store_template");
}
