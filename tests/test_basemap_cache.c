/* test_basemap_cache.c: the projected-basemap cache in $XDG_CACHE_HOME/bordermap: an entry
 * round-trips; a flipped byte, a truncated (partial) entry and another key are misses; a
 * map's first render writes an entry (miss) that the second reads without rewriting (hit)
 * and draws the same pixels; a corrupt entry is ignored, the map still drawn the same, and
 * the entry replaced; another page size or style is another key.
 * Never trusts the renderer's word for a hit: entries are told apart by their inode (a
 * rewrite renames a new file over the old one). */
#include <sys/stat.h>
#include <unistd.h>

#include "bm_test.h"
#include "render_private.h"

static char g_cache[700];

static int count_entries(void)
{
    return bm_test_cache_entries(g_cache, "basemap-");
}

/* The only entry's path (there must be exactly one newest: the caller says which). */
static void newest_entry(char *buf, size_t size)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls -t '%s/bordermap'/basemap-*.bin | head -1", g_cache);
    FILE *p = popen(cmd, "r");
    BM_REQUIRE(p && fgets(buf, (int)size, p));
    pclose(p);
    buf[strcspn(buf, "\n")] = 0;
}

static ino_t inode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

static void render(const char *name, int w, int h, const char *style, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", bm_test_tmpdir(), name);
    bm_render_opts o;
    bm_render_opts_init(&o);
    BM_REQUIRE(bm_render_opts_set_pixels(&o, w, h) == BM_OK);
    o.style_path = style;
    bm_renderer *r = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_renderer_new(&o, &r, &err) == BM_OK);
    bm_render_frame f = {0};
    int rc = bm_renderer_write(r, &f, out, 1, &err);
    if (rc != BM_OK)
        fprintf(stderr, "render %s: %s\n", name, bm_error_text(&err));
    BM_REQUIRE(rc == BM_OK);
    bm_renderer_free(r);
}

static int same_file(const char *a, const char *b)
{
    return bm_test_system("cmp -s '%s' '%s'", a, b) == 0;
}

/* ---- The entry format ------------------------------------------------------------------- */

static void fill_entry(bm__bcache_entry *e)
{
    memset(e, 0, sizeof *e);
    e->view_k = 0.25;
    double box[4] = {34, 29.5, 47, 39.5};
    memcpy(e->load_box, box, sizeof box);
    memcpy(e->bm.corridor, box, sizeof box);
    e->bm.rivers.n = 1;
    e->bm.rivers.f = calloc(1, sizeof(bm__feature));
    bm__feature *f = e->bm.rivers.f;
    f->n_parts = 2, f->n_points = 3, f->level = 1;
    f->part_len = malloc(2 * sizeof(int));
    f->part_len[0] = 2, f->part_len[1] = 1;
    f->xy = malloc(6 * sizeof(double));
    for (int i = 0; i < 6; i++)
        f->xy[i] = 1000.5 * i;
    snprintf(f->name_en, sizeof f->name_en, "Euphrates");
    snprintf(f->name_ar, sizeof f->name_ar, "الفرات");
}

static void test_entry_round_trip_and_corruption(void)
{
    bm__bcache_key *k = NULL, *k2 = NULL;
    BM_REQUIRE(bm__bcache_key_make(NULL, NULL, NULL, "a", 1, &k) == BM_OK);
    BM_REQUIRE(bm__bcache_key_make(NULL, NULL, NULL, "b", 1, &k2) == BM_OK);
    char p1[4200], p2[4200];
    BM_REQUIRE(bm__bcache_path(k, p1, sizeof p1) == BM_OK);
    BM_REQUIRE(bm__bcache_path(k2, p2, sizeof p2) == BM_OK);
    BM_ASSERT(strcmp(p1, p2) != 0); /* other parameters, another entry */

    bm__bcache_entry e, got;
    fill_entry(&e);
    BM_ASSERT_EQ_INT(bm__bcache_load(k, &got), BM_ENOTFOUND); /* miss: nothing written yet */
    BM_REQUIRE(bm__bcache_store(k, &e) == BM_OK);
    BM_REQUIRE(bm__bcache_load(k, &got) == BM_OK);
    BM_ASSERT_EQ_INT((int)got.bm.rivers.n, 1);
    BM_ASSERT_EQ_INT(got.bm.rivers.f[0].n_points, 3);
    BM_ASSERT_EQ_INT(got.bm.rivers.f[0].part_len[1], 1);
    BM_ASSERT(got.bm.rivers.f[0].xy[5] == 5002.5);
    BM_ASSERT_EQ_STR(got.bm.rivers.f[0].name_ar, "الفرات");
    BM_ASSERT(got.view_k == 0.25 && got.load_box[3] == 39.5 && got.bm.corridor[0] == 34);
    BM_ASSERT_EQ_INT((int)got.bm.countries.n, 0);
    bm__bcache_entry_free(&got);
    /* The entry is k's: another key does not read it. */
    BM_ASSERT_EQ_INT(bm__bcache_load(k2, &got), BM_ENOTFOUND);

    /* A flipped byte in the middle of the coordinates. */
    BM_REQUIRE(bm_test_system("printf 'Z' | dd of='%s' bs=1 seek=200 conv=notrunc status=none",
                              p1) == 0);
    BM_ASSERT_EQ_INT(bm__bcache_load(k, &got), BM_ENOTFOUND);
    /* Partial: an entry cut short (a crash before the rename cannot leave one, a full disk
     * or a copy might). */
    BM_REQUIRE(bm__bcache_store(k, &e) == BM_OK);
    BM_REQUIRE(bm_test_system("truncate -s 150 '%s'", p1) == 0);
    BM_ASSERT_EQ_INT(bm__bcache_load(k, &got), BM_ENOTFOUND);
    BM_REQUIRE(bm_test_system("truncate -s 0 '%s'", p1) == 0);
    BM_ASSERT_EQ_INT(bm__bcache_load(k, &got), BM_ENOTFOUND);
    bm__bcache_entry_free(&e);
    unlink(p1);
    bm__bcache_key_free(k);
    bm__bcache_key_free(k2);
}

/* ---- Through the renderer --------------------------------------------------------------- */

static void test_render_miss_hit_corrupt(void)
{
    char a[900], b[900], c[900], entry[900];
    BM_ASSERT_EQ_INT(count_entries(), 0);
    render("miss.png", 640, 480, NULL, a, sizeof a); /* miss: writes the entry */
    BM_ASSERT_EQ_INT(count_entries(), 1);
    newest_entry(entry, sizeof entry);
    ino_t ino = inode_of(entry);
    BM_REQUIRE(ino != 0);

    render("hit.png", 640, 480, NULL, b, sizeof b); /* hit: reads it, writes nothing */
    BM_ASSERT_EQ_INT(count_entries(), 1);
    BM_ASSERT(inode_of(entry) == ino);
    BM_ASSERT(same_file(a, b));

    /* Corrupt: ignored (the same map drawn from the basemap) and replaced. */
    BM_REQUIRE(bm_test_system("printf 'XXXX' | dd of='%s' bs=1 seek=5000 conv=notrunc "
                              "status=none",
                              entry) == 0);
    render("corrupt.png", 640, 480, NULL, c, sizeof c);
    BM_ASSERT(same_file(a, c));
    BM_ASSERT_EQ_INT(count_entries(), 1);
    BM_ASSERT(inode_of(entry) != ino);
    /* Partial: likewise. */
    BM_REQUIRE(bm_test_system("truncate -s 1000 '%s'", entry) == 0);
    render("partial.png", 640, 480, NULL, c, sizeof c);
    BM_ASSERT(same_file(a, c));
    ino = inode_of(entry);
    render("hit2.png", 640, 480, NULL, c, sizeof c);
    BM_ASSERT(inode_of(entry) == ino); /* the replacement is a good entry: a hit */

    /* Key change: another page size, another style. */
    render("size.png", 800, 600, NULL, c, sizeof c);
    BM_ASSERT_EQ_INT(count_entries(), 2);
    char style[900], src[1024];
    bm_error err;
    BM_REQUIRE(bm_data_path("maps/style.ini", src, sizeof src, &err) == BM_OK);
    snprintf(style, sizeof style, "%s/style.ini", bm_test_tmpdir());
    BM_REQUIRE(bm_test_system("cp '%s' '%s' && echo '# another style' >> '%s'", src, style,
                              style) == 0);
    render("style.png", 640, 480, style, c, sizeof c);
    BM_ASSERT_EQ_INT(count_entries(), 3);
    BM_ASSERT(same_file(a, c)); /* a comment changes the key, not the map */
}

static void test_no_cache_directory(void)
{
    /* Neither variable usable: no cache, the map still drawn. */
    char a[900], keep[700];
    snprintf(keep, sizeof keep, "%s", getenv("HOME") ? getenv("HOME") : "");
    unsetenv("HOME");
    setenv("XDG_CACHE_HOME", "relative/not/allowed", 1);
    render("nocache.png", 640, 480, NULL, a, sizeof a);
    BM_ASSERT(access("relative", F_OK) != 0);
    if (keep[0])
        setenv("HOME", keep, 1);
    setenv("XDG_CACHE_HOME", g_cache, 1);
}

int main(void)
{
    snprintf(g_cache, sizeof g_cache, "%s/cache", bm_test_tmpdir());
    setenv("XDG_CACHE_HOME", g_cache, 1);
    test_entry_round_trip_and_corruption();
    test_render_miss_hit_corrupt();
    test_no_cache_directory();
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_basemap_cache");
}
