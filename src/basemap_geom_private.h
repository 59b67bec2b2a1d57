/* basemap_geom_private.h: the basemap's geometries through GEOS (basemap_geom.c), for
 * basemap.c. */
#ifndef BM_BASEMAP_GEOM_PRIVATE_H
#define BM_BASEMAP_GEOM_PRIVATE_H

#include <stddef.h>

#include "render_private.h"

/* A GEOS context of its own with its readers (no global state). NULL when out of memory. */
typedef struct bm__geos bm__geos;
bm__geos *bm__geos_new(void);
void bm__geos_free(bm__geos *g);

/* A geometry: GEOS's own (GEOSGeometry). Free with bm__geos_destroy (NULL does nothing). */
typedef struct GEOSGeom_t bm__geom;
/* From WKB (a GeoPackage blob after its header) or a GeoJSON geometry object; NULL when
 * malformed. */
bm__geom *bm__geos_from_wkb(bm__geos *g, const unsigned char *wkb, size_t len);
bm__geom *bm__geos_from_geojson(bm__geos *g, const char *json);
void bm__geos_destroy(bm__geos *g, bm__geom *geom);

/* The lon/lat envelope W S E N; all zero when empty (as OGR's). -1 on a GEOS failure. */
int bm__geos_envelope(bm__geos *g, const bm__geom *geom, double env[4]);
/* Appends every linestring and ring of two points or more (any nesting, in OGR's order) to
 * f as parts, in lon/lat; points give none. -1 on failure or out of memory (f keeps what it
 * had: free it). */
int bm__geos_collect(bm__geos *g, const bm__geom *geom, bm__feature *f);
/* The geometry intersected with the box (W S E N); NULL when GEOS fails (the caller keeps
 * the geometry whole, as OGR's callers did). */
bm__geom *bm__geos_clip(bm__geos *g, const bm__geom *geom, const double box[4]);
/* A point inside the geometry (GEOS's point on surface); -1 when there is none. */
int bm__geos_point_on_surface(bm__geos *g, const bm__geom *geom, double *x, double *y);

#endif
