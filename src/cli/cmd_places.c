/* cmd_places.c: `bordermap places search NAME` and `bordermap places show ID`:
 * look places up in the gazetteer (files, plus places the user imported);
 * dispatches `places add` and `places alias add` (cmd_places_team.c).
 * Must never need a database: without one the gazetteer files answer alone. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/gazimport.h"
#include "cli.h"
#include "gazload.h"
#include "output.h"

typedef enum { FMT_TABLE, FMT_TSV, FMT_JSON } fmt;

static void usage(FILE *fp)
{
    fprintf(fp, "Usage: bordermap places search NAME [--limit N] [--format table|tsv|json]\n"
                "       bordermap places show ID [--format table|tsv|json]\n"
                "       bordermap places add ID --lonlat LON,LAT --kind KIND --name-en NAME ...\n"
                "       bordermap places alias add PLACE_ID NAME\n\n"
                "Looks places up in the gazetteer (gazetteer/*.tsv, plus places imported with\n"
                "`bordermap gazetteer import` when the database exists).\n\n"
                "  search NAME   candidates for a name in Arabic or Latin script, best first,\n"
                "                with a score 0..1 (1 = the name as listed; clitics such as\n"
                "                وال or the article are understood; near spellings score less)\n"
                "  show ID       every field and name of one place\n"
                "  add, alias add  a team's own place or spelling, kept in the database and\n"
                "                matched by every command (`places add --help`)\n\n"
                "Options:\n"
                "  -n, --limit N       at most N candidates (default 10)\n"
                "  -f, --format FMT    table (default), tsv or json\n"
                "  -h, --help          this help\n\n"
                "Examples:\n"
                "  bordermap places search 'البوكمال'\n"
                "  bordermap places search 'Deir Ezzor' --format tsv\n"
                "  bordermap places show al-qaim-crossing --format json\n\n"
                "Exit codes: 0 ok, 1 no such place or no candidate (or the gazetteer cannot be\n"
                "read), 2 usage error.\n");
}

static int parse_fmt(const char *s, fmt *out)
{
    if (!strcmp(s, "table"))
        *out = FMT_TABLE;
    else if (!strcmp(s, "tsv"))
        *out = FMT_TSV;
    else if (!strcmp(s, "json"))
        *out = FMT_JSON;
    else
        return -1;
    return 0;
}

static void tsv_str(const char *s)
{
    bm__cli_put_field(stdout, s, s ? strlen(s) : 0);
}

static void json_kv(const char *k, const char *v, int comma)
{
    printf("%s", comma ? ", " : "");
    bm_output_json_string(stdout, k);
    fputs(": ", stdout);
    if (v && strcmp(v, "-"))
        bm_output_json_string(stdout, v);
    else
        fputs("null", stdout);
}

static void json_place(const bm_gplace *p)
{
    json_kv("id", p->id, 0);
    json_kv("name_en", p->name_en, 1);
    json_kv("name_ar", p->name_ar, 1);
    json_kv("kind", p->kind, 1);
    json_kv("country", p->country, 1);
    json_kv("admin1", p->admin1, 1);
    printf(", \"lat\": %.6f, \"lon\": %.6f", p->pt.lat, p->pt.lon);
    if (p->population >= 0)
        printf(", \"population\": %lld", p->population);
    else
        fputs(", \"population\": null", stdout);
    json_kv("area", p->area, 1);
    json_kv("source", p->source, 1);
    json_kv("origin", bm_gazetteer_origin(p), 1);
}

static void print_search(const bm_place_candidate *c, size_t n, fmt f)
{
    if (f == FMT_JSON) {
        fputs("[", stdout);
        for (size_t i = 0; i < n; i++) {
            printf("%s\n  {\"score\": %.3f, ", i ? "," : "", c[i].score);
            json_place(c[i].place);
            json_kv("matched", c[i].matched, 1);
            fputs("}", stdout);
        }
        fputs(n ? "\n]\n" : "]\n", stdout);
        return;
    }
    if (f == FMT_TSV)
        puts("score\tid\tkind\tcountry\tname_en\tname_ar\tlat\tlon\tmatched\torigin");
    for (size_t i = 0; i < n; i++) {
        const bm_gplace *p = c[i].place;
        if (f == FMT_TSV) {
            printf("%.3f\t", c[i].score);
            tsv_str(p->id);
            putchar('\t');
            tsv_str(p->kind);
            putchar('\t');
            tsv_str(p->country);
            putchar('\t');
            tsv_str(p->name_en);
            putchar('\t');
            tsv_str(p->name_ar);
            printf("\t%.6f\t%.6f\t", p->pt.lat, p->pt.lon);
            tsv_str(c[i].matched);
            putchar('\t');
            tsv_str(bm_gazetteer_origin(p));
            putchar('\n');
        } else {
            printf("%.2f  %-30s %-11s %-2s  %s | %s  (%.4f, %.4f)  matched: %s  [%s]\n",
                   c[i].score, p->id, p->kind, p->country, p->name_en, p->name_ar, p->pt.lat,
                   p->pt.lon, c[i].matched, bm_gazetteer_origin(p));
        }
    }
}

static int cmd_search(const bm_cli *cli, const char *name, size_t limit, fmt f)
{
    bm_gazetteer *g = bm__cli_load_gazetteer(cli);
    if (!g)
        return BM_EXIT_FAIL;
    bm_place_candidate *c = calloc(limit, sizeof *c);
    size_t n = 0;
    int rc = c ? bm_gazetteer_search(g, name, c, limit, &n) : BM_ENOMEM;
    int exit_code = BM_EXIT_OK;
    if (rc != BM_OK) {
        exit_code = bm_cli_fail("places search", "%s", bm_strerror(rc));
    } else {
        print_search(c, n, f);
        if (n == 0) {
            if (!cli->quiet)
                fprintf(stderr, "bordermap: places search: no place matches '%s'\n", name);
            exit_code = BM_EXIT_FAIL;
        }
    }
    free(c);
    bm_gazetteer_free(g);
    return exit_code;
}

#define MAX_NAMES 256

static void show_kv(fmt f, const char *key, const char *value)
{
    if (f == FMT_TSV)
        printf("%s\t", key);
    else
        printf("%-12s ", key);
    tsv_str(value);
    putchar('\n');
}

static void print_show(const bm_gazetteer *g, const bm_gplace *p, fmt f)
{
    const char *names[MAX_NAMES];
    size_t nn = bm_gazetteer_names(g, p, names, MAX_NAMES);
    if (nn > MAX_NAMES)
        nn = MAX_NAMES;
    if (f == FMT_JSON) {
        fputs("{", stdout);
        json_place(p);
        fputs(", \"names\": [", stdout);
        for (size_t i = 0; i < nn; i++) {
            fputs(i ? ", " : "", stdout);
            bm_output_json_string(stdout, names[i]);
        }
        fputs("]}\n", stdout);
        return;
    }
    char pop[32] = "-";
    if (p->population >= 0)
        snprintf(pop, sizeof pop, "%lld", p->population);
    const char *keys[] = {"id",     "name_en",    "name_ar", "kind",  "country",
                          "admin1", "population", "area",    "source", "origin"};
    const char *vals[] = {p->id,     p->name_en, p->name_ar, p->kind,  p->country,
                          p->admin1, pop,        p->area,    p->source, bm_gazetteer_origin(p)};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        show_kv(f, keys[i], vals[i]);
    char lat[32], lon[32];
    snprintf(lat, sizeof lat, "%.6f", p->pt.lat);
    snprintf(lon, sizeof lon, "%.6f", p->pt.lon);
    show_kv(f, "lat", lat);
    show_kv(f, "lon", lon);
    for (size_t i = 0; i < nn; i++)
        show_kv(f, "name", names[i]);
}

static int cmd_show(const bm_cli *cli, const char *id, fmt f)
{
    bm_gazetteer *g = bm__cli_load_gazetteer(cli);
    if (!g)
        return BM_EXIT_FAIL;
    const bm_gplace *p = bm_gazetteer_get(g, id);
    int exit_code = BM_EXIT_OK;
    if (!p)
        exit_code =
            bm_cli_fail("places show", "no place '%s' (try: bordermap places search %s)", id, id);
    else
        print_show(g, p, f);
    bm_gazetteer_free(g);
    return exit_code;
}

int bm_cmd_places(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc >= 2 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "alias"))) {
        optind = 0;
        return !strcmp(argv[1], "add") ? bm__cli_places_add(cli, argc - 1, argv + 1)
                                       : bm__cli_places_alias(cli, argc - 1, argv + 1);
    }
    size_t limit = 10;
    fmt f = FMT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "n:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 10000)
                return bm_cli_usage_error("places", "--limit must be 1..10000, not '%s'", optarg);
            limit = (size_t)v;
            break;
        }
        case 'f':
            if (parse_fmt(optarg, &f))
                return bm_cli_usage_error("places", "unknown format '%s'", optarg);
            break;
        case 'h': usage(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("places", "unknown option");
        }
    }
    if (optind >= argc)
        return bm_cli_usage_error("places", "missing action (search or show)");
    const char *action = argv[optind++];
    if (optind >= argc)
        return bm_cli_usage_error("places", "%s needs an argument", action);
    if (optind + 1 < argc)
        return bm_cli_usage_error("places", "unexpected argument '%s'", argv[optind + 1]);
    if (!strcmp(action, "search"))
        return cmd_search(cli, argv[optind], limit, f);
    if (!strcmp(action, "show"))
        return cmd_show(cli, argv[optind], f);
    return bm_cli_usage_error("places", "unknown action '%s' (search or show)", action);
}
