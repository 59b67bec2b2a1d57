/* basemap_geom_private.h: WKB walking and the GEOS operations of the basemap's reading
 * (basemap_geom.c), for basemap.c. */
#ifndef BM_BASEMAP_GEOM_PRIVATE_H
#define BM_BASEMAP_GEOM_PRIVATE_H

#include <math.h>
#include <stddef.h>

#include "render_private.h"

/* A WKB double at p (8 bytes, unaligned), byte-swapped when swap != 0. */
double bm__wkb_dbl(const unsigned char *p, int swap);
/* The lon/lat envelope (W S E N) of every coordinate; all zero when empty. -1 when the
 * blob is malformed (truncated, unknown type). ISO and extended WKB, Z and M skipped. */
int bm__wkb_envelope(const unsigned char *wkb, size_t len, double env[4]);
/* Appends every linestring and ring of two points or more (any nesting) to f as parts, in
 * lon/lat; points are skipped. -1 when malformed or out of memory (f keeps what it had:
 * free it). */
int bm__wkb_collect(const unsigned char *wkb, size_t len, bm__feature *f);

/* A GEOS context of its own (no global state). NULL when out of memory. */
typedef struct bm__geos bm__geos;
bm__geos *bm__geos_new(void);
void bm__geos_free(bm__geos *g);
/* The geometry intersected with the box (W S E N), as WKB in *out (free()); -1 when GEOS
 * fails (the caller keeps the geometry whole, as OGR's callers did). */
int bm__geos_clip(bm__geos *g, const unsigned char *wkb, size_t len, const double box[4],
                  unsigned char **out, size_t *out_len);
/* A point inside the geometry (GEOS's point on surface); -1 when there is none. */
int bm__geos_point_on_surface(bm__geos *g, const unsigned char *wkb, size_t len, double *x,
                              double *y);

#endif
