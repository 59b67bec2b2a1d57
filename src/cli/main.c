/* main.c: the `bordermap` command line: global options, subcommand dispatch
 * and the exit-code contract.
 * Must never do a subcommand's work itself: each lives in its own cmd_*.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(bm_cli *, int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"init", bm_cmd_init, "create the database (and load the gazetteer into it)"},
    {"ingest", bm_cmd_ingest, "read articles and store their dated, placed incidents"},
    {"incidents", bm_cmd_incidents, "list, add, show, delete, edit, merge or split incidents"},
    {"places", bm_cmd_places, "search and show places; add the team's own places and aliases"},
    {"mentions", bm_cmd_mentions, "print every place and date an article mentions (TSV)"},
    {"gazetteer", bm_cmd_gazetteer, "extend the gazetteer (import a GeoNames dump)"},
    {"render", bm_cmd_render, "draw a map of the incidents to PNG, PDF or SVG"},
    {"export", bm_cmd_export, "write incidents or places as GeoJSON, GPKG, KML, CSV, ..."},
    {"import", bm_cmd_import, "add the events of an ACLED CSV as incidents"},
    {"animate", bm_cmd_animate, "draw time slices as an animated GIF, WebP or PNG frames"},
    {"db", bm_cmd_db, "copy a whole database between SpatiaLite and PostgreSQL/PostGIS"},
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE|URL] [--pg-schema NAME] [--quiet] <command> [options]\n"
            "       bordermap <command> --help\n\n"
            "Turns news reports about the Iraq-Syria border into a SpatiaLite database of\n"
            "dated incidents, and into maps, GIS files and animations.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp,
            "\nGlobal options:\n"
            "  --db FILE     database file (default: $BORDERMAP_DB, else ./bordermap.sqlite);\n"
            "                created on first use\n"
            "  --db postgresql://USER@HOST:PORT/DBNAME\n"
            "                a team's PostgreSQL/PostGIS database instead (password and TLS\n"
            "                from PGPASSWORD, ~/.pgpass, PGSSLMODE; never in the URL)\n"
            "  --pg-schema NAME  PostgreSQL schema of the tables (default: $BORDERMAP_PG_SCHEMA,\n"
            "                else bordermap)\n"
            "  -q, --quiet   no progress bars or summaries on stderr\n"
            "  -h, --help    this help\n"
            "  -V, --version print the version\n\n"
            "Environment:\n"
            "  BORDERMAP_DB    default database file or postgresql:// URL\n"
            "  BORDERMAP_PG_SCHEMA  default PostgreSQL schema\n"
            "  BORDERMAP_DATA  directory holding gazetteer/ and maps/ (overrides the built-in)\n\n"
            "Exit codes:\n"
            "  0  success\n"
            "  1  failure (bad data, I/O, database); the message says what and why\n"
            "  2  usage error (unknown command or option, invalid argument)\n");
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"pg-schema", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    bm_cli cli = {0};
    const char *env_db = getenv("BORDERMAP_DB");
    cli.db_path = env_db && *env_db ? env_db : "bordermap.sqlite";
    const char *env_schema = getenv("BORDERMAP_PG_SCHEMA");
    cli.pg_schema = env_schema && *env_schema ? env_schema : NULL;

    /* '+' stops at the first non-option so subcommand options stay theirs. */
    int c;
    while ((c = getopt_long(argc, argv, "+qhV", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cli.db_path = optarg; break;
        case 'S': cli.pg_schema = optarg; break;
        case 'q': cli.quiet = 1; break;
        case 'h': usage(stdout); return BM_EXIT_OK;
        case 'V': printf("bordermap %s\n", bm_version()); return BM_EXIT_OK;
        default: usage(stderr); return BM_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return BM_EXIT_USAGE;
    }
    const command *cmd = find_command(argv[optind]);
    if (!cmd) {
        fprintf(stderr, "bordermap: unknown command '%s' (see bordermap --help)\n", argv[optind]);
        return BM_EXIT_USAGE;
    }
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* glibc: 0 re-initialises getopt for the subcommand */
    if (bm_cli_temp_init() != BM_OK)
        fprintf(stderr, "bordermap: warning: temporary files will not be removed on a signal\n");
    int rc = cmd->run(&cli, sub_argc, sub_argv);
    bm_cli_temp_done();
    return rc;
}
