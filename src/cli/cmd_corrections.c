/* cmd_corrections.c: `bordermap incidents edit|merge|split|history`: an
 * analyst's corrections, each recorded with who made it and when.
 * Must never write before every option is checked; each command is one
 * transaction in the library (src/edits.c). */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

static const char *const exit_codes =
    "Exit codes: 0 ok, 1 failure (no such incident, source or place; database\n"
    "error), 2 usage error (unknown option, invalid id, date, type or coordinates).\n";

static void usage_edit(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] incidents edit ID [options]\n\n"
            "Corrects an incident. Each changed field is recorded (old and new value,\n"
            "when, by whom; see `incidents history`), and `ingest --force` or a gazetteer\n"
            "change never overwrites a corrected incident.\n\n"
            "Options:\n"
            "  --type T            one of the 13 types (see `incidents --help`)\n"
            "  --place ID          a place id (`places search`): its point and the\n"
            "                      geo-precision of its kind\n"
            "  --lonlat LON,LAT    the exact point (geo-precision 1); the place id stays\n"
            "  --date D            YYYY-MM-DD, YYYY-MM or YYYY (precision follows the form)\n"
            "  --date-end D        last day of a range (with --date)\n"
            "  --fatalities N      a count >= 0, or 'none' for not stated\n"
            "  --summary TEXT      the summary\n"
            "  --note TEXT         an analyst's note ('' clears it)\n"
            "  --by NAME           who made the change (default $USER, else the account)\n"
            "  -h, --help          this help\n\n"
            "Example:\n"
            "  bordermap incidents edit 12 --place al-qaim --fatalities 3 --note \"per HRW\"\n\n"
            "%s",
            exit_codes);
}

static void usage_merge(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] incidents merge ID ID... [--by NAME]\n\n"
            "Merges the second and later incidents into the first: their sources join\n"
            "it, their ids are deleted and remembered as merged into it (`incidents\n"
            "show` and `history` of an old id say where it went). The first keeps its\n"
            "own fields (correct them with `incidents edit`).\n\n"
            "Example:\n"
            "  bordermap incidents merge 12 15 19\n\n"
            "%s",
            exit_codes);
}

static void usage_split(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] incidents split ID --source N [--by NAME]\n\n"
            "Moves source N (numbered from 1 in the order `incidents show` lists them)\n"
            "to a new incident with the same fields, and prints the new id. The\n"
            "incident must have at least two sources.\n\n"
            "Example:\n"
            "  bordermap incidents split 12 --source 2\n\n"
            "%s",
            exit_codes);
}

static void usage_history(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] incidents history ID [--format table|tsv|json]\n\n"
            "Lists every recorded change of an incident, oldest first (with those of\n"
            "the incidents merged into it): when, who, action, field, old and new value.\n"
            "Actions: edit, merge, merged-into, split, split-from, and, from ingest,\n"
            "unconfirmed (re-extraction no longer finds the incident) and reconfirmed.\n\n"
            "Example:\n"
            "  bordermap incidents history 12 --format tsv\n\n"
            "%s",
            exit_codes);
}

/* Library failures: an unknown id or place is a failure (1), as is a value
 * the database refuses. */
static int report(const char *cmd, bm_error *err)
{
    return bm_cli_fail(cmd, "%s", bm_error_text(err));
}

/* ---- edit ------------------------------------------------------------------ */

typedef struct edit_args {
    const char *id, *date, *date_end, *lonlat, *fatalities, *by;
    bm_incident_change c;
} edit_args;

static int parse_edit_opts(int argc, char **argv, edit_args *a)
{
    static const struct option opts[] = {
        {"type", required_argument, NULL, 'T'},
        {"place", required_argument, NULL, 'p'},
        {"lonlat", required_argument, NULL, 'L'},
        {"date", required_argument, NULL, 'd'},
        {"date-end", required_argument, NULL, 'e'},
        {"fatalities", required_argument, NULL, 'k'},
        {"summary", required_argument, NULL, 's'},
        {"note", required_argument, NULL, 'n'},
        {"by", required_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'T': a->c.type = optarg; break;
        case 'p': a->c.place_id = optarg; break;
        case 'L': a->lonlat = optarg; break;
        case 'd': a->date = optarg; break;
        case 'e': a->date_end = optarg; break;
        case 'k': a->fatalities = optarg; break;
        case 's': a->c.summary = optarg; break;
        case 'n': a->c.note = optarg; break;
        case 'B': a->by = optarg; break;
        case 'h': usage_edit(stdout); return -1;
        default: return bm_cli_usage_error("incidents edit", "unknown option");
        }
    }
    if (optind + 1 != argc)
        return bm_cli_usage_error("incidents edit", "give exactly one incident id");
    a->id = argv[optind];
    return BM_EXIT_OK;
}

/* Turns the option strings into the change, checking all of them. */
static int build_change(edit_args *a)
{
    const char *cmd = "incidents edit";
    bm_incident_change *c = &a->c;
    if (c->type && bm_type_index(c->type) < 0)
        return bm_cli_usage_error(cmd, "--type: '%s' is not an incident type", c->type);
    if (a->lonlat && bm_cli_parse_lonlat(a->lonlat, &c->pt) != BM_OK)
        return bm_cli_usage_error(cmd, "--lonlat: '%s' is not LON,LAT in degrees", a->lonlat);
    c->has_pt = a->lonlat != NULL;
    if (a->date_end && !a->date)
        return bm_cli_usage_error(cmd, "--date-end needs --date");
    if (a->date) {
        if (bm__cli_parse_date(cmd, "--date", a->date, &c->date_start, &c->date_end,
                               &c->date_precision))
            return BM_EXIT_USAGE;
        bm_date f2;
        if (a->date_end &&
            bm__cli_parse_date(cmd, "--date-end", a->date_end, &f2, &c->date_end, NULL))
            return BM_EXIT_USAGE;
        if (bm_date_cmp(c->date_end, c->date_start) < 0)
            return bm_cli_usage_error(cmd, "--date-end is before --date");
        c->has_date = 1;
    }
    if (a->fatalities) {
        char *end;
        long v = strtol(a->fatalities, &end, 10);
        if (!strcmp(a->fatalities, "none"))
            v = -1;
        else if (*end || end == a->fatalities || v < 0 || v > 1000000)
            return bm_cli_usage_error(cmd, "--fatalities must be a count >= 0 or 'none'");
        c->has_fatalities = 1;
        c->fatalities = (int)v;
    }
    if (!c->type && !c->place_id && !c->has_pt && !c->has_date && !c->has_fatalities &&
        !c->summary && !c->note)
        return bm_cli_usage_error(cmd, "nothing to change (see --help)");
    return BM_EXIT_OK;
}

int bm__cli_incidents_edit(bm_cli *cli, int argc, char **argv)
{
    edit_args a = {0};
    bm_incident_change_init(&a.c);
    int rc = parse_edit_opts(argc, argv, &a);
    if (rc != BM_EXIT_OK)
        return rc < 0 ? BM_EXIT_OK : rc;
    int64_t id;
    if (bm__cli_parse_id("incidents edit", a.id, &id) || build_change(&a))
        return BM_EXIT_USAGE;
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    int n = 0;
    rc = BM_EXIT_OK;
    if (bm_edit_incident(store, id, &a.c, a.by, &n, &err) != BM_OK)
        rc = report("incidents edit", &err);
    else if (!cli->quiet)
        fprintf(stderr, "incident %" PRId64 ": %d field(s) changed\n", id, n);
    bm_store_close(store);
    return rc;
}

/* ---- merge / split ------------------------------------------------------------ */

/* Parses --by (and --source when source is not NULL) and --help. */
static int parse_by(const char *cmd, int argc, char **argv, const char **by, long *source,
                    void (*usage)(FILE *))
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'B'},
        {"source", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'B': *by = optarg; break;
        case 'S':
            if (!source)
                return bm_cli_usage_error(cmd, "unknown option --source");
            *source = strtol(optarg, &end, 10);
            if (*end || *source < 1)
                return bm_cli_usage_error(cmd, "--source wants a source number from 1");
            break;
        case 'h': usage(stdout); return -1;
        default: return bm_cli_usage_error(cmd, "unknown option");
        }
    }
    return BM_EXIT_OK;
}

int bm__cli_incidents_merge(bm_cli *cli, int argc, char **argv)
{
    const char *by = NULL, *cmd = "incidents merge";
    int rc = parse_by(cmd, argc, argv, &by, NULL, usage_merge);
    if (rc != BM_EXIT_OK)
        return rc < 0 ? BM_EXIT_OK : rc;
    int n = argc - optind;
    if (n < 2)
        return bm_cli_usage_error(cmd, "give the incident to keep and at least one to merge");
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    if (!ids)
        return bm_cli_fail(cmd, "out of memory");
    for (int i = 0; i < n && rc == BM_EXIT_OK; i++)
        rc = bm__cli_parse_id(cmd, argv[optind + i], &ids[i]);
    bm_store *store = rc == BM_EXIT_OK ? bm_cli_open_store(cli, 0) : NULL;
    if (rc == BM_EXIT_OK && !store)
        rc = BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    if (store && bm_edit_merge(store, ids[0], ids + 1, (size_t)n - 1, by, &err) != BM_OK)
        rc = report(cmd, &err);
    else if (store && !cli->quiet)
        fprintf(stderr, "merged %d incident(s) into %" PRId64 "\n", n - 1, ids[0]);
    bm_store_close(store);
    free(ids);
    return rc;
}

int bm__cli_incidents_split(bm_cli *cli, int argc, char **argv)
{
    const char *by = NULL, *cmd = "incidents split";
    long source = 0;
    int rc = parse_by(cmd, argc, argv, &by, &source, usage_split);
    if (rc != BM_EXIT_OK)
        return rc < 0 ? BM_EXIT_OK : rc;
    int64_t id;
    if (optind + 1 != argc)
        return bm_cli_usage_error(cmd, "give exactly one incident id");
    if (bm__cli_parse_id(cmd, argv[optind], &id))
        return BM_EXIT_USAGE;
    if (source < 1)
        return bm_cli_usage_error(cmd, "--source N is required");
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    int64_t new_id = 0;
    if (bm_edit_split(store, id, (size_t)source, by, &new_id, &err) != BM_OK)
        rc = report(cmd, &err);
    else
        printf("%" PRId64 "\n", new_id);
    bm_store_close(store);
    return rc;
}

/* ---- history ------------------------------------------------------------------ */

typedef struct hist_ctx {
    bm_output_format fmt; /* BM_OUT_TABLE, BM_OUT_JSON, or BM_OUT_CSV standing for TSV */
    int64_t asked;
    size_t n;
} hist_ctx;

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void json_field(const char *k, const char *v)
{
    printf(", \"%s\": ", k);
    if (v)
        bm_output_json_string(stdout, v);
    else
        fputs("null", stdout);
}

static void tsv_field(const char *v)
{
    putchar('\t');
    for (const char *p = or_dash(v); *p; p++)
        putchar(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
}

static int hist_cb(const bm_edit_record *r, void *user)
{
    hist_ctx *h = user;
    if (h->fmt == BM_OUT_JSON) {
        printf("%s\n  {\"incident\": %" PRId64, h->n ? "," : "", r->incident_id);
        json_field("at", r->at);
        json_field("author", r->author);
        json_field("action", r->action);
        json_field("field", r->field);
        json_field("old", r->old_value);
        json_field("new", r->new_value);
        fputs("}", stdout);
    } else if (h->fmt == BM_OUT_CSV) {
        printf("%" PRId64, r->incident_id);
        tsv_field(r->at);
        tsv_field(r->author);
        tsv_field(r->action);
        tsv_field(r->field);
        tsv_field(r->old_value);
        tsv_field(r->new_value);
        putchar('\n');
    } else {
        char from[32] = "";
        if (r->incident_id != h->asked)
            snprintf(from, sizeof from, " [#%" PRId64 "]", r->incident_id);
        printf("%s  %-12s %-12s%s %s: %s -> %s\n", or_dash(r->at), or_dash(r->author),
               or_dash(r->action), from, or_dash(r->field), or_dash(r->old_value),
               or_dash(r->new_value));
    }
    h->n++;
    return 0;
}

static int parse_history_fmt(const char *s, bm_output_format *f)
{
    if (!strcmp(s, "tsv"))
        *f = BM_OUT_CSV;
    else if (!strcmp(s, "table"))
        *f = BM_OUT_TABLE;
    else if (!strcmp(s, "json"))
        *f = BM_OUT_JSON;
    else
        return -1;
    return 0;
}

int bm__cli_incidents_history(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'F'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = "incidents history";
    hist_ctx h = {BM_OUT_TABLE, 0, 0};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage_history(stdout);
            return BM_EXIT_OK;
        }
        if (c != 'F' || parse_history_fmt(optarg, &h.fmt))
            return bm_cli_usage_error(cmd, "bad option (--format table|tsv|json)");
    }
    if (optind + 1 != argc)
        return bm_cli_usage_error(cmd, "give exactly one incident id");
    if (bm__cli_parse_id(cmd, argv[optind], &h.asked))
        return BM_EXIT_USAGE;
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    if (h.fmt == BM_OUT_JSON)
        fputs("[", stdout);
    else if (h.fmt == BM_OUT_CSV)
        puts("incident\tat\tauthor\taction\tfield\told\tnew");
    int rc = bm_edit_history(store, h.asked, hist_cb, &h, &err);
    if (h.fmt == BM_OUT_JSON)
        fputs(h.n ? "\n]\n" : "]\n", stdout);
    int64_t into = 0;
    if (rc == BM_OK)
        rc = bm_edit_merged_into(store, h.asked, &into, &err);
    bm_incident_state st;
    int exit_code = BM_EXIT_OK;
    if (rc != BM_OK)
        exit_code = report(cmd, &err);
    else if (!into && bm_edit_state(store, h.asked, &st, &err) != BM_OK && h.n == 0)
        exit_code = report(cmd, &err);
    else if (!cli->quiet && into)
        fprintf(stderr, "incident %" PRId64 " was merged into %" PRId64 "\n", h.asked, into);
    else if (!cli->quiet && h.fmt == BM_OUT_TABLE)
        fprintf(stderr, "%zu change(s)\n", h.n);
    bm_store_close(store);
    return exit_code;
}

/* ---- show ---------------------------------------------------------------------- */

void bm__cli_print_corrections(bm_store *store, int64_t id)
{
    bm_incident_state st;
    if (bm_edit_state(store, id, &st, NULL) != BM_OK)
        return;
    if (st.edited)
        printf("corrected:    %s (see: bordermap incidents history %" PRId64 ")\n", st.edited_at,
               id);
    if (st.note[0])
        printf("note:         %s\n", st.note);
    if (st.review[0])
        printf("review:       %s\n", st.review);
}
