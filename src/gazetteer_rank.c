/* gazetteer_rank.c: how the matcher ranks same-name places that only user
 * imports (WOF, GeoNames dumps, TSV) know: WOF alone has thousands of
 * villages sharing a name, so the article's other places decide, then the
 * Iraq-Syria corridor the project is about.
 * Must never rank a curated place: this only adds to imported candidates
 * (curated rows already come first, gazetteer.c drops imported rows that
 * share a curated name). */
#include "gazetteer_private.h"

/* Beyond this, another place of the article says nothing about which of
 * two same-name villages is meant. */
#define ANCHOR_RANGE_KM 150.0

/* The band either side of the Iraq-Syria border the corridor covers. */
static int in_corridor(bm_lonlat pt)
{
    return pt.lat >= 32.0 && pt.lat <= 37.5 && pt.lon >= 38.0 && pt.lon <= 44.0;
}

double bm__gz_rank_imported(const gz_place *p, const bm_lonlat *anchors, size_t n_anchors,
                            const char **why)
{
    double s = in_corridor(p->pub.pt) ? 0.3 : 0.0;
    double dmin = ANCHOR_RANGE_KM;
    for (size_t i = 0; i < n_anchors; i++) {
        double d = bm_distance_km(p->pub.pt, anchors[i]);
        if (d < dmin)
            dmin = d;
    }
    if (dmin < ANCHOR_RANGE_KM) {
        /* up to 3 points: more than the country or governorate terms, less
         * than a trigger that names the kind */
        s += 3.0 * (1.0 - dmin / ANCHOR_RANGE_KM);
        *why = "distance";
    }
    return s;
}
