/* render_opts.h: the map options `render` and `animate` share (filters, extent, page size,
 * dpi, language, title, style, projection): one option table, one handler, one usage block and
 * one conversion to bm_render_opts, so both commands mean the same thing by every option.
 * Must never parse a command's own options (-o, --step...): each command keeps those. */
#ifndef BORDERMAP_CLI_RENDER_OPTS_H
#define BORDERMAP_CLI_RENDER_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

/* getopt_long values of the shared options. The filters use the letters bm__cli_parse_filter
 * understands; the others sit above every short option and below the commands' own values
 * (which start at BM_CLI_OWN_OPTS). */
enum {
    BM_CLI_OPT_FROM = 'f',
    BM_CLI_OPT_TO = 't',
    BM_CLI_OPT_TYPE = 'T',
    BM_CLI_OPT_BBOX = 'b',
    BM_CLI_OPT_EXTENT = 0x200,
    BM_CLI_OPT_WIDTH,
    BM_CLI_OPT_HEIGHT,
    BM_CLI_OPT_SIZE,
    BM_CLI_OPT_LANDSCAPE,
    BM_CLI_OPT_DPI,
    BM_CLI_OPT_LANG,
    BM_CLI_OPT_TITLE,
    BM_CLI_OPT_STYLE,
    BM_CLI_OPT_CRS,
    BM_CLI_OWN_OPTS = 0x300
};

/* The long-option entries, to splice into a command's table before its own entries and the
 * terminating {NULL, 0, NULL, 0}. */
/* clang-format off */
#define BM_CLI_RENDER_LONGOPTS                                                                     \
    {"from", required_argument, NULL, BM_CLI_OPT_FROM},                                            \
    {"to", required_argument, NULL, BM_CLI_OPT_TO},                                                \
    {"type", required_argument, NULL, BM_CLI_OPT_TYPE},                                            \
    {"bbox", required_argument, NULL, BM_CLI_OPT_BBOX},                                            \
    {"extent", required_argument, NULL, BM_CLI_OPT_EXTENT},                                        \
    {"width", required_argument, NULL, BM_CLI_OPT_WIDTH},                                          \
    {"height", required_argument, NULL, BM_CLI_OPT_HEIGHT},                                        \
    {"size", required_argument, NULL, BM_CLI_OPT_SIZE},                                            \
    {"landscape", no_argument, NULL, BM_CLI_OPT_LANDSCAPE},                                        \
    {"dpi", required_argument, NULL, BM_CLI_OPT_DPI},                                              \
    {"lang", required_argument, NULL, BM_CLI_OPT_LANG},                                            \
    {"title", required_argument, NULL, BM_CLI_OPT_TITLE},                                          \
    {"style", required_argument, NULL, BM_CLI_OPT_STYLE},                                          \
    {"crs", required_argument, NULL, BM_CLI_OPT_CRS}
/* clang-format on */

/* What the shared options collect. Strings point into argv (borrowed); the type list is owned
 * and released by bm_cli_render_args_free(). */
typedef struct bm_cli_render_args {
    bm_render_opts o; /* filled as options arrive; the page by bm_cli_render_finish() */
    bm_query q;       /* --from --to --type --bbox */
    char **types;
    size_t n_types;
    const char *extent; /* as given; resolved by bm_cli_render_resolve() */
    const char *paper;
    int width, height, landscape, dpi; /* 0: not given */
} bm_cli_render_args;

/* bm_render_opts_init() and bm_query_init() plus empty fields. */
void bm_cli_render_args_init(bm_cli_render_args *a);
void bm_cli_render_args_free(bm_cli_render_args *a);

/* Returned by bm_cli_render_opt() for an option that is not a shared one. */
#define BM_CLI_NOT_RENDER_OPT (-1)

/* Handles one getopt_long result c with its optarg. Returns BM_EXIT_OK, BM_EXIT_USAGE (the
 * message printed, naming cmd), or BM_CLI_NOT_RENDER_OPT when c is the command's own. */
int bm_cli_render_opt(const char *cmd, int c, const char *arg, bm_cli_render_args *a);

/* Checks the combination and sets the page: --size PAPER [--landscape] at --dpi (150 unless
 * given), or --width/--height in pixels at --dpi (96 unless given), defaulting to def_w x def_h;
 * with only one of the two the other keeps def_w:def_h. BM_EXIT_OK or BM_EXIT_USAGE. */
int bm_cli_render_finish(const char *cmd, bm_cli_render_args *a, int def_w, int def_h);

/* Resolves --extent into a->o: corridor, data, W,S,E,N, or a place id looked up in the
 * store's places table (a box of about 170 x 145 km around the place). BM_EXIT_OK or
 * BM_EXIT_USAGE for an unknown place. */
int bm_cli_render_resolve(const char *cmd, bm_cli_render_args *a, bm_store *store);

/* The "Map options" block of --help. */
void bm_cli_render_usage(FILE *fp);

#endif
