/* cmd_render.c: `bordermap render`: parses the options into render options and a query and
 * hands them to bm_render_map(), which writes the PNG, PDF or SVG atomically.
 * Must never draw anything itself: all drawing lives in the render module. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render_opts.h"

static void usage(FILE *fp)
{
    fprintf(fp, "Usage: bordermap [--db FILE] render -o FILE.png|FILE.pdf|FILE.svg [options]\n\n"
                "Draws the incidents over the corridor basemap: neighbours muted, Iraq and Syria\n"
                "distinct, governorates, the Iraq-Syria border emphasised, rivers and lakes,\n"
                "crossings, key towns, one symbol per incident type (sized by sources),\n"
                "co-located incidents spread or clustered, governorate-level incidents as areas,\n"
                "with title, legend, scale bar, north arrow, graticule, locator inset,\n"
                "attribution and a timeline strip. PNG at any size and dpi; PDF and SVG are\n"
                "vector, with fonts embedded (PDF) and text kept as text. The file is written\n"
                "atomically; an existing file is replaced only with --overwrite.\n\n"
                "Options:\n"
                "  -o, --output FILE      .png, .pdf or .svg (required)\n"
                "      --overwrite        replace an existing file\n"
                "  -h, --help             this help\n\n");
    bm_cli_render_usage(fp);
    fprintf(fp, "\nWithout --width/--height/--size the page is 1000x750 pixels.\n\n"
                "Examples:\n"
                "  bordermap render -o corridor.png\n"
                "  bordermap render -o q1.pdf --size A4 --landscape --from 2024-01 --to 2024-03\n"
                "  bordermap render -o abu-kamal.png --extent abu-kamal --lang ar --width 1600 \\\n"
                "      --height 1200 --dpi 144\n"
                "  bordermap render -o strikes.svg --type airstrike,attack --extent data\n\n"
                "Exit codes: 0 ok, 1 failure (output exists without --overwrite, database,\n"
                "basemap, style or output error),\n"
                "2 usage error.\n");
}

/* Returns BM_EXIT_OK, BM_EXIT_USAGE, or -1 after --help. */
enum { OPT_OVERWRITE = 0x400 };

static int parse_args(int argc, char **argv, bm_cli_render_args *a, const char **output,
                      int *overwrite)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"overwrite", no_argument, NULL, OPT_OVERWRITE},
                                         {"help", no_argument, NULL, 'h'},
                                         BM_CLI_RENDER_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "render";
    int c, rc = BM_EXIT_OK;
    opterr = 0;
    while (rc == BM_EXIT_OK && (c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return -1;
        }
        if (c == 'o')
            *output = optarg;
        else if (c == OPT_OVERWRITE)
            *overwrite = 1;
        else if (c == '?')
            rc = bm_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        else if (c == ':')
            rc = bm_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        else if ((rc = bm_cli_render_opt(cmd, c, optarg, a)) == BM_CLI_NOT_RENDER_OPT)
            rc = bm_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    }
    if (rc != BM_EXIT_OK)
        return rc;
    if (optind < argc)
        return bm_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!*output)
        return bm_cli_usage_error(cmd, "-o FILE is required");
    bm_render_format fmt;
    bm_error err;
    bm_error_clear(&err);
    if (bm_render_format_for_path(*output, &fmt, &err) != BM_OK)
        return bm_cli_usage_error(cmd, "%s", bm_error_text(&err));
    return bm_cli_render_finish(cmd, a, 1000, 750);
}

int bm_cmd_render(bm_cli *cli, int argc, char **argv)
{
    bm_cli_render_args a;
    bm_cli_render_args_init(&a);
    const char *output = NULL;
    int overwrite = 0;
    int rc = parse_args(argc, argv, &a, &output, &overwrite);
    if (rc != BM_EXIT_OK) {
        bm_cli_render_args_free(&a);
        return rc < 0 ? BM_EXIT_OK : rc;
    }
    /* Writable: opening syncs the gazetteer into the places table that --extent PLACE_ID and
     * the town labels read. */
    bm_store *store = bm_cli_open_store(cli, BM_CLI_READ);
    if (!store) {
        bm_cli_render_args_free(&a);
        return BM_EXIT_FAIL;
    }
    rc = bm_cli_render_resolve("render", &a, store);
    if (rc == BM_EXIT_OK) {
        bm_error err;
        bm_error_clear(&err);
        size_t n = 0;
        bm_cli_temp_watch(output);
        if (bm_render_map(&a.o, store, &a.q, output, overwrite, &n, &err) != BM_OK)
            rc = bm_cli_fail("render", "%s", bm_error_text(&err));
        else if (!cli->quiet)
            fprintf(stderr, "%s: %zu incident(s)\n", output, n);
    }
    bm_store_close(store);
    bm_cli_render_args_free(&a);
    return rc;
}
