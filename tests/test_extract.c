/* test_extract.c: incident extraction against a table of sentences
 * (tests/data/extract-cases.tsv) with the real gazetteer, date finder and
 * lexicons, plus provenance, confidence and lexicon-error checks.
 * Never uses the corpus seeds: their figures are bench/corpus_eval.sh's job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm_test.h"
#include "bordermap/extract.h"

typedef struct env {
    bm_gazetteer *g;
    bm_dates *d;
    bm_extractor *x;
} env;

static void env_open(env *e)
{
    bm_error err;
    bm_error_clear(&err);
    memset(e, 0, sizeof *e);
    if (bm_gazetteer_load(&e->g, &err) != BM_OK || bm_dates_new(&e->d, &err) != BM_OK ||
        bm_extractor_new(e->g, e->d, &e->x, &err) != BM_OK) {
        fprintf(stderr, "setup: %s\n", bm_error_text(&err));
        exit(1);
    }
}

static void env_close(env *e)
{
    bm_extractor_free(e->x);
    bm_dates_free(e->d);
    bm_gazetteer_free(e->g);
}

/* Replaces the two characters \n by a line break, in place. */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            *o++ = '\n';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static int run_extract(env *e, const char *published, const char *text, bm_extraction *ex)
{
    bm_date pub, last;
    bm_precision p;
    const bm_date *pubp = NULL;
    if (strcmp(published, "-") != 0) {
        BM_REQUIRE(bm_date_parse_iso(published, &pub, &last, &p, NULL) == BM_OK);
        pubp = &pub;
    }
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_extract(e->x, text, strlen(text), pubp, ex, &err);
    if (rc != BM_OK)
        fprintf(stderr, "extract: %s\n", bm_error_text(&err));
    return rc;
}

static void dump(const char *why, const bm_extraction *ex)
{
    fprintf(stderr, "  case: %s; got %zu incident(s):\n", why, ex->n);
    for (size_t i = 0; i < ex->n; i++) {
        char d[11];
        const bm_incident *inc = &ex->v[i].inc;
        fprintf(stderr, "    %s %s %s fat=%d conf=%.2f [%s]\n", inc->type, inc->place_id,
                bm_date_format_prec(inc->date_start, inc->date_precision, d), inc->fatalities,
                inc->confidence, inc->reasons);
    }
}

/* Every incident points back into the text it came from. */
static void check_provenance(const char *text, const bm_extraction *ex)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < ex->n; i++) {
        const bm_extracted *x = &ex->v[i];
        BM_ASSERT(x->sent_start < x->sent_end && x->sent_end <= len);
        BM_ASSERT(x->trig_start >= x->sent_start && x->trig_end <= x->sent_end);
        BM_ASSERT(x->inc.confidence > 0 && x->inc.confidence <= 1);
        BM_ASSERT(x->inc.reasons[0] != '\0');
        BM_ASSERT(x->inc.summary[0] != '\0');
        BM_ASSERT(x->inc.geo_precision >= 1 && x->inc.geo_precision <= 3);
        BM_ASSERT(bm_date_cmp(x->inc.date_start, x->inc.date_end) <= 0);
    }
}

static int matches(const bm_incident *inc, const char *type, const char *place, const char *date)
{
    char d[11];
    bm_date_format_prec(inc->date_start, inc->date_precision, d);
    return !strcmp(inc->type, type) && (!strcmp(place, "-") || !strcmp(inc->place_id, place)) &&
           !strcmp(d, date);
}

static void run_case(env *e, char **f, size_t line)
{
    const char *published = f[0], *type = f[2], *place = f[3], *date = f[4], *fat = f[5];
    unescape(f[1]);
    bm_extraction ex = {0};
    if (run_extract(e, published, f[1], &ex) != BM_OK) {
        BM_FAIL_AT("extract-cases.tsv:%zu: extraction failed", line);
        return;
    }
    check_provenance(f[1], &ex);
    if (!strcmp(type, "-")) {
        if (ex.n != 0) {
            BM_FAIL_AT("extract-cases.tsv:%zu: want no incident", line);
            dump(f[6], &ex);
        }
        bm_extraction_free(&ex);
        return;
    }
    const bm_incident *hit = NULL;
    int absent = type[0] == '!'; /* "!type": no such incident may come out */
    for (size_t i = 0; i < ex.n && !hit; i++)
        if (matches(&ex.v[i].inc, type + absent, place, date))
            hit = &ex.v[i].inc;
    if (absent) {
        if (hit) {
            BM_FAIL_AT("extract-cases.tsv:%zu: want no %s at %s on %s", line, type + 1, place,
                       date);
            dump(f[6], &ex);
        }
    } else if (!hit) {
        BM_FAIL_AT("extract-cases.tsv:%zu: want %s at %s on %s", line, type, place, date);
        dump(f[6], &ex);
    } else if (strcmp(fat, "-") != 0) {
        int want = !strcmp(fat, "none") ? -1 : atoi(fat);
        if (hit->fatalities != want) {
            BM_FAIL_AT("extract-cases.tsv:%zu: fatalities %d, want %d", line, hit->fatalities,
                       want);
            dump(f[6], &ex);
        }
    }
    bm_extraction_free(&ex);
}

static void test_table(env *e)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/tests/data/extract-cases.tsv", BM_TEST_SOURCE_DIR);
    char *data = NULL;
    size_t len = 0;
    BM_REQUIRE(bm_read_file(path, &data, &len, NULL) == BM_OK);
    size_t line = 0, cases = 0;
    char *save = NULL;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        if (l[0] == '#' || !strncmp(l, "published\t", 10))
            continue;
        char *f[7];
        size_t n = 0;
        for (char *p = l; n < 7; n++) {
            f[n] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                n++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (n < 7) {
            BM_FAIL_AT("extract-cases.tsv:%zu: %zu fields, want 7", line, n);
            continue;
        }
        run_case(e, f, line);
        cases++;
    }
    BM_ASSERT(cases >= 25);
    free(data);
}

/* Without a publication date a relative date is reported, never guessed. */
static void test_unresolved(env *e)
{
    const char *text = "اشتبكت القوات العراقية مع مسلحين في القائم أمس.";
    bm_extraction ex = {0};
    BM_REQUIRE(run_extract(e, "-", text, &ex) == BM_OK);
    BM_ASSERT_EQ_INT(ex.n, 0);
    BM_ASSERT_EQ_INT(ex.n_unresolved, 1);
    bm_extraction_free(&ex);
    BM_REQUIRE(run_extract(e, "2025-01-02", text, &ex) == BM_OK);
    BM_ASSERT_EQ_INT(ex.n, 1);
    if (ex.n == 1) {
        char d[11];
        BM_ASSERT_EQ_STR(bm_date_format(ex.v[0].inc.date_start, d), "2025-01-01");
        BM_ASSERT_EQ_STR(ex.v[0].inc.type, "clash");
    }
    bm_extraction_free(&ex);
}

/* A date inherited from the previous sentence lowers the confidence. */
static void test_inherited_confidence(env *e)
{
    const char *text = "اعتقلت القوات الأمنية ثلاثة مطلوبين في مدينة القائم يوم 12 أيار 2024.\n"
                       "وضبطت دورية أخرى شحنة من الكبتاغون في القائم.";
    bm_extraction ex = {0};
    BM_REQUIRE(run_extract(e, "2024-05-18", text, &ex) == BM_OK);
    BM_ASSERT_EQ_INT(ex.n, 2);
    if (ex.n == 2) {
        BM_ASSERT_EQ_INT(ex.v[0].date_from, BM_ATTACH_CLAUSE);
        BM_ASSERT_EQ_INT(ex.v[1].date_from, BM_ATTACH_INHERITED);
        BM_ASSERT(ex.v[1].inc.confidence < ex.v[0].inc.confidence);
        BM_ASSERT(strstr(ex.v[1].inc.reasons, "inherited") != NULL);
    }
    bm_extraction_free(&ex);
}

/* The same event told twice in one article is one incident. */
static void test_one_event_twice(env *e)
{
    const char *text = "قصفت طائرات حربية مواقع في البوكمال يوم 2 شباط 2024.\n"
                       "وأفاد سكان بأن الغارات الجوية على البوكمال استمرت ساعة.";
    bm_extraction ex = {0};
    BM_REQUIRE(run_extract(e, "2024-02-03", text, &ex) == BM_OK);
    size_t strikes = 0;
    for (size_t i = 0; i < ex.n; i++)
        strikes += !strcmp(ex.v[i].inc.type, "airstrike");
    BM_ASSERT_EQ_INT(strikes, 1);
    bm_extraction_free(&ex);
}

static void test_language(void)
{
    BM_ASSERT_EQ_STR(bm_detect_language("اشتباكات في دير الزور", strlen("اشتباكات في دير الزور")),
                     "ar");
    BM_ASSERT_EQ_STR(bm_detect_language("Clashes in Deir ez-Zor", 22), "en");
    /* Eight bytes at a time and the tail alike: every byte value at every
     * offset, against the byte-by-byte definition (Arabic lead bytes D8..DB
     * against ASCII letters). */
    unsigned char buf[64];
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = (size_t)(round % 64);
        size_t ar = 0, lat = 0;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (unsigned char)(round < 256 ? (round + i * 7) % 256 : seed >> 16);
            ar += buf[i] >= 0xD8 && buf[i] <= 0xDB;
            lat += (buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z');
        }
        BM_ASSERT_EQ_STR(bm_detect_language((const char *)buf, len), ar > lat ? "ar" : "en");
    }
    /* A long text: the counters of the eight-byte steps are summed often
     * enough never to overflow. */
    size_t big = 8 * 300 * 3 + 5;
    char *t = malloc(big);
    BM_REQUIRE(t != NULL);
    for (size_t i = 0; i < big; i++)
        t[i] = i % 3 ? 'x' : (char)0xD9;
    BM_ASSERT_EQ_STR(bm_detect_language(t, big), "en");
    for (size_t i = 0; i < big; i++)
        t[i] = i % 3 == 0 ? 'x' : (char)0xD9;
    BM_ASSERT_EQ_STR(bm_detect_language(t, big), "ar");
    free(t);
}

/* A malformed lexicon row is refused with its file and line. */
static void test_bad_lexicon(env *e)
{
    const char *dir = bm_test_tmpdir();
    char src[2048];
    snprintf(src, sizeof src, "%s/gazetteer/lexicon", BM_TEST_SOURCE_DIR);
    BM_REQUIRE(bm_test_system("cp '%s'/*.tsv '%s'/", src, dir) == 0);
    BM_REQUIRE(bm_test_system("printf 'term\\ttype\\tweight\\tframe\\tnotes\\n"
                              "hit\\tnot_a_type\\t1.0\\t-\\tbad\\n' > '%s/triggers-en.tsv'",
                              dir) == 0);
    bm_extractor *x = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_ASSERT_EQ_INT(bm_extractor_new_from(e->g, e->d, dir, &x, &err), BM_EPARSE);
    BM_ASSERT(x == NULL);
    BM_ASSERT(strstr(err.msg, "triggers-en.tsv:2") != NULL);
    bm_test_rmtree(dir);
}

int main(void)
{
    env e;
    env_open(&e);
    BM_ASSERT(bm_extractor_trigger_count(e.x) > 300);
    test_language();
    test_table(&e);
    test_unresolved(&e);
    test_inherited_confidence(&e);
    test_one_event_twice(&e);
    test_bad_lexicon(&e);
    env_close(&e);
    return bm_test_finish("test_extract");
}
