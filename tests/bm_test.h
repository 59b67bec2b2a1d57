/* bm_test.h: the assertions every test program uses. They never compile out,
 * and a failure prints file:line with the values compared. */
#ifndef BM_TEST_H
#define BM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/bordermap.h"

extern int bm_test_failures;

#define BM_FAIL_AT(...)                                                                     \
    do {                                                                                    \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                     \
        fprintf(stderr, __VA_ARGS__);                                                       \
        fputc('\n', stderr);                                                                \
        bm_test_failures++;                                                                 \
    } while (0)

#define BM_ASSERT(cond)                                                                     \
    do {                                                                                    \
        if (!(cond))                                                                        \
            BM_FAIL_AT("assertion failed: %s", #cond);                                      \
    } while (0)

#define BM_ASSERT_EQ_INT(got, want)                                                         \
    do {                                                                                    \
        long long g_ = (long long)(got), w_ = (long long)(want);                            \
        if (g_ != w_)                                                                       \
            BM_FAIL_AT("%s == %lld, want %s == %lld", #got, g_, #want, w_);                 \
    } while (0)

#define BM_ASSERT_EQ_STR(got, want)                                                         \
    do {                                                                                    \
        const char *g_ = (got), *w_ = (want);                                               \
        if (!g_ || !w_ || strcmp(g_, w_) != 0)                                              \
            BM_FAIL_AT("%s == \"%s\", want \"%s\"", #got, g_ ? g_ : "(null)",               \
                       w_ ? w_ : "(null)");                                                 \
    } while (0)

#define BM_ASSERT_NEAR(got, want, tol)                                                      \
    do {                                                                                    \
        double g_ = (got), w_ = (want);                                                     \
        if (!(g_ - w_ <= (tol) && w_ - g_ <= (tol)))                                        \
            BM_FAIL_AT("%s == %.9g, want %.9g (+/- %g)", #got, g_, w_, (double)(tol));      \
    } while (0)

/* Aborts the test program: for failures that make the rest meaningless. */
#define BM_REQUIRE(cond)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            BM_FAIL_AT("required: %s", #cond);                                              \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

/* Returns 0 when every assertion passed, 1 otherwise, and prints a summary. */
int bm_test_finish(const char *name);

/* A fresh temporary directory for this test (removed by bm_test_rmtree). The
 * returned string is static storage of the test program. */
const char *bm_test_tmpdir(void);
void bm_test_rmtree(const char *dir);
/* Path of ../shared/corpus (or $BM_CORPUS); NULL when absent. Static. */
const char *bm_test_corpus(void);
/* The exit status ctest reads as SKIPPED (SKIP_RETURN_CODE in CMakeLists.txt). */
#define BM_TEST_SKIP 77
/* Prints "<name>: SKIPPED: <why>" and exits BM_TEST_SKIP: for a test whose
 * input lives outside the repository (../shared) and is absent. */
void bm_test_skip(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* The corpus, or a visible skip of the test `name` when it is absent (a failure
 * under CI=true, where ../shared is part of the set-up). */
const char *bm_test_corpus_or_skip(const char *name);
/* Runs a shell command, returns its exit status (or -1). */
int bm_test_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of the bordermap binary under test. */
const char *bm_test_binary(void);
/* The first column of the first row of `sql` on the SpatiaLite store `s`, or
 * -1 when it has no row or fails: a test's look behind the store API. */
int64_t bm_test_scalar(bm_store *s, const char *sql);

/* How many "<prefix>*.bin" entries CACHE/bordermap holds (CACHE is the test's
 * XDG_CACHE_HOME); -1 when it cannot be listed. */
int bm_test_cache_entries(const char *cache, const char *prefix);

#endif
