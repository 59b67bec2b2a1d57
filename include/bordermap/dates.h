/* bordermap/dates.h: finds the dates an article states (Arabic and English)
 * and resolves them against the publication date, with a precision.
 * Must never guess silently: a relative date without a publication date is
 * reported unresolved, never pinned to "today". */
#ifndef BORDERMAP_DATES_H
#define BORDERMAP_DATES_H

#include <stddef.h>

#include "bordermap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_dates bm_dates; /* the month/weekday/relative lexicons */

/* Loads the date lexicons from the data directory. Free with bm_dates_free(). */
int bm_dates_new(bm_dates **out, bm_error *err);
void bm_dates_free(bm_dates *d);

typedef enum bm_date_basis {
    BM_DATE_EXPLICIT = 1,      /* every part written */
    BM_DATE_YEAR_INFERRED = 2, /* year from the publication date or a weekday */
    BM_DATE_RELATIVE = 3       /* yesterday, last Thursday, last week ... */
} bm_date_basis;

typedef struct bm_date_mention {
    size_t start, end;       /* byte range of the expression */
    bm_date date;            /* first day it covers (valid only when resolved) */
    bm_precision precision;  /* day, week, month or year */
    bm_date_basis basis;
    int resolved;            /* 0: relative/partial and no publication date */
    int is_range_start;      /* منذ/since X: the start of a span, not an event date */
} bm_date_mention;

/* Finds every date expression in text, in text order. published may be NULL.
 * *out is malloc'ed (caller frees); *n its length. */
int bm_dates_find(const bm_dates *d, const char *text, size_t len, const bm_date *published,
                  bm_date_mention **out, size_t *n, bm_error *err);

/* The publication date an article states about itself: a "date YYYY-MM-DD"
 * line, or a dateline near the top ("الثلاثاء 1 من نيسان" with the year pinned
 * by the weekday, "8 November 2025"). BM_ENOTFOUND when it states none. */
int bm_dates_published(const bm_dates *d, const char *text, size_t len, bm_date *out);

#ifdef __cplusplus
}
#endif
#endif
