/* project.c: lon/lat to map coordinates through PROJ, and the fit of a projected box into
 * the page's map frame. Axis order is settled here, once (proj_normalize_for_visualization).
 * Must never hand-roll projection maths: PROJ does the projecting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <proj.h>

#include "render_private.h"

struct bm__proj {
    PJ_CONTEXT *ctx;
    PJ *pj;
    int radians; /* pj is a bare projection: it takes radians, not degrees */
};

void bm__proj_free(bm__proj *p)
{
    if (!p)
        return;
    if (p->pj)
        proj_destroy(p->pj);
    if (p->ctx)
        proj_context_destroy(p->ctx);
    free(p);
}

static int proj_fail(bm__proj *p, bm_error *err, const char *what)
{
    int e = p->ctx ? proj_context_errno(p->ctx) : 0;
    bm_error_set(err, BM_EPROJ, "%s: %s", what, e ? proj_context_errno_string(p->ctx, e) : "?");
    bm__proj_free(p);
    return BM_EPROJ;
}

/* A conformal conic keeps shapes and angles true, which is what a reader of a regional map
 * expects; the 1/6 and 5/6 standard parallels spread the scale error over the whole span.
 * A crs given by the user goes through proj_create_crs_to_crs and axis normalisation. */
int bm__proj_new(const char *crs, double w, double s, double e, double n, bm__proj **out,
                 bm_error *err)
{
    *out = NULL;
    bm__proj *p = calloc(1, sizeof *p);
    if (!p)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    p->ctx = proj_context_create();
    if (!p->ctx)
        return proj_fail(p, err, "PROJ context");
    /* Failures come back through err; PROJ's own log lines would only
     * interleave raw diagnostics with ours on stderr. */
    proj_log_level(p->ctx, PJ_LOG_NONE);
    char def[256];
    if (!crs || !*crs) {
        /* The bare projection rather than a CRS-to-CRS operation: the same numbers (the
         * datum is WGS84 on both sides), without opening PROJ's database or running a
         * pipeline of unit and axis steps for every point of a 100k-incident map. */
        double span = n - s;
        snprintf(def, sizeof def,
                 "+proj=lcc +lat_1=%.6f +lat_2=%.6f +lat_0=%.6f +lon_0=%.6f +ellps=WGS84 "
                 "+units=m",
                 s + span / 6, s + span * 5 / 6, (s + n) / 2, (w + e) / 2);
        p->pj = proj_create(p->ctx, def);
        if (!p->pj)
            return proj_fail(p, err, def);
        p->radians = 1;
        *out = p;
        return BM_OK;
    }
    PJ *raw = proj_create_crs_to_crs(p->ctx, "EPSG:4326", crs, NULL);
    if (!raw)
        return proj_fail(p, err, crs);
    /* EPSG:4326 is lat,lon in its definition; normalising makes every call lon,lat -> x,y. */
    p->pj = proj_normalize_for_visualization(p->ctx, raw);
    proj_destroy(raw);
    if (!p->pj)
        return proj_fail(p, err, crs);
    *out = p;
    return BM_OK;
}

void bm__proj_fwd(const bm__proj *p, double *xy, size_t n)
{
    if (!n)
        return;
    if (p->radians)
        for (size_t i = 0; i < 2 * n; i++)
            xy[i] = proj_torad(xy[i]);
    proj_trans_generic(p->pj, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n,
                       NULL, 0, 0, NULL, 0, 0);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) || fabs(xy[2 * i]) > 1e15)
            xy[2 * i] = xy[2 * i + 1] = HUGE_VAL;
}

void bm__proj_box(const bm__proj *p, double w, double s, double e, double n, double out[4])
{
    enum { STEPS = 32 };
    double xy[4 * STEPS * 2];
    for (int i = 0; i < STEPS; i++) {
        double t = (double)i / (STEPS - 1);
        double lon = w + (e - w) * t, lat = s + (n - s) * t;
        double *q = xy + 8 * i;
        q[0] = lon, q[1] = s;
        q[2] = lon, q[3] = n;
        q[4] = w, q[5] = lat;
        q[6] = e, q[7] = lat;
    }
    bm__proj_fwd(p, xy, 4 * STEPS);
    out[0] = out[1] = HUGE_VAL;
    out[2] = out[3] = -HUGE_VAL;
    for (int i = 0; i < 4 * STEPS; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (x == HUGE_VAL)
            continue;
        out[0] = fmin(out[0], x), out[1] = fmin(out[1], y);
        out[2] = fmax(out[2], x), out[3] = fmax(out[3], y);
    }
}

void bm__view_fit(bm__view *v, const double box[4], double fx, double fy, double fw, double fh)
{
    double bw = box[2] - box[0], bh = box[3] - box[1];
    double k = fmin(fw / bw, fh / bh);
    v->k = k;
    v->fx = fx, v->fy = fy, v->fw = fw, v->fh = fh;
    /* Centre the box in the frame; the frame shows a little more on the looser axis. */
    v->x0 = (box[0] + box[2]) / 2;
    v->y0 = (box[1] + box[3]) / 2;
    v->px = fx + fw / 2;
    v->py = fy + fh / 2;
}
