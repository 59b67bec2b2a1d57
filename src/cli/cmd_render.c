/* cmd_render.c: `bordermap render`: parses the options into render options and a query and
 * hands them to bm_render_map(), which writes the PNG, PDF or SVG atomically.
 * Must never draw anything itself: all drawing lives in the render module. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] render -o FILE.png|FILE.pdf|FILE.svg [options]\n\n"
            "Draws the incidents over the corridor basemap: neighbours muted, Iraq and Syria\n"
            "distinct, governorates, the Iraq-Syria border emphasised, rivers and lakes,\n"
            "crossings, key towns, one symbol per incident type (sized by sources),\n"
            "co-located incidents spread or clustered, governorate-level incidents as areas,\n"
            "with title, legend, scale bar, north arrow, graticule, locator inset,\n"
            "attribution and a timeline strip. PNG at any size and dpi; PDF and SVG are\n"
            "vector with fonts embedded. The file is written atomically (replacing it).\n\n"
            "Options:\n"
            "  -o, --output FILE      .png, .pdf or .svg (required)\n"
            "      --from DATE        incidents overlapping DATE or later (YYYY[-MM[-DD]])\n"
            "      --to DATE          incidents overlapping DATE or earlier\n"
            "      --type T,...       only these incident types\n"
            "      --extent E         corridor (default), data (the incidents, padded),\n"
            "                         W,S,E,N in degrees, or a place id (centred on it)\n"
            "      --width PX         page width in pixels at --dpi (default 1000)\n"
            "      --height PX        page height in pixels at --dpi (default 750)\n"
            "      --size PAPER       A4, A3 or letter instead of --width/--height\n"
            "      --landscape        with --size: landscape\n"
            "      --dpi N            resolution: PNG pixels = points * N / 72 (default 96;\n"
            "                         with --size, 150)\n"
            "      --lang L           ar, en or both (default both)\n"
            "      --title TEXT       map title (default from the style)\n"
            "      --style FILE       style file (default maps/style.ini)\n"
            "      --crs CRS          PROJ string or code (default: Lambert conformal conic\n"
            "                         fitted to the extent)\n"
            "  -h, --help             this help\n\n"
            "Examples:\n"
            "  bordermap render -o corridor.png\n"
            "  bordermap render -o q1.pdf --size A4 --landscape --from 2024-01 --to 2024-03\n"
            "  bordermap render -o abu-kamal.png --extent abu-kamal --lang ar --width 1600 \\\n"
            "      --height 1200 --dpi 144\n"
            "  bordermap render -o strikes.svg --type airstrike,attack --extent data\n\n"
            "Exit codes: 0 ok, 1 failure (database, basemap, style or output error),\n"
            "2 usage error.\n");
}

enum {
    OPT_FROM = 'f',
    OPT_TO = 't',
    OPT_TYPE = 'T',
    OPT_EXTENT = 256,
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
    const char *output, *extent, *size;
    int width, height, landscape, has_dpi;
    bm_render_opts o;
    bm_query q;
    char **types;
    size_t n_types;
} render_args;

static int parse_int(const char *cmd, const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end || x < lo || x > hi)
        return bm_cli_usage_error(cmd, "%s wants a number from %d to %d", opt, lo, hi);
    *out = (int)x;
    return BM_EXIT_OK;
}

static int parse_args(int argc, char **argv, render_args *a)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},   {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},       {"type", required_argument, NULL, 'T'},
        {"extent", required_argument, NULL, OPT_EXTENT},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"height", required_argument, NULL, OPT_HEIGHT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"landscape", no_argument, NULL, OPT_LANDSCAPE},
        {"dpi", required_argument, NULL, OPT_DPI},  {"lang", required_argument, NULL, OPT_LANG},
        {"title", required_argument, NULL, OPT_TITLE},
        {"style", required_argument, NULL, OPT_STYLE},
        {"crs", required_argument, NULL, OPT_CRS},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "render";
    int c, rc = BM_EXIT_OK, dpi = 96;
    while (rc == BM_EXIT_OK && (c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return -1;
        case 'o': a->output = optarg; break;
        case 'f': case 't': case 'T':
            rc = bm__cli_parse_filter(cmd, c, optarg, &a->q, &a->types, &a->n_types);
            break;
        case OPT_EXTENT: a->extent = optarg; break;
        case OPT_WIDTH: rc = parse_int(cmd, "--width", optarg, 16, 20000, &a->width); break;
        case OPT_HEIGHT: rc = parse_int(cmd, "--height", optarg, 16, 20000, &a->height); break;
        case OPT_SIZE: a->size = optarg; break;
        case OPT_LANDSCAPE: a->landscape = 1; break;
        case OPT_DPI:
            rc = parse_int(cmd, "--dpi", optarg, 18, 2400, &dpi);
            a->has_dpi = 1;
            break;
        case OPT_LANG:
            if (bm_render_lang_parse(optarg, &a->o.lang) != BM_OK)
                rc = bm_cli_usage_error(cmd, "--lang: '%s' is not ar, en or both", optarg);
            break;
        case OPT_TITLE: a->o.title = optarg; break;
        case OPT_STYLE: a->o.style_path = optarg; break;
        case OPT_CRS: a->o.crs = optarg; break;
        default: rc = bm_cli_usage_error(cmd, "unknown option"); break;
        }
    }
    if (rc != BM_EXIT_OK)
        return rc;
    if (optind < argc)
        return bm_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!a->output)
        return bm_cli_usage_error(cmd, "-o FILE is required");
    bm_render_format fmt;
    bm_error err;
    bm_error_clear(&err);
    if (bm_render_format_for_path(a->output, &fmt, &err) != BM_OK)
        return bm_cli_usage_error(cmd, "%s", bm_error_text(&err));
    if (a->q.has_from && a->q.has_to && bm_date_cmp(a->q.from, a->q.to) > 0)
        return bm_cli_usage_error(cmd, "--from is after --to");
    if (a->size && (a->width || a->height))
        return bm_cli_usage_error(cmd, "--size and --width/--height exclude each other");
    if (a->landscape && !a->size)
        return bm_cli_usage_error(cmd, "--landscape needs --size");
    a->o.dpi = a->size && !a->has_dpi ? 150 : dpi;
    if (a->size) {
        if (bm_render_opts_set_paper(&a->o, a->size, a->landscape) != BM_OK)
            return bm_cli_usage_error(cmd, "--size: '%s' is not A4, A3 or letter", a->size);
    } else if (bm_render_opts_set_pixels(&a->o, a->width ? a->width : 1000,
                                         a->height ? a->height : 750) != BM_OK) {
        return bm_cli_usage_error(cmd, "bad page size");
    }
    return BM_EXIT_OK;
}

/* corridor | data | W,S,E,N | a place id from the store (a box around the place). */
static int resolve_extent(render_args *a, bm_store *store)
{
    const char *e = a->extent;
    if (!e || !strcmp(e, "corridor")) {
        a->o.extent = BM_EXTENT_CORRIDOR;
        return BM_EXIT_OK;
    }
    if (!strcmp(e, "data")) {
        a->o.extent = BM_EXTENT_DATA;
        return BM_EXIT_OK;
    }
    if (strchr(e, ',')) {
        if (bm_cli_parse_bbox(e, &a->o.west, &a->o.south, &a->o.east, &a->o.north) != BM_OK)
            return bm_cli_usage_error("render", "--extent: '%s' is not W,S,E,N", e);
        a->o.extent = BM_EXTENT_BOX;
        return BM_EXIT_OK;
    }
    bm_place p;
    if (bm_store_place_get(store, e, &p) != BM_OK)
        return bm_cli_usage_error("render", "--extent: no place with id '%s'", e);
    /* About 150 km across: a town and the border stretch around it. */
    a->o.extent = BM_EXTENT_BOX;
    a->o.west = p.pt.lon - 0.85, a->o.east = p.pt.lon + 0.85;
    a->o.south = p.pt.lat - 0.65, a->o.north = p.pt.lat + 0.65;
    return BM_EXIT_OK;
}

int bm_cmd_render(bm_cli *cli, int argc, char **argv)
{
    render_args a;
    memset(&a, 0, sizeof a);
    bm_render_opts_init(&a.o);
    bm_query_init(&a.q);
    int rc = parse_args(argc, argv, &a);
    if (rc != BM_EXIT_OK) {
        bm_cli_free_list(a.types, a.n_types);
        return rc < 0 ? BM_EXIT_OK : rc;
    }
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store) {
        bm_cli_free_list(a.types, a.n_types);
        return BM_EXIT_FAIL;
    }
    rc = resolve_extent(&a, store);
    if (rc == BM_EXIT_OK) {
        bm_error err;
        bm_error_clear(&err);
        size_t n = 0;
        if (bm_render_map(&a.o, store, &a.q, a.output, 1, &n, &err) != BM_OK)
            rc = bm_cli_fail("render", "%s", bm_error_text(&err));
        else if (!cli->quiet)
            fprintf(stderr, "%s: %zu incident(s)\n", a.output, n);
    }
    bm_store_close(store);
    bm_cli_free_list(a.types, a.n_types);
    return rc;
}
