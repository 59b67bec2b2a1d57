/* render_opts.c: the map options `render` and `animate` share, parsed once: filters through
 * bm__cli_parse_filter, the page through the render module's own helpers, and --extent
 * PLACE_ID through the store's places table.
 * Must never print to stdout nor exit: errors become BM_EXIT_USAGE with the usual message. */
#include "render_opts.h"
#include "render_private.h"

#include <stdlib.h>
#include <string.h>

void bm_cli_render_args_init(bm_cli_render_args *a)
{
    memset(a, 0, sizeof *a);
    bm_render_opts_init(&a->o);
    bm_query_init(&a->q);
}

void bm_cli_render_args_free(bm_cli_render_args *a)
{
    bm_cli_free_list(a->types, a->n_types);
    a->types = NULL;
    a->n_types = 0;
    a->q.types = NULL;
    a->q.n_types = 0;
}

static int parse_int(const char *cmd, const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end || x < lo || x > hi)
        return bm_cli_usage_error(cmd, "%s wants a whole number from %d to %d, got '%s'", opt, lo,
                                  hi, v);
    *out = (int)x;
    return BM_EXIT_OK;
}

/* corridor, data and W,S,E,N are settled here; anything else is a place id for later. */
static int parse_extent(const char *cmd, const char *arg, bm_cli_render_args *a)
{
    bm_render_opts *o = &a->o;
    a->extent = arg;
    if (!strcmp(arg, "corridor")) {
        o->extent = BM_EXTENT_CORRIDOR;
    } else if (!strcmp(arg, "data")) {
        o->extent = BM_EXTENT_DATA;
    } else if (strchr(arg, ',')) {
        if (bm_cli_parse_bbox(arg, &o->west, &o->south, &o->east, &o->north) != BM_OK)
            return bm_cli_usage_error(cmd, "--extent: '%s' is not W,S,E,N in degrees", arg);
        o->extent = BM_EXTENT_BOX;
    } else if (!*arg) {
        return bm_cli_usage_error(cmd, "--extent wants corridor, data, W,S,E,N or a place id");
    }
    return BM_EXIT_OK;
}

int bm_cli_render_opt(const char *cmd, int c, const char *arg, bm_cli_render_args *a)
{
    switch (c) {
    case BM_CLI_OPT_FROM:
    case BM_CLI_OPT_TO:
    case BM_CLI_OPT_TYPE:
    case BM_CLI_OPT_BBOX: return bm__cli_parse_filter(cmd, c, arg, &a->q, &a->types, &a->n_types);
    case BM_CLI_OPT_EXTENT: return parse_extent(cmd, arg, a);
    case BM_CLI_OPT_WIDTH: return parse_int(cmd, "--width", arg, 16, 20000, &a->width);
    case BM_CLI_OPT_HEIGHT: return parse_int(cmd, "--height", arg, 16, 20000, &a->height);
    case BM_CLI_OPT_SIZE: a->paper = arg; return BM_EXIT_OK;
    case BM_CLI_OPT_LANDSCAPE: a->landscape = 1; return BM_EXIT_OK;
    case BM_CLI_OPT_DPI: return parse_int(cmd, "--dpi", arg, 18, 2400, &a->dpi);
    case BM_CLI_OPT_LANG:
        if (bm_render_lang_parse(arg, &a->o.lang) != BM_OK)
            return bm_cli_usage_error(cmd, "--lang: '%s' is not ar, en or both", arg);
        return BM_EXIT_OK;
    case BM_CLI_OPT_TITLE: a->o.title = arg; return BM_EXIT_OK;
    case BM_CLI_OPT_STYLE: a->o.style_path = arg; return BM_EXIT_OK;
    case BM_CLI_OPT_CRS: a->o.crs = arg; return BM_EXIT_OK;
    default: return BM_CLI_NOT_RENDER_OPT;
    }
}

/* An unknown --crs is the user's typo: a usage error before any work,
 * not a failure halfway through drawing. */
static int check_crs(const char *cmd, const char *crs)
{
    bm__proj *p = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm__proj_new(crs, 38, 32, 44, 37, &p, &err) != BM_OK)
        return bm_cli_usage_error(cmd, "--crs: '%s' is not a coordinate reference system PROJ "
                                  "knows (e.g. EPSG:32637, or a +proj= string)", crs);
    bm__proj_free(p);
    return BM_EXIT_OK;
}

int bm_cli_render_finish(const char *cmd, bm_cli_render_args *a, int def_w, int def_h)
{
    if (a->o.crs && *a->o.crs && check_crs(cmd, a->o.crs) != BM_EXIT_OK)
        return BM_EXIT_USAGE;
    if (a->q.has_from && a->q.has_to && bm_date_cmp(a->q.from, a->q.to) > 0)
        return bm_cli_usage_error(cmd, "--from is after --to");
    if (a->paper && (a->width || a->height))
        return bm_cli_usage_error(cmd, "--size and --width/--height exclude each other");
    if (a->landscape && !a->paper)
        return bm_cli_usage_error(cmd, "--landscape needs --size");
    /* Paper is for print: 150 dpi unless asked; screens get 96. */
    a->o.dpi = a->dpi ? a->dpi : a->paper ? 150 : 96;
    if (a->paper) {
        if (bm_render_opts_set_paper(&a->o, a->paper, a->landscape) != BM_OK)
            return bm_cli_usage_error(cmd, "--size: '%s' is not A4, A3 or letter", a->paper);
        return BM_EXIT_OK;
    }
    int w = a->width ? a->width : def_w, h = a->height ? a->height : def_h;
    if (a->width && !a->height)
        h = (int)((long)a->width * def_h / def_w);
    if (a->height && !a->width)
        w = (int)((long)a->height * def_w / def_h);
    if (bm_render_opts_set_pixels(&a->o, w, h) != BM_OK)
        return bm_cli_usage_error(cmd, "a page of %dx%d pixels is out of range (16..20000)", w, h);
    return BM_EXIT_OK;
}

int bm_cli_render_resolve(const char *cmd, bm_cli_render_args *a, bm_store *store)
{
    const char *e = a->extent;
    if (!e || !strcmp(e, "corridor") || !strcmp(e, "data") || strchr(e, ','))
        return BM_EXIT_OK;
    bm_place p;
    if (bm_store_place_get(store, e, &p) != BM_OK)
        return bm_cli_usage_error(cmd,
                                  "--extent: '%s' is not corridor, data, W,S,E,N or a known "
                                  "place id",
                                  e);
    /* About 170 x 145 km: a town with the border stretch and the towns around it. */
    a->o.extent = BM_EXTENT_BOX;
    a->o.west = p.pt.lon - 0.85, a->o.east = p.pt.lon + 0.85;
    a->o.south = p.pt.lat - 0.65, a->o.north = p.pt.lat + 0.65;
    return BM_EXIT_OK;
}

void bm_cli_render_usage(FILE *fp)
{
    fprintf(fp, "Map options (shared by render and animate):\n"
                "      --from DATE        incidents overlapping DATE or later (YYYY[-MM[-DD]])\n"
                "      --to DATE          incidents overlapping DATE or earlier\n"
                "      --type T,...       only these incident types\n"
                "      --bbox W,S,E,N     only incidents inside this box (degrees)\n"
                "      --extent E         what the map shows: corridor (default), data (the\n"
                "                         incidents, padded), W,S,E,N in degrees, or a place id\n"
                "                         (about 170 km around it)\n"
                "      --width PX         page width in pixels at --dpi\n"
                "      --height PX        page height in pixels (with only one of the two, the\n"
                "                         other keeps the default 4:3 shape)\n"
                "      --size PAPER       A4, A3 or letter instead of --width/--height\n"
                "      --landscape        with --size: landscape\n"
                "      --dpi N            resolution: pixels = points * N / 72 (default 96;\n"
                "                         with --size, 150)\n"
                "      --lang L           ar, en or both (default both)\n"
                "      --title TEXT       map title (default from the style)\n"
                "      --style FILE       style file (default maps/style.ini)\n"
                "      --crs CRS          PROJ string or code (default: Lambert conformal conic\n"
                "                         fitted to the extent)\n");
}
