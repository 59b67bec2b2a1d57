/* bordermap/animate.h: time-sliced animations of the incident map: calendar
 * steps, sliding or cumulative windows, GMT-events-style fading, the date
 * stamp, and GIF / WebP / PNG-frame writers.
 * Must never draw the map itself: every frame is drawn by render's code. */
#ifndef BORDERMAP_ANIMATE_H
#define BORDERMAP_ANIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/common.h"
#include "bordermap/render.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Time steps and windows ----------------------------------------- */

typedef enum bm_anim_unit {
    BM_ANIM_DAYS = 0,  /* n days */
    BM_ANIM_MONTHS = 1 /* n calendar months */
} bm_anim_unit;

typedef struct bm_anim_step {
    bm_anim_unit unit;
    int n; /* >= 1 */
} bm_anim_step;

/* Parses "day", "week", "month" or "Nd" (N days, 1..3660). BM_EINVAL with a
 * message otherwise. */
int bm_anim_step_parse(const char *s, bm_anim_step *out, bm_error *err);

/* One frame's own period, inclusive. */
typedef struct bm_anim_slice {
    bm_date start, end;
} bm_anim_slice;

/* Cuts [from, to] into consecutive slices. Day steps start at `from`; month
 * steps follow the calendar: the first slice runs from `from` to the end of
 * its month, every later one is a whole month, and the last ends at `to`.
 * *out is the caller's to free(). At most BM_ANIM_MAX_FRAMES slices. */
#define BM_ANIM_MAX_FRAMES 20000
int bm_anim_slices(bm_date from, bm_date to, bm_anim_step step, bm_anim_slice **out, size_t *n,
                   bm_error *err);

typedef struct bm_anim_window {
    int cumulative; /* 1: everything since the first frame stays */
    int steps;      /* otherwise: an incident stays this many steps after its end */
} bm_anim_window;

/* Parses "cumulative" or a step count N >= 1. */
int bm_anim_window_parse(const char *s, bm_anim_window *out, bm_error *err);

/* ---- Fading (after GMT `events`: rise large, settle, hold, fade) ------ */

typedef struct bm_fade {
    double peak_scale;  /* symbol size factor in the first frame (1 = no pop) */
    double settle;      /* steps to shrink from peak_scale to 1 */
    double hold;        /* steps at full opacity after the incident's own period */
    double fade;        /* steps over which opacity falls to floor_alpha (0 = never) */
    double floor_alpha; /* opacity once faded */
} bm_fade;

typedef struct bm_fade_sample {
    double scale, alpha;
} bm_fade_sample;

/* No fading: scale 1, alpha 1 throughout. */
void bm_fade_none(bm_fade *f);
/* The defaults of --fade for a window: with N steps the symbol fades over the
 * steps it stays visible, ending faint; cumulative maps fade over 6 steps to
 * a faint trace that keeps the history readable. */
void bm_fade_default(bm_fade *f, bm_anim_window w);
/* Pure function of age. `age` is the number of steps since the incident first
 * appeared (0 in its first frame); `active` is how many steps its own dates
 * cover (>= 1: a month-precision incident is active for a whole month).
 * The scale falls from peak_scale to 1 over `settle`; the alpha stays 1 while
 * active and for `hold` steps more, then falls linearly to floor_alpha. */
bm_fade_sample bm_fade_at(const bm_fade *f, double age, double active);

/* ---- The animation plan --------------------------------------------- */

typedef struct bm_anim bm_anim;

typedef struct bm_anim_opts {
    bm_date from, to;      /* inclusive range of the animation */
    bm_anim_step step;     /* default: 1 week */
    bm_anim_window window; /* default: cumulative */
    bm_fade fade;          /* default: none */
} bm_anim_opts;

/* Defaults: step of one week, cumulative window, no fade; from/to unset. */
void bm_anim_opts_init(bm_anim_opts *o);

/* Builds the slices and loads the month names (maps/months.tsv). Free with
 * bm_anim_free(). */
int bm_anim_new(const bm_anim_opts *o, bm_anim **out, bm_error *err);
void bm_anim_free(bm_anim *a);
size_t bm_anim_frame_count(const bm_anim *a);
/* Slice of frame k (0-based); borrowed. NULL when k is out of range. */
const bm_anim_slice *bm_anim_slice_at(const bm_anim *a, size_t k);

/* Frames an incident's dates [start, end] overlap: *first and *last (0-based,
 * inclusive). Returns 0 when it lies outside the animation, 1 otherwise. */
int bm_anim_span(const bm_anim *a, bm_date start, bm_date end, size_t *first, size_t *last);
/* Whether an incident spanning frames [first, last] shows in frame k under
 * the window, and with what size and opacity. Returns 1 when visible. */
int bm_anim_visible(const bm_anim *a, size_t k, size_t first, size_t last, bm_fade_sample *out);

/* The date stamp of frame k in "en", "ar" or "both" (English line, newline,
 * Arabic line; the renderer lays each line out in its own direction): "12 March 2024",
 * "4–10 March 2024", "March 2024"; in Arabic with the Levantine month names
 * used in Iraq and Syria ("آذار 2024", "من 4 إلى 10 آذار 2024").
 * Returns BM_EINVAL for an unknown language. */
int bm_anim_stamp(const bm_anim *a, size_t k, const char *lang, char *buf, size_t bufsize);

/* ---- Frames ---------------------------------------------------------- */

/* One incident as a frame shows it. */
typedef struct bm_anim_item {
    const bm_incident *inc; /* borrowed from the bm_anim */
    double scale, alpha;    /* from the fade; 1 and 1 without --fade */
    int is_new;             /* first frame it appears in */
} bm_anim_item;

/* What frame k shows; everything is borrowed from the bm_anim and valid until
 * the next bm_anim_frame_at() or bm_anim_free(). */
typedef struct bm_anim_frame {
    size_t index, count;       /* frame k of count */
    bm_anim_slice slice;       /* the frame's own period (the timeline cursor) */
    bm_date window_start;      /* first day still shown (the range start when cumulative) */
    const bm_anim_item *items; /* drawing order: oldest first, newest on top */
    size_t n_items;
    int counts[BM_N_TYPES];     /* items per type (the legend's counts) */
    int new_counts[BM_N_TYPES]; /* of which first appear in this frame */
    const char *stamp;          /* date stamp in the language asked for */
} bm_anim_frame;

/* Loads the incidents matching q (its date range is widened to the
 * animation's) into the animation and works out the frames each spans.
 * Replaces any incidents loaded before. */
int bm_anim_load(bm_anim *a, bm_store *store, const bm_query *q, bm_error *err);
/* Adds one incident (copied); for callers that hold incidents already. */
int bm_anim_add(bm_anim *a, const bm_incident *inc, bm_error *err);
size_t bm_anim_incident_count(const bm_anim *a);
/* The loaded incidents, contiguous (for bm_renderer_set_incidents); borrowed
 * until the next load or add. */
const bm_incident *bm_anim_incidents(const bm_anim *a, size_t *n);
/* Fills *out with frame k; lang as for bm_anim_stamp. */
int bm_anim_frame_at(bm_anim *a, size_t k, const char *lang, bm_anim_frame *out, bm_error *err);

/* ---- Output --------------------------------------------------------- */

typedef enum bm_anim_format {
    BM_ANIM_GIF = 0,
    BM_ANIM_WEBP = 1,
    BM_ANIM_FRAMES = 2 /* a directory of frame-0001.png ... */
} bm_anim_format;

/* From the output name: "*.gif", "*.webp", or a directory (trailing '/' or
 * an existing directory). BM_EINVAL otherwise. */
int bm_anim_format_for_path(const char *path, bm_anim_format *out, bm_error *err);

typedef struct bm_anim_writer_opts {
    bm_anim_format format;
    int width, height;
    int overwrite;      /* replace an existing file (or frames) */
    int loop_count;     /* 0 = forever */
    int webp_lossy;     /* 0: lossless WebP (crisp lines and text) */
    float webp_quality; /* lossless effort or lossy quality, 0..100 */
    /* GIF palette seeds, 0xRRGGBB, borrowed until bm_anim_writer_open returns:
     * grounds are area fills (the first is the background), inks are lines,
     * symbols and text (bm_renderer_style_colours gives both). The first
     * n_blend_inks inks (0: all) also get their shades over every ground, at
     * several opacities: the symbol colours, antialiased and faded. The first
     * frame adds its own frequent colours. */
    const uint32_t *grounds;
    size_t n_grounds;
    const uint32_t *inks;
    size_t n_inks;
    size_t n_blend_inks;
} bm_anim_writer_opts;

void bm_anim_writer_opts_init(bm_anim_writer_opts *o);

typedef struct bm_anim_writer bm_anim_writer;

/* Opens the output. Nothing appears under the target name before
 * bm_anim_writer_finish (PNG frames each appear whole). */
int bm_anim_writer_open(const char *path, const bm_anim_writer_opts *o, bm_anim_writer **out,
                        bm_error *err);
/* Appends a frame of ARGB32 pixels as cairo lays them out (premultiplied,
 * native-endian, stride in bytes), shown for delay_ms. GIF delays become
 * centiseconds, never below 2. */
int bm_anim_writer_add(bm_anim_writer *w, const unsigned char *argb, int stride, int delay_ms,
                       bm_error *err);
/* Completes the file (or removes stale frames of an older run from the
 * directory); frees w either way. */
int bm_anim_writer_finish(bm_anim_writer *w, bm_error *err);
/* Discards the output; NULL does nothing. */
void bm_anim_writer_abort(bm_anim_writer *w);

/* ---- Drawing an animation with the renderer --------------------------- */

typedef void (*bm_anim_progress_cb)(void *user, size_t done, size_t total);

typedef struct bm_anim_output {
    double fps;                   /* frames per second (default 4) */
    double hold_last;             /* seconds added to the last frame (default 2) */
    bm_render_lang lang;          /* the date stamp's language(s) (default both) */
    bm_anim_writer_opts writer;   /* format, overwrite, loop...; the size and the GIF
                                     palette's grounds and inks come from the renderer
                                     (bm_renderer_style_colours) */
    bm_anim_progress_cb progress; /* called after each frame; may be NULL */
    void *user;
} bm_anim_output;

/* Timings of one run, for benchmarks and --verbose summaries. */
typedef struct bm_anim_stats {
    size_t frames;
    double draw_seconds;   /* bm_renderer_draw_frame */
    double encode_seconds; /* palette mapping, compression, file writes */
} bm_anim_stats;

void bm_anim_output_init(bm_anim_output *o);

/* Draws every frame of `a` with the renderer (which keeps the static layers
 * between frames) and writes them to path. The renderer should already have
 * the animation's incidents (bm_renderer_set_incidents with
 * bm_anim_incidents()) so its timeline covers them. stats may be NULL. */
int bm_anim_render(bm_anim *a, bm_renderer *r, const char *path, const bm_anim_output *o,
                   bm_anim_stats *stats, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
