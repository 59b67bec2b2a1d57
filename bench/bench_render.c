/* bench_render.c: times a 2000x1500 PNG of the full basemap with N incidents (default 100k)
 * through the render module, then the same points through GMT (gmt psxy + gmt psconvert -Tg)
 * in the same run, and prints both times and their ratio.
 * Never times anything but the two renders: the point set is made before the clocks start. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A deterministic generator, so every run draws the same map. */
static double rnd(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

typedef struct bench_ctx {
    bm_renderer *r;
    bm_render_frame *f;
} bench_ctx;

static int draw(cairo_t *cr, void *user, bm_error *err)
{
    bench_ctx *b = user;
    return bm_renderer_draw_frame(b->r, cr, b->f, err);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char png[512], txt[512], ps[512], cmd[2048];
    snprintf(png, sizeof png, "%s/bench-render.png", dir);
    snprintf(txt, sizeof txt, "%s/bench-points.txt", dir);
    snprintf(ps, sizeof ps, "%s/bench-gmt.ps", dir);

    bm_incident *incs = calloc(n, sizeof *incs);
    bm_render_item *items = calloc(n, sizeof *items);
    if (!incs || !items)
        return 1;
    unsigned long long seed = 42;
    FILE *fp = fopen(txt, "w");
    if (!fp)
        return 1;
    for (size_t i = 0; i < n; i++) {
        bm_incident_init(&incs[i]);
        incs[i].pt.lon = 35.5 + 10 * rnd(&seed);
        incs[i].pt.lat = 31 + 7 * rnd(&seed);
        int t = (int)(rnd(&seed) * BM_N_TYPES);
        snprintf(incs[i].type, sizeof incs[i].type, "%s", bm_type_name(t));
        incs[i].date_start = incs[i].date_end = bm_date_add_days((bm_date){2023, 1, 1},
                                                                 (int64_t)(rnd(&seed) * 730));
        incs[i].n_sources = 1 + (int)(rnd(&seed) * 3);
        fprintf(fp, "%.5f %.5f %d\n", incs[i].pt.lon, incs[i].pt.lat, t);
    }
    fclose(fp);

    bm_error err;
    bm_error_clear(&err);
    double t0 = now();
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
    bench_ctx b = {r, &f};
    if (rc == BM_OK)
        rc = bm_render_write(png, BM_RENDER_PNG, o.page_w, o.page_h, o.dpi, 1, draw, &b, &err);
    double t_bm = now() - t0;
    bm_renderer_free(r);
    if (rc != BM_OK) {
        fprintf(stderr, "bench_render: %s\n", bm_error_text(&err));
        return 1;
    }

    /* GMT: the same points, same region, a conic projection and the same pixel width. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && gmt makecpt -Ccategorical -T0/13/1 > bench.cpt 2>/dev/null && "
             "gmt psxy '%s' -R35/46/30.5/38.5 -JL40.5/34.5/31.8/37.2/16.93c -Sc0.12c -Cbench.cpt "
             "-Baf -P > '%s' && gmt psconvert '%s' -Tg -E300 -A",
             dir, txt, ps, ps);
    t0 = now();
    int gmt_rc = system(cmd);
    double t_gmt = now() - t0;
    printf("incidents: %zu\n", n);
    printf("bordermap render 2000x1500 PNG: %.3f s\n", t_bm);
    if (gmt_rc != 0) {
        printf("gmt: failed (exit %d); is Debian's gmt installed?\n", gmt_rc);
        return 1;
    }
    printf("gmt psxy + psconvert -Tg: %.3f s\n", t_gmt);
    printf("ratio (gmt / bordermap): %.1fx\n", t_gmt / t_bm);
    printf("target: <= 1 s and >= 5x faster: %s\n",
           t_bm <= 1 && t_gmt / t_bm >= 5 ? "met" : "NOT met");
    free(items);
    free(incs);
    return 0;
}
