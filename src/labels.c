/* labels.c: map labels with Pango (HarfBuzz shaping, bidi), halos, and collision avoidance by
 * priority: a label that would overlap a placed one, an obstacle or the frame edge is dropped.
 * For SVG output the same calls collect <text> elements instead of drawing glyphs.
 * Must never let a line's direction be guessed where the order matters: every Arabic line is
 * laid out right-to-left and every Latin line left-to-right, explicitly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_private.h"

#define MAX_LINES 8

/* Every layout is made at this size and scaled when drawn. Pango sorts the fonts of each new
 * size afresh (fontconfig's sort, the costliest step of a first render), and a map uses a
 * dozen sizes; unhinted metrics scale exactly, so one size serves them all. */
#define BASE_SIZE 10.0

typedef struct label {
    bm__label_spec s;
    char *en, *ar;
    PangoLayout *lines[2]; /* top to bottom, laid out at BASE_SIZE; NULL when absent */
    int rtl[2];
    double k[2];         /* the line's size / BASE_SIZE */
    double lw[2], lh[2]; /* logical width, tight line height (points, scaled) */
    double w, h;         /* the stacked block */
    bm__rect box;        /* ink and logical boxes together, relative to the block centre */
    size_t order;
} label;

#define GRID_CELL 2.0 /* points */

struct bm__labels {
    PangoContext *ctx_ltr, *ctx_rtl; /* one per paragraph direction (see make_line) */
    char *family;
    bm_render_lang lang;
    bm__rgba halo;
    label *q;
    size_t nq, capq;
    bm__rect *obs; /* obstacles and placed labels */
    size_t no, capo;
    bm__rect *placed; /* placed labels only, for checks */
    size_t np, capp;
    bm__rect frame;
    /* Occupancy grid over the frame for the many small obstacles (incident symbols): a list
     * would make every label test scan 100k rectangles. */
    unsigned char *grid;
    int gw, gh;
    int unknown;
    char **texts;
    size_t nt, capt;
    bm__svg_texts *svg;
};

/* A context of its own per direction: pango_layout_set_auto_dir(FALSE) makes the context's
 * base direction rule the paragraph, and layouts share their context. */
static PangoContext *dir_context(PangoContext *like, PangoDirection dir)
{
    PangoContext *c = pango_font_map_create_context(pango_context_get_font_map(like));
    pango_cairo_context_set_resolution(c, pango_cairo_context_get_resolution(like));
    pango_cairo_context_set_font_options(c, pango_cairo_context_get_font_options(like));
    pango_context_set_base_dir(c, dir);
    return c;
}

bm__labels *bm__labels_new(PangoContext *ctx, const char *family, bm_render_lang lang,
                           bm__rgba halo)
{
    bm__labels *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ctx_ltr = dir_context(ctx, PANGO_DIRECTION_LTR);
    l->ctx_rtl = dir_context(ctx, PANGO_DIRECTION_RTL);
    l->family = strdup(family);
    l->lang = lang;
    l->halo = halo;
    if (!l->family || !l->ctx_ltr || !l->ctx_rtl) {
        bm__labels_free(l);
        return NULL;
    }
    return l;
}

static void label_clear(label *lb)
{
    free(lb->en);
    free(lb->ar);
    for (int i = 0; i < 2; i++)
        if (lb->lines[i])
            g_object_unref(lb->lines[i]);
}

static void clear_texts(bm__labels *l)
{
    for (size_t i = 0; i < l->nt; i++)
        free(l->texts[i]);
    l->nt = 0;
}

void bm__labels_free(bm__labels *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nq; i++)
        label_clear(&l->q[i]);
    free(l->q);
    free(l->obs);
    free(l->placed);
    free(l->grid);
    clear_texts(l);
    free(l->texts);
    free(l->family);
    if (l->ctx_ltr)
        g_object_unref(l->ctx_ltr);
    if (l->ctx_rtl)
        g_object_unref(l->ctx_rtl);
    free(l);
}

void bm__labels_set_svg(bm__labels *l, bm__svg_texts *texts)
{
    l->svg = texts;
}

void bm__labels_reset(bm__labels *l, bm__rect frame)
{
    for (size_t i = 0; i < l->nq; i++)
        label_clear(&l->q[i]);
    l->nq = 0;
    l->no = 0;
    l->np = 0;
    l->frame = frame;
    clear_texts(l);
    int gw = (int)ceil(frame.w / GRID_CELL) + 1, gh = (int)ceil(frame.h / GRID_CELL) + 1;
    if (gw != l->gw || gh != l->gh || !l->grid) {
        free(l->grid);
        l->grid = calloc((size_t)gw * (size_t)gh, 1);
        l->gw = l->grid ? gw : 0, l->gh = l->grid ? gh : 0;
    } else {
        memset(l->grid, 0, (size_t)gw * (size_t)gh);
    }
}

/* The grid cells r touches; 0 when r lies wholly outside the grid. */
static int grid_span(const bm__labels *l, bm__rect r, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = (int)floor((r.x - l->frame.x) / GRID_CELL);
    *y0 = (int)floor((r.y - l->frame.y) / GRID_CELL);
    *x1 = (int)floor((r.x + r.w - l->frame.x) / GRID_CELL);
    *y1 = (int)floor((r.y + r.h - l->frame.y) / GRID_CELL);
    if (*x1 < 0 || *y1 < 0 || *x0 >= l->gw || *y0 >= l->gh)
        return 0;
    *x0 = *x0 < 0 ? 0 : *x0, *y0 = *y0 < 0 ? 0 : *y0;
    *x1 = *x1 >= l->gw ? l->gw - 1 : *x1, *y1 = *y1 >= l->gh ? l->gh - 1 : *y1;
    return 1;
}

void bm__labels_mark(bm__labels *l, bm__rect r)
{
    int x0, y0, x1, y1;
    if (!l->grid || !grid_span(l, r, &x0, &y0, &x1, &y1))
        return;
    for (int y = y0; y <= y1; y++)
        memset(l->grid + (size_t)y * (size_t)l->gw + (size_t)x0, 1, (size_t)(x1 - x0 + 1));
}

static int grid_hit(const bm__labels *l, bm__rect r)
{
    int x0, y0, x1, y1;
    if (!l->grid || !grid_span(l, r, &x0, &y0, &x1, &y1))
        return 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (l->grid[(size_t)y * (size_t)l->gw + (size_t)x])
                return 1;
    return 0;
}

static int push(bm__rect **v, size_t *n, size_t *cap, bm__rect r)
{
    if (*n == *cap) {
        size_t c = *cap * 2 + 64;
        bm__rect *p = realloc(*v, c * sizeof *p);
        if (!p)
            return BM_ENOMEM;
        *v = p, *cap = c;
    }
    (*v)[(*n)++] = r;
    return BM_OK;
}

int bm__labels_obstacle(bm__labels *l, bm__rect r)
{
    return push(&l->obs, &l->no, &l->capo, r);
}

static int remember_text(bm__labels *l, const char *t)
{
    if (l->nt == l->capt) {
        size_t cap = l->capt * 2 + 64;
        char **p = realloc(l->texts, cap * sizeof *p);
        if (!p)
            return BM_ENOMEM;
        l->texts = p, l->capt = cap;
    }
    if (!(l->texts[l->nt] = strdup(t)))
        return BM_ENOMEM;
    l->nt++;
    return BM_OK;
}

/* One line of one direction. rtl fixes the paragraph direction instead of letting Pango guess
 * from the first strong character, which goes wrong for "(2) حلب" or "T2 محطة". */
static PangoLayout *make_line(bm__labels *l, const char *text, double size, int bold, int italic,
                              double spacing, int rtl)
{
    PangoLayout *lay = pango_layout_new(rtl ? l->ctx_rtl : l->ctx_ltr);
    PangoFontDescription *fd = pango_font_description_from_string(l->family);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_SEMIBOLD : PANGO_WEIGHT_NORMAL);
    if (italic && !rtl)
        pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_auto_dir(lay, FALSE);
    if (spacing > 0 && !rtl) {
        /* Letter spacing would break Arabic joining; only Latin lines get it. */
        PangoAttrList *al = pango_attr_list_new();
        pango_attr_list_insert(al, pango_attr_letter_spacing_new((int)(spacing * PANGO_SCALE)));
        pango_layout_set_attributes(lay, al);
        pango_attr_list_unref(al);
    }
    pango_layout_set_text(lay, text, -1);
    l->unknown += pango_layout_get_unknown_glyphs_count(lay);
    remember_text(l, text);
    return lay;
}

static char *upper(const char *s)
{
    gchar *u = g_utf8_strup(s, -1);
    char *r = u ? strdup(u) : NULL;
    g_free(u);
    return r;
}

static bm__rect rect_union(bm__rect a, bm__rect b)
{
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
    return (bm__rect){x0, y0, x1 - x0, y1 - y0};
}

/* Where line i's layout origin sits relative to the block centre. The tight line height
 * trims Naskh's tall line box, so the layout is centred on its trimmed slot. */
static void line_origin(const label *lb, int i, double *x, double *y)
{
    double top = -lb->h / 2;
    for (int k = 0; k < i; k++)
        top += lb->lh[k];
    *x = -lb->lw[i] / 2;
    *y = top - (lb->lh[i] / 0.86 - lb->lh[i]) / 2;
}

/* The collision box: what the glyphs cover (ink: Arabic marks and Latin descenders reach
 * beyond the logical box) together with the logical slots. */
static void label_box(label *lb, int n_lines)
{
    int first = 1;
    for (int i = 0; i < n_lines; i++) {
        PangoRectangle ink, logical;
        pango_layout_get_extents(lb->lines[i], &ink, &logical);
        double ox, oy;
        line_origin(lb, i, &ox, &oy);
        double sc = lb->k[i] / PANGO_SCALE;
        bm__rect in = {ox + ink.x * sc, oy + ink.y * sc, ink.width * sc, ink.height * sc};
        double top = -lb->h / 2;
        for (int j = 0; j < i; j++)
            top += lb->lh[j];
        bm__rect slot = {-lb->lw[i] / 2, top, lb->lw[i], lb->lh[i]};
        bm__rect u = in.w > 0 ? rect_union(in, slot) : slot;
        lb->box = first ? u : rect_union(lb->box, u);
        first = 0;
    }
}

int bm__labels_add(bm__labels *l, const bm__label_spec *s)
{
    int has_en = s->en && *s->en, has_ar = s->ar && *s->ar;
    int want_en = l->lang != BM_LANG_AR || !has_ar;
    int want_ar = l->lang != BM_LANG_EN || !has_en;
    if (has_en && has_ar && !strcmp(s->en, s->ar))
        want_ar = 0;
    want_en = want_en && has_en;
    want_ar = want_ar && has_ar;
    if (!want_en && !want_ar)
        return BM_OK;
    if (l->nq == l->capq) {
        size_t cap = l->capq * 2 + 64;
        label *q = realloc(l->q, cap * sizeof *q);
        if (!q)
            return BM_ENOMEM;
        l->q = q, l->capq = cap;
    }
    label *lb = &l->q[l->nq];
    memset(lb, 0, sizeof *lb);
    lb->s = *s;
    lb->order = l->nq;
    lb->en = want_en ? (s->caps ? upper(s->en) : strdup(s->en)) : NULL;
    lb->ar = want_ar ? strdup(s->ar) : NULL;
    if ((want_en && !lb->en) || (want_ar && !lb->ar)) {
        label_clear(lb);
        return BM_ENOMEM;
    }
    lb->s.en = lb->en, lb->s.ar = lb->ar;
    int k = 0;
    if (lb->en) {
        lb->rtl[k] = 0, lb->k[k] = s->size / BASE_SIZE;
        lb->lines[k] =
            make_line(l, lb->en, BASE_SIZE, s->bold, s->italic, s->spacing / lb->k[k], 0);
        k++;
    }
    if (lb->ar) {
        lb->rtl[k] = 1, lb->k[k] = s->size * 1.05 / BASE_SIZE;
        lb->lines[k++] = make_line(l, lb->ar, BASE_SIZE, s->bold, 0, 0, 1);
    }
    lb->w = lb->h = 0;
    for (int i = 0; i < k; i++) {
        PangoRectangle logical;
        pango_layout_get_extents(lb->lines[i], NULL, &logical);
        lb->lw[i] = logical.width / (double)PANGO_SCALE * lb->k[i];
        /* Tighter than the logical height: Naskh's tall line box would space lines apart. */
        lb->lh[i] = logical.height / (double)PANGO_SCALE * 0.86 * lb->k[i];
        lb->w = fmax(lb->w, lb->lw[i]);
        lb->h += lb->lh[i];
    }
    label_box(lb, k);
    l->nq++;
    return BM_OK;
}

static int overlaps(bm__rect a, bm__rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static int inside_frame(const bm__labels *l, bm__rect r)
{
    const bm__rect f = l->frame;
    return r.x >= f.x + 1 && r.y >= f.y + 1 && r.x + r.w <= f.x + f.w - 1 &&
           r.y + r.h <= f.y + f.h - 1;
}

/* Whether r is blocked by symbols (the grid) alone: inside the frame and clear of every
 * label and exact obstacle. */
int bm__labels_hits_only_marks(const bm__labels *l, bm__rect r)
{
    if (!inside_frame(l, r))
        return 0;
    for (size_t i = 0; i < l->no; i++)
        if (overlaps(r, l->obs[i]))
            return 0;
    return 1;
}

int bm__labels_free_at(const bm__labels *l, bm__rect r)
{
    if (!inside_frame(l, r) || grid_hit(l, r))
        return 0;
    for (size_t i = 0; i < l->no; i++)
        if (overlaps(r, l->obs[i]))
            return 0;
    return 1;
}

static int by_priority(const void *a, const void *b)
{
    const label *x = a, *y = b;
    if (x->s.priority != y->s.priority)
        return x->s.priority < y->s.priority ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The page box a label covers centred at (cx, cy), axis-aligned (conservative when turned). */
static bm__rect placed_box(const label *lb, double cx, double cy)
{
    const bm__rect b = lb->box;
    if (lb->s.angle == 0)
        return (bm__rect){cx + b.x, cy + b.y, b.w, b.h};
    double c = cos(lb->s.angle), s = sin(lb->s.angle);
    double xs[4] = {b.x, b.x + b.w, b.x, b.x + b.w}, ys[4] = {b.y, b.y, b.y + b.h, b.y + b.h};
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    for (int i = 0; i < 4; i++) {
        double x = xs[i] * c - ys[i] * s, y = xs[i] * s + ys[i] * c;
        x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
    }
    return (bm__rect){cx + x0, cy + y0, x1 - x0, y1 - y0};
}

/* The SVG element for one laid-out line whose layout origin is (x, y) under cr's matrix. */
static void svg_line(bm__labels *l, cairo_t *cr, PangoLayout *lay, double k, const char *text,
                     double x, double y, double w, int align, int rtl, double size, int bold,
                     int italic, double spacing, bm__rgba colour, double halo_w)
{
    bm__svg_texts *t = l->svg;
    if (t->n == t->cap) {
        size_t cap = t->cap * 2 + 64;
        bm__svg_text *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return;
        t->v = v, t->cap = cap;
    }
    char *copy = strdup(text);
    if (!copy)
        return;
    /* The anchor stays on the side the text is aligned to, so a viewer's slightly different
     * font grows the text away from it, as it would here. */
    double ax = align == 0 ? x : align == 1 ? x + w / 2 : x + w;
    int anchor = align == 1 ? 1 : (align == 0) != (rtl != 0) ? 0 : 2;
    double ay = y + pango_layout_get_baseline(lay) / (double)PANGO_SCALE * k;
    cairo_user_to_device(cr, &ax, &ay);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double scale = sqrt(fabs(m.xx * m.yy - m.xy * m.yx));
    bm__svg_text *e = &t->v[t->n++];
    *e = (bm__svg_text){copy,
                        ax,
                        ay,
                        size * scale,
                        atan2(m.yx, m.xx) * 180 / G_PI,
                        bold,
                        italic && !rtl,
                        rtl,
                        anchor,
                        spacing * scale,
                        colour,
                        halo_w * scale,
                        l->halo};
}

/* Largest halo radius in pixels the raster halo takes (a wider one is stroked). */
#define HALO_MAX_RADIUS 12

/* a's coverage dilated by a disc of radius r (pixels) into d (zeroed): each pixel the most of
 * its neighbours' coverage within the disc, capped on the disc's rim by how far the disc
 * reaches there (so the half-covered edge moves out by r, as the stroke's does).
 * Offset by offset over whole rows, a loop the compiler vectorises. */
static void dilate(const unsigned char *a, unsigned char *d, int w, int h, int stride, double r)
{
    int R = (int)ceil(r);
    for (int dy = -R; dy <= R; dy++)
        for (int dx = -R; dx <= R; dx++) {
            double wgt = fmin(1, r + 0.5 - hypot(dx, dy));
            if (wgt <= 0)
                continue;
            unsigned k = (unsigned)lround(wgt * 255);
            int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w - dx : w;
            int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? h - dy : h;
            for (int y = y0; y < y1; y++) {
                const unsigned char *src = a + (size_t)(y + dy) * stride + dx;
                unsigned char *dst = d + (size_t)y * stride;
                for (int x = x0; x < x1; x++) {
                    unsigned v = src[x] < k ? src[x] : k;
                    dst[x] = (unsigned char)(v > dst[x] ? v : dst[x]);
                }
            }
        }
}

/* The halo on a raster page: the text's own coverage (its glyphs, as the text is drawn)
 * dilated by a disc of half the halo's width and painted once through it. That is the
 * region the stroke of the outlines covers (the glyphs and a band of half the width around
 * them), at a small part of the cost: stroking the halos was a fifth of a map's fixed cost.
 * 0 when the target is no image (a vector page keeps its stroked outlines). */
static int halo_raster(cairo_t *cr, PangoLayout *lay, double x, double y, double k, bm__rgba halo,
                       double width)
{
    cairo_surface_t *t = cairo_get_target(cr);
    if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
        return 0;
    double rx = width / 2, ry = 0;
    cairo_user_to_device_distance(cr, &rx, &ry);
    /* Half a pixel more than the half width: the glyphs' antialiased edge lies inside the
     * outlines the stroke follows (measured against stroked halos: the same pixels lit). */
    double r = hypot(rx, ry) + 0.5;
    if (r > HALO_MAX_RADIUS)
        return 0;
    PangoRectangle ink;
    pango_layout_get_extents(lay, &ink, NULL);
    double bx[4] = {ink.x, ink.x + ink.width, ink.x, ink.x + ink.width};
    double by[4] = {ink.y, ink.y, ink.y + ink.height, ink.y + ink.height};
    double x0 = HUGE_VAL, y0 = HUGE_VAL, x1 = -HUGE_VAL, y1 = -HUGE_VAL;
    for (int i = 0; i < 4; i++) {
        double px = x + bx[i] / PANGO_SCALE * k, py = y + by[i] / PANGO_SCALE * k;
        cairo_user_to_device(cr, &px, &py);
        x0 = fmin(x0, px), y0 = fmin(y0, py), x1 = fmax(x1, px), y1 = fmax(y1, py);
    }
    /* The box with the halo and a pixel of antialiasing, within the page. */
    int ix0 = (int)floor(x0 - r) - 2, iy0 = (int)floor(y0 - r) - 2;
    int ix1 = (int)ceil(x1 + r) + 2, iy1 = (int)ceil(y1 + r) + 2;
    int pw = cairo_image_surface_get_width(t), ph = cairo_image_surface_get_height(t);
    int cx0 = ix0 < 0 ? 0 : ix0, cy0 = iy0 < 0 ? 0 : iy0;
    int cx1 = ix1 > pw ? pw : ix1, cy1 = iy1 > ph ? ph : iy1;
    if (cx1 <= cx0 || cy1 <= cy0)
        return 1; /* off the page */
    /* The text's coverage over the box widened by the radius (glyphs just off the page still
     * cast their halo onto it). */
    int R = (int)ceil(r), ox = cx0 - R, oy = cy0 - R, w = cx1 - cx0 + 2 * R, h = cy1 - cy0 + 2 * R;
    cairo_surface_t *glyphs = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_surface_t *mask = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_t *c = cairo_create(glyphs);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    m.x0 -= ox, m.y0 -= oy;
    cairo_set_matrix(c, &m);
    cairo_translate(c, x, y);
    cairo_scale(c, k, k);
    cairo_move_to(c, 0, 0);
    pango_cairo_show_layout(c, lay);
    cairo_destroy(c);
    cairo_surface_flush(glyphs);
    int ok = cairo_surface_status(glyphs) == CAIRO_STATUS_SUCCESS &&
             cairo_surface_status(mask) == CAIRO_STATUS_SUCCESS &&
             cairo_image_surface_get_stride(glyphs) == cairo_image_surface_get_stride(mask);
    if (ok) {
        cairo_surface_flush(mask);
        dilate(cairo_image_surface_get_data(glyphs), cairo_image_surface_get_data(mask), w, h,
               cairo_image_surface_get_stride(mask), r);
        cairo_surface_mark_dirty(mask);
        cairo_save(cr);
        cairo_identity_matrix(cr);
        bm__set_rgba(cr, halo);
        cairo_mask_surface(cr, mask, ox, oy);
        cairo_restore(cr);
    }
    cairo_surface_destroy(glyphs);
    cairo_surface_destroy(mask);
    return ok;
}

/* The halo: the glyph outlines stroked wide under the text (or their raster equivalent). The
 * layout is made at BASE_SIZE and drawn scaled by k from its origin (x, y). Flattening the
 * curves more coarsely than cairo's default costs nothing visible: a halo's edge is soft. */
static void halo_stroke(cairo_t *cr, PangoLayout *lay, double x, double y, double k, bm__rgba halo,
                        double width)
{
    if (halo_raster(cr, lay, x, y, k, halo, width))
        return;
    double tol = cairo_get_tolerance(cr);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, k, k);
    cairo_move_to(cr, 0, 0);
    pango_cairo_layout_path(cr, lay);
    cairo_restore(cr);
    cairo_set_tolerance(cr, 0.3);
    bm__set_rgba(cr, halo);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_set_tolerance(cr, tol);
}

static void show_scaled(cairo_t *cr, PangoLayout *lay, double x, double y, double k,
                        bm__rgba colour)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, k, k);
    cairo_move_to(cr, 0, 0);
    bm__set_rgba(cr, colour);
    pango_cairo_show_layout(cr, lay);
    cairo_restore(cr);
}

static void draw_dot(cairo_t *cr, const bm__label_spec *s)
{
    double rad = s->dot == BM_DOT_CAPITAL ? 2.6 : 1.8;
    cairo_new_path(cr);
    cairo_arc(cr, s->x, s->y, rad, 0, 2 * G_PI);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    bm__set_rgba(cr, s->dot_colour);
    cairo_set_line_width(cr, s->dot == BM_DOT_CAPITAL ? 1.0 : 0.9);
    cairo_stroke(cr);
    if (s->dot == BM_DOT_CAPITAL) {
        cairo_arc(cr, s->x, s->y, 1.0, 0, 2 * G_PI);
        bm__set_rgba(cr, s->dot_colour);
        cairo_fill(cr);
    }
}

static bm__rect dot_box(const bm__label_spec *s)
{
    double rad = (s->dot == BM_DOT_CAPITAL ? 2.6 : 1.8) + 0.8;
    return (bm__rect){s->x - rad, s->y - rad, 2 * rad, 2 * rad};
}

static void draw_label(bm__labels *l, cairo_t *cr, const label *lb, double cx, double cy)
{
    if (lb->s.dot != BM_DOT_NONE)
        draw_dot(cr, &lb->s);
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, lb->s.angle);
    double halo_w = fmax(1.6, lb->s.size * 0.32);
    for (int i = 0; i < 2 && lb->lines[i]; i++) {
        double x, y;
        line_origin(lb, i, &x, &y);
        if (l->svg) {
            const char *text = pango_layout_get_text(lb->lines[i]);
            svg_line(l, cr, lb->lines[i], lb->k[i], text, x, y, lb->lw[i], 1, lb->rtl[i],
                     lb->s.size * (lb->rtl[i] ? 1.05 : 1), lb->s.bold, lb->s.italic,
                     lb->rtl[i] ? 0 : lb->s.spacing, lb->s.colour, halo_w);
            continue;
        }
        halo_stroke(cr, lb->lines[i], x, y, lb->k[i], l->halo, halo_w);
        show_scaled(cr, lb->lines[i], x, y, lb->k[i], lb->s.colour);
    }
    cairo_restore(cr);
}

/* Candidate centres: on the point, or around it (right, left, above, below, the diagonals),
 * ring after ring further out when the spec allows: a name may sit a little off a crowded
 * symbol rather than be dropped. */
#define MAX_CAND 32

static int candidates(const label *lb, double cand[MAX_CAND][2])
{
    double x = lb->s.x, y = lb->s.y;
    const bm__rect b = lb->box;
    if (lb->s.anchor == BM_ANCHOR_CENTER) {
        /* An area's name may move off its point, by up to two line heights or a third of its
         * width, rather than vanish behind a town name. */
        static const double off[9][2] = {{0, 0},   {0, -1}, {0, 1},  {-1, 0}, {1, 0},
                                         {-1, -1}, {1, -1}, {-1, 1}, {1, 1}};
        int n = lb->s.rings > 0 ? (lb->s.rings > 1 ? 17 : 9) : 1;
        for (int k = 0; k < n; k++) {
            double m = k < 9 ? 1 : 2;
            const double *o = off[k < 9 ? k : k - 8];
            cand[k][0] = x + o[0] * b.w * 0.3 * m, cand[k][1] = y + o[1] * b.h * 1.1 * m;
        }
        return n;
    }
    static const double rings[4] = {1, 1.7, 2.5, 3.6};
    int n_rings = lb->s.rings < 1 ? 1 : lb->s.rings > 4 ? 4 : lb->s.rings, nc = 0;
    for (int k = 0; k < n_rings; k++) {
        double g = lb->s.gap * rings[k], gd = g * 0.7;
        /* Offsets from the box's own extent, so the ink (not the logical box) keeps the gap. */
        double midx = x - (b.x + b.w / 2), midy = y - (b.y + b.h / 2);
        double c[8][2] = {{x + g - b.x, midy},
                          {x - g - (b.x + b.w), midy},
                          {midx, y - g - (b.y + b.h)},
                          {midx, y + g - b.y},
                          {x + gd - b.x, y - gd - (b.y + b.h)},
                          {x - gd - (b.x + b.w), y - gd - (b.y + b.h)},
                          {x + gd - b.x, y + gd - b.y},
                          {x - gd - (b.x + b.w), y + gd - b.y}};
        memcpy(cand[nc], c, sizeof c);
        nc += 8;
    }
    return nc;
}

/* A thin line from a symbol to a name set far from it (the outer rings), so the name still
 * reads as the symbol's. It stops short of both. */
static void leader(bm__labels *l, cairo_t *cr, const label *lb, bm__rect r)
{
    double x = lb->s.x, y = lb->s.y;
    double tx = fmax(r.x, fmin(x, r.x + r.w)), ty = fmax(r.y, fmin(y, r.y + r.h));
    double dx = tx - x, dy = ty - y, d = hypot(dx, dy), g = lb->s.gap * 0.8;
    if (d <= g + 1)
        return;
    cairo_move_to(cr, x + dx / d * g, y + dy / d * g);
    cairo_line_to(cr, tx - dx / d * 0.8, ty - dy / d * 0.8);
    bm__set_rgba_alpha(cr, lb->s.colour, 0.6);
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    (void)l;
}

static int group_placed(const int *groups, size_t n, int g)
{
    for (size_t i = 0; g > 0 && i < n; i++)
        if (groups[i] == g)
            return 1;
    return 0;
}

size_t bm__labels_place_and_draw(bm__labels *l, cairo_t *cr)
{
    qsort(l->q, l->nq, sizeof *l->q, by_priority);
    size_t placed = 0, n_groups = 0;
    int *groups = calloc(l->nq + 1, sizeof *groups);
    for (size_t i = 0; i < l->nq; i++) {
        const label *lb = &l->q[i];
        if (!groups || group_placed(groups, n_groups, lb->s.group))
            continue;
        double cand[MAX_CAND][2];
        bm__rect dot = {0, 0, 0, 0};
        label moved;
        if (lb->s.dot != BM_DOT_NONE) {
            dot = dot_box(&lb->s);
            if (!bm__labels_free_at(l, dot)) {
                /* Under an incident's symbol the town needs no dot of its own: its name goes
                 * round the symbol, as an incident place's does. Under another name, or the
                 * legend, it stays off. */
                if (!bm__labels_hits_only_marks(l, dot))
                    continue;
                moved = *lb;
                moved.s.dot = BM_DOT_NONE, moved.s.gap = fmax(lb->s.gap, 5), moved.s.rings = 3;
                lb = &moved;
                dot = (bm__rect){0, 0, 0, 0};
            }
        }
        int nc = candidates(lb, cand);
        for (int c = 0; c < nc; c++) {
            bm__rect r = placed_box(lb, cand[c][0], cand[c][1]);
            /* A hair of padding keeps neighbouring halos from touching. */
            bm__rect padded = {r.x - 1, r.y - 0.5, r.w + 2, r.h + 1};
            if (!bm__labels_free_at(l, padded) || (dot.w > 0 && overlaps(r, dot)))
                continue;
            if (lb->s.anchor == BM_ANCHOR_AROUND && c >= 16)
                leader(l, cr, lb, r);
            draw_label(l, cr, lb, cand[c][0], cand[c][1]);
            push(&l->obs, &l->no, &l->capo, padded);
            push(&l->placed, &l->np, &l->capp, r);
            if (dot.w > 0)
                push(&l->obs, &l->no, &l->capo, dot);
            if (lb->s.group > 0)
                groups[n_groups++] = lb->s.group;
            placed++;
            break;
        }
    }
    free(groups);
    return placed;
}

/* The direction of the first letter, close to the Unicode bidi algorithm's paragraph rule
 * (P2): "Clash · اشتباك" is left-to-right, "غارة (2)" right-to-left. */
static int first_strong_rtl(const char *text, const char *end)
{
    for (const char *p = text; *p && (!end || p < end); p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        GUnicodeScript sc = g_unichar_get_script(c);
        if (!g_unichar_isalpha(c))
            continue; /* digits, brackets and punctuation are weak or neutral */
        return sc == G_UNICODE_SCRIPT_ARABIC || sc == G_UNICODE_SCRIPT_HEBREW ||
               sc == G_UNICODE_SCRIPT_SYRIAC || sc == G_UNICODE_SCRIPT_THAANA;
    }
    return 0;
}

/* Furniture text, one layout per line: an English line over an Arabic one (a date stamp, a
 * subtitle) gets left-to-right and right-to-left paragraphs of its own, so "1 آذار 2024"
 * keeps its order under "1 March 2024" without directional isolates. */
typedef struct text_block {
    int n;
    PangoLayout *lay[MAX_LINES];
    char *line[MAX_LINES];
    int rtl[MAX_LINES];
    double lw[MAX_LINES], lh[MAX_LINES];
    double w, h, k; /* k: size / BASE_SIZE */
} text_block;

static void block_free(text_block *b)
{
    for (int i = 0; i < b->n; i++) {
        g_object_unref(b->lay[i]);
        free(b->line[i]);
    }
}

static void block_make(bm__labels *l, const char *text, double size, int bold, text_block *b)
{
    memset(b, 0, sizeof *b);
    b->k = size / BASE_SIZE;
    const char *p = text;
    while (b->n < MAX_LINES) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        if (!line)
            break;
        int rtl = first_strong_rtl(line, NULL);
        PangoLayout *lay = make_line(l, line, BASE_SIZE, bold, 0, 0, rtl);
        int pw, ph;
        pango_layout_get_size(lay, &pw, &ph);
        b->lay[b->n] = lay, b->line[b->n] = line, b->rtl[b->n] = rtl;
        b->lw[b->n] = pw / (double)PANGO_SCALE * b->k;
        b->lh[b->n] = ph / (double)PANGO_SCALE * b->k;
        b->w = fmax(b->w, b->lw[b->n]);
        b->h += b->lh[b->n];
        b->n++;
        if (!nl)
            break;
        p = nl + 1;
    }
}

void bm__text_size(bm__labels *l, const char *text, double size, int bold, double *w, double *h)
{
    text_block b;
    block_make(l, text, size, bold, &b);
    *w = b.w, *h = b.h;
    block_free(&b);
}

void bm__text(bm__labels *l, cairo_t *cr, const char *text, double x, double y, double size,
              int bold, int align, bm__rgba colour, int halo, bm__rect *out)
{
    text_block b;
    block_make(l, text, size, bold, &b);
    double halo_w = halo ? fmax(1.6, size * 0.3) : 0, ly = y;
    for (int i = 0; i < b.n; i++) {
        double w = b.lw[i];
        double x0 = align == 0 ? x : align == 1 ? x - w / 2 : x - w;
        if (l->svg) {
            svg_line(l, cr, b.lay[i], b.k, b.line[i], x0, ly, w, align, b.rtl[i], size, bold, 0, 0,
                     colour, halo_w);
        } else {
            if (halo)
                halo_stroke(cr, b.lay[i], x0, ly, b.k, l->halo, halo_w);
            show_scaled(cr, b.lay[i], x0, ly, b.k, colour);
        }
        ly += b.lh[i];
    }
    if (out) {
        double x0 = align == 0 ? x : align == 1 ? x - b.w / 2 : x - b.w;
        *out = (bm__rect){x0, y, b.w, b.h};
    }
    block_free(&b);
}

int bm__labels_unknown_glyphs(const bm__labels *l)
{
    return l->unknown;
}

size_t bm__labels_count(const bm__labels *l)
{
    return l->nt;
}

const char *bm__labels_text(const bm__labels *l, size_t i)
{
    return i < l->nt ? l->texts[i] : NULL;
}

size_t bm__labels_placed(const bm__labels *l, const bm__rect **boxes)
{
    *boxes = l->placed;
    return l->np;
}

PangoLayout *bm__labels_layout(bm__labels *l, const char *text, double size)
{
    return make_line(l, text, size, 0, 0, 0, first_strong_rtl(text, NULL));
}

/* ---- SVG text elements ---------------------------------------------------------------- */

void bm__svg_texts_clear(bm__svg_texts *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static void xml_escaped(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static void svg_colour(FILE *fp, const char *attr, bm__rgba c)
{
    fprintf(fp, " %s=\"#%06X\"", attr, (unsigned)bm__rgb24(c));
    if (c.a < 1)
        fprintf(fp, " %s-opacity=\"%.3g\"", attr, c.a);
}

int bm__svg_texts_write(const bm__svg_texts *t, const char *family, FILE *fp)
{
    static const char *anchors[] = {"start", "middle", "end"};
    fputs("<g id=\"bordermap-text\" font-family=\"", fp);
    xml_escaped(fp, family);
    fputs(", sans-serif\" stroke-linejoin=\"round\">\n", fp);
    for (size_t i = 0; i < t->n; i++) {
        const bm__svg_text *e = &t->v[i];
        fprintf(fp, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.2f\"", e->x, e->y, e->size);
        if (fabs(e->angle) > 0.01)
            fprintf(fp, " transform=\"rotate(%.2f %.2f %.2f)\"", e->angle, e->x, e->y);
        if (e->bold)
            fputs(" font-weight=\"600\"", fp);
        if (e->italic)
            fputs(" font-style=\"italic\"", fp);
        if (e->rtl)
            fputs(" xml:lang=\"ar\" direction=\"rtl\" unicode-bidi=\"embed\"", fp);
        fprintf(fp, " text-anchor=\"%s\"", anchors[e->anchor]);
        if (e->spacing > 0)
            fprintf(fp, " letter-spacing=\"%.2f\"", e->spacing);
        svg_colour(fp, "fill", e->colour);
        if (e->halo_width > 0) {
            /* The halo is the text's own stroke painted first, under the fill. */
            svg_colour(fp, "stroke", e->halo);
            fprintf(fp, " stroke-width=\"%.2f\" paint-order=\"stroke\"", e->halo_width);
        }
        fputc('>', fp);
        xml_escaped(fp, e->text);
        fputs("</text>\n", fp);
    }
    fputs("</g>\n", fp);
    return ferror(fp) ? BM_EIO : BM_OK;
}
