/* geonames_private.h: reading rows of a GeoNames dump (the geoname table and
 * alternateNamesV2) for `bordermap gazetteer import geonames` and its fuzz
 * target. Internal: not part of the public API. */
#ifndef BORDERMAP_GEONAMES_PRIVATE_H
#define BORDERMAP_GEONAMES_PRIVATE_H

#include "bordermap/store.h"

/* Fields of a geoname table row. */
#define BM_GEONAMES_FIELDS 19

/* Splits a line into at most max tab-separated fields, in place (the line
 * end is cut off the last one). Returns the number of fields, at least 1. */
int bm__geonames_split(char *line, char **f, int max);

/* True when s holds a letter of the Arabic block (U+0600..U+06FF). */
int bm__geonames_has_arabic(const char *s);

/* Splits a geoname table line in place into f[0..BM_GEONAMES_FIELDS) and
 * fills p with its id (gn-<geonameid>), English name, kind, country, point
 * and population (name_ar is left for the caller, who may have an alternate
 * names table). BM_EPARSE with the reason in err when the line is not a row:
 * too few fields, no positive id, no name, or a latitude/longitude that is
 * not a finite number inside -90..90 / -180..180 (a dump with such values is
 * damaged: storing them would put places at 0,0 or off the globe). */
int bm__geonames_row(char *line, char **f, bm_place *p, bm_error *err);

#endif
