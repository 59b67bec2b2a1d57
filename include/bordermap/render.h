/* bordermap/render.h: maps of the incidents over the corridor basemap with Cairo and Pango:
 * PNG, PDF and SVG files, and the frame drawing that `animate` reuses.
 * Must never query the store while drawing a frame: callers hand incidents in. */
#ifndef BORDERMAP_RENDER_H
#define BORDERMAP_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <cairo.h>

#include "bordermap/common.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bm_render_lang { BM_LANG_EN = 0, BM_LANG_AR = 1, BM_LANG_BOTH = 2 } bm_render_lang;

typedef enum bm_render_format {
    BM_RENDER_PNG = 0,
    BM_RENDER_PDF = 1,
    BM_RENDER_SVG = 2
} bm_render_format;

typedef enum bm_extent_kind {
    BM_EXTENT_CORRIDOR = 0, /* the corridor box stored in the basemap */
    BM_EXTENT_DATA = 1,     /* the incidents' bounding box, padded */
    BM_EXTENT_BOX = 2       /* west/south/east/north below */
} bm_extent_kind;

/* Caller-allocated; bm_render_opts_init() fills the defaults. Strings are borrowed for the
 * duration of the call that takes the options (bm_renderer_new copies what it keeps). */
typedef struct bm_render_opts {
    double page_w, page_h;  /* page size in points (1/72 in); default 1000 x 750 px at 96 dpi */
    double dpi;             /* raster resolution: pixels = points * dpi / 72 (default 96) */
    bm_render_lang lang;    /* default BM_LANG_BOTH */
    const char *title;      /* NULL: the style's default title */
    const char *style_path; /* NULL: maps/style.ini through bm_data_path() */
    const char *basemap_path; /* NULL: maps/basemap.gpkg through bm_data_path() */
    const char *crs;        /* PROJ string or code; NULL: conformal conic fitted to the extent */
    bm_extent_kind extent;  /* default BM_EXTENT_CORRIDOR */
    double west, south, east, north; /* BM_EXTENT_BOX (and filled in for the others) */
    int has_from, has_to;   /* the period shown in the subtitle and on the timeline */
    bm_date from, to;       /* unset ends default to the incidents' first and last dates */
    int furniture;          /* BM_FURN_* bits; default BM_FURN_ALL */
} bm_render_opts;

enum {
    BM_FURN_TITLE = 1 << 0,
    BM_FURN_LEGEND = 1 << 1,
    BM_FURN_SCALEBAR = 1 << 2,
    BM_FURN_NORTH = 1 << 3,
    BM_FURN_GRATICULE = 1 << 4,
    BM_FURN_INSET = 1 << 5,
    BM_FURN_ATTRIBUTION = 1 << 6,
    BM_FURN_TIMELINE = 1 << 7,
    BM_FURN_ALL = 0xff
};

void bm_render_opts_init(bm_render_opts *o);
/* Sets the page from a pixel size at o->dpi. BM_EINVAL for sizes outside 16..20000 px. */
int bm_render_opts_set_pixels(bm_render_opts *o, int width_px, int height_px);
/* Sets the page from "A4", "A3" or "letter" (portrait unless landscape). BM_EINVAL otherwise. */
int bm_render_opts_set_paper(bm_render_opts *o, const char *name, int landscape);
/* Pixel size of the page at o->dpi (rounded). */
void bm_render_opts_pixels(const bm_render_opts *o, int *width_px, int *height_px);
/* Parses "ar", "en" or "both". */
int bm_render_lang_parse(const char *s, bm_render_lang *out);
/* From the output name: .png, .pdf, .svg (case-insensitive). BM_EINVAL otherwise. */
int bm_render_format_for_path(const char *path, bm_render_format *out, bm_error *err);

/* ---- The renderer: static layers once, frames many times ----------------------------- */

typedef struct bm_renderer bm_renderer;

/* Loads the style, the basemap (clipped to the extent) and the projection, and lays out the
 * page. For BM_EXTENT_DATA the extent comes from the incidents given to
 * bm_renderer_set_incidents(), so call that before the first frame. Free with
 * bm_renderer_free(). */
int bm_renderer_new(const bm_render_opts *o, bm_renderer **out, bm_error *err);
void bm_renderer_free(bm_renderer *r);

/* Copies the places the map uses: cities and towns (labelled dots by rank, from
 * maps/place-ranks.tsv, then by population), crossings (symbols), and governorates, regions
 * and countries (the areas of imprecise incidents). Optional; call before the first frame. */
int bm_renderer_load_places(bm_renderer *r, bm_store *store, bm_error *err);
/* Adds one place (copied); for callers without a store. */
int bm_renderer_add_place(bm_renderer *r, const bm_place *p, bm_error *err);

/* The whole set of incidents of the map or animation (copied): it fixes the data extent, the
 * default period and the timeline strip's bars. Call before the first frame. */
int bm_renderer_set_incidents(bm_renderer *r, const bm_incident *incs, size_t n, bm_error *err);

/* One incident as a frame shows it. inc is borrowed for the call. */
typedef struct bm_render_item {
    const bm_incident *inc;
    double scale; /* symbol size factor (1 = normal) */
    double alpha; /* opacity 0..1 */
} bm_render_item;

/* What changes from frame to frame. All pointers are borrowed for the call. */
typedef struct bm_render_frame {
    const bm_render_item *items; /* drawn in order: later on top */
    size_t n_items;
    const int *counts;         /* legend counts per type, or NULL: counted from items */
    const char *stamp;         /* a date stamp drawn large (the style's stamp_size) in a
                                  corner of the map, or NULL; lines split at '\n', each laid
                                  out in the direction of its own first letter. A stamp in the
                                  first frame reserves a corner for it in the layout. */
    int has_cursor;            /* highlight [cursor_from, cursor_to] on the timeline */
    bm_date cursor_from, cursor_to;
} bm_render_frame;

/* Draws one whole page onto cr at the page's own scale (the caller scales cr for raster
 * output: points * dpi / 72). The page is laid out on the first call. The static layers are
 * drawn once: as pixels for image targets (kept while the target's size and matrix stay the
 * same, then painted with CAIRO_OPERATOR_SOURCE), as a recording for vector targets. Labels
 * are placed per frame (incident places first). */
int bm_renderer_draw_frame(bm_renderer *r, cairo_t *cr, const bm_render_frame *f,
                           bm_error *err);
/* Draws frame f and writes it to path (PNG, PDF or SVG by its extension) atomically, at the
 * renderer's page size and dpi. SVG keeps every label and furniture text as <text> elements
 * (xml:lang="ar" with right-to-left direction for Arabic). overwrite == 0 refuses an existing
 * file (BM_EEXIST). */
int bm_renderer_write(bm_renderer *r, const bm_render_frame *f, const char *path, int overwrite,
                      bm_error *err);

/* Page size in points and the raster size at the options' dpi. */
void bm_renderer_page(const bm_renderer *r, double *w_pt, double *h_pt, int *w_px, int *h_px);
/* Page position (points) of a lon/lat after projection; BM_EPROJ when it cannot be
 * projected. Outside the map frame is allowed (the caller checks). */
int bm_renderer_project(const bm_renderer *r, bm_lonlat ll, double *x, double *y);
/* The map frame on the page, in points. */
void bm_renderer_map_frame(const bm_renderer *r, double *x, double *y, double *w, double *h);
/* The style's colour for incident type i (0..BM_N_TYPES-1), 0..1 each; 0 for a bad i. */
int bm_renderer_type_rgb(const bm_renderer *r, int type, double rgb[3]);
/* The style's colours as 0xRRGGBB, for palettes (the GIF writer's): grounds are area fills,
 * the page background first; inks are the incident types' colours, then lines and text.
 * Fills at most max_* of each (duplicates dropped) and sets the counts. */
void bm_renderer_style_colours(const bm_renderer *r, uint32_t *grounds, size_t max_grounds,
                               size_t *n_grounds, uint32_t *inks, size_t max_inks,
                               size_t *n_inks);
/* The geographic extent the map shows (after BM_EXTENT_DATA is resolved). */
void bm_renderer_extent(const bm_renderer *r, double *west, double *south, double *east,
                        double *north);
/* Glyphs Pango could not find in any font, summed over every label laid out so far. */
int bm_renderer_unknown_glyphs(const bm_renderer *r);
/* Every label text laid out so far (for checks); borrowed, valid until the next frame. */
size_t bm_renderer_label_count(const bm_renderer *r);
const char *bm_renderer_label_text(const bm_renderer *r, size_t i);
/* The boxes (x, y, w, h in points, four doubles each) of the labels placed in the last frame,
 * for checks; borrowed, valid until the next frame. Returns how many. */
size_t bm_renderer_label_boxes(const bm_renderer *r, const double **xywh);

/* ---- One-shot maps ------------------------------------------------------------------- */

/* Queries the incidents matching q (its dates also set the period unless o has its own),
 * loads the places, draws one frame with everything and writes path (PNG, PDF or SVG by its
 * extension) atomically. overwrite == 0 refuses an existing file (BM_EEXIST). *n_drawn (may
 * be NULL) gets the number of incidents drawn. */
int bm_render_map(const bm_render_opts *o, bm_store *store, const bm_query *q, const char *path,
                  int overwrite, size_t *n_drawn, bm_error *err);

/* Writes the first page drawn by cb(cr, user) to path in the given format and size,
 * atomically: the building block of bm_render_map for callers with their own drawing. */
typedef int (*bm_render_draw_cb)(cairo_t *cr, void *user, bm_error *err);
int bm_render_write(const char *path, bm_render_format fmt, double w_pt, double h_pt,
                    double dpi, int overwrite, bm_render_draw_cb cb, void *user, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
