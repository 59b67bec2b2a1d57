/* test_reliability.c: the library pieces the reliability promises rest on:
 * atomic outputs that never replace a file without permission (the database
 * creation race relies on it), temporary names that tell their writer,
 * bounded reads, GeoNames row validation, and concurrent creation of one
 * database by forked processes.
 * Must never depend on ../shared: everything is made here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bm_test.h"
#include "bordermap/fileio.h"
#include "bordermap/store.h"
#include "geonames_private.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    BM_REQUIRE(fp != NULL);
    fputs(text, fp);
    fclose(fp);
}

static char *read_all(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    bm_error err;
    return bm_read_file(path, &data, &len, &err) == BM_OK ? data : NULL;
}

/* Without overwrite, a target that appears while writing is kept as it is. */
static void test_no_replace(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/out.txt", bm_test_tmpdir());
    bm_atomic_file *f = NULL;
    bm_error err;
    BM_REQUIRE(bm_atomic_open(path, 0, &f, &err) == BM_OK);
    fputs("mine", bm_atomic_fp(f));
    write_file(path, "theirs");
    BM_ASSERT_EQ_INT(bm_atomic_commit(f, &err), BM_EEXIST);
    char *got = read_all(path);
    BM_ASSERT(got && strcmp(got, "theirs") == 0);
    free(got);
    /* ... and with overwrite it is replaced. */
    BM_REQUIRE(bm_atomic_open(path, 1, &f, &err) == BM_OK);
    fputs("mine", bm_atomic_fp(f));
    BM_ASSERT_EQ_INT(bm_atomic_commit(f, &err), BM_OK);
    got = read_all(path);
    BM_ASSERT(got && strcmp(got, "mine") == 0);
    free(got);
}

static void test_tmp_names(void)
{
    char path[512], host[64], got_host[64];
    snprintf(path, sizeof path, "%s/map.v2.png", bm_test_tmpdir());
    bm_atomic_file *f = NULL;
    bm_error err;
    BM_REQUIRE(bm_atomic_open(path, 1, &f, &err) == BM_OK);
    const char *tmp = bm_atomic_tmppath(f);
    long pid = 0;
    bm_atomic_hostname(host, sizeof host);
    BM_ASSERT(bm_atomic_tmp_owner(tmp, "map.v2", &pid, got_host, sizeof got_host));
    BM_ASSERT_EQ_INT(pid, (long)getpid());
    BM_ASSERT_EQ_STR(got_host, host);
    BM_ASSERT(bm_atomic_tmp_owner(tmp, NULL, &pid, got_host, sizeof got_host));
    BM_ASSERT(!bm_atomic_tmp_owner(tmp, "map", &pid, got_host, sizeof got_host));
    BM_ASSERT(!bm_atomic_tmp_owner("map.v2.png", "map.v2", &pid, got_host, sizeof got_host));
    BM_ASSERT(!bm_atomic_tmp_owner(".map.v2.tmp-x-abcdef@h.png", "map.v2", &pid, got_host,
                                   sizeof got_host));
    struct stat st;
    BM_ASSERT(stat(tmp, &st) == 0);
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", tmp);
    bm_atomic_abort(f);
    BM_ASSERT(stat(keep, &st) != 0);
}

static void test_read_limit(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ten.txt", bm_test_tmpdir());
    write_file(path, "0123456789");
    char *data = NULL;
    size_t len = 0;
    bm_error err;
    BM_ASSERT_EQ_INT(bm_read_file_max(path, 9, &data, &len, &err), BM_EINVAL);
    BM_ASSERT(data == NULL && strstr(err.msg, "over the limit of 9 bytes"));
    BM_ASSERT_EQ_INT(bm_read_file_max(path, 10, &data, &len, &err), BM_OK);
    BM_ASSERT_EQ_INT(len, 10);
    free(data);
}

/* A named file is read whole in one read(2) sized by fstat: every byte and a
 * NUL after them, an empty file as an empty text, a directory or a missing
 * file as the errors stdio gave. */
static void test_read_exact(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/exact.txt", bm_test_tmpdir());
    size_t big = 200000;
    char *body = malloc(big + 1);
    BM_REQUIRE(body != NULL);
    for (size_t i = 0; i < big; i++)
        body[i] = (char)('a' + i % 26);
    body[big] = '\0';
    write_file(path, body);
    char *data = NULL;
    size_t len = 0;
    bm_error err;
    BM_ASSERT_EQ_INT(bm_read_file_max(path, 0, &data, &len, &err), BM_OK);
    BM_ASSERT_EQ_INT(len, big);
    BM_ASSERT(data && !memcmp(data, body, big) && data[big] == '\0');
    free(data);
    BM_ASSERT_EQ_INT(bm_read_file_max(path, big - 1, &data, &len, &err), BM_EINVAL);
    BM_ASSERT(data == NULL);
    write_file(path, "");
    BM_ASSERT_EQ_INT(bm_read_file(path, &data, &len, &err), BM_OK);
    BM_ASSERT(data && len == 0 && data[0] == '\0');
    free(data);
    data = NULL;
    BM_ASSERT_EQ_INT(bm_read_file(bm_test_tmpdir(), &data, &len, &err), BM_EIO);
    BM_ASSERT(data == NULL && strstr(err.msg, "cannot read"));
    snprintf(path, sizeof path, "%s/no-such-file.txt", bm_test_tmpdir());
    BM_ASSERT_EQ_INT(bm_read_file(path, &data, &len, &err), BM_EIO);
    BM_ASSERT(data == NULL && strstr(err.msg, "cannot open"));
    free(body);
}

static int row_ok(const char *line, bm_place *p)
{
    char buf[1024], *f[BM_GEONAMES_FIELDS];
    bm_error err;
    snprintf(buf, sizeof buf, "%s", line);
    return bm__geonames_row(buf, f, p, &err) == BM_OK;
}

static void test_geonames_rows(void)
{
    const char *pre = "7\tName\tName\t\t";
    const char *post = "\tP\tPPL\tSY\t\t08\t\t\t\t1200\t\t0\tAsia/Damascus\t2024-01-01";
    const struct {
        const char *lat, *lon;
        int ok;
    } cases[] = {
        {"35.5", "40.6", 1},  {"-90", "180", 1}, {"90.0001", "40", 0}, {"35", "999", 0},
        {"nan", "40", 0},     {"35", "inf", 0},  {"35", "-180.5", 0},  {"", "40", 0},
        {"35.5x", "40.6", 0}, {"0x10", "40", 0}, {"35", " 40", 1},     {"1e1", "2e1", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "%s%s\t%s%s", pre, cases[i].lat, cases[i].lon, post);
        bm_place p;
        int ok = row_ok(line, &p);
        if (ok != cases[i].ok)
            BM_FAIL_AT("lat '%s' lon '%s': accepted %d, want %d", cases[i].lat, cases[i].lon, ok,
                       cases[i].ok);
        if (ok)
            BM_ASSERT(isfinite(p.pt.lat) && fabs(p.pt.lat) <= 90 && fabs(p.pt.lon) <= 180);
    }
    bm_place p;
    BM_ASSERT(!row_ok("0\tName\tName\t\t35\t40\tP\tPPL\tSY\t\t08\t\t\t\t0", &p));
    BM_ASSERT(!row_ok("7\t\tName\t\t35\t40\tP\tPPL\tSY\t\t08\t\t\t\t0", &p));
    BM_ASSERT(!row_ok("7\tName\tName\t\t35\t40", &p));
    BM_ASSERT(row_ok("7\tName\tName\t\t35\t40\tP\tPPL\tSY\t\t08\t\t\t\t0", &p));
    BM_ASSERT_EQ_STR(p.id, "gn-7");
    BM_ASSERT_EQ_INT(p.population, -1);
}

/* Forked processes open one missing file at once: all succeed, and the file
 * is one complete database afterwards. */
static void test_concurrent_create(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/race.sqlite", bm_test_tmpdir());
    enum { N = 6 };
    pid_t kids[N];
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        BM_REQUIRE(kids[i] >= 0);
        if (kids[i] == 0) {
            bm_store *s = NULL;
            bm_error err;
            int rc = bm_store_open(path, 0, &s, &err);
            if (rc == BM_OK) {
                bm_incident inc;
                bm_incident_init(&inc);
                snprintf(inc.type, sizeof inc.type, "clash");
                inc.date_start = inc.date_end = (bm_date){2024, 1, 1 + i};
                inc.pt = (bm_lonlat){40.5, 34.5};
                rc = bm_store_incident_add(s, &inc);
            }
            if (rc != BM_OK)
                fprintf(stderr, "child %d: %s\n", i, s ? bm_store_errmsg(s) : bm_error_text(&err));
            bm_store_close(s);
            _exit(rc == BM_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int status = 0;
        waitpid(kids[i], &status, 0);
        BM_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(path, BM_STORE_READONLY, &s, &err) == BM_OK);
    int64_t n = 0;
    BM_ASSERT_EQ_INT(bm_store_count(s, NULL, &n), BM_OK);
    BM_ASSERT_EQ_INT(n, N);
    bm_store_close(s);
}

int main(void)
{
    test_no_replace();
    test_tmp_names();
    test_read_limit();
    test_read_exact();
    test_geonames_rows();
    test_concurrent_create();
    int rc = bm_test_finish("test_reliability");
    bm_test_rmtree(bm_test_tmpdir());
    return rc;
}
