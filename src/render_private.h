/* render_private.h: what the render module's files share (render.c, render_symbols.c,
 * render_furniture.c, render_output.c, labels.c, project.c, basemap.c, style.c).
 * Never included outside src/: nothing here is API. */
#ifndef BORDERMAP_RENDER_PRIVATE_H
#define BORDERMAP_RENDER_PRIVATE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

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
    bm__rgba admin_text, water_text, halo, frame, crossing, town, locator_box, panel;
    char title[256], title_ar[256], attribution[256];
    double margin;
    char sans[128];
    double title_size, subtitle_size, stamp_size, label_size, town_size, country_size;
    double admin_size, water_size, legend_size, small_size;
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
/* Multiplies every text size, the margin and the symbol sizes by k, and line widths by
 * sqrt(k): furniture that fits a small page. */
void bm__style_scale(bm__style *st, double k);
void bm__set_rgba(cairo_t *cr, bm__rgba c);
void bm__set_rgba_alpha(cairo_t *cr, bm__rgba c, double alpha);
/* 0xRRGGBB of an opaque colour (alpha ignored). */
uint32_t bm__rgb24(bm__rgba c);

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
    double lx, ly; /* label anchor, projected metres (HUGE_VAL when none) */
    double minx, miny, maxx, maxy;
    char code[64]; /* iso_a2 / iso_3166_2 / country / region id */
    char name_en[96], name_ar[128];
    int level; /* rivers: GSHHG level; lakes: 1 when labelled as water body */
} bm__feature;

/* Adds a basemap feature's parts to the current path in page coordinates,
 * starting a new subpath after each HUGE_VAL break; close != 0 closes rings. */
void bm__feature_path(cairo_t *cr, const bm__view *v, const bm__feature *f, int close);

typedef struct bm__layer {
    bm__feature *f;
    size_t n;
} bm__layer;

typedef struct bm__basemap {
    bm__layer countries, admin1, admin1_lines, borders, border_iq_sy, rivers, lakes;
    bm__layer locator;  /* projected with the locator projection */
    bm__layer world;    /* the locator countries in the map projection: the underlay
                           beyond the detailed layers' box */
    bm__layer regions;  /* gazetteer/regions.geojson: areas of region-level incidents */
    double corridor[4]; /* W S E N from the coverage table */
    double locator_box[4];
} bm__basemap;

/* The basemap file, open: its coverage boxes are read first (the corridor extent is needed
 * before a projection exists), its layers once the projection is known. */
typedef struct bm__basemap_src bm__basemap_src;

int bm__basemap_open(const char *path, bm__basemap_src **out, double corridor[4], double locator[4],
                     bm_error *err);
void bm__basemap_close(bm__basemap_src *src);
/* Reads the layers intersecting the lon/lat box and projects them. Features that cross the
 * box are clipped to it (GEOS runs only on those); features inside are taken whole. */
int bm__basemap_read(bm__basemap_src *src, const double box[4], const bm__proj *p,
                     const bm__proj *locator, bm__basemap *bm, bm_error *err);
/* Reads region polygons (a GeoJSON with an `id` property) into bm->regions. */
int bm__basemap_load_regions(const char *path, const bm__proj *p, bm__basemap *bm, bm_error *err);
void bm__basemap_free(bm__basemap *bm);
/* ---- Basemap cache (basemap_cache.c) ---------------------------------------------------- */

/* What one map's basemap load produces: the layers projected, clipped to load_box (lon/lat)
 * and thinned for a page scale of view_k, with the basemap's corridor and locator boxes. */
typedef struct bm__bcache_entry {
    bm__basemap bm;
    double view_k;
    double load_box[4];
} bm__bcache_entry;

/* A cache key: a digest of the three files' bytes (a missing file counts as absent) and of
 * params (the map's extent, projection, page and layout options). Free with
 * bm__bcache_key_free(). BM_ENOMEM only. */
typedef struct bm__bcache_key bm__bcache_key;
int bm__bcache_key_make(const char *basemap_path, const char *regions_path,
                        const char *style_path, const void *params, size_t params_len,
                        bm__bcache_key **out);
void bm__bcache_key_free(bm__bcache_key *k);
/* The entry for k: BM_OK with e filled (the caller owns it: bm__bcache_entry_free), or
 * BM_ENOTFOUND when there is none or it is corrupt, partial or of another version. */
int bm__bcache_load(const bm__bcache_key *k, bm__bcache_entry *e);
/* Writes e under k atomically, creating the cache directory. A status only: callers carry
 * on without the cache when it fails. */
int bm__bcache_store(const bm__bcache_key *k, const bm__bcache_entry *e);
/* Where k's entry lives (for tests); BM_ENOTFOUND when there is no cache directory. */
int bm__bcache_path(const bm__bcache_key *k, char *buf, size_t size);
void bm__bcache_entry_free(bm__bcache_entry *e);

/* The basemap's key digest (for keys derived from it, as the raster cache's). */
const unsigned char *bm__bcache_key_digest(const bm__bcache_key *k, size_t *len);

/* ---- Raster cache (raster_cache.c) ------------------------------------------------------ */

#define BM__RCACHE_KEY_LEN 16
/* The cairo state the basemap's layers leave on the context that drew them. */
typedef struct bm__rcache_state {
    int32_t line_cap, line_join, fill_rule, n_dash;
    double line_width, dash_offset, dash[16];
    double source[4]; /* a solid colour: r, g, b, a */
} bm__rcache_state;
/* Reads the entry for key into px (len bytes, the page's rows as cairo lays them out) and
 * st: BM_OK, or BM_ENOTFOUND when there is none or it is corrupt, partial or of another
 * version or size; px is then garbage. */
int bm__rcache_load(const unsigned char key[BM__RCACHE_KEY_LEN], unsigned char *px, size_t len,
                    bm__rcache_state *st);
/* Writes the entry atomically, creating the cache directory. A status only. */
int bm__rcache_store(const unsigned char key[BM__RCACHE_KEY_LEN], const unsigned char *px,
                     size_t len, const bm__rcache_state *st);
/* Where key's entry lives (for tests); BM_ENOTFOUND when there is no cache directory. */
int bm__rcache_path(const unsigned char key[BM__RCACHE_KEY_LEN], char *buf, size_t size);

/* Drops vertices closer than tol (projected metres) to the last one kept, in place: the
 * full-resolution coastlines and rivers carry far more points than a page can show. */
void bm__layer_simplify(bm__layer *l, double tol);
/* Whether a polygon feature contains a projected point (even-odd: holes are outside). */
int bm__feature_contains(const bm__feature *f, double x, double y);
/* Index of the feature of l containing a projected point, or -1. */
long bm__layer_find(const bm__layer *l, double x, double y);

/* ---- Labels (labels.c) ------------------------------------------------------------- */

typedef struct bm__rect {
    double x, y, w, h;
} bm__rect;

typedef struct bm__labels bm__labels;

typedef enum bm__anchor {
    BM_ANCHOR_CENTER, /* centred on the point */
    BM_ANCHOR_AROUND  /* beside a symbol: right, left, above, below, then the diagonals */
} bm__anchor;

typedef enum bm__dot {
    BM_DOT_NONE,   /* the point has its own symbol already (or none) */
    BM_DOT_TOWN,   /* a small ringed dot, drawn only when the label is placed */
    BM_DOT_CAPITAL /* a larger dot with a centre */
} bm__dot;

typedef struct bm__label_spec {
    const char *en, *ar; /* either may be NULL/empty */
    double x, y;         /* anchor on the page */
    double gap;          /* distance kept from the anchor for BM_ANCHOR_AROUND */
    double angle;        /* radians, for river names */
    double size;         /* points */
    int italic, bold, caps;
    double spacing; /* letter spacing in points */
    bm__rgba colour;
    int priority; /* lower is placed first */
    bm__anchor anchor;
    int rings;   /* BM_ANCHOR_AROUND: how many rings of positions to try (1-4), each
                    further out; BM_ANCHOR_CENTER: > 0 lets the label shift off its
                    point (area names) */
    int group;   /* > 0: alternatives of one label (a river's stretches): the first
                    placed wins, the others are dropped */
    bm__dot dot; /* drawn with the label, at (x, y) */
    bm__rgba dot_colour;
} bm__label_spec;

/* A text element for SVG output: where the renderer draws glyphs for PNG and PDF, an SVG
 * keeps the words (searchable, selectable, translatable). Coordinates are the SVG's user
 * units (points) after the cairo matrix of the moment. */
typedef struct bm__svg_text {
    char *text;
    double x, y;  /* the anchor on the baseline */
    double size;  /* font size in user units */
    double angle; /* degrees, clockwise */
    int bold, italic, rtl;
    int anchor;     /* 0 start, 1 middle, 2 end (SVG text-anchor, in the text's direction) */
    double spacing; /* letter spacing */
    bm__rgba colour;
    double halo_width; /* 0: none */
    bm__rgba halo;
} bm__svg_text;

typedef struct bm__svg_texts {
    bm__svg_text *v;
    size_t n, cap;
} bm__svg_texts;

void bm__svg_texts_clear(bm__svg_texts *t);
/* Writes the texts as one <g> of <text> elements (font family from the style). */
int bm__svg_texts_write(const bm__svg_texts *t, const char *family, FILE *fp);

bm__labels *bm__labels_new(PangoContext *ctx, const char *family, bm_render_lang lang,
                           bm__rgba halo);
void bm__labels_free(bm__labels *l);
/* With a list, text is collected as SVG text elements instead of drawn as glyphs; NULL
 * draws glyphs again. The list is borrowed until the next call. */
void bm__labels_set_svg(bm__labels *l, bm__svg_texts *texts);
/* Forgets the labels and obstacles of the previous frame (keeps the counters). */
void bm__labels_reset(bm__labels *l, bm__rect frame);
/* An area no label may cover (legend, inset, symbols). */
int bm__labels_obstacle(bm__labels *l, bm__rect r);
/* Marks a small area no label may cover (coarse, on a 2-point grid): for the thousands of
 * incident symbols, where bm__labels_obstacle's exact list would be slow. */
void bm__labels_mark(bm__labels *l, bm__rect r);
/* Whether a label could go there (inside the frame, clear of obstacles and labels). */
int bm__labels_free_at(const bm__labels *l, bm__rect r);
/* Whether r is inside the frame and clear of labels and exact obstacles (symbols aside). */
int bm__labels_hits_only_marks(const bm__labels *l, bm__rect r);
/* Queues a label; the text is copied. */
int bm__labels_add(bm__labels *l, const bm__label_spec *s);
/* Places the queued labels by priority, skipping those that collide or would be cut by the
 * frame, and draws them (and their dots) with halos. Returns the number placed. */
size_t bm__labels_place_and_draw(bm__labels *l, cairo_t *cr);
/* Lays out and draws text at once, without collision checks (furniture text). Each line
 * ('\n' separates them) gets the direction of its own first letter. align: 0 left, 1 centre,
 * 2 right of x, for every line. Returns the text's extent through out (may be NULL). */
void bm__text(bm__labels *l, cairo_t *cr, const char *text, double x, double y, double size,
              int bold, int align, bm__rgba colour, int halo, bm__rect *out);
/* Measures text like bm__text without drawing. */
void bm__text_size(bm__labels *l, const char *text, double size, int bold, double *w, double *h);
/* A new layout of one line with the labels' direction rule (the first letter decides); the
 * caller unrefs it. For tests of the bidi cases. */
PangoLayout *bm__labels_layout(bm__labels *l, const char *text, double size);
int bm__labels_unknown_glyphs(const bm__labels *l);
size_t bm__labels_count(const bm__labels *l);
const char *bm__labels_text(const bm__labels *l, size_t i);
/* Placed label boxes of the last frame (for checks); borrowed. */
size_t bm__labels_placed(const bm__labels *l, const bm__rect **boxes);

/* ---- The renderer (render.c and its helpers) ---------------------------------------- */

/* What a frame reads of an incident: bm_render_map keeps only this (a 100k map held
 * 1.7 KB per incident as bm_incident, 130 bytes as this); frames of bm_incident items get
 * a copy made per frame. */
typedef struct bm__finc {
    int64_t id;
    bm_date start, end;
    bm_lonlat pt;
    int type; /* type index, -1 unknown */
    int geo, fatalities, n_sources;
    char place_id[64];
} bm__finc;

void bm__finc_from(bm__finc *d, const bm_incident *inc);

/* The renderer's own copy of an incident: only what the static layers and the layout use
 * (small: a 100k-incident map copies it whole). */
typedef struct bm__rinc {
    bm_date start, end;
    int type, geo;
    bm_lonlat pt;
} bm__rinc;

/* A place with its rank (maps/place-ranks.tsv) and page position. */
typedef struct bm__rplace {
    bm_place p;
    int rank;    /* 1 capital, 2 governorate capital, 3 key corridor town, 9 other */
    int kind;    /* BM_PK_* */
    double x, y; /* page points; HUGE_VAL outside the frame */
} bm__rplace;

enum { BM_PK_TOWN, BM_PK_CROSSING, BM_PK_AREA, BM_PK_COUNTRY, BM_PK_OTHER };

#define BM__SPRITE_STEPS 160 /* symbol diameters in quarter points: up to 40 pt */

typedef struct bm__sprite {
    cairo_surface_t *s;
    int half;           /* the centre, in pixels from the top left */
    int x0, y0, x1, y1; /* the pixels that are not transparent: [x0, x1) x [y0, y1) */
    short *span;        /* per row: the first and one past the last such pixel, then the
                           longest run of opaque pixels in between (4 shorts a row) */
} bm__sprite;

typedef struct bm__corner {
    bm__rect r;
    int used;
} bm__corner;

struct bm_renderer {
    bm_render_opts o;
    char *title, *crs;
    char style_path[1024], basemap_path[1024];
    bm__style st;
    int ready;
    /* The basemap stage (extent, projections, fit, layers) run in a thread of its own while
     * the caller queries the store (bm_render_map); joined before anything reads them. */
    pthread_t basemap_th;
    int basemap_running, basemap_done, basemap_rc;
    bm_error basemap_err;
    double ext[4];
    bm__proj *proj, *lproj;
    bm__view view, lview;
    bm__basemap bm;
    bm__rplace *places;
    size_t n_places, cap_places;
    size_t *place_order; /* places sorted by id, for lookups by incident place_id */
    bm__rinc *incs;
    size_t n_incs;
    char (*imprecise_ids)[64]; /* place ids of the imprecise (geo_precision 3) incidents */
    size_t n_imprecise;
    int one_shot; /* drawing a single page (bm_renderer_write): static layers
                     straight onto it, no raster kept */
    int types_present[BM_N_TYPES];
    int has_colocated, has_areas, n_unmapped;
    char months_en[12][16], months_ar[12][48];
    double km_per_pt;
    /* Layout, page points. */
    double title_h, timeline_y, timeline_h, attrib_y;
    bm__rect inset, legend_area, scalebar, stamp_area;
    int legend_outside;
    /* Static layers: a raster of them for image targets (keyed on the target's size and
     * matrix), a recording for vector targets. */
    cairo_surface_t *stat;
    cairo_surface_t *cache;
    int cache_w, cache_h;
    cairo_matrix_t cache_m;
    /* The basemap cache's key digest of this map (0 when none): the raster cache's keys
     * start from it. */
    unsigned char bkey[BM__RCACHE_KEY_LEN];
    int has_bkey;
    bm__rect *sobs; /* obstacles the static layers leave for labels (graticule labels,
                       crossing symbols) */
    size_t n_sobs, cap_sobs;
    bm__svg_texts *svg; /* non-NULL while drawing an SVG with real text */
    PangoContext *pctx;
    bm__labels *labels;
    double *pxy; /* the frame's items on the page: x, y pairs (HUGE_VAL when off) */
    int *ptype;  /* and their type indices (-1 for an unknown type) */
    const bm__finc *fi; /* the frame's incidents, as the frame reads them */
    bm__finc *fi_buf;   /* fi when copied from the frame's bm_incident items */
    const bm__finc *map_fi; /* bm_render_map's incidents, aligned with its items */
    size_t cap_pxy;
    /* Hatching tiles by colour and opacity, kept for the renderer's life: cairo's SVG surface
     * reads a pattern's surface when the document is finished, not when it is drawn. */
    struct {
        uint32_t rgb;
        int level;
        double spacing;
        cairo_pattern_t *p;
    } hatch[64];
    int n_hatch;
    bm__sprite sprite[BM_N_TYPES][BM__SPRITE_STEPS];
    bm__sprite ring[16], dot;
    double sprite_scale;
};

int bm__static_obstacle(bm_renderer *r, bm__rect b);
/* A page point for an area's name or count: its own label point when that lies inside the
 * frame (inset by margin), else a point of the area's visible part, searched on a grid.
 * Returns 0 when none of it is visible. */
int bm__visible_anchor(const bm_renderer *r, const bm__feature *f, double margin, double *x,
                       double *y);
const bm__rplace *bm__find_place(const bm_renderer *r, const char *id);

/* render_symbols.c */
double bm__symbol_diameter(const bm__style *st, const bm__finc *inc);
void bm__draw_symbol(cairo_t *cr, const bm__style *st, int type, double x, double y, double d,
                     double alpha);
/* The area conventions drawn in the legend. */
void bm__draw_hatch_sample(bm_renderer *r, cairo_t *cr, bm__rgba c, double x, double y, double w,
                           double h);
void bm__hatch_free(bm_renderer *r);
void bm__draw_cluster_sample(cairo_t *cr, const bm__style *st, double x, double y, double rad);
void bm__sprites_free(bm_renderer *r);
/* Imprecise (geo_precision 3) incidents: one translucent hatched area per governorate or
 * region with a count, never stacked per incident. Returns the incidents drawn. */
void bm__draw_areas(bm_renderer *r, cairo_t *cr, const bm_render_frame *f);
/* Precise incidents: symbols, co-located ones spread on a ring or clustered with a count;
 * marks every symbol as a label obstacle. */
int bm__draw_incidents(bm_renderer *r, cairo_t *cr, const bm_render_frame *f, bm_error *err);

/* render_furniture.c */
void bm__draw_title(bm_renderer *r, cairo_t *cr);
void bm__draw_attribution(bm_renderer *r, cairo_t *cr);
void bm__draw_inset(bm_renderer *r, cairo_t *cr);
void bm__draw_scalebar_north(bm_renderer *r, cairo_t *cr);
void bm__draw_timeline(bm_renderer *r, cairo_t *cr);
void bm__draw_cursor(bm_renderer *r, cairo_t *cr, const bm_render_frame *f);
/* The legend's size for the incident types present (fixed for every frame). */
void bm__legend_size(bm_renderer *r, double *w, double *h);
void bm__draw_legend(bm_renderer *r, cairo_t *cr, const int counts[BM_N_TYPES]);
void bm__draw_stamp(bm_renderer *r, cairo_t *cr, const char *stamp);
/* The stamp's size at the style's stamp_size. */
void bm__stamp_size(bm_renderer *r, const char *sample, double *w, double *h);
void bm__period(const bm_renderer *r, bm_date *from, bm_date *to, int *has);

/* Runs fn(a) here and fn(b) on a second thread, both done on return; when no thread can be
 * started, fn(b) runs here after fn(a) (the two must not depend on each other's order). */
void bm__run_pair(void *(*fn)(void *), void *a, void *b);

/* render_output.c */
/* Writes an ARGB32 image (cairo's premultiplied layout) as PNG to fp with a fast zlib level:
 * RGB when every pixel is opaque, RGBA otherwise. */
int bm__png_write(const unsigned char *argb, int w, int h, int stride, FILE *fp, bm_error *err);
/* Writes svg (a complete document from cairo) to fp with the text elements inserted just
 * before its closing </svg>. */
int bm__svg_write_with_text(const char *svg, size_t len, const bm__svg_texts *t, const char *family,
                            FILE *fp, bm_error *err);

#endif
