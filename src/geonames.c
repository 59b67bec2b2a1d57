/* geonames.c: turns rows of a GeoNames dump into places: field splitting,
 * coordinate and id validation, the feature-class-to-kind table.
 * Must never accept a row whose coordinates are not a finite WGS84 point:
 * the caller stores what this returns without further checks. */
#include "geonames_private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bm__geonames_has_arabic(const char *s)
{
    /* lead bytes 0xD8..0xDB encode U+0600..U+06FF */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xD8 && *p <= 0xDB)
            return 1;
    return 0;
}

int bm__geonames_split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;;) {
        if (n < max)
            f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    char *nl = strpbrk(f[n - 1], "\r\n");
    if (nl)
        *nl = '\0';
    return n;
}

/* GeoNames feature class and code to a gazetteer kind. */
static const char *kind_of(const char *cls, const char *code, long long pop)
{
    if (!strcmp(cls, "A")) {
        if (!strncmp(code, "PCL", 3))
            return "country";
        if (!strcmp(code, "ADM1"))
            return "governorate";
        if (!strcmp(code, "ADM2"))
            return "district";
        if (!strncmp(code, "ADM3", 4))
            return "subdistrict";
        return "region";
    }
    if (!strcmp(cls, "P")) {
        if (!strcmp(code, "PPLC") || !strncmp(code, "PPLA", 4) || pop >= 100000)
            return "city";
        return pop >= 10000 ? "town" : "village";
    }
    if (!strcmp(cls, "H")) {
        if (!strncmp(code, "STM", 3) || !strcmp(code, "WAD"))
            return "river";
        if (!strncmp(code, "LK", 2) || !strncmp(code, "RSV", 3))
            return "lake";
        return "other";
    }
    if (!strcmp(cls, "T"))
        return !strncmp(code, "MT", 2) || !strcmp(code, "HLLS") ? "mountain" : "other";
    if (!strcmp(cls, "S")) {
        if (!strcmp(code, "AIRP") || !strcmp(code, "AIRF"))
            return "airport";
        if (!strcmp(code, "AIRB") || !strcmp(code, "MILB") || !strcmp(code, "INSM"))
            return "base";
        if (!strcmp(code, "DAM"))
            return "dam";
        if (!strcmp(code, "PSTB"))
            return "crossing"; /* border post */
        if (!strncmp(code, "CMP", 3))
            return "camp";
        if (!strcmp(code, "OILF") || !strcmp(code, "GASF") || !strcmp(code, "OILW"))
            return "oilfield";
        return "other";
    }
    if (!strcmp(cls, "L"))
        return !strcmp(code, "OILF") || !strcmp(code, "GASF") ? "oilfield" : "region";
    return "other";
}

/* A whole-field decimal number inside [lo, hi]; NaN, inf, hex floats and
 * trailing junk are refused. */
static int coordinate(const char *s, double lo, double hi, double *out)
{
    if (!*s || strpbrk(s, "xXnNiI"))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* A whole-field non-negative integer; "" is unknown (-1). */
static int count_field(const char *s, long long *out)
{
    if (!*s) {
        *out = -1;
        return 1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE || v < 0)
        return 0;
    *out = v;
    return 1;
}

int bm__geonames_row(char *line, char **f, bm_place *p, bm_error *err)
{
    int n = bm__geonames_split(line, f, BM_GEONAMES_FIELDS);
    if (n < 15)
        return bm_error_set(err, BM_EPARSE,
                            "not a GeoNames geoname row (19 tab-separated fields expected)");
    for (int i = n; i < BM_GEONAMES_FIELDS; i++)
        f[i] = line + strlen(line); /* "" for the optional trailing columns */
    long long gid = 0;
    if (!count_field(f[0], &gid) || gid <= 0)
        return bm_error_set(err, BM_EPARSE, "geonameid '%.40s' is not a positive number", f[0]);
    if (!f[1][0])
        return bm_error_set(err, BM_EPARSE, "geoname %lld has no name", gid);
    memset(p, 0, sizeof *p);
    if (!coordinate(f[4], -90, 90, &p->pt.lat))
        return bm_error_set(err, BM_EPARSE, "latitude '%.40s' is not a number from -90 to 90",
                            f[4]);
    if (!coordinate(f[5], -180, 180, &p->pt.lon))
        return bm_error_set(err, BM_EPARSE, "longitude '%.40s' is not a number from -180 to 180",
                            f[5]);
    long long pop = -1;
    if (!count_field(f[14], &pop))
        return bm_error_set(err, BM_EPARSE, "population '%.40s' is not a count", f[14]);
    p->population = pop == 0 ? -1 : pop;
    snprintf(p->id, sizeof p->id, "gn-%lld", gid);
    snprintf(p->name_en, sizeof p->name_en, "%s", f[1]);
    snprintf(p->kind, sizeof p->kind, "%s", kind_of(f[6], f[7], p->population));
    snprintf(p->country, sizeof p->country, "%.2s", f[8]);
    return BM_OK;
}
