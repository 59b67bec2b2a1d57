/* testutil.c: the shared test harness (temporary directories, corpus lookup,
 * running the CLI). Never used by the library itself. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"

#include <sqlite3.h>

#include "store_private.h"

int bm_test_failures = 0;

int bm_test_finish(const char *name)
{
    if (bm_test_failures) {
        fprintf(stderr, "%s: %d assertion(s) failed\n", name, bm_test_failures);
        return 1;
    }
    printf("%s: all assertions passed\n", name);
    return 0;
}

const char *bm_test_tmpdir(void)
{
    static char dir[256];
    if (dir[0])
        return dir;
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bmtest-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    return dir;
}

void bm_test_rmtree(const char *dir)
{
    if (dir && strncmp(dir, "/tmp/", 5) == 0 && !strstr(dir, ".."))
        bm_test_system("rm -rf '%s'", dir);
}

const char *bm_test_corpus(void)
{
    static char path[1024];
    const char *env = getenv("BM_CORPUS");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/../shared/corpus", BM_TEST_SOURCE_DIR);
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/gold/places.tsv", path);
    return access(probe, R_OK) == 0 ? path : NULL;
}

void bm_test_skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s: SKIPPED: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    exit(BM_TEST_SKIP);
}

const char *bm_test_corpus_or_skip(const char *name)
{
    const char *c = bm_test_corpus();
    if (!c) {
        const char *env = getenv("BM_CORPUS"), *ci = getenv("CI");
        const char *where = env && *env ? env : BM_TEST_SOURCE_DIR "/../shared/corpus";
        /* CI runs with ../shared beside the clone: there a missing corpus is a
         * broken set-up, not a reason to skip. */
        if (ci && !strcmp(ci, "true")) {
            printf("%s: FAILED: no corpus at %s, and CI=true requires it\n", name, where);
            exit(1);
        }
        bm_test_skip(name, "no corpus at %s (../shared/corpus beside the checkout, or $BM_CORPUS)",
                     where);
    }
    return c;
}

int bm_test_system(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    int st = system(cmd);
    free(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

const char *bm_test_binary(void)
{
    return BM_TEST_BINARY;
}

int64_t bm_test_scalar(bm_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(bm__store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int bm_test_cache_entries(const char *cache, const char *prefix)
{
    char cmd[1000];
    snprintf(cmd, sizeof cmd, "ls '%s/bordermap' 2>/dev/null | grep -c '^%s.*\\.bin$'", cache,
             prefix);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    return n;
}
