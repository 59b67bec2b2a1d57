/* test_arabic.c: normalisation keys, tokens with byte offsets and clitic
 * helpers of arabic.c. Every case states the input bytes and the exact key. */
#include "bm_test.h"

static void check_norm(const char *in, const char *want, int line)
{
    char *got = bm_normalize(in, strlen(in));
    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr, "line %d: ", line);
        BM_FAIL_AT("bm_normalize(\"%s\") == \"%s\", want \"%s\"", in, got ? got : "(null)", want);
    }
    free(got);
}
#define NORM(in, want) check_norm(in, want, __LINE__)

static void test_normalize(void)
{
    NORM("أإآٱا", "ااااا");
    NORM("مدينةٌ", "مدينه");
    NORM("مستشفى", "مستشفي");
    NORM("مؤتمر رئيس", "موتمر رييس");
    NORM("الـحسكة", "الحسكه");
    NORM("القُصَيْر", "القصير");
    NORM("دَيْرُ الزُّور", "دير الزور");
    NORM("٢٠٢٥ و۱۲", "2025 و12");
    NORM("ﺍﻟﺮﻗﺔ", "الرقه");         /* presentation forms */
    NORM("ﻻ", "لا");                /* lam-alef ligature */
    NORM("كردستان ی", "كردستان ي"); /* Persian yeh and keheh */
    NORM("ک", "ك");
    NORM("Déir éz-Zór", "deir ez-zor");
    NORM("DEIR EZZOR", "deir ezzor");
    NORM("ʿAnah", "anah");
    NORM("Ra’ad", "raad");
    NORM("Deir\xe2\x80\x93"
         "ez",
         "deir-ez"); /* en dash unified */
    NORM("  دير \t\n الزور  ", "دير الزور");
    NORM("دير\xe2\x80\x8f الزور", "دير الزور"); /* RLM dropped */
    NORM("ديرال\xe2\x80\x8c"
         "زور",
         "ديرالزور"); /* ZWNJ is invisible */
    NORM("", "");
}

static void test_tokens(void)
{
    const char *s = "\xef\xbb\xbf"
                    "قصفت الطائرات وأبو كمال، ثم\nDeir ez-Zor's edge (T2) ٣٠";
    bm_tokens t = {0};
    bm_error err;
    bm_error_clear(&err);
    BM_REQUIRE(bm_tokenize(s, strlen(s), &t, &err) == BM_OK);
    const char *want[] = {"قصفت", "الطايرات", "وابو", "كمال", ",",  "ثم", "deir", "ez",
                          "-",    "zor",      "edge", "(",    "t2", ")",  "30"};
    bm_token_kind kinds[] = {BM_TOK_ARABIC, BM_TOK_ARABIC, BM_TOK_ARABIC, BM_TOK_ARABIC,
                             BM_TOK_PUNCT,  BM_TOK_ARABIC, BM_TOK_LATIN,  BM_TOK_LATIN,
                             BM_TOK_PUNCT,  BM_TOK_LATIN,  BM_TOK_LATIN,  BM_TOK_PUNCT,
                             BM_TOK_LATIN,  BM_TOK_PUNCT,  BM_TOK_NUMBER};
    size_t nwant = sizeof want / sizeof want[0];
    BM_ASSERT_EQ_INT(t.n, nwant);
    for (size_t i = 0; i < t.n && i < nwant; i++) {
        BM_ASSERT_EQ_STR(t.v[i].norm, want[i]);
        BM_ASSERT_EQ_INT(t.v[i].kind, kinds[i]);
        BM_ASSERT_EQ_INT(strlen(t.v[i].norm), t.v[i].norm_len);
    }
    /* Byte offsets point at the original bytes, BOM excluded. */
    BM_ASSERT_EQ_INT(t.v[0].start, 3);
    BM_ASSERT(strncmp(s + t.v[2].start, "وأبو", t.v[2].end - t.v[2].start) == 0);
    BM_ASSERT_EQ_INT(t.v[2].end - t.v[2].start, strlen("وأبو"));
    /* The possessive stays in the byte range but not in the key. */
    BM_ASSERT(strncmp(s + t.v[9].start, "Zor's", 5) == 0);
    BM_ASSERT_EQ_INT(t.v[9].end - t.v[9].start, 5);
    BM_ASSERT_EQ_INT(t.v[5].newline_before, 0);
    BM_ASSERT_EQ_INT(t.v[6].newline_before, 1);
    BM_ASSERT(strncmp(s + t.v[14].start, "٣٠", t.v[14].end - t.v[14].start) == 0);

    /* Reuse keeps the buffers and forgets the old tokens. */
    const char *s2 = "الرقة";
    BM_REQUIRE(bm_tokenize(s2, strlen(s2), &t, &err) == BM_OK);
    BM_ASSERT_EQ_INT(t.n, 1);
    BM_ASSERT_EQ_STR(t.v[0].norm, "الرقه");
    BM_ASSERT_EQ_INT(t.v[0].start, 0);
    BM_ASSERT_EQ_INT(t.v[0].end, strlen(s2));
    bm_tokens_free(&t);
    BM_ASSERT(t.v == NULL && t.n == 0);
}

static void test_harakat_offsets(void)
{
    /* Marks belong to the word they follow: the range covers them. */
    const char *s = "والقُصَيْرُ.";
    bm_tokens t = {0};
    BM_REQUIRE(bm_tokenize(s, strlen(s), &t, NULL) == BM_OK);
    BM_ASSERT_EQ_INT(t.n, 2);
    BM_ASSERT_EQ_STR(t.v[0].norm, "والقصير");
    BM_ASSERT_EQ_INT(t.v[0].end, strlen(s) - 1);
    BM_ASSERT_EQ_STR(t.v[1].norm, ".");
    bm_tokens_free(&t);
}

static void test_hostile_input(void)
{
    /* Invalid UTF-8, lone continuation bytes, truncated sequences, NULs. */
    const char s[] = "\xff\xfe\x80 \xd8 \xe2\x80 abc\0def \xf0\x9f\x98";
    bm_tokens t = {0};
    BM_REQUIRE(bm_tokenize(s, sizeof s - 1, &t, NULL) == BM_OK);
    int saw_abc = 0;
    for (size_t i = 0; i < t.n; i++) {
        BM_ASSERT(t.v[i].end <= sizeof s - 1);
        BM_ASSERT(t.v[i].start < t.v[i].end);
        if (strcmp(t.v[i].norm, "abc") == 0)
            saw_abc = 1;
    }
    BM_ASSERT(saw_abc);
    bm_tokens_free(&t);
    char *n = bm_normalize(s, sizeof s - 1);
    BM_ASSERT(n != NULL);
    free(n);
}

static void test_clitics(void)
{
    char *w = bm_normalize("وبالحسكة", strlen("وبالحسكة"));
    size_t len = strlen(w);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len(w, len, 1), 2);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len(w, len, 2), 4);
    BM_ASSERT(bm_ar_has_article(w + 4, len - 4));
    free(w);
    /* Two letters are never stripped down to nothing. */
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("وب", strlen("وب"), 1), 0);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("ول", strlen("ول"), 1), 0);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("ولد", strlen("ولد"), 1), 2);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("بغداد", strlen("بغداد"), 1), 2);
    /* ب is not a conjunction: "بل" does not stack. */
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("بلبنان", strlen("بلبنان"), 2), 0);
    BM_ASSERT_EQ_INT(bm_ar_proclitic_len("دمشق", strlen("دمشق"), 1), 0);
    BM_ASSERT(bm_ar_has_article("الرقه", strlen("الرقه")));
    BM_ASSERT(bm_ar_has_article("للحدود", strlen("للحدود")));
    BM_ASSERT(!bm_ar_has_article("ال", strlen("ال")));
    BM_ASSERT(!bm_ar_has_article("حلب", strlen("حلب")));
}

/* The tokeniser reads the Arabic block U+0600..U+067F through a table of
 * its own (fast path); the keys must stay those of bm_normalize. Every code
 * point is put after a letter, at the start of a word, and between two
 * letters, with and without a space after: the tokens' keys, joined, are
 * the normalised text without its spaces, and the tokens cover the input. */
static void test_arabic_block_table(void)
{
    static const char *const frames[][2] = {
        {"\xD8\xA8", "\xD8\xA8"},  /* ب_ب */
        {"", "\xD8\xA8"},          /* _ب */
        {"\xD8\xA8", ""},          /* ب_ */
        {"\xD8\xA9", " \xD8\xA8"}, /* ة_ ب */
        {"\xD8\xA3", "\xD9\x8E"},  /* أ_َ */
    };
    bm_tokens t = {0};
    bm_error err;
    bm_error_clear(&err);
    for (unsigned cp = 0x0600; cp <= 0x067F; cp++) {
        char c[3] = {(char)(0xC0 | (cp >> 6)), (char)(0x80 | (cp & 0x3F)), 0};
        for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
            char in[32], joined[64] = "", flat[64] = "";
            snprintf(in, sizeof in, "%s%s%s", frames[f][0], c, frames[f][1]);
            BM_REQUIRE(bm_tokenize(in, strlen(in), &t, &err) == BM_OK);
            for (size_t k = 0; k < t.n; k++)
                strncat(joined, t.v[k].norm, sizeof joined - strlen(joined) - 1);
            char *norm = bm_normalize(in, strlen(in));
            BM_REQUIRE(norm != NULL);
            for (const char *q = norm; *q; q++)
                if (*q != ' ')
                    strncat(flat, q, 1);
            free(norm);
            if (strcmp(joined, flat) != 0)
                BM_FAIL_AT("U+%04X in frame %zu: tokens \"%s\", normalised \"%s\"", cp, f, joined,
                           flat);
            /* the last token ends where its last visible byte does */
            if (t.n && t.v[t.n - 1].end > strlen(in))
                BM_FAIL_AT("U+%04X in frame %zu: token past the end", cp, f);
        }
    }
    /* a mark or tatweel inside a word belongs to it: one token, whole word */
    const char *w = "\xD8\xA8\xD9\x8E\xD9\x80\xD8\xA9"; /* بَـة */
    BM_REQUIRE(bm_tokenize(w, strlen(w), &t, &err) == BM_OK);
    BM_ASSERT_EQ_INT(t.n, 1);
    BM_ASSERT_EQ_STR(t.v[0].norm, "\xD8\xA8\xD9\x87");
    BM_ASSERT_EQ_INT(t.v[0].end, strlen(w));
    bm_tokens_free(&t);
}

int main(void)
{
    test_normalize();
    test_tokens();
    test_arabic_block_table();
    test_harakat_offsets();
    test_hostile_input();
    test_clitics();
    return bm_test_finish("test_arabic");
}
