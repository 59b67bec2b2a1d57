/* test_dates.c: the date finder against the tables tests/data/dates.tsv
 * (expressions -> dates) and tests/data/dates-published.tsv (article heads ->
 * publication date), plus the API contract (byte ranges, unresolved dates,
 * lexicon errors). Never edits the tables: a failing row prints what it got. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bm_test.h"
#include "dates_private.h"
#include "keyhash_private.h"

#define PRESENT_YEAR 2025 /* the tables' "now" for weekday pinning */

static char *read_table(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/%s", BM_TEST_SOURCE_DIR, name);
    char *data = NULL;
    size_t len = 0;
    bm_error err;
    bm_error_clear(&err);
    if (bm_read_file(path, &data, &len, &err) != BM_OK) {
        fprintf(stderr, "%s: %s\n", path, bm_error_text(&err));
        exit(1);
    }
    return data;
}

/* Splits s on sep in place into at most max fields. */
static int split(char *s, char sep, char **f, int max)
{
    int n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++) {
        if (*p == sep) {
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    return n;
}

/* What one mention looks like in the table: value ("?" when unresolved),
 * precision, basis, relation. */
static void describe(const bm_date_mention *m, char *value, size_t vsz)
{
    char buf[16];
    if (m->resolved)
        snprintf(value, vsz, "%s", bm_date_format_prec(m->date, m->precision, buf));
    else
        snprintf(value, vsz, "?");
}

/* Joins the mentions' fields with ';' for a failure message. */
static void got_list(const bm_date_mention *m, size_t n, char *out, size_t sz)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < sz; i++) {
        char v[16];
        describe(&m[i], v, sizeof v);
        o += (size_t)snprintf(out + o, sz - o, "%s%s/%s/%s/%s", i ? "; " : "", v,
                              bm_precision_name(m[i].precision), bm_date_basis_name(m[i].basis),
                              bm_date_relation_name(m[i].relation));
    }
    if (!n)
        snprintf(out, sz, "(none)");
}

static int check_row(const bm_dates *d, int lineno, char **f)
{
    const char *text = f[0];
    bm_date pub;
    int has_pub = strcmp(f[1], "-") != 0;
    if (has_pub && bm_date_parse_iso(f[1], &pub, NULL, NULL, NULL) != BM_OK) {
        BM_FAIL_AT("dates.tsv:%d: bad publication date '%s'", lineno, f[1]);
        return 1;
    }
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.published = has_pub ? &pub : NULL;
    o.present_year = PRESENT_YEAR;
    bm_date_mention *m = NULL;
    size_t n = 0;
    bm_error err;
    bm_error_clear(&err);
    int rc = bm_dates_find_opts(d, text, strlen(text), &o, &m, &n, &err);
    if (rc != BM_OK) {
        BM_FAIL_AT("dates.tsv:%d: bm_dates_find: %s", lineno, bm_error_text(&err));
        return 1;
    }
    char *want_v[16], *want_p[16], *want_b[16], *want_r[16];
    int nv = strcmp(f[2], "-") == 0 ? 0 : split(f[2], ';', want_v, 16);
    int np = nv ? split(f[3], ';', want_p, 16) : 0;
    int nb = nv ? split(f[4], ';', want_b, 16) : 0;
    int nr = strcmp(f[5], "-") == 0 ? 0 : split(f[5], ';', want_r, 16);
    int bad = (size_t)nv != n || np != nv || nb != nv || (nr && nr != nv);
    for (int i = 0; !bad && i < nv; i++) {
        char v[16];
        describe(&m[i], v, sizeof v);
        bad |= strcmp(v, want_v[i]) != 0;
        bad |= strcmp(bm_precision_name(m[i].precision), want_p[i]) != 0;
        bad |= strcmp(bm_date_basis_name(m[i].basis), want_b[i]) != 0;
        if (nr)
            bad |= strcmp(bm_date_relation_name(m[i].relation), want_r[i]) != 0;
        bad |= m[i].is_range_start != (m[i].relation == BM_DATE_SINCE);
        bad |= m[i].start >= m[i].end || m[i].end > strlen(text);
    }
    if (bad) {
        char got[1024];
        got_list(m, n, got, sizeof got);
        BM_FAIL_AT("dates.tsv:%d: \"%s\" (published %s): got %s; want %s %s %s %s (%s)", lineno,
                   text, f[1], got, f[2], f[3], f[4], f[5], f[6]);
    }
    free(m);
    return bad;
}

static void test_table(const bm_dates *d)
{
    char *data = read_table("dates.tsv");
    int lineno = 0, rows = 0, failed = 0, header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[7];
        if (split(line, '\t', f, 7) != 7) {
            BM_FAIL_AT("dates.tsv:%d: want 7 columns", lineno);
            continue;
        }
        if (!header++) {
            BM_ASSERT_EQ_STR(f[0], "text");
            continue;
        }
        rows++;
        failed += check_row(d, lineno, f);
    }
    free(data);
    printf("dates.tsv: %d rows, %d failed\n", rows, failed);
    BM_ASSERT(rows >= 90);
}

/* Turns \n, \r, \\ and \uFEFF escapes of the published table into bytes. */
static void unescape(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        if (*p == 'n') {
            *o++ = '\n';
        } else if (*p == 'r') {
            *o++ = '\r';
        } else if (strncmp(p, "uFEFF", 5) == 0) {
            memcpy(o, "\xEF\xBB\xBF", 3);
            o += 3;
            p += 4;
        } else {
            *o++ = *p ? *p : '\\';
            if (!*p)
                break;
        }
    }
    *o = '\0';
}

static void test_published_table(const bm_dates *d)
{
    char *data = read_table("dates-published.tsv");
    int lineno = 0, rows = 0, header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[3];
        if (split(line, '\t', f, 3) != 3) {
            BM_FAIL_AT("dates-published.tsv:%d: want 3 columns", lineno);
            continue;
        }
        if (!header++)
            continue;
        rows++;
        unescape(f[0]);
        bm_dates_opts o;
        bm_dates_opts_init(&o);
        o.present_year = PRESENT_YEAR;
        bm_date got;
        bm_error err;
        bm_error_clear(&err);
        int rc = bm_dates_published_opts(d, f[0], strlen(f[0]), &o, &got, &err);
        char buf[16];
        const char *g = rc == BM_OK ? bm_date_format(got, buf) : "-";
        if (strcmp(g, f[1]) != 0)
            BM_FAIL_AT("dates-published.tsv:%d: got %s, want %s (%s)", lineno, g, f[1], f[2]);
        if (rc != BM_OK && rc != BM_ENOTFOUND)
            BM_FAIL_AT("dates-published.tsv:%d: error %s", lineno, bm_error_text(&err));
    }
    free(data);
    BM_ASSERT(rows >= 8);
}

/* Page furniture: a stamp's, a dateline's or a caption's date is flagged,
 * a date in running text is not. */
static void test_furniture_table(const bm_dates *d)
{
    char *data = read_table("dates-furniture.tsv");
    int lineno = 0, rows = 0, header = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[3];
        if (split(line, '\t', f, 3) != 3) {
            BM_FAIL_AT("dates-furniture.tsv:%d: want 3 columns", lineno);
            continue;
        }
        if (!header++)
            continue;
        rows++;
        unescape(f[0]);
        bm_date pub = {2025, 3, 10};
        bm_date_mention *m = NULL;
        size_t n = 0;
        if (bm_dates_find(d, f[0], strlen(f[0]), &pub, &m, &n, NULL) != BM_OK) {
            BM_FAIL_AT("dates-furniture.tsv:%d: bm_dates_find failed", lineno);
            continue;
        }
        char got[64] = "";
        size_t o = 0;
        for (size_t i = 0; i < n && o + 3 < sizeof got; i++)
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%d", i ? ";" : "", m[i].furniture);
        if (strcmp(got, f[1]) != 0)
            BM_FAIL_AT("dates-furniture.tsv:%d: got %s, want %s (%s)", lineno, got, f[1], f[2]);
        free(m);
    }
    free(data);
    BM_ASSERT(rows >= 10);
}

/* The byte range covers the expression, so ingest can attach it to the
 * nearest trigger. */
static void test_ranges(const bm_dates *d)
{
    const char *text = "أعلنت القيادة في 7 مارس 2025 استقرار الحدود، ثم زار الوزير بغداد "
                       "منذ عام 2003.";
    bm_date_mention *m;
    size_t n;
    BM_REQUIRE(bm_dates_find(d, text, strlen(text), NULL, &m, &n, NULL) == BM_OK);
    BM_REQUIRE(n == 2);
    BM_ASSERT(strncmp(text + m[0].start, "7 مارس 2025", m[0].end - m[0].start) == 0);
    BM_ASSERT_EQ_INT(m[0].end - m[0].start, strlen("7 مارس 2025"));
    BM_ASSERT(strncmp(text + m[1].start, "منذ عام 2003", m[1].end - m[1].start) == 0);
    BM_ASSERT_EQ_INT(m[1].is_range_start, 1);
    BM_ASSERT_EQ_INT(m[1].weekday, -1);
    free(m);
}

/* Unresolved mentions keep the stated parts and never a guessed year. */
static void test_unresolved(const bm_dates *d)
{
    const char *text = "وقعت الاشتباكات في 28 من نيسان قرب البوكمال أمس.";
    bm_date_mention *m;
    size_t n;
    BM_REQUIRE(bm_dates_find(d, text, strlen(text), NULL, &m, &n, NULL) == BM_OK);
    BM_REQUIRE(n == 2);
    BM_ASSERT_EQ_INT(m[0].resolved, 0);
    BM_ASSERT_EQ_INT(m[0].date.year, 0);
    BM_ASSERT_EQ_INT(m[0].date.month, 4);
    BM_ASSERT_EQ_INT(m[0].date.day, 28);
    BM_ASSERT_EQ_INT(m[1].resolved, 0);
    BM_ASSERT_EQ_INT(m[1].basis, BM_DATE_RELATIVE);
    BM_ASSERT_EQ_INT(m[1].date.year, 0);
    free(m);

    BM_REQUIRE(bm_dates_find(d, "", 0, NULL, &m, &n, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(n, 0);
    BM_ASSERT(m == NULL);
}

/* Tokens passed in by the caller give the same answer as tokenising here. */
static void test_tokens_option(const bm_dates *d)
{
    const char *text =
        "وفي 14 من آذار 2025، وصل الشيباني إلى بغداد. وقال أمس الجمعة إن الحدود هادئة.";
    bm_date pub = {2024, 5, 18};
    bm_tokens toks = {0};
    BM_REQUIRE(bm_tokenize(text, strlen(text), &toks, NULL) == BM_OK);
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.published = &pub;
    o.tokens = &toks;
    bm_date_mention *a, *b;
    size_t na, nb;
    BM_REQUIRE(bm_dates_find_opts(d, text, strlen(text), &o, &a, &na, NULL) == BM_OK);
    BM_REQUIRE(bm_dates_find(d, text, strlen(text), &pub, &b, &nb, NULL) == BM_OK);
    BM_REQUIRE(na == 2 && nb == 2);
    for (size_t i = 0; i < na; i++) {
        BM_ASSERT_EQ_INT(a[i].start, b[i].start);
        BM_ASSERT_EQ_INT(a[i].end, b[i].end);
        BM_ASSERT_EQ_INT(bm_date_cmp(a[i].date, b[i].date), 0);
    }
    BM_ASSERT_EQ_INT(a[1].date.day, 17);
    BM_ASSERT_EQ_INT(a[1].weekday, 5);
    free(a);
    free(b);
    bm_tokens_free(&toks);
}

/* Texts whose heads hold multi-word forms (كانون الثاني, في اليوم التالي,
 * the day before yesterday) next to the dates the publication date reads. */
static const char *const shared_texts[] = {
    "Published: 3 كانون الثاني 2025\nBAGHDAD\nThe crossing shut the day before yesterday.\n",
    "نشر في 12 تشرين الأول 2024\nقال مسؤول إن المعبر أغلق في اليوم التالي.\nوأعيد فتحه "
    "صباح اليوم التالي.\n",
    "BAGHDAD, 8 November 2025 (Reuters) - Guards said the day before yesterday that the "
    "road was shut.\n",
    "الأحد 5 كانون الأول 2024\nأغلقت السلطات المنفذ أول من أمس ثم فتحته مساء اليوم "
    "التالي.\nوقالت في 14 من آذار 2025 إن الحدود هادئة.\n",
};

static void same_mentions(const bm_date_mention *a, size_t na, const bm_date_mention *b, size_t nb)
{
    BM_ASSERT_EQ_INT(na, nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        BM_ASSERT_EQ_INT(a[i].start, b[i].start);
        BM_ASSERT_EQ_INT(a[i].end, b[i].end);
        BM_ASSERT_EQ_INT(a[i].resolved, b[i].resolved);
        BM_ASSERT_EQ_INT(a[i].precision, b[i].precision);
        BM_ASSERT_EQ_INT(a[i].furniture, b[i].furniture);
        BM_ASSERT_EQ_INT(bm_date_cmp(a[i].date, b[i].date), 0);
    }
}

/* One classification of the whole text serves the dates of the whole text
 * and the publication date of every head of it (ingest's shared pass): the
 * same answers as classifying each alone, also when the head bound cuts a
 * multi-word form in two. */
static void test_shared_classification(const bm_dates *d)
{
    bm__dates_cls *c = bm__dates_cls_new();
    BM_REQUIRE(c != NULL);
    bm_date pub = {2025, 3, 20};
    int found = 0, cuts = 0;
    for (size_t k = 0; k < sizeof shared_texts / sizeof shared_texts[0]; k++) {
        const char *text = shared_texts[k];
        size_t len = strlen(text);
        bm_tokens toks = {0};
        BM_REQUIRE(bm_tokenize(text, len, &toks, NULL) == BM_OK);
        BM_REQUIRE(bm__dates_classify(d, &toks, NULL, c) == BM_OK);
        BM_ASSERT(bm__dates_cls_holds(c, &toks));
        bm_dates_opts o;
        bm_dates_opts_init(&o);
        o.published = &pub;
        o.tokens = &toks;
        o.present_year = 2025;
        bm_date_mention *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        BM_REQUIRE(bm__dates_find_cls(d, text, len, &o, c, &a, &na, NULL) == BM_OK);
        BM_REQUIRE(bm_dates_find_opts(d, text, len, &o, &b, &nb, NULL) == BM_OK);
        BM_ASSERT(na > 0);
        same_mentions(a, na, b, nb);
        /* the words' hashes handed in (ingest's workspace) change nothing */
        bm__dates_cls *ch = bm__dates_cls_new();
        uint32_t *th = malloc((toks.n ? toks.n : 1) * sizeof *th);
        BM_REQUIRE(ch && th);
        for (size_t i = 0; i < toks.n; i++)
            th[i] = bm__key_hash(toks.v[i].norm, toks.v[i].norm_len);
        BM_REQUIRE(bm__dates_classify(d, &toks, th, ch) == BM_OK);
        bm_date_mention *h = NULL;
        size_t nh = 0;
        BM_REQUIRE(bm__dates_find_cls(d, text, len, &o, ch, &h, &nh, NULL) == BM_OK);
        same_mentions(h, nh, b, nb);
        free(h);
        free(th);
        bm__dates_cls_free(ch);
        free(a);
        free(b);
        /* Every head: the first n tokens, the text cut where token n starts. */
        for (size_t n = 0; n <= toks.n; n++) {
            bm_tokens head = toks;
            head.n = n;
            size_t hlen = n < toks.n ? toks.v[n].start : len;
            o.published = NULL;
            o.tokens = &head;
            bm_date got = {0}, want = {0};
            int rc_got = bm__dates_published_cls(d, text, hlen, &o, c, &got, NULL);
            int rc_want = bm_dates_published_opts(d, text, hlen, &o, &want, NULL);
            BM_ASSERT_EQ_INT(rc_got, rc_want);
            if (rc_got == BM_OK && rc_want == BM_OK)
                BM_ASSERT_EQ_INT(bm_date_cmp(got, want), 0);
            found += rc_want == BM_OK;
            /* a head that ends inside a multi-word form */
            cuts += n > 0 && n < toks.n && toks.v[n - 1].kind == BM_TOK_ARABIC &&
                    toks.v[n].kind == BM_TOK_ARABIC;
        }
        BM_ASSERT(bm__dates_cls_holds(c, &toks)); /* a head pass keeps the whole */
        bm__dates_cls_forget(c);
        BM_ASSERT(!bm__dates_cls_holds(c, &toks));
        bm_tokens_free(&toks);
    }
    BM_ASSERT(found > 0);
    BM_ASSERT(cuts > 0);
    bm__dates_cls_free(c);
}

static void write_file(const char *path, const char *body)
{
    FILE *fp = fopen(path, "w");
    BM_REQUIRE(fp != NULL);
    fputs(body, fp);
    fclose(fp);
}

/* A malformed lexicon is reported with its file and line, not half-loaded. */
static void test_bad_lexicon(void)
{
    const char *dir = bm_test_tmpdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/gazetteer", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/gazetteer/lexicon", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/gazetteer/lexicon/dates-ar.tsv", dir);
    write_file(path, "# comment\nform\tclass\tvalue\tflags\nأيار\tmonth\t13\t-\n");
    snprintf(path, sizeof path, "%s/gazetteer/lexicon/dates-en.tsv", dir);
    write_file(path, "form\tclass\tvalue\tflags\nmay\tmonth\t5\tcap\n");

    char *old = getenv("BORDERMAP_DATA") ? strdup(getenv("BORDERMAP_DATA")) : NULL;
    setenv("BORDERMAP_DATA", dir, 1);
    bm_dates *d = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_ASSERT_EQ_INT(bm_dates_new(&d, &err), BM_EPARSE);
    BM_ASSERT(d == NULL);
    BM_ASSERT(strstr(bm_error_text(&err), "dates-ar.tsv:3") != NULL);

    snprintf(path, sizeof path, "%s/gazetteer/lexicon/dates-ar.tsv", dir);
    write_file(path, "form\tclass\tvalue\tflags\nأيار\tmonth\t5\tnosuchflag\n");
    BM_ASSERT_EQ_INT(bm_dates_new(&d, &err), BM_EPARSE);
    write_file(path, "form\tclass\tvalue\tflags\nأيار\tmonth\t5\t-\n");
    BM_ASSERT_EQ_INT(bm_dates_new(&d, &err), BM_OK);
    bm_dates_free(d);

    if (old) {
        setenv("BORDERMAP_DATA", old, 1);
        free(old);
    } else {
        unsetenv("BORDERMAP_DATA");
    }
    bm_test_rmtree(dir);
}

int main(void)
{
    bm_dates_free(NULL);
    BM_ASSERT_EQ_STR(bm_date_basis_name(BM_DATE_YEAR_INFERRED), "year-inferred");
    BM_ASSERT_EQ_STR(bm_date_relation_name(BM_DATE_SINCE), "since");
    BM_ASSERT(bm_date_basis_name((bm_date_basis)0) == NULL);

    bm_dates *d = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_dates_new(&d, &err) != BM_OK) {
        fprintf(stderr, "bm_dates_new: %s\n", bm_error_text(&err));
        return 1;
    }
    test_table(d);
    test_published_table(d);
    test_furniture_table(d);
    test_ranges(d);
    test_unresolved(d);
    test_tokens_option(d);
    test_shared_classification(d);
    bm_dates_free(d);
    test_bad_lexicon();
    return bm_test_finish("test_dates");
}
