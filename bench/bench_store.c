/* bench_store.c: loads N synthetic incidents into a fresh store, then runs
 * random date-window + bbox queries; prints incidents/s and query times.
 * Targets (issue 2): 1M loaded in <= 10 s, median query <= 10 ms.
 * Usage: bench_store [N] [QUERIES] [DB]   (defaults 1000000 1000 /tmp/bench_store.sqlite)
 *        bench_store --write-csv FILE N   the same N rows as CSV (bench/store-bulk.sh
 *                                         loads them with SQLite's own path)
 *        bench_store --load-csv FILE DB   loads those rows into a fresh DB in one
 *                                         transaction (the bordermap side of that) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/bordermap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: a fixed seed keeps runs comparable. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double rnd01(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void synth(bm_incident *inc, long i)
{
    bm_incident_init(inc);
    inc->date_start = bm_date_add_days((bm_date){2014, 1, 1}, (int64_t)(rnd() % 4380));
    inc->date_precision = rnd() % 10 == 0 ? BM_PREC_MONTH : BM_PREC_DAY;
    if (inc->date_precision == BM_PREC_MONTH)
        inc->date_start.day = 1;
    inc->date_end = bm_date_span_end(inc->date_start, inc->date_precision);
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name((int)(rnd() % BM_N_TYPES)));
    inc->pt.lon = 36.0 + rnd01() * 9.0;
    inc->pt.lat = 31.0 + rnd01() * 7.0;
    inc->geo_precision = 1 + (int)(rnd() % 3);
    inc->confidence = rnd01();
    snprintf(inc->summary, sizeof inc->summary, "synthetic incident %ld", i);
}

static int count_cb(const bm_incident *inc, void *user)
{
    (void)inc;
    ++*(long *)user;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char csv_header[] =
    "date_start,date_end,date_precision,type,lon,lat,geo_precision,confidence,summary\n";

static int write_csv(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fputs(csv_header, f);
    bm_incident inc;
    for (long i = 0; i < n; i++) {
        synth(&inc, i);
        char d1[11], d2[11];
        fprintf(f, "%s,%s,%s,%s,%.17g,%.17g,%d,%.17g,%s\n", bm_date_format(inc.date_start, d1),
                bm_date_format(inc.date_end, d2), bm_precision_name(inc.date_precision),
                inc.type, inc.pt.lon, inc.pt.lat, inc.geo_precision, inc.confidence,
                inc.summary);
    }
    return fclose(f) != 0;
}

/* One CSV line of write_csv() into inc; 0 when it is not one. */
static int parse_line(char *line, bm_incident *inc)
{
    char *f[9];
    int k = 0;
    for (char *p = line; k < 9; k++) {
        f[k] = p;
        char *c = strpbrk(p, k < 8 ? "," : "\n");
        if (!c && k < 8)
            return 0;
        if (c)
            *c = '\0', p = c + 1;
    }
    bm_incident_init(inc);
    bm_date last;
    bm_precision prec;
    if (bm_date_parse_iso(f[0], &inc->date_start, &last, &prec, NULL) != BM_OK ||
        bm_date_parse_iso(f[1], &inc->date_end, &last, &prec, NULL) != BM_OK ||
        bm_precision_parse(f[2], &inc->date_precision) != BM_OK)
        return 0;
    snprintf(inc->type, sizeof inc->type, "%s", f[3]);
    inc->pt.lon = strtod(f[4], NULL);
    inc->pt.lat = strtod(f[5], NULL);
    inc->geo_precision = atoi(f[6]);
    inc->confidence = strtod(f[7], NULL);
    snprintf(inc->summary, sizeof inc->summary, "%s", f[8]);
    return 1;
}

static int load_csv(const char *csv, const char *path)
{
    FILE *f = fopen(csv, "r");
    bm_store *s = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (!f || bm_store_open(path, 0, &s, &err) != BM_OK || bm_store_begin(s) != BM_OK) {
        fprintf(stderr, "bench_store: %s: %s\n", f ? path : csv,
                s ? bm_store_errmsg(s) : f ? bm_error_text(&err) : "cannot open");
        return 1;
    }
    double t0 = now();
    char line[2048];
    long n = 0;
    bm_incident inc;
    int rc = fgets(line, sizeof line, f) ? BM_OK : BM_EPARSE; /* the header */
    while (rc == BM_OK && fgets(line, sizeof line, f)) {
        if (!parse_line(line, &inc))
            rc = BM_EPARSE;
        else if ((rc = bm_store_incident_add(s, &inc)) == BM_OK)
            n++;
    }
    if (rc == BM_OK)
        rc = bm_store_commit(s);
    if (rc != BM_OK)
        fprintf(stderr, "bench_store: row %ld: %s\n", n + 2, bm_store_errmsg(s));
    printf("bench_store: %ld rows from %s loaded in %.2f s\n", n, csv, now() - t0);
    bm_store_close(s);
    fclose(f);
    return rc != BM_OK;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--write-csv"))
        return write_csv(argv[2], atol(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "--load-csv"))
        return load_csv(argv[2], argv[3]);
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int nq = argc > 2 ? atoi(argv[2]) : 1000;
    const char *path = argc > 3 ? argv[3] : "/tmp/bench_store.sqlite";
    char buf[600];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);

    bm_store *s = NULL;
    bm_error err;
    if (bm_store_open(path, 0, &s, &err) != BM_OK) {
        fprintf(stderr, "bench_store: %s\n", bm_error_text(&err));
        return 1;
    }
    double t0 = now();
    bm_incident inc;
    if (bm_store_begin(s) != BM_OK) {
        fprintf(stderr, "bench_store: %s\n", bm_store_errmsg(s));
        return 1;
    }
    for (long i = 0; i < n; i++) {
        synth(&inc, i);
        if (bm_store_incident_add(s, &inc) != BM_OK) {
            fprintf(stderr, "bench_store: %s\n", bm_store_errmsg(s));
            return 1;
        }
    }
    if (bm_store_commit(s) != BM_OK) {
        fprintf(stderr, "bench_store: %s\n", bm_store_errmsg(s));
        return 1;
    }
    double load = now() - t0;

    double *times = malloc((size_t)nq * sizeof *times);
    long total_rows = 0;
    for (int q = 0; q < nq; q++) {
        bm_query qu;
        bm_query_init(&qu);
        qu.has_from = qu.has_to = 1;
        qu.from = bm_date_add_days((bm_date){2014, 1, 1}, (int64_t)(rnd() % 4300));
        qu.to = bm_date_add_days(qu.from, (int64_t)(1 + rnd() % 60)); /* 1 day .. 2 months */
        double w = 0.5 + rnd01() * 2.5;                                /* 0.5 .. 3 degrees */
        qu.has_bbox = 1;
        qu.west = 36.0 + rnd01() * (9.0 - w);
        qu.east = qu.west + w;
        qu.south = 31.0 + rnd01() * (7.0 - w);
        qu.north = qu.south + w;
        long rows = 0;
        double q0 = now();
        if (bm_store_query(s, &qu, count_cb, &rows) != BM_OK) {
            fprintf(stderr, "bench_store: %s\n", bm_store_errmsg(s));
            return 1;
        }
        times[q] = (now() - q0) * 1000.0;
        total_rows += rows;
    }
    qsort(times, (size_t)nq, sizeof *times, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    printf("bench_store: %ld incidents loaded in %.2f s = %.0f incidents/s (target: 1M in <= 10 s)\n",
           n, load, (double)n / load);
    printf("bench_store: %d date-window+bbox queries: median %.3f ms, p90 %.3f ms, max %.3f ms, "
           "mean %.1f rows (target: median <= 10 ms)\n",
           nq, times[nq / 2], times[nq * 9 / 10], times[nq - 1], (double)total_rows / nq);
    printf("bench_store: peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    int ok = load <= 10.0 * (double)n / 1e6 && times[nq / 2] <= 10.0;
    printf("bench_store: %s\n", ok ? "targets met" : "TARGETS MISSED");
    free(times);
    bm_store_close(s);
    return 0;
}
