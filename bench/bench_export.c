/* bench_export.c: exports N synthetic incidents (default 1M) to GeoJSON and
 * GPKG with bm_export() and times ogr2ogr copying the same SpatiaLite table
 * in the same run. Target: export within 1.5x of ogr2ogr.
 * A benchmark, not a test: it never runs under ctest. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/bordermap.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: reproducible synthetic data, same on every machine. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) / 9007199254740992.0;
}

static const char *const place_ids[] = {"abu-kamal", "al-qaim", "rabia", "al-tanf", "sinjar"};

static int put_places(bm_store *st)
{
    static const char *const en[] = {"Abu Kamal", "Al-Qaim", "Rabia", "Al-Tanf", "Sinjar"};
    static const char *const ar[] = {"البوكمال", "القائم", "ربيعة", "التنف", "سنجار"};
    for (int i = 0; i < 5; i++) {
        bm_place p;
        memset(&p, 0, sizeof p);
        snprintf(p.id, sizeof p.id, "%s", place_ids[i]);
        snprintf(p.name_en, sizeof p.name_en, "%s", en[i]);
        snprintf(p.name_ar, sizeof p.name_ar, "%s", ar[i]);
        snprintf(p.kind, sizeof p.kind, "town");
        p.population = -1;
        p.pt = (bm_lonlat){39 + i, 33 + i * 0.5};
        if (bm_store_place_put(st, &p) != BM_OK)
            return -1;
    }
    return 0;
}

static void make_incident(bm_incident *inc, uint64_t *rng)
{
    bm_incident_init(inc);
    bm_date d = bm_date_add_days((bm_date){2014, 1, 1}, (int64_t)(uniform(rng) * 4000));
    int monthly = uniform(rng) < 0.1;
    inc->date_precision = monthly ? BM_PREC_MONTH : BM_PREC_DAY;
    inc->date_start = monthly ? (bm_date){d.year, d.month, 1} : d;
    inc->date_end = bm_date_span_end(inc->date_start, inc->date_precision);
    snprintf(inc->type, sizeof inc->type, "%s", bm_type_name((int)(next(rng) % BM_N_TYPES)));
    if (uniform(rng) < 0.7)
        snprintf(inc->place_id, sizeof inc->place_id, "%s", place_ids[next(rng) % 5]);
    inc->pt = (bm_lonlat){38 + uniform(rng) * 6, 32 + uniform(rng) * 5};
    inc->geo_precision = 1 + (int)(next(rng) % 3);
    inc->confidence = 0.3 + uniform(rng) * 0.7;
    inc->fatalities = uniform(rng) < 0.5 ? -1 : (int)(next(rng) % 20);
    snprintf(inc->summary, sizeof inc->summary,
             "اشتباك مسلح قرب المنفذ الحدودي، الحادثة رقم %" PRIu64, next(rng) % 100000);
}

static int load(const char *db, long n)
{
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(db, 0, &st, &err) != BM_OK) {
        fprintf(stderr, "open %s: %s\n", db, bm_error_text(&err));
        return -1;
    }
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    double t0 = now();
    int rc = bm_store_begin(st) == BM_OK && put_places(st) == 0 ? 0 : -1;
    bm_incident inc;
    for (long i = 0; rc == 0 && i < n; i++) {
        make_incident(&inc, &rng);
        rc = bm_store_incident_add(st, &inc) == BM_OK ? 0 : -1;
    }
    if (rc == 0)
        rc = bm_store_commit(st) == BM_OK ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "load: %s\n", bm_store_errmsg(st));
    else
        printf("load      %8ld incidents  %7.2f s\n", n, now() - t0);
    bm_store_close(st);
    return rc;
}

static double run_export(const char *db, const char *out, int64_t *n)
{
    bm_store *st = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(db, BM_STORE_READONLY, &st, &err) != BM_OK) {
        fprintf(stderr, "open %s: %s\n", db, bm_error_text(&err));
        return -1;
    }
    bm_export_opts o;
    bm_export_opts_init(&o);
    o.overwrite = 1;
    double t0 = now();
    int rc = bm_export(st, out, &o, n, &err);
    double t = now() - t0;
    bm_store_close(st);
    if (rc != BM_OK) {
        fprintf(stderr, "export %s: %s\n", out, bm_error_text(&err));
        return -1;
    }
    return t;
}

static double run_ogr2ogr(const char *db, const char *out, const char *fmt_opts)
{
    char cmd[4096];
    if (snprintf(cmd, sizeof cmd, "rm -f '%s' && ogr2ogr %s '%s' '%s' incidents", out, fmt_opts,
                 out, db) >= (int)sizeof cmd)
        return -1;
    double t0 = now();
    int st = system(cmd);
    double t = now() - t0;
    return st == 0 ? t : -1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    if (n <= 0) {
        fprintf(stderr, "usage: bench_export [N=1000000] [DIR=/tmp]\n");
        return 2;
    }
    char db[1024], out[1024], ref[1024];
    snprintf(db, sizeof db, "%s/bench_export_%ld.sqlite", dir, (long)getpid());
    if (load(db, n) != 0)
        return 1;
    static const struct {
        const char *ext, *name, *ogr_opts;
    } runs[] = {
        {"geojson", "GeoJSON",
         "-f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=6 -lco "
         "WRITE_NAME=NO"},
        {"gpkg", "GPKG", "-f GPKG"},
    };
    int rc = 0;
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, sizeof out, "%s/bench_export_%ld.%s", dir, (long)getpid(), runs[i].ext);
        snprintf(ref, sizeof ref, "%s/bench_ogr2ogr_%ld.%s", dir, (long)getpid(), runs[i].ext);
        int64_t count = 0;
        double t_ours = run_export(db, out, &count);
        double t_ogr = run_ogr2ogr(db, ref, runs[i].ogr_opts);
        if (t_ours < 0 || t_ogr < 0) {
            fprintf(stderr, "%s: a run failed\n", runs[i].name);
            rc = 1;
        } else {
            printf("%-8s  bordermap export %8" PRId64 " features %7.2f s | ogr2ogr %7.2f s | "
                   "ratio %.2f (target <= 1.50)\n",
                   runs[i].name, count, t_ours, t_ogr, t_ours / t_ogr);
        }
        unlink(out);
        unlink(ref);
    }
    /* BENCH_KEEP=1 keeps the database for profiling the export alone. */
    if (getenv("BENCH_KEEP")) {
        printf("database kept: %s\n", db);
        return rc;
    }
    char side[1100];
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    return rc;
}
