/* cmd_incidents.c: `bordermap incidents list|add|show|delete` (and the
 * dispatch of edit|merge|split|history, cmd_corrections.c): an analyst's
 * direct view of the incident table and manual entries.
 * Must never write a half-validated incident: everything is checked before
 * the store is touched, and each write is one transaction. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] incidents <subcommand> [options]\n\n"
            "Subcommands:\n"
            "  list [--from D] [--to D] [--type T,...] [--bbox W,S,E,N] [--limit N]\n"
            "       [--format table|csv|json]\n"
            "        incidents whose dates overlap the window, inside the box, of the types\n"
            "  add --date D [--date-end D] (--place ID | --lonlat LON,LAT) --type T\n"
            "      --summary TEXT [--geo-precision 1|2|3] [--fatalities N] [--confidence X]\n"
            "        an analyst's manual entry; D is YYYY-MM-DD, YYYY-MM or YYYY (the\n"
            "        precision follows the form); prints the new id\n"
            "  show ID [--format table|json]   one incident with its sources\n"
            "  delete ID [--by NAME]           removes an incident and its source links;\n"
            "                                  recorded, and re-ingesting never restores it\n"
            "  edit ID [--type T] [--place ID] [--lonlat LON,LAT] [--date D [--date-end D]]\n"
            "      [--fatalities N|none] [--summary TEXT] [--note TEXT] [--by NAME]\n"
            "        corrects an incident; re-ingesting never overwrites a corrected one\n"
            "  merge ID ID... [--by NAME]      the later incidents join the first (sources\n"
            "                                  united; their ids point to the first)\n"
            "  split ID --source N [--by NAME] source N (as `show` numbers them) becomes a\n"
            "                                  new incident; prints its id\n"
            "  history ID [--format table|tsv|json]  every change: what, old, new, when, who\n"
            "        (who: --by, else $USER, else the account name)\n\n"
            "Types: clash attack airstrike smuggling infiltration security_op fortification\n"
            "       deployment crossing diplomacy statement repatriation other\n\n"
            "Examples:\n"
            "  bordermap incidents list --from 2025-01-01 --type airstrike,clash\n"
            "  bordermap incidents list --bbox 40,34,42,35.5 --format csv > incidents.csv\n"
            "  bordermap incidents add --date 2025-03-07 --place rabia --type deployment \\\n"
            "      --summary \"Iraqi border guards reinforced at Rabia\"\n"
            "  bordermap incidents show 12\n"
            "  bordermap incidents edit 12 --place al-qaim --note \"checked with OCHA map\"\n"
            "  bordermap incidents merge 12 15 19\n"
            "  bordermap incidents split 12 --source 2\n"
            "  bordermap incidents history 12\n\n"
            "Exit codes: 0 ok, 1 failure (no such incident, database error), 2 usage error\n"
            "(unknown option, invalid date, type, coordinates or format).\n");
}

/* ---- list ------------------------------------------------------------ */

typedef struct list_state {
    bm_output out;
    int64_t n;
} list_state;

static int list_cb(const bm_incident *inc, void *user)
{
    list_state *ls = user;
    ls->n++;
    return bm_output_incident(&ls->out, inc);
}

int bm__cli_parse_date(const char *cmd, const char *opt, const char *v, bm_date *first,
                       bm_date *last, bm_precision *p)
{
    bm_error err;
    bm_error_clear(&err);
    if (bm_date_parse_iso(v, first, last, p, &err) != BM_OK)
        return bm_cli_usage_error(cmd, "%s: %s", opt, bm_error_text(&err));
    return BM_EXIT_OK;
}

int bm__cli_parse_filter(const char *cmd, int c, const char *arg, bm_query *q, char ***types,
                         size_t *n_types)
{
    bm_date first, last;
    char bad[64];
    switch (c) {
    case 'f':
        if (bm__cli_parse_date(cmd, "--from", arg, &first, &last, NULL))
            return BM_EXIT_USAGE;
        q->has_from = 1;
        q->from = first;
        return BM_EXIT_OK;
    case 't':
        if (bm__cli_parse_date(cmd, "--to", arg, &first, &last, NULL))
            return BM_EXIT_USAGE;
        q->has_to = 1;
        q->to = last; /* --to 2025-03 means through the end of March */
        return BM_EXIT_OK;
    case 'T':
        bm_cli_free_list(*types, *n_types);
        if (bm_cli_parse_types(arg, types, n_types, bad, sizeof bad) != BM_OK)
            return bm_cli_usage_error(cmd, "--type: '%s' is not an incident type", bad);
        q->types = (const char *const *)*types;
        q->n_types = *n_types;
        return BM_EXIT_OK;
    case 'b':
        if (bm_cli_parse_bbox(arg, &q->west, &q->south, &q->east, &q->north) != BM_OK)
            return bm_cli_usage_error(cmd, "--bbox: '%s' is not W,S,E,N in degrees", arg);
        q->has_bbox = 1;
        return BM_EXIT_OK;
    default:
        return BM_EXIT_USAGE;
    }
}

/* CSV is the export's CSV written to stdout: one CSV schema for both
 * commands. Every incident is listed (country-level ones with empty X,Y). */
static int list_csv(bm_store *store, const bm_query *q, int64_t *n)
{
    bm_export_opts o;
    bm_export_opts_init(&o);
    o.format = BM_EXPORT_CSV;
    o.query = *q;
    o.include_country_level = 1;
    bm_error err;
    bm_error_clear(&err);
    fflush(stdout);
    int rc = bm_export(store, "-", &o, n, &err);
    if (rc != BM_OK)
        bm_cli_fail("incidents list", "%s", bm_error_text(&err));
    return rc;
}

static int cmd_list(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"type", required_argument, NULL, 'T'},   {"bbox", required_argument, NULL, 'b'},
        {"limit", required_argument, NULL, 'l'},  {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    bm_query q;
    bm_query_init(&q);
    char **types = NULL;
    size_t n_types = 0;
    bm_output_format fmt = BM_OUT_TABLE;
    int c, rc = BM_EXIT_OK;
    while (rc == BM_EXIT_OK && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); bm_cli_free_list(types, n_types); return BM_EXIT_OK;
        case 'l': {
            long long v;
            if (bm_cli_parse_integer(optarg, 1, INT64_MAX, &v) != BM_OK)
                rc = bm_cli_usage_error("incidents list", "--limit wants a positive number, "
                                        "not '%s'", optarg);
            q.limit = v;
            break;
        }
        case 'F':
            if (bm_output_parse_format(optarg, &fmt) != BM_OK)
                rc = bm_cli_usage_error("incidents list", "--format: '%s' is not table, csv "
                                        "or json", optarg);
            break;
        case 'f': case 't': case 'T': case 'b':
            rc = bm__cli_parse_filter("incidents list", c, optarg, &q, &types, &n_types);
            break;
        default: rc = bm_cli_usage_error("incidents list", "unknown option"); break;
        }
    }
    if (rc == BM_EXIT_OK && optind < argc)
        rc = bm_cli_usage_error("incidents list", "unexpected argument '%s'", argv[optind]);
    if (rc == BM_EXIT_OK && q.has_from && q.has_to && bm_date_cmp(q.from, q.to) > 0)
        rc = bm_cli_usage_error("incidents list", "--from is after --to");
    if (rc != BM_EXIT_OK) {
        bm_cli_free_list(types, n_types);
        return rc;
    }
    bm_store *store = bm_cli_open_store(cli, BM_CLI_READ);
    if (!store) {
        bm_cli_free_list(types, n_types);
        return BM_EXIT_FAIL;
    }
    list_state ls = {.n = 0};
    int qrc;
    if (fmt == BM_OUT_CSV) {
        qrc = list_csv(store, &q, &ls.n);
    } else {
        bm_output_begin(&ls.out, store, stdout, fmt);
        qrc = bm_store_query(store, &q, list_cb, &ls);
        bm_output_end(&ls.out);
    }
    if (qrc != BM_OK)
        rc = bm_cli_fail("incidents list", "%s", bm_store_errmsg(store));
    else if (!cli->quiet && fmt == BM_OUT_TABLE)
        fprintf(stderr, "%" PRId64 " incident(s)\n", ls.n);
    bm_store_close(store);
    bm_cli_free_list(types, n_types);
    return rc;
}

/* ---- add ------------------------------------------------------------- */

typedef struct add_args {
    const char *date, *date_end, *place, *lonlat, *type, *summary;
    int geo_precision;
    int fatalities;
    double confidence;
} add_args;

/* Everything that can be checked without the database is checked here, so a
 * usage error never opens (or creates) the file. */
static int build_incident(const add_args *a, bm_incident *inc)
{
    const char *cmd = "incidents add";
    if (!a->date || !a->type || !a->summary || (!a->place == !a->lonlat))
        return bm_cli_usage_error(cmd, "--date, --type, --summary and one of --place or "
                                       "--lonlat are required");
    bm_incident_init(inc);
    bm_date last;
    if (bm__cli_parse_date(cmd, "--date", a->date, &inc->date_start, &last, &inc->date_precision))
        return BM_EXIT_USAGE;
    inc->date_end = last;
    if (a->date_end) {
        bm_date f2, l2;
        if (bm__cli_parse_date(cmd, "--date-end", a->date_end, &f2, &l2, NULL))
            return BM_EXIT_USAGE;
        if (bm_date_cmp(l2, inc->date_start) < 0)
            return bm_cli_usage_error(cmd, "--date-end is before --date");
        inc->date_end = l2;
    }
    if (bm_type_index(a->type) < 0)
        return bm_cli_usage_error(cmd, "--type: '%s' is not an incident type", a->type);
    snprintf(inc->type, sizeof inc->type, "%s", a->type);
    if (strlen(a->summary) >= sizeof inc->summary)
        return bm_cli_usage_error(cmd, "--summary is longer than %zu bytes",
                                  sizeof inc->summary - 1);
    snprintf(inc->summary, sizeof inc->summary, "%s", a->summary);
    if (a->lonlat && bm_cli_parse_lonlat(a->lonlat, &inc->pt) != BM_OK)
        return bm_cli_usage_error(cmd, "--lonlat: '%s' is not LON,LAT in degrees", a->lonlat);
    inc->geo_precision = a->geo_precision;
    inc->fatalities = a->fatalities;
    inc->confidence = a->confidence;
    snprintf(inc->reasons, sizeof inc->reasons, "manual entry");
    snprintf(inc->provenance, sizeof inc->provenance, "manual");
    return BM_EXIT_OK;
}

static int parse_add(int argc, char **argv, add_args *a)
{
    static const struct option opts[] = {
        {"date", required_argument, NULL, 'd'},    {"date-end", required_argument, NULL, 'e'},
        {"place", required_argument, NULL, 'p'},   {"lonlat", required_argument, NULL, 'L'},
        {"type", required_argument, NULL, 'T'},    {"summary", required_argument, NULL, 's'},
        {"geo-precision", required_argument, NULL, 'g'},
        {"fatalities", required_argument, NULL, 'k'},
        {"confidence", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *cmd = "incidents add";
    long long v;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->date = optarg; break;
        case 'e': a->date_end = optarg; break;
        case 'p': a->place = optarg; break;
        case 'L': a->lonlat = optarg; break;
        case 'T': a->type = optarg; break;
        case 's': a->summary = optarg; break;
        case 'g':
            if (bm_cli_parse_integer(optarg, 1, 3, &v) != BM_OK)
                return bm_cli_usage_error(cmd, "--geo-precision must be 1, 2 or 3, not '%s'",
                                          optarg);
            a->geo_precision = (int)v;
            break;
        case 'k':
            if (bm_cli_parse_integer(optarg, 0, INT_MAX, &v) != BM_OK)
                return bm_cli_usage_error(cmd, "--fatalities must be a count from 0 to %d, not "
                                          "'%s'", INT_MAX, optarg);
            a->fatalities = (int)v;
            break;
        case 'c':
            if (bm_cli_parse_real(optarg, 0, 1, &a->confidence) != BM_OK)
                return bm_cli_usage_error(cmd, "--confidence must be a number from 0 to 1, not "
                                          "'%s'", optarg);
            break;
        case 'h': usage(stdout); return -1;
        default: return bm_cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return bm_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return BM_EXIT_OK;
}

static int cmd_add(bm_cli *cli, int argc, char **argv)
{
    add_args a = {.geo_precision = 0, .fatalities = -1, .confidence = 1.0};
    int rc = parse_add(argc, argv, &a);
    if (rc != BM_EXIT_OK)
        return rc < 0 ? BM_EXIT_OK : rc;
    bm_incident inc;
    rc = build_incident(&a, &inc);
    if (rc != BM_EXIT_OK)
        return rc;
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    if (a.place) {
        bm_place p;
        if (bm_store_place_get(store, a.place, &p) != BM_OK) {
            bm_store_close(store);
            return bm_cli_fail("incidents add", "unknown place '%s' (try: bordermap places "
                               "search NAME)", a.place);
        }
        snprintf(inc.place_id, sizeof inc.place_id, "%s", p.id);
        inc.pt = p.pt;
        if (!inc.geo_precision)
            inc.geo_precision = bm_place_geo_precision(p.kind);
    }
    if (!inc.geo_precision)
        inc.geo_precision = 1;
    if (bm_store_incident_add(store, &inc) != BM_OK) {
        rc = bm_cli_fail("incidents add", "%s", bm_store_errmsg(store));
    } else {
        printf("%" PRId64 "\n", inc.id);
    }
    bm_store_close(store);
    return rc;
}

/* ---- show / delete ---------------------------------------------------- */

int bm__cli_parse_id(const char *cmd, const char *s, int64_t *id)
{
    long long v;
    if (bm_cli_parse_integer(s, 1, INT64_MAX, &v) != BM_OK)
        return bm_cli_usage_error(cmd, "'%s' is not an incident id (a positive number, as "
                                  "`bordermap incidents list` shows)", s ? s : "");
    *id = v;
    return BM_EXIT_OK;
}

/* show and delete take one id: "-1" is a bad id, not an unknown option
 * (getopt would say "invalid option -- '1'"). */
static const char *negative_operand(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9')
            return argv[i];
    return NULL;
}

static int cmd_show(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bm_output_format fmt = BM_OUT_TABLE;
    const char *neg = negative_operand(argc, argv);
    if (neg) {
        int64_t unused;
        return bm__cli_parse_id("incidents show", neg, &unused);
    }
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return BM_EXIT_OK;
        }
        if (c != 'F' || bm_output_parse_format(optarg, &fmt) != BM_OK || fmt == BM_OUT_CSV)
            return bm_cli_usage_error("incidents show", "bad option (--format table|json)");
    }
    int64_t id = 0;
    if (optind + 1 != argc)
        return bm_cli_usage_error("incidents show", "give exactly one incident id");
    if (bm__cli_parse_id("incidents show", argv[optind], &id))
        return BM_EXIT_USAGE;
    bm_store *store = bm_cli_open_store(cli, BM_CLI_READ);
    if (!store)
        return BM_EXIT_FAIL;
    bm_incident inc;
    int rc = BM_EXIT_OK;
    int64_t into = 0;
    if (bm_store_incident_get(store, id, &inc) != BM_OK) {
        if (bm_edit_merged_into(store, id, &into, NULL) == BM_OK && into > 0)
            rc = bm_cli_fail("incidents show", "incident %" PRId64 " was merged into %" PRId64,
                             id, into);
        else
            rc = bm_cli_fail("incidents show", "%s", bm_store_errmsg(store));
    } else {
        rc = bm_output_incident_detail(store, stdout, fmt, &inc) == BM_OK
                 ? BM_EXIT_OK
                 : bm_cli_fail("incidents show", "%s", bm_store_errmsg(store));
    }
    if (rc == BM_EXIT_OK && fmt == BM_OUT_TABLE)
        bm__cli_print_corrections(store, id);
    bm_store_close(store);
    return rc;
}

static int cmd_delete(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"by", required_argument, NULL, 'B'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *by = NULL;
    const char *neg = negative_operand(argc, argv);
    if (neg) {
        int64_t unused;
        return bm__cli_parse_id("incidents delete", neg, &unused);
    }
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return BM_EXIT_OK;
        }
        if (c != 'B')
            return bm_cli_usage_error("incidents delete", "unknown option");
        by = optarg;
    }
    int64_t id = 0;
    if (optind + 1 != argc)
        return bm_cli_usage_error("incidents delete", "give exactly one incident id");
    if (bm__cli_parse_id("incidents delete", argv[optind], &id))
        return BM_EXIT_USAGE;
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    int rc = BM_EXIT_OK;
    bm_error err;
    bm_error_clear(&err);
    if (bm_edit_delete(store, id, by, &err) != BM_OK)
        rc = bm_cli_fail("incidents delete", "%s", bm_error_text(&err));
    else if (!cli->quiet)
        fprintf(stderr, "deleted incident %" PRId64 "\n", id);
    bm_store_close(store);
    return rc;
}

int bm_cmd_incidents(bm_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return BM_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return BM_EXIT_OK;
    }
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    optind = 0;
    if (strcmp(sub, "list") == 0)
        return cmd_list(cli, sub_argc, sub_argv);
    if (strcmp(sub, "add") == 0)
        return cmd_add(cli, sub_argc, sub_argv);
    if (strcmp(sub, "show") == 0)
        return cmd_show(cli, sub_argc, sub_argv);
    if (strcmp(sub, "delete") == 0)
        return cmd_delete(cli, sub_argc, sub_argv);
    if (strcmp(sub, "edit") == 0)
        return bm__cli_incidents_edit(cli, sub_argc, sub_argv);
    if (strcmp(sub, "merge") == 0)
        return bm__cli_incidents_merge(cli, sub_argc, sub_argv);
    if (strcmp(sub, "split") == 0)
        return bm__cli_incidents_split(cli, sub_argc, sub_argv);
    if (strcmp(sub, "history") == 0)
        return bm__cli_incidents_history(cli, sub_argc, sub_argv);
    return bm_cli_usage_error("incidents", "unknown subcommand '%s'", sub);
}
