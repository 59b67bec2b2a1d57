/* bench_animate.c: 120 daily frames at 1280x960 over 10,000 incidents, drawn
 * by the renderer and written as GIF (and WebP and PNG frames with --all):
 * seconds per frame, total, the draw/encode split and the file sizes.
 * Never a test: it prints figures; the target is <= 10 s in total for the GIF.
 * Usage: bench_animate [--all] [--incidents N] [--frames N] [OUTDIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/bordermap.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Clusters where border incidents gather (Qaim/Albu Kamal, Rabia, Sinjar,
 * al-Tanf/al-Walid, Deir ez-Zor, Hasakah, Rutba), with a deterministic
 * spread: the same input every run. */
static const double hubs[][2] = {{40.93, 34.43}, {42.12, 36.80}, {41.87, 36.32}, {38.80, 33.50},
                                 {40.14, 35.33}, {40.75, 36.50}, {40.28, 33.03}, {41.45, 34.37}};

static double frand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (double)((*seed >> 8) & 0xffff) / 65536.0;
}

/* CPU seconds of this process: the figure that holds on a busy machine. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int fill_store(bm_store *st, int n, bm_date from, int days)
{
    unsigned seed = 42;
    if (bm_store_begin(st) != BM_OK)
        return BM_EDB;
    for (int i = 0; i < n; i++) {
        bm_incident inc;
        bm_incident_init(&inc);
        const double *h = hubs[i % (int)(sizeof hubs / sizeof hubs[0])];
        inc.pt.lon = h[0] + (frand(&seed) - 0.5) * 0.9;
        inc.pt.lat = h[1] + (frand(&seed) - 0.5) * 0.7;
        inc.date_start = bm_date_add_days(from, (int64_t)(frand(&seed) * days));
        inc.date_end = inc.date_start;
        if (i % 25 == 0) { /* some month-precision reports */
            inc.date_start.day = 1;
            inc.date_end = bm_date_span_end(inc.date_start, BM_PREC_MONTH);
            inc.date_precision = BM_PREC_MONTH;
        }
        snprintf(inc.type, sizeof inc.type, "%s", bm_type_name(i % 12));
        inc.geo_precision = i % 40 == 0 ? 3 : 1;
        snprintf(inc.summary, sizeof inc.summary, "bench incident %d", i);
        if (bm_store_incident_add(st, &inc) != BM_OK) {
            fprintf(stderr, "incident_add: %s\n", bm_store_errmsg(st));
            bm_store_rollback(st);
            return BM_EDB;
        }
    }
    return bm_store_commit(st);
}

static long file_size(const char *path)
{
    struct stat s;
    return stat(path, &s) == 0 ? (long)s.st_size : -1;
}

static long dir_size(const char *dir, size_t frames)
{
    long total = 0;
    for (size_t k = 1; k <= frames; k++) {
        char p[1200];
        snprintf(p, sizeof p, "%s/frame-%04zu.png", dir, k);
        total += file_size(p) > 0 ? file_size(p) : 0;
    }
    return total;
}

static int run_one(bm_store *st, const bm_anim_opts *ao, const char *path, bm_anim_format fmt)
{
    bm_error err;
    bm_error_clear(&err);
    bm_anim *a = NULL;
    bm_renderer *r = NULL;
    bm_render_opts ro;
    bm_render_opts_init(&ro);
    bm_render_opts_set_pixels(&ro, 1280, 960);
    ro.has_from = ro.has_to = 1;
    ro.from = ao->from;
    ro.to = ao->to;
    bm_query q;
    bm_query_init(&q);
    double t0 = now_seconds(), c0 = cpu_seconds();
    size_t n = 0;
    int rc = bm_anim_new(ao, &a, &err);
    if (rc == BM_OK)
        rc = bm_anim_load(a, st, &q, &err);
    if (rc == BM_OK)
        rc = bm_renderer_new(&ro, &r, &err);
    const bm_incident *incs = bm_anim_incidents(a, &n);
    if (rc == BM_OK)
        rc = bm_renderer_set_incidents(r, incs, n, &err);
    double t1 = now_seconds();
    bm_anim_output out;
    bm_anim_output_init(&out);
    out.writer.format = fmt;
    out.writer.overwrite = 1;
    out.fps = 8;
    bm_anim_stats s = {0};
    if (rc == BM_OK)
        rc = bm_anim_render(a, r, path, &out, &s, &err);
    double t2 = now_seconds(), c2 = cpu_seconds();
    if (rc != BM_OK) {
        fprintf(stderr, "bench_animate: %s: %s\n", path, bm_error_text(&err));
    } else {
        long size = fmt == BM_ANIM_FRAMES ? dir_size(path, s.frames) : file_size(path);
        printf("%-5s %zu frames 1280x960, %zu incidents: setup %.2f s, frames %.2f s "
               "(%.1f ms/frame: draw %.1f, encode %.1f), total %.2f s (cpu %.2f s), %.2f MB\n",
               fmt == BM_ANIM_GIF    ? "gif"
               : fmt == BM_ANIM_WEBP ? "webp"
                                     : "png",
               s.frames, n, t1 - t0, t2 - t1, 1000 * (t2 - t1) / (double)s.frames,
               1000 * s.draw_seconds / (double)s.frames, 1000 * s.encode_seconds / (double)s.frames,
               t2 - t0, c2 - c0, size / 1e6);
    }
    bm_renderer_free(r);
    bm_anim_free(a);
    return rc;
}

int main(int argc, char **argv)
{
    int all = 0, n_inc = 10000, frames = 120;
    const char *outdir = "/tmp";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--incidents") == 0 && i + 1 < argc)
            n_inc = atoi(argv[++i]);
        else if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc)
            frames = atoi(argv[++i]);
        else
            outdir = argv[i];
    }
    char db[1024], path[1100];
    snprintf(db, sizeof db, "%s/bench_animate-%ld.sqlite", outdir, (long)getpid());
    bm_store *st = NULL;
    bm_error err;
    if (bm_store_open(db, 0, &st, &err) != BM_OK) {
        fprintf(stderr, "bench_animate: %s\n", bm_error_text(&err));
        return 1;
    }
    bm_date from = {2024, 1, 1};
    double t0 = now_seconds();
    int rc = fill_store(st, n_inc, from, frames);
    printf("store: %d incidents in %.2f s\n", n_inc, now_seconds() - t0);
    bm_anim_opts ao;
    bm_anim_opts_init(&ao);
    ao.from = from;
    ao.to = bm_date_add_days(from, frames - 1);
    ao.step = (bm_anim_step){BM_ANIM_DAYS, 1};
    ao.window = (bm_anim_window){0, 14};
    bm_fade_default(&ao.fade, ao.window);
    snprintf(path, sizeof path, "%s/bench_animate.gif", outdir);
    if (rc == BM_OK)
        rc = run_one(st, &ao, path, BM_ANIM_GIF);
    if (rc == BM_OK && all) {
        snprintf(path, sizeof path, "%s/bench_animate.webp", outdir);
        rc = run_one(st, &ao, path, BM_ANIM_WEBP);
    }
    if (rc == BM_OK && all) {
        snprintf(path, sizeof path, "%s/bench_animate-frames/", outdir);
        rc = run_one(st, &ao, path, BM_ANIM_FRAMES);
    }
    bm_store_close(st);
    unlink(db);
    return rc == BM_OK ? 0 : 1;
}
