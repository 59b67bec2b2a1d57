/* parse.c: strict parsing of numeric option values: the whole argument is
 * the number, in range, or it is a usage error.
 * Must never accept what strtol/strtod would silently bend: an empty string
 * (0), leading blanks, trailing junk, overflow (4294967297 as an int is 1),
 * NaN or infinity. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli.h"

int bm_cli_parse_integer(const char *s, long long lo, long long hi, long long *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return BM_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi)
        return BM_EINVAL;
    *out = v;
    return BM_OK;
}

int bm_cli_parse_real(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return BM_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return BM_EINVAL;
    *out = v;
    return BM_OK;
}

int bm_cli_parse_lonlat(const char *s, bm_lonlat *pt)
{
    if (!s || !*s || isspace((unsigned char)*s))
        return BM_EINVAL;
    char *end;
    errno = 0;
    double lon = strtod(s, &end);
    if (end == s || *end != ',' || errno == ERANGE)
        return BM_EINVAL;
    const char *p = end + 1;
    double lat;
    if (bm_cli_parse_real(p, -90, 90, &lat) != BM_OK || !(fabs(lon) <= 180))
        return BM_EINVAL;
    pt->lon = lon;
    pt->lat = lat;
    return BM_OK;
}
