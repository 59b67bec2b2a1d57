/* calendar.c: proleptic Gregorian arithmetic and ISO date parsing with
 * precision, used by the store, ingest and every date filter.
 * Must never consult the local time zone or the clock: dates are civil
 * values, and "today" is always passed in by the caller. */
#include "bordermap/common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t bm_date_to_days(bm_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bm_date bm_date_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    bm_date d;
    d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.year = (int)(yoe + era * 400 + (d.month <= 2));
    return d;
}

int bm_date_weekday(bm_date d)
{
    int64_t z = bm_date_to_days(d);
    return (int)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

int bm_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

int bm_date_valid(bm_date d)
{
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= bm_days_in_month(d.year, d.month);
}

bm_date bm_date_add_days(bm_date d, int64_t n)
{
    return bm_date_from_days(bm_date_to_days(d) + n);
}

int bm_date_cmp(bm_date a, bm_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

/* The values are clamped to their field widths so the output always fits
 * the documented 11 bytes, whatever an invalid date holds. */
static unsigned clamp(int v, unsigned max)
{
    return v < 0 ? 0u : (unsigned)v > max ? max : (unsigned)v;
}

/* Zero-padded decimal digits of v, written right to left. */
static void digits(char *out, unsigned v, int n)
{
    while (n-- > 0) {
        out[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* By hand, not snprintf: the store formats two dates per row it writes or
 * binds, and printf's format parsing was most of that. */
char *bm_date_format(bm_date d, char *buf)
{
    digits(buf, clamp(d.year, 9999), 4);
    buf[4] = '-';
    digits(buf + 5, clamp(d.month, 99), 2);
    buf[7] = '-';
    digits(buf + 8, clamp(d.day, 99), 2);
    buf[10] = '\0';
    return buf;
}

char *bm_date_format_prec(bm_date d, bm_precision p, char *buf)
{
    switch (p) {
    case BM_PREC_YEAR:
        snprintf(buf, 11, "%04u", clamp(d.year, 9999));
        return buf;
    case BM_PREC_MONTH:
        snprintf(buf, 11, "%04u-%02u", clamp(d.year, 9999), clamp(d.month, 99));
        return buf;
    default:
        return bm_date_format(d, buf);
    }
}

const char *bm_precision_name(bm_precision p)
{
    switch (p) {
    case BM_PREC_DAY: return "day";
    case BM_PREC_WEEK: return "week";
    case BM_PREC_MONTH: return "month";
    case BM_PREC_YEAR: return "year";
    default: return "none";
    }
}

int bm_precision_parse(const char *s, bm_precision *out)
{
    static const bm_precision all[] = {BM_PREC_DAY, BM_PREC_WEEK, BM_PREC_MONTH, BM_PREC_YEAR};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, bm_precision_name(all[i])) == 0) {
            *out = all[i];
            return BM_OK;
        }
    }
    return BM_EINVAL;
}

bm_date bm_date_span_end(bm_date d, bm_precision p)
{
    switch (p) {
    case BM_PREC_WEEK:
        return bm_date_add_days(d, 6);
    case BM_PREC_MONTH:
        d.day = bm_days_in_month(d.year, d.month);
        return d;
    case BM_PREC_YEAR:
        d.month = 12;
        d.day = 31;
        return d;
    default:
        return d;
    }
}

/* Reads exactly n ASCII digits. */
static int read_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int bm_date_parse_iso(const char *s, bm_date *first, bm_date *last, bm_precision *prec,
                      bm_error *err)
{
    if (!s)
        return bm_error_set(err, BM_EINVAL, "missing date");
    size_t len = strlen(s);
    bm_date d = {0, 1, 1};
    bm_precision p;
    int ok = read_digits(s, 4, &d.year);
    if (ok && len == 4) {
        p = BM_PREC_YEAR;
    } else if (ok && len == 7 && s[4] == '-' && read_digits(s + 5, 2, &d.month)) {
        p = BM_PREC_MONTH;
    } else if (ok && len == 10 && s[4] == '-' && s[7] == '-' && read_digits(s + 5, 2, &d.month) &&
               read_digits(s + 8, 2, &d.day)) {
        p = BM_PREC_DAY;
    } else {
        return bm_error_set(err, BM_EINVAL, "'%s' is not a date (want YYYY-MM-DD, YYYY-MM or YYYY)",
                            s);
    }
    if (!bm_date_valid(d))
        return bm_error_set(err, BM_EINVAL, "'%s' is not a valid calendar date", s);
    if (first)
        *first = d;
    if (last)
        *last = bm_date_span_end(d, p);
    if (prec)
        *prec = p;
    return BM_OK;
}
