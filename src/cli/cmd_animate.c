/* cmd_animate.c: `bordermap animate`: time-sliced maps of the corridor as an
 * animated GIF, an animated WebP or a directory of PNG frames.
 * Must never draw map content itself: the renderer draws every frame, the
 * animate module decides what each frame shows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_number(const char *name, const char *arg, double lo, double hi, double *out)
{
    char *end = NULL;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= lo && v <= hi))
        return bm_cli_usage_error("animate", "%s wants a number from %g to %g, got '%s'", name, lo,
                                  hi, arg);
    *out = v;
    return BM_EXIT_OK;
}

/* ---- `render` options -------------------------------------------------------------------
 * Until render's CLI shares its parser, these map each option onto render's own library
 * helpers (bm_render_opts_set_pixels, bm_render_lang_parse...), so the meaning stays theirs. */

enum {
    OPT_TYPE = 1100,
    OPT_EXTENT,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_SIZE,
    OPT_LANDSCAPE,
    OPT_DPI,
    OPT_LANG,
    OPT_TITLE,
    OPT_STYLE,
    OPT_CRS
};

typedef struct render_args {
    bm_render_opts ro;
    int width, height; /* 0: not given */
    const char *paper;
    int landscape;
    const char *extent_place; /* PLACE_ID, resolved once the store is open */
    char **types;
    size_t n_types;
} render_args;

static void render_usage(FILE *fp)
{
    fprintf(fp, "Map options (as for `bordermap render`):\n"
                "      --type T,...      only these incident types\n"
                "      --extent E        corridor (default), data, W,S,E,N or a PLACE_ID\n"
                "      --width PX --height PX   frame size in pixels\n"
                "      --size A4|A3|letter [--landscape]   frame size as paper at --dpi\n"
                "      --dpi N           resolution (default 96)\n"
                "      --lang ar|en|both labels and date stamp (default both)\n"
                "      --title TEXT      map title\n"
                "      --style FILE      style file (default maps/style.ini)\n"
                "      --crs CRS         projection (PROJ string or code)\n");
}

static int parse_extent(render_args *r, const char *arg)
{
    bm_render_opts *o = &r->ro;
    if (strcmp(arg, "corridor") == 0)
        o->extent = BM_EXTENT_CORRIDOR;
    else if (strcmp(arg, "data") == 0)
        o->extent = BM_EXTENT_DATA;
    else if (strchr(arg, ',')) {
        if (bm_cli_parse_bbox(arg, &o->west, &o->south, &o->east, &o->north) != BM_OK)
            return bm_cli_usage_error("animate", "--extent wants W,S,E,N in degrees, got '%s'",
                                      arg);
        o->extent = BM_EXTENT_BOX;
    } else {
        r->extent_place = arg;
    }
    return BM_EXIT_OK;
}

static int parse_int(const char *name, const char *arg, int lo, int hi, int *out)
{
    double v = 0;
    int rc = parse_number(name, arg, lo, hi, &v);
    *out = (int)v;
    if (rc == BM_EXIT_OK && v != (double)*out)
        return bm_cli_usage_error("animate", "%s wants a whole number, got '%s'", name, arg);
    return rc;
}

static int parse_render_one(render_args *r, int c, const char *arg)
{
    double v = 0;
    switch (c) {
    case OPT_TYPE: {
        char bad[64] = "";
        bm_cli_free_list(r->types, r->n_types);
        r->types = NULL;
        r->n_types = 0;
        if (bm_cli_parse_types(arg, &r->types, &r->n_types, bad, sizeof bad) != BM_OK)
            return bm_cli_usage_error("animate", "--type: '%s' is not an incident type", bad);
        return BM_EXIT_OK;
    }
    case OPT_EXTENT: return parse_extent(r, arg);
    case OPT_WIDTH: return parse_int("--width", arg, 16, 20000, &r->width);
    case OPT_HEIGHT: return parse_int("--height", arg, 16, 20000, &r->height);
    case OPT_SIZE: r->paper = arg; return BM_EXIT_OK;
    case OPT_LANDSCAPE: r->landscape = 1; return BM_EXIT_OK;
    case OPT_DPI: {
        int rc = parse_number("--dpi", arg, 10, 1200, &v);
        r->ro.dpi = v;
        return rc;
    }
    case OPT_LANG:
        if (bm_render_lang_parse(arg, &r->ro.lang) != BM_OK)
            return bm_cli_usage_error("animate", "--lang wants ar, en or both, got '%s'", arg);
        return BM_EXIT_OK;
    case OPT_TITLE: r->ro.title = arg; return BM_EXIT_OK;
    case OPT_STYLE: r->ro.style_path = arg; return BM_EXIT_OK;
    case OPT_CRS: r->ro.crs = arg; return BM_EXIT_OK;
    default: return bm_cli_usage_error("animate", "unknown option");
    }
}

/* The page: paper, explicit pixels, or the animation default of 1280x960. */
static int settle_page(render_args *r)
{
    if (r->paper) {
        if (r->width || r->height)
            return bm_cli_usage_error("animate", "--size and --width/--height exclude each other");
        if (bm_render_opts_set_paper(&r->ro, r->paper, r->landscape) != BM_OK)
            return bm_cli_usage_error("animate", "--size wants A4, A3 or letter, got '%s'",
                                      r->paper);
        return BM_EXIT_OK;
    }
    if (r->landscape)
        return bm_cli_usage_error("animate", "--landscape needs --size");
    int w = r->width ? r->width : 1280, h = r->height ? r->height : 960;
    if (r->width && !r->height)
        h = w * 3 / 4;
    if (r->height && !r->width)
        w = r->height * 4 / 3;
    if (bm_render_opts_set_pixels(&r->ro, w, h) != BM_OK)
        return bm_cli_usage_error("animate", "frame size %dx%d is out of range", w, h);
    return BM_EXIT_OK;
}

/* A PLACE_ID extent: the place's point with about 75 km around it. */
static int resolve_place_extent(render_args *r, bm_store *store)
{
    if (!r->extent_place)
        return BM_EXIT_OK;
    bm_place p;
    if (bm_store_place_get(store, r->extent_place, &p) != BM_OK)
        return bm_cli_usage_error("animate",
                                  "--extent: '%s' is not corridor, data, W,S,E,N "
                                  "or a known place id",
                                  r->extent_place);
    r->ro.extent = BM_EXTENT_BOX;
    r->ro.west = p.pt.lon - 0.75;
    r->ro.east = p.pt.lon + 0.75;
    r->ro.south = p.pt.lat - 0.6;
    r->ro.north = p.pt.lat + 0.6;
    return BM_EXIT_OK;
}

static void usage(FILE *fp)
{
    fprintf(fp, "Usage: bordermap [--db FILE] animate -o FILE.gif|FILE.webp|DIR/ [options]\n\n"
                "Draws the incident map once per time step, with the same basemap, symbols\n"
                "and furniture as `bordermap render`, plus a large date stamp, the legend's\n"
                "counts for the frame and a cursor on the timeline. The basemap is drawn once\n"
                "and reused for every frame. Output: an animated GIF (one global palette\n"
                "made from the style's colours), an animated WebP (lossless unless\n"
                "--webp-lossy), or numbered PNG frames DIR/frame-0001.png... Written\n"
                "atomically.\n\n"
                "Animation options:\n"
                "  -o, --output OUT      FILE.gif, FILE.webp or DIR/ (required)\n"
                "      --from DATE       first day (YYYY[-MM[-DD]]); default: first incident\n"
                "      --to DATE         last day; default: last incident\n"
                "      --step STEP       day, week (default), month (calendar months) or Nd\n"
                "      --window W        cumulative (default): incidents stay once shown;\n"
                "                        N: an incident stays N steps after its dates\n"
                "      --fade            new incidents appear large and settle, older ones\n"
                "                        fade (like GMT events)\n"
                "      --fps N           frames per second (default 4; GIF delays are whole\n"
                "                        centiseconds, at least 2)\n"
                "      --hold-last SEC   keep the last GIF/WebP frame on screen longer (default 2)\n"
                "      --loop N          play N times (default 0: loop forever)\n"
                "      --webp-lossy Q    lossy WebP at quality Q (0-100)\n"
                "      --overwrite       replace an existing file (or frames)\n"
                "  -h, --help            this help\n\n");
    render_usage(fp);
    fprintf(fp, "\nWithout --width/--height/--size frames are 1280x960 pixels.\n\n"
                "Examples:\n"
                "  bordermap animate -o corridor.gif --from 2024-01 --to 2024-12 --step month\n"
                "  bordermap animate -o weeks.webp --step week --window 4 --fade --lang both\n"
                "  bordermap animate -o frames/ --step 3d --type clash,attack --fps 8\n\n"
                "Exit codes: 0 ok, 1 failure (output exists without --overwrite, database,\n"
                "drawing or encoding error), 2 usage error.\n");
}

typedef struct animate_args {
    const char *output;
    int has_from, has_to;
    bm_date from, to;
    bm_anim_opts anim;
    int fade;
    double fps, hold_last;
    int loop;
    int webp_lossy;
    double webp_quality;
    int overwrite;
    bm_anim_format format;
    render_args render; /* every `render` option */
} animate_args;

enum {
    OPT_FROM = 1000,
    OPT_TO,
    OPT_STEP,
    OPT_WINDOW,
    OPT_FADE,
    OPT_FPS,
    OPT_HOLD,
    OPT_LOOP,
    OPT_LOSSY,
    OPT_OVERWRITE
};

static int parse_date(animate_args *a, const char *arg, int is_to)
{
    bm_date first, last;
    bm_error err;
    bm_error_clear(&err);
    if (bm_date_parse_iso(arg, &first, &last, NULL, &err) != BM_OK)
        return bm_cli_usage_error("animate", "%s: %s", is_to ? "--to" : "--from",
                                  bm_error_text(&err));
    if (is_to) {
        a->has_to = 1;
        a->to = last;
    } else {
        a->has_from = 1;
        a->from = first;
    }
    return BM_EXIT_OK;
}

static int parse_one(animate_args *a, int c, const char *arg)
{
    bm_error err;
    bm_error_clear(&err);
    double v = 0;
    int rc = BM_EXIT_OK;
    switch (c) {
    case 'o': a->output = arg; return BM_EXIT_OK;
    case OPT_FROM: return parse_date(a, arg, 0);
    case OPT_TO: return parse_date(a, arg, 1);
    case OPT_STEP:
        if (bm_anim_step_parse(arg, &a->anim.step, &err) != BM_OK)
            return bm_cli_usage_error("animate", "--step: %s", bm_error_text(&err));
        return BM_EXIT_OK;
    case OPT_WINDOW:
        if (bm_anim_window_parse(arg, &a->anim.window, &err) != BM_OK)
            return bm_cli_usage_error("animate", "--window: %s", bm_error_text(&err));
        return BM_EXIT_OK;
    case OPT_FADE: a->fade = 1; return BM_EXIT_OK;
    case OPT_FPS: return parse_number("--fps", arg, 0.01, 100, &a->fps);
    case OPT_HOLD: return parse_number("--hold-last", arg, 0, 600, &a->hold_last);
    case OPT_LOOP:
        rc = parse_number("--loop", arg, 0, 65535, &v);
        a->loop = (int)v;
        return rc;
    case OPT_LOSSY:
        a->webp_lossy = 1;
        return parse_number("--webp-lossy", arg, 0, 100, &a->webp_quality);
    case OPT_OVERWRITE: a->overwrite = 1; return BM_EXIT_OK;
    default: return bm_cli_usage_error("animate", "unknown option");
    }
}

static int parse_args(animate_args *a, int argc, char **argv, int *help)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"step", required_argument, NULL, OPT_STEP},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"fade", no_argument, NULL, OPT_FADE},
        {"fps", required_argument, NULL, OPT_FPS},
        {"hold-last", required_argument, NULL, OPT_HOLD},
        {"loop", required_argument, NULL, OPT_LOOP},
        {"webp-lossy", required_argument, NULL, OPT_LOSSY},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"type", required_argument, NULL, OPT_TYPE},
        {"extent", required_argument, NULL, OPT_EXTENT},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"landscape", no_argument, NULL, OPT_LANDSCAPE},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"lang", required_argument, NULL, OPT_LANG},
        {"title", required_argument, NULL, OPT_TITLE},
        {"style", required_argument, NULL, OPT_STYLE},
        {"crs", required_argument, NULL, OPT_CRS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = BM_EXIT_OK;
    opterr = 0;
    while (rc == BM_EXIT_OK && (c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (c == 'h')
            *help = 1;
        else if (c == '?')
            rc = bm_cli_usage_error("animate", "unknown option '%s'", argv[optind - 1]);
        else if (c == ':')
            rc = bm_cli_usage_error("animate", "option '%s' needs a value", argv[optind - 1]);
        else if (c >= OPT_TYPE)
            rc = parse_render_one(&a->render, c, optarg);
        else
            rc = parse_one(a, c, optarg);
    }
    if (rc != BM_EXIT_OK || *help)
        return rc;
    if (optind < argc)
        return bm_cli_usage_error("animate", "unexpected argument '%s'", argv[optind]);
    if (!a->output || !*a->output)
        return bm_cli_usage_error("animate", "-o FILE.gif|FILE.webp|DIR/ is required");
    bm_error err;
    bm_error_clear(&err);
    if (bm_anim_format_for_path(a->output, &a->format, &err) != BM_OK)
        return bm_cli_usage_error("animate", "%s", bm_error_text(&err));
    if (a->webp_lossy && a->format != BM_ANIM_WEBP)
        return bm_cli_usage_error("animate", "--webp-lossy needs a .webp output");
    if (a->has_from && a->has_to && bm_date_cmp(a->from, a->to) > 0)
        return bm_cli_usage_error("animate", "--from is after --to");
    return settle_page(&a->render);
}

typedef struct date_range {
    int any;
    bm_date first, last;
} date_range;

static int widen_range(const bm_incident *inc, void *user)
{
    date_range *r = user;
    if (!r->any || bm_date_cmp(inc->date_start, r->first) < 0)
        r->first = inc->date_start;
    if (!r->any || bm_date_cmp(inc->date_end, r->last) > 0)
        r->last = inc->date_end;
    r->any = 1;
    return 0;
}

/* Unset ends of the animation default to the first and last incident dates
 * among those the filters keep. */
static int settle_dates(animate_args *a, bm_store *store, const bm_query *q)
{
    if (a->has_from && a->has_to)
        return BM_EXIT_OK;
    bm_query all = *q;
    all.has_from = a->has_from;
    all.from = a->from;
    all.has_to = a->has_to;
    all.to = a->to;
    date_range r = {0};
    if (bm_store_query(store, &all, widen_range, &r) != BM_OK)
        return bm_cli_fail("animate", "reading incidents: %s", bm_store_errmsg(store));
    if (!r.any)
        return bm_cli_fail("animate", "no incidents match: give --from and --to to animate "
                                      "an empty period");
    if (!a->has_from)
        a->from = r.first;
    if (!a->has_to)
        a->to = r.last;
    if (bm_date_cmp(a->from, a->to) > 0)
        return bm_cli_usage_error("animate", "--from is after the last incident");
    return BM_EXIT_OK;
}

static void progress(void *user, size_t done, size_t total)
{
    bm_cli_progress(user, "animate", done, total);
}

/* Builds the plan and the renderer, then draws and writes the frames. */
static int run(bm_cli *cli, animate_args *a, bm_store *store, const bm_query *q)
{
    bm_error err;
    bm_error_clear(&err);
    bm_anim *anim = NULL;
    bm_renderer *r = NULL;
    a->anim.from = a->from;
    a->anim.to = a->to;
    if (a->fade)
        bm_fade_default(&a->anim.fade, a->anim.window);
    bm_render_opts *ro = &a->render.ro;
    ro->has_from = ro->has_to = 1;
    ro->from = a->from;
    ro->to = a->to;
    size_t n = 0;
    int rc = bm_anim_new(&a->anim, &anim, &err);
    if (rc == BM_OK)
        rc = bm_anim_load(anim, store, q, &err);
    if (rc == BM_OK)
        rc = bm_renderer_new(ro, &r, &err);
    if (rc == BM_OK)
        rc = bm_renderer_load_places(r, store, &err);
    const bm_incident *incs = bm_anim_incidents(anim, &n);
    if (rc == BM_OK)
        rc = bm_renderer_set_incidents(r, incs, n, &err);
    bm_anim_output out;
    bm_anim_output_init(&out);
    out.fps = a->fps;
    out.hold_last = a->hold_last;
    out.lang = ro->lang;
    out.writer.format = a->format;
    out.writer.overwrite = a->overwrite;
    out.writer.loop_count = a->loop;
    out.writer.webp_lossy = a->webp_lossy;
    if (a->webp_lossy)
        out.writer.webp_quality = (float)a->webp_quality;
    out.progress = progress;
    out.user = cli;
    bm_anim_stats st = {0};
    if (rc == BM_OK)
        rc = bm_anim_render(anim, r, a->output, &out, &st, &err);
    if (rc == BM_OK && !cli->quiet)
        fprintf(stderr, "bordermap: animate: wrote %s: %zu frames, %zu incidents (%.1f s)\n",
                a->output, st.frames, n, st.draw_seconds + st.encode_seconds);
    bm_renderer_free(r);
    bm_anim_free(anim);
    if (rc != BM_OK)
        return bm_cli_fail("animate", "%s", bm_error_text(&err));
    return BM_EXIT_OK;
}

int bm_cmd_animate(bm_cli *cli, int argc, char **argv)
{
    animate_args a;
    memset(&a, 0, sizeof a);
    bm_anim_opts_init(&a.anim);
    bm_render_opts_init(&a.render.ro);
    a.fps = 4;
    a.hold_last = 2;
    int help = 0;
    int rc = parse_args(&a, argc, argv, &help);
    if (rc == BM_EXIT_OK && help)
        usage(stdout);
    if (rc != BM_EXIT_OK || help) {
        bm_cli_free_list(a.render.types, a.render.n_types);
        return rc;
    }
    bm_store *store = bm_cli_open_store(cli, 1);
    if (!store) {
        bm_cli_free_list(a.render.types, a.render.n_types);
        return BM_EXIT_FAIL;
    }
    bm_query q;
    bm_query_init(&q);
    q.types = (const char *const *)a.render.types;
    q.n_types = a.render.n_types;
    rc = resolve_place_extent(&a.render, store);
    if (rc == BM_EXIT_OK)
        rc = settle_dates(&a, store, &q);
    if (rc == BM_EXIT_OK)
        rc = run(cli, &a, store, &q);
    bm_store_close(store);
    bm_cli_free_list(a.render.types, a.render.n_types);
    return rc;
}
