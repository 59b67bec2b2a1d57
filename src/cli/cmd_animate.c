/* cmd_animate.c: `bordermap animate`: time-sliced maps of the corridor as an
 * animated GIF, an animated WebP or a directory of PNG frames.
 * Must never draw map content itself: the renderer draws every frame, the
 * animate module decides what each frame shows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render_opts.h"

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

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] animate -o FILE.gif|FILE.webp|DIR/ [options]\n\n"
            "Draws the incident map once per time step, with the same basemap, symbols\n"
            "and furniture as `bordermap render`, plus a large date stamp, the legend's\n"
            "counts for the frame and a cursor on the timeline. The basemap is drawn once\n"
            "and reused for every frame. Output: an animated GIF (one global palette\n"
            "made from the style's colours), an animated WebP (lossless unless\n"
            "--webp-lossy), or numbered PNG frames DIR/frame-0001.png... Written\n"
            "atomically. --from and --to (below) are the animation's first and last day;\n"
            "they default to the first and last incident.\n\n"
            "Animation options:\n"
            "  -o, --output OUT      FILE.gif, FILE.webp or DIR/ (required)\n"
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
    bm_cli_render_usage(fp);
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
    bm_date from, to; /* the animation's range, settled from the filters or the data */
    bm_anim_opts anim;
    int fade;
    double fps, hold_last;
    int loop;
    int webp_lossy;
    double webp_quality;
    int overwrite;
    bm_anim_format format;
    bm_cli_render_args map; /* every `render` option */
} animate_args;

enum {
    OPT_STEP = BM_CLI_OWN_OPTS,
    OPT_WINDOW,
    OPT_FADE,
    OPT_FPS,
    OPT_HOLD,
    OPT_LOOP,
    OPT_LOSSY,
    OPT_OVERWRITE
};

static int parse_one(animate_args *a, int c, const char *arg)
{
    bm_error err;
    bm_error_clear(&err);
    double v = 0;
    int rc = BM_EXIT_OK;
    switch (c) {
    case 'o': a->output = arg; return BM_EXIT_OK;
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
        {"step", required_argument, NULL, OPT_STEP},
        {"window", required_argument, NULL, OPT_WINDOW},
        {"fade", no_argument, NULL, OPT_FADE},
        {"fps", required_argument, NULL, OPT_FPS},
        {"hold-last", required_argument, NULL, OPT_HOLD},
        {"loop", required_argument, NULL, OPT_LOOP},
        {"webp-lossy", required_argument, NULL, OPT_LOSSY},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"help", no_argument, NULL, 'h'},
        BM_CLI_RENDER_LONGOPTS,
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
        else if ((rc = bm_cli_render_opt("animate", c, optarg, &a->map)) == BM_CLI_NOT_RENDER_OPT)
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
    return bm_cli_render_finish("animate", &a->map, 1280, 960);
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

/* The animation runs over --from..--to; unset ends default to the first and last incident
 * dates among those the filters keep. */
static int settle_dates(animate_args *a, bm_store *store)
{
    const bm_query *q = &a->map.q;
    a->from = q->from;
    a->to = q->to;
    if (q->has_from && q->has_to)
        return BM_EXIT_OK;
    date_range r = {0};
    if (bm_store_query(store, q, widen_range, &r) != BM_OK)
        return bm_cli_fail("animate", "reading incidents: %s", bm_store_errmsg(store));
    if (!r.any)
        return bm_cli_fail("animate", "no incidents match: give --from and --to to animate "
                                      "an empty period");
    if (!q->has_from)
        a->from = r.first;
    if (!q->has_to)
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
static int run(bm_cli *cli, animate_args *a, bm_store *store)
{
    bm_error err;
    bm_error_clear(&err);
    bm_anim *anim = NULL;
    bm_renderer *r = NULL;
    a->anim.from = a->from;
    a->anim.to = a->to;
    if (a->fade)
        bm_fade_default(&a->anim.fade, a->anim.window);
    bm_render_opts *ro = &a->map.o;
    ro->has_from = ro->has_to = 1;
    ro->from = a->from;
    ro->to = a->to;
    size_t n = 0;
    int rc = bm_anim_new(&a->anim, &anim, &err);
    if (rc == BM_OK)
        rc = bm_anim_load(anim, store, &a->map.q, &err);
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
    bm_cli_temp_watch(a->output);
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
    bm_cli_render_args_init(&a.map);
    a.fps = 4;
    a.hold_last = 2;
    int help = 0;
    int rc = parse_args(&a, argc, argv, &help);
    if (rc == BM_EXIT_OK && help)
        usage(stdout);
    if (rc != BM_EXIT_OK || help) {
        bm_cli_render_args_free(&a.map);
        return rc;
    }
    /* Writable, as for render: opening syncs the gazetteer into the places table that
     * --extent PLACE_ID and the town labels read. */
    bm_store *store = bm_cli_open_store(cli, BM_CLI_READ);
    if (!store) {
        bm_cli_render_args_free(&a.map);
        return BM_EXIT_FAIL;
    }
    rc = bm_cli_render_resolve("animate", &a.map, store);
    if (rc == BM_EXIT_OK)
        rc = settle_dates(&a, store);
    if (rc == BM_EXIT_OK)
        rc = run(cli, &a, store);
    bm_store_close(store);
    bm_cli_render_args_free(&a.map);
    return rc;
}
