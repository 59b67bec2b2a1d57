/* bordermap/common.h: status codes, error detail, coordinates, calendar dates
 * and data-file lookup shared by every module.
 * Must never hold global mutable state: every error travels in a caller's
 * bm_error or on a handle. */
#ifndef BORDERMAP_COMMON_H
#define BORDERMAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: BM_OK or a negative BM_E* code. */
enum {
    BM_OK = 0,
    BM_ENOMEM = -1,    /* out of memory */
    BM_EIO = -2,       /* file or stream failure */
    BM_EPARSE = -3,    /* malformed input */
    BM_EDB = -4,       /* database failure */
    BM_EPROJ = -5,     /* coordinate transformation failure */
    BM_ERENDER = -6,   /* drawing failure */
    BM_EINVAL = -7,    /* invalid argument */
    BM_ENOTFOUND = -8, /* no such object */
    BM_EVERSION = -9,  /* incompatible schema or format version */
    BM_EEXIST = -10,   /* object exists and may not be replaced */
    BM_EGDAL = -11,    /* GDAL/OGR failure */
    BM_ENOTDB = -12,   /* file is not a bordermap database */
    BM_EREADONLY = -13 /* location cannot be written */
};

/* Returns a static, always non-NULL description of a status code. */
const char *bm_strerror(int code);

/* Error detail for functions that have no handle to carry it. Caller-allocated;
 * bm_error_set() formats the message and returns the code so that a failing
 * path can `return bm_error_set(err, BM_EIO, "...")`. A NULL err is allowed. */
typedef struct bm_error {
    int code;
    char msg[512];
} bm_error;

void bm_error_clear(bm_error *err);
int bm_error_set(bm_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The message, or bm_strerror(code) when none was set. Borrowed from err. */
const char *bm_error_text(const bm_error *err);

/* The one coordinate type at the API: WGS84 degrees, longitude first. */
typedef struct bm_lonlat {
    double lon, lat;
} bm_lonlat;

/* Great-circle distance in kilometres. */
double bm_distance_km(bm_lonlat a, bm_lonlat b);

/* ---- Calendar -------------------------------------------------------- */

typedef enum bm_precision {
    BM_PREC_NONE = 0,
    BM_PREC_DAY = 1,
    BM_PREC_WEEK = 2,
    BM_PREC_MONTH = 3,
    BM_PREC_YEAR = 4
} bm_precision;

/* A proleptic Gregorian calendar date. */
typedef struct bm_date {
    int year, month, day;
} bm_date;

/* "day", "week", "month", "year" or "none". Static string. */
const char *bm_precision_name(bm_precision p);
/* Parses a precision name; BM_EINVAL for anything else. */
int bm_precision_parse(const char *s, bm_precision *out);

/* Days since 1970-01-01 (negative before), and back. */
int64_t bm_date_to_days(bm_date d);
bm_date bm_date_from_days(int64_t days);
/* 0 = Sunday ... 6 = Saturday. */
int bm_date_weekday(bm_date d);
int bm_days_in_month(int year, int month);
int bm_date_valid(bm_date d);
/* Adds n days (n may be negative). */
bm_date bm_date_add_days(bm_date d, int64_t n);
/* Compares: <0, 0, >0. */
int bm_date_cmp(bm_date a, bm_date b);

/* Writes "YYYY-MM-DD" (buf >= 11 bytes). Returns buf. */
char *bm_date_format(bm_date d, char *buf);
/* Writes the value at its precision: "YYYY-MM-DD", "YYYY-MM" or "YYYY"
 * (week precision is written as the day that starts the week). buf >= 11. */
char *bm_date_format_prec(bm_date d, bm_precision p, char *buf);

/* Parses "YYYY-MM-DD", "YYYY-MM" or "YYYY" into the first and last day it
 * covers and its precision. Returns BM_EINVAL (message in err) otherwise. */
int bm_date_parse_iso(const char *s, bm_date *first, bm_date *last, bm_precision *prec,
                      bm_error *err);
/* The last day covered by a date of the given precision that starts at d. */
bm_date bm_date_span_end(bm_date d, bm_precision p);

/* ---- Incident types -------------------------------------------------- */

/* The incident types, in a fixed order (the corpus README defines them). */
#define BM_N_TYPES 13
/* Name of type i (0 <= i < BM_N_TYPES), else NULL. Static string. */
const char *bm_type_name(int i);
/* Index of a type name, or -1 when it is not a type. */
int bm_type_index(const char *name);

/* ---- Data files ------------------------------------------------------ */

/* Resolves a path under the data directory (the one holding gazetteer/ and
 * maps/): $BORDERMAP_DATA, else <exe>/../share/bordermap after install, else
 * the compiled-in install prefix, else the source tree the library was built
 * from. Writes the joined path into buf. BM_ENOTFOUND (message in err) when no
 * candidate holds `rel`. */
int bm_data_path(const char *rel, char *buf, size_t bufsize, bm_error *err);

/* Version string of the library, e.g. "0.1.0". Static. */
const char *bm_version(void);

#ifdef __cplusplus
}
#endif
#endif
