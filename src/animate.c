/* animate.c: the time axis of `bordermap animate` (calendar slices, windows,
 * fading, date stamps) and the dispatch to the GIF, WebP and PNG writers.
 * Must never draw map content: frames come from render's code, and this
 * module only decides what each frame shows and where the pixels go. */
#include "bordermap/animate.h"

#include <cairo.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/fileio.h"
#include "gif_writer_private.h"
#include "render_private.h"
#include "webp_anim_private.h"

/* ---- Steps and windows -------------------------------------------------- */

static int parse_count(const char *s, int max, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v < 1 || v > max || !isdigit((unsigned char)*s))
        return 0;
    *out = (int)v;
    return (int)(end - s);
}

int bm_anim_step_parse(const char *s, bm_anim_step *out, bm_error *err)
{
    if (!s)
        return bm_error_set(err, BM_EINVAL, "missing step");
    if (strcmp(s, "day") == 0)
        *out = (bm_anim_step){BM_ANIM_DAYS, 1};
    else if (strcmp(s, "week") == 0)
        *out = (bm_anim_step){BM_ANIM_DAYS, 7};
    else if (strcmp(s, "month") == 0)
        *out = (bm_anim_step){BM_ANIM_MONTHS, 1};
    else {
        int n = 0, used = parse_count(s, 3660, &n);
        if (!used || strcmp(s + used, "d") != 0)
            return bm_error_set(err, BM_EINVAL,
                                "'%s' is not a step (want day, week, month or Nd, e.g. 3d)", s);
        *out = (bm_anim_step){BM_ANIM_DAYS, n};
    }
    return BM_OK;
}

int bm_anim_window_parse(const char *s, bm_anim_window *out, bm_error *err)
{
    if (s && strcmp(s, "cumulative") == 0) {
        *out = (bm_anim_window){1, 0};
        return BM_OK;
    }
    int n = 0, used = s ? parse_count(s, 100000, &n) : 0;
    if (!used || s[used])
        return bm_error_set(err, BM_EINVAL,
                            "'%s' is not a window (want cumulative or a number of steps)",
                            s ? s : "");
    *out = (bm_anim_window){0, n};
    return BM_OK;
}

static bm_date month_last_day(int year, int month)
{
    return (bm_date){year, month, bm_days_in_month(year, month)};
}

/* The last day of the slice that starts at `start`. */
static bm_date slice_end(bm_date start, bm_anim_step step)
{
    if (step.unit == BM_ANIM_DAYS)
        return bm_date_add_days(start, step.n - 1);
    int m = start.year * 12 + (start.month - 1) + step.n - 1;
    return month_last_day(m / 12, m % 12 + 1);
}

int bm_anim_slices(bm_date from, bm_date to, bm_anim_step step, bm_anim_slice **out, size_t *n,
                   bm_error *err)
{
    *out = NULL;
    *n = 0;
    if (!bm_date_valid(from) || !bm_date_valid(to))
        return bm_error_set(err, BM_EINVAL, "the animation needs valid --from and --to dates");
    if (bm_date_cmp(from, to) > 0)
        return bm_error_set(err, BM_EINVAL, "--from is after --to");
    if (step.n < 1)
        return bm_error_set(err, BM_EINVAL, "the step must be at least 1");
    size_t count = 0;
    for (bm_date d = from; bm_date_cmp(d, to) <= 0; d = bm_date_add_days(slice_end(d, step), 1))
        if (++count > BM_ANIM_MAX_FRAMES)
            return bm_error_set(err, BM_EINVAL,
                                "more than %d frames: use a longer --step or a shorter range",
                                BM_ANIM_MAX_FRAMES);
    bm_anim_slice *s = malloc(count * sizeof *s);
    if (!s)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    bm_date d = from;
    for (size_t i = 0; i < count; i++) {
        s[i].start = d;
        s[i].end = slice_end(d, step);
        if (bm_date_cmp(s[i].end, to) > 0)
            s[i].end = to;
        d = bm_date_add_days(s[i].end, 1);
    }
    *out = s;
    *n = count;
    return BM_OK;
}

/* ---- Fading ------------------------------------------------------------- */

void bm_fade_none(bm_fade *f)
{
    *f = (bm_fade){.peak_scale = 1, .settle = 0, .hold = 0, .fade = 0, .floor_alpha = 1};
}

void bm_fade_default(bm_fade *f, bm_anim_window w)
{
    f->peak_scale = 1.8;
    f->settle = 2;
    f->hold = 0;
    if (w.cumulative) {
        f->fade = 6;
        f->floor_alpha = 0.3;
    } else {
        /* Reach the floor in the last frame the window still shows it. */
        f->fade = w.steps > 1 ? w.steps - 1 : 0;
        f->floor_alpha = 0.25;
    }
}

bm_fade_sample bm_fade_at(const bm_fade *f, double age, double active)
{
    bm_fade_sample s = {1.0, 1.0};
    if (age < 0)
        age = 0;
    if (active < 1)
        active = 1;
    if (f->settle > 0 && age < f->settle)
        s.scale = f->peak_scale + (1.0 - f->peak_scale) * (age / f->settle);
    double since_end = age - (active - 1) - f->hold;
    if (f->fade > 0 && since_end > 0)
        s.alpha = 1.0 - (1.0 - f->floor_alpha) * fmin(1.0, since_end / f->fade);
    return s;
}

/* ---- The plan ----------------------------------------------------------- */

typedef struct month_names {
    char en[12][32];
    char ar[12][64];
} month_names;

struct bm_anim {
    bm_anim_opts o;
    bm_anim_slice *slices;
    size_t n;
    month_names months;
    /* Loaded incidents, contiguous so the renderer can take them whole, with
     * the frames each spans and a drawing order by first frame. */
    bm_incident *inc;
    size_t *first, *last, *order;
    size_t n_inc, cap_inc;
    int sorted;
    bm_anim_item *items; /* scratch for bm_anim_frame_at, cap_inc long */
    char stamp[512];
};

void bm_anim_opts_init(bm_anim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->step = (bm_anim_step){BM_ANIM_DAYS, 7};
    o->window = (bm_anim_window){1, 0};
    bm_fade_none(&o->fade);
}

/* Reads one "month<TAB>en<TAB>en_short<TAB>ar" row into the table. */
static int parse_month_row(char *line, month_names *m)
{
    char *fields[4];
    int nf = 0;
    for (char *p = line; nf < 4; nf++) {
        fields[nf] = p;
        p = strchr(p, '\t');
        if (!p) {
            nf++;
            break;
        }
        *p++ = '\0';
    }
    if (nf < 4)
        return 0;
    int month = atoi(fields[0]);
    if (month < 1 || month > 12)
        return 0;
    snprintf(m->en[month - 1], sizeof m->en[0], "%s", fields[1]);
    snprintf(m->ar[month - 1], sizeof m->ar[0], "%s", fields[3]);
    return 1;
}

static int load_months(month_names *m, bm_error *err)
{
    char path[4096];
    int rc = bm_data_path("maps/months.tsv", path, sizeof path, err);
    if (rc != BM_OK)
        return rc;
    char *data = NULL;
    size_t len = 0;
    rc = bm_read_file(path, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    int seen = 0;
    for (char *save = NULL, *line = strtok_r(data, "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        if (line[0] == '#' || strncmp(line, "month\t", 6) == 0)
            continue;
        seen += parse_month_row(line, m);
    }
    free(data);
    if (seen != 12)
        return bm_error_set(err, BM_EPARSE, "%s: want 12 month rows, found %d", path, seen);
    return BM_OK;
}

int bm_anim_new(const bm_anim_opts *o, bm_anim **out, bm_error *err)
{
    *out = NULL;
    if (!o->window.cumulative && o->window.steps < 1)
        return bm_error_set(err, BM_EINVAL, "the window must be at least 1 step");
    bm_anim *a = calloc(1, sizeof *a);
    if (!a)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    a->o = *o;
    int rc = bm_anim_slices(o->from, o->to, o->step, &a->slices, &a->n, err);
    if (rc == BM_OK)
        rc = load_months(&a->months, err);
    if (rc != BM_OK) {
        bm_anim_free(a);
        return rc;
    }
    *out = a;
    return BM_OK;
}

void bm_anim_free(bm_anim *a)
{
    if (!a)
        return;
    free(a->slices);
    free(a->inc);
    free(a->first);
    free(a->last);
    free(a->order);
    free(a->items);
    free(a);
}

size_t bm_anim_frame_count(const bm_anim *a)
{
    return a ? a->n : 0;
}

const bm_anim_slice *bm_anim_slice_at(const bm_anim *a, size_t k)
{
    return a && k < a->n ? &a->slices[k] : NULL;
}

int bm_anim_span(const bm_anim *a, bm_date start, bm_date end, size_t *first, size_t *last)
{
    if (!a || a->n == 0 || bm_date_cmp(end, a->slices[0].start) < 0 ||
        bm_date_cmp(start, a->slices[a->n - 1].end) > 0)
        return 0;
    /* First slice ending on or after start; slices are sorted and disjoint. */
    size_t lo = 0, hi = a->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bm_date_cmp(a->slices[mid].end, start) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    /* Last slice starting on or before end. */
    lo = *first;
    hi = a->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (bm_date_cmp(a->slices[mid].start, end) > 0)
            hi = mid - 1;
        else
            lo = mid;
    }
    *last = lo;
    return 1;
}

int bm_anim_visible(const bm_anim *a, size_t k, size_t first, size_t last, bm_fade_sample *out)
{
    if (k < first || last < first)
        return 0;
    if (!a->o.window.cumulative && k > last && k - last >= (size_t)a->o.window.steps)
        return 0;
    bm_fade_sample s = bm_fade_at(&a->o.fade, (double)(k - first), (double)(last - first + 1));
    if (out)
        *out = s;
    return 1;
}

/* ---- Date stamps -------------------------------------------------------- */

static int whole_months(const bm_anim_slice *s)
{
    bm_date e = month_last_day(s->end.year, s->end.month);
    return s->start.day == 1 && bm_date_cmp(s->end, e) == 0;
}

static void stamp_en(const bm_anim *a, const bm_anim_slice *s, char *buf, size_t n)
{
    const char *m0 = a->months.en[s->start.month - 1], *m1 = a->months.en[s->end.month - 1];
    int y0 = s->start.year, y1 = s->end.year;
    int same_month = y0 == y1 && s->start.month == s->end.month;
    if (bm_date_cmp(s->start, s->end) == 0)
        snprintf(buf, n, "%d %s %d", s->start.day, m0, y0);
    else if (whole_months(s) && same_month)
        snprintf(buf, n, "%s %d", m0, y0);
    else if (whole_months(s) && y0 == y1)
        snprintf(buf, n, "%s \u2013 %s %d", m0, m1, y0);
    else if (whole_months(s))
        snprintf(buf, n, "%s %d \u2013 %s %d", m0, y0, m1, y1);
    else if (same_month)
        snprintf(buf, n, "%d\u2013%d %s %d", s->start.day, s->end.day, m0, y0);
    else if (y0 == y1)
        snprintf(buf, n, "%d %s \u2013 %d %s %d", s->start.day, m0, s->end.day, m1, y0);
    else
        snprintf(buf, n, "%d %s %d \u2013 %d %s %d", s->start.day, m0, y0, s->end.day, m1, y1);
}

/* Arabic ranges are spelled "من ... إلى ..." as the press writes them: a
 * dash between numbers is ambiguous once the bidi algorithm reorders it. */
static void stamp_ar(const bm_anim *a, const bm_anim_slice *s, char *buf, size_t n)
{
    const char *m0 = a->months.ar[s->start.month - 1], *m1 = a->months.ar[s->end.month - 1];
    const char *from = "\u0645\u0646", *to = "\u0625\u0644\u0649";
    int y0 = s->start.year, y1 = s->end.year;
    int same_month = y0 == y1 && s->start.month == s->end.month;
    if (bm_date_cmp(s->start, s->end) == 0)
        snprintf(buf, n, "%d %s %d", s->start.day, m0, y0);
    else if (whole_months(s) && same_month)
        snprintf(buf, n, "%s %d", m0, y0);
    else if (whole_months(s) && y0 == y1)
        snprintf(buf, n, "%s %s %s %s %d", from, m0, to, m1, y0);
    else if (whole_months(s))
        snprintf(buf, n, "%s %s %d %s %s %d", from, m0, y0, to, m1, y1);
    else if (same_month)
        snprintf(buf, n, "%s %d %s %d %s %d", from, s->start.day, to, s->end.day, m0, y0);
    else if (y0 == y1)
        snprintf(buf, n, "%s %d %s %s %d %s %d", from, s->start.day, m0, to, s->end.day, m1, y0);
    else
        snprintf(buf, n, "%s %d %s %d %s %d %s %d", from, s->start.day, m0, y0, to, s->end.day, m1,
                 y1);
}

int bm_anim_stamp(const bm_anim *a, size_t k, const char *lang, char *buf, size_t bufsize)
{
    const bm_anim_slice *s = bm_anim_slice_at(a, k);
    if (!s || !lang || bufsize == 0)
        return BM_EINVAL;
    if (strcmp(lang, "en") == 0) {
        stamp_en(a, s, buf, bufsize);
    } else if (strcmp(lang, "ar") == 0) {
        stamp_ar(a, s, buf, bufsize);
    } else if (strcmp(lang, "both") == 0) {
        char en[128], ar[256];
        stamp_en(a, s, en, sizeof en);
        stamp_ar(a, s, ar, sizeof ar);
        /* Two lines: the renderer gives each line the direction of its first
         * letter, so the Arabic line reads right-to-left as it is. */
        snprintf(buf, bufsize, "%s\n%s", en, ar);
    } else {
        return BM_EINVAL;
    }
    return BM_OK;
}

/* ---- Frames ------------------------------------------------------------- */

/* Grows one array of the incident table to cap elements. */
static int grow(void **p, size_t cap, size_t size)
{
    void *q = realloc(*p, cap * size);
    if (!q)
        return 0;
    *p = q;
    return 1;
}

static int grow_incidents(bm_anim *a, bm_error *err)
{
    size_t cap = a->cap_inc ? a->cap_inc * 2 : 256;
    if (!grow((void **)&a->inc, cap, sizeof *a->inc) ||
        !grow((void **)&a->first, cap, sizeof *a->first) ||
        !grow((void **)&a->last, cap, sizeof *a->last) ||
        !grow((void **)&a->order, cap, sizeof *a->order) ||
        !grow((void **)&a->items, cap, sizeof *a->items))
        return bm_error_set(err, BM_ENOMEM, "out of memory for %zu incidents", cap);
    a->cap_inc = cap;
    return BM_OK;
}

int bm_anim_add(bm_anim *a, const bm_incident *inc, bm_error *err)
{
    size_t first, last;
    if (!bm_anim_span(a, inc->date_start, inc->date_end, &first, &last))
        return BM_OK; /* outside the animation: never shown */
    if (a->n_inc == a->cap_inc) {
        int rc = grow_incidents(a, err);
        if (rc != BM_OK)
            return rc;
    }
    size_t i = a->n_inc++;
    a->inc[i] = *inc;
    a->first[i] = first;
    a->last[i] = last;
    a->sorted = 0;
    return BM_OK;
}

static int load_one(const bm_incident *inc, void *user)
{
    void **ctx = user;
    return bm_anim_add(ctx[0], inc, ctx[1]);
}

int bm_anim_load(bm_anim *a, bm_store *store, const bm_query *q, bm_error *err)
{
    bm_query query = *q;
    query.has_from = query.has_to = 1;
    query.from = a->o.from;
    query.to = a->o.to;
    a->n_inc = 0;
    bm_error_clear(err);
    void *ctx[2] = {a, err};
    int rc = bm_store_query(store, &query, load_one, ctx);
    if (rc != BM_OK && (!err || err->code == BM_OK))
        return bm_error_set(err, rc, "reading incidents: %s", bm_store_errmsg(store));
    return rc;
}

size_t bm_anim_incident_count(const bm_anim *a)
{
    return a ? a->n_inc : 0;
}

const bm_incident *bm_anim_incidents(const bm_anim *a, size_t *n)
{
    *n = a ? a->n_inc : 0;
    return a ? a->inc : NULL;
}

/* Orders the incidents for drawing by first frame, keeping load order among
 * equals (a stable counting sort: O(incidents + frames)). */
static int sort_order(bm_anim *a, bm_error *err)
{
    size_t n = a->n_inc;
    size_t *start = calloc(a->n + 1, sizeof *start);
    if (!start)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        start[a->first[i] + 1]++;
    for (size_t f = 0; f < a->n; f++)
        start[f + 1] += start[f];
    for (size_t i = 0; i < n; i++)
        a->order[start[a->first[i]]++] = i;
    free(start);
    a->sorted = 1;
    return BM_OK;
}

int bm_anim_frame_at(bm_anim *a, size_t k, const char *lang, bm_anim_frame *out, bm_error *err)
{
    if (!a || k >= a->n)
        return bm_error_set(err, BM_EINVAL, "no frame %zu", k + 1);
    if (bm_anim_stamp(a, k, lang, a->stamp, sizeof a->stamp) != BM_OK)
        return bm_error_set(err, BM_EINVAL, "unknown language '%s' (want ar, en or both)",
                            lang ? lang : "");
    if (!a->sorted && sort_order(a, err) != BM_OK)
        return err ? err->code : BM_ENOMEM;
    memset(out, 0, sizeof *out);
    out->index = k;
    out->count = a->n;
    out->slice = a->slices[k];
    size_t w0 = a->o.window.cumulative || k + 1 < (size_t)a->o.window.steps
                    ? 0
                    : k + 1 - (size_t)a->o.window.steps;
    out->window_start = a->slices[w0].start;
    out->stamp = a->stamp;
    size_t n = 0;
    /* Sorted by first frame: nothing past k can show yet. */
    for (size_t j = 0; j < a->n_inc && a->first[a->order[j]] <= k; j++) {
        size_t i = a->order[j];
        bm_fade_sample fs;
        if (!bm_anim_visible(a, k, a->first[i], a->last[i], &fs))
            continue;
        bm_anim_item *it = &a->items[n++];
        it->inc = &a->inc[i];
        it->scale = fs.scale;
        it->alpha = fs.alpha;
        it->is_new = a->first[i] == k;
        int t = bm_type_index(a->inc[i].type);
        if (t >= 0) {
            out->counts[t]++;
            out->new_counts[t] += it->is_new;
        }
    }
    out->items = a->items;
    out->n_items = n;
    return BM_OK;
}

/* ---- Output ------------------------------------------------------------- */

int bm_anim_format_for_path(const char *path, bm_anim_format *out, bm_error *err)
{
    if (!path || !*path)
        return bm_error_set(err, BM_EINVAL, "no output given (-o FILE.gif|FILE.webp|DIR/)");
    size_t len = strlen(path);
    struct stat st;
    const char *dot = strrchr(path, '.');
    if (path[len - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        *out = BM_ANIM_FRAMES;
    else if (dot && strcasecmp(dot, ".gif") == 0)
        *out = BM_ANIM_GIF;
    else if (dot && strcasecmp(dot, ".webp") == 0)
        *out = BM_ANIM_WEBP;
    else
        return bm_error_set(err, BM_EINVAL,
                            "'%s': the output must end in .gif or .webp, or be a directory "
                            "ending in /",
                            path);
    return BM_OK;
}

void bm_anim_writer_opts_init(bm_anim_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = BM_ANIM_GIF;
    o->webp_quality = 75;
}

struct bm_anim_writer {
    bm_anim_writer_opts o;
    char *path;              /* file, or directory without its trailing '/' */
    bm__rgb *grounds, *inks; /* GIF palette seeds, copied */
    bm__gif_writer *gif;     /* opened at the first frame (it seeds the palette) */
    bm__webp_writer *webp;
    size_t frames;
};

static bm__rgb *copy_rgb(const uint32_t *c, size_t n)
{
    bm__rgb *out = malloc((n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = (bm__rgb){(uint8_t)(c[i] >> 16), (uint8_t)(c[i] >> 8), (uint8_t)c[i]};
    return out;
}

static void frame_name(const bm_anim_writer *w, size_t k, char *buf, size_t n)
{
    snprintf(buf, n, "%s/frame-%04zu.png", w->path, k + 1);
}

static int open_frames_dir(bm_anim_writer *w, bm_error *err)
{
    if (mkdir(w->path, 0777) != 0 && errno != EEXIST)
        return bm_error_set(err, errno == EACCES || errno == EROFS ? BM_EREADONLY : BM_EIO,
                            "cannot create %s: %s", w->path, strerror(errno));
    char first[4200];
    frame_name(w, 0, first, sizeof first);
    if (!w->o.overwrite && access(first, F_OK) == 0)
        return bm_error_set(err, BM_EEXIST, "%s exists (use --overwrite to replace it)", first);
    return BM_OK;
}

int bm_anim_writer_open(const char *path, const bm_anim_writer_opts *o, bm_anim_writer **out,
                        bm_error *err)
{
    *out = NULL;
    if (o->width < 1 || o->height < 1)
        return bm_error_set(err, BM_EINVAL, "frame size %dx%d is invalid", o->width, o->height);
    bm_anim_writer *w = calloc(1, sizeof *w);
    if (!w)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    w->o = *o;
    w->path = strdup(path);
    w->grounds = copy_rgb(o->grounds, o->n_grounds);
    w->inks = copy_rgb(o->inks, o->n_inks);
    w->o.grounds = w->o.inks = NULL; /* borrowed pointers end here */
    int rc =
        w->path && w->grounds && w->inks ? BM_OK : bm_error_set(err, BM_ENOMEM, "out of memory");
    size_t len = w->path ? strlen(w->path) : 0;
    while (rc == BM_OK && len > 1 && w->path[len - 1] == '/')
        w->path[--len] = '\0';
    if (rc == BM_OK && o->format == BM_ANIM_FRAMES)
        rc = open_frames_dir(w, err);
    else if (rc == BM_OK && o->format == BM_ANIM_WEBP)
        rc = bm__webp_open(w->path, o->overwrite, o->width, o->height, !o->webp_lossy,
                           o->webp_quality, o->loop_count, &w->webp, err);
    else if (rc == BM_OK && !o->overwrite && access(w->path, F_OK) == 0)
        rc = bm_error_set(err, BM_EEXIST, "%s exists (use --overwrite to replace it)", w->path);
    if (rc != BM_OK) {
        bm_anim_writer_abort(w);
        return rc;
    }
    *out = w;
    return BM_OK;
}

static int write_png_frame(bm_anim_writer *w, const unsigned char *argb, int stride, bm_error *err)
{
    char name[4200];
    frame_name(w, w->frames, name, sizeof name);
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(name, 1, &af, err);
    if (rc != BM_OK)
        return rc;
    /* The render module's PNG writer: a fast zlib level that suits flat map colours (cairo's
     * own took twice as long as drawing the frame). */
    rc = bm_atomic_fp(af) ? bm__png_write(argb, w->o.width, w->o.height, stride, bm_atomic_fp(af),
                                          err)
                          : bm_error_set(err, BM_EIO, "%s: no stream to write to", name);
    if (rc != BM_OK) {
        bm_atomic_abort(af);
        return rc;
    }
    return bm_atomic_commit(af, err);
}

static int open_gif(bm_anim_writer *w, const unsigned char *argb, int stride, bm_error *err)
{
    bm__palette pal;
    bm__palette_build(&pal, w->grounds, w->o.n_grounds, w->inks, w->o.n_inks,
                      w->o.n_blend_inks, (const uint32_t *)(const void *)argb, w->o.width,
                      w->o.height, stride);
    return bm__gif_open(w->path, w->o.overwrite, w->o.width, w->o.height, &pal, w->o.loop_count,
                        &w->gif, err);
}

int bm_anim_writer_add(bm_anim_writer *w, const unsigned char *argb, int stride, int delay_ms,
                       bm_error *err)
{
    if (!w || !argb)
        return bm_error_set(err, BM_EINVAL, "no frame");
    if (stride < w->o.width * 4)
        return bm_error_set(err, BM_EINVAL, "frame stride %d too small", stride);
    int rc = BM_OK;
    switch (w->o.format) {
    case BM_ANIM_FRAMES: rc = write_png_frame(w, argb, stride, err); break;
    case BM_ANIM_WEBP: rc = bm__webp_add_frame(w->webp, argb, stride, delay_ms, err); break;
    case BM_ANIM_GIF:
        if (!w->gif)
            rc = open_gif(w, argb, stride, err);
        if (rc == BM_OK)
            rc = bm__gif_add_frame(w->gif, argb, stride, delay_ms, err);
        break;
    }
    if (rc == BM_OK)
        w->frames++;
    return rc;
}

/* Removes frame-NNNN.png files numbered past this run's last frame, so the
 * directory never mixes two animations. Other files are left alone. */
static void remove_stale_frames(const bm_anim_writer *w)
{
    DIR *d = opendir(w->path);
    if (!d)
        return;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        unsigned long k = 0;
        int used = 0;
        if (sscanf(e->d_name, "frame-%lu.png%n", &k, &used) != 1 || e->d_name[used] != '\0' ||
            !isdigit((unsigned char)e->d_name[6]) || k <= w->frames)
            continue;
        char name[4200];
        snprintf(name, sizeof name, "%s/%s", w->path, e->d_name);
        unlink(name);
    }
    closedir(d);
}

static void free_writer(bm_anim_writer *w)
{
    free(w->path);
    free(w->grounds);
    free(w->inks);
    free(w);
}

int bm_anim_writer_finish(bm_anim_writer *w, bm_error *err)
{
    if (!w)
        return bm_error_set(err, BM_EINVAL, "no writer");
    int rc = BM_OK;
    if (w->frames == 0) {
        bm_anim_writer_abort(w);
        return bm_error_set(err, BM_EINVAL, "an animation needs at least one frame");
    }
    if (w->o.format == BM_ANIM_GIF)
        rc = bm__gif_finish(w->gif, err);
    else if (w->o.format == BM_ANIM_WEBP)
        rc = bm__webp_finish(w->webp, err);
    else
        remove_stale_frames(w);
    free_writer(w);
    return rc;
}

void bm_anim_writer_abort(bm_anim_writer *w)
{
    if (!w)
        return;
    bm__gif_abort(w->gif);
    bm__webp_abort(w->webp);
    free_writer(w);
}

/* ---- Drawing with the renderer ------------------------------------------ */

void bm_anim_output_init(bm_anim_output *o)
{
    memset(o, 0, sizeof *o);
    o->fps = 4;
    o->hold_last = 2;
    o->lang = BM_LANG_BOTH;
    bm_anim_writer_opts_init(&o->writer);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static const char *lang_code(bm_render_lang l)
{
    return l == BM_LANG_AR ? "ar" : l == BM_LANG_EN ? "en" : "both";
}

/* Frame k's delay: differences of rounded start times, so a frame rate that
 * is not a whole number of milliseconds keeps its true average. */
static int frame_delay_ms(const bm_anim_output *o, size_t k, size_t n)
{
    double step = 1000.0 / o->fps;
    int d = (int)(llround((double)(k + 1) * step) - llround((double)k * step));
    if (k + 1 == n)
        d += (int)llround(o->hold_last * 1000.0);
    return d;
}

typedef struct frame_job {
    cairo_surface_t *surface;
    bm_render_item *items;
    double sx, sy;
} frame_job;

static int draw_one(bm_renderer *r, frame_job *j, const bm_anim_frame *f, bm_error *err)
{
    for (size_t i = 0; i < f->n_items; i++)
        j->items[i] = (bm_render_item){f->items[i].inc, f->items[i].scale, f->items[i].alpha};
    bm_render_frame rf = {
        .items = j->items,
        .n_items = f->n_items,
        .counts = f->counts,
        .stamp = f->stamp,
        .has_cursor = 1,
        .cursor_from = f->slice.start,
        .cursor_to = f->slice.end,
    };
    cairo_t *cr = cairo_create(j->surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, j->sx, j->sy);
    int rc = bm_renderer_draw_frame(r, cr, &rf, err);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(j->surface);
    if (rc == BM_OK && st != CAIRO_STATUS_SUCCESS)
        rc = bm_error_set(err, BM_ERENDER, "frame %zu: %s", f->index + 1,
                          cairo_status_to_string(st));
    return rc;
}

static int open_output(bm_renderer *r, const char *path, const bm_anim_output *o, frame_job *j,
                       bm_anim_writer **w, bm_error *err)
{
    double w_pt, h_pt;
    int w_px, h_px;
    bm_renderer_page(r, &w_pt, &h_pt, &w_px, &h_px);
    j->sx = w_px / w_pt;
    j->sy = h_px / h_pt;
    j->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w_px, h_px);
    if (cairo_surface_status(j->surface) != CAIRO_STATUS_SUCCESS)
        return bm_error_set(err, BM_ENOMEM, "cannot allocate a %dx%d frame", w_px, h_px);
    /* The palette from the style: its fills as grounds, the incident colours (first among
     * the inks) with their antialiased and faded shades over each of them. */
    uint32_t grounds[16], inks[64];
    size_t n_grounds = 0, n_inks = 0;
    bm_renderer_style_colours(r, grounds, 16, &n_grounds, inks, 64, &n_inks);
    bm_anim_writer_opts wo = o->writer;
    wo.width = w_px;
    wo.height = h_px;
    wo.grounds = grounds;
    wo.n_grounds = n_grounds;
    wo.inks = inks;
    wo.n_inks = n_inks;
    wo.n_blend_inks = BM_N_TYPES;
    return bm_anim_writer_open(path, &wo, w, err);
}

int bm_anim_render(bm_anim *a, bm_renderer *r, const char *path, const bm_anim_output *o,
                   bm_anim_stats *stats, bm_error *err)
{
    if (!(o->fps > 0) || o->hold_last < 0)
        return bm_error_set(err, BM_EINVAL, "the frame rate must be positive");
    bm_anim_stats st = {0, 0, 0};
    frame_job j = {0};
    bm_anim_writer *w = NULL;
    j.items = malloc((a->n_inc ? a->n_inc : 1) * sizeof *j.items);
    int rc = j.items ? open_output(r, path, o, &j, &w, err)
                     : bm_error_set(err, BM_ENOMEM, "out of memory");
    for (size_t k = 0; rc == BM_OK && k < a->n; k++) {
        bm_anim_frame f;
        double t0 = now_seconds();
        rc = bm_anim_frame_at(a, k, lang_code(o->lang), &f, err);
        if (rc == BM_OK)
            rc = draw_one(r, &j, &f, err);
        double t1 = now_seconds();
        if (rc == BM_OK)
            rc = bm_anim_writer_add(w, cairo_image_surface_get_data(j.surface),
                                    cairo_image_surface_get_stride(j.surface),
                                    frame_delay_ms(o, k, a->n), err);
        st.draw_seconds += t1 - t0;
        st.encode_seconds += now_seconds() - t1;
        st.frames += rc == BM_OK;
        if (rc == BM_OK && o->progress)
            o->progress(o->user, k + 1, a->n);
    }
    double t1 = now_seconds();
    if (rc == BM_OK) {
        rc = bm_anim_writer_finish(w, err);
        w = NULL;
    }
    st.encode_seconds += now_seconds() - t1;
    bm_anim_writer_abort(w);
    cairo_surface_destroy(j.surface);
    free(j.items);
    if (stats)
        *stats = st;
    return rc;
}
