/* bordermap/dates.h: finds the dates an article states (Arabic and English)
 * and resolves them against the publication date, with a precision.
 * Must never guess silently: a relative date without a publication date is
 * reported unresolved, never pinned to "today". */
#ifndef BORDERMAP_DATES_H
#define BORDERMAP_DATES_H

#include <stddef.h>

#include "bordermap/arabic.h"
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

/* How the text relates the event to the date (the preposition before it). */
typedef enum bm_date_relation {
    BM_DATE_AT = 0,     /* on/in/during the date: an event date */
    BM_DATE_SINCE = 1,  /* منذ, since: start of a span (is_range_start) */
    BM_DATE_UNTIL = 2,  /* حتى, until, by: end of a span */
    BM_DATE_BEFORE = 3, /* قبل, before */
    BM_DATE_AFTER = 4   /* بعد, ما بعد, after */
} bm_date_relation;

/* Which part of the month or year a part word names (مطلع, منتصف, أواخر). The
 * date keeps the precision of the whole month or year. */
typedef enum bm_date_part {
    BM_PART_NONE = 0,
    BM_PART_EARLY = 1,
    BM_PART_MID = 2,
    BM_PART_LATE = 3
} bm_date_part;

typedef struct bm_date_mention {
    size_t start, end;       /* byte range of the expression */
    bm_date date;            /* first day it covers (valid only when resolved) */
    bm_precision precision;  /* day, week, month or year */
    bm_date_basis basis;
    int resolved;            /* 0: relative/partial and no publication date */
    int is_range_start;      /* منذ/since X: the start of a span, not an event date */
    /* Additions (fields only ever appended): */
    bm_date_relation relation;
    bm_date_part part;
    int weekday;             /* weekday the text states (0 = Sunday), -1 when none */
    int is_today;            /* anchored on اليوم/today: the text's own "now" */
    int furniture;           /* in page furniture: it tells the publication
                                date, never an event's. BM_FURNITURE_LINE: a
                                stamp line (a date alone, a site clock,
                                "Published:") or a photo caption, whose places
                                are not the article's either;
                                BM_FURNITURE_DATE: a dateline, whose places
                                are ("Dubai, UAE, 10 April"); 0 otherwise */
} bm_date_mention;

enum { BM_FURNITURE_LINE = 1, BM_FURNITURE_DATE = 2 };

/* Unresolved mentions (resolved == 0) keep in `date` the parts the text
 * states (a day and month of a year-less date) and 0 for the others; a
 * relative mention without a publication date has an all-zero date.
 * Weeks start on Saturday, as in ACLED's weekly data: a week-precision date
 * is the Saturday that opens the week. */
#define BM_WEEK_START 6

/* Finds every date expression in text, in text order. published may be NULL.
 * *out is malloc'ed (caller frees); *n its length.
 * Resolution against the publication date P:
 *  - a month without a year is the occurrence in or before P's month
 *    (28 كانون الأول in a 3 January article is last year's); الماضي means
 *    strictly before P's month, المقبل strictly after, الحالي P's year;
 *  - a bare weekday or يوم السبت is the latest such day on or before P;
 *    السبت الماضي strictly before P; المقبل strictly after; أمس الجمعة is
 *    yesterday, and when the weekday disagrees the weekday wins;
 *  - الأسبوع/الشهر/العام الماضي... are the week (Saturday start), month or
 *    year before P's; a part word (مطلع, منتصف, أواخر) keeps the precision of
 *    the whole month or year and is reported in `part`;
 *  - with no P, a weekday with a day and month pins the year (see
 *    bm_dates_opts.present_year); everything else that needs P is returned
 *    with resolved == 0.
 * The byte range covers the whole expression including a relational cue
 * (منذ عام 2003, ما بعد 2013); `relation` says which cue it was. */
int bm_dates_find(const bm_dates *d, const char *text, size_t len, const bm_date *published,
                  bm_date_mention **out, size_t *n, bm_error *err);

/* Options for bm_dates_find_opts() and bm_dates_published_opts(); fill with
 * bm_dates_opts_init(). Nothing here is kept after the call returns. */
typedef struct bm_dates_opts {
    const bm_date *published; /* publication date, NULL when unknown */
    /* Tokens of exactly this text from bm_tokenize(), so that a caller who
     * tokenises anyway (ingest) pays for it once; NULL: tokenised here. */
    const bm_tokens *tokens;
    /* The year a weekday-pinned date is chosen near when the article names
     * no year of its own; 0 = the current year of the system clock. */
    int present_year;
} bm_dates_opts;

void bm_dates_opts_init(bm_dates_opts *o);

/* bm_dates_find() with options. Same ownership: *out is malloc'ed (free()),
 * *n its length; *out is NULL when *n is 0. */
int bm_dates_find_opts(const bm_dates *d, const char *text, size_t len, const bm_dates_opts *o,
                       bm_date_mention **out, size_t *n, bm_error *err);

/* "explicit", "year-inferred", "relative" (static); NULL for other values. */
const char *bm_date_basis_name(bm_date_basis b);
/* "at", "since", "until", "before", "after" (static); NULL for other values. */
const char *bm_date_relation_name(bm_date_relation r);

/* The publication date an article states about itself: a "date YYYY-MM-DD"
 * line, or a dateline near the top ("الثلاثاء 1 من نيسان" with the year pinned
 * by the weekday, "8 November 2025"). BM_ENOTFOUND when it states none. */
int bm_dates_published(const bm_dates *d, const char *text, size_t len, bm_date *out);
/* The same with options (o->published is ignored; o->tokens and
 * o->present_year are used). Also returns BM_ENOMEM (message in err). */
int bm_dates_published_opts(const bm_dates *d, const char *text, size_t len,
                            const bm_dates_opts *o, bm_date *out, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
