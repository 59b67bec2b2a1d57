/* render_private.h: what render.c, labels.c, project.c, basemap.c and style.c share.
 * Never included outside src/: nothing here is API. */
#ifndef BORDERMAP_RENDER_PRIVATE_H
#define BORDERMAP_RENDER_PRIVATE_H

#include <pango/pangocairo.h>

#include "bordermap/render.h"

/* ---- Style (style.c) ----------------------------------------------------------------- */

typedef struct bm__rgba {
    double r, g, b, a;
} bm__rgba;

typedef enum bm__shape {
    BM_SHAPE_CIRCLE,
    BM_SHAPE_SQUARE,
    BM_SHAPE_TRIANGLE,
    BM_SHAPE_TRIANGLE_DOWN,
    BM_SHAPE_DIAMOND,
    BM_SHAPE_STAR,
    BM_SHAPE_PENTAGON,
    BM_SHAPE_HEXAGON,
    BM_SHAPE_PLUS,
    BM_SHAPE_CROSS
} bm__shape;

typedef struct bm__style {
    bm__rgba background, water, land, neighbour, iraq, syria, country_line, coast, admin_line;
    bm__rgba border_iq_sy, river, lake_line, graticule, text, text_muted, country_text;
    bm__rgba admin_text, water_text, halo, frame, crossing, town, locator_box;
    char title[256], title_ar[256], attribution[256];
    double margin;
    char sans[128];
    double title_size, subtitle_size, label_size, town_size, country_size, admin_size;
    double water_size, legend_size, small_size;
    double border_iq_sy_width, border_width, admin_width, river_major_width, river_minor_width;
    double frame_width, graticule_width;
    double symbol_size, symbol_max, colocated;
    int cluster_min;
    int size_by_fatalities;
    bm__rgba type_colour[BM_N_TYPES];
    bm__shape type_shape[BM_N_TYPES];
    char type_label_en[BM_N_TYPES][64], type_label_ar[BM_N_TYPES][96];
} bm__style;

void bm__style_defaults(bm__style *st);
/* Reads an INI style file over the defaults. BM_EPARSE with file:line on a bad line. */
int bm__style_load(const char *path, bm__style *st, bm_error *err);
void bm__set_rgba(cairo_t *cr, bm__rgba c);
void bm__set_rgba_alpha(cairo_t *cr, bm__rgba c, double alpha);

/* ---- Projection (project.c) -------------------------------------------------------- */

typedef struct bm__proj bm__proj;

/* A PROJ transformation from WGS84 lon/lat to crs (NULL: Lambert conformal conic with
 * standard parallels at 1/6 and 5/6 of the box's latitude span, centred on the box). */
int bm__proj_new(const char *crs, double w, double s, double e, double n, bm__proj **out,
                 bm_error *err);
void bm__proj_free(bm__proj *p);
/* In place: xy holds n lon,lat pairs and gets projected x,y (metres). Points that fail
 * become HUGE_VAL. */
void bm__proj_fwd(const bm__proj *p, double *xy, size_t n);
/* The projected bounding box of a lon/lat box, sampled along its edges (parallels curve). */
void bm__proj_box(const bm__proj *p, double w, double s, double e, double n, double out[4]);

/* Projected metres -> page points: page = (x - x0) * k + px, (y0 - y) * k + py. */
typedef struct bm__view {
    double x0, y0, k, px, py;
    double fx, fy, fw, fh; /* the map frame on the page */
} bm__view;

/* Fits the projected box into the frame, centred, keeping the aspect ratio. */
void bm__view_fit(bm__view *v, const double box[4], double fx, double fy, double fw, double fh);

static inline void bm__view_page(const bm__view *v, double x, double y, double *px, double *py)
{
    *px = (x - v->x0) * v->k + v->px;
    *py = (v->y0 - y) * v->k + v->py;
}

/* ---- Basemap (basemap.c) ----------------------------------------------------------- */

/* One feature in projected metres: parts (rings or lines) of part_len points each. */
typedef struct bm__feature {
    double *xy;
    int *part_len;
    int n_parts, n_points;
    double lx, ly;          /* label anchor, projected metres (HUGE_VAL when none) */
    double minx, miny, maxx, maxy;
    char code[16];          /* iso_a2 / iso_3166_2 / country */
    char name_en[96], name_ar[128];
    int level;              /* rivers: GSHHG level; lakes: 1 when labelled as water body */
} bm__feature;

typedef struct bm__layer {
    bm__feature *f;
    size_t n;
} bm__layer;

typedef struct bm__basemap {
    bm__layer countries, admin1, admin1_lines, borders, border_iq_sy, rivers, lakes;
    bm__layer locator;       /* projected with the locator projection */
    bm__layer world;         /* the locator countries in the map projection: the underlay
                                beyond the detailed layers' box */
    double corridor[4];      /* W S E N from the coverage table */
    double locator_box[4];
} bm__basemap;

/* Reads the layers intersecting the lon/lat box (plus a margin) and projects them. */
int bm__basemap_load(const char *path, const double box[4], const bm__proj *p,
                     const bm__proj *locator, bm__basemap *bm, bm_error *err);
/* Reads only the coverage boxes (the corridor extent before a projection exists). */
int bm__basemap_coverage(const char *path, double corridor[4], double locator[4],
                         bm_error *err);
void bm__basemap_free(bm__basemap *bm);
/* Index of the admin1 feature containing a projected point, or -1. */
long bm__basemap_admin1_at(const bm__basemap *bm, double x, double y);

/* ---- Labels (labels.c) ------------------------------------------------------------- */

typedef struct bm__rect {
    double x, y, w, h;
} bm__rect;

typedef struct bm__labels bm__labels;

typedef enum bm__anchor {
    BM_ANCHOR_CENTER,  /* centred on the point */
    BM_ANCHOR_AROUND   /* beside a symbol: right, left, above, below, in that order */
} bm__anchor;

typedef struct bm__label_spec {
    const char *en, *ar;   /* either may be NULL/empty */
    double x, y;           /* anchor on the page */
    double gap;            /* distance kept from the anchor for BM_ANCHOR_AROUND */
    double angle;          /* radians, for river names */
    double size;           /* points */
    int italic, bold, caps;
    double spacing;        /* letter spacing in points */
    bm__rgba colour;
    int priority;          /* lower is placed first */
    bm__anchor anchor;
} bm__label_spec;

bm__labels *bm__labels_new(PangoContext *ctx, const char *family, bm_render_lang lang,
                           bm__rgba halo);
void bm__labels_free(bm__labels *l);
/* Forgets the labels and obstacles of the previous frame (keeps the counters). */
void bm__labels_reset(bm__labels *l, bm__rect frame);
/* An area no label may cover (legend, inset, symbols). */
int bm__labels_obstacle(bm__labels *l, bm__rect r);
/* Marks a small area no label may cover (coarse, on a 2-point grid): for the thousands of
 * incident symbols, where bm__labels_obstacle's exact list would be slow. */
void bm__labels_mark(bm__labels *l, bm__rect r);
/* Queues a label; the text is copied. */
int bm__labels_add(bm__labels *l, const bm__label_spec *s);
/* Places the queued labels by priority, skipping those that collide or would be cut by the
 * frame, and draws them with halos. Returns the number placed. */
size_t bm__labels_place_and_draw(bm__labels *l, cairo_t *cr);
/* Lays out and draws one label at once, without collision checks (furniture text).
 * align: 0 left, 1 centre, 2 right of x. Returns the text's extent through out (may be NULL). */
void bm__text(bm__labels *l, cairo_t *cr, const char *text, double x, double y, double size,
              int bold, int align, bm__rgba colour, int halo, bm__rect *out);
/* Measures text like bm__text without drawing. */
void bm__text_size(bm__labels *l, const char *text, double size, int bold, double *w,
                   double *h);
/* A new layout of one line with the labels' direction rule (the first letter decides); the
 * caller unrefs it. For tests of the bidi cases. */
PangoLayout *bm__labels_layout(bm__labels *l, const char *text, double size);
int bm__labels_unknown_glyphs(const bm__labels *l);
size_t bm__labels_count(const bm__labels *l);
const char *bm__labels_text(const bm__labels *l, size_t i);

#endif
