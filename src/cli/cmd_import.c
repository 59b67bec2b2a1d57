/* cmd_import.c: `bordermap import --format ACLED FILE`: puts another
 * dataset's events beside the extracted ones, through the acled module.
 * Must never store part of a file: the import is one transaction. */
#include <getopt.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] import --format ACLED [options] FILE\n\n"
            "Imports the events of an ACLED CSV export as incidents with provenance\n"
            "'acled' (external id: event_id_cnty). The type comes from the bordermap tags\n"
            "when the file was written by `export --format ACLED`, else from the\n"
            "sub-event type (gazetteer/acled/types.tsv); event_date as 2025-03-07 or\n"
            "07 March 2025; time_precision 1 day, 2 week, 3 month; inter1/inter2 as codes\n"
            "or ACLED's words. Events already imported (same event_id_cnty) are skipped.\n"
            "The whole file is one transaction: a bad row stops it with its number.\n\n"
            "Options:\n"
            "  -f, --format NAME   ACLED (the only format; required)\n"
            "  -n, --dry-run       read and check every row, store nothing\n"
            "  -h, --help          this help\n\n"
            "Examples:\n"
            "  bordermap import --format ACLED acled-iraq-syria-2025.csv\n"
            "  bordermap export -o ours.csv --format ACLED && \\\n"
            "      bordermap --db other.sqlite import --format ACLED ours.csv\n\n"
            "Exit codes: 0 ok, 1 failure (unreadable file, bad row, database error),\n"
            "2 usage error (unknown option or format, no file).\n");
}

int bm_cmd_import(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bm_acled_import_opts o;
    bm_acled_import_opts_init(&o);
    const char *format = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "f:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'n': o.dry_run = 1; break;
        case 'h': usage(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("import", "unknown option or missing value");
        }
    }
    if (!format)
        return bm_cli_usage_error("import", "--format ACLED is required");
    if (strcasecmp(format, "ACLED") != 0)
        return bm_cli_usage_error("import", "unknown format '%s' (ACLED)", format);
    if (optind + 1 != argc)
        return bm_cli_usage_error("import", "one FILE is needed");
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    bm_acled_import_result r;
    const char *path = argv[optind];
    int rc = bm_acled_import(store, path, &o, &r, &err);
    bm_store_close(store);
    if (rc != BM_OK)
        return bm_cli_fail("import", "%s: %s", path, bm_error_text(&err));
    if (!cli->quiet)
        fprintf(stderr, "bordermap: %s: %lld events read, %lld added, %lld already stored%s\n",
                path, (long long)r.rows, (long long)r.added, (long long)r.skipped,
                o.dry_run ? " (dry run: nothing stored)" : "");
    return BM_EXIT_OK;
}
