/* cmd_init.c: `bordermap init`: creates (or migrates) the database and loads
 * the gazetteer into its places table.
 * Must never overwrite a file that is not a bordermap database. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] init\n\n"
            "Creates the SpatiaLite database (default ./bordermap.sqlite, or --db, or\n"
            "$BORDERMAP_DB) with its schema and the gazetteer's places, or migrates an\n"
            "older bordermap database to the current schema. Running it again changes\n"
            "nothing. Other commands create the database on first use as well.\n"
            "With --db postgresql://USER@HOST:PORT/DBNAME it creates the schema (--pg-schema,\n"
            "default bordermap) in that existing PostgreSQL database, with PostGIS.\n\n"
            "Options:\n"
            "  -h, --help   this help\n\n"
            "Example:\n"
            "  bordermap --db corridor.sqlite init\n"
            "  ogrinfo corridor.sqlite          # lists places and incidents layers\n"
            "  bordermap --db postgresql://alice@db.example.org/osint init\n\n"
            "Exit codes: 0 ok, 1 failure (not a bordermap database, read-only location,\n"
            "newer schema), 2 usage error.\n");
}

int bm_cmd_init(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return BM_EXIT_OK;
        }
        return bm_cli_usage_error("init", "unknown option");
    }
    if (optind < argc)
        return bm_cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    int64_t places = 0, incidents = 0;
    bm_store_place_count(store, &places);
    bm_store_count(store, NULL, &incidents);
    if (!cli->quiet)
        fprintf(stderr, "bordermap: %s ready (schema %d, %lld places, %lld incidents)\n",
                bm_store_path(store), bm_store_schema_version(store), (long long)places,
                (long long)incidents);
    bm_store_close(store);
    return BM_EXIT_OK;
}
