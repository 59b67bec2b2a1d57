/* test_animate.c: the time axis of `bordermap animate` (calendar slices,
 * windows, fading, stamps) and its writers, read back with giflib's DGifSlurp,
 * libwebp's WebPAnimDecoder and cairo's PNG reader.
 * Never compares against numbers produced by the code under test. */
#include <cairo.h>
#include <dlfcn.h>
#include <gif_lib.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <webp/demux.h>

#include "bm_test.h"
#include "gif_writer_private.h"

static bm_date D(int y, int m, int d)
{
    return (bm_date){y, m, d};
}

#define ASSERT_DATE(got, y, m, d)                                                                  \
    do {                                                                                           \
        bm_date g__ = (got);                                                                       \
        if (g__.year != (y) || g__.month != (m) || g__.day != (d))                                 \
            BM_FAIL_AT("%s == %04d-%02d-%02d, want %04d-%02d-%02d", #got, g__.year, g__.month,     \
                       g__.day, (y), (m), (d));                                                    \
    } while (0)

/* ---- Steps, windows, slices ------------------------------------------- */

static void test_parse(void)
{
    bm_anim_step s;
    bm_error err;
    BM_ASSERT_EQ_INT(bm_anim_step_parse("day", &s, &err), BM_OK);
    BM_ASSERT_EQ_INT(s.unit, BM_ANIM_DAYS);
    BM_ASSERT_EQ_INT(s.n, 1);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("week", &s, &err), BM_OK);
    BM_ASSERT_EQ_INT(s.n, 7);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("month", &s, &err), BM_OK);
    BM_ASSERT_EQ_INT(s.unit, BM_ANIM_MONTHS);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("10d", &s, &err), BM_OK);
    BM_ASSERT_EQ_INT(s.n, 10);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("0d", &s, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("3", &s, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("3dd", &s, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("-3d", &s, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_step_parse("fortnight", &s, &err), BM_EINVAL);

    bm_anim_window w;
    BM_ASSERT_EQ_INT(bm_anim_window_parse("cumulative", &w, &err), BM_OK);
    BM_ASSERT_EQ_INT(w.cumulative, 1);
    BM_ASSERT_EQ_INT(bm_anim_window_parse("4", &w, &err), BM_OK);
    BM_ASSERT_EQ_INT(w.cumulative, 0);
    BM_ASSERT_EQ_INT(w.steps, 4);
    BM_ASSERT_EQ_INT(bm_anim_window_parse("0", &w, &err), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_window_parse("4x", &w, &err), BM_EINVAL);
}

static void test_month_slices(void)
{
    bm_anim_slice *s = NULL;
    size_t n = 0;
    bm_error err;
    bm_anim_step month = {BM_ANIM_MONTHS, 1};
    /* Mid-month start and end in a leap year: Jan 15-31, Feb (29 days), Mar, Apr 1-10. */
    BM_ASSERT_EQ_INT(bm_anim_slices(D(2024, 1, 15), D(2024, 4, 10), month, &s, &n, &err), BM_OK);
    BM_REQUIRE(n == 4);
    ASSERT_DATE(s[0].start, 2024, 1, 15);
    ASSERT_DATE(s[0].end, 2024, 1, 31);
    ASSERT_DATE(s[1].start, 2024, 2, 1);
    ASSERT_DATE(s[1].end, 2024, 2, 29);
    ASSERT_DATE(s[2].end, 2024, 3, 31);
    ASSERT_DATE(s[3].start, 2024, 4, 1);
    ASSERT_DATE(s[3].end, 2024, 4, 10);
    free(s);

    /* A calendar year across a year boundary: Dec 2022 .. Nov 2023 is 12 frames. */
    BM_ASSERT_EQ_INT(bm_anim_slices(D(2022, 12, 1), D(2023, 11, 30), month, &s, &n, &err), BM_OK);
    BM_ASSERT_EQ_INT(n, 12);
    ASSERT_DATE(s[2].end, 2023, 2, 28);
    free(s);

    /* Quarters: two-month steps still end on month ends. */
    bm_anim_step two = {BM_ANIM_MONTHS, 2};
    BM_ASSERT_EQ_INT(bm_anim_slices(D(2023, 1, 1), D(2023, 12, 31), two, &s, &n, &err), BM_OK);
    BM_ASSERT_EQ_INT(n, 6);
    ASSERT_DATE(s[0].end, 2023, 2, 28);
    ASSERT_DATE(s[5].start, 2023, 11, 1);
    free(s);
}

static void test_day_slices(void)
{
    bm_anim_slice *s = NULL;
    size_t n = 0;
    bm_error err;
    /* 2024-01-01 .. 2024-03-31 is 91 days: 13 weeks exactly. */
    BM_ASSERT_EQ_INT(bm_anim_slices(D(2024, 1, 1), D(2024, 3, 31), (bm_anim_step){BM_ANIM_DAYS, 7},
                                    &s, &n, &err),
                     BM_OK);
    BM_ASSERT_EQ_INT(n, 13);
    ASSERT_DATE(s[12].start, 2024, 3, 25);
    ASSERT_DATE(s[12].end, 2024, 3, 31);
    free(s);
    /* 10 days in 3-day steps: 3+3+3+1. */
    BM_ASSERT_EQ_INT(bm_anim_slices(D(2024, 2, 27), D(2024, 3, 7), (bm_anim_step){BM_ANIM_DAYS, 3},
                                    &s, &n, &err),
                     BM_OK);
    BM_REQUIRE(n == 4);
    ASSERT_DATE(s[0].end, 2024, 2, 29);
    ASSERT_DATE(s[3].start, 2024, 3, 7);
    ASSERT_DATE(s[3].end, 2024, 3, 7);
    free(s);
    BM_ASSERT_EQ_INT(
        bm_anim_slices(D(2024, 3, 1), D(2024, 2, 1), (bm_anim_step){BM_ANIM_DAYS, 1}, &s, &n, &err),
        BM_EINVAL);
    BM_ASSERT_EQ_INT(
        bm_anim_slices(D(1900, 1, 1), D(2024, 1, 1), (bm_anim_step){BM_ANIM_DAYS, 1}, &s, &n, &err),
        BM_EINVAL);
}

/* ---- Visibility and fading -------------------------------------------- */

static bm_anim *make_anim(bm_date from, bm_date to, const char *step, const char *window, int fade)
{
    bm_anim_opts o;
    bm_anim_opts_init(&o);
    o.from = from;
    o.to = to;
    bm_error err;
    BM_REQUIRE(bm_anim_step_parse(step, &o.step, &err) == BM_OK);
    BM_REQUIRE(bm_anim_window_parse(window, &o.window, &err) == BM_OK);
    if (fade)
        bm_fade_default(&o.fade, o.window);
    bm_anim *a = NULL;
    if (bm_anim_new(&o, &a, &err) != BM_OK) {
        fprintf(stderr, "bm_anim_new: %s\n", bm_error_text(&err));
        exit(1);
    }
    return a;
}

static void test_month_precision_incident(void)
{
    /* Weekly frames through Q1 2024 (Mondays: Jan 1 is a Monday). An incident
     * dated only "February 2024" must show in every week touching February,
     * and with a one-step window vanish in the first week wholly in March. */
    bm_anim *a = make_anim(D(2024, 1, 1), D(2024, 3, 31), "week", "1", 0);
    size_t first = 99, last = 99;
    BM_REQUIRE(bm_anim_span(a, D(2024, 2, 1), D(2024, 2, 29), &first, &last));
    BM_ASSERT_EQ_INT(first, 4); /* Jan 29 - Feb 4 */
    BM_ASSERT_EQ_INT(last, 8);  /* Feb 26 - Mar 3 */
    for (size_t k = 0; k < bm_anim_frame_count(a); k++) {
        int want = k >= 4 && k <= 8;
        BM_ASSERT_EQ_INT(bm_anim_visible(a, k, first, last, NULL), want);
    }
    /* A day incident before and after the range. */
    BM_ASSERT_EQ_INT(bm_anim_span(a, D(2023, 12, 31), D(2023, 12, 31), &first, &last), 0);
    BM_ASSERT_EQ_INT(bm_anim_span(a, D(2024, 4, 1), D(2024, 4, 1), &first, &last), 0);
    /* One that started before the range is there from the first frame. */
    BM_ASSERT_EQ_INT(bm_anim_span(a, D(2023, 12, 1), D(2024, 1, 2), &first, &last), 1);
    BM_ASSERT_EQ_INT(first, 0);
    BM_ASSERT_EQ_INT(last, 0);
    bm_anim_free(a);

    /* Cumulative: once in, always in. */
    a = make_anim(D(2024, 1, 1), D(2024, 3, 31), "week", "cumulative", 0);
    BM_REQUIRE(bm_anim_span(a, D(2024, 1, 10), D(2024, 1, 10), &first, &last));
    BM_ASSERT_EQ_INT(first, 1);
    BM_ASSERT_EQ_INT(bm_anim_visible(a, 0, first, last, NULL), 0);
    BM_ASSERT_EQ_INT(bm_anim_visible(a, 12, first, last, NULL), 1);
    bm_anim_free(a);

    /* A 3-step window keeps a one-frame incident for exactly 3 frames. */
    a = make_anim(D(2024, 1, 1), D(2024, 1, 20), "day", "3", 0);
    BM_REQUIRE(bm_anim_span(a, D(2024, 1, 5), D(2024, 1, 5), &first, &last));
    int shown = 0;
    for (size_t k = 0; k < bm_anim_frame_count(a); k++)
        shown += bm_anim_visible(a, k, first, last, NULL);
    BM_ASSERT_EQ_INT(shown, 3);
    bm_anim_free(a);
}

static void test_fade(void)
{
    bm_fade f;
    bm_fade_default(&f, (bm_anim_window){0, 6});
    /* Appears large, settles to normal size. */
    bm_fade_sample s0 = bm_fade_at(&f, 0, 1);
    BM_ASSERT(s0.scale > 1.5);
    BM_ASSERT_NEAR(s0.alpha, 1.0, 1e-9);
    double prev_scale = s0.scale;
    for (int age = 1; age <= 2; age++) {
        bm_fade_sample s = bm_fade_at(&f, age, 1);
        BM_ASSERT(s.scale < prev_scale);
        prev_scale = s.scale;
    }
    BM_ASSERT_NEAR(bm_fade_at(&f, 2, 1).scale, 1.0, 1e-9);
    BM_ASSERT_NEAR(bm_fade_at(&f, 9, 1).scale, 1.0, 1e-9);
    /* Fades step by step over the window, ending faint but visible. */
    double prev_alpha = 1.0;
    for (int age = 1; age <= 5; age++) {
        bm_fade_sample s = bm_fade_at(&f, age, 1);
        if (!(s.alpha < prev_alpha))
            BM_FAIL_AT("alpha at age %d is %.3f, not below %.3f", age, s.alpha, prev_alpha);
        prev_alpha = s.alpha;
    }
    BM_ASSERT(prev_alpha > 0.1 && prev_alpha < 0.4);
    /* A month-long incident in weekly frames stays opaque while active. */
    BM_ASSERT_NEAR(bm_fade_at(&f, 3, 5).alpha, 1.0, 1e-9);
    BM_ASSERT(bm_fade_at(&f, 5, 5).alpha < 1.0);
    /* No fade: constant. */
    bm_fade none;
    bm_fade_none(&none);
    BM_ASSERT_NEAR(bm_fade_at(&none, 0, 1).scale, 1.0, 1e-9);
    BM_ASSERT_NEAR(bm_fade_at(&none, 50, 1).alpha, 1.0, 1e-9);

    /* Through the plan: alpha falls frame by frame after the incident. */
    bm_anim *a = make_anim(D(2024, 1, 1), D(2024, 1, 31), "day", "cumulative", 1);
    size_t first, last;
    BM_REQUIRE(bm_anim_span(a, D(2024, 1, 3), D(2024, 1, 3), &first, &last));
    prev_alpha = 2;
    for (size_t k = first; k < first + 7; k++) {
        bm_fade_sample s;
        BM_REQUIRE(bm_anim_visible(a, k, first, last, &s));
        BM_ASSERT(s.alpha < prev_alpha);
        prev_alpha = s.alpha;
    }
    bm_fade_sample later;
    BM_REQUIRE(bm_anim_visible(a, 30, first, last, &later));
    BM_ASSERT_NEAR(later.alpha, prev_alpha, 1e-9); /* stays at the floor */
    bm_anim_free(a);
}

/* ---- Frames from a store ---------------------------------------------- */

static int64_t add_incident(bm_store *st, const char *type, const char *date, double lon,
                            double lat)
{
    bm_incident inc;
    bm_incident_init(&inc);
    BM_REQUIRE(bm_date_parse_iso(date, &inc.date_start, &inc.date_end, &inc.date_precision, NULL) ==
               BM_OK);
    snprintf(inc.type, sizeof inc.type, "%s", type);
    inc.pt = (bm_lonlat){lon, lat};
    if (bm_store_incident_add(st, &inc) != BM_OK) {
        BM_FAIL_AT("incident_add: %s", bm_store_errmsg(st));
        exit(1);
    }
    return inc.id;
}

static int frame_has(const bm_anim_frame *f, int64_t id)
{
    for (size_t i = 0; i < f->n_items; i++)
        if (f->items[i].inc->id == id)
            return 1;
    return 0;
}

static void test_frames_from_store(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/frames.sqlite", dir);
    bm_store *st = NULL;
    bm_error err;
    if (bm_store_open(path, 0, &st, &err) != BM_OK) {
        BM_FAIL_AT("store_open: %s", bm_error_text(&err));
        return;
    }
    int64_t clash = add_incident(st, "clash", "2024-01-10", 41.0, 34.4);
    int64_t feb = add_incident(st, "smuggling", "2024-02", 40.9, 34.5);
    int64_t march = add_incident(st, "airstrike", "2024-03-20", 41.1, 34.3);
    add_incident(st, "attack", "2023-11-02", 41.2, 34.2); /* before the range */

    bm_anim *a = make_anim(D(2024, 1, 1), D(2024, 3, 31), "week", "2", 1);
    bm_query q;
    bm_query_init(&q);
    if (bm_anim_load(a, st, &q, &err) != BM_OK)
        BM_FAIL_AT("bm_anim_load: %s", bm_error_text(&err));
    BM_ASSERT_EQ_INT(bm_anim_incident_count(a), 3);
    int feb_frames = 0, fading = 0;
    for (size_t k = 0; k < bm_anim_frame_count(a); k++) {
        bm_anim_frame f;
        BM_REQUIRE(bm_anim_frame_at(a, k, "en", &f, &err) == BM_OK);
        BM_ASSERT_EQ_INT(f.index, k);
        BM_ASSERT_EQ_INT(f.count, 13);
        /* The clash (week 2, Jan 8-14) shows in weeks 2 and 3 (window 2). */
        BM_ASSERT_EQ_INT(frame_has(&f, clash), k == 1 || k == 2);
        /* The month-precision incident shows in each week touching February
         * (Jan 29 - Feb 4 .. Feb 26 - Mar 3) and one more week. */
        feb_frames += frame_has(&f, feb);
        BM_ASSERT_EQ_INT(frame_has(&f, feb), k >= 4 && k <= 9);
        BM_ASSERT_EQ_INT(frame_has(&f, march), k >= 11);
        int smuggling = bm_type_index("smuggling");
        BM_ASSERT_EQ_INT(f.counts[smuggling], frame_has(&f, feb));
        BM_ASSERT_EQ_INT(f.new_counts[smuggling], k == 4);
        for (size_t i = 0; i < f.n_items; i++)
            fading += f.items[i].alpha < 1.0;
        if (k == 1) {
            BM_ASSERT_EQ_STR(f.stamp, "8–14 January 2024");
            ASSERT_DATE(f.window_start, 2024, 1, 1);
            BM_REQUIRE(f.n_items == 1);
            BM_ASSERT(f.items[0].scale > 1.0); /* appears large */
            BM_ASSERT_EQ_INT(f.items[0].is_new, 1);
        }
        if (k == 5)
            ASSERT_DATE(f.window_start, 2024, 1, 29);
    }
    BM_ASSERT_EQ_INT(feb_frames, 6);
    BM_ASSERT(fading >= 2);
    bm_anim_free(a);
    bm_store_close(st);
}

/* ---- Date stamps ------------------------------------------------------ */

static void test_stamps(void)
{
    char buf[256];
    bm_anim *a = make_anim(D(2024, 1, 15), D(2024, 4, 10), "month", "cumulative", 0);
    BM_ASSERT_EQ_INT(bm_anim_stamp(a, 1, "en", buf, sizeof buf), BM_OK);
    BM_ASSERT_EQ_STR(buf, "February 2024");
    bm_anim_stamp(a, 1, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "شباط 2024");
    bm_anim_stamp(a, 0, "en", buf, sizeof buf); /* the partial first month */
    BM_ASSERT_EQ_STR(buf, "15–31 January 2024");
    bm_anim_stamp(a, 0, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "من 15 إلى 31 كانون الثاني 2024");
    bm_anim_stamp(a, 2, "both", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "March 2024\nآذار 2024");
    BM_ASSERT_EQ_INT(bm_anim_stamp(a, 2, "fr", buf, sizeof buf), BM_EINVAL);
    BM_ASSERT_EQ_INT(bm_anim_stamp(a, 4, "en", buf, sizeof buf), BM_EINVAL);
    bm_anim_free(a);

    a = make_anim(D(2023, 12, 25), D(2024, 1, 14), "week", "cumulative", 0);
    bm_anim_stamp(a, 0, "en", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "25–31 December 2023");
    bm_anim_stamp(a, 1, "en", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "1–7 January 2024");
    bm_anim_stamp(a, 1, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "من 1 إلى 7 كانون الثاني 2024");
    bm_anim_free(a);

    a = make_anim(D(2023, 12, 28), D(2024, 1, 14), "week", "cumulative", 0);
    bm_anim_stamp(a, 0, "en", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "28 December 2023 – 3 January 2024");
    bm_anim_stamp(a, 0, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "من 28 كانون الأول 2023 إلى 3 كانون الثاني 2024");
    bm_anim_free(a);

    a = make_anim(D(2024, 2, 27), D(2024, 3, 5), "week", "cumulative", 0);
    bm_anim_stamp(a, 0, "en", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "27 February – 4 March 2024");
    bm_anim_stamp(a, 0, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "من 27 شباط إلى 4 آذار 2024");
    bm_anim_free(a);

    a = make_anim(D(2024, 3, 9), D(2024, 3, 10), "day", "cumulative", 0);
    bm_anim_stamp(a, 1, "en", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "10 March 2024");
    bm_anim_stamp(a, 1, "ar", buf, sizeof buf);
    BM_ASSERT_EQ_STR(buf, "10 آذار 2024");
    bm_anim_free(a);
}

/* ---- Synthetic frames ------------------------------------------------- */

enum { W = 96, H = 64, NFRAMES = 6, DOT_FRAME = 3 };
static const uint32_t LAND = 0xf2efe9, RIVER = 0x4a90c8, DOT = 0xd7301f, BOX = 0x1b9e77;

static void set_rgb(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0, (c & 255) / 255.0);
}

/* Frame k: land, a diagonal antialiased river, a box sliding right and,
 * from DOT_FRAME on, a red "incident" dot at (70, 48). */
static cairo_surface_t *synthetic_frame(int k)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    set_rgb(cr, LAND);
    cairo_paint(cr);
    set_rgb(cr, RIVER);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, 0, 60);
    cairo_line_to(cr, 96, 5);
    cairo_stroke(cr);
    set_rgb(cr, BOX);
    cairo_rectangle(cr, 4 + 4 * k, 40, 10, 10);
    cairo_fill(cr);
    if (k >= DOT_FRAME) {
        set_rgb(cr, DOT);
        cairo_arc(cr, 70.5, 48.5, 5, 0, 2 * M_PI);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(s);
    return s;
}

static uint32_t surface_rgb(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    return ((const uint32_t *)(const void *)(d +
                                             (size_t)y * cairo_image_surface_get_stride(s)))[x] &
           0xffffff;
}

static int colour_close(uint32_t a, uint32_t b, int tol)
{
    for (int sh = 0; sh <= 16; sh += 8) {
        int d = (int)(a >> sh & 255) - (int)(b >> sh & 255);
        if (d > tol || d < -tol)
            return 0;
    }
    return 1;
}

/* Writes the synthetic frames; *err (may be NULL) gets the failure. */
static int write_synthetic_err(const char *path, bm_anim_format fmt, int delay_ms, bm_error *err);

static int write_synthetic(const char *path, bm_anim_format fmt, int delay_ms)
{
    bm_error err;
    int rc = write_synthetic_err(path, fmt, delay_ms, &err);
    if (rc != BM_OK)
        fprintf(stderr, "writing %s: %s\n", path, bm_error_text(&err));
    return rc;
}

static int write_synthetic_err(const char *path, bm_anim_format fmt, int delay_ms, bm_error *err)
{
    bm_anim_writer_opts o;
    bm_anim_writer_opts_init(&o);
    o.format = fmt;
    o.width = W;
    o.height = H;
    uint32_t grounds[] = {LAND}, inks[] = {RIVER, DOT, BOX};
    o.grounds = grounds;
    o.n_grounds = 1;
    o.inks = inks;
    o.n_inks = 3;
    bm_anim_writer *w = NULL;
    int rc = bm_anim_writer_open(path, &o, &w, err);
    for (int k = 0; rc == BM_OK && k < NFRAMES; k++) {
        cairo_surface_t *s = synthetic_frame(k);
        rc = bm_anim_writer_add(w, cairo_image_surface_get_data(s),
                                cairo_image_surface_get_stride(s), delay_ms, err);
        cairo_surface_destroy(s);
    }
    if (rc == BM_OK)
        rc = bm_anim_writer_finish(w, err);
    else
        bm_anim_writer_abort(w);
    return rc;
}

/* ---- GIF read back ---------------------------------------------------- */

/* Composites GIF frame `upto` (disposal "do not dispose", as written) into
 * canvas (W*H 0xRRGGBB). */
static void gif_compose(const GifFileType *gif, int upto, uint32_t *canvas)
{
    const ColorMapObject *map = gif->SColorMap;
    for (int i = 0; i <= upto; i++) {
        const SavedImage *im = &gif->SavedImages[i];
        GraphicsControlBlock gcb;
        DGifSavedExtensionToGCB((GifFileType *)gif, i, &gcb);
        const GifImageDesc *d = &im->ImageDesc;
        for (int y = 0; y < d->Height; y++)
            for (int x = 0; x < d->Width; x++) {
                int idx = im->RasterBits[y * d->Width + x];
                if (idx == gcb.TransparentColor)
                    continue;
                GifColorType c = map->Colors[idx];
                canvas[(d->Top + y) * gif->SWidth + d->Left + x] =
                    (uint32_t)c.Red << 16 | (uint32_t)c.Green << 8 | c.Blue;
            }
    }
}

static int has_netscape_loop(const GifFileType *gif)
{
    const SavedImage *im = &gif->SavedImages[0];
    for (int i = 0; i + 1 < im->ExtensionBlockCount; i++) {
        const ExtensionBlock *e = &im->ExtensionBlocks[i];
        if (e->Function == APPLICATION_EXT_FUNC_CODE && e->ByteCount == 11 &&
            memcmp(e->Bytes, "NETSCAPE2.0", 11) == 0) {
            const ExtensionBlock *sub = &im->ExtensionBlocks[i + 1];
            return sub->ByteCount == 3 && sub->Bytes[0] == 1 && sub->Bytes[1] == 0 &&
                   sub->Bytes[2] == 0;
        }
    }
    return 0;
}

static GifFileType *gif_slurp(const char *path)
{
    int e = 0;
    GifFileType *gif = DGifOpenFileName(path, &e);
    if (!gif || DGifSlurp(gif) != GIF_OK) {
        BM_FAIL_AT("cannot read %s: %s", path, GifErrorString(gif ? gif->Error : e));
        if (gif)
            DGifCloseFile(gif, &e);
        return NULL;
    }
    return gif;
}

static void test_gif(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/synthetic.gif", dir);
    BM_REQUIRE(write_synthetic(path, BM_ANIM_GIF, 33) == BM_OK);
    GifFileType *gif = gif_slurp(path);
    BM_REQUIRE(gif);
    BM_ASSERT_EQ_INT(gif->SWidth, W);
    BM_ASSERT_EQ_INT(gif->SHeight, H);
    BM_ASSERT_EQ_INT(gif->ImageCount, NFRAMES);
    BM_ASSERT(gif->SColorMap && gif->SColorMap->ColorCount <= 256);
    BM_ASSERT(has_netscape_loop(gif));
    /* 33 ms frames: centiseconds rounded on the running total. */
    static const int want_cs[NFRAMES] = {3, 4, 3, 3, 4, 3};
    for (int i = 0; i < gif->ImageCount; i++) {
        GraphicsControlBlock gcb;
        BM_REQUIRE(DGifSavedExtensionToGCB(gif, i, &gcb) == GIF_OK);
        BM_ASSERT_EQ_INT(gcb.DelayTime, want_cs[i]);
        BM_ASSERT_EQ_INT(gcb.DisposalMode, DISPOSE_DO_NOT);
    }
    /* Later frames carry only the changed rectangle. */
    BM_ASSERT_EQ_INT(gif->SavedImages[0].ImageDesc.Width, W);
    BM_ASSERT(gif->SavedImages[1].ImageDesc.Width < W / 2);
    BM_ASSERT(gif->SavedImages[1].ImageDesc.Height < H / 2);

    uint32_t canvas[W * H];
    for (int k = 0; k < NFRAMES; k++) {
        gif_compose(gif, k, canvas);
        cairo_surface_t *ref = synthetic_frame(k);
        /* The dot is absent before its frame and present from it on. */
        uint32_t dot = canvas[48 * W + 70];
        if (k < DOT_FRAME)
            BM_ASSERT_EQ_INT(dot, LAND);
        else
            BM_ASSERT_EQ_INT(dot, DOT);
        /* Every pixel close to the true frame: flat colours exact, and the
         * antialiased edges within the palette's shade spacing. */
        int exact = 0, far = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                uint32_t want = surface_rgb(ref, x, y), got = canvas[y * W + x];
                exact += want == got;
                far += !colour_close(want, got, 24);
            }
        BM_ASSERT(exact > W * H * 9 / 10);
        if (far)
            BM_FAIL_AT("frame %d: %d pixels off by more than 24", k, far);
        cairo_surface_destroy(ref);
    }
    int e;
    DGifCloseFile(gif, &e);

    /* 10 ms frames become 2 cs, never 1 or 0. */
    bm_error err;
    BM_ASSERT_EQ_INT(write_synthetic_err(path, BM_ANIM_GIF, 10, &err),
                     BM_EEXIST); /* no overwrite */
    unlink(path);
    BM_REQUIRE(write_synthetic(path, BM_ANIM_GIF, 10) == BM_OK);
    gif = gif_slurp(path);
    BM_REQUIRE(gif);
    for (int i = 0; i < gif->ImageCount; i++) {
        GraphicsControlBlock gcb;
        DGifSavedExtensionToGCB(gif, i, &gcb);
        BM_ASSERT_EQ_INT(gcb.DelayTime, 2);
    }
    DGifCloseFile(gif, &e);
}

static void test_palette(void)
{
    bm__rgb grounds[] = {{242, 239, 233}, {200, 220, 240}, {230, 225, 210}};
    bm__rgb inks[20];
    for (int i = 0; i < 20; i++)
        inks[i] = (bm__rgb){(uint8_t)(i * 12), (uint8_t)(255 - i * 9), (uint8_t)(i * 5 + 40)};
    bm__palette p;
    bm__palette_build(&p, grounds, 3, inks, 20, 0, NULL, 0, 0, 0);
    BM_ASSERT(p.n <= 256);
    BM_ASSERT(p.n > 3 + 20 + 16);
    /* Every seed colour is held exactly, and a half blend nearly so. */
    for (int i = 0; i < 20; i++) {
        bm__rgb c = p.c[bm__palette_nearest(&p, inks[i])];
        BM_ASSERT(c.r == inks[i].r && c.g == inks[i].g && c.b == inks[i].b);
    }
    bm__rgb half = {(uint8_t)((inks[7].r + 242) / 2), (uint8_t)((inks[7].g + 239) / 2),
                    (uint8_t)((inks[7].b + 233) / 2)};
    bm__rgb got = p.c[bm__palette_nearest(&p, half)];
    BM_ASSERT(abs(got.r - half.r) <= 4 && abs(got.g - half.g) <= 4 && abs(got.b - half.b) <= 4);
    /* The transparent slot is never a colour answer. */
    BM_ASSERT(bm__palette_nearest(&p, p.c[0]) != 0);
}

/* ---- WebP read back with libwebp's WebPAnimDecoder --------------------- */

/* The decoder lives in libwebpdemux, which the library does not link (it
 * only encodes); load it at run time so the test reads the file with the
 * reference decoder rather than with our own code. */
typedef struct webp_demux_api {
    void *lib;
    int (*opts_init)(WebPAnimDecoderOptions *, int);
    WebPAnimDecoder *(*dec_new)(const WebPData *, const WebPAnimDecoderOptions *, int);
    int (*get_info)(const WebPAnimDecoder *, WebPAnimInfo *);
    int (*get_next)(WebPAnimDecoder *, uint8_t **, int *);
    void (*del)(WebPAnimDecoder *);
} webp_demux_api;

static int load_demux(webp_demux_api *api)
{
    api->lib = dlopen("libwebpdemux.so.2", RTLD_NOW);
    if (!api->lib)
        return 0;
    *(void **)&api->opts_init = dlsym(api->lib, "WebPAnimDecoderOptionsInitInternal");
    *(void **)&api->dec_new = dlsym(api->lib, "WebPAnimDecoderNewInternal");
    *(void **)&api->get_info = dlsym(api->lib, "WebPAnimDecoderGetInfo");
    *(void **)&api->get_next = dlsym(api->lib, "WebPAnimDecoderGetNext");
    *(void **)&api->del = dlsym(api->lib, "WebPAnimDecoderDelete");
    return api->opts_init && api->dec_new && api->get_info && api->get_next && api->del;
}

static void test_webp(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/synthetic.webp", dir);
    BM_REQUIRE(write_synthetic(path, BM_ANIM_WEBP, 40) == BM_OK);
    webp_demux_api api = {0};
    BM_REQUIRE(load_demux(&api));
    char *bytes = NULL;
    size_t len = 0;
    BM_REQUIRE(bm_read_file(path, &bytes, &len, NULL) == BM_OK);
    WebPData data = {(const uint8_t *)bytes, len};
    WebPAnimDecoderOptions opt;
    BM_REQUIRE(api.opts_init(&opt, WEBP_DEMUX_ABI_VERSION));
    opt.color_mode = MODE_BGRA; /* byte order of cairo's ARGB32 on little-endian */
    WebPAnimDecoder *dec = api.dec_new(&data, &opt, WEBP_DEMUX_ABI_VERSION);
    BM_REQUIRE(dec);
    WebPAnimInfo info;
    BM_REQUIRE(api.get_info(dec, &info));
    BM_ASSERT_EQ_INT(info.canvas_width, W);
    BM_ASSERT_EQ_INT(info.canvas_height, H);
    BM_ASSERT_EQ_INT(info.frame_count, NFRAMES);
    BM_ASSERT_EQ_INT(info.loop_count, 0);
    for (int k = 0; k < NFRAMES; k++) {
        uint8_t *px = NULL;
        int ts = 0;
        BM_REQUIRE(api.get_next(dec, &px, &ts));
        BM_ASSERT_EQ_INT(ts, 40 * (k + 1)); /* end time of frame k */
        const uint8_t *p = px + 4 * (48 * W + 70);
        uint32_t dot = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
        BM_ASSERT_EQ_INT(dot, k < DOT_FRAME ? LAND : DOT);
        /* Lossless: every pixel equals the drawn frame. */
        cairo_surface_t *ref = synthetic_frame(k);
        int diff = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                const uint8_t *q = px + 4 * (y * W + x);
                diff +=
                    surface_rgb(ref, x, y) != ((uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0]);
            }
        BM_ASSERT_EQ_INT(diff, 0);
        cairo_surface_destroy(ref);
    }
    api.del(dec);
    dlclose(api.lib);
    free(bytes);
}

/* ---- PNG frames ------------------------------------------------------- */

static void test_frames_dir(const char *dir)
{
    char out[512], name[600];
    snprintf(out, sizeof out, "%s/frames/", dir);
    mkdir(out, 0777);
    /* A stale frame from an older, longer run and an unrelated file. */
    snprintf(name, sizeof name, "%sframe-0042.png", out);
    FILE *fp = fopen(name, "w");
    BM_REQUIRE(fp);
    fclose(fp);
    snprintf(name, sizeof name, "%snotes.txt", out);
    fp = fopen(name, "w");
    BM_REQUIRE(fp);
    fclose(fp);
    BM_REQUIRE(write_synthetic(out, BM_ANIM_FRAMES, 100) == BM_OK);
    for (int k = 0; k < NFRAMES; k++) {
        snprintf(name, sizeof name, "%sframe-%04d.png", out, k + 1);
        cairo_surface_t *s = cairo_image_surface_create_from_png(name);
        BM_ASSERT_EQ_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
            BM_ASSERT_EQ_INT(cairo_image_surface_get_width(s), W);
            BM_ASSERT_EQ_INT(surface_rgb(s, 70, 48), k < DOT_FRAME ? LAND : DOT);
        }
        cairo_surface_destroy(s);
    }
    snprintf(name, sizeof name, "%sframe-0042.png", out);
    BM_ASSERT(access(name, F_OK) != 0);
    snprintf(name, sizeof name, "%snotes.txt", out);
    BM_ASSERT(access(name, F_OK) == 0);
    snprintf(name, sizeof name, "%sframe-%04d.png", out, NFRAMES + 1);
    BM_ASSERT(access(name, F_OK) != 0);
}

/* ---- Through the renderer -------------------------------------------- */

/* A smuggling incident in the Anbar desert, away from towns and furniture. */
static const bm_lonlat PROBE = {41.30, 33.15};

typedef struct render_fixture {
    bm_store *store;
    int64_t probe_id;
    double rgb[3]; /* the smuggling colour of the style */
    int px, py;    /* the probe's pixel */
    int w, h;
} render_fixture;

static bm_renderer *make_renderer(render_fixture *fx, bm_anim *a, bm_date from, bm_date to)
{
    bm_render_opts ro;
    bm_render_opts_init(&ro);
    BM_REQUIRE(bm_render_opts_set_pixels(&ro, 640, 480) == BM_OK);
    ro.has_from = ro.has_to = 1;
    ro.from = from;
    ro.to = to;
    bm_renderer *r = NULL;
    bm_error err;
    if (bm_renderer_new(&ro, &r, &err) != BM_OK) {
        BM_FAIL_AT("bm_renderer_new: %s", bm_error_text(&err));
        exit(1);
    }
    size_t n = 0;
    const bm_incident *incs = bm_anim_incidents(a, &n);
    BM_REQUIRE(bm_renderer_set_incidents(r, incs, n, &err) == BM_OK);
    return r;
}

/* The probe's pixel and colour; the renderer lays the page out at its first
 * frame, so this runs after the animation was drawn. */
static void locate_probe(render_fixture *fx, const bm_renderer *r)
{
    double w_pt, h_pt, x, y;
    bm_renderer_page(r, &w_pt, &h_pt, &fx->w, &fx->h);
    BM_REQUIRE(bm_renderer_project(r, PROBE, &x, &y) == BM_OK);
    fx->px = (int)lround(x * fx->w / w_pt);
    fx->py = (int)lround(y * fx->h / h_pt);
    BM_REQUIRE(fx->px > 0 && fx->py > 0 && fx->px < fx->w && fx->py < fx->h);
    BM_REQUIRE(bm_renderer_type_rgb(r, bm_type_index("smuggling"), fx->rgb));
}

static bm_anim *load_anim(render_fixture *fx, bm_date from, bm_date to, const char *step,
                          const char *window, int fade)
{
    bm_anim *a = make_anim(from, to, step, window, fade);
    bm_query q;
    bm_query_init(&q);
    bm_error err;
    BM_REQUIRE(bm_anim_load(a, fx->store, &q, &err) == BM_OK);
    return a;
}

/* How much of the smuggling colour a pixel carries over the ground `bg`:
 * 1 for the pure colour, 0 for the ground. */
static double ink_share(uint32_t px, uint32_t bg, const double rgb[3])
{
    double num = 0, den = 0;
    for (int c = 0; c < 3; c++) {
        double p = px >> (16 - 8 * c) & 255, b = bg >> (16 - 8 * c) & 255;
        double ink = rgb[c] * 255 - b;
        num += (p - b) * ink;
        den += ink * ink;
    }
    return den > 0 ? num / den : 0;
}

static void test_render_gif(render_fixture *fx, const char *dir)
{
    /* Monthly frames Jan-Jun 2024: the March incident is absent in January
     * and February and present from March on (cumulative). */
    bm_date from = D(2024, 1, 1), to = D(2024, 6, 30);
    bm_anim *a = load_anim(fx, from, to, "month", "cumulative", 0);
    bm_renderer *r = make_renderer(fx, a, from, to);
    char path[512];
    snprintf(path, sizeof path, "%s/render.gif", dir);
    bm_anim_output o;
    bm_anim_output_init(&o);
    o.fps = 4;
    o.hold_last = 1;
    o.lang = BM_LANG_EN;
    bm_anim_stats st;
    bm_error err;
    if (bm_anim_render(a, r, path, &o, &st, &err) != BM_OK)
        BM_FAIL_AT("bm_anim_render: %s", bm_error_text(&err));
    BM_ASSERT_EQ_INT(st.frames, 6);
    locate_probe(fx, r);
    GifFileType *gif = gif_slurp(path);
    BM_REQUIRE(gif);
    BM_ASSERT_EQ_INT(gif->ImageCount, 6);
    BM_ASSERT_EQ_INT(gif->SWidth, fx->w);
    for (int i = 0; i < gif->ImageCount; i++) {
        GraphicsControlBlock gcb;
        DGifSavedExtensionToGCB(gif, i, &gcb);
        BM_ASSERT_EQ_INT(gcb.DelayTime, i < 5 ? 25 : 125); /* 4 fps, last held 1 s more */
    }
    uint32_t *canvas = calloc((size_t)fx->w * fx->h, sizeof *canvas);
    BM_REQUIRE(canvas);
    for (int k = 0; k < gif->ImageCount; k++) {
        gif_compose(gif, k, canvas);
        double share = ink_share(canvas[fx->py * fx->w + fx->px], LAND, fx->rgb);
        uint32_t got = canvas[fx->py * fx->w + fx->px];
        int want = k >= 2;
        int is_ink = colour_close(got,
                                  (uint32_t)lround(fx->rgb[0] * 255) << 16 |
                                      (uint32_t)lround(fx->rgb[1] * 255) << 8 |
                                      (uint32_t)lround(fx->rgb[2] * 255),
                                  6);
        if (is_ink != want)
            BM_FAIL_AT("frame %d: probe pixel %06x (ink share %.2f), incident %s", k + 1,
                       (unsigned)got, share, want ? "missing" : "shown too early");
    }
    free(canvas);
    int e;
    DGifCloseFile(gif, &e);
    bm_renderer_free(r);
    bm_anim_free(a);
}

static void test_render_webp_fade(render_fixture *fx, const char *dir)
{
    /* A 3-month window with fading: full in March, fainter in April, fainter
     * still in May, gone in June. WebP lossless keeps the pixels exact. */
    bm_date from = D(2024, 1, 1), to = D(2024, 6, 30);
    bm_anim *a = load_anim(fx, from, to, "month", "3", 1);
    bm_renderer *r = make_renderer(fx, a, from, to);
    char path[512];
    snprintf(path, sizeof path, "%s/render.webp", dir);
    bm_anim_output o;
    bm_anim_output_init(&o);
    o.writer.format = BM_ANIM_WEBP;
    o.fps = 2;
    o.hold_last = 0;
    bm_error err;
    if (bm_anim_render(a, r, path, &o, NULL, &err) != BM_OK)
        BM_FAIL_AT("bm_anim_render: %s", bm_error_text(&err));
    locate_probe(fx, r);
    webp_demux_api api = {0};
    BM_REQUIRE(load_demux(&api));
    char *bytes = NULL;
    size_t len = 0;
    BM_REQUIRE(bm_read_file(path, &bytes, &len, NULL) == BM_OK);
    WebPData data = {(const uint8_t *)bytes, len};
    WebPAnimDecoderOptions opt;
    BM_REQUIRE(api.opts_init(&opt, WEBP_DEMUX_ABI_VERSION));
    opt.color_mode = MODE_BGRA;
    WebPAnimDecoder *dec = api.dec_new(&data, &opt, WEBP_DEMUX_ABI_VERSION);
    BM_REQUIRE(dec);
    WebPAnimInfo info;
    BM_REQUIRE(api.get_info(dec, &info));
    BM_ASSERT_EQ_INT(info.frame_count, 6);
    BM_ASSERT_EQ_INT(info.canvas_width, fx->w);
    double share[6] = {0};
    uint32_t ground = 0;
    for (int k = 0; k < 6; k++) {
        uint8_t *px = NULL;
        int ts = 0;
        BM_REQUIRE(api.get_next(dec, &px, &ts));
        BM_ASSERT_EQ_INT(ts, 500 * (k + 1));
        const uint8_t *p = px + 4 * ((size_t)fx->py * fx->w + fx->px);
        uint32_t rgb = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
        if (k == 0)
            ground = rgb;
        share[k] = ink_share(rgb, ground, fx->rgb);
    }
    api.del(dec);
    dlclose(api.lib);
    free(bytes);
    BM_ASSERT_NEAR(share[1], 0, 0.05);                      /* February: not yet */
    BM_ASSERT(share[2] > 0.9);                              /* March: full colour */
    BM_ASSERT(share[3] < share[2] - 0.2 && share[3] > 0.3); /* April: fading */
    BM_ASSERT(share[4] < share[3] - 0.2 && share[4] > 0.1); /* May: faint */
    BM_ASSERT_NEAR(share[5], 0, 0.05);                      /* June: out of the window */
    if (bm_test_failures)
        fprintf(stderr, "ink shares: %.2f %.2f %.2f %.2f %.2f %.2f\n", share[0], share[1], share[2],
                share[3], share[4], share[5]);
    bm_renderer_free(r);
    bm_anim_free(a);
}

static void test_cli(const char *dir, const char *db)
{
    const char *bin = bm_test_binary();
    BM_ASSERT_EQ_INT(bm_test_system("'%s' animate --help > /dev/null", bin), 0);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --db '%s' animate -o '%s/x.gif' --step fortnight "
                                    "2> /dev/null",
                                    bin, db, dir),
                     2);
    BM_ASSERT_EQ_INT(
        bm_test_system("'%s' --db '%s' animate -o '%s/x.mp4' 2> /dev/null", bin, db, dir), 2);
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s' animate -o '%s/cli/' --from 2024-02 "
                                    "--to 2024-04 --step month --width 320 --lang ar",
                                    bin, db, dir),
                     0);
    char name[600];
    for (int k = 1; k <= 3; k++) {
        snprintf(name, sizeof name, "%s/cli/frame-%04d.png", dir, k);
        cairo_surface_t *s = cairo_image_surface_create_from_png(name);
        BM_ASSERT_EQ_INT(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
        if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
            BM_ASSERT_EQ_INT(cairo_image_surface_get_width(s), 320);
            BM_ASSERT_EQ_INT(cairo_image_surface_get_height(s), 240);
        }
        cairo_surface_destroy(s);
    }
    snprintf(name, sizeof name, "%s/cli/frame-0004.png", dir);
    BM_ASSERT(access(name, F_OK) != 0);
    /* The output exists now: refused without --overwrite (exit 1). */
    BM_ASSERT_EQ_INT(bm_test_system("'%s' --quiet --db '%s' animate -o '%s/cli/' --from 2024-02 "
                                    "--to 2024-04 --step month --width 320 2> /dev/null",
                                    bin, db, dir),
                     1);
}

static void test_through_renderer(const char *dir)
{
    render_fixture fx = {0};
    char db[512];
    snprintf(db, sizeof db, "%s/render.sqlite", dir);
    bm_error err;
    BM_REQUIRE(bm_store_open(db, 0, &fx.store, &err) == BM_OK);
    fx.probe_id = add_incident(fx.store, "smuggling", "2024-03-14", PROBE.lon, PROBE.lat);
    add_incident(fx.store, "clash", "2024-01-20", 40.93, 34.43);
    add_incident(fx.store, "airstrike", "2024-05-02", 42.12, 36.80);
    test_render_gif(&fx, dir);
    test_render_webp_fade(&fx, dir);
    bm_store_close(fx.store);
    test_cli(dir, db);
}

static void test_formats(void)
{
    bm_anim_format f;
    BM_ASSERT_EQ_INT(bm_anim_format_for_path("a.gif", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_ANIM_GIF);
    BM_ASSERT_EQ_INT(bm_anim_format_for_path("x/b.WEBP", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_ANIM_WEBP);
    BM_ASSERT_EQ_INT(bm_anim_format_for_path("out/", &f, NULL), BM_OK);
    BM_ASSERT_EQ_INT(f, BM_ANIM_FRAMES);
    BM_ASSERT_EQ_INT(bm_anim_format_for_path("movie.mp4", &f, NULL), BM_EINVAL);
}

int main(void)
{
    const char *dir = bm_test_tmpdir();
    test_parse();
    test_month_slices();
    test_day_slices();
    test_month_precision_incident();
    test_fade();
    test_stamps();
    test_frames_from_store(dir);
    test_formats();
    test_palette();
    test_gif(dir);
    test_webp(dir);
    test_frames_dir(dir);
    test_through_renderer(dir);
    int rc = bm_test_finish("test_animate");
    if (rc == 0)
        bm_test_rmtree(dir);
    return rc;
}
