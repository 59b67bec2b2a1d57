/* labels.c: map labels with Pango (HarfBuzz shaping, bidi), halos, and collision avoidance by
 * priority: a label that would overlap a placed one, an obstacle or the frame edge is dropped.
 * Must never let a line's direction be guessed where the order matters: every Arabic line is
 * laid out right-to-left and every Latin line left-to-right, explicitly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_private.h"

typedef struct label {
    bm__label_spec s;
    char *en, *ar;
    PangoLayout *lines[2]; /* top to bottom; NULL when absent */
    double lw[2], lh[2];
    double w, h;
    size_t order;
} label;

#define GRID_CELL 2.0 /* points */

struct bm__labels {
    PangoContext *ctx;
    char *family;
    bm_render_lang lang;
    bm__rgba halo;
    label *q;
    size_t nq, capq;
    bm__rect *placed;
    size_t np, capp;
    bm__rect frame;
    /* Occupancy grid over the frame for the many small obstacles (incident symbols): a list
     * would make every label test scan 100k rectangles. */
    unsigned char *grid;
    int gw, gh;
    int unknown;
    char **texts;
    size_t nt, capt;
};

bm__labels *bm__labels_new(PangoContext *ctx, const char *family, bm_render_lang lang,
                           bm__rgba halo)
{
    bm__labels *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->ctx = g_object_ref(ctx);
    l->family = strdup(family);
    l->lang = lang;
    l->halo = halo;
    if (!l->family) {
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
    free(l->placed);
    free(l->grid);
    clear_texts(l);
    free(l->texts);
    free(l->family);
    if (l->ctx)
        g_object_unref(l->ctx);
    free(l);
}

void bm__labels_reset(bm__labels *l, bm__rect frame)
{
    for (size_t i = 0; i < l->nq; i++)
        label_clear(&l->q[i]);
    l->nq = 0;
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

static void grid_span(const bm__labels *l, bm__rect r, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = (int)floor((r.x - l->frame.x) / GRID_CELL);
    *y0 = (int)floor((r.y - l->frame.y) / GRID_CELL);
    *x1 = (int)floor((r.x + r.w - l->frame.x) / GRID_CELL);
    *y1 = (int)floor((r.y + r.h - l->frame.y) / GRID_CELL);
    *x0 = *x0 < 0 ? 0 : *x0, *y0 = *y0 < 0 ? 0 : *y0;
    *x1 = *x1 >= l->gw ? l->gw - 1 : *x1, *y1 = *y1 >= l->gh ? l->gh - 1 : *y1;
}

void bm__labels_mark(bm__labels *l, bm__rect r)
{
    int x0, y0, x1, y1;
    if (!l->grid)
        return;
    grid_span(l, r, &x0, &y0, &x1, &y1);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            l->grid[(size_t)y * (size_t)l->gw + (size_t)x] = 1;
}

static int grid_hit(const bm__labels *l, bm__rect r)
{
    int x0, y0, x1, y1;
    if (!l->grid)
        return 0;
    grid_span(l, r, &x0, &y0, &x1, &y1);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (l->grid[(size_t)y * (size_t)l->gw + (size_t)x])
                return 1;
    return 0;
}

static int push_rect(bm__labels *l, bm__rect r)
{
    if (l->np == l->capp) {
        size_t cap = l->capp * 2 + 64;
        bm__rect *p = realloc(l->placed, cap * sizeof *p);
        if (!p)
            return BM_ENOMEM;
        l->placed = p, l->capp = cap;
    }
    l->placed[l->np++] = r;
    return BM_OK;
}

int bm__labels_obstacle(bm__labels *l, bm__rect r)
{
    return push_rect(l, r);
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

/* One line of one script. rtl fixes the paragraph direction instead of letting Pango guess
 * from the first strong character, which goes wrong for "(2) حلب" or "T2 محطة". */
static PangoLayout *make_line(bm__labels *l, const char *text, double size, int bold,
                              int italic, double spacing, int rtl)
{
    PangoLayout *lay = pango_layout_new(l->ctx);
    PangoFontDescription *fd = pango_font_description_from_string(l->family);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_SEMIBOLD : PANGO_WEIGHT_NORMAL);
    if (italic && !rtl)
        pango_font_description_set_style(fd, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(lay, fd);
    pango_font_description_free(fd);
    pango_layout_set_auto_dir(lay, FALSE);
    PangoContext *c = pango_layout_get_context(lay);
    pango_context_set_base_dir(c, rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
    pango_layout_context_changed(lay);
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

/* pango_layout_set_auto_dir(FALSE) makes the context's base direction rule the paragraph;
 * a layout shares its context, so each direction gets its own context. */
static PangoLayout *make_line_dir(bm__labels *l, const char *text, double size, int bold,
                                  int italic, double spacing, int rtl)
{
    PangoContext *saved = l->ctx;
    PangoContext *c = pango_font_map_create_context(pango_context_get_font_map(saved));
    pango_cairo_context_set_resolution(c, pango_cairo_context_get_resolution(saved));
    pango_cairo_context_set_font_options(c, pango_cairo_context_get_font_options(saved));
    l->ctx = c;
    PangoLayout *lay = make_line(l, text, size, bold, italic, spacing, rtl);
    l->ctx = saved;
    g_object_unref(c);
    return lay;
}

static char *upper(const char *s)
{
    gchar *u = g_utf8_strup(s, -1);
    char *r = u ? strdup(u) : NULL;
    g_free(u);
    return r;
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
    lb->s.en = lb->en, lb->s.ar = lb->ar;
    int k = 0;
    if (lb->en)
        lb->lines[k++] = make_line_dir(l, lb->en, s->size, s->bold, s->italic, s->spacing, 0);
    if (lb->ar)
        lb->lines[k++] = make_line_dir(l, lb->ar, s->size * 1.05, s->bold, 0, 0, 1);
    lb->w = lb->h = 0;
    for (int i = 0; i < k; i++) {
        PangoRectangle ink, logical;
        pango_layout_get_extents(lb->lines[i], &ink, &logical);
        lb->lw[i] = logical.width / (double)PANGO_SCALE;
        /* Tighter than the logical height: Naskh's tall line box would space lines apart. */
        lb->lh[i] = logical.height / (double)PANGO_SCALE * 0.86;
        lb->w = fmax(lb->w, lb->lw[i]);
        lb->h += lb->lh[i];
    }
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

static int free_spot(const bm__labels *l, bm__rect r)
{
    if (!inside_frame(l, r) || grid_hit(l, r))
        return 0;
    for (size_t i = 0; i < l->np; i++)
        if (overlaps(r, l->placed[i]))
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

/* The box a rotated label covers, axis-aligned (conservative). */
static bm__rect rotated_box(const label *lb, double cx, double cy)
{
    double c = fabs(cos(lb->s.angle)), s = fabs(sin(lb->s.angle));
    double w = lb->w * c + lb->h * s, h = lb->w * s + lb->h * c;
    return (bm__rect){cx - w / 2, cy - h / 2, w, h};
}

static void draw_label(bm__labels *l, cairo_t *cr, const label *lb, double cx, double cy)
{
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, lb->s.angle);
    double y = -lb->h / 2;
    double halo_w = fmax(1.6, lb->s.size * 0.32);
    for (int i = 0; i < 2 && lb->lines[i]; i++) {
        double x = -lb->lw[i] / 2;
        double yoff = y - (lb->lh[i] / 0.86 - lb->lh[i]) / 2;
        cairo_move_to(cr, x, yoff);
        pango_cairo_layout_path(cr, lb->lines[i]);
        bm__set_rgba(cr, l->halo);
        cairo_set_line_width(cr, halo_w);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_move_to(cr, x, yoff);
        bm__set_rgba(cr, lb->s.colour);
        pango_cairo_show_layout(cr, lb->lines[i]);
        y += lb->lh[i];
    }
    cairo_restore(cr);
}

size_t bm__labels_place_and_draw(bm__labels *l, cairo_t *cr)
{
    qsort(l->q, l->nq, sizeof *l->q, by_priority);
    size_t placed = 0;
    for (size_t i = 0; i < l->nq; i++) {
        const label *lb = &l->q[i];
        double x = lb->s.x, y = lb->s.y, g = lb->s.gap;
        double cand[8][2];
        int nc = 0;
        if (lb->s.anchor == BM_ANCHOR_CENTER) {
            cand[nc][0] = x, cand[nc++][1] = y;
        } else {
            double hw = lb->w / 2, hh = lb->h / 2;
            cand[nc][0] = x + g + hw, cand[nc++][1] = y;
            cand[nc][0] = x - g - hw, cand[nc++][1] = y;
            cand[nc][0] = x, cand[nc++][1] = y - g - hh;
            cand[nc][0] = x, cand[nc++][1] = y + g + hh;
            cand[nc][0] = x + g * 0.7 + hw, cand[nc++][1] = y - g * 0.7 - hh;
            cand[nc][0] = x - g * 0.7 - hw, cand[nc++][1] = y - g * 0.7 - hh;
            cand[nc][0] = x + g * 0.7 + hw, cand[nc++][1] = y + g * 0.7 + hh;
            cand[nc][0] = x - g * 0.7 - hw, cand[nc++][1] = y + g * 0.7 + hh;
        }
        for (int c = 0; c < nc; c++) {
            bm__rect r = rotated_box(lb, cand[c][0], cand[c][1]);
            /* A hair of padding keeps neighbouring halos from touching. */
            bm__rect padded = {r.x - 1, r.y - 0.5, r.w + 2, r.h + 1};
            if (!free_spot(l, padded))
                continue;
            draw_label(l, cr, lb, cand[c][0], cand[c][1]);
            push_rect(l, padded);
            placed++;
            break;
        }
    }
    return placed;
}

/* The direction of the first letter, close to the Unicode bidi algorithm's paragraph rule
 * (P2): "Clash · اشتباك" is left-to-right, "غارة (2)" right-to-left. */
static int first_strong_rtl(const char *text)
{
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        GUnicodeScript sc = g_unichar_get_script(c);
        if (!g_unichar_isalpha(c))
            continue; /* digits, brackets and punctuation are weak or neutral */
        return sc == G_UNICODE_SCRIPT_ARABIC || sc == G_UNICODE_SCRIPT_HEBREW ||
               sc == G_UNICODE_SCRIPT_SYRIAC || sc == G_UNICODE_SCRIPT_THAANA;
    }
    return 0;
}

void bm__text_size(bm__labels *l, const char *text, double size, int bold, double *w, double *h)
{
    int rtl = first_strong_rtl(text);
    PangoLayout *lay = make_line_dir(l, text, size, bold, 0, 0, rtl);
    int pw, ph;
    pango_layout_get_size(lay, &pw, &ph);
    *w = pw / (double)PANGO_SCALE;
    *h = ph / (double)PANGO_SCALE;
    g_object_unref(lay);
}

/* Furniture text: the direction follows the script of the text (Arabic letters anywhere make
 * the paragraph right-to-left), since titles and legend lines are one language each. */
void bm__text(bm__labels *l, cairo_t *cr, const char *text, double x, double y, double size,
              int bold, int align, bm__rgba colour, int halo, bm__rect *out)
{
    int rtl = first_strong_rtl(text);
    PangoLayout *lay = make_line_dir(l, text, size, bold, 0, 0, rtl);
    int pw, ph;
    pango_layout_get_size(lay, &pw, &ph);
    double w = pw / (double)PANGO_SCALE, h = ph / (double)PANGO_SCALE;
    double x0 = align == 0 ? x : align == 1 ? x - w / 2 : x - w;
    if (halo) {
        cairo_move_to(cr, x0, y);
        pango_cairo_layout_path(cr, lay);
        bm__set_rgba(cr, l->halo);
        cairo_set_line_width(cr, fmax(1.6, size * 0.3));
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, x0, y);
    bm__set_rgba(cr, colour);
    pango_cairo_show_layout(cr, lay);
    g_object_unref(lay);
    if (out)
        *out = (bm__rect){x0, y, w, h};
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

PangoLayout *bm__labels_layout(bm__labels *l, const char *text, double size)
{
    return make_line_dir(l, text, size, 0, 0, 0, first_strong_rtl(text));
}
