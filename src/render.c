/* render.c: the incident map: options, page layout (where the legend, inset, scale bar and
 * stamp go), the static basemap layers (kept as a raster for image targets and as a recording
 * for vector ones), the labels of a frame, and atomic PNG/PDF/SVG output. Symbols live in
 * render_symbols.c, furniture in render_furniture.c, file bytes in render_output.c.
 * Must never read the store while drawing a frame: incidents and places are copied in first. */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/mman.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "bordermap/fileio.h"
#include "digest_private.h"
#include "render_private.h"
#include "store_private.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- Options ------------------------------------------------------------------------- */

void bm_render_opts_init(bm_render_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dpi = 96;
    o->page_w = 1000 * 72.0 / 96;
    o->page_h = 750 * 72.0 / 96;
    o->lang = BM_LANG_BOTH;
    o->extent = BM_EXTENT_CORRIDOR;
    o->furniture = BM_FURN_ALL;
}

int bm_render_opts_set_pixels(bm_render_opts *o, int w, int h)
{
    if (w < 16 || h < 16 || w > 20000 || h > 20000 || o->dpi <= 0)
        return BM_EINVAL;
    o->page_w = w * 72.0 / o->dpi;
    o->page_h = h * 72.0 / o->dpi;
    return BM_OK;
}

int bm_render_opts_set_paper(bm_render_opts *o, const char *name, int landscape)
{
    double w, h;
    if (!strcasecmp(name, "A4"))
        w = 595.276, h = 841.890;
    else if (!strcasecmp(name, "A3"))
        w = 841.890, h = 1190.551;
    else if (!strcasecmp(name, "letter"))
        w = 612, h = 792;
    else
        return BM_EINVAL;
    o->page_w = landscape ? h : w;
    o->page_h = landscape ? w : h;
    return BM_OK;
}

void bm_render_opts_pixels(const bm_render_opts *o, int *w, int *h)
{
    *w = (int)lround(o->page_w * o->dpi / 72);
    *h = (int)lround(o->page_h * o->dpi / 72);
}

int bm_render_lang_parse(const char *s, bm_render_lang *out)
{
    if (!strcmp(s, "en"))
        *out = BM_LANG_EN;
    else if (!strcmp(s, "ar"))
        *out = BM_LANG_AR;
    else if (!strcmp(s, "both"))
        *out = BM_LANG_BOTH;
    else
        return BM_EINVAL;
    return BM_OK;
}

int bm_render_format_for_path(const char *path, bm_render_format *out, bm_error *err)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strcasecmp(dot, ".png"))
        *out = BM_RENDER_PNG;
    else if (dot && !strcasecmp(dot, ".pdf"))
        *out = BM_RENDER_PDF;
    else if (dot && !strcasecmp(dot, ".svg"))
        *out = BM_RENDER_SVG;
    else
        return bm_error_set(err, BM_EINVAL, "%s: the name must end in .png, .pdf or .svg", path);
    return BM_OK;
}

/* ---- Data files ------------------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Splits a TSV line in place into at most n fields. */
static int split_tsv(char *line, char **f, int n)
{
    int k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "\t\r\n", &save); tok && k < n;
         tok = strtok_r(NULL, "\t\r\n", &save))
        f[k++] = tok;
    return k;
}

static void load_months(bm_renderer *r)
{
    static const char *en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++) {
        snprintf(r->months_en[i], sizeof r->months_en[i], "%s", en[i]);
        snprintf(r->months_ar[i], sizeof r->months_ar[i], "%s", en[i]);
    }
    char path[1024], line[512];
    if (bm_data_path("maps/months.tsv", path, sizeof path, NULL) != BM_OK)
        return;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    while (fgets(line, sizeof line, fp)) {
        char *f[4] = {0};
        int m = line[0] == '#' ? 0 : split_tsv(line, f, 4) == 4 ? atoi(f[0]) : 0;
        if (m < 1 || m > 12)
            continue;
        snprintf(r->months_en[m - 1], sizeof r->months_en[m - 1], "%s", f[2]);
        snprintf(r->months_ar[m - 1], sizeof r->months_ar[m - 1], "%s", f[3]);
    }
    fclose(fp);
}

/* maps/place-ranks.tsv: which towns are labelled first. Unlisted places keep rank 9. */
static void load_ranks(bm_renderer *r)
{
    char path[1024], line[256];
    if (bm_data_path("maps/place-ranks.tsv", path, sizeof path, NULL) != BM_OK)
        return;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    while (fgets(line, sizeof line, fp)) {
        char *f[2] = {0};
        if (line[0] == '#' || split_tsv(line, f, 2) != 2 || !strcmp(f[0], "id"))
            continue;
        int rank = atoi(f[1]);
        for (size_t i = 0; i < r->n_places; i++)
            if (!strcmp(r->places[i].p.id, f[0]))
                r->places[i].rank = rank >= 1 && rank <= 3 ? rank : 9;
    }
    fclose(fp);
}

/* ---- Life cycle ---------------------------------------------------------------------- */

/* Small pages get smaller furniture: a 640 x 480 map with 1000 x 750 type sizes would be all
 * legend. Big pages keep the sizes (points are points on paper). */
static double furniture_scale(const bm_render_opts *o)
{
    double k = fmin(o->page_w / 750, o->page_h / 562.5);
    return fmax(0.72, fmin(1, k));
}

static int init_text(bm_renderer *r, bm_error *err)
{
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    r->pctx = pango_font_map_create_context(fm);
    /* Layout in points, unhinted: the same text takes the same room in PNG, PDF and SVG. */
    pango_cairo_context_set_resolution(r->pctx, 72);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(r->pctx, fo);
    cairo_font_options_destroy(fo);
    r->labels = bm__labels_new(r->pctx, r->st.sans, r->o.lang, r->st.halo);
    return r->labels ? BM_OK : bm_error_set(err, BM_ENOMEM, "out of memory");
}

int bm_renderer_new(const bm_render_opts *o, bm_renderer **out, bm_error *err)
{
    *out = NULL;
    if (o->page_w < 100 || o->page_h < 100 || o->dpi <= 0)
        return bm_error_set(err, BM_EINVAL, "page too small (%.0f x %.0f pt)", o->page_w,
                            o->page_h);
    bm_renderer *r = calloc(1, sizeof *r);
    if (!r)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    r->o = *o;
    r->title = dup_or_null(o->title);
    r->crs = dup_or_null(o->crs);
    r->o.title = r->title;
    r->o.crs = r->crs;
    r->o.style_path = r->o.basemap_path = NULL;
    int rc = BM_OK;
    if (o->style_path)
        snprintf(r->style_path, sizeof r->style_path, "%s", o->style_path);
    else
        rc = bm_data_path("maps/style.ini", r->style_path, sizeof r->style_path, err);
    if (rc == BM_OK && o->basemap_path)
        snprintf(r->basemap_path, sizeof r->basemap_path, "%s", o->basemap_path);
    else if (rc == BM_OK)
        rc = bm_data_path("maps/basemap.gpkg", r->basemap_path, sizeof r->basemap_path, err);
    bm__style_defaults(&r->st);
    if (rc == BM_OK)
        rc = bm__style_load(r->style_path, &r->st, err);
    if (rc == BM_OK && ((!r->title) != (!o->title) || (!r->crs) != (!o->crs)))
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc == BM_OK) {
        bm__style_scale(&r->st, furniture_scale(o));
        load_months(r);
        rc = init_text(r, err);
    }
    if (rc != BM_OK) {
        bm_renderer_free(r);
        return rc;
    }
    *out = r;
    return BM_OK;
}

static void drop_static(bm_renderer *r)
{
    if (r->stat)
        cairo_surface_destroy(r->stat);
    if (r->cache)
        cairo_surface_destroy(r->cache);
    r->stat = r->cache = NULL;
}

static int basemap_join(bm_renderer *r);

void bm_renderer_free(bm_renderer *r)
{
    if (!r)
        return;
    basemap_join(r);
    bm__basemap_free(&r->bm);
    bm__proj_free(r->proj);
    bm__proj_free(r->lproj);
    drop_static(r);
    bm__sprites_free(r);
    bm__hatch_free(r);
    bm__labels_free(r->labels);
    if (r->pctx)
        g_object_unref(r->pctx);
    free(r->places);
    free(r->place_order);
    free(r->incs);
    free(r->imprecise_ids);
    free(r->pxy);
    free(r->ptype);
    free(r->fi_buf);
    free(r->sobs);
    free(r->title);
    free(r->crs);
    free(r);
}

/* ---- Places and incidents -------------------------------------------------------------- */

static int place_kind(const char *kind)
{
    if (!strcmp(kind, "city") || !strcmp(kind, "town"))
        return BM_PK_TOWN;
    if (!strcmp(kind, "crossing"))
        return BM_PK_CROSSING;
    if (!strcmp(kind, "country"))
        return BM_PK_COUNTRY;
    if (!strcmp(kind, "governorate") || !strcmp(kind, "region") || !strcmp(kind, "district") ||
        !strcmp(kind, "subdistrict"))
        return BM_PK_AREA;
    return BM_PK_OTHER;
}

int bm_renderer_add_place(bm_renderer *r, const bm_place *p, bm_error *err)
{
    if (r->n_places == r->cap_places) {
        size_t cap = r->cap_places * 2 + 64;
        bm__rplace *np = realloc(r->places, cap * sizeof *np);
        if (!np)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        r->places = np, r->cap_places = cap;
    }
    r->places[r->n_places++] = (bm__rplace){*p, 9, place_kind(p->kind), HUGE_VAL, HUGE_VAL};
    free(r->place_order);
    r->place_order = NULL;
    /* Crossings are static symbols: the layers drawn so far lack this one. */
    drop_static(r);
    return BM_OK;
}

typedef struct place_ctx {
    bm_renderer *r;
    bm_error *err;
} place_ctx;

static int place_cb(const bm_place *p, void *user)
{
    place_ctx *c = user;
    int k = place_kind(p->kind);
    /* Areas and countries are kept for the imprecise incidents that name them. */
    if (k == BM_PK_OTHER)
        return 0;
    return bm_renderer_add_place(c->r, p, c->err);
}

int bm_renderer_load_places(bm_renderer *r, bm_store *store, bm_error *err)
{
    place_ctx c = {r, err};
    int rc = bm_store_places(store, place_cb, &c);
    if (rc != BM_OK && err && !err->msg[0])
        bm_error_set(err, rc, "reading places: %s", bm_store_errmsg(store));
    return rc;
}

static int cmp_place_ids(const bm__rplace *places, size_t a, size_t b)
{
    return strcmp(places[a].p.id, places[b].p.id);
}

/* The place index sorted by id, built on first use (a lookup per incident of a 100k frame
 * would otherwise scan every place). Insertion sort over an index: places come from the
 * store already ordered by id, so this is linear in practice. */
static void build_place_order(bm_renderer *r)
{
    r->place_order = malloc((r->n_places + 1) * sizeof *r->place_order);
    if (!r->place_order)
        return;
    for (size_t i = 0; i < r->n_places; i++) {
        size_t j = i;
        while (j > 0 && cmp_place_ids(r->places, r->place_order[j - 1], i) > 0) {
            r->place_order[j] = r->place_order[j - 1];
            j--;
        }
        r->place_order[j] = i;
    }
}

const bm__rplace *bm__find_place(const bm_renderer *r, const char *id)
{
    if (!id || !*id || !r->n_places)
        return NULL;
    if (!r->place_order)
        build_place_order((bm_renderer *)r);
    if (!r->place_order)
        return NULL;
    size_t lo = 0, hi = r->n_places;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->places[r->place_order[mid]].p.id, id);
        if (c == 0)
            return &r->places[r->place_order[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* bm_type_index's answer, with the first letter checked before a whole comparison: a 100k
 * frame otherwise spends its time in strcmp. */
static int type_of(const char *name)
{
    for (int t = 0; t < BM_N_TYPES; t++) {
        const char *n = bm_type_name(t);
        if (n[0] == name[0] && !strcmp(n, name))
            return t;
    }
    return -1;
}

void bm__finc_from(bm__finc *d, const bm_incident *inc)
{
    d->id = inc->id;
    d->start = inc->date_start, d->end = inc->date_end;
    d->pt = inc->pt;
    d->type = type_of(inc->type);
    d->geo = inc->geo_precision;
    d->fatalities = inc->fatalities;
    d->n_sources = inc->n_sources;
    memcpy(d->place_id, inc->place_id, sizeof d->place_id);
    d->place_id[sizeof d->place_id - 1] = 0;
}

static int set_fincs(bm_renderer *r, const bm__finc *incs, size_t n, bm_error *err)
{
    size_t n_imprecise = 0;
    for (size_t i = 0; i < n; i++)
        n_imprecise += incs[i].geo >= 3;
    bm__rinc *copy = n ? malloc(n * sizeof *copy) : NULL;
    char(*ids)[64] = n_imprecise ? malloc(n_imprecise * sizeof *ids) : NULL;
    if ((n && !copy) || (n_imprecise && !ids)) {
        free(copy);
        free(ids);
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    }
    memset(r->types_present, 0, sizeof r->types_present);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const bm__finc *in = &incs[i];
        int t = in->type;
        copy[i] = (bm__rinc){in->start, in->end, t, in->geo, in->pt};
        if (t >= 0)
            r->types_present[t]++;
        if (in->geo >= 3)
            snprintf(ids[k++], sizeof ids[0], "%s", in->place_id);
    }
    free(r->incs);
    free(r->imprecise_ids);
    r->incs = copy;
    r->n_incs = n;
    r->imprecise_ids = ids;
    r->n_imprecise = n_imprecise;
    /* The timeline and the legend's rows are part of the layout: lay out again. */
    drop_static(r);
    if (r->ready) {
        bm__basemap_free(&r->bm);
        bm__proj_free(r->proj);
        bm__proj_free(r->lproj);
        r->proj = r->lproj = NULL;
        r->ready = 0;
    }
    return BM_OK;
}

int bm_renderer_set_incidents(bm_renderer *r, const bm_incident *incs, size_t n, bm_error *err)
{
    bm__finc *v = n ? malloc(n * sizeof *v) : NULL;
    if (n && !v)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        bm__finc_from(&v[i], &incs[i]);
    int rc = set_fincs(r, v, n, err);
    free(v);
    return rc;
}

/* ---- Layout and projection ----------------------------------------------------------- */

static void data_extent(const bm_renderer *r, double ext[4])
{
    double w = HUGE_VAL, s = HUGE_VAL, e = -HUGE_VAL, n = -HUGE_VAL;
    for (size_t i = 0; i < r->n_incs; i++) {
        bm_lonlat p = r->incs[i].pt;
        w = fmin(w, p.lon), e = fmax(e, p.lon), s = fmin(s, p.lat), n = fmax(n, p.lat);
    }
    if (w > e) {
        memcpy(ext, r->bm.corridor, sizeof r->bm.corridor);
        return;
    }
    /* Pad by a fifth of the span, and never show less than about 1.5 degrees. */
    double pw = fmax((e - w) * 0.2, 0.75 - (e - w) / 2);
    double ph = fmax((n - s) * 0.2, 0.6 - (n - s) / 2);
    ext[0] = w - pw, ext[1] = s - ph, ext[2] = e + pw, ext[3] = n + ph;
}

/* The vertical bands of the page: title, map frame, timeline, attribution. */
static void layout_bands(bm_renderer *r, double side_w)
{
    const bm__style *st = &r->st;
    double W = r->o.page_w, H = r->o.page_h, m = st->margin;
    int f = r->o.furniture;
    r->title_h = (f & BM_FURN_TITLE) ? st->title_size * 1.45 + st->subtitle_size * 1.7 : 0;
    r->attrib_y = H - m / 2 - st->small_size * 1.4;
    r->timeline_h = (f & BM_FURN_TIMELINE) ? fmax(st->small_size * 6.5, H * 0.11) : 0;
    r->timeline_y = r->attrib_y - r->timeline_h - m * 0.3;
    double fy = m + r->title_h, fh = r->timeline_y - fy - m * 0.5;
    if (!(f & BM_FURN_TIMELINE))
        fh = r->attrib_y - fy - m * 0.4;
    r->view.fx = m, r->view.fy = fy, r->view.fw = W - 2 * m - side_w, r->view.fh = fh;
}

/* Fits the extent into the frame and works out the scale. */
static void fit(bm_renderer *r)
{
    double pbox[4];
    bm__proj_box(r->proj, r->ext[0], r->ext[1], r->ext[2], r->ext[3], pbox);
    bm__view_fit(&r->view, pbox, r->view.fx, r->view.fy, r->view.fw, r->view.fh);
    /* Kilometres per point at the map's centre: the conic's scale error is well under 1% in
     * the corridor, so one figure serves the scale bar and the town thresholds. */
    double clon = (r->ext[0] + r->ext[2]) / 2, clat = (r->ext[1] + r->ext[3]) / 2;
    double xy[4] = {clon, clat, clon, clat + 0.5};
    bm__proj_fwd(r->proj, xy, 2);
    r->km_per_pt = 1 / r->view.k / 1000;
    if (r->crs && xy[0] != HUGE_VAL && xy[2] != HUGE_VAL) {
        double dpt = hypot(xy[2] - xy[0], xy[3] - xy[1]) * r->view.k;
        r->km_per_pt = bm_distance_km((bm_lonlat){clon, clat}, (bm_lonlat){clon, clat + 0.5}) / dpt;
    }
}

static void project_places(bm_renderer *r)
{
    const bm__view *v = &r->view;
    for (size_t i = 0; i < r->n_places; i++) {
        bm__rplace *p = &r->places[i];
        double xy[2] = {p->p.pt.lon, p->p.pt.lat}, x, y;
        bm__proj_fwd(r->proj, xy, 1);
        p->x = p->y = HUGE_VAL;
        if (xy[0] == HUGE_VAL)
            continue;
        bm__view_page(v, xy[0], xy[1], &x, &y);
        if (x >= v->fx && x <= v->fx + v->fw && y >= v->fy && y <= v->fy + v->fh)
            p->x = x, p->y = y;
    }
}

/* Incidents on the page for layout decisions: all of them up to LAYOUT_SAMPLE, else every
 * stride-th one (the legend's corner needs a density, not every point). */
#define LAYOUT_SAMPLE 20000

typedef struct inc_sample {
    double *xy;    /* page positions, HUGE_VAL off the frame */
    size_t n;      /* positions held */
    size_t stride; /* incident i * stride is position i */
} inc_sample;

static void project_sample(const bm_renderer *r, inc_sample *smp)
{
    smp->stride = r->n_incs > LAYOUT_SAMPLE ? (r->n_incs + LAYOUT_SAMPLE - 1) / LAYOUT_SAMPLE : 1;
    smp->n = r->n_incs / smp->stride;
    smp->xy = malloc((smp->n + 1) * 2 * sizeof *smp->xy);
    if (!smp->xy) {
        smp->n = 0;
        return;
    }
    double *xy = smp->xy;
    for (size_t i = 0; i < smp->n; i++)
        xy[2 * i] = r->incs[i * smp->stride].pt.lon,
               xy[2 * i + 1] = r->incs[i * smp->stride].pt.lat;
    bm__proj_fwd(r->proj, xy, smp->n);
    const bm__view *v = &r->view;
    for (size_t i = 0; i < smp->n; i++) {
        double x, y;
        if (xy[2 * i] == HUGE_VAL)
            continue;
        bm__view_page(v, xy[2 * i], xy[2 * i + 1], &x, &y);
        int in = x >= v->fx && x <= v->fx + v->fw && y >= v->fy && y <= v->fy + v->fh;
        xy[2 * i] = in ? x : HUGE_VAL, xy[2 * i + 1] = in ? y : HUGE_VAL;
    }
}

/* Whether any two precise incidents share a cell (the legend then explains the ring): a set
 * of cell keys, stopping at the first one seen twice. Sets too large to check whole have
 * co-located incidents in practice: yes. */
static int any_colocated(const bm_renderer *r, const inc_sample *smp)
{
    if (smp->stride > 1 || !smp->xy)
        return smp->stride > 1;
    size_t cap = 64;
    while (cap < 2 * smp->n + 16)
        cap *= 2;
    uint64_t *keys = calloc(cap, sizeof *keys);
    if (!keys)
        return 1;
    double cell = fmax(r->st.colocated, 0.01);
    const double *xy = smp->xy;
    int found = 0;
    for (size_t i = 0; i < smp->n && !found; i++) {
        if (xy[2 * i] == HUGE_VAL || r->incs[i].geo >= 3 || r->incs[i].type < 0)
            continue;
        /* Bit 63 set marks a used slot (cell indices stay far below 2^31). */
        uint64_t key = 1ull << 63 | (uint64_t)(uint32_t)(int32_t)lround(xy[2 * i] / cell) << 31 |
                       (uint64_t)((uint32_t)(int32_t)lround(xy[2 * i + 1] / cell) & 0x7fffffffu);
        size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
        while (keys[h] && keys[h] != key)
            h = (h + 1) & (cap - 1);
        found = keys[h] == key;
        keys[h] = key;
    }
    free(keys);
    return found;
}

static int rect_has(bm__rect b, double x, double y)
{
    return x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h;
}

/* How much of the map a box would hide: incidents weigh most, then the towns and crossings
 * that get names, then the Iraq-Syria border. */
static double corner_cost(const bm_renderer *r, const inc_sample *smp, bm__rect b)
{
    double cost = 0;
    const double *xy = smp->xy;
    for (size_t i = 0; i < smp->n; i++)
        cost += 6.0 * (double)smp->stride *
                (xy[2 * i] != HUGE_VAL && rect_has(b, xy[2 * i], xy[2 * i + 1]));
    for (size_t i = 0; i < r->n_places; i++) {
        const bm__rplace *p = &r->places[i];
        if (p->x != HUGE_VAL && (p->rank <= 3 || p->kind == BM_PK_CROSSING) &&
            rect_has(b, p->x, p->y))
            cost += p->rank <= 2 ? 3 : 2;
    }
    for (size_t i = 0; i < r->bm.border_iq_sy.n; i++) {
        const bm__feature *f = &r->bm.border_iq_sy.f[i];
        for (int k = 0; k < f->n_points; k++) {
            double x, y;
            if (f->xy[2 * k] == HUGE_VAL)
                continue;
            bm__view_page(&r->view, f->xy[2 * k], f->xy[2 * k + 1], &x, &y);
            cost += 0.5 * rect_has(b, x, y);
        }
    }
    return cost;
}

/* A box of w x h in one of the frame's corners: 0 top left, 1 bottom left, 2 top right,
 * 3 bottom right. */
static bm__rect corner_rect(const bm_renderer *r, int c, double w, double h)
{
    const bm__view *v = &r->view;
    double pad = r->st.margin * 0.45;
    double x = c < 2 ? v->fx + pad : v->fx + v->fw - w - pad;
    double y = c % 2 == 0 ? v->fy + pad : v->fy + v->fh - h - pad;
    return (bm__rect){x, y, w, h};
}

static int overlaps(bm__rect a, bm__rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Puts the legend (and an animation's date stamp) in the corners that hide the least, or
 * the legend beside the map when every corner would cover incidents. */
typedef struct placement {
    int legend, stamp; /* corners, -1 when not placed */
    double cost;
} placement;

static placement choose_corners(const bm_renderer *r, const inc_sample *xy, double lw, double lh,
                                int want_legend, double sw, double sh, int want_stamp)
{
    placement best = {-1, -1, HUGE_VAL};
    bm__rect busy[2] = {r->inset, r->scalebar};
    for (int lc = want_legend ? 0 : -1; lc < (want_legend ? 4 : 0); lc++) {
        bm__rect lb = lc >= 0 ? corner_rect(r, lc, lw, lh) : (bm__rect){0, 0, 0, 0};
        if (lc >= 0 && (overlaps(lb, busy[0]) || overlaps(lb, busy[1])))
            continue;
        double lcost = lc >= 0 ? corner_cost(r, xy, lb) : 0;
        for (int sc = want_stamp ? 0 : -1; sc < (want_stamp ? 4 : 0); sc++) {
            bm__rect sb = sc >= 0 ? corner_rect(r, sc, sw, sh) : (bm__rect){0, 0, 0, 0};
            if (sc >= 0 && (sc == lc || overlaps(sb, busy[0]) || overlaps(sb, busy[1]) ||
                            (lc >= 0 && overlaps(sb, lb))))
                continue;
            /* The stamp is text with a halo: it may cover a little; and top left is where a
             * reader looks first for it. */
            double cost = lcost + (sc >= 0 ? 0.3 * corner_cost(r, xy, sb) + (sc != 0) : 0);
            if (cost < best.cost)
                best = (placement){lc, sc, cost};
        }
    }
    return best;
}

static void stamp_sample(const bm_renderer *r, char *buf, size_t n)
{
    if (r->o.lang == BM_LANG_EN)
        snprintf(buf, n, "28 September 2024");
    else if (r->o.lang == BM_LANG_AR)
        snprintf(buf, n, "من 28 إلى 30 تشرين الثاني 2024");
    else
        snprintf(buf, n, "28 September 2024\n28 تشرين الثاني 2024");
}

static void place_furniture(bm_renderer *r)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    double k = st->small_size / 6;
    /* The inset: the top-right corner of the frame, a fifth of its width. */
    if (r->o.furniture & BM_FURN_INSET) {
        double lbox[4];
        const double *lb = r->bm.locator_box;
        bm__proj_box(r->lproj, lb[0], lb[1], lb[2], lb[3], lbox);
        double iw = fmin(v->fw * 0.2, 170), ih = iw * (lbox[3] - lbox[1]) / (lbox[2] - lbox[0]);
        double pad = st->margin * 0.45;
        r->inset = (bm__rect){v->fx + v->fw - iw - pad, v->fy + pad, iw, ih};
        bm__view_fit(&r->lview, lbox, r->inset.x, r->inset.y, r->inset.w, r->inset.h);
    } else {
        r->inset = (bm__rect){0, 0, 0, 0};
    }
    if (r->o.furniture & (BM_FURN_SCALEBAR | BM_FURN_NORTH)) {
        double w = v->fw * 0.18 + 34 * k, h = st->small_size * 1.4 + 34 * k;
        r->scalebar = (bm__rect){v->fx + v->fw - w - 4 * k, v->fy + v->fh - h - 2 * k, w, h};
    } else {
        r->scalebar = (bm__rect){0, 0, 0, 0};
    }
}

/* Where the legend and the stamp go. Returns the width the legend needs beside the map
 * (0 when it fits in a corner). */
static double place_legend_and_stamp(bm_renderer *r, int want_stamp, int allow_outside)
{
    double lw = 0, lh = 0, sw = 0, sh = 0;
    int want_legend = (r->o.furniture & BM_FURN_LEGEND) && r->n_incs > 0;
    inc_sample smp;
    project_sample(r, &smp);
    /* Before the legend's size: its rows depend on it. */
    r->has_colocated = any_colocated(r, &smp);
    if (want_legend)
        bm__legend_size(r, &lw, &lh);
    char sample[160];
    stamp_sample(r, sample, sizeof sample);
    if (want_stamp)
        bm__stamp_size(r, sample, &sw, &sh);
    placement p = choose_corners(r, &smp, lw, lh, want_legend, sw, sh, want_stamp);
    /* Hiding incidents is the one thing a legend must not do: beside the map instead, when
     * the page is wide enough to give up a column. */
    double side = 0;
    if (allow_outside && want_legend && (p.legend < 0 || p.cost >= 6) &&
        r->o.page_w > r->o.page_h * 1.05 && lw < r->view.fw * 0.3) {
        side = lw + r->st.margin * 0.6;
        p = choose_corners(r, &smp, 0, 0, 0, sw, sh, want_stamp);
    }
    if (p.legend >= 0)
        r->legend_area = corner_rect(r, p.legend, lw, lh);
    if (p.stamp >= 0)
        r->stamp_area = corner_rect(r, p.stamp, sw, sh);
    r->legend_outside = side > 0;
    free(smp.xy);
    return side;
}

/* Imprecise incidents: drawn as areas, except country-level ones, which no area of this map
 * stands for (counted in the legend instead). */
static void classify_imprecise(bm_renderer *r)
{
    r->has_areas = 0;
    r->n_unmapped = 0;
    for (size_t i = 0; i < r->n_imprecise; i++) {
        const bm__rplace *p = bm__find_place(r, r->imprecise_ids[i]);
        if (p && p->kind == BM_PK_COUNTRY)
            r->n_unmapped++;
        else
            r->has_areas = 1;
    }
}

/* The cache key of this map's basemap load: the files and everything that fixes the
 * projection, the clip box and the thinning (checked again on a hit: view_k, load box). */
static bm__bcache_key *cache_key(const bm_renderer *r)
{
    char regions[1024], params[1024];
    if (bm_data_path("gazetteer/regions.geojson", regions, sizeof regions, NULL) != BM_OK)
        regions[0] = 0;
    int n = snprintf(params, sizeof params,
                     "crs=%s;ext=%d;%.17g,%.17g,%.17g,%.17g;page=%.17g,%.17g;dpi=%.17g;f=%d;l=%d",
                     r->crs ? r->crs : "", (int)r->o.extent, r->ext[0], r->ext[1], r->ext[2],
                     r->ext[3], r->o.page_w, r->o.page_h, r->o.dpi, r->o.furniture, (int)r->o.lang);
    bm__bcache_key *k = NULL;
    if (n < 0 || (size_t)n >= sizeof params ||
        bm__bcache_key_make(r->basemap_path, regions[0] ? regions : NULL, r->style_path, params,
                            (size_t)n, &k) != BM_OK)
        return NULL;
    return k;
}

/* Takes the cached layers when they were made for this very load (same page scale and
 * box); the entry is left empty then. */
static int take_cached(bm_renderer *r, bm__bcache_entry *c, const double load[4])
{
    if (!c || c->view_k != r->view.k || memcmp(c->load_box, load, sizeof c->load_box) != 0)
        return 0;
    r->bm = c->bm;
    memset(&c->bm, 0, sizeof c->bm);
    return 1;
}

static int load_layers(bm_renderer *r, bm__basemap_src **srcp, bm__bcache_entry *cached,
                       const bm__bcache_key *key, bm_error *err)
{
    /* Everything the frame can show, with a margin, in lon/lat: the frame may be wider than
     * the extent on one axis. */
    double pbox[4];
    bm__proj_box(r->proj, r->ext[0], r->ext[1], r->ext[2], r->ext[3], pbox);
    double sw = r->ext[2] - r->ext[0], sh = r->ext[3] - r->ext[1];
    double aspect = (r->view.fw / r->view.fh) / ((pbox[2] - pbox[0]) / (pbox[3] - pbox[1]));
    /* Generous on both axes: a legend beside the map narrows the frame after this. */
    double g = fmax(aspect, 1 / aspect) * 0.5 + 0.1, gx = g, gy = g;
    double load[4] = {r->ext[0] - sw * gx, fmax(-85, r->ext[1] - sh * gy), r->ext[2] + sw * gx,
                      fmin(85, r->ext[3] + sh * gy)};
    if (take_cached(r, cached, load))
        return BM_OK;
    double corridor[4], locbox[4];
    int rc = *srcp ? BM_OK : bm__basemap_open(r->basemap_path, srcp, corridor, locbox, err);
    if (rc == BM_OK)
        rc = bm__basemap_read(*srcp, load, r->proj, r->lproj, &r->bm, err);
    if (rc != BM_OK)
        return rc;
    char path[1024];
    if (bm_data_path("gazetteer/regions.geojson", path, sizeof path, NULL) == BM_OK)
        rc = bm__basemap_load_regions(path, r->proj, &r->bm, err);
    if (rc != BM_OK)
        return rc;
    /* A tenth of a point at the narrowest scale the layers will be drawn: finer than any
     * screen or press shows, and most of the full-resolution vertices go. */
    double tol = 0.1 / r->view.k;
    bm__layer *thin[] = {&r->bm.countries,    &r->bm.admin1, &r->bm.admin1_lines, &r->bm.borders,
                         &r->bm.border_iq_sy, &r->bm.rivers, &r->bm.lakes,        &r->bm.world};
    for (size_t i = 0; i < sizeof thin / sizeof thin[0]; i++)
        bm__layer_simplify(thin[i], tol);
    if (key) {
        /* Shallow: the entry borrows r->bm for the write. A failed write is only a miss
         * next time. */
        bm__bcache_entry e = {r->bm, r->view.k, {load[0], load[1], load[2], load[3]}};
        (void)bm__bcache_store(key, &e);
    }
    return BM_OK;
}

/* The extent, the projections and the fit; the basemap read through src. */
static int project_extent(bm_renderer *r, bm__basemap_src **srcp, const double corridor[4],
                          const double locbox[4], bm__bcache_entry *cached,
                          const bm__bcache_key *key, bm_error *err)
{
    memcpy(r->bm.corridor, corridor, sizeof r->bm.corridor);
    if (r->o.extent == BM_EXTENT_BOX) {
        r->ext[0] = r->o.west, r->ext[1] = r->o.south, r->ext[2] = r->o.east;
        r->ext[3] = r->o.north;
    } else if (r->o.extent == BM_EXTENT_DATA) {
        data_extent(r, r->ext);
    } else {
        memcpy(r->ext, corridor, sizeof r->ext);
    }
    if (!(r->ext[0] < r->ext[2] && r->ext[1] < r->ext[3]) || r->ext[1] < -85 || r->ext[3] > 85)
        return bm_error_set(err, BM_EINVAL, "bad extent %g,%g,%g,%g", r->ext[0], r->ext[1],
                            r->ext[2], r->ext[3]);
    layout_bands(r, 0);
    int rc = bm__proj_new(r->crs, r->ext[0], r->ext[1], r->ext[2], r->ext[3], &r->proj, err);
    if (rc == BM_OK)
        rc = bm__proj_new(NULL, locbox[0], locbox[1], locbox[2], locbox[3], &r->lproj, err);
    if (rc != BM_OK)
        return rc;
    fit(r);
    return load_layers(r, srcp, cached, key, err);
}

/* The basemap stage: the extent, the projections, the fit and the basemap's layers (from
 * the cache, else the GeoPackage). Reads only the options, so that it can run while the
 * incidents are queried (basemap_prefetch); sets ext, proj, lproj, view, the bands and bm. */
static int basemap_stage(bm_renderer *r, bm_error *err)
{
    double corridor[4], locbox[4];
    bm__basemap_src *src = NULL;
    /* The cache names the basemap by its bytes, so a hit also gives the corridor box without
     * opening the GeoPackage. */
    if (r->o.extent == BM_EXTENT_DATA)
        data_extent(r, r->ext);
    else if (r->o.extent == BM_EXTENT_BOX)
        r->ext[0] = r->o.west, r->ext[1] = r->o.south, r->ext[2] = r->o.east,
        r->ext[3] = r->o.north;
    else
        memset(r->ext, 0, sizeof r->ext); /* the corridor: named by the basemap's bytes */
    bm__bcache_key *key = cache_key(r);
    r->has_bkey = 0;
    if (key) {
        size_t n;
        const unsigned char *d = bm__bcache_key_digest(key, &n);
        memcpy(r->bkey, d, n < sizeof r->bkey ? n : sizeof r->bkey);
        r->has_bkey = n >= sizeof r->bkey;
    }
    bm__bcache_entry cached;
    int hit = key && bm__bcache_load(key, &cached) == BM_OK;
    if (hit) {
        memcpy(corridor, cached.bm.corridor, sizeof corridor);
        memcpy(locbox, cached.bm.locator_box, sizeof locbox);
    }
    int rc = hit ? BM_OK : bm__basemap_open(r->basemap_path, &src, corridor, locbox, err);
    if (rc == BM_OK)
        rc = project_extent(r, &src, corridor, locbox, hit ? &cached : NULL, key, err);
    bm__basemap_close(src);
    if (hit)
        bm__bcache_entry_free(&cached);
    bm__bcache_key_free(key);
    return rc;
}

static void *basemap_thread(void *arg)
{
    bm_renderer *r = arg;
    bm_error_clear(&r->basemap_err);
    r->basemap_rc = basemap_stage(r, &r->basemap_err);
    return NULL;
}

/* Starts the basemap stage in a thread when it does not depend on the incidents (every
 * extent but the data's): on a 2-core machine the basemap's read, projection and cache
 * write (or the cache's read) cost nothing beside the store's query. */
static void basemap_prefetch(bm_renderer *r)
{
    if (r->ready || r->basemap_running || r->basemap_done || r->o.extent == BM_EXTENT_DATA)
        return;
    r->basemap_running = pthread_create(&r->basemap_th, NULL, basemap_thread, r) == 0;
}

/* Waits for a started stage; 1 when it ran (its status in basemap_rc). */
static int basemap_join(bm_renderer *r)
{
    if (r->basemap_running) {
        pthread_join(r->basemap_th, NULL);
        r->basemap_running = 0;
        r->basemap_done = 1;
    }
    return r->basemap_done;
}

static int ensure_ready(bm_renderer *r, const bm_render_frame *f, bm_error *err)
{
    if (r->ready)
        return BM_OK;
    int rc;
    if (basemap_join(r)) {
        r->basemap_done = 0;
        rc = r->basemap_rc;
        if (rc != BM_OK && err)
            *err = r->basemap_err;
    } else {
        rc = basemap_stage(r, err);
    }
    if (rc != BM_OK)
        return rc;
    load_ranks(r);
    classify_imprecise(r);
    int want_stamp = f && f->stamp && *f->stamp;
    project_places(r);
    place_furniture(r);
    double side = place_legend_and_stamp(r, want_stamp, 1);
    if (side > 0) {
        /* A narrower frame: fit again and settle the corners on the new geometry. */
        layout_bands(r, side);
        fit(r);
        project_places(r);
        place_furniture(r);
        place_legend_and_stamp(r, want_stamp, 0);
        double lw, lh;
        bm__legend_size(r, &lw, &lh);
        r->legend_area =
            (bm__rect){r->view.fx + r->view.fw + r->st.margin * 0.6, r->view.fy, lw, lh};
        r->legend_outside = 1;
    }
    r->ready = 1;
    return BM_OK;
}

static void page_pt(const bm_renderer *r, double x, double y, double *px, double *py)
{
    bm__view_page(&r->view, x, y, px, py);
}

/* ---- Basemap drawing ----------------------------------------------------------------- */

void bm__feature_path(cairo_t *cr, const bm__view *v, const bm__feature *f, int close)
{
    const double *xy = f->xy;
    for (int p = 0; p < f->n_parts; p++) {
        int n = f->part_len[p], started = 0;
        for (int i = 0; i < n; i++) {
            if (xy[2 * i] == HUGE_VAL) {
                started = 0;
                continue;
            }
            double x, y;
            bm__view_page(v, xy[2 * i], xy[2 * i + 1], &x, &y);
            if (started)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y), started = 1;
        }
        if (close && started)
            cairo_close_path(cr);
        xy += 2 * n;
    }
}

static int feature_visible(const bm__view *v, const bm__feature *f)
{
    double x0, y0, x1, y1;
    bm__view_page(v, f->minx, f->maxy, &x0, &y0);
    bm__view_page(v, f->maxx, f->miny, &x1, &y1);
    return x1 >= v->fx && x0 <= v->fx + v->fw && y1 >= v->fy && y0 <= v->fy + v->fh;
}

static void fill_layer(cairo_t *cr, const bm__view *v, const bm__layer *l, bm__rgba c)
{
    for (size_t i = 0; i < l->n; i++)
        if (feature_visible(v, &l->f[i]))
            bm__feature_path(cr, v, &l->f[i], 1);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    bm__set_rgba(cr, c);
    cairo_fill(cr);
}

static void stroke_layer(cairo_t *cr, const bm__view *v, const bm__layer *l, bm__rgba c,
                         double width)
{
    for (size_t i = 0; i < l->n; i++)
        if (feature_visible(v, &l->f[i]))
            bm__feature_path(cr, v, &l->f[i], 0);
    bm__set_rgba(cr, c);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
}

static void draw_countries(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    fill_layer(cr, &r->view, &r->bm.world, st->neighbour);
    /* One fill per colour: fewer, larger paths rasterise faster than one per country. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < r->bm.countries.n; i++) {
            const bm__feature *f = &r->bm.countries.f[i];
            int which = !strcmp(f->code, "IQ") ? 1 : !strcmp(f->code, "SY") ? 2 : 0;
            if (which == pass && feature_visible(&r->view, f))
                bm__feature_path(cr, &r->view, f, 1);
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        bm__set_rgba(cr, pass == 1 ? st->iraq : pass == 2 ? st->syria : st->neighbour);
        cairo_fill(cr);
    }
    /* Coastlines: the outline of the land against the water, drawn thin and blue. */
    for (size_t i = 0; i < r->bm.world.n; i++)
        if (feature_visible(&r->view, &r->bm.world.f[i]))
            bm__feature_path(cr, &r->view, &r->bm.world.f[i], 1);
    bm__set_rgba(cr, st->coast);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
}

static void draw_water(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* Intermittent wadis dashed and faint, permanent rivers solid, named rivers strongest;
     * canals (levels 8-10) are left out at this scale. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < r->bm.rivers.n; i++) {
            const bm__feature *f = &r->bm.rivers.f[i];
            int lv = f->level, named = f->name_en[0] != 0;
            int want = lv >= 5 && lv <= 7 ? 0 : lv <= 4 && !named ? 1 : named && lv <= 4 ? 2 : -1;
            if (want != pass || !feature_visible(&r->view, f))
                continue;
            bm__feature_path(cr, &r->view, f, 0);
        }
        double dash[] = {2.0, 1.6};
        cairo_set_dash(cr, dash, pass == 0 ? 2 : 0, 0);
        /* Butt ends on the wadis' dashes: a round cap on each of thousands of dashes made
         * this layer about twice as slow, and at this width the ends look the same. */
        cairo_set_line_cap(cr, pass == 0 ? CAIRO_LINE_CAP_BUTT : CAIRO_LINE_CAP_ROUND);
        bm__set_rgba_alpha(cr, st->river, pass == 0 ? 0.55 : 1);
        cairo_set_line_width(cr, pass == 2   ? st->river_major_width
                                 : pass == 1 ? st->river_minor_width
                                             : st->river_minor_width * 0.8);
        cairo_stroke(cr);
    }
    cairo_set_dash(cr, NULL, 0, 0);
    fill_layer(cr, &r->view, &r->bm.lakes, st->water);
    stroke_layer(cr, &r->view, &r->bm.lakes, st->lake_line, 0.4);
}

static void draw_boundaries(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    /* Governorate lines: firm inside Iraq and Syria, faint in the neighbours. */
    for (int focus = 0; focus < 2; focus++) {
        for (size_t i = 0; i < r->bm.admin1_lines.n; i++) {
            const bm__feature *f = &r->bm.admin1_lines.f[i];
            int is_focus = !strcmp(f->code, "IQ") || !strcmp(f->code, "SY");
            if (is_focus == focus && feature_visible(&r->view, f))
                bm__feature_path(cr, &r->view, f, 0);
        }
        double dash[] = {3.0, 1.5, 0.8, 1.5};
        cairo_set_dash(cr, dash, 4, 0);
        bm__set_rgba_alpha(cr, st->admin_line, focus ? 1 : 0.6);
        cairo_set_line_width(cr, st->admin_width * (focus ? 1 : 0.8));
        cairo_stroke(cr);
    }
    cairo_set_dash(cr, NULL, 0, 0);
    stroke_layer(cr, &r->view, &r->bm.borders, st->country_line, st->border_width);
    /* The Iraq-Syria border: a wide soft band under a firm line, so it reads first. */
    bm__rgba band = st->border_iq_sy;
    band.a = 0.18;
    stroke_layer(cr, &r->view, &r->bm.border_iq_sy, band, st->border_iq_sy_width * 3.2);
    stroke_layer(cr, &r->view, &r->bm.border_iq_sy, st->border_iq_sy, st->border_iq_sy_width);
}

static double nice_step(double span, int want)
{
    static const double steps[] = {0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 20, 30};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span / steps[i] <= want)
            return steps[i];
    return 30;
}

static void format_deg(char *buf, size_t n, double v, int is_lon)
{
    char hemi = is_lon ? (v < 0 ? 'W' : 'E') : (v < 0 ? 'S' : 'N');
    double a = fabs(v);
    if (fabs(a - round(a)) < 1e-9)
        snprintf(buf, n, "%.0f°%c", a, hemi);
    else
        snprintf(buf, n, "%.1f°%c", a, hemi);
}

int bm__static_obstacle(bm_renderer *r, bm__rect b)
{
    if (r->n_sobs == r->cap_sobs) {
        size_t cap = r->cap_sobs * 2 + 32;
        bm__rect *v = realloc(r->sobs, cap * sizeof *v);
        if (!v)
            return BM_ENOMEM;
        r->sobs = v, r->cap_sobs = cap;
    }
    r->sobs[r->n_sobs++] = b;
    return BM_OK;
}

static int furniture_covers(const bm_renderer *r, bm__rect b)
{
    int f = r->o.furniture;
    return ((f & BM_FURN_LEGEND) && r->n_incs && !r->legend_outside &&
            overlaps(b, r->legend_area)) ||
           ((f & BM_FURN_INSET) && overlaps(b, r->inset)) ||
           ((f & (BM_FURN_SCALEBAR | BM_FURN_NORTH)) && overlaps(b, r->scalebar)) ||
           (r->stamp_area.w > 0 && overlaps(b, r->stamp_area));
}

/* A degree label where a graticule line meets the frame's bottom (lon) or left (lat) edge. */
static void graticule_label(bm_renderer *r, cairo_t *cr, double a, int is_lon, double ex, double ey)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    char buf[32];
    format_deg(buf, sizeof buf, a, is_lon);
    double tw, th;
    bm__text_size(r->labels, buf, st->small_size, 0, &tw, &th);
    bm__rect out = is_lon ? (bm__rect){ex - tw / 2, v->fy + v->fh - th - 1, tw, th}
                          : (bm__rect){v->fx + 2, ey - th / 2, tw, th};
    /* Half a degree label peeking from under the legend or the scale bar reads as a smudge. */
    if (furniture_covers(r, out))
        return;
    if (is_lon)
        bm__text(r->labels, cr, buf, ex, out.y, st->small_size, 0, 1, st->text_muted, 1, NULL);
    else
        bm__text(r->labels, cr, buf, out.x, out.y, st->small_size, 0, 0, st->text_muted, 1, NULL);
    bm__static_obstacle(r, out);
}

/* Graticule lines, and their degree labels where they meet the frame's left and bottom. */
/* The graticule's lines as page points, projected once (PROJ's objects serve one thread at a
 * time, and the lines may be stroked on several): polylines of n[i] points each. */
typedef struct grat_lines {
    double *xy;
    int *n;
    size_t n_lines, n_pts;
} grat_lines;

static void grat_lines_free(grat_lines *g)
{
    free(g->xy);
    free(g->n);
    memset(g, 0, sizeof *g);
}

static int grat_push(grat_lines *g, size_t *cap_pts, size_t *cap_lines, double x, double y,
                     int start)
{
    if (start) {
        if (g->n_lines == *cap_lines) {
            size_t c = *cap_lines * 2 + 64;
            int *n = realloc(g->n, c * sizeof *n);
            if (!n)
                return -1;
            g->n = n, *cap_lines = c;
        }
        g->n[g->n_lines++] = 0;
    }
    if (g->n_pts == *cap_pts) {
        size_t c = *cap_pts * 2 + 1024;
        double *xy = realloc(g->xy, c * 2 * sizeof *xy);
        if (!xy)
            return -1;
        g->xy = xy, *cap_pts = c;
    }
    g->xy[2 * g->n_pts] = x, g->xy[2 * g->n_pts + 1] = y;
    g->n_pts++, g->n[g->n_lines - 1]++;
    return 0;
}

static void stroke_graticule(bm_renderer *r, cairo_t *cr, const grat_lines *g)
{
    const double *xy = g->xy;
    for (size_t i = 0; i < g->n_lines; i++) {
        for (int k = 0; k < g->n[i]; k++)
            (k ? cairo_line_to : cairo_move_to)(cr, xy[2 * k], xy[2 * k + 1]);
        xy += 2 * g->n[i];
    }
    bm__set_rgba_alpha(cr, r->st.graticule, 0.55);
    cairo_set_line_width(cr, r->st.graticule_width);
    cairo_stroke(cr);
}

/* The graticule: its lines into g (labels 0), or the labels where they leave the frame. */
static void draw_graticule(bm_renderer *r, cairo_t *cr, int labels, grat_lines *g)
{
    const bm__view *v = &r->view;
    size_t cap_pts = 0, cap_lines = 0;
    int failed = 0;
    double ext[4] = {r->ext[0] - 20, fmax(-80, r->ext[1] - 15), r->ext[2] + 20,
                     fmin(80, r->ext[3] + 15)};
    double step = nice_step(fmax(r->ext[2] - r->ext[0], r->ext[3] - r->ext[1]), 7);
    for (int is_lon = 1; is_lon >= 0; is_lon--) {
        double a0 = is_lon ? ext[0] : ext[1], a1 = is_lon ? ext[2] : ext[3];
        for (double a = ceil(a0 / step) * step; a <= a1 + 1e-9; a += step) {
            enum { N = 200 };
            double xy[2 * N];
            for (int i = 0; i < N; i++) {
                double t = (double)i / (N - 1);
                xy[2 * i] = is_lon ? a : ext[0] + (ext[2] - ext[0]) * t;
                xy[2 * i + 1] = is_lon ? ext[1] + (ext[3] - ext[1]) * t : a;
            }
            bm__proj_fwd(r->proj, xy, N);
            double px_prev = 0, py_prev = 0;
            int have_prev = 0, labelled = 0;
            for (int i = 0; i < N; i++) {
                if (xy[2 * i] == HUGE_VAL) {
                    have_prev = 0;
                    continue;
                }
                double px, py;
                bm__view_page(v, xy[2 * i], xy[2 * i + 1], &px, &py);
                if (!labels && !failed)
                    failed = grat_push(g, &cap_pts, &cap_lines, px, py, !have_prev) != 0;
                if (labels && have_prev && !labelled) {
                    double edge = is_lon ? v->fy + v->fh : v->fx;
                    double c0 = is_lon ? py_prev : px_prev, c1 = is_lon ? py : px;
                    if ((c0 - edge) * (c1 - edge) <= 0 && c0 != c1) {
                        double t = (edge - c0) / (c1 - c0);
                        double ex = px_prev + (px - px_prev) * t, ey = py_prev + (py - py_prev) * t;
                        if ((is_lon && ex > v->fx + 12 && ex < v->fx + v->fw - 12) ||
                            (!is_lon && ey > v->fy + 12 && ey < v->fy + v->fh - 12)) {
                            graticule_label(r, cr, a, is_lon, ex, ey);
                            labelled = 1;
                        }
                    }
                }
                px_prev = px, py_prev = py, have_prev = 1;
            }
        }
    }
    if (failed)
        grat_lines_free(g); /* out of memory: a map without its graticule lines */
}

/* Crossings are symbols of the basemap: a small gate square straddling the line. Town dots
 * come with their labels (render.c queue_labels), so no dot stands nameless. */
static void draw_crossings(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    double h = 2.6 * st->small_size / 6;
    for (size_t i = 0; i < r->n_places; i++) {
        const bm__rplace *p = &r->places[i];
        if (p->kind != BM_PK_CROSSING || p->x == HUGE_VAL)
            continue;
        cairo_rectangle(cr, p->x - h, p->y - h, 2 * h, 2 * h);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        bm__set_rgba(cr, st->crossing);
        cairo_set_line_width(cr, 1.1);
        cairo_stroke(cr);
        cairo_move_to(cr, p->x - h, p->y);
        cairo_line_to(cr, p->x + h, p->y);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
        bm__static_obstacle(r, (bm__rect){p->x - h - 1, p->y - h - 1, 2 * h + 2, 2 * h + 2});
    }
}

int bm__visible_anchor(const bm_renderer *r, const bm__feature *f, double margin, double *x,
                       double *y)
{
    const bm__view *v = &r->view;
    double x0 = v->fx + margin, y0 = v->fy + margin, x1 = v->fx + v->fw - margin;
    double y1 = v->fy + v->fh - margin;
    if (f->lx != HUGE_VAL) {
        bm__view_page(v, f->lx, f->ly, x, y);
        if (*x >= x0 && *x <= x1 && *y >= y0 && *y <= y1)
            return 1;
    }
    /* The feature's box on the page, cut to the frame; then the grid point nearest its centre
     * that falls inside the feature. */
    double bx0, by0, bx1, by1;
    bm__view_page(v, f->minx, f->maxy, &bx0, &by0);
    bm__view_page(v, f->maxx, f->miny, &bx1, &by1);
    bx0 = fmax(bx0, x0), by0 = fmax(by0, y0), bx1 = fmin(bx1, x1), by1 = fmin(by1, y1);
    if (bx0 >= bx1 || by0 >= by1)
        return 0;
    enum { G = 9 };
    double best = HUGE_VAL, cx = (bx0 + bx1) / 2, cy = (by0 + by1) / 2;
    for (int i = 0; i < G; i++)
        for (int j = 0; j < G; j++) {
            double px = bx0 + (bx1 - bx0) * (i + 0.5) / G, py = by0 + (by1 - by0) * (j + 0.5) / G;
            double mx = (px - v->px) / v->k + v->x0, my = v->y0 - (py - v->py) / v->k;
            double d = hypot(px - cx, py - cy);
            if (d < best && bm__feature_contains(f, mx, my))
                best = d, *x = px, *y = py;
        }
    return best < HUGE_VAL;
}

/* ---- Static layers ------------------------------------------------------------------- */

/* Clips to the map frame. On pixels the frame's edges are rounded to whole pixels: cairo then
 * clips with a plain rectangle instead of compositing every layer through a coverage mask. */
static void clip_frame(cairo_t *cr, const bm__view *v)
{
    double x0 = v->fx, y0 = v->fy, x1 = v->fx + v->fw, y1 = v->fy + v->fh;
    if (cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE) {
        cairo_user_to_device(cr, &x0, &y0);
        cairo_user_to_device(cr, &x1, &y1);
        x0 = round(x0), y0 = round(y0), x1 = round(x1), y1 = round(y1);
        cairo_device_to_user(cr, &x0, &y0);
        cairo_device_to_user(cr, &x1, &y1);
    }
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_clip(cr);
}

/* The basemap's layers inside the frame: cairo only, reading r, so several bands of the page
 * can draw them at once. */
static void draw_layers(bm_renderer *r, cairo_t *cr, const grat_lines *g)
{
    const bm__style *st = &r->st;
    bm__set_rgba(cr, st->water);
    cairo_paint(cr);
    draw_countries(r, cr);
    draw_boundaries(r, cr);
    draw_water(r, cr);
    stroke_layer(cr, &r->view, &r->bm.border_iq_sy, st->border_iq_sy, st->border_iq_sy_width);
    if (g->n_lines)
        stroke_graticule(r, cr, g);
}

typedef struct layer_band {
    bm_renderer *r;
    cairo_t *cr;
    const grat_lines *g;
} layer_band;

void bm__run_pair(void *(*fn)(void *), void *a, void *b)
{
    pthread_t th;
    int threaded = pthread_create(&th, NULL, fn, b) == 0;
    fn(a);
    if (threaded)
        pthread_join(th, NULL);
    else
        fn(b);
}

static void *draw_layer_band(void *arg)
{
    layer_band *b = arg;
    draw_layers(b->r, b->cr, b->g);
    return NULL;
}

/* Fewer rows than this on a page and one thread draws the layers. */
#define MIN_BAND_PAGE_ROWS 256

/* The layers on a raster page as two bands of rows drawn at once, each by its own context on
 * its own rows of the same pixels (the stroking of the basemap was a third of a map's fixed
 * cost, on one core): the same pixels as one context drawing all. Then cr is left with the
 * state the layers leave (line cap, join, dash, width, fill rule, source), as if it had drawn
 * them. 0 when the page is no plain image (the caller draws them itself). */
static int draw_layers_banded(bm_renderer *r, cairo_t *cr, const grat_lines *g)
{
    cairo_surface_t *t = cairo_get_target(cr);
    if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
        return 0;
    int w = cairo_image_surface_get_width(t), h = cairo_image_surface_get_height(t);
    int stride = cairo_image_surface_get_stride(t);
    cairo_format_t fmt = cairo_image_surface_get_format(t);
    double dx = 0, dy = 0;
    cairo_surface_get_device_offset(t, &dx, &dy);
    if (h < MIN_BAND_PAGE_ROWS || dx != 0 || dy != 0 || cairo_get_group_target(cr) != t)
        return 0;
    cairo_surface_flush(t);
    unsigned char *px = cairo_image_surface_get_data(t);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    layer_band b[2];
    cairo_surface_t *s[2];
    int y0[3] = {0, h / 2, h};
    for (int i = 0; i < 2; i++) {
        s[i] = cairo_image_surface_create_for_data(px + (size_t)y0[i] * stride, fmt, w,
                                                   y0[i + 1] - y0[i], stride);
        cairo_matrix_t mb = m;
        mb.y0 -= y0[i];
        b[i] = (layer_band){r, cairo_create(s[i]), g};
        cairo_set_matrix(b[i].cr, &mb);
        cairo_set_tolerance(b[i].cr, cairo_get_tolerance(cr));
        cairo_set_antialias(b[i].cr, cairo_get_antialias(cr));
        clip_frame(b[i].cr, &r->view);
    }
    bm__run_pair(draw_layer_band, &b[0], &b[1]);
    cairo_t *last = b[0].cr;
    cairo_set_line_cap(cr, cairo_get_line_cap(last));
    cairo_set_line_join(cr, cairo_get_line_join(last));
    cairo_set_line_width(cr, cairo_get_line_width(last));
    cairo_set_fill_rule(cr, cairo_get_fill_rule(last));
    int nd = cairo_get_dash_count(last);
    double dash[16], off = 0;
    if (nd <= 16) {
        cairo_get_dash(last, dash, &off);
        cairo_set_dash(cr, dash, nd, off);
    }
    cairo_set_source(cr, cairo_get_source(last));
    for (int i = 0; i < 2; i++) {
        cairo_destroy(b[i].cr);
        cairo_surface_finish(s[i]);
        cairo_surface_destroy(s[i]);
    }
    cairo_surface_mark_dirty(t);
    return 1;
}

/* ---- The layers' pixels from the raster cache ------------------------------------------ */

/* Appends n bytes to a key's buffer; -1 when it is full. */
static int key_put(unsigned char *buf, size_t *len, size_t cap, const void *p, size_t n)
{
    if (*len + n > cap)
        return -1;
    memcpy(buf + *len, p, n);
    *len += n;
    return 0;
}

/* The raster cache's key for the layers drawn by cr on its target: 0 and key filled when they
 * may be cached. Their pixels follow from the basemap's key (the files' bytes, the
 * projection, the extent, the page, the dpi, the furniture and the language), the extent and
 * the view as fitted (a legend beside the map narrows the frame), the style's colours and
 * line widths (options may change them after the file), the target's size, layout and matrix,
 * and the context's tolerance and antialiasing. Only on a plain image target under an opaque
 * background, which the entry's pixels then stand for whatever the page held before. */
static int raster_key(const bm_renderer *r, cairo_t *cr, unsigned char key[BM__RCACHE_KEY_LEN])
{
    cairo_surface_t *t = cairo_get_target(cr);
    if (!r->has_bkey || r->svg || cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_get_group_target(cr) != t || r->st.background.a < 1)
        return -1;
    double dev[4] = {0, 0, 1, 1};
    cairo_surface_get_device_offset(t, &dev[0], &dev[1]);
    cairo_surface_get_device_scale(t, &dev[2], &dev[3]);
    int32_t ints[7] = {
        cairo_image_surface_get_width(t),  cairo_image_surface_get_height(t),
        cairo_image_surface_get_stride(t), (int32_t)cairo_image_surface_get_format(t),
        (int32_t)cairo_get_antialias(cr),  !!(r->o.furniture & BM_FURN_GRATICULE),
        (int32_t)sizeof(bm__rcache_state)};
    double tol = cairo_get_tolerance(cr);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double mat[6] = {m.xx, m.yx, m.xy, m.yy, m.x0, m.y0};
    const bm__style *st = &r->st;
    unsigned char buf[2048];
    size_t n = 0;
    const char *magic = "bordermap-raster-1";
    int bad = key_put(buf, &n, sizeof buf, magic, strlen(magic)) ||
              key_put(buf, &n, sizeof buf, r->bkey, sizeof r->bkey) ||
              key_put(buf, &n, sizeof buf, r->ext, sizeof r->ext) ||
              key_put(buf, &n, sizeof buf, &r->view, sizeof r->view) ||
              key_put(buf, &n, sizeof buf, &st->background,
                      offsetof(bm__style, title) - offsetof(bm__style, background)) ||
              key_put(buf, &n, sizeof buf, &st->border_iq_sy_width,
                      offsetof(bm__style, symbol_size) - offsetof(bm__style, border_iq_sy_width)) ||
              key_put(buf, &n, sizeof buf, ints, sizeof ints) ||
              key_put(buf, &n, sizeof buf, dev, sizeof dev) ||
              key_put(buf, &n, sizeof buf, &tol, sizeof tol) ||
              key_put(buf, &n, sizeof buf, mat, sizeof mat);
    unsigned char full[32];
    if (bad || bm__sha256(buf, n, full))
        return -1;
    memcpy(key, full, BM__RCACHE_KEY_LEN);
    return 0;
}

static size_t page_bytes(cairo_surface_t *t)
{
    return (size_t)cairo_image_surface_get_stride(t) * (size_t)cairo_image_surface_get_height(t);
}

/* The state the layers left on cr, as the entry keeps it; -1 when it cannot be kept (a
 * source that is no plain colour, a longer dash). */
static int layers_state(cairo_t *cr, bm__rcache_state *s)
{
    memset(s, 0, sizeof *s);
    s->line_cap = cairo_get_line_cap(cr);
    s->line_join = cairo_get_line_join(cr);
    s->fill_rule = cairo_get_fill_rule(cr);
    s->line_width = cairo_get_line_width(cr);
    s->n_dash = cairo_get_dash_count(cr);
    if (s->n_dash > 16)
        return -1;
    cairo_get_dash(cr, s->dash, &s->dash_offset);
    return cairo_pattern_get_rgba(cairo_get_source(cr), &s->source[0], &s->source[1], &s->source[2],
                                  &s->source[3]) == CAIRO_STATUS_SUCCESS
               ? 0
               : -1;
}

static void set_layers_state(cairo_t *cr, const bm__rcache_state *s)
{
    cairo_set_line_cap(cr, (cairo_line_cap_t)s->line_cap);
    cairo_set_line_join(cr, (cairo_line_join_t)s->line_join);
    cairo_set_fill_rule(cr, (cairo_fill_rule_t)s->fill_rule);
    cairo_set_line_width(cr, s->line_width);
    cairo_set_dash(cr, s->dash, s->n_dash, s->dash_offset);
    cairo_set_source_rgba(cr, s->source[0], s->source[1], s->source[2], s->source[3]);
}

/* The background and the layers from the cache into cr's page: 1 on a hit. On a miss the page
 * holds garbage, which the opaque background painted next covers. */
static int layers_from_cache(cairo_t *cr, const unsigned char key[BM__RCACHE_KEY_LEN],
                             bm__rcache_state *s)
{
    cairo_surface_t *t = cairo_get_target(cr);
    cairo_surface_flush(t);
    int hit = bm__rcache_load(key, cairo_image_surface_get_data(t), page_bytes(t), s) == BM_OK;
    cairo_surface_mark_dirty(t);
    return hit;
}

static void layers_to_cache(cairo_t *cr, const unsigned char key[BM__RCACHE_KEY_LEN])
{
    bm__rcache_state s;
    if (layers_state(cr, &s))
        return;
    cairo_surface_t *t = cairo_get_target(cr);
    cairo_surface_flush(t);
    (void)bm__rcache_store(key, cairo_image_surface_get_data(t), page_bytes(t), &s);
}

static void draw_static(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    r->n_sobs = 0;
    unsigned char key[BM__RCACHE_KEY_LEN];
    int cacheable = raster_key(r, cr, key) == 0;
    bm__rcache_state cs;
    int hit = cacheable && layers_from_cache(cr, key, &cs);
    bm__set_rgba(cr, st->background);
    if (!hit)
        cairo_paint(cr);
    cairo_save(cr);
    clip_frame(cr, v);
    if (hit) {
        set_layers_state(cr, &cs);
    } else {
        grat_lines g = {0};
        if (r->o.furniture & BM_FURN_GRATICULE)
            draw_graticule(r, cr, 0, &g);
        if (!draw_layers_banded(r, cr, &g))
            draw_layers(r, cr, &g);
        grat_lines_free(&g);
        if (cacheable && cairo_status(cr) == CAIRO_STATUS_SUCCESS)
            layers_to_cache(cr, key);
    }
    draw_crossings(r, cr);
    if (r->o.furniture & BM_FURN_GRATICULE)
        draw_graticule(r, cr, 1, NULL);
    if (r->o.furniture & (BM_FURN_SCALEBAR | BM_FURN_NORTH))
        bm__draw_scalebar_north(r, cr);
    cairo_restore(cr);
    cairo_rectangle(cr, v->fx, v->fy, v->fw, v->fh);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, st->frame_width);
    cairo_stroke(cr);
    if (r->o.furniture & BM_FURN_INSET)
        bm__draw_inset(r, cr);
    if (r->o.furniture & BM_FURN_TITLE)
        bm__draw_title(r, cr);
    if (r->o.furniture & BM_FURN_ATTRIBUTION)
        bm__draw_attribution(r, cr);
    if (r->o.furniture & BM_FURN_TIMELINE)
        bm__draw_timeline(r, cr);
}

static int static_failed(cairo_t *cr, bm_error *err)
{
    cairo_status_t cs = cairo_status(cr);
    if (cs == CAIRO_STATUS_SUCCESS)
        return BM_OK;
    return bm_error_set(err, BM_ERENDER, "static layers: %s", cairo_status_to_string(cs));
}

static int record_static(bm_renderer *r, bm_error *err)
{
    cairo_rectangle_t ext = {0, 0, r->o.page_w, r->o.page_h};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *cr = cairo_create(rec);
    draw_static(r, cr);
    int rc = static_failed(cr, err);
    cairo_destroy(cr);
    if (rc != BM_OK) {
        cairo_surface_destroy(rec);
        return rc;
    }
    r->stat = rec;
    return BM_OK;
}

static int same_matrix(const cairo_matrix_t *a, const cairo_matrix_t *b)
{
    return a->xx == b->xx && a->yx == b->yx && a->xy == b->xy && a->yy == b->yy && a->x0 == b->x0 &&
           a->y0 == b->y0;
}

/* The static layers as pixels of the target's size under its matrix, drawn once: painting
 * them is a copy, where replaying the recording redraws every path of the basemap. */
static int raster_static(bm_renderer *r, cairo_t *cr, bm_error *err)
{
    cairo_surface_t *t = cairo_get_target(cr);
    int w = cairo_image_surface_get_width(t), h = cairo_image_surface_get_height(t);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    if (r->cache && r->cache_w == w && r->cache_h == h && same_matrix(&m, &r->cache_m))
        return BM_OK;
    if (r->cache)
        cairo_surface_destroy(r->cache);
    r->cache = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *c = cairo_create(r->cache);
    cairo_set_matrix(c, &m);
    draw_static(r, c);
    int rc = static_failed(c, err);
    cairo_destroy(c);
    if (rc != BM_OK) {
        cairo_surface_destroy(r->cache);
        r->cache = NULL;
        return rc;
    }
    cairo_surface_flush(r->cache);
    r->cache_w = w, r->cache_h = h, r->cache_m = m;
    return BM_OK;
}

static int paint_static(bm_renderer *r, cairo_t *cr, bm_error *err)
{
    cairo_surface_t *t = cairo_get_target(cr);
    if (r->svg || r->one_shot) {
        /* One page only (and an SVG's words join the text list): drawn straight onto it. */
        draw_static(r, cr);
        return static_failed(cr, err);
    }
    if (cairo_surface_get_type(t) == CAIRO_SURFACE_TYPE_IMAGE) {
        int rc = raster_static(r, cr, err);
        if (rc != BM_OK)
            return rc;
        cairo_save(cr);
        cairo_identity_matrix(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
        cairo_set_source_surface(cr, r->cache, 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        return BM_OK;
    }
    if (!r->stat) {
        int rc = record_static(r, err);
        if (rc != BM_OK)
            return rc;
    }
    cairo_save(cr);
    cairo_set_source_surface(cr, r->stat, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
    return BM_OK;
}

/* ---- Labels of a frame ----------------------------------------------------------------- */

/* The smallest population a minor town needs for a name at this scale: about 300k on the
 * whole corridor, a few thousand around one town. Unknown populations only when zoomed in. */
static int minor_town_shown(const bm_renderer *r, const bm__rplace *p)
{
    if (strcmp(p->p.country, "IQ") && strcmp(p->p.country, "SY"))
        return 0;
    double s = r->km_per_pt / 1.4;
    if (p->p.population < 0)
        return r->km_per_pt < 0.4;
    return (double)p->p.population >= 300000 * s * s;
}

static void queue_incident_places(bm_renderer *r, const bm_render_frame *f, unsigned char *seen)
{
    const bm__style *st = &r->st;
    bm__label_spec s;
    for (size_t i = 0; i < f->n_items; i++) {
        const bm__finc *inc = &r->fi[i];
        const bm__rplace *p = bm__find_place(r, inc->place_id);
        if (!p || inc->geo >= 3 || (p->kind != BM_PK_TOWN && p->kind != BM_PK_CROSSING))
            continue;
        size_t k = (size_t)(p - r->places);
        if (seen[k] || r->pxy[2 * i] == HUGE_VAL)
            continue;
        seen[k] = 1;
        memset(&s, 0, sizeof s);
        s.en = p->p.name_en, s.ar = p->p.name_ar, s.x = r->pxy[2 * i], s.y = r->pxy[2 * i + 1];
        s.gap = st->symbol_size * 0.8, s.size = st->label_size, s.bold = 1, s.colour = st->text;
        s.priority = 0, s.anchor = BM_ANCHOR_AROUND, s.rings = 4;
        bm__labels_add(r->labels, &s);
    }
}

static void queue_places(bm_renderer *r, const unsigned char *seen)
{
    const bm__style *st = &r->st;
    bm__label_spec s;
    for (size_t i = 0; i < r->n_places; i++) {
        const bm__rplace *p = &r->places[i];
        int crossing = p->kind == BM_PK_CROSSING;
        if (p->x == HUGE_VAL || seen[i] || (p->kind != BM_PK_TOWN && !crossing))
            continue;
        if (!crossing && p->rank > 3 && !minor_town_shown(r, p))
            continue;
        memset(&s, 0, sizeof s);
        s.en = p->p.name_en, s.ar = p->p.name_ar, s.x = p->x, s.y = p->y;
        s.size = p->rank == 1 ? st->town_size * 1.15 : st->town_size;
        s.bold = p->rank == 1;
        s.colour = crossing || p->rank <= 2 ? st->text : st->text_muted;
        s.anchor = BM_ANCHOR_AROUND, s.rings = 2;
        if (crossing) {
            /* Clear of the gate symbol's obstacle box (half size + 1) and the label's pad. */
            s.gap = 2.6 * st->small_size / 6 + 2.5, s.priority = 1;
        } else {
            s.gap = 3.4, s.dot = p->rank == 1 ? BM_DOT_CAPITAL : BM_DOT_TOWN;
            s.dot_colour = st->town;
            s.priority = p->rank <= 3 ? 1 + p->rank : 9;
        }
        bm__labels_add(r->labels, &s);
    }
}

static void queue_areas(bm_renderer *r)
{
    const bm__style *st = &r->st;
    bm__label_spec s;
    for (size_t i = 0; i < r->bm.countries.n; i++) {
        const bm__feature *c = &r->bm.countries.f[i];
        int focus = !strcmp(c->code, "IQ") || !strcmp(c->code, "SY");
        memset(&s, 0, sizeof s);
        /* Iraq and Syria are named wherever the map shows them, even zoomed far from their
         * middle; a neighbour only when its own label point is on the map. */
        if (focus ? !bm__visible_anchor(r, c, st->country_size * 2, &s.x, &s.y) : c->lx == HUGE_VAL)
            continue;
        if (!focus)
            page_pt(r, c->lx, c->ly, &s.x, &s.y);
        s.en = c->name_en, s.ar = c->name_ar, s.size = st->country_size * (focus ? 1.25 : 1);
        s.caps = 1, s.spacing = s.size * 0.18, s.bold = focus;
        s.colour = focus ? st->text_muted : st->country_text;
        /* Iraq and Syria are what the map is about: named before the smaller towns, and free
         * to move off their point. A neighbour's name stays on its own ground (a shifted
         * name would land on the wrong country at the map's edge). */
        s.priority = focus ? 3 : 5, s.rings = focus ? 2 : 0;
        bm__labels_add(r->labels, &s);
    }
    for (size_t i = 0; i < r->bm.admin1.n; i++) {
        const bm__feature *a = &r->bm.admin1.f[i];
        if (strncmp(a->code, "IQ-", 3) && strncmp(a->code, "SY-", 3))
            continue;
        memset(&s, 0, sizeof s);
        if (!bm__visible_anchor(r, a, st->admin_size * 2, &s.x, &s.y))
            continue;
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->admin_size, s.caps = 1;
        s.spacing = st->admin_size * 0.12, s.colour = st->admin_text, s.priority = 6;
        s.rings = 1;
        bm__labels_add(r->labels, &s);
    }
    for (size_t i = 0; i < r->bm.lakes.n; i++) {
        const bm__feature *a = &r->bm.lakes.f[i];
        if (a->lx == HUGE_VAL || !a->name_en[0] || !a->level)
            continue;
        memset(&s, 0, sizeof s);
        page_pt(r, a->lx, a->ly, &s.x, &s.y);
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->water_size, s.italic = 1;
        s.colour = st->water_text, s.priority = 8;
        bm__labels_add(r->labels, &s);
    }
}

/* Rivers: one label per named river, turned to follow it. The basemap cuts rivers into
 * stretches, so every stretch of the name is a candidate, longest first, each tried at its
 * middle and then further along: a crowded middle does not leave the Euphrates unnamed. */
static void queue_river(bm_renderer *r, const bm__feature *a, int group)
{
    const bm__style *st = &r->st;
    static const double at[] = {0.5, 0.3, 0.7};
    for (size_t j = 0; j < sizeof at / sizeof at[0]; j++) {
        int k = (int)(a->n_points * at[j]);
        if (k < 3 || k + 3 >= a->n_points)
            continue;
        double x0, y0, x1, y1;
        page_pt(r, a->xy[2 * (k - 3)], a->xy[2 * (k - 3) + 1], &x0, &y0);
        page_pt(r, a->xy[2 * (k + 3)], a->xy[2 * (k + 3) + 1], &x1, &y1);
        double ang = atan2(y1 - y0, x1 - x0);
        if (ang > M_PI / 2)
            ang -= M_PI;
        if (ang < -M_PI / 2)
            ang += M_PI;
        bm__label_spec s;
        memset(&s, 0, sizeof s);
        page_pt(r, a->xy[2 * k], a->xy[2 * k + 1], &s.x, &s.y);
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->water_size, s.italic = 1;
        s.colour = st->water_text, s.priority = 7, s.angle = ang, s.group = group;
        bm__labels_add(r->labels, &s);
    }
}

static void queue_rivers(bm_renderer *r)
{
    const bm__layer *L = &r->bm.rivers;
    unsigned char *done = calloc(L->n + 1, 1);
    size_t *order = malloc((L->n + 1) * sizeof *order);
    for (size_t i = 0; done && order && i < L->n; i++) {
        const bm__feature *a = &L->f[i];
        if (done[i] || !a->name_en[0] || a->level == 0)
            continue;
        /* The stretches of this name, longest first (insertion sort: a river has a few
         * dozen). */
        size_t n = 0;
        for (size_t j = i; j < L->n; j++) {
            const bm__feature *b = &L->f[j];
            if (done[j] || b->level == 0 || strcmp(b->name_en, a->name_en) || b->n_points < 8 ||
                !feature_visible(&r->view, b))
                continue;
            done[j] = 1;
            size_t k = n++;
            while (k > 0 && L->f[order[k - 1]].n_points < b->n_points) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = j;
        }
        for (size_t k = 0; k < n && k < 16; k++)
            queue_river(r, &L->f[order[k]], (int)i + 1);
    }
    free(done);
    free(order);
}

static void queue_labels(bm_renderer *r, const bm_render_frame *f)
{
    unsigned char *seen = calloc(r->n_places + 1, 1);
    if (!seen)
        return;
    /* Incident places first: they are what the map is about. */
    queue_incident_places(r, f, seen);
    queue_places(r, seen);
    free(seen);
    queue_areas(r);
    queue_rivers(r);
}

/* ---- Frames -------------------------------------------------------------------------- */

static int project_items(bm_renderer *r, const bm_render_frame *f, bm_error *err)
{
    if (f->n_items > r->cap_pxy) {
        double *p = realloc(r->pxy, f->n_items * 2 * sizeof *p);
        if (p)
            r->pxy = p;
        int *t = p ? realloc(r->ptype, f->n_items * sizeof *t) : NULL;
        if (!t)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        r->ptype = t, r->cap_pxy = f->n_items;
    }
    if (r->map_fi) {
        r->fi = r->map_fi;
    } else {
        /* A copy of what the frame reads of its bm_incident items. */
        bm__finc *fi = realloc(r->fi_buf, (f->n_items ? f->n_items : 1) * sizeof *fi);
        if (!fi)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        r->fi_buf = fi;
        for (size_t i = 0; i < f->n_items; i++)
            bm__finc_from(&fi[i], f->items[i].inc);
        r->fi = fi;
    }
    for (size_t i = 0; i < f->n_items; i++) {
        r->pxy[2 * i] = r->fi[i].pt.lon;
        r->pxy[2 * i + 1] = r->fi[i].pt.lat;
        r->ptype[i] = r->fi[i].type;
    }
    bm__proj_fwd(r->proj, r->pxy, f->n_items);
    for (size_t i = 0; i < f->n_items; i++)
        if (r->pxy[2 * i] != HUGE_VAL)
            page_pt(r, r->pxy[2 * i], r->pxy[2 * i + 1], &r->pxy[2 * i], &r->pxy[2 * i + 1]);
    return BM_OK;
}

static void frame_counts(const bm_renderer *r, const bm_render_frame *f,
                         int counts[BM_N_TYPES])
{
    memset(counts, 0, BM_N_TYPES * sizeof *counts);
    if (f->counts) {
        memcpy(counts, f->counts, BM_N_TYPES * sizeof *counts);
        return;
    }
    for (size_t i = 0; i < f->n_items; i++) {
        int t = r->ptype[i];
        if (t >= 0)
            counts[t]++;
    }
}

/* Everything labels must keep clear of, apart from the symbols (marked as they are drawn). */
static void frame_obstacles(bm_renderer *r)
{
    bm__labels *L = r->labels;
    for (size_t i = 0; i < r->n_sobs; i++)
        bm__labels_obstacle(L, r->sobs[i]);
    if ((r->o.furniture & BM_FURN_LEGEND) && r->n_incs && !r->legend_outside)
        bm__labels_obstacle(L, r->legend_area);
    if (r->o.furniture & BM_FURN_INSET)
        bm__labels_obstacle(
            L, (bm__rect){r->inset.x - 2, r->inset.y - 2, r->inset.w + 4, r->inset.h + 4});
    if (r->o.furniture & (BM_FURN_SCALEBAR | BM_FURN_NORTH))
        bm__labels_obstacle(L, r->scalebar);
}

int bm_renderer_draw_frame(bm_renderer *r, cairo_t *cr, const bm_render_frame *f, bm_error *err)
{
    int rc = ensure_ready(r, f, err);
    if (rc == BM_OK)
        rc = project_items(r, f, err);
    if (rc != BM_OK)
        return rc;
    const bm__view *v = &r->view;
    bm__labels_set_svg(r->labels, r->svg);
    cairo_save(cr);
    rc = paint_static(r, cr, err);
    bm__labels_reset(r->labels, (bm__rect){v->fx, v->fy, v->fw, v->fh});
    frame_obstacles(r);
    cairo_save(cr);
    clip_frame(cr, v);
    if (rc == BM_OK) {
        bm__draw_areas(r, cr, f);
        rc = bm__draw_incidents(r, cr, f, err);
    }
    if (rc == BM_OK && f->stamp && *f->stamp)
        bm__draw_stamp(r, cr, f->stamp);
    if (rc == BM_OK) {
        queue_labels(r, f);
        bm__labels_place_and_draw(r->labels, cr);
    }
    cairo_restore(cr);
    if (rc == BM_OK && (r->o.furniture & BM_FURN_LEGEND) && r->n_incs) {
        int counts[BM_N_TYPES];
        frame_counts(r, f, counts);
        bm__draw_legend(r, cr, counts);
    }
    if (rc == BM_OK)
        bm__draw_cursor(r, cr, f);
    cairo_restore(cr);
    bm__labels_set_svg(r->labels, NULL);
    cairo_status_t cs = cairo_status(cr);
    if (rc == BM_OK && cs != CAIRO_STATUS_SUCCESS)
        rc = bm_error_set(err, BM_ERENDER, "drawing: %s", cairo_status_to_string(cs));
    return rc;
}

/* ---- Queries ------------------------------------------------------------------------- */

void bm_renderer_page(const bm_renderer *r, double *w_pt, double *h_pt, int *w_px, int *h_px)
{
    if (w_pt)
        *w_pt = r->o.page_w;
    if (h_pt)
        *h_pt = r->o.page_h;
    int w, h;
    bm_render_opts_pixels(&r->o, &w, &h);
    if (w_px)
        *w_px = w;
    if (h_px)
        *h_px = h;
}

int bm_renderer_project(const bm_renderer *r, bm_lonlat ll, double *x, double *y)
{
    if (!r->ready)
        return BM_EINVAL;
    double xy[2] = {ll.lon, ll.lat};
    bm__proj_fwd(r->proj, xy, 1);
    if (xy[0] == HUGE_VAL)
        return BM_EPROJ;
    page_pt(r, xy[0], xy[1], x, y);
    return BM_OK;
}

void bm_renderer_map_frame(const bm_renderer *r, double *x, double *y, double *w, double *h)
{
    *x = r->view.fx, *y = r->view.fy, *w = r->view.fw, *h = r->view.fh;
}

int bm_renderer_type_rgb(const bm_renderer *r, int type, double rgb[3])
{
    if (type < 0 || type >= BM_N_TYPES)
        return 0;
    rgb[0] = r->st.type_colour[type].r;
    rgb[1] = r->st.type_colour[type].g;
    rgb[2] = r->st.type_colour[type].b;
    return 1;
}

static void put_colour(uint32_t *v, size_t max, size_t *n, bm__rgba c)
{
    uint32_t x = bm__rgb24(c);
    for (size_t i = 0; i < *n; i++)
        if (v[i] == x)
            return;
    if (*n < max)
        v[(*n)++] = x;
}

void bm_renderer_style_colours(const bm_renderer *r, uint32_t *grounds, size_t max_grounds,
                               size_t *n_grounds, uint32_t *inks, size_t max_inks, size_t *n_inks)
{
    const bm__style *st = &r->st;
    const bm__rgba g[] = {st->background, st->land,  st->water, st->neighbour,
                          st->iraq,       st->syria, st->panel};
    const bm__rgba k[] = {st->text,      st->text_muted,   st->frame,      st->border_iq_sy,
                          st->river,     st->country_line, st->admin_line, st->coast,
                          st->lake_line, st->water_text,   st->admin_text, st->country_text,
                          st->crossing,  st->town,         st->graticule,  st->locator_box};
    *n_grounds = *n_inks = 0;
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
        put_colour(grounds, max_grounds, n_grounds, g[i]);
    for (int t = 0; t < BM_N_TYPES; t++)
        put_colour(inks, max_inks, n_inks, st->type_colour[t]);
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        put_colour(inks, max_inks, n_inks, k[i]);
}

void bm_renderer_extent(const bm_renderer *r, double *w, double *s, double *e, double *n)
{
    *w = r->ext[0], *s = r->ext[1], *e = r->ext[2], *n = r->ext[3];
}

int bm_renderer_unknown_glyphs(const bm_renderer *r)
{
    return bm__labels_unknown_glyphs(r->labels);
}

size_t bm_renderer_label_count(const bm_renderer *r)
{
    return bm__labels_count(r->labels);
}

const char *bm_renderer_label_text(const bm_renderer *r, size_t i)
{
    return bm__labels_text(r->labels, i);
}

size_t bm_renderer_label_boxes(const bm_renderer *r, const double **xywh)
{
    const bm__rect *b = NULL;
    size_t n = bm__labels_placed(r->labels, &b);
    *xywh = (const double *)(const void *)b;
    return n;
}

/* ---- Files --------------------------------------------------------------------------- */

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct membuf {
    char *p;
    size_t n, cap;
} membuf;

static cairo_status_t to_memory(void *closure, const unsigned char *data, unsigned int len)
{
    membuf *m = closure;
    if (m->n + len + 1 > m->cap) {
        size_t cap = (m->n + len + 1) * 2;
        char *p = realloc(m->p, cap);
        if (!p)
            return CAIRO_STATUS_NO_MEMORY;
        m->p = p, m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return CAIRO_STATUS_SUCCESS;
}

/* An image surface for a whole page, its pixels in huge pages where the system offers them:
 * a 2000 x 1500 page is 12 MB, and touching it 4 KB at a time cost a twentieth of a render
 * in page faults. *pixels is the caller's to free after the surface is destroyed (NULL when
 * cairo owns the memory). */
static cairo_surface_t *page_image(int w, int h, void **pixels)
{
    *pixels = NULL;
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
    size_t size = (size_t)stride * (size_t)h, huge = (size_t)2 << 20;
#ifdef MADV_HUGEPAGE
    if (stride > 0 && size >= 4 * huge) {
        void *p = aligned_alloc(huge, (size + huge - 1) / huge * huge);
        if (p) {
            madvise(p, size, MADV_HUGEPAGE);
            memset(p, 0, size);
            cairo_surface_t *s =
                cairo_image_surface_create_for_data(p, CAIRO_FORMAT_ARGB32, w, h, stride);
            if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
                *pixels = p;
                return s;
            }
            cairo_surface_destroy(s);
            free(p);
        }
    }
#endif
    return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
}

/* One page through cb onto a surface of the format; svg_texts non-NULL asks for the SVG's
 * text as <text> elements (the renderer fills the list while drawing). */
static int write_page(bm_atomic_file *af, bm_render_format fmt, double w_pt, double h_pt,
                      double dpi, bm_render_draw_cb cb, void *user, bm__svg_texts *svg_texts,
                      const char *family, bm_error *err)
{
    FILE *fp = bm_atomic_fp(af);
    membuf svg = {0};
    void *pixels = NULL;
    cairo_surface_t *s;
    if (fmt == BM_RENDER_PDF) {
        s = cairo_pdf_surface_create_for_stream(to_file, fp, w_pt, h_pt);
    } else if (fmt == BM_RENDER_SVG) {
        s = cairo_svg_surface_create_for_stream(to_memory, &svg, w_pt, h_pt);
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
    } else {
        s = page_image((int)lround(w_pt * dpi / 72), (int)lround(h_pt * dpi / 72), &pixels);
    }
    cairo_t *cr = cairo_create(s);
    if (fmt == BM_RENDER_PNG)
        cairo_scale(cr, dpi / 72, dpi / 72);
    int rc = cb(cr, user, err);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    if (rc == BM_OK && fmt == BM_RENDER_PNG)
        rc = bm__png_write(cairo_image_surface_get_data(s), cairo_image_surface_get_width(s),
                           cairo_image_surface_get_height(s), cairo_image_surface_get_stride(s), fp,
                           err);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    free(pixels);
    if (rc == BM_OK && cs != CAIRO_STATUS_SUCCESS)
        rc = bm_error_set(err, BM_ERENDER, "%s", cairo_status_to_string(cs));
    if (rc == BM_OK && fmt == BM_RENDER_SVG) {
        static const bm__svg_texts none = {0};
        rc = bm__svg_write_with_text(svg.p, svg.n, svg_texts ? svg_texts : &none, family, fp, err);
    }
    free(svg.p);
    return rc;
}

static int write_atomic(const char *path, bm_render_format fmt, double w_pt, double h_pt,
                        double dpi, int overwrite, bm_render_draw_cb cb, void *user,
                        bm__svg_texts *svg_texts, const char *family, bm_error *err)
{
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, overwrite, &af, err);
    if (rc != BM_OK)
        return rc;
    if (!bm_atomic_fp(af)) {
        bm_atomic_abort(af);
        return bm_error_set(err, BM_EIO, "%s: no stream to write to", path);
    }
    rc = write_page(af, fmt, w_pt, h_pt, dpi, cb, user, svg_texts, family, err);
    if (rc != BM_OK) {
        if (err && !strstr(err->msg, path)) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            bm_error_set(err, rc, "%s: %s", path, why);
        }
        bm_atomic_abort(af);
        return rc;
    }
    return bm_atomic_commit(af, err);
}

int bm_render_write(const char *path, bm_render_format fmt, double w_pt, double h_pt, double dpi,
                    int overwrite, bm_render_draw_cb cb, void *user, bm_error *err)
{
    return write_atomic(path, fmt, w_pt, h_pt, dpi, overwrite, cb, user, NULL, "sans-serif", err);
}

/* The query's incidents as frames read them (bm__finc, 130 bytes each, not bm_incident's
 * 1.7 KB: the incidents were most of a 100k map's memory). */
typedef struct collect_ctx {
    bm__finc *v;
    size_t n, cap;
} collect_ctx;

static int collect_cb(const bm_incident *inc, void *user)
{
    collect_ctx *c = user;
    if (c->n == c->cap) {
        size_t cap = c->cap * 2 + 1024;
        bm__finc *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return BM_ENOMEM;
        c->v = v, c->cap = cap;
    }
    bm__finc_from(&c->v[c->n++], inc);
    return 0;
}

/* The frame's drawing order: date_start, then id (what bm_store_query's order would be). */
static int cmp_order(const void *a, const void *b)
{
    const bm__finc *x = a, *y = b;
    int c = bm_date_cmp(x->start, y->start);
    if (c)
        return c;
    return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct map_ctx {
    bm_renderer *r;
    bm_render_frame *f;
} map_ctx;

static int map_draw(cairo_t *cr, void *user, bm_error *err)
{
    map_ctx *m = user;
    return bm_renderer_draw_frame(m->r, cr, m->f, err);
}

int bm_renderer_write(bm_renderer *r, const bm_render_frame *f, const char *path, int overwrite,
                      bm_error *err)
{
    bm_render_format fmt;
    int rc = bm_render_format_for_path(path, &fmt, err);
    if (rc != BM_OK)
        return rc;
    bm__svg_texts texts = {0};
    if (fmt == BM_RENDER_SVG)
        r->svg = &texts;
    map_ctx m = {r, (bm_render_frame *)f};
    r->one_shot = 1;
    rc = write_atomic(path, fmt, r->o.page_w, r->o.page_h, r->o.dpi, overwrite, map_draw, &m,
                      &texts, r->st.sans, err);
    r->one_shot = 0;
    r->svg = NULL;
    bm__svg_texts_clear(&texts);
    return rc;
}

int bm_render_map(const bm_render_opts *o, bm_store *store, const bm_query *q, const char *path,
                  int overwrite, size_t *n_drawn, bm_error *err)
{
    bm_render_format fmt;
    int rc = bm_render_format_for_path(path, &fmt, err);
    if (rc != BM_OK)
        return rc;
    bm_render_opts oo = *o;
    if (!oo.has_from && q && q->has_from)
        oo.has_from = 1, oo.from = q->from;
    if (!oo.has_to && q && q->has_to)
        oo.has_to = 1, oo.to = q->to;
    /* The renderer first: its basemap stage runs while the store is queried. */
    bm_renderer *r = NULL;
    rc = bm_renderer_new(&oo, &r, err);
    if (rc != BM_OK)
        return rc;
    basemap_prefetch(r);
    collect_ctx c = {0};
    bm_query all;
    if (q)
        all = *q;
    else
        bm_query_init(&all);
    /* Storage order and a sort here: on a large table the store's date order costs several
     * times the whole map (random reads through the date index). A limit keeps the
     * earliest, which only the store's order gives. */
    all.any_order = all.limit <= 0;
    bm__store_lean lean; /* a sequential scan: the store's file mapping only adds memory */
    bm__store_lean_begin(store, 8192, &lean);
    rc = bm__store_query_map(store, &all, collect_cb, &c);
    bm__store_lean_end(&lean);
    if (rc != BM_OK) {
        free(c.v);
        bm_renderer_free(r);
        return bm_error_set(err, rc == BM_ENOMEM ? BM_ENOMEM : BM_EDB, "querying incidents: %s",
                            rc == BM_ENOMEM ? "out of memory" : bm_store_errmsg(store));
    }
    if (all.any_order && c.n)
        qsort(c.v, c.n, sizeof *c.v, cmp_order);
    bm_render_item *items = c.n ? malloc(c.n * sizeof *items) : NULL;
    if (c.n && !items)
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc == BM_OK)
        rc = bm_renderer_load_places(r, store, err);
    if (rc == BM_OK)
        rc = set_fincs(r, c.v, c.n, err);
    if (rc == BM_OK) {
        /* The frame reads the incidents from c.v (r->map_fi); items carry order, size and
         * opacity only. */
        for (size_t i = 0; i < c.n; i++)
            items[i] = (bm_render_item){NULL, 1, 1};
        r->map_fi = c.v;
        bm_render_frame f = {items, c.n, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}};
        rc = bm_renderer_write(r, &f, path, overwrite, err);
        r->map_fi = NULL, r->fi = NULL;
    }
    if (rc == BM_OK && n_drawn)
        *n_drawn = c.n;
    bm_renderer_free(r);
    free(items);
    free(c.v);
    return rc;
}
