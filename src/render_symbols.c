/* render_symbols.c: the incidents on the map: one symbol per type, co-located incidents
 * spread on a ring or clustered with a count, imprecise ones as one hatched area per
 * governorate or region. Raster targets get pre-drawn sprites copied straight into the
 * image (100k cairo paints would cost most of a second); vector targets get real paths.
 * Must never draw an imprecise (geo_precision 3) incident as a pin. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render_private.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- Shapes -------------------------------------------------------------------------- */

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
    case BM_SHAPE_TRIANGLE: polygon_path(cr, x, y + h * 0.15, h * 1.15, 3, -M_PI / 2); return 0;
    case BM_SHAPE_TRIANGLE_DOWN: polygon_path(cr, x, y - h * 0.15, h * 1.15, 3, M_PI / 2); return 0;
    case BM_SHAPE_DIAMOND: polygon_path(cr, x, y, h * 1.15, 4, 0); return 0;
    case BM_SHAPE_PENTAGON: polygon_path(cr, x, y, h * 1.05, 5, -M_PI / 2); return 0;
    case BM_SHAPE_HEXAGON: polygon_path(cr, x, y, h * 1.02, 6, 0); return 0;
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

void bm__draw_symbol(cairo_t *cr, const bm__style *st, int type, double x, double y, double d,
                     double alpha)
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

double bm__symbol_diameter(const bm__style *st, const bm__finc *inc)
{
    double v;
    if (st->size_by_fatalities)
        v = 1 + (inc->fatalities > 0 ? inc->fatalities / 5.0 : 0);
    else
        v = 1 + (inc->n_sources > 1 ? (inc->n_sources - 1) / 2.0 : 0);
    /* Area, not diameter, follows the value. */
    return fmin(st->symbol_max, st->symbol_size * sqrt(v));
}

/* The ring around spread co-located incidents, and the dot on their true point. */
static double ring_radius(const bm__style *st, size_t g)
{
    return st->symbol_size * (0.55 + 0.18 * (double)g);
}

static void ring_path(cairo_t *cr, const bm__style *st, double x, double y, size_t g)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, ring_radius(st, g), 0, 2 * M_PI);
    bm__set_rgba_alpha(cr, st->text, 0.35);
    cairo_set_line_width(cr, 0.4);
    cairo_stroke(cr);
}

static void centre_dot(cairo_t *cr, const bm__style *st, double x, double y)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, 1.1, 0, 2 * M_PI);
    bm__set_rgba(cr, st->text);
    cairo_fill(cr);
}

/* ---- Sprites and the raster fast path ---------------------------------------------------- */

/* One queued copy of a sprite (see blits). */
typedef struct blit_op {
    const bm__sprite *sp;
    double x, y, alpha;
} blit_op;

typedef struct blits {
    blit_op *v;
    size_t n, cap;
    int failed;
} blits;

typedef struct raster {
    uint32_t *px;
    int stride_px, w, h;
    int cx0, cy0, cx1, cy1; /* the map frame in device pixels: [cx0, cx1) x [cy0, cy1) */
    double sc, tx, ty;      /* user -> device: x * sc + tx */
    blits *queue;           /* non-NULL: blit() queues the copies here */
} raster;

static void sprite_free(bm__sprite *sp)
{
    if (sp->s)
        cairo_surface_destroy(sp->s);
    free(sp->span);
    memset(sp, 0, sizeof *sp);
}

void bm__sprites_free(bm_renderer *r)
{
    for (int t = 0; t < BM_N_TYPES; t++)
        for (int k = 0; k < BM__SPRITE_STEPS; k++)
            sprite_free(&r->sprite[t][k]);
    for (int k = 0; k < 16; k++)
        sprite_free(&r->ring[k]);
    sprite_free(&r->dot);
}

/* The box and per-row spans of a sprite's non-transparent pixels: the blit loops over them
 * alone (a symbol's sprite is mostly margin, sized for the star's points). Per row: first and
 * one past last, and the widest opaque run between (copied, not blended). */
#define SPAN 4

static void row_spans(const uint32_t *row, int w, short *sr)
{
    int a = 0, b = w, o0 = 0, o1 = 0;
    while (a < w && !row[a])
        a++;
    while (b > a && !row[b - 1])
        b--;
    for (int x = a; x < b;) {
        int e = x;
        while (e < b && row[e] >> 24 == 255)
            e++;
        if (e - x > o1 - o0)
            o0 = x, o1 = e;
        x = e + 1;
    }
    sr[0] = (short)a, sr[1] = (short)b, sr[2] = (short)o0, sr[3] = (short)o1;
}

static int ink_bounds(bm__sprite *sp)
{
    const uint32_t *px = (const uint32_t *)(const void *)cairo_image_surface_get_data(sp->s);
    int w = cairo_image_surface_get_width(sp->s), h = cairo_image_surface_get_height(sp->s);
    int stride = cairo_image_surface_get_stride(sp->s) / 4;
    sp->span = malloc((size_t)h * SPAN * sizeof *sp->span);
    if (!sp->span)
        return 0;
    sp->x0 = w, sp->y0 = h, sp->x1 = 0, sp->y1 = 0;
    for (int y = 0; y < h; y++) {
        short *sr = sp->span + SPAN * y;
        row_spans(px + (size_t)y * (size_t)stride, w, sr);
        if (sr[0] < sr[1]) {
            sp->x0 = sr[0] < sp->x0 ? sr[0] : sp->x0, sp->x1 = sr[1] > sp->x1 ? sr[1] : sp->x1;
            sp->y0 = y < sp->y0 ? y : sp->y0, sp->y1 = y + 1;
        }
    }
    return 1;
}

/* A sprite of 2*half pixels square, drawn by the callback around its centre at scale sc. */
typedef void (*sprite_draw)(cairo_t *cr, const bm__style *st, int a, double b);

static int make_sprite(bm__sprite *sp, double sc, double extent_pt, sprite_draw draw,
                       const bm__style *st, int a, double b)
{
    int half = (int)ceil(extent_pt * sc) + 2;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 2 * half, 2 * half);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return 0;
    }
    cairo_t *cr = cairo_create(s);
    cairo_translate(cr, half, half);
    cairo_scale(cr, sc, sc);
    draw(cr, st, a, b);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    sp->s = s, sp->half = half;
    if (!ink_bounds(sp)) {
        cairo_surface_destroy(s);
        sp->s = NULL;
        return 0;
    }
    return 1;
}

static void draw_type_sprite(cairo_t *cr, const bm__style *st, int type, double d)
{
    bm__draw_symbol(cr, st, type, 0, 0, d, 1);
}

static void draw_ring_sprite(cairo_t *cr, const bm__style *st, int g, double unused)
{
    (void)unused;
    ring_path(cr, st, 0, 0, (size_t)g);
}

static void draw_dot_sprite(cairo_t *cr, const bm__style *st, int a, double b)
{
    (void)a, (void)b;
    centre_dot(cr, st, 0, 0);
}

/* x * k / 255 for all four premultiplied channels at once, two per 32-bit lane pair. */
static inline uint32_t scale_px(uint32_t v, uint32_t k)
{
    uint32_t rb = (v & 0xff00ffu) * k + 0x800080u;
    uint32_t ag = ((v >> 8) & 0xff00ffu) * k + 0x800080u;
    rb = ((rb + ((rb >> 8) & 0xff00ffu)) >> 8) & 0xff00ffu;
    ag = ((ag + ((ag >> 8) & 0xff00ffu)) >> 8) & 0xff00ffu;
    return rb | ag << 8;
}

/* Premultiplied source-over. */
static inline uint32_t over(uint32_t v, uint32_t d)
{
    uint32_t a = v >> 24;
    return a == 255 ? v : v + scale_px(d, 255 - a);
}

/* Copies a premultiplied sprite over the image with source-over, scaled by alpha and clipped
 * to the map frame. Pixel-snapped: the sprite was drawn at the device scale already. */
static void blit_now(const raster *ra, const bm__sprite *sp, double x, double y, double alpha);

static void blit(const raster *ra, const bm__sprite *sp, double x, double y, double alpha)
{
    blits *q = ra->queue;
    if (!q || q->failed) {
        blit_now(ra, sp, x, y, alpha);
        return;
    }
    if (q->n == q->cap) {
        size_t cap = q->cap * 2 + 4096;
        blit_op *v = realloc(q->v, cap * sizeof *v);
        if (!v) {
            /* Out of memory: the queued copies now, the rest one by one. */
            q->failed = 1;
            for (size_t i = 0; i < q->n; i++)
                blit_now(ra, q->v[i].sp, q->v[i].x, q->v[i].y, q->v[i].alpha);
            blit_now(ra, sp, x, y, alpha);
            return;
        }
        q->v = v, q->cap = cap;
    }
    q->v[q->n++] = (blit_op){sp, x, y, alpha};
}

static void blit_now(const raster *ra, const bm__sprite *sp, double x, double y, double alpha)
{
    if (!sp->s)
        return;
    const uint32_t *src = (const uint32_t *)(const void *)cairo_image_surface_get_data(sp->s);
    int sstride = cairo_image_surface_get_stride(sp->s) / 4;
    int dx = (int)floor(x * ra->sc + ra->tx + 0.5) - sp->half;
    int dy = (int)floor(y * ra->sc + ra->ty + 0.5) - sp->half;
    int x0 = dx + sp->x0 < ra->cx0 ? ra->cx0 - dx : sp->x0;
    int y0 = dy + sp->y0 < ra->cy0 ? ra->cy0 - dy : sp->y0;
    int x1 = dx + sp->x1 > ra->cx1 ? ra->cx1 - dx : sp->x1;
    int y1 = dy + sp->y1 > ra->cy1 ? ra->cy1 - dy : sp->y1;
    uint32_t k = (uint32_t)lround(fmin(1, fmax(0, alpha)) * 255);
    if (k == 0)
        return;
    for (int sy = y0; sy < y1; sy++) {
        const uint32_t *s = src + (size_t)sy * (size_t)sstride;
        uint32_t *d = ra->px + (size_t)(dy + sy) * (size_t)ra->stride_px + dx;
        const short *sr = sp->span + SPAN * sy;
        int a = sr[0] > x0 ? sr[0] : x0, b = sr[1] < x1 ? sr[1] : x1;
        if (k < 255) {
            for (int sx = a; sx < b; sx++)
                if (s[sx])
                    d[sx] = over(scale_px(s[sx], k), d[sx]);
            continue;
        }
        int o0 = sr[2] > a ? sr[2] : a, o1 = sr[3] < b ? sr[3] : b;
        if (o1 <= o0)
            o0 = o1 = b;
        for (int sx = a; sx < o0; sx++)
            if (s[sx])
                d[sx] = over(s[sx], d[sx]);
        if (o1 > o0)
            memcpy(d + o0, s + o0, (size_t)(o1 - o0) * sizeof *d);
        for (int sx = o1; sx < b; sx++)
            if (s[sx])
                d[sx] = over(s[sx], d[sx]);
    }
}

/* The raster fast path applies when cr draws on an ARGB32/RGB24 image at a plain scale. */
static int raster_of(bm_renderer *r, cairo_t *cr, raster *ra)
{
    cairo_surface_t *t = cairo_get_target(cr);
    if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
        return 0;
    cairo_format_t fmt = cairo_image_surface_get_format(t);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    if ((fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24) || m.xy != 0 || m.yx != 0 ||
        m.xx != m.yy || m.xx <= 0)
        return 0;
    cairo_surface_flush(t);
    ra->queue = NULL;
    ra->px = (uint32_t *)(void *)cairo_image_surface_get_data(t);
    ra->stride_px = cairo_image_surface_get_stride(t) / 4;
    ra->w = cairo_image_surface_get_width(t), ra->h = cairo_image_surface_get_height(t);
    ra->sc = m.xx, ra->tx = m.x0, ra->ty = m.y0;
    const bm__view *v = &r->view;
    ra->cx0 = (int)fmax(0, ceil(v->fx * m.xx + m.x0));
    ra->cy0 = (int)fmax(0, ceil(v->fy * m.yy + m.y0));
    ra->cx1 = (int)fmin(ra->w, floor((v->fx + v->fw) * m.xx + m.x0));
    ra->cy1 = (int)fmin(ra->h, floor((v->fy + v->fh) * m.yy + m.y0));
    if (!ra->px || ra->cx0 >= ra->cx1 || ra->cy0 >= ra->cy1)
        return 0;
    if (r->sprite_scale != m.xx) {
        bm__sprites_free(r);
        r->sprite_scale = m.xx;
    }
    return 1;
}

static const bm__sprite *type_sprite(bm_renderer *r, int type, double d)
{
    int k = (int)lround(d * 4);
    if (k < 1)
        k = 1;
    if (k >= BM__SPRITE_STEPS)
        k = BM__SPRITE_STEPS - 1;
    bm__sprite *sp = &r->sprite[type][k];
    if (!sp->s)
        make_sprite(sp, r->sprite_scale, k / 4.0 * 0.75, draw_type_sprite, &r->st, type, k / 4.0);
    return sp;
}

static const bm__sprite *ring_sprite(bm_renderer *r, size_t g)
{
    bm__sprite *sp = &r->ring[g < 16 ? g : 15];
    if (!sp->s)
        make_sprite(sp, r->sprite_scale, ring_radius(&r->st, g) + 0.5, draw_ring_sprite, &r->st,
                    (int)g, 0);
    return sp;
}

static const bm__sprite *dot_sprite(bm_renderer *r)
{
    if (!r->dot.s)
        make_sprite(&r->dot, r->sprite_scale, 1.2, draw_dot_sprite, &r->st, 0, 0);
    return &r->dot;
}

/* ---- Precise incidents ------------------------------------------------------------------ */

/* 32-bit indices: a frame of a million incidents still fits, and the arrays of a 100k frame
 * stay small enough not to spend the render in page faults. */
typedef struct group {
    uint32_t a, n; /* refs[a .. a+n): item indices, in item order */
    uint32_t last; /* the largest item index: later items are drawn on top */
} group;

static int in_frame(const bm__view *v, double x, double y)
{
    return x >= v->fx && x <= v->fx + v->fw && y >= v->fy && y <= v->fy + v->fh;
}

static void draw_cluster(bm_renderer *r, cairo_t *cr, const bm_render_frame *f, const uint32_t *g,
                         size_t n, double x, double y)
{
    int counts[BM_N_TYPES] = {0};
    double alpha = 0;
    for (size_t k = 0; k < n; k++) {
        int t = r->ptype[g[k]];
        if (t >= 0)
            counts[t]++;
        alpha = fmax(alpha, f->items[g[k]].alpha);
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
        bm__set_rgba_alpha(cr, r->st.type_colour[t], alpha);
        cairo_fill(cr);
        a0 = a1;
    }
    cairo_new_path(cr);
    cairo_arc(cr, x, y, rad * 0.62, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, alpha);
    cairo_fill(cr);
    cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9 * alpha);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", n);
    double tw, th;
    bm__text_size(r->labels, buf, r->st.small_size, 1, &tw, &th);
    bm__rgba ink = r->st.text;
    ink.a *= alpha; /* the count fades with its cluster */
    bm__text(r->labels, cr, buf, x, y - th / 2, r->st.small_size, 1, 1, ink, 0, NULL);
    bm__labels_mark(r->labels, (bm__rect){x - rad - 0.5, y - rad - 0.5, 2 * rad + 1, 2 * rad + 1});
}

static void mark_symbol(bm_renderer *r, double x, double y, double d)
{
    double h = d / 2 + 0.5;
    bm__labels_mark(r->labels, (bm__rect){x - h, y - h, 2 * h, 2 * h});
}

/* One group of incidents sharing a cell: a lone symbol, or a ring of them round a dot. */
static void draw_group(bm_renderer *r, cairo_t *cr, const raster *ra, const bm_render_frame *f,
                       const uint32_t *refs, size_t g)
{
    const bm__style *st = &r->st;
    const double *p = r->pxy + 2 * refs[0];
    double x = p[0], y = p[1];
    if (g == 1) {
        const bm_render_item *it = &f->items[refs[0]];
        int t = r->ptype[refs[0]];
        double d = bm__symbol_diameter(st, &r->fi[refs[0]]) * it->scale;
        if (ra)
            blit(ra, type_sprite(r, t, d), x, y, it->alpha);
        else
            bm__draw_symbol(cr, st, t, x, y, d, it->alpha);
        mark_symbol(r, x, y, d);
        return;
    }
    /* Spread on a small ring, with a dot marking the true point. */
    double ring = ring_radius(st, g), alpha = 0;
    for (size_t k = 0; k < g; k++)
        alpha = fmax(alpha, f->items[refs[k]].alpha);
    if (ra)
        blit(ra, ring_sprite(r, g), x, y, alpha);
    else
        ring_path(cr, st, x, y, g);
    for (size_t k = 0; k < g; k++) {
        const bm_render_item *it = &f->items[refs[k]];
        double ang = -M_PI / 2 + 2 * M_PI * (double)k / (double)g;
        double sx = x + ring * cos(ang), sy = y + ring * sin(ang);
        double d = bm__symbol_diameter(st, &r->fi[refs[k]]) * it->scale * 0.85;
        int t = r->ptype[refs[k]];
        if (ra)
            blit(ra, type_sprite(r, t, d), sx, sy, it->alpha);
        else
            bm__draw_symbol(cr, st, t, sx, sy, d, it->alpha);
        mark_symbol(r, sx, sy, d);
    }
    if (ra)
        blit(ra, dot_sprite(r), x, y, alpha);
    else
        centre_dot(cr, st, x, y);
}

#define NO_GROUP UINT32_MAX

static uint64_t cell_key(double x, double y, double cell)
{
    return (uint64_t)(uint32_t)(int32_t)lround(x / cell) << 32 |
           (uint64_t)(uint32_t)(int32_t)lround(y / cell);
}

/* The group of each precise incident in the frame: co-located ones (same cell) share one.
 * A hash of the cells rather than a sort: at 100k incidents the sort was a fifth of the
 * frame. */
static uint32_t assign_groups(bm_renderer *r, const bm_render_frame *f, uint32_t *gid,
                              group *groups)
{
    size_t cap = 64;
    while (cap < 2 * f->n_items + 16)
        cap *= 2;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *slot = malloc(cap * sizeof *slot), ng = 0;
    if (!keys || !slot) {
        free(keys);
        free(slot);
        return NO_GROUP;
    }
    for (size_t k = 0; k < cap; k++)
        slot[k] = NO_GROUP;
    double cell = fmax(r->st.colocated, 0.01);
    for (size_t i = 0; i < f->n_items; i++) {
        const bm__finc *inc = &r->fi[i];
        double x = r->pxy[2 * i], y = r->pxy[2 * i + 1];
        gid[i] = NO_GROUP;
        if (inc->geo >= 3 || x == HUGE_VAL || !in_frame(&r->view, x, y) ||
            r->ptype[i] < 0)
            continue;
        uint64_t key = cell_key(x, y, cell);
        size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
        while (slot[h] != NO_GROUP && keys[h] != key)
            h = (h + 1) & (cap - 1);
        if (slot[h] == NO_GROUP) {
            keys[h] = key, slot[h] = ng;
            groups[ng++] = (group){0, 0, (uint32_t)i};
        }
        gid[i] = slot[h];
        groups[slot[h]].n++;
        groups[slot[h]].last = (uint32_t)i;
    }
    free(keys);
    free(slot);
    return ng;
}

/* Groups the frame's precise incidents, ordered so the group holding the newest item is drawn
 * last (drawing order is what the caller's item order means). */
static group *make_groups(bm_renderer *r, const bm_render_frame *f, uint32_t **refs_out,
                          size_t *n_out)
{
    if (f->n_items >= UINT32_MAX)
        return NULL;
    size_t n = f->n_items + 1;
    uint32_t *gid = malloc(n * sizeof *gid), *refs = malloc(n * sizeof *refs);
    group *groups = malloc(n * sizeof *groups), *ordered = malloc(n * sizeof *ordered);
    uint32_t ng = gid && refs && groups && ordered ? assign_groups(r, f, gid, groups) : NO_GROUP;
    if (ng == NO_GROUP) {
        free(gid), free(refs), free(groups), free(ordered);
        return NULL;
    }
    uint32_t at = 0;
    size_t k = 0;
    for (uint32_t g = 0; g < ng; g++) {
        groups[g].a = at;
        at += groups[g].n;
        groups[g].n = 0;
    }
    for (size_t i = 0; i < f->n_items; i++) {
        if (gid[i] == NO_GROUP)
            continue;
        group *g = &groups[gid[i]];
        refs[g->a + g->n++] = (uint32_t)i;
        if (g->last == i)
            ordered[k++] = *g;
    }
    free(gid);
    free(groups);
    *refs_out = refs;
    *n_out = k;
    return ordered;
}

typedef struct blit_band {
    raster ra; /* the page with the clip narrowed to the band's rows */
    const blits *q;
} blit_band;

static void *run_band(void *arg)
{
    blit_band *b = arg;
    for (size_t i = 0; i < b->q->n; i++)
        blit_now(&b->ra, b->q->v[i].sp, b->q->v[i].x, b->q->v[i].y, b->q->v[i].alpha);
    return NULL;
}

/* Fewer copies than this and one thread makes them. */
#define MIN_BANDED_BLITS 2048

/* The queued copies in drawing order, the frame's upper rows on one thread and its lower
 * rows on another: each pixel gets the same copies in the same order, so the same value
 * (the copies were a seventh of a 100k map, on one core). */
static void run_blits(const raster *ra, const blits *q)
{
    blit_band b[2] = {{*ra, q}, {*ra, q}};
    b[0].ra.queue = b[1].ra.queue = NULL;
    if (q->n < MIN_BANDED_BLITS) {
        run_band(&b[0]);
        return;
    }
    int mid = ra->cy0 + (ra->cy1 - ra->cy0) / 2;
    b[0].ra.cy1 = mid, b[1].ra.cy0 = mid;
    bm__run_pair(run_band, &b[0], &b[1]);
}

int bm__draw_incidents(bm_renderer *r, cairo_t *cr, const bm_render_frame *f, bm_error *err)
{
    uint32_t *refs = NULL;
    size_t ng = 0;
    group *groups = make_groups(r, f, &refs, &ng);
    if (!groups)
        return bm_error_set(err, BM_ENOMEM, "out of memory for %zu incidents", f->n_items);
    raster ra;
    int fast = raster_of(r, cr, &ra);
    size_t cmin = (size_t)r->st.cluster_min;
    /* Symbols first (copied into the image on the fast path: queued with the sprites made
     * and the label marks set in order, then copied in bands), then the clusters through
     * cairo on top: they are few, and carry text. */
    blits q = {0};
    if (fast)
        ra.queue = &q;
    for (size_t k = 0; k < ng; k++)
        if (groups[k].n < cmin)
            draw_group(r, cr, fast ? &ra : NULL, f, refs + groups[k].a, groups[k].n);
    if (fast) {
        if (!q.failed)
            run_blits(&ra, &q);
        free(q.v);
        cairo_surface_mark_dirty(cairo_get_target(cr));
    }
    for (size_t k = 0; k < ng; k++) {
        if (groups[k].n < cmin)
            continue;
        const double *p = r->pxy + 2 * refs[groups[k].a];
        draw_cluster(r, cr, f, refs + groups[k].a, groups[k].n, p[0], p[1]);
    }
    free(groups);
    free(refs);
    return BM_OK;
}

/* ---- Imprecise incidents: areas ----------------------------------------------------------- */

/* Where an imprecise incident's area comes from. */
typedef struct area_key {
    int kind;    /* 0 admin1 feature, 1 region feature, 2 circle round a point */
    long index;  /* feature index (kinds 0, 1) */
    double x, y; /* the point (kind 2) */
} area_key;

typedef struct area_acc {
    area_key key;
    int n, counts[BM_N_TYPES];
    double alpha;
} area_acc;

/* Region-level places name their polygon in the gazetteer's regions; governorates and bare
 * points fall back on the governorate that holds the point. Returns 0 for country-level
 * places, which no area on this map stands for. */
static int area_of(const bm_renderer *r, const bm__finc *inc, const double *page, area_key *k)
{
    const bm__rplace *pl = bm__find_place(r, inc->place_id);
    if (pl && pl->kind == BM_PK_COUNTRY)
        return 0;
    for (size_t i = 0; pl && i < r->bm.regions.n; i++)
        if (!strcmp(r->bm.regions.f[i].code, inc->place_id)) {
            *k = (area_key){1, (long)i, 0, 0};
            return 1;
        }
    double xy[2] = {inc->pt.lon, inc->pt.lat};
    bm__proj_fwd(r->proj, xy, 1);
    long a = xy[0] == HUGE_VAL ? -1 : bm__layer_find(&r->bm.admin1, xy[0], xy[1]);
    if (a >= 0) {
        *k = (area_key){0, a, 0, 0};
        return 1;
    }
    *k = (area_key){2, -1, page[0], page[1]};
    return 1;
}

static int same_area(const area_key *a, const area_key *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == 2)
        return fabs(a->x - b->x) < 1 && fabs(a->y - b->y) < 1;
    return a->index == b->index;
}

/* The area's path and a point inside it for the count. */
static void area_path(bm_renderer *r, cairo_t *cr, const area_key *k, double *lx, double *ly)
{
    cairo_new_path(cr);
    if (k->kind == 2) {
        double rad = r->st.symbol_size * 2.6;
        cairo_arc(cr, k->x, k->y, rad, 0, 2 * M_PI);
        *lx = k->x, *ly = k->y;
        return;
    }
    const bm__feature *f = k->kind == 0 ? &r->bm.admin1.f[k->index] : &r->bm.regions.f[k->index];
    bm__feature_path(cr, &r->view, f, 1);
    /* Under the governorate's name, which goes to the same point. */
    if (bm__visible_anchor(r, f, r->st.admin_size * 2, lx, ly))
        *ly += r->st.admin_size * 2.4;
    else
        *lx = *ly = HUGE_VAL;
}

/* A repeating tile of one diagonal line, spacing points square: hatching as a source. */
static cairo_pattern_t *make_hatch(bm__rgba c, double alpha, double spacing)
{
    cairo_rectangle_t ext = {0, 0, spacing, spacing};
    cairo_surface_t *tile = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *t = cairo_create(tile);
    /* The line and its two corner pieces, so tiles join into unbroken diagonals. */
    cairo_move_to(t, -1, spacing + 1);
    cairo_line_to(t, spacing + 1, -1);
    cairo_move_to(t, -1, 1);
    cairo_line_to(t, 1, -1);
    cairo_move_to(t, spacing - 1, spacing + 1);
    cairo_line_to(t, spacing + 1, spacing - 1);
    bm__set_rgba_alpha(t, c, alpha);
    cairo_set_line_width(t, 0.6);
    cairo_stroke(t);
    cairo_destroy(t);
    cairo_pattern_t *p = cairo_pattern_create_for_surface(tile);
    cairo_surface_destroy(tile);
    cairo_pattern_set_extend(p, CAIRO_EXTEND_REPEAT);
    return p;
}

/* The renderer's tile for a colour, opacity (in sixteenths: faded frames reuse tiles) and
 * spacing; borrowed. */
static cairo_pattern_t *hatch_pattern(bm_renderer *r, bm__rgba c, double alpha, double spacing)
{
    uint32_t rgb = bm__rgb24(c);
    int level = (int)lround(fmin(1, fmax(0, alpha)) * 16);
    for (int i = 0; i < r->n_hatch; i++)
        if (r->hatch[i].rgb == rgb && r->hatch[i].level == level && r->hatch[i].spacing == spacing)
            return r->hatch[i].p;
    if (r->n_hatch == (int)(sizeof r->hatch / sizeof r->hatch[0]))
        return r->hatch[0].p; /* full: any tile beats none */
    cairo_pattern_t *p = make_hatch(c, level / 16.0, spacing);
    r->hatch[r->n_hatch].rgb = rgb, r->hatch[r->n_hatch].level = level;
    r->hatch[r->n_hatch].spacing = spacing, r->hatch[r->n_hatch].p = p;
    r->n_hatch++;
    return p;
}

void bm__hatch_free(bm_renderer *r)
{
    for (int i = 0; i < r->n_hatch; i++)
        cairo_pattern_destroy(r->hatch[i].p);
    r->n_hatch = 0;
}

/* Diagonal hatching in a band along the inside of the current path's outline (the path is
 * kept): the area reads as an area without its inside being covered, which matters once a
 * whole governorate fills the map at a town's zoom. The band is the outline stroked wide with
 * the hatching as source, clipped to the area. */
static void hatch_band(bm_renderer *r, cairo_t *cr, bm__rgba c, double alpha, double spacing,
                       double band)
{
    cairo_path_t *outline = cairo_copy_path(cr);
    cairo_pattern_t *lines = hatch_pattern(r, c, alpha, spacing);
    cairo_save(cr);
    cairo_clip_preserve(cr);
    cairo_set_source(cr, lines);
    cairo_set_line_width(cr, 2 * band);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_restore(cr);
    cairo_new_path(cr);
    cairo_append_path(cr, outline);
    cairo_path_destroy(outline);
}

static void area_badge(bm_renderer *r, cairo_t *cr, const area_acc *a, bm__rgba c, double x,
                       double y)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d", a->n);
    double fs = r->st.small_size * 1.1, tw, th;
    bm__text_size(r->labels, buf, fs, 1, &tw, &th);
    double w = fmax(tw + 6, th + 2), h = th + 2;
    cairo_new_path(cr);
    cairo_rectangle(cr, x - w / 2, y - h / 2, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9 * a->alpha);
    cairo_fill_preserve(cr);
    double dash[] = {2, 1.2};
    cairo_set_dash(cr, dash, 2, 0);
    bm__set_rgba_alpha(cr, c, 0.9 * a->alpha);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    bm__rgba ink = r->st.text;
    ink.a *= a->alpha; /* the count fades with its area */
    bm__text(r->labels, cr, buf, x, y - th / 2, fs, 1, 1, ink, 0, NULL);
    bm__labels_obstacle(r->labels, (bm__rect){x - w / 2 - 1, y - h / 2 - 1, w + 2, h + 2});
}

static int dominant(const int counts[BM_N_TYPES])
{
    int best = 0;
    for (int t = 1; t < BM_N_TYPES; t++)
        if (counts[t] > counts[best])
            best = t;
    return best;
}

static void draw_area(bm_renderer *r, cairo_t *cr, const area_acc *a)
{
    int t = dominant(a->counts);
    /* Several types in one area: a neutral ink, the count tells how many. */
    int mixed = 0;
    for (int k = 0; k < BM_N_TYPES; k++)
        mixed += k != t && a->counts[k] > 0;
    bm__rgba c = mixed ? r->st.text_muted : r->st.type_colour[t];
    double lx, ly;
    area_path(r, cr, &a->key, &lx, &ly);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    bm__set_rgba_alpha(cr, c, 0.08 * a->alpha);
    cairo_fill_preserve(cr);
    hatch_band(r, cr, c, 0.55 * a->alpha, 3.5, r->st.symbol_size * 1.4);
    double dash[] = {3, 2};
    cairo_set_dash(cr, dash, 2, 0);
    bm__set_rgba_alpha(cr, c, 0.85 * a->alpha);
    cairo_set_line_width(cr, 1.0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (lx != HUGE_VAL)
        area_badge(r, cr, a, c, lx, ly);
}

void bm__draw_areas(bm_renderer *r, cairo_t *cr, const bm_render_frame *f)
{
    area_acc *acc = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < f->n_items; i++) {
        const bm__finc *inc = &r->fi[i];
        int t = r->ptype[i];
        area_key k;
        if (inc->geo < 3 || t < 0 || r->pxy[2 * i] == HUGE_VAL ||
            !area_of(r, inc, r->pxy + 2 * i, &k))
            continue;
        size_t j = 0;
        while (j < n && !same_area(&acc[j].key, &k))
            j++;
        if (j == n) {
            if (n == cap) {
                size_t c = cap * 2 + 16;
                area_acc *v = realloc(acc, c * sizeof *v);
                if (!v)
                    break;
                acc = v, cap = c;
            }
            memset(&acc[n], 0, sizeof acc[n]);
            acc[n++].key = k;
        }
        acc[j].n++;
        acc[j].counts[t]++;
        acc[j].alpha = fmax(acc[j].alpha, f->items[i].alpha);
    }
    for (size_t j = 0; j < n; j++)
        draw_area(r, cr, &acc[j]);
    free(acc);
}

/* ---- Legend samples ----------------------------------------------------------------------- */

void bm__draw_hatch_sample(bm_renderer *r, cairo_t *cr, bm__rgba c, double x, double y, double w,
                           double h)
{
    cairo_new_path(cr);
    cairo_rectangle(cr, x, y, w, h);
    bm__set_rgba_alpha(cr, c, 0.08);
    cairo_fill_preserve(cr);
    hatch_band(r, cr, c, 0.55, 2.5, h);
    double dash[] = {2, 1.5};
    cairo_set_dash(cr, dash, 2, 0);
    bm__set_rgba_alpha(cr, c, 0.85);
    cairo_set_line_width(cr, 0.9);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

void bm__draw_cluster_sample(cairo_t *cr, const bm__style *st, double x, double y, double rad)
{
    static const int types[3] = {0, 1, 2};
    double a0 = -M_PI / 2;
    for (int i = 0; i < 3; i++) {
        double a1 = a0 + 2 * M_PI / 3;
        cairo_new_path(cr);
        cairo_arc(cr, x, y, rad, a0, a1);
        cairo_arc_negative(cr, x, y, rad * 0.62, a1, a0);
        cairo_close_path(cr);
        bm__set_rgba(cr, st->type_colour[types[i]]);
        cairo_fill(cr);
        a0 = a1;
    }
}
