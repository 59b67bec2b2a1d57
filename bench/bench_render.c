/* bench_render.c: times a 2000x1500 PNG of the full basemap with N incidents (default 100k)
 * through the render module, then the same points through GMT (`gmt plot` in a modern-mode
 * session, then `gmt psconvert -Tg`) in the same run, and prints both times and their ratio.
 * Each side runs `runs` times (default 3), each run in a fresh process (bordermap's by
 * running this program again in child mode, so font, PROJ and GDAL set-up count every time,
 * as GMT's do), and the best run counts, wall clock and CPU.
 * Never times anything but the two renders: the point set is made before the clocks start.
 * Usage: bench_render [N] [OUTDIR] [RUNS]     (child mode: bench_render --child N PNG) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/bordermap.h"
#include "bordermap/render.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of the finished child processes (GMT and Ghostscript): the figure that holds on
 * a machine others are using. */
static double cpu_children(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double cpu_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A deterministic generator, so every run draws the same map. */
static double rnd(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

typedef struct timing {
    double wall, cpu;
} timing;

/* The points: the same every run, and written for GMT when txt is not NULL. */
static int make_points(size_t n, bm_incident *incs, const char *txt)
{
    unsigned long long seed = 42;
    FILE *fp = txt ? fopen(txt, "w") : NULL;
    if (txt && !fp)
        return -1;
    for (size_t i = 0; i < n; i++) {
        bm_incident_init(&incs[i]);
        incs[i].pt.lon = 35.5 + 10 * rnd(&seed);
        incs[i].pt.lat = 31 + 7 * rnd(&seed);
        int t = (int)(rnd(&seed) * BM_N_TYPES);
        snprintf(incs[i].type, sizeof incs[i].type, "%s", bm_type_name(t));
        incs[i].date_start = incs[i].date_end =
            bm_date_add_days((bm_date){2023, 1, 1}, (int64_t)(rnd(&seed) * 730));
        incs[i].n_sources = 1 + (int)(rnd(&seed) * 3);
        if (fp)
            fprintf(fp, "%.5f %.5f %d\n", incs[i].pt.lon, incs[i].pt.lat, t);
    }
    if (fp)
        fclose(fp);
    return 0;
}

/* Child mode: makes the points, then times one render and prints "wall cpu". */
static int child(size_t n, const char *png)
{
    bm_incident *incs = calloc(n ? n : 1, sizeof *incs);
    bm_render_item *items = calloc(n ? n : 1, sizeof *items);
    if (!incs || !items || make_points(n, incs, NULL))
        return 1;
    bm_error err;
    bm_error_clear(&err);
    double t0 = now(), c0 = cpu_self();
    bm_render_opts o;
    bm_render_opts_init(&o);
    bm_render_opts_set_pixels(&o, 2000, 1500);
    bm_renderer *r = NULL;
    int rc = bm_renderer_new(&o, &r, &err);
    if (rc == BM_OK)
        rc = bm_renderer_set_incidents(r, incs, n, &err);
    for (size_t i = 0; i < n; i++)
        items[i] = (bm_render_item){&incs[i], 1, 1};
    bm_render_frame f = {items, n, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}};
    if (rc == BM_OK)
        rc = bm_renderer_write(r, &f, png, 1, &err);
    double wall = now() - t0, cpu = cpu_self() - c0;
    bm_renderer_free(r);
    free(items);
    free(incs);
    if (rc != BM_OK) {
        fprintf(stderr, "bench_render: %s\n", bm_error_text(&err));
        return 1;
    }
    printf("%.6f %.6f\n", wall, cpu);
    return 0;
}

static int render_once(const char *self, size_t n, const char *png, timing *t)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' --child %zu '%s'", self, n, png);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    int got = fscanf(p, "%lf %lf", &t->wall, &t->cpu);
    int rc = pclose(p);
    return got == 2 && rc == 0 ? BM_OK : -1;
}

static int gmt_once(const char *cmd, timing *t)
{
    double t0 = now(), c0 = cpu_children();
    int rc = system(cmd);
    t->wall = now() - t0;
    t->cpu = cpu_children() - c0;
    return rc;
}

static void best(timing *b, timing t)
{
    if (t.wall < b->wall)
        b->wall = t.wall;
    if (t.cpu < b->cpu)
        b->cpu = t.cpu;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--child"))
        return child((size_t)atol(argv[2]), argv[3]);
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    if (runs < 1)
        runs = 1;
    char png[512], txt[512], cmd[2048];
    snprintf(png, sizeof png, "%s/bench-render.png", dir);
    snprintf(txt, sizeof txt, "%s/bench-points.txt", dir);
    bm_incident *incs = calloc(n ? n : 1, sizeof *incs);
    if (!incs || make_points(n, incs, txt))
        return 1;
    free(incs);

    /* GMT: the same points, region, a conic projection and the same pixel width (16.93 cm at
     * 300 dpi is 2000 pixels), in a modern-mode session of its own. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && export GMT_SESSION_NAME=bench$$ && "
             "gmt makecpt -Ccategorical -T0/13/1 > bench.cpt 2>/dev/null && "
             "gmt begin bench-gmt ps && "
             "gmt plot '%s' -R35/46/30.5/38.5 -JL40.5/34.5/31.8/37.2/16.93c -Sc0.12c "
             "-Cbench.cpt -Baf && gmt end && gmt psconvert bench-gmt.ps -Tg -E300 -A",
             dir, txt);

    timing bm = {HUGE_VAL, HUGE_VAL}, gm = {HUGE_VAL, HUGE_VAL};
    printf("incidents: %zu, runs: %d (best counts)\n", n, runs);
    for (int k = 0; k < runs; k++) {
        timing t;
        if (render_once(argv[0], n, png, &t) != BM_OK)
            return 1;
        printf("  bordermap run %d: %.3f s wall, %.3f s cpu\n", k + 1, t.wall, t.cpu);
        best(&bm, t);
    }
    for (int k = 0; k < runs; k++) {
        timing t;
        int rc = gmt_once(cmd, &t);
        if (rc != 0) {
            printf("gmt: failed (exit %d); is Debian's gmt installed?\n", rc);
            return 1;
        }
        printf("  gmt run %d: %.3f s wall, %.3f s cpu\n", k + 1, t.wall, t.cpu);
        best(&gm, t);
    }
    printf("bordermap render 2000x1500 PNG: %.3f s wall, %.3f s cpu\n", bm.wall, bm.cpu);
    printf("gmt plot + psconvert -Tg:       %.3f s wall, %.3f s cpu\n", gm.wall, gm.cpu);
    printf("ratio (gmt / bordermap): %.1fx wall, %.1fx cpu\n", gm.wall / bm.wall, gm.cpu / bm.cpu);
    printf("target: <= 1 s and >= 5x faster: %s\n",
           bm.wall <= 1 && gm.wall / bm.wall >= 5 ? "met" : "NOT met");
    return 0;
}
