/* cmd_db.c: `bordermap db copy FROM TO`: moves a whole database between
 * SpatiaLite files and PostgreSQL/PostGIS schemas, ids kept.
 * Must never write into FROM, nor into a TO that already holds articles or
 * incidents, and never print a connection string. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap db copy [options] FROM TO\n\n"
            "Copies a whole bordermap database -- articles, places (names, records, areas),\n"
            "incidents with their sources and identities, the analysts' history, merges and\n"
            "deletions, team places, metadata -- from FROM to TO, every id kept. Each of\n"
            "FROM and TO is a SpatiaLite file or a postgresql://USER@HOST:PORT/DBNAME URL\n"
            "(password from PGPASSWORD or ~/.pgpass). TO is created (the schema, not the\n"
            "PostgreSQL database) and must hold no articles or incidents; its places are\n"
            "replaced by FROM's. The copy is one transaction: all or nothing.\n\n"
            "Options:\n"
            "  --from-schema NAME  PostgreSQL schema of FROM (default: --pg-schema, else bordermap)\n"
            "  --to-schema NAME    PostgreSQL schema of TO (default: --pg-schema, else bordermap)\n"
            "  -h, --help          this help\n\n"
            "Examples:\n"
            "  bordermap db copy corridor.sqlite postgresql://alice@db.example.org/osint\n"
            "  bordermap db copy postgresql://alice@db.example.org/osint laptop.sqlite\n\n"
            "Exit codes: 0 ok, 1 failure (nothing is written to TO), 2 usage error.\n");
}

int bm_cmd_db(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"from-schema", required_argument, NULL, 'f'},
                                         {"to-schema", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *from_schema = cli->pg_schema, *to_schema = cli->pg_schema;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return BM_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "copy") != 0)
        return bm_cli_usage_error("db", argc < 2 ? "missing subcommand (copy)"
                                                 : "unknown subcommand '%s'",
                                  argc < 2 ? "" : argv[1]);
    argc--, argv++;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return BM_EXIT_OK;
        case 'f': from_schema = optarg; break;
        case 't': to_schema = optarg; break;
        default: return bm_cli_usage_error("db copy", "unknown option or missing value");
        }
    }
    if (argc - optind != 2)
        return bm_cli_usage_error("db copy", "needs FROM and TO");
    const char *from_path = argv[optind], *to_path = argv[optind + 1];
    if (!strcmp(from_path, to_path) && !(from_schema && to_schema && strcmp(from_schema, to_schema)))
        return bm_cli_usage_error("db copy", "FROM and TO are the same database");
    bm_error err;
    bm_error_clear(&err);
    bm_store *from = NULL, *to = NULL;
    int rc = bm_store_open_schema(from_path, from_schema, BM_STORE_READONLY | BM_STORE_NOCREATE,
                                  &from, &err);
    if (rc != BM_OK)
        return bm_cli_fail("db copy: source", "%s", bm_error_text(&err));
    rc = bm_store_open_schema(to_path, to_schema, 0, &to, &err);
    if (rc != BM_OK) {
        bm_store_close(from);
        return bm_cli_fail("db copy: target", "%s", bm_error_text(&err));
    }
    rc = bm_store_copy(from, to, &err);
    if (rc == BM_OK && !cli->quiet) {
        int64_t n = 0;
        bm_store_count(to, NULL, &n);
        fprintf(stderr, "bordermap: copied %s to %s (%lld incidents)\n", bm_store_path(from),
                bm_store_path(to), (long long)n);
    }
    bm_store_close(to);
    bm_store_close(from);
    return rc == BM_OK ? BM_EXIT_OK : bm_cli_fail("db copy", "%s", bm_error_text(&err));
}
