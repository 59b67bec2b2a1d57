/* bench_ingest.c: ingests a directory of articles (bench/gen-articles.sh
 * makes 10,000) into a fresh database and prints articles/s and resident
 * memory at checkpoints, to show throughput and that memory does not grow
 * with the corpus. Must never measure anything but the library's ingest. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bordermap/fileio.h"
#include "bordermap/ingest.h"
#include "store_private.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Current resident set size in KiB (from /proc/self/statm). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Memory SQLite's page cache holds (the store caps it with cache_size): the
 * part of RSS that is meant to grow until the cap. */
static long cache_kib(bm_store *store)
{
    int cur = 0, hi = 0;
    if (sqlite3_db_status(bm__store_db(store), SQLITE_DBSTATUS_CACHE_USED, &cur, &hi, 0) !=
        SQLITE_OK)
        return -1;
    return cur / 1024;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t cap = 1024;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        if (*n == cap) {
            char **w = realloc(v, (cap *= 2) * sizeof *v);
            if (!w)
                break;
            v = w;
        }
        size_t sz = strlen(dir) + l + 2;
        if ((v[*n] = malloc(sz)) == NULL)
            break;
        snprintf(v[*n], sz, "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof *v, cmp);
    return v;
}

typedef struct progress {
    bm_store *store;
    double t0;
    size_t n, created, merged, failed, bytes;
    long rss_first, rest_first;
} progress;

/* Each article's outcome, in input order; a line every 1000. */
static void on_article(const char *path, size_t i, int rc, const bm_ingest_result *r,
                       const bm_error *err, void *user)
{
    progress *p = user;
    if (rc != BM_OK) {
        p->failed++;
        fprintf(stderr, "bench_ingest: %s: %s\n", path, bm_error_text(err));
    } else {
        p->created += r->n_new;
        p->merged += r->n_merged;
    }
    if ((i + 1) % 1000 != 0 && i + 1 != p->n)
        return;
    double dt = now() - p->t0;
    long rss = rss_kib();
    long cache = cache_kib(p->store);
    if (p->rss_first < 0) {
        p->rss_first = rss;
        p->rest_first = rss - cache;
    }
    printf("%8zu %10.2f %12.0f %10ld %10ld %12ld %10ld\n", i + 1, dt, (double)(i + 1) / dt, rss,
           peak_kib(), cache, rss - cache);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        printf("Usage: bench_ingest DIR [DB] [BATCH] [JOBS]\n"
               "Ingests every DIR/*.txt into DB (default: a fresh file in $TMPDIR or /tmp;\n"
               "\"-\" for the default), committing every BATCH articles (default 1: one\n"
               "transaction per article), extracting on JOBS threads (default 1;\n"
               "more: bm_ingest_files, one writer storing in input order)\n"
               "and prints articles/s and resident memory every 1000 articles.\n"
               "Make the articles with bench/gen-articles.sh.\n");
        return argc < 2 ? 2 : 0;
    }
    char db[4096];
    const char *tmp = getenv("TMPDIR");
    int own_db = argc <= 2 || !strcmp(argv[2], "-");
    size_t batch = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1;
    unsigned jobs = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 1;
    if (!own_db)
        snprintf(db, sizeof db, "%s", argv[2]);
    else
        snprintf(db, sizeof db, "%s/bench-ingest-%d.sqlite", tmp && *tmp ? tmp : "/tmp",
                 (int)getpid());
    size_t n = 0;
    char **files = list_dir(argv[1], &n);
    if (!files || n == 0) {
        fprintf(stderr, "bench_ingest: no .txt articles in %s\n", argv[1]);
        return 1;
    }
    bm_error err;
    bm_error_clear(&err);
    bm_store *store = NULL;
    bm_ingest *ig = NULL;
    double t_load = now();
    if (bm_store_open(db, 0, &store, &err) != BM_OK || bm_ingest_new(store, &ig, &err) != BM_OK ||
        bm_ingest_set_batch(ig, batch, &err) != BM_OK) {
        fprintf(stderr, "bench_ingest: %s\n", bm_error_text(&err));
        return 1;
    }
    double t0 = now();
    printf("setup (gazetteer, lexicons, database): %.2f s, RSS %ld KiB\n", t0 - t_load, rss_kib());
    printf("%8s %10s %12s %10s %10s %12s %10s\n", "articles", "seconds", "articles/s", "RSS KiB",
           "peak KiB", "SQLite cache", "RSS-cache");
    progress pr = {store, t0, n, 0, 0, 0, 0, -1, -1};
    if (jobs > 1) {
        if (bm_ingest_files(ig, files, n, NULL, jobs, on_article, &pr, &err) != BM_OK)
            fprintf(stderr, "bench_ingest: %s\n", bm_error_text(&err));
    } else {
        for (size_t i = 0; i < n; i++) {
            char *data = NULL;
            size_t len = 0;
            bm_ingest_result r;
            int rc = bm_read_file(files[i], &data, &len, &err);
            if (rc == BM_OK)
                rc = bm_ingest_text(ig, files[i], data, len, NULL, &r, &err);
            pr.bytes += len;
            free(data);
            on_article(files[i], i, rc, &r, &err, &pr);
        }
    }
    size_t created = pr.created, merged = pr.merged, failed = pr.failed, bytes = pr.bytes;
    long rss_first = pr.rss_first, rest_first = pr.rest_first;
    if (bm_ingest_flush(ig, &err) != BM_OK)
        fprintf(stderr, "bench_ingest: %s\n", bm_error_text(&err));
    double dt = now() - t0;
    printf("total: %zu articles (%.1f MB) in %.2f s = %.0f articles/s; %zu new incidents, "
           "%zu merged, %zu failed\n",
           n, (double)bytes / 1e6, dt, (double)n / dt, created, merged, failed);
    printf("RSS after the first 1000: %ld KiB, at the end: %ld KiB; peak %ld KiB\n", rss_first,
           rss_kib(), peak_kib());
    printf("RSS outside SQLite's page cache: %ld KiB after the first 1000, %ld KiB at the end\n",
           rest_first, rss_kib() - cache_kib(store));
    bm_ingest_free(ig);
    bm_store_close(store);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    if (own_db) {
        char side[4200];
        unlink(db);
        snprintf(side, sizeof side, "%s-wal", db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db);
        unlink(side);
    }
    return failed ? 1 : 0;
}
