/* gif_writer_private.h: the animated GIF writer behind `bordermap animate`:
 * a global palette built from the map style's colours, nearest-colour mapping
 * and frame-difference encoding through giflib.
 * Internal to libbordermap (bm__ prefix); never a GPL quantiser. */
#ifndef BORDERMAP_GIF_WRITER_PRIVATE_H
#define BORDERMAP_GIF_WRITER_PRIVATE_H

#include <stdint.h>

#include "bordermap/common.h"

typedef struct bm__rgb {
    uint8_t r, g, b;
} bm__rgb;

/* A GIF global palette. Slot 0 is reserved for transparency (frame
 * differences) and is never chosen as a colour. */
typedef struct bm__palette {
    int n; /* slots in use, including the transparent slot 0 */
    bm__rgb c[256];
} bm__palette;

#define BM__PAL_TRANSPARENT 0

/* An empty palette (only the transparent slot). */
void bm__palette_init(bm__palette *p);
/* Adds c unless a colour within min_dist (RGB distance) is already there.
 * Returns its slot, the near colour's slot, or -1 when the palette is full. */
int bm__palette_add(bm__palette *p, bm__rgb c, int min_dist);
/* Fills the palette in priority order: grounds (fills behind everything, the
 * first one being the background), inks (strokes, symbols, text), a grey
 * ramp, each of the first n_blend_inks inks (0: all) blended over each ground
 * at several alpha levels (the shades antialiasing and fading produce),
 * ground over ground blends, then the most frequent exact colours of `sample`
 * (an ARGB32 frame, may be NULL) that the palette does not already hold, then
 * finer blends. Either list may be empty; without grounds, the sample's
 * dominant fills (2% of its pixels or more) serve. */
void bm__palette_build(bm__palette *p, const bm__rgb *grounds, size_t n_grounds,
                       const bm__rgb *inks, size_t n_inks, size_t n_blend_inks,
                       const uint32_t *sample, int width, int height, int stride_bytes);
/* Slot of the palette colour nearest to c (never the transparent slot). */
int bm__palette_nearest(const bm__palette *p, bm__rgb c);

typedef struct bm__gif_writer bm__gif_writer;

/* Opens an animated GIF at path (atomically: nothing appears under that name
 * before bm__gif_finish). loop_count 0 loops forever. The palette is copied. */
int bm__gif_open(const char *path, int overwrite, int width, int height, const bm__palette *pal,
                 int loop_count, bm__gif_writer **out, bm_error *err);
/* Appends a frame: ARGB32 pixels as cairo lays them out (premultiplied,
 * native-endian uint32), composited over the palette's first colour (the
 * first ground) where not opaque. delay_ms is turned into centiseconds
 * keeping the running total exact, and never below 2 cs (browsers stretch
 * shorter delays to 10 cs). */
int bm__gif_add_frame(bm__gif_writer *g, const unsigned char *argb, int stride_bytes, int delay_ms,
                      bm_error *err);
/* Writes the trailer and renames the file into place; frees g either way. */
int bm__gif_finish(bm__gif_writer *g, bm_error *err);
/* Discards the output; NULL does nothing. */
void bm__gif_abort(bm__gif_writer *g);
/* Bytes of pixel data emitted so far (for reporting the effect of the
 * frame-difference encoding). */
int64_t bm__gif_pixels_written(const bm__gif_writer *g);

#endif
