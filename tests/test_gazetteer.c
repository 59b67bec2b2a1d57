/* test_gazetteer.c: the matcher against tests/data/place-cases.tsv (each
 * surface must resolve to its place, or to nothing), plus search, names,
 * keys, the store sync and user-imported places. Runs on the real gazetteer. */
#include <unistd.h>

#include "bm_test.h"

static bm_gazetteer *gz;

/* ---- the case table ----------------------------------------------------- */

static void check_case(const char *sentence, const char *surface, const char *expect,
                       const char *note, int line)
{
    const char *at = strstr(sentence, surface);
    if (!at) {
        BM_FAIL_AT("place-cases.tsv:%d: surface '%s' is not in the sentence", line, surface);
        return;
    }
    size_t off = (size_t)(at - sentence), end = off + strlen(surface);
    bm_place_mention *m = NULL;
    size_t n = 0;
    bm_error err;
    bm_error_clear(&err);
    if (bm_gazetteer_find(gz, sentence, strlen(sentence), &m, &n, &err) != BM_OK) {
        BM_FAIL_AT("place-cases.tsv:%d: find failed: %s", line, bm_error_text(&err));
        return;
    }
    const bm_place_mention *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (m[i].start < end && m[i].end > off)
            hit = &m[i];
    if (!strcmp(expect, "-")) {
        if (hit)
            BM_FAIL_AT("place-cases.tsv:%d: '%s' resolved to %s (%s), want nothing [%s]", line,
                       surface, hit->place->id, hit->reason, note);
    } else if (!hit) {
        BM_FAIL_AT("place-cases.tsv:%d: '%s' not found, want %s [%s]", line, surface, expect, note);
    } else if (strcmp(hit->place->id, expect) != 0) {
        BM_FAIL_AT("place-cases.tsv:%d: '%s' resolved to %s (%s), want %s [%s]", line, surface,
                   hit->place->id, hit->reason, expect, note);
    } else if (hit->start != off || hit->end != end) {
        BM_FAIL_AT("place-cases.tsv:%d: '%s' found as bytes %zu..%zu, want %zu..%zu", line, surface,
                   hit->start, hit->end, off, end);
    } else if (!(hit->confidence > 0 && hit->confidence <= 1) || !hit->reason[0]) {
        BM_FAIL_AT("place-cases.tsv:%d: '%s' has confidence %g, reason '%s'", line, surface,
                   hit->confidence, hit->reason);
    }
    free(m);
}

static void test_cases(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/place-cases.tsv", BM_TEST_SOURCE_DIR);
    FILE *fp = fopen(path, "r");
    BM_REQUIRE(fp != NULL);
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, header = 0, cases = 0, negatives = 0;
    while (getline(&line, &cap, fp) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        if (!header++)
            continue;
        char *f[4] = {0};
        char *save = NULL;
        f[0] = strtok_r(line, "\t", &save);
        for (int i = 1; i < 4; i++)
            f[i] = strtok_r(NULL, "\t", &save);
        if (!f[0] || !f[1] || !f[2]) {
            BM_FAIL_AT("place-cases.tsv:%d: needs sentence, surface, expect", lineno);
            continue;
        }
        check_case(f[0], f[1], f[2], f[3] ? f[3] : "", lineno);
        cases++;
        negatives += !strcmp(f[2], "-");
    }
    free(line);
    fclose(fp);
    /* the table is the test: it must not silently shrink */
    BM_ASSERT(cases >= 120);
    BM_ASSERT(negatives >= 35);
}

/* ---- offsets, order, and a long text ------------------------------------------ */

static void test_order_and_offsets(void)
{
    const char *s = "من البوكمال إلى القائم ثم إلى مدينة الرطبة، وبعدها Deir ez-Zor.";
    bm_place_mention *m;
    size_t n;
    BM_REQUIRE(bm_gazetteer_find(gz, s, strlen(s), &m, &n, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(n, 4);
    for (size_t i = 1; i < n; i++)
        BM_ASSERT(m[i].start > m[i - 1].start);
    if (n == 4) {
        BM_ASSERT_EQ_STR(m[0].place->id, "abu-kamal");
        BM_ASSERT_EQ_STR(m[1].place->id, "al-qaim");
        BM_ASSERT_EQ_STR(m[3].place->id, "deir-ez-zor");
        BM_ASSERT(strncmp(s + m[3].start, "Deir ez-Zor", m[3].end - m[3].start) == 0);
    }
    free(m);
    /* empty input and text without places */
    BM_ASSERT(bm_gazetteer_find(gz, "", 0, &m, &n, NULL) == BM_OK && n == 0);
    free(m);
    const char *none = "لم يحدث شيء يذكر اليوم.";
    BM_ASSERT(bm_gazetteer_find(gz, none, strlen(none), &m, &n, NULL) == BM_OK && n == 0);
    free(m);
}

/* ---- a finder read again and again ------------------------------------------------ */

/* Same mentions as a fresh bm_gazetteer_find of the same text? */
static void check_same(bm_place_finder *f, const char *s, const bm_place_mention *want,
                       size_t nwant, const char *what)
{
    const bm_place_mention *m;
    size_t n;
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_place_finder_run(f, s, strlen(s), &m, &n, &err) == BM_OK);
    if (n != nwant) {
        BM_FAIL_AT("%s: %zu mentions, a fresh finder %zu", what, n, nwant);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (m[i].start != want[i].start || m[i].end != want[i].end ||
            strcmp(m[i].place->id, want[i].place->id) != 0)
            BM_FAIL_AT("%s: mention %zu is %s, a fresh finder's %s", what, i, m[i].place->id,
                       want[i].place->id);
}

/* Words made of Arabic letters from a counter: none is a name; long, so
 * that the words of one text overflow what a finder remembers of them. */
static char *noise(unsigned from, unsigned count, unsigned letters)
{
    size_t cap = (size_t)count * (letters * 2 + 1) + 1, o = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    for (unsigned w = from; w < from + count; w++) {
        unsigned v = w;
        for (unsigned k = 0; k < letters; k++) {
            unsigned c = k < 4 ? v % 20 : (k * 7 + w) % 20;
            if (k < 4)
                v /= 20;
            /* ب ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ (0xD8 0xA8..0xBA), no alef */
            t[o++] = (char)0xD8;
            t[o++] = (char)(0xA8 + c + (c >= 1)); /* skips taa marbuta */
        }
        t[o++] = ' ';
    }
    t[o] = '\0';
    return t;
}

/* A finder remembers the words it has read (per gazetteer generation): its
 * results must stay those of a fresh finder, however many texts and words it
 * has seen, across the memo starting afresh when it is full. */
static void test_finder_reuse(void)
{
    const char *s = "من البوكمال إلى القائم ثم إلى مدينة الرطبة، وبعدها Deir ez-Zor.";
    bm_place_mention *want;
    size_t nwant;
    BM_REQUIRE(bm_gazetteer_find(gz, s, strlen(s), &want, &nwant, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(nwant, 4);
    bm_place_finder *f;
    BM_REQUIRE(bm_place_finder_new(gz, &f, NULL) == BM_OK);
    check_same(f, s, want, nwant, "first run");
    check_same(f, s, want, nwant, "second run");
    /* 40,000 distinct words of 70 letters: more than the memo keeps */
    char *big = noise(0, 40000, 70);
    BM_REQUIRE(big != NULL);
    const bm_place_mention *m;
    size_t n;
    BM_REQUIRE(bm_place_finder_run(f, big, strlen(big), &m, &n, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(n, 0);
    free(big);
    check_same(f, s, want, nwant, "after 40,000 new words");
    char *more = noise(40000, 40000, 6);
    BM_REQUIRE(more != NULL);
    BM_REQUIRE(bm_place_finder_run(f, more, strlen(more), &m, &n, NULL) == BM_OK);
    free(more);
    check_same(f, s, want, nwant, "after 40,000 short ones");
    bm_place_finder_free(f);
    free(want);
}

/* ---- search, names, keys ------------------------------------------------------------ */

static void expect_top(const char *query, const char *id)
{
    bm_place_candidate c[8];
    size_t n = 0;
    BM_ASSERT_EQ_INT(bm_gazetteer_search(gz, query, c, 8, &n), BM_OK);
    if (n == 0 || strcmp(c[0].place->id, id) != 0)
        BM_FAIL_AT("search '%s': top is %s, want %s", query, n ? c[0].place->id : "(none)", id);
    for (size_t i = 1; i < n; i++)
        BM_ASSERT(c[i].score <= c[i - 1].score);
}

static void test_search(void)
{
    expect_top("البوكمال", "abu-kamal");
    expect_top("وأبو كمال", "abu-kamal");
    expect_top("Albukamal", "abu-kamal");
    expect_top("Deir Ezzor", "deir-ez-zor");
    expect_top("deir-ez-zor-governorate", "deir-ez-zor-governorate");
    expect_top("Dier ez-Zor", "deir-ez-zor"); /* a typo still finds it */
    expect_top("الحسكه", "al-hasakah");
    bm_place_candidate c[4];
    size_t n = 99;
    BM_ASSERT_EQ_INT(bm_gazetteer_search(gz, "zzzzqqqqxxxx", c, 4, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, 0);

    const bm_gplace *p = bm_gazetteer_get(gz, "abu-kamal");
    BM_REQUIRE(p != NULL);
    BM_ASSERT_EQ_STR(p->kind, "city");
    BM_ASSERT_EQ_STR(p->country, "SY");
    BM_ASSERT(bm_gazetteer_get(gz, "no-such-place") == NULL);
    const char *names[64];
    size_t nn = bm_gazetteer_names(gz, p, names, 64);
    BM_ASSERT(nn >= 5);
    int saw = 0;
    for (size_t i = 0; i < nn && i < 64; i++)
        saw |= !strcmp(names[i], "Albukamal");
    BM_ASSERT(saw);

    char key[128];
    BM_ASSERT(bm_gazetteer_key("دَيْرُ الزُّور", key, sizeof key) > 0);
    BM_ASSERT_EQ_STR(key, "دير الزور");
    BM_ASSERT(bm_gazetteer_key("Deir ez-Zor", key, sizeof key) > 0);
    BM_ASSERT_EQ_STR(key, "deirezzor");
    BM_ASSERT_EQ_INT(bm_gazetteer_key("--", key, sizeof key), 0);
    BM_ASSERT_EQ_INT(bm_gazetteer_key("دير الزور", key, 4), 0); /* does not fit */
}

/* ---- the store ----------------------------------------------------------------------- */

static void test_store(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/gz.sqlite", bm_test_tmpdir());
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(path, 0, &st, &err) != BM_OK) {
        BM_FAIL_AT("store open: %s", bm_error_text(&err));
        return;
    }
    BM_ASSERT_EQ_INT(bm_gazetteer_sync_store(gz, st, &err), BM_OK);
    int64_t count = 0;
    bm_store_place_count(st, &count);
    BM_ASSERT_EQ_INT(count, (int64_t)bm_gazetteer_count(gz));
    char fp[128];
    BM_ASSERT_EQ_INT(bm_store_meta_get(st, "gazetteer_fingerprint", fp, sizeof fp), BM_OK);
    BM_ASSERT(fp[0] != '\0');
    bm_place p;
    BM_ASSERT_EQ_INT(bm_store_place_get(st, "al-qaim", &p), BM_OK);
    BM_ASSERT_EQ_STR(p.name_ar, "القائم");

    /* A user's place, as `gazetteer import` writes it, becomes findable. */
    bm_place u;
    memset(&u, 0, sizeof u);
    snprintf(u.id, sizeof u.id, "gn-99999901");
    snprintf(u.name_en, sizeof u.name_en, "Tall Zuhur");
    snprintf(u.name_ar, sizeof u.name_ar, "تل زهور الغربي");
    snprintf(u.kind, sizeof u.kind, "village");
    snprintf(u.country, sizeof u.country, "SY");
    u.population = -1;
    u.pt.lon = 40.5;
    u.pt.lat = 35.5;
    BM_ASSERT_EQ_INT(bm_store_place_put(st, &u), BM_OK);
    /* an unchanged gazetteer is not written again: the user row survives */
    BM_ASSERT_EQ_INT(bm_gazetteer_sync_store(gz, st, &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_store_place_get(st, "gn-99999901", &p), BM_OK);

    size_t before = bm_gazetteer_count(gz);
    BM_ASSERT_EQ_INT(bm_gazetteer_add_store_places(gz, st, &err), BM_OK);
    BM_ASSERT_EQ_INT(bm_gazetteer_count(gz), before + 1);
    const char *s = "قصفت المدفعية تل زهور الغربي فجر اليوم";
    bm_place_mention *m;
    size_t n;
    BM_REQUIRE(bm_gazetteer_find(gz, s, strlen(s), &m, &n, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(n, 1);
    if (n == 1) {
        BM_ASSERT_EQ_STR(m[0].place->id, "gn-99999901");
        BM_ASSERT_EQ_STR(m[0].place->source, "user");
    }
    free(m);
    /* the gazetteer's own places still resolve after the rebuild */
    const char *s2 = "وصلت التعزيزات إلى البوكمال";
    BM_REQUIRE(bm_gazetteer_find(gz, s2, strlen(s2), &m, &n, NULL) == BM_OK);
    BM_ASSERT(n == 1 && !strcmp(m[0].place->id, "abu-kamal"));
    free(m);
    bm_store_close(st);
}

int main(void)
{
    bm_error err;
    bm_error_clear(&err);
    if (bm_gazetteer_load(&gz, &err) != BM_OK) {
        fprintf(stderr, "gazetteer: %s\n", bm_error_text(&err));
        return 1;
    }
    BM_ASSERT(bm_gazetteer_count(gz) > 300);
    test_cases();
    test_order_and_offsets();
    test_finder_reuse();
    test_search();
    test_store();
    bm_gazetteer_free(gz);
    bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_gazetteer");
}
