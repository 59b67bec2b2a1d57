/* render.c: the incident map: page layout, basemap layers, incident symbols (clusters,
 * displaced co-located points, imprecise areas), legend, scale bar, north arrow, graticule,
 * locator inset, timeline strip, and atomic PNG/PDF/SVG output.
 * Must never read the store while drawing a frame: incidents and places are copied in first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "bordermap/fileio.h"
#include "render_private.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct proj_inc {
    double x, y; /* page points; HUGE_VAL when not projectable */
} proj_inc;

struct bm_renderer {
    bm_render_opts o;
    char *title, *crs;
    char style_path[1024], basemap_path[1024];
    bm__style st;
    int ready;
    double ext[4];
    bm__proj *proj, *lproj;
    bm__view view, lview;
    bm__basemap bm;
    bm_place *places;
    size_t n_places, cap_places;
    bm_incident *incs;
    size_t n_incs;
    char months_en[12][16], months_ar[12][48];
    /* Layout, page points. */
    double title_h, timeline_y, timeline_h, attrib_y;
    bm__rect inset, legend_area, scalebar;
    cairo_surface_t *stat; /* recording of the static layers */
    PangoContext *pctx;
    bm__labels *labels;
    proj_inc *pi;
    size_t cap_pi;
    /* Raster symbol sprites per type and size step (0.25 pt), drawn once at the device
     * scale: filling and stroking 100k small paths is what made big maps slow. */
    cairo_surface_t *sprite[BM_N_TYPES][80];
    double sprite_scale;
};

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

/* ---- Life cycle ---------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void load_months(bm_renderer *r)
{
    static const char *en[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; i++) {
        snprintf(r->months_en[i], sizeof r->months_en[i], "%s", en[i]);
        snprintf(r->months_ar[i], sizeof r->months_ar[i], "%s", en[i]);
    }
    char path[1024];
    bm_error err;
    if (bm_data_path("maps/months.tsv", path, sizeof path, &err) != BM_OK)
        return;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#')
            continue;
        char *f[4] = {0};
        char *save = NULL, *tok = strtok_r(line, "\t\r\n", &save);
        for (int i = 0; tok && i < 4; i++, tok = strtok_r(NULL, "\t\r\n", &save))
            f[i] = tok;
        int m = f[0] ? atoi(f[0]) : 0;
        if (m < 1 || m > 12 || !f[2] || !f[3])
            continue;
        snprintf(r->months_en[m - 1], sizeof r->months_en[m - 1], "%s", f[2]);
        snprintf(r->months_ar[m - 1], sizeof r->months_ar[m - 1], "%s", f[3]);
    }
    fclose(fp);
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
    if (rc == BM_OK && (!r->title) != (!o->title))
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc != BM_OK) {
        bm_renderer_free(r);
        return rc;
    }
    load_months(r);
    PangoFontMap *fm = pango_cairo_font_map_get_default();
    r->pctx = pango_font_map_create_context(fm);
    /* Layout in points, unhinted: the same text takes the same room in PNG, PDF and SVG. */
    pango_cairo_context_set_resolution(r->pctx, 72);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(r->pctx, fo);
    cairo_font_options_destroy(fo);
    r->labels = bm__labels_new(r->pctx, r->st.sans, o->lang, r->st.halo);
    if (!r->labels) {
        bm_renderer_free(r);
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    }
    *out = r;
    return BM_OK;
}

void bm_renderer_free(bm_renderer *r)
{
    if (!r)
        return;
    bm__basemap_free(&r->bm);
    bm__proj_free(r->proj);
    bm__proj_free(r->lproj);
    if (r->stat)
        cairo_surface_destroy(r->stat);
    for (int t = 0; t < BM_N_TYPES; t++)
        for (int k = 0; k < 80; k++)
            if (r->sprite[t][k])
                cairo_surface_destroy(r->sprite[t][k]);
    bm__labels_free(r->labels);
    if (r->pctx)
        g_object_unref(r->pctx);
    free(r->places);
    free(r->incs);
    free(r->pi);
    free(r->title);
    free(r->crs);
    free(r);
}

int bm_renderer_add_place(bm_renderer *r, const bm_place *p, bm_error *err)
{
    if (r->n_places == r->cap_places) {
        size_t cap = r->cap_places * 2 + 64;
        bm_place *np = realloc(r->places, cap * sizeof *np);
        if (!np)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        r->places = np, r->cap_places = cap;
    }
    r->places[r->n_places++] = *p;
    return BM_OK;
}

typedef struct place_ctx {
    bm_renderer *r;
    bm_error *err;
} place_ctx;

static int place_cb(const bm_place *p, void *user)
{
    place_ctx *c = user;
    if (strcmp(p->kind, "city") && strcmp(p->kind, "town") && strcmp(p->kind, "crossing"))
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

int bm_renderer_set_incidents(bm_renderer *r, const bm_incident *incs, size_t n, bm_error *err)
{
    bm_incident *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        memcpy(copy, incs, n * sizeof *copy);
    }
    free(r->incs);
    r->incs = copy;
    r->n_incs = n;
    if (r->stat) {
        /* The timeline is part of the static layers: record them again. */
        cairo_surface_destroy(r->stat);
        r->stat = NULL;
    }
    return BM_OK;
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
    double pw = fmax((e - w) * 0.2, 0.75 - (e - w) / 2), ph = fmax((n - s) * 0.2, 0.6 - (n - s) / 2);
    ext[0] = w - pw, ext[1] = s - ph, ext[2] = e + pw, ext[3] = n + ph;
}

static void layout_page(bm_renderer *r)
{
    const bm__style *st = &r->st;
    double W = r->o.page_w, H = r->o.page_h, m = st->margin;
    int f = r->o.furniture;
    r->title_h = (f & BM_FURN_TITLE) ? st->title_size * 1.45 + st->subtitle_size * 1.7 : 0;
    r->attrib_y = H - m / 2 - st->small_size * 1.4;
    r->timeline_h = (f & BM_FURN_TIMELINE) ? fmax(36, H * 0.11) : 0;
    r->timeline_y = r->attrib_y - r->timeline_h - m * 0.3;
    double fy = m + r->title_h, fh = r->timeline_y - fy - m * 0.5;
    if (!(f & BM_FURN_TIMELINE))
        fh = r->attrib_y - fy - m * 0.4;
    r->view.fx = m, r->view.fy = fy, r->view.fw = W - 2 * m, r->view.fh = fh;
}

static int ensure_ready(bm_renderer *r, bm_error *err)
{
    if (r->ready)
        return BM_OK;
    double corridor[4], locbox[4];
    int rc = bm__basemap_coverage(r->basemap_path, corridor, locbox, err);
    if (rc != BM_OK)
        return rc;
    memcpy(r->bm.corridor, corridor, sizeof corridor);
    if (r->o.extent == BM_EXTENT_BOX) {
        r->ext[0] = r->o.west, r->ext[1] = r->o.south, r->ext[2] = r->o.east;
        r->ext[3] = r->o.north;
    } else if (r->o.extent == BM_EXTENT_DATA) {
        data_extent(r, r->ext);
    } else {
        memcpy(r->ext, corridor, sizeof corridor);
    }
    if (!(r->ext[0] < r->ext[2] && r->ext[1] < r->ext[3]) || r->ext[1] < -85 || r->ext[3] > 85)
        return bm_error_set(err, BM_EINVAL, "bad extent %g,%g,%g,%g", r->ext[0], r->ext[1],
                            r->ext[2], r->ext[3]);
    layout_page(r);
    rc = bm__proj_new(r->crs, r->ext[0], r->ext[1], r->ext[2], r->ext[3], &r->proj, err);
    if (rc == BM_OK)
        rc = bm__proj_new(NULL, locbox[0], locbox[1], locbox[2], locbox[3], &r->lproj, err);
    if (rc != BM_OK)
        return rc;
    double pbox[4];
    bm__proj_box(r->proj, r->ext[0], r->ext[1], r->ext[2], r->ext[3], pbox);
    bm__view_fit(&r->view, pbox, r->view.fx, r->view.fy, r->view.fw, r->view.fh);
    /* Everything the frame can show, with a margin, in lon/lat: the frame may be wider
     * than the extent on one axis. */
    double sw = r->ext[2] - r->ext[0], sh = r->ext[3] - r->ext[1];
    double aspect = (r->view.fw / r->view.fh) / ((pbox[2] - pbox[0]) / (pbox[3] - pbox[1]));
    double grow_x = fmax(1, aspect), grow_y = fmax(1, 1 / aspect);
    double load[4] = {r->ext[0] - sw * (grow_x * 0.5 + 0.1), fmax(-85, r->ext[1] - sh * (grow_y * 0.5 + 0.1)),
                      r->ext[2] + sw * (grow_x * 0.5 + 0.1), fmin(85, r->ext[3] + sh * (grow_y * 0.5 + 0.1))};
    rc = bm__basemap_load(r->basemap_path, load, r->proj, r->lproj, &r->bm, err);
    if (rc != BM_OK)
        return rc;
    /* The inset: the top-right corner of the frame, a fifth of its width. */
    double lbox[4];
    bm__proj_box(r->lproj, locbox[0], locbox[1], locbox[2], locbox[3], lbox);
    double iw = fmin(r->view.fw * 0.2, 170), ih = iw * (lbox[3] - lbox[1]) / (lbox[2] - lbox[0]);
    r->inset = (bm__rect){r->view.fx + r->view.fw - iw - 6, r->view.fy + 6, iw, ih};
    bm__view_fit(&r->lview, lbox, r->inset.x, r->inset.y, r->inset.w, r->inset.h);
    r->ready = 1;
    return BM_OK;
}

static void page_pt(const bm_renderer *r, double x, double y, double *px, double *py)
{
    bm__view_page(&r->view, x, y, px, py);
}

/* ---- Basemap drawing ----------------------------------------------------------------- */

static void feature_path(cairo_t *cr, const bm__view *v, const bm__feature *f, int close)
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
            feature_path(cr, v, &l->f[i], 1);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    bm__set_rgba(cr, c);
    cairo_fill(cr);
}

static void draw_countries(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    fill_layer(cr, &r->view, &r->bm.world, st->neighbour);
    for (size_t i = 0; i < r->bm.countries.n; i++) {
        const bm__feature *f = &r->bm.countries.f[i];
        if (!feature_visible(&r->view, f))
            continue;
        bm__rgba c = !strcmp(f->code, "IQ")   ? st->iraq
                     : !strcmp(f->code, "SY") ? st->syria
                                              : st->neighbour;
        feature_path(cr, &r->view, f, 1);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        bm__set_rgba(cr, c);
        cairo_fill(cr);
    }
    /* Coastlines: the outline of the land against the water, drawn thin and blue. */
    for (size_t i = 0; i < r->bm.world.n; i++)
        if (feature_visible(&r->view, &r->bm.world.f[i]))
            feature_path(cr, &r->view, &r->bm.world.f[i], 1);
    bm__set_rgba(cr, st->coast);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
}

static void stroke_layer(cairo_t *cr, const bm__view *v, const bm__layer *l, bm__rgba c,
                         double width)
{
    for (size_t i = 0; i < l->n; i++)
        if (feature_visible(v, &l->f[i]))
            feature_path(cr, v, &l->f[i], 0);
    bm__set_rgba(cr, c);
    cairo_set_line_width(cr, width);
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
            feature_path(cr, &r->view, f, 0);
        }
        double dash[] = {2.0, 1.6};
        cairo_set_dash(cr, dash, pass == 0 ? 2 : 0, 0);
        bm__set_rgba_alpha(cr, st->river, pass == 0 ? 0.55 : 1);
        cairo_set_line_width(cr, pass == 2 ? st->river_major_width
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
                feature_path(cr, &r->view, f, 0);
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
    stroke_layer(cr, &r->view, &r->bm.border_iq_sy, (bm__rgba){st->border_iq_sy.r,
                 st->border_iq_sy.g, st->border_iq_sy.b, 0.18}, st->border_iq_sy_width * 3.2);
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

/* Graticule lines, and their degree labels where they meet the frame's left and bottom. */
static void draw_graticule(bm_renderer *r, cairo_t *cr, int labels)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
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
                if (!labels) {
                    if (have_prev)
                        cairo_line_to(cr, px, py);
                    else
                        cairo_move_to(cr, px, py);
                }
                if (labels && have_prev && !labelled) {
                    double edge = is_lon ? v->fy + v->fh : v->fx;
                    double c0 = is_lon ? py_prev : px_prev, c1 = is_lon ? py : px;
                    if ((c0 - edge) * (c1 - edge) <= 0 && c0 != c1) {
                        double t = (edge - c0) / (c1 - c0);
                        double ex = px_prev + (px - px_prev) * t, ey = py_prev + (py - py_prev) * t;
                        if ((is_lon && ex > v->fx + 12 && ex < v->fx + v->fw - 12) ||
                            (!is_lon && ey > v->fy + 12 && ey < v->fy + v->fh - 12)) {
                            char buf[32];
                            format_deg(buf, sizeof buf, a, is_lon);
                            double tw, th;
                            bm__text_size(r->labels, buf, st->small_size, 0, &tw, &th);
                            if (is_lon)
                                bm__text(r->labels, cr, buf, ex, v->fy + v->fh - th - 1,
                                         st->small_size, 0, 1, st->text_muted, 1, NULL);
                            else
                                bm__text(r->labels, cr, buf, v->fx + 2, ey - th / 2,
                                         st->small_size, 0, 0, st->text_muted, 1, NULL);
                            labelled = 1;
                        }
                    }
                }
                px_prev = px, py_prev = py, have_prev = 1;
            }
        }
    }
    if (!labels) {
        bm__set_rgba_alpha(cr, st->graticule, 0.55);
        cairo_set_line_width(cr, st->graticule_width);
        cairo_stroke(cr);
    }
}

/* ---- Symbols ------------------------------------------------------------------------- */

static void polygon_path(cairo_t *cr, double x, double y, double rad, int n, double rot)
{
    for (int i = 0; i < n; i++) {
        double a = rot + 2 * M_PI * i / n;
        double px = x + rad * cos(a), py = y + rad * sin(a);
        if (i == 0)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
    }
    cairo_close_path(cr);
}

/* Builds the path of a shape of diameter d centred on (x, y). Returns 1 for line shapes
 * (plus, cross) that are stroked rather than filled. */
static int shape_path(cairo_t *cr, bm__shape s, double x, double y, double d)
{
    double h = d / 2;
    switch (s) {
    case BM_SHAPE_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, h, 0, 2 * M_PI);
        return 0;
    case BM_SHAPE_SQUARE:
        cairo_rectangle(cr, x - h * 0.86, y - h * 0.86, h * 1.72, h * 1.72);
        return 0;
    case BM_SHAPE_TRIANGLE:
        polygon_path(cr, x, y + h * 0.15, h * 1.15, 3, -M_PI / 2);
        return 0;
    case BM_SHAPE_TRIANGLE_DOWN:
        polygon_path(cr, x, y - h * 0.15, h * 1.15, 3, M_PI / 2);
        return 0;
    case BM_SHAPE_DIAMOND:
        polygon_path(cr, x, y, h * 1.15, 4, 0);
        return 0;
    case BM_SHAPE_PENTAGON:
        polygon_path(cr, x, y, h * 1.05, 5, -M_PI / 2);
        return 0;
    case BM_SHAPE_HEXAGON:
        polygon_path(cr, x, y, h * 1.02, 6, 0);
        return 0;
    case BM_SHAPE_STAR:
        for (int i = 0; i < 10; i++) {
            double a = -M_PI / 2 + M_PI * i / 5, rr = i % 2 ? h * 0.55 : h * 1.3;
            if (i == 0)
                cairo_move_to(cr, x + rr * cos(a), y + rr * sin(a));
            else
                cairo_line_to(cr, x + rr * cos(a), y + rr * sin(a));
        }
        cairo_close_path(cr);
        return 0;
    case BM_SHAPE_PLUS:
        cairo_move_to(cr, x - h, y), cairo_line_to(cr, x + h, y);
        cairo_move_to(cr, x, y - h), cairo_line_to(cr, x, y + h);
        return 1;
    case BM_SHAPE_CROSS:
        cairo_move_to(cr, x - h * 0.8, y - h * 0.8), cairo_line_to(cr, x + h * 0.8, y + h * 0.8);
        cairo_move_to(cr, x - h * 0.8, y + h * 0.8), cairo_line_to(cr, x + h * 0.8, y - h * 0.8);
        return 1;
    }
    return 0;
}

static void draw_symbol(cairo_t *cr, const bm__style *st, int type, double x, double y,
                        double d, double alpha)
{
    bm__shape s = st->type_shape[type];
    bm__rgba c = st->type_colour[type];
    cairo_new_path(cr);
    if (shape_path(cr, s, x, y, d)) {
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95 * alpha);
        cairo_set_line_width(cr, d * 0.42 + 1.2);
        cairo_stroke_preserve(cr);
        bm__set_rgba_alpha(cr, c, alpha);
        cairo_set_line_width(cr, d * 0.42);
        cairo_stroke(cr);
        return;
    }
    bm__set_rgba_alpha(cr, c, alpha);
    cairo_fill_preserve(cr);
    /* A white rim separates overlapping symbols and lifts them off the basemap. */
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9 * alpha);
    cairo_set_line_width(cr, fmax(0.5, d * 0.1));
    cairo_stroke(cr);
}

/* Draws a symbol from the sprite cache when the target is a raster at a plain scale; vector
 * targets (PDF, SVG) and rotated or skewed ones get the real path. */
static void put_symbol(bm_renderer *r, cairo_t *cr, int type, double x, double y, double d,
                       double alpha)
{
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    int k = (int)lround(d * 4);
    if (cairo_surface_get_type(cairo_get_target(cr)) != CAIRO_SURFACE_TYPE_IMAGE || m.xy != 0 ||
        m.yx != 0 || m.xx != m.yy || m.xx <= 0 || k < 1 || k >= 80) {
        draw_symbol(cr, &r->st, type, x, y, d, alpha);
        return;
    }
    if (r->sprite_scale != m.xx) {
        for (int t = 0; t < BM_N_TYPES; t++)
            for (int j = 0; j < 80; j++)
                if (r->sprite[t][j]) {
                    cairo_surface_destroy(r->sprite[t][j]);
                    r->sprite[t][j] = NULL;
                }
        r->sprite_scale = m.xx;
    }
    double sc = m.xx, dq = k / 4.0;
    int half = (int)ceil(dq * 0.75 * sc) + 2;
    if (!r->sprite[type][k]) {
        cairo_surface_t *sp = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 2 * half, 2 * half);
        cairo_t *sc_cr = cairo_create(sp);
        cairo_translate(sc_cr, half, half);
        cairo_scale(sc_cr, sc, sc);
        draw_symbol(sc_cr, &r->st, type, 0, 0, dq, 1);
        cairo_destroy(sc_cr);
        r->sprite[type][k] = sp;
    }
    /* Snap to whole device pixels: an unfiltered copy is the fast path. */
    double dx = x, dy = y;
    cairo_user_to_device(cr, &dx, &dy);
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_set_source_surface(cr, r->sprite[type][k], floor(dx + 0.5) - half,
                             floor(dy + 0.5) - half);
    if (alpha >= 1)
        cairo_paint(cr);
    else
        cairo_paint_with_alpha(cr, alpha);
    cairo_restore(cr);
}

static double symbol_diameter(const bm__style *st, const bm_incident *inc)
{
    double v;
    if (st->size_by_fatalities)
        v = 1 + (inc->fatalities > 0 ? inc->fatalities / 5.0 : 0);
    else
        v = 1 + (inc->n_sources > 1 ? (inc->n_sources - 1) / 2.0 : 0);
    /* Area, not diameter, follows the value. */
    return fmin(st->symbol_max, st->symbol_size * sqrt(v));
}

/* ---- Incidents ----------------------------------------------------------------------- */

typedef struct item_ref {
    size_t i;     /* index into the frame's items */
    long cell_x, cell_y;
} item_ref;

static int by_cell(const void *a, const void *b)
{
    const item_ref *x = a, *y = b;
    if (x->cell_x != y->cell_x)
        return x->cell_x < y->cell_x ? -1 : 1;
    if (x->cell_y != y->cell_y)
        return x->cell_y < y->cell_y ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int project_items(bm_renderer *r, const bm_render_frame *f, bm_error *err)
{
    if (f->n_items > r->cap_pi) {
        proj_inc *p = realloc(r->pi, f->n_items * sizeof *p);
        if (!p)
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        r->pi = p, r->cap_pi = f->n_items;
    }
    for (size_t i = 0; i < f->n_items; i++) {
        r->pi[i].x = f->items[i].inc->pt.lon;
        r->pi[i].y = f->items[i].inc->pt.lat;
    }
    bm__proj_fwd(r->proj, (double *)r->pi, f->n_items);
    for (size_t i = 0; i < f->n_items; i++)
        if (r->pi[i].x != HUGE_VAL)
            page_pt(r, r->pi[i].x, r->pi[i].y, &r->pi[i].x, &r->pi[i].y);
    return BM_OK;
}

static int in_frame(const bm__view *v, double x, double y)
{
    return x >= v->fx && x <= v->fx + v->fw && y >= v->fy && y <= v->fy + v->fh;
}

/* Region-level incidents (geo_precision 3) are areas, never pins: the governorate that holds
 * the point is washed and outlined in the type's colour, once per governorate and type. */
static void draw_areas(bm_renderer *r, cairo_t *cr, const bm_render_frame *f)
{
    size_t na = r->bm.admin1.n;
    unsigned char *done = na ? calloc(na * BM_N_TYPES, 1) : NULL;
    for (size_t i = 0; i < f->n_items; i++) {
        const bm_incident *inc = f->items[i].inc;
        int t = bm_type_index(inc->type);
        if (inc->geo_precision < 3 || t < 0 || r->pi[i].x == HUGE_VAL)
            continue;
        double xy[2] = {inc->pt.lon, inc->pt.lat};
        bm__proj_fwd(r->proj, xy, 1);
        long a = xy[0] == HUGE_VAL ? -1 : bm__basemap_admin1_at(&r->bm, xy[0], xy[1]);
        bm__rgba c = r->st.type_colour[t];
        double alpha = f->items[i].alpha;
        if (a >= 0 && done) {
            if (done[(size_t)a * BM_N_TYPES + (size_t)t])
                continue;
            done[(size_t)a * BM_N_TYPES + (size_t)t] = 1;
            feature_path(cr, &r->view, &r->bm.admin1.f[a], 1);
        } else {
            cairo_new_sub_path(cr);
            cairo_arc(cr, r->pi[i].x, r->pi[i].y, r->st.symbol_size * 2.6, 0, 2 * M_PI);
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        bm__set_rgba_alpha(cr, c, 0.14 * alpha);
        cairo_fill_preserve(cr);
        double dash[] = {3, 2};
        cairo_set_dash(cr, dash, 2, 0);
        bm__set_rgba_alpha(cr, c, 0.85 * alpha);
        cairo_set_line_width(cr, 1.1);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    free(done);
}

static void draw_cluster(bm_renderer *r, cairo_t *cr, const bm_render_frame *f,
                         const item_ref *g, size_t n, double x, double y)
{
    int counts[BM_N_TYPES] = {0};
    for (size_t k = 0; k < n; k++) {
        int t = bm_type_index(f->items[g[k].i].inc->type);
        if (t >= 0)
            counts[t]++;
    }
    double rad = fmin(r->st.symbol_max, r->st.symbol_size * (1.1 + 0.35 * log2((double)n)));
    /* A ring split by type shares around the count. */
    double a0 = -M_PI / 2;
    for (int t = 0; t < BM_N_TYPES; t++) {
        if (!counts[t])
            continue;
        double a1 = a0 + 2 * M_PI * counts[t] / (double)n;
        cairo_new_path(cr);
        cairo_arc(cr, x, y, rad, a0, a1);
        cairo_arc_negative(cr, x, y, rad * 0.62, a1, a0);
        cairo_close_path(cr);
        bm__set_rgba(cr, r->st.type_colour[t]);
        cairo_fill(cr);
        a0 = a1;
    }
    cairo_new_path(cr);
    cairo_arc(cr, x, y, rad * 0.62, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
    cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", n);
    double tw, th;
    bm__text_size(r->labels, buf, r->st.small_size, 1, &tw, &th);
    bm__text(r->labels, cr, buf, x, y - th / 2, r->st.small_size, 1, 1, r->st.text, 0, NULL);
}

static void draw_incidents(bm_renderer *r, cairo_t *cr, const bm_render_frame *f)
{
    const bm__style *st = &r->st;
    item_ref *refs = malloc((f->n_items + 1) * sizeof *refs);
    if (!refs)
        return;
    size_t n = 0;
    double cell = fmax(st->colocated, 0.01);
    for (size_t i = 0; i < f->n_items; i++) {
        const bm_incident *inc = f->items[i].inc;
        if (inc->geo_precision >= 3 || r->pi[i].x == HUGE_VAL ||
            !in_frame(&r->view, r->pi[i].x, r->pi[i].y) || bm_type_index(inc->type) < 0)
            continue;
        refs[n++] = (item_ref){i, lround(r->pi[i].x / cell), lround(r->pi[i].y / cell)};
    }
    qsort(refs, n, sizeof *refs, by_cell);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && refs[b].cell_x == refs[a].cell_x && refs[b].cell_y == refs[a].cell_y)
            b++;
        size_t g = b - a;
        double x = r->pi[refs[a].i].x, y = r->pi[refs[a].i].y;
        if (g >= (size_t)st->cluster_min) {
            draw_cluster(r, cr, f, refs + a, g, x, y);
        } else if (g > 1) {
            /* Spread on a small ring, with a dot marking the true point. */
            double ring = st->symbol_size * (0.55 + 0.18 * (double)g);
            cairo_new_path(cr);
            cairo_arc(cr, x, y, ring, 0, 2 * M_PI);
            bm__set_rgba_alpha(cr, st->text, 0.35);
            cairo_set_line_width(cr, 0.4);
            cairo_stroke(cr);
            for (size_t k = 0; k < g; k++) {
                const bm_render_item *it = &f->items[refs[a + k].i];
                double ang = -M_PI / 2 + 2 * M_PI * (double)k / (double)g;
                put_symbol(r, cr, bm_type_index(it->inc->type), x + ring * cos(ang),
                            y + ring * sin(ang), symbol_diameter(st, it->inc) * it->scale * 0.85,
                            it->alpha);
            }
            cairo_new_path(cr);
            cairo_arc(cr, x, y, 1.1, 0, 2 * M_PI);
            bm__set_rgba(cr, st->text);
            cairo_fill(cr);
        } else {
            const bm_render_item *it = &f->items[refs[a].i];
            put_symbol(r, cr, bm_type_index(it->inc->type), x, y,
                       symbol_diameter(st, it->inc) * it->scale, it->alpha);
        }
        a = b;
    }
    free(refs);
}

/* ---- Places -------------------------------------------------------------------------- */

static int place_page(const bm_renderer *r, const bm_place *p, double *x, double *y)
{
    double xy[2] = {p->pt.lon, p->pt.lat};
    bm__proj_fwd(r->proj, xy, 1);
    if (xy[0] == HUGE_VAL)
        return 0;
    page_pt(r, xy[0], xy[1], x, y);
    return in_frame(&r->view, *x, *y);
}

static int is_key_town(const bm_place *p)
{
    /* Towns of 40k and more: below that the west of Syria turns into a field of dots; the
     * smaller places still get a label when an incident happened there. */
    return (!strcmp(p->kind, "city") || !strcmp(p->kind, "town")) && p->population >= 40000;
}

static void draw_places(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    for (size_t i = 0; i < r->n_places; i++) {
        const bm_place *p = &r->places[i];
        double x, y;
        if (!place_page(r, p, &x, &y))
            continue;
        if (!strcmp(p->kind, "crossing")) {
            /* A crossing: a small square gate straddling the line. */
            cairo_rectangle(cr, x - 2.6, y - 2.6, 5.2, 5.2);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            bm__set_rgba(cr, st->crossing);
            cairo_set_line_width(cr, 1.1);
            cairo_stroke(cr);
            cairo_move_to(cr, x - 2.6, y);
            cairo_line_to(cr, x + 2.6, y);
            cairo_set_line_width(cr, 0.8);
            cairo_stroke(cr);
        } else if (is_key_town(p)) {
            double rad = p->population >= 500000 ? 2.4 : 1.7;
            cairo_new_path(cr);
            cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
            cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            bm__set_rgba(cr, st->town);
            cairo_set_line_width(cr, 0.9);
            cairo_stroke(cr);
        }
    }
}

/* ---- Furniture ----------------------------------------------------------------------- */

static void date_text(const bm_renderer *r, bm_date d, int ar, char *buf, size_t n)
{
    if (ar)
        snprintf(buf, n, "%d %s %d", d.day, r->months_ar[d.month - 1], d.year);
    else
        snprintf(buf, n, "%d %s %d", d.day, r->months_en[d.month - 1], d.year);
}

static void period(const bm_renderer *r, bm_date *from, bm_date *to, int *has)
{
    *has = 0;
    bm_date lo = {9999, 12, 31}, hi = {1, 1, 1};
    for (size_t i = 0; i < r->n_incs; i++) {
        if (bm_date_cmp(r->incs[i].date_start, lo) < 0)
            lo = r->incs[i].date_start;
        if (bm_date_cmp(r->incs[i].date_end, hi) > 0)
            hi = r->incs[i].date_end;
    }
    *from = r->o.has_from ? r->o.from : lo;
    *to = r->o.has_to ? r->o.to : hi;
    *has = bm_date_valid(*from) && bm_date_valid(*to) && bm_date_cmp(*from, *to) <= 0;
}

static void draw_title(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    double m = st->margin, W = r->o.page_w;
    const char *en = r->title ? r->title : st->title;
    const char *ar = r->title ? NULL : st->title_ar;
    if (r->o.lang == BM_LANG_AR && !r->title)
        bm__text(r->labels, cr, ar, W - m, m * 0.7, st->title_size, 1, 2, st->text, 0, NULL);
    else
        bm__text(r->labels, cr, en, m, m * 0.7, st->title_size, 1, 0, st->text, 0, NULL);
    if (r->o.lang == BM_LANG_BOTH && ar)
        bm__text(r->labels, cr, ar, W - m, m * 0.7, st->title_size, 1, 2, st->text, 0, NULL);
    bm_date from, to;
    int has;
    period(r, &from, &to, &has);
    double y = m * 0.7 + st->title_size * 1.45;
    char a[64], b[64], line[320];
    if (has && r->o.lang != BM_LANG_AR) {
        date_text(r, from, 0, a, sizeof a);
        date_text(r, to, 0, b, sizeof b);
        snprintf(line, sizeof line, "%s – %s · %zu incidents", a, b, r->n_incs);
        bm__text(r->labels, cr, line, m, y, st->subtitle_size, 0, 0, st->text_muted, 0, NULL);
    }
    if (has && r->o.lang != BM_LANG_EN) {
        date_text(r, from, 1, a, sizeof a);
        date_text(r, to, 1, b, sizeof b);
        snprintf(line, sizeof line, "من %s إلى %s · %zu حادثة", a, b, r->n_incs);
        bm__text(r->labels, cr, line, W - m, y, st->subtitle_size, 0, 2, st->text_muted, 0,
                 NULL);
    }
}

static void draw_attribution(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    bm__text(r->labels, cr, st->attribution, st->margin, r->attrib_y, st->small_size, 0, 0,
             st->text_muted, 0, NULL);
    char proj[160];
    if (r->crs)
        snprintf(proj, sizeof proj, "Projection: %s", r->crs);
    else
        snprintf(proj, sizeof proj, "Lambert conformal conic, parallels %.1f°N and %.1f°N",
                 r->ext[1] + (r->ext[3] - r->ext[1]) / 6, r->ext[1] + (r->ext[3] - r->ext[1]) * 5 / 6);
    bm__text(r->labels, cr, proj, r->o.page_w - st->margin, r->attrib_y, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
}

static void draw_inset(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    bm__rect in = r->inset;
    cairo_save(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, in.h);
    bm__set_rgba(cr, st->water);
    cairo_fill_preserve(cr);
    cairo_clip(cr);
    for (size_t i = 0; i < r->bm.locator.n; i++) {
        const bm__feature *f = &r->bm.locator.f[i];
        int focus = !strcmp(f->code, "IQ") || !strcmp(f->code, "SY");
        feature_path(cr, &r->lview, f, 1);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        bm__set_rgba(cr, focus ? (bm__rgba){0.80, 0.77, 0.71, 1} : st->land);
        cairo_fill_preserve(cr);
        bm__set_rgba(cr, st->country_line);
        cairo_set_line_width(cr, 0.3);
        cairo_stroke(cr);
    }
    /* The map's extent, as a curved box in the inset's projection. */
    enum { N = 40 };
    double xy[8 * N];
    const double *e = r->ext;
    for (int i = 0; i < N; i++) {
        double t = (double)i / N;
        xy[2 * i] = e[0] + (e[2] - e[0]) * t, xy[2 * i + 1] = e[1];
        xy[2 * (N + i)] = e[2], xy[2 * (N + i) + 1] = e[1] + (e[3] - e[1]) * t;
        xy[2 * (2 * N + i)] = e[2] - (e[2] - e[0]) * t, xy[2 * (2 * N + i) + 1] = e[3];
        xy[2 * (3 * N + i)] = e[0], xy[2 * (3 * N + i) + 1] = e[3] - (e[3] - e[1]) * t;
    }
    bm__proj_fwd(r->lproj, xy, 4 * N);
    for (int i = 0; i < 4 * N; i++) {
        double x, y;
        bm__view_page(&r->lview, xy[2 * i], xy[2 * i + 1], &x, &y);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
    bm__set_rgba(cr, st->locator_box);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_restore(cr);
    cairo_rectangle(cr, in.x, in.y, in.w, in.h);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
}

static void draw_scalebar_north(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    /* Kilometres per point at the map's centre: the conic's scale error is well under 1% in
     * the corridor, so one bar serves the whole map. */
    double clon = (r->ext[0] + r->ext[2]) / 2, clat = (r->ext[1] + r->ext[3]) / 2;
    double xy[4] = {clon, clat, clon, clat + 0.5};
    bm__proj_fwd(r->proj, xy, 2);
    double km_per_pt = 1 / v->k / 1000;
    if (r->crs && xy[0] != HUGE_VAL && xy[2] != HUGE_VAL) {
        double dpt = hypot(xy[2] - xy[0], xy[3] - xy[1]) * v->k;
        km_per_pt = bm_distance_km((bm_lonlat){clon, clat}, (bm_lonlat){clon, clat + 0.5}) / dpt;
    }
    static const double nice[] = {1, 2, 5, 10, 20, 25, 50, 100, 150, 200, 250, 500, 1000, 2000};
    double len_km = nice[0];
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] / km_per_pt <= v->fw * 0.18)
            len_km = nice[i];
    double len = len_km / km_per_pt, x0 = v->fx + v->fw - len - 16, y0 = v->fy + v->fh - 12;
    for (int i = 0; i < 4; i++) {
        cairo_rectangle(cr, x0 + len * i / 4, y0, len / 4, 3.2);
        if (i % 2)
            cairo_set_source_rgb(cr, 1, 1, 1);
        else
            bm__set_rgba(cr, st->frame);
        cairo_fill_preserve(cr);
        bm__set_rgba(cr, st->frame);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
    }
    char buf[32];
    double th, tw;
    bm__text_size(r->labels, "0", st->small_size, 0, &tw, &th);
    bm__text(r->labels, cr, "0", x0, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1, NULL);
    snprintf(buf, sizeof buf, "%g", len_km / 2);
    bm__text(r->labels, cr, buf, x0 + len / 2, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1,
             NULL);
    snprintf(buf, sizeof buf, "%g km", len_km);
    bm__text(r->labels, cr, buf, x0 + len, y0 - th - 0.5, st->small_size, 0, 1, st->text, 1,
             NULL);
    r->scalebar = (bm__rect){x0 - 10, y0 - th - 30, len + 26, th + 34};
    /* North arrow, turned to the local meridian (conic meridians converge). */
    double ang = 0;
    if (xy[0] != HUGE_VAL && xy[2] != HUGE_VAL)
        ang = atan2(xy[2] - xy[0], xy[3] - xy[1]);
    double nx = x0 + len + 6, ny = y0 - th - 14;
    cairo_save(cr);
    cairo_translate(cr, nx, ny);
    cairo_rotate(cr, ang);
    cairo_move_to(cr, 0, -8);
    cairo_line_to(cr, 4, 5);
    cairo_line_to(cr, 0, 2.5);
    cairo_close_path(cr);
    bm__set_rgba(cr, st->frame);
    cairo_fill(cr);
    cairo_move_to(cr, 0, -8);
    cairo_line_to(cr, -4, 5);
    cairo_line_to(cr, 0, 2.5);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    cairo_restore(cr);
    bm__text(r->labels, cr, "N", nx, ny - 8 - th - 1, st->small_size, 1, 1, st->text, 1, NULL);
}

/* Timeline bins: weeks for periods up to half a year, months beyond. */
typedef struct tl_bins {
    int n, weekly;
    int64_t d0, d1;
    int (*c)[BM_N_TYPES];
    int max;
} tl_bins;

static int bin_of(const tl_bins *b, bm_date d)
{
    int64_t x = bm_date_to_days(d);
    if (b->weekly)
        return (int)((x - b->d0) / 7);
    bm_date f = bm_date_from_days(b->d0);
    return (d.year - f.year) * 12 + (d.month - f.month);
}

static int make_bins(const bm_renderer *r, tl_bins *b)
{
    memset(b, 0, sizeof *b);
    bm_date from, to;
    int has;
    period(r, &from, &to, &has);
    if (!has)
        return 0;
    b->d0 = bm_date_to_days(from), b->d1 = bm_date_to_days(to);
    b->weekly = b->d1 - b->d0 <= 183;
    if (!b->weekly)
        b->d0 = bm_date_to_days((bm_date){from.year, from.month, 1});
    b->n = bin_of(b, to) + 1;
    if (b->n < 1 || b->n > 5000)
        return 0;
    b->c = calloc((size_t)b->n, sizeof *b->c);
    if (!b->c)
        return 0;
    for (size_t i = 0; i < r->n_incs; i++) {
        int t = bm_type_index(r->incs[i].type), k = bin_of(b, r->incs[i].date_start);
        if (t >= 0 && k >= 0 && k < b->n)
            b->c[k][t]++;
    }
    for (int k = 0; k < b->n; k++) {
        int s = 0;
        for (int t = 0; t < BM_N_TYPES; t++)
            s += b->c[k][t];
        if (s > b->max)
            b->max = s;
    }
    return 1;
}

static void timeline_geometry(const bm_renderer *r, double *x, double *y, double *w, double *h)
{
    const bm__style *st = &r->st;
    *x = r->view.fx + 26;
    *w = r->view.fw - 30;
    *y = r->timeline_y + st->small_size * 1.6;
    *h = r->timeline_h - st->small_size * 3.2;
}

static void draw_timeline(bm_renderer *r, cairo_t *cr)
{
    const bm__style *st = &r->st;
    tl_bins b;
    double x, y, w, h;
    timeline_geometry(r, &x, &y, &w, &h);
    const char *head = r->o.lang == BM_LANG_AR ? "الحوادث أسبوعياً" : "Incidents per week";
    if (!make_bins(r, &b)) {
        bm__text(r->labels, cr, r->o.lang == BM_LANG_AR ? "لا حوادث" : "No incidents", x,
                 y + h / 2 - st->small_size, st->small_size, 0, 0, st->text_muted, 0, NULL);
        return;
    }
    if (!b.weekly)
        head = r->o.lang == BM_LANG_AR ? "الحوادث شهرياً" : "Incidents per month";
    bm__text(r->labels, cr, head, r->view.fx, r->timeline_y, st->small_size, 1, 0, st->text, 0,
             NULL);
    double bw = w / b.n, scale = b.max > 0 ? h / b.max : 0;
    for (int k = 0; k < b.n; k++) {
        double top = y + h;
        for (int t = 0; t < BM_N_TYPES; t++) {
            if (!b.c[k][t])
                continue;
            double bh = b.c[k][t] * scale;
            top -= bh;
            cairo_rectangle(cr, x + k * bw + bw * 0.08, top, bw * 0.84, bh);
            bm__set_rgba(cr, st->type_colour[t]);
            cairo_fill(cr);
        }
    }
    cairo_move_to(cr, x, y + h + 0.5);
    cairo_line_to(cr, x + w, y + h + 0.5);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    char buf[64];
    snprintf(buf, sizeof buf, "%d", b.max);
    bm__text(r->labels, cr, buf, x - 3, y - st->small_size * 0.6, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
    bm__text(r->labels, cr, "0", x - 3, y + h - st->small_size * 0.7, st->small_size, 0, 2,
             st->text_muted, 0, NULL);
    /* Month ticks, thinned so that labels never touch. */
    double last_end = -1e9;
    bm_date f0 = bm_date_from_days(b.d0), f1 = bm_date_from_days(b.d1);
    for (int yy = f0.year; yy <= f1.year; yy++)
        for (int mm = 1; mm <= 12; mm++) {
            int64_t d = bm_date_to_days((bm_date){yy, mm, 1});
            if (d < b.d0 || d > bm_date_to_days(f1))
                continue;
            double px = b.weekly ? x + (double)(d - b.d0) / 7.0 * bw
                                 : x + (double)bin_of(&b, (bm_date){yy, mm, 1}) * bw;
            cairo_move_to(cr, px, y + h);
            cairo_line_to(cr, px, y + h + 3);
            cairo_stroke(cr);
            if (mm == 1 || px > last_end + 4) {
                if (r->o.lang == BM_LANG_AR)
                    snprintf(buf, sizeof buf, "%s %d", r->months_ar[mm - 1], yy);
                else
                    snprintf(buf, sizeof buf, "%s %d", r->months_en[mm - 1], yy);
                double tw, th;
                bm__text_size(r->labels, buf, st->small_size, 0, &tw, &th);
                if (px + tw <= x + w + 20 && px > last_end + 4) {
                    bm__text(r->labels, cr, buf, px + 1.5, y + h + 2, st->small_size, 0, 0,
                             st->text_muted, 0, NULL);
                    last_end = px + tw;
                }
            }
            bm__set_rgba(cr, st->frame);
        }
    free(b.c);
}

static void draw_cursor(bm_renderer *r, cairo_t *cr, const bm_render_frame *f)
{
    tl_bins b;
    if (!f->has_cursor || !make_bins(r, &b))
        return;
    double x, y, w, h;
    timeline_geometry(r, &x, &y, &w, &h);
    double per = b.weekly ? w / ((double)b.n * 7) : 0;
    double x0, x1;
    if (b.weekly) {
        x0 = x + (double)(bm_date_to_days(f->cursor_from) - b.d0) * per;
        x1 = x + (double)(bm_date_to_days(f->cursor_to) + 1 - b.d0) * per;
    } else {
        double bw = w / b.n;
        x0 = x + bin_of(&b, f->cursor_from) * bw;
        x1 = x + (bin_of(&b, f->cursor_to) + 1) * bw;
    }
    x0 = fmax(x, x0), x1 = fmin(x + w, fmax(x1, x0 + 1.5));
    cairo_rectangle(cr, x0, y - 2, x1 - x0, h + 2);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.12);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.7);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    free(b.c);
}

static void legend_symbol(bm_renderer *r, cairo_t *cr, int t, double x, double y)
{
    draw_symbol(cr, &r->st, t, x, y, r->st.symbol_size * 1.05, 1);
}

static void draw_legend(bm_renderer *r, cairo_t *cr, const int counts[BM_N_TYPES])
{
    const bm__style *st = &r->st;
    double fs = st->legend_size, row = fs * 1.75, pad = 6;
    int lang = r->o.lang;
    char text[BM_N_TYPES][200];
    double wmax = 0, tw, th;
    int rows = 0, shown[BM_N_TYPES];
    for (int t = 0; t < BM_N_TYPES; t++) {
        shown[t] = counts[t] > 0;
        if (!shown[t])
            continue;
        /* The count goes in a column of its own: after an Arabic run a number would join
         * it and swap sides. */
        if (lang == BM_LANG_AR)
            snprintf(text[t], sizeof text[t], "%s", st->type_label_ar[t]);
        else if (lang == BM_LANG_BOTH)
            snprintf(text[t], sizeof text[t], "%s · %s", st->type_label_en[t],
                     st->type_label_ar[t]);
        else
            snprintf(text[t], sizeof text[t], "%s", st->type_label_en[t]);
        bm__text_size(r->labels, text[t], fs, 0, &tw, &th);
        wmax = fmax(wmax, tw + fs * 3);
        rows++;
    }
    const char *extra[3];
    if (lang == BM_LANG_AR) {
        extra[0] = "حوادث متجمعة (العدد)";
        extra[1] = "موقع تقريبي (محافظة)";
        extra[2] = "معبر حدودي";
    } else if (lang == BM_LANG_BOTH) {
        extra[0] = "Co-located (count) · حوادث متجمعة";
        extra[1] = "Approximate (governorate) · موقع تقريبي";
        extra[2] = "Border crossing · معبر حدودي";
    } else {
        extra[0] = "Co-located incidents (count)";
        extra[1] = "Approximate location (governorate)";
        extra[2] = "Border crossing";
    }
    for (int i = 0; i < 3; i++) {
        bm__text_size(r->labels, extra[i], fs, 0, &tw, &th);
        wmax = fmax(wmax, tw);
    }
    const char *head = lang == BM_LANG_AR ? "نوع الحادث" : lang == BM_LANG_BOTH ? "Incident type · نوع الحادث" : "Incident type";
    bm__text_size(r->labels, head, fs, 1, &tw, &th);
    wmax = fmax(wmax, tw - 16);
    double w = wmax + 16 + 2 * pad, h = (rows + 3) * row + fs * 2.2 + 2 * pad + 4;
    double x = r->view.fx + 6, y = r->view.fy + r->view.fh - h - 6;
    r->legend_area = (bm__rect){x, y, w, h};
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_fill_preserve(cr);
    bm__set_rgba_alpha(cr, st->frame, 0.5);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    int rtl = lang == BM_LANG_AR;
    double tx = rtl ? x + w - pad : x + pad, cy = y + pad;
    bm__text(r->labels, cr, head, tx, cy, fs, 1, rtl ? 2 : 0, st->text, 0, NULL);
    cy += fs * 2.2;
    double sx = rtl ? x + w - pad - 5 : x + pad + 5, lx = rtl ? sx - 9 : sx + 9;
    for (int t = 0; t < BM_N_TYPES; t++) {
        if (!shown[t])
            continue;
        legend_symbol(r, cr, t, sx, cy + row / 2);
        bm__text(r->labels, cr, text[t], lx, cy + row / 2 - fs * 0.72, fs, 0, rtl ? 2 : 0,
                 st->text, 0, NULL);
        char num[16];
        snprintf(num, sizeof num, "%d", counts[t]);
        bm__text(r->labels, cr, num, rtl ? x + pad : x + w - pad, cy + row / 2 - fs * 0.72, fs,
                 1, rtl ? 0 : 2, st->text_muted, 0, NULL);
        cy += row;
    }
    cy += 4;
    /* The extra rows show the conventions, drawn the way the map draws them. */
    cairo_new_path(cr);
    cairo_arc(cr, sx, cy + row / 2, 4.6, 0, 2 * M_PI);
    bm__set_rgba(cr, st->type_colour[0]);
    cairo_fill(cr);
    cairo_arc(cr, sx, cy + row / 2, 2.9, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
    bm__text(r->labels, cr, extra[0], lx, cy + row / 2 - fs * 0.72, fs, 0, rtl ? 2 : 0, st->text,
             0, NULL);
    cy += row;
    cairo_rectangle(cr, sx - 5, cy + row / 2 - 3.5, 10, 7);
    bm__set_rgba_alpha(cr, st->type_colour[0], 0.14);
    cairo_fill_preserve(cr);
    double dash[] = {2, 1.5};
    cairo_set_dash(cr, dash, 2, 0);
    bm__set_rgba_alpha(cr, st->type_colour[0], 0.85);
    cairo_set_line_width(cr, 0.9);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    bm__text(r->labels, cr, extra[1], lx, cy + row / 2 - fs * 0.72, fs, 0, rtl ? 2 : 0, st->text,
             0, NULL);
    cy += row;
    cairo_rectangle(cr, sx - 2.6, cy + row / 2 - 2.6, 5.2, 5.2);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    bm__set_rgba(cr, st->crossing);
    cairo_set_line_width(cr, 1.1);
    cairo_stroke(cr);
    bm__text(r->labels, cr, extra[2], lx, cy + row / 2 - fs * 0.72, fs, 0, rtl ? 2 : 0, st->text,
             0, NULL);
}

/* ---- Static layers ------------------------------------------------------------------- */

static int record_static(bm_renderer *r, bm_error *err)
{
    cairo_rectangle_t ext = {0, 0, r->o.page_w, r->o.page_h};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *cr = cairo_create(rec);
    const bm__style *st = &r->st;
    const bm__view *v = &r->view;
    bm__set_rgba(cr, st->background);
    cairo_paint(cr);
    cairo_save(cr);
    cairo_rectangle(cr, v->fx, v->fy, v->fw, v->fh);
    cairo_clip(cr);
    bm__set_rgba(cr, st->water);
    cairo_paint(cr);
    draw_countries(r, cr);
    draw_boundaries(r, cr);
    draw_water(r, cr);
    stroke_layer(cr, &r->view, &r->bm.border_iq_sy, st->border_iq_sy, st->border_iq_sy_width);
    if (r->o.furniture & BM_FURN_GRATICULE)
        draw_graticule(r, cr, 0);
    draw_places(r, cr);
    if (r->o.furniture & BM_FURN_GRATICULE)
        draw_graticule(r, cr, 1);
    if (r->o.furniture & (BM_FURN_SCALEBAR | BM_FURN_NORTH))
        draw_scalebar_north(r, cr);
    cairo_restore(cr);
    cairo_rectangle(cr, v->fx, v->fy, v->fw, v->fh);
    bm__set_rgba(cr, st->frame);
    cairo_set_line_width(cr, st->frame_width);
    cairo_stroke(cr);
    if (r->o.furniture & BM_FURN_INSET)
        draw_inset(r, cr);
    if (r->o.furniture & BM_FURN_TITLE)
        draw_title(r, cr);
    if (r->o.furniture & BM_FURN_ATTRIBUTION)
        draw_attribution(r, cr);
    if (r->o.furniture & BM_FURN_TIMELINE)
        draw_timeline(r, cr);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(rec);
        return bm_error_set(err, BM_ERENDER, "static layers: %s", cairo_status_to_string(cs));
    }
    r->stat = rec;
    return BM_OK;
}

/* ---- Labels of a frame ----------------------------------------------------------------- */

static const bm_place *find_place(const bm_renderer *r, const char *id)
{
    if (!id || !*id)
        return NULL;
    for (size_t i = 0; i < r->n_places; i++)
        if (!strcmp(r->places[i].id, id))
            return &r->places[i];
    return NULL;
}

static void queue_labels(bm_renderer *r, const bm_render_frame *f)
{
    const bm__style *st = &r->st;
    bm__labels *L = r->labels;
    bm__label_spec s;
    /* Incident places first: they are what the map is about. */
    unsigned char *seen = r->n_places ? calloc(r->n_places, 1) : NULL;
    for (size_t i = 0; i < f->n_items && seen; i++) {
        const bm_place *p = find_place(r, f->items[i].inc->place_id);
        if (!p || seen[p - r->places] || f->items[i].inc->geo_precision >= 3)
            continue;
        seen[p - r->places] = 1;
        double x, y;
        if (!place_page(r, p, &x, &y))
            continue;
        memset(&s, 0, sizeof s);
        s.en = p->name_en, s.ar = p->name_ar, s.x = x, s.y = y, s.gap = st->symbol_size * 0.9;
        s.size = st->label_size, s.bold = 1, s.colour = st->text, s.priority = 0;
        s.anchor = BM_ANCHOR_AROUND;
        bm__labels_add(L, &s);
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_places; i++) {
            const bm_place *p = &r->places[i];
            int crossing = !strcmp(p->kind, "crossing");
            if ((pass == 0) != crossing || (seen && seen[i]) || (!crossing && !is_key_town(p)))
                continue;
            double x, y;
            if (!place_page(r, p, &x, &y))
                continue;
            memset(&s, 0, sizeof s);
            s.en = p->name_en, s.ar = p->name_ar, s.x = x, s.y = y, s.gap = 3.5;
            s.size = st->town_size, s.colour = crossing ? st->text : st->text_muted;
            /* Bigger towns win ties; crossings outrank all towns. */
            s.priority = crossing ? 1 : p->population >= 500000 ? 2 : p->population >= 100000 ? 3 : 4;
            s.anchor = BM_ANCHOR_AROUND;
            bm__labels_add(L, &s);
        }
    free(seen);
    for (size_t i = 0; i < r->bm.countries.n; i++) {
        const bm__feature *c = &r->bm.countries.f[i];
        if (c->lx == HUGE_VAL)
            continue;
        memset(&s, 0, sizeof s);
        page_pt(r, c->lx, c->ly, &s.x, &s.y);
        int focus = !strcmp(c->code, "IQ") || !strcmp(c->code, "SY");
        s.en = c->name_en, s.ar = c->name_ar, s.size = st->country_size * (focus ? 1.25 : 1);
        s.caps = 1, s.spacing = s.size * 0.18, s.bold = focus;
        s.colour = focus ? st->text_muted : st->country_text;
        s.priority = 5;
        bm__labels_add(L, &s);
    }
    for (size_t i = 0; i < r->bm.admin1.n; i++) {
        const bm__feature *a = &r->bm.admin1.f[i];
        if (a->lx == HUGE_VAL || (strncmp(a->code, "IQ-", 3) && strncmp(a->code, "SY-", 3)))
            continue;
        memset(&s, 0, sizeof s);
        page_pt(r, a->lx, a->ly, &s.x, &s.y);
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->admin_size, s.caps = 1;
        s.spacing = st->admin_size * 0.12, s.colour = st->admin_text, s.priority = 6;
        bm__labels_add(L, &s);
    }
    for (size_t i = 0; i < r->bm.lakes.n; i++) {
        const bm__feature *a = &r->bm.lakes.f[i];
        if (a->lx == HUGE_VAL || !a->name_en[0] || !a->level)
            continue;
        memset(&s, 0, sizeof s);
        page_pt(r, a->lx, a->ly, &s.x, &s.y);
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->water_size, s.italic = 1;
        s.colour = st->water_text, s.priority = 7;
        bm__labels_add(L, &s);
    }
    /* Rivers: one label per named river, on the middle of its longest visible stretch, turned
     * to follow it there. */
    for (size_t i = 0; i < r->bm.rivers.n; i++) {
        const bm__feature *a = &r->bm.rivers.f[i];
        if (!a->name_en[0] || a->level == 0)
            continue;
        int dup = 0;
        for (size_t j = 0; j < r->bm.rivers.n && !dup; j++) {
            const bm__feature *b = &r->bm.rivers.f[j];
            dup = j != i && b->level != 0 && !strcmp(b->name_en, a->name_en) &&
                  (b->n_points > a->n_points || (b->n_points == a->n_points && j < i));
        }
        if (dup || a->n_points < 8)
            continue;
        int k = a->n_points / 2;
        double x0, y0, x1, y1;
        page_pt(r, a->xy[2 * (k - 3)], a->xy[2 * (k - 3) + 1], &x0, &y0);
        page_pt(r, a->xy[2 * (k + 3)], a->xy[2 * (k + 3) + 1], &x1, &y1);
        double ang = atan2(y1 - y0, x1 - x0);
        if (ang > M_PI / 2)
            ang -= M_PI;
        if (ang < -M_PI / 2)
            ang += M_PI;
        memset(&s, 0, sizeof s);
        page_pt(r, a->xy[2 * k], a->xy[2 * k + 1], &s.x, &s.y);
        s.en = a->name_en, s.ar = a->name_ar, s.size = st->water_size, s.italic = 1;
        s.colour = st->water_text, s.priority = 8, s.angle = ang;
        bm__labels_add(L, &s);
    }
}

/* ---- Frames -------------------------------------------------------------------------- */

int bm_renderer_draw_frame(bm_renderer *r, cairo_t *cr, const bm_render_frame *f,
                           bm_error *err)
{
    int rc = ensure_ready(r, err);
    if (rc == BM_OK && !r->stat)
        rc = record_static(r, err);
    if (rc == BM_OK)
        rc = project_items(r, f, err);
    if (rc != BM_OK)
        return rc;
    const bm__view *v = &r->view;
    bm__labels_reset(r->labels, (bm__rect){v->fx, v->fy, v->fw, v->fh});
    cairo_save(cr);
    cairo_set_source_surface(cr, r->stat, 0, 0);
    cairo_paint(cr);
    cairo_save(cr);
    cairo_rectangle(cr, v->fx, v->fy, v->fw, v->fh);
    cairo_clip(cr);
    draw_areas(r, cr, f);
    draw_incidents(r, cr, f);
    int counts[BM_N_TYPES] = {0};
    if (f->counts)
        memcpy(counts, f->counts, sizeof counts);
    else
        for (size_t i = 0; i < f->n_items; i++) {
            int t = bm_type_index(f->items[i].inc->type);
            if (t >= 0)
                counts[t]++;
        }
    if (r->o.furniture & BM_FURN_LEGEND) {
        draw_legend(r, cr, counts);
        bm__labels_obstacle(r->labels, r->legend_area);
    }
    if (r->o.furniture & BM_FURN_INSET)
        bm__labels_obstacle(r->labels, (bm__rect){r->inset.x - 2, r->inset.y - 2,
                                                  r->inset.w + 4, r->inset.h + 4});
    if (r->o.furniture & (BM_FURN_SCALEBAR | BM_FURN_NORTH))
        bm__labels_obstacle(r->labels, r->scalebar);
    /* Symbols are obstacles too, so that no name hides an incident. */
    for (size_t i = 0; i < f->n_items; i++) {
        if (r->pi[i].x == HUGE_VAL || f->items[i].inc->geo_precision >= 3)
            continue;
        double d = symbol_diameter(&r->st, f->items[i].inc) * f->items[i].scale / 2 + 0.5;
        bm__labels_mark(r->labels, (bm__rect){r->pi[i].x - d, r->pi[i].y - d, 2 * d, 2 * d});
    }
    if (f->stamp && *f->stamp) {
        bm__rect sr;
        bm__text(r->labels, cr, f->stamp, v->fx + 8, v->fy + 6, r->st.title_size * 1.1, 1, 0,
                 r->st.text, 1, &sr);
        bm__labels_obstacle(r->labels, sr);
    }
    queue_labels(r, f);
    bm__labels_place_and_draw(r->labels, cr);
    cairo_restore(cr);
    draw_cursor(r, cr, f);
    cairo_restore(cr);
    cairo_status_t cs = cairo_status(cr);
    if (cs != CAIRO_STATUS_SUCCESS)
        return bm_error_set(err, BM_ERENDER, "drawing: %s", cairo_status_to_string(cs));
    return BM_OK;
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

/* ---- Files --------------------------------------------------------------------------- */

int bm_render_write(const char *path, bm_render_format fmt, double w_pt, double h_pt,
                    double dpi, int overwrite, bm_render_draw_cb cb, void *user, bm_error *err)
{
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, overwrite, &af, err);
    if (rc != BM_OK)
        return rc;
    const char *tmp = bm_atomic_tmppath(af);
    cairo_surface_t *s;
    if (fmt == BM_RENDER_PDF) {
        s = cairo_pdf_surface_create(tmp, w_pt, h_pt);
    } else if (fmt == BM_RENDER_SVG) {
        s = cairo_svg_surface_create(tmp, w_pt, h_pt);
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PT);
    } else {
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)lround(w_pt * dpi / 72),
                                       (int)lround(h_pt * dpi / 72));
    }
    cairo_t *cr = cairo_create(s);
    if (fmt == BM_RENDER_PNG)
        cairo_scale(cr, dpi / 72, dpi / 72);
    rc = cb(cr, user, err);
    cairo_destroy(cr);
    if (rc == BM_OK && fmt == BM_RENDER_PNG) {
        cairo_status_t cs = cairo_surface_write_to_png(s, tmp);
        if (cs != CAIRO_STATUS_SUCCESS)
            rc = bm_error_set(err, BM_EIO, "%s: %s", path, cairo_status_to_string(cs));
    }
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (rc == BM_OK && cs != CAIRO_STATUS_SUCCESS)
        rc = bm_error_set(err, BM_ERENDER, "%s: %s", path, cairo_status_to_string(cs));
    if (rc != BM_OK) {
        bm_atomic_abort(af);
        return rc;
    }
    return bm_atomic_commit(af, err);
}

typedef struct collect_ctx {
    bm_incident *v;
    size_t n, cap;
} collect_ctx;

static int collect_cb(const bm_incident *inc, void *user)
{
    collect_ctx *c = user;
    if (c->n == c->cap) {
        size_t cap = c->cap * 2 + 256;
        bm_incident *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return BM_ENOMEM;
        c->v = v, c->cap = cap;
    }
    c->v[c->n++] = *inc;
    return 0;
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
    collect_ctx c = {0};
    bm_query all;
    bm_query_init(&all);
    rc = bm_store_query(store, q ? q : &all, collect_cb, &c);
    if (rc != BM_OK) {
        free(c.v);
        return bm_error_set(err, rc == BM_ENOMEM ? BM_ENOMEM : BM_EDB, "querying incidents: %s",
                            rc == BM_ENOMEM ? "out of memory" : bm_store_errmsg(store));
    }
    bm_renderer *r = NULL;
    bm_render_item *items = c.n ? malloc(c.n * sizeof *items) : NULL;
    if (c.n && !items)
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    if (rc == BM_OK)
        rc = bm_renderer_new(&oo, &r, err);
    if (rc == BM_OK)
        rc = bm_renderer_load_places(r, store, err);
    if (rc == BM_OK)
        rc = bm_renderer_set_incidents(r, c.v, c.n, err);
    if (rc == BM_OK) {
        for (size_t i = 0; i < c.n; i++)
            items[i] = (bm_render_item){&r->incs[i], 1, 1};
        bm_render_frame f = {items, c.n, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}};
        map_ctx m = {r, &f};
        rc = bm_render_write(path, fmt, oo.page_w, oo.page_h, oo.dpi, overwrite, map_draw, &m,
                             err);
    }
    if (rc == BM_OK && n_drawn)
        *n_drawn = c.n;
    bm_renderer_free(r);
    free(items);
    free(c.v);
    return rc;
}
