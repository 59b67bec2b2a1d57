/* cmd_places_team.c: `bordermap places add` and `places alias add`: a team's
 * own places and spellings, kept in the database and seen by every command
 * that matches place names (ingest, mentions, places search).
 * Must never replace a gazetteer place: an id already known is refused. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage_add(FILE *fp)
{
    fprintf(fp, "Usage: bordermap [--db FILE] places add ID --lonlat LON,LAT --kind KIND\n"
                "           (--name-en NAME | --name-ar NAME)... [--country CC] [--admin1 ID]\n"
                "           [--by NAME]\n"
                "       bordermap [--db FILE] places alias add PLACE_ID NAME [--by NAME]\n\n"
                "Adds a place of the team's own, or another spelling of any place, to the\n"
                "database. Ingest, mentions and places search then match it like a place of\n"
                "the curated gazetteer (re-ingest articles with --force to use it; their\n"
                "incidents keep their ids). Who added it (--by, else $USER, else the\n"
                "account name) and when is recorded.\n\n"
                "Options:\n"
                "  --lonlat LON,LAT   the place's point (WGS84)\n"
                "  --kind KIND        country governorate district subdistrict city town\n"
                "                     village crossing camp base oilfield station airport dam\n"
                "                     mountain region river lake other\n"
                "  --name-en NAME     English name;  --name-ar NAME  Arabic name\n"
                "  --country CC       ISO 3166-1 alpha-2 (IQ, SY, ...)\n"
                "  --admin1 ID        the governorate's id in the gazetteer\n"
                "  --by NAME          who adds it\n"
                "  -h, --help         this help\n\n"
                "Examples:\n"
                "  bordermap places add wadi-suwab-post --kind base --lonlat 41.02,34.12 \\\n"
                "      --name-en 'Wadi Suwab post' --name-ar 'مخفر وادي صواب' --country IQ\n"
                "  bordermap places alias add al-qaim 'Al Qa'\\''em'\n\n"
                "Exit codes: 0 ok, 1 failure (the id exists, no such place, database error),\n"
                "2 usage error.\n");
}

static int known_kind(const char *k)
{
    static const char *const kinds[] = {
        "country",  "governorate", "district", "subdistrict", "city",    "town",    "village",
        "crossing", "camp",        "base",     "oilfield",    "station", "airport", "dam",
        "mountain", "region",      "river",    "lake",        "other"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(k, kinds[i]))
            return 1;
    return 0;
}

/* Copies an option into a fixed field, refusing what does not fit. */
static int put(const char *opt, char *dst, size_t n, const char *v)
{
    if (strlen(v) >= n)
        return bm_cli_usage_error("places add", "%s is longer than %zu bytes", opt, n - 1);
    snprintf(dst, n, "%s", v);
    return BM_EXIT_OK;
}

static int parse_add(int argc, char **argv, bm_place *p, const char **by, int *has_pt)
{
    static const struct option opts[] = {
        {"lonlat", required_argument, NULL, 'L'},
        {"kind", required_argument, NULL, 'k'},
        {"name-en", required_argument, NULL, 'e'},
        {"name-ar", required_argument, NULL, 'a'},
        {"country", required_argument, NULL, 'c'},
        {"admin1", required_argument, NULL, '1'},
        {"by", required_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "places add";
    int c, rc = BM_EXIT_OK;
    while (rc == BM_EXIT_OK && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'L':
            if (bm_cli_parse_lonlat(optarg, &p->pt) != BM_OK)
                return bm_cli_usage_error(cmd, "--lonlat: '%s' is not LON,LAT", optarg);
            *has_pt = 1;
            break;
        case 'k':
            if (!known_kind(optarg))
                return bm_cli_usage_error(cmd, "--kind: '%s' is not a place kind", optarg);
            rc = put("--kind", p->kind, sizeof p->kind, optarg);
            break;
        case 'e': rc = put("--name-en", p->name_en, sizeof p->name_en, optarg); break;
        case 'a': rc = put("--name-ar", p->name_ar, sizeof p->name_ar, optarg); break;
        case 'c': rc = put("--country", p->country, sizeof p->country, optarg); break;
        case '1': rc = put("--admin1", p->admin1, sizeof p->admin1, optarg); break;
        case 'B': *by = optarg; break;
        case 'h': usage_add(stdout); return -1;
        default: return bm_cli_usage_error(cmd, "unknown option");
        }
    }
    if (rc != BM_EXIT_OK)
        return rc;
    if (optind + 1 != argc)
        return bm_cli_usage_error(cmd, "give exactly one place id");
    return put("the id", p->id, sizeof p->id, argv[optind]);
}

int bm__cli_places_add(bm_cli *cli, int argc, char **argv)
{
    bm_place p;
    memset(&p, 0, sizeof p);
    p.population = -1;
    const char *by = NULL, *cmd = "places add";
    int has_pt = 0;
    int rc = parse_add(argc, argv, &p, &by, &has_pt);
    if (rc != BM_EXIT_OK)
        return rc < 0 ? BM_EXIT_OK : rc;
    if (!has_pt || !p.kind[0] || (!p.name_en[0] && !p.name_ar[0]))
        return bm_cli_usage_error(cmd, "--lonlat, --kind and a name are required");
    char key[256];
    if ((p.name_en[0] && !bm_gazetteer_key(p.name_en, key, sizeof key)) ||
        (p.name_ar[0] && !bm_gazetteer_key(p.name_ar, key, sizeof key)))
        return bm_cli_usage_error(cmd, "a name has no letters to match");
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_team_place_add(store, &p, by, &err) != BM_OK)
        rc = bm_cli_fail(cmd, "%s", bm_error_text(&err));
    else if (!cli->quiet)
        fprintf(stderr, "added place %s\n", p.id);
    bm_store_close(store);
    return rc;
}

int bm__cli_places_alias(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'B'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *by = NULL, *cmd = "places alias add";
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage_add(stdout);
            return BM_EXIT_OK;
        }
        if (c != 'B')
            return bm_cli_usage_error(cmd, "unknown option");
        by = optarg;
    }
    if (optind + 3 != argc || strcmp(argv[optind], "add") != 0)
        return bm_cli_usage_error("places alias", "usage: places alias add PLACE_ID NAME");
    const char *id = argv[optind + 1], *name = argv[optind + 2];
    char key[256];
    if (!bm_gazetteer_key(name, key, sizeof key))
        return bm_cli_usage_error(cmd, "'%s' has no letters to match", name);
    bm_store *store = bm_cli_open_store(cli, 0);
    if (!store)
        return BM_EXIT_FAIL;
    bm_error err;
    bm_error_clear(&err);
    int rc = BM_EXIT_OK;
    if (bm_team_alias_add(store, id, name, bm_detect_language(name, strlen(name)), by, &err) !=
        BM_OK)
        rc = bm_cli_fail(cmd, "%s", bm_error_text(&err));
    else if (!cli->quiet)
        fprintf(stderr, "added alias '%s' of %s\n", name, id);
    bm_store_close(store);
    return rc;
}
