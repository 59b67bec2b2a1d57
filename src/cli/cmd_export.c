/* cmd_export.c: `bordermap export`: writes incidents, places or sources to a
 * GIS file (or GeoJSON to stdout) through the export module.
 * Must never write the file itself nor replace one without --overwrite. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap [--db FILE] export -o FILE|- [options]\n\n"
            "Writes the incidents (or the gazetteer places, or the incident sources) to a\n"
            "GIS file through GDAL/OGR. The format follows the extension unless --format\n"
            "is given: .geojson/.json GeoJSON (RFC 7946: WGS84 lon/lat, 6 decimals),\n"
            ".gpkg GeoPackage, .kml KML, .csv CSV (X,Y columns), .fgb FlatGeobuf,\n"
            ".geojsons/.geojsonl GeoJSON sequence, .html an interactive web map (one\n"
            "self-contained offline file: Leaflet, the basemap and the incidents inside;\n"
            "time slider, type filters, place search, popups with the sources);\n"
            "--format ACLED writes ACLED's CSV columns. '-' writes GeoJSON (or --format\n"
            "GeoJSONSeq, CSV, KML, ACLED, HTML) to standard output. Files are written\n"
            "atomically (a CSV's .csvt with it).\n\n"
            "Options:\n"
            "  -o, --output FILE   output file, or - for standard output (required)\n"
            "  -f, --format NAME   GeoJSON, GPKG, KML, CSV, FlatGeobuf, GeoJSONSeq, ACLED\n"
            "                      or HTML\n"
            "      --from DATE     incidents overlapping DATE or later (YYYY[-MM[-DD]])\n"
            "      --to DATE       incidents overlapping DATE or earlier\n"
            "      --type T,...    only these incident types\n"
            "      --bbox W,S,E,N  only incidents inside this box (degrees)\n"
            "      --layer NAME    incidents (default), places or sources\n"
            "      --areas         with --layer places: the area polygons of the places\n"
            "                      that have one, instead of points\n"
            "      --include-country-level\n"
            "                      keep incidents placed only in a country, with a null\n"
            "                      geometry (ACLED: the country's point); default: left out\n"
            "      --title TEXT    HTML: the page title (default: the style's)\n"
            "      --lang L        HTML: ar, en or both (default both: English interface,\n"
            "                      Arabic names beside English ones; ar mirrors it)\n"
            "      --overwrite     replace an existing file\n"
            "  -j, --jobs N        incidents: 1 reads and writes on one thread, 2 reads the\n"
            "                      database on a second thread (less time, more CPU);\n"
            "                      default 2 with 4 or more processors, else 1\n"
            "  -h, --help          this help\n\n"
            "Incident properties: id, date (at its precision), date_start and date_end\n"
            "(Date; DateTime in FlatGeobuf), date_precision, type, place_id,\n"
            "place_name_en, place_name_ar, geo_precision, confidence, fatalities,\n"
            "actor1, actor2, provenance, sources (count), source_names, source_urls,\n"
            "source_published, source_articles (one '; '-separated entry per source,\n"
            "'-' when unknown), article, snippet, summary. KML adds name, description\n"
            "and a TimeSpan, with one style per type in the map's colours.\n"
            "Source properties: incident_id, outlet, url, published (Date), article,\n"
            "byte_start, byte_end, sentence (at the incident's point; the filters\n"
            "select the incidents).\n\n"
            "Examples:\n"
            "  bordermap export -o incidents.geojson\n"
            "  bordermap export -o corridor.gpkg --from 2024-01 --to 2024-06 --type clash,attack\n"
            "  bordermap export -o places.fgb --layer places --areas\n"
            "  bordermap export -o acled.csv --format ACLED --from 2025-01\n"
            "  bordermap export -o map.html --lang ar --title 'الحدود' --from 2024-06\n"
            "  bordermap export -o - --bbox 40.5,34,41.5,35 | jq '.features | length'\n\n"
            "Exit codes: 0 ok, 1 failure (file exists without --overwrite, database or\n"
            "GDAL error), 2 usage error (bad option, unknown format or extension).\n");
}

typedef struct export_args {
    const char *output;
    bm_export_opts opts;
    char **types;
    size_t n_types;
    int html_only; /* --title or --lang given */
} export_args;

enum {
    OPT_FROM = 256,
    OPT_TO,
    OPT_TYPE,
    OPT_BBOX,
    OPT_LAYER,
    OPT_AREAS,
    OPT_OVERWRITE,
    OPT_COUNTRY_LEVEL,
    OPT_TITLE,
    OPT_LANG
};

static int parse_date_opt(const char *name, const char *arg, int is_to, bm_query *q)
{
    bm_date first, last;
    bm_precision prec;
    bm_error err;
    bm_error_clear(&err);
    if (bm_date_parse_iso(arg, &first, &last, &prec, &err) != BM_OK)
        return bm_cli_usage_error("export", "%s: %s", name, bm_error_text(&err));
    if (is_to) {
        q->has_to = 1;
        q->to = last;
    } else {
        q->has_from = 1;
        q->from = first;
    }
    return BM_EXIT_OK;
}

static int parse_one(export_args *a, int c, const char *arg)
{
    bm_error err;
    bm_error_clear(&err);
    bm_query *q = &a->opts.query;
    switch (c) {
    case 'o': a->output = arg; return BM_EXIT_OK;
    case 'f':
        if (bm_export_format_parse(arg, &a->opts.format, &err) != BM_OK)
            return bm_cli_usage_error("export", "%s", bm_error_text(&err));
        return BM_EXIT_OK;
    case OPT_FROM: return parse_date_opt("--from", arg, 0, q);
    case OPT_TO: return parse_date_opt("--to", arg, 1, q);
    case OPT_TYPE: {
        char bad[64] = "";
        bm_cli_free_list(a->types, a->n_types);
        a->types = NULL;
        a->n_types = 0;
        if (bm_cli_parse_types(arg, &a->types, &a->n_types, bad, sizeof bad) != BM_OK)
            return bm_cli_usage_error("export", "--type: '%s' is not an incident type", bad);
        q->types = (const char *const *)a->types;
        q->n_types = a->n_types;
        return BM_EXIT_OK;
    }
    case OPT_BBOX:
        if (bm_cli_parse_bbox(arg, &q->west, &q->south, &q->east, &q->north) != BM_OK)
            return bm_cli_usage_error("export", "--bbox wants W,S,E,N in degrees, got '%s'", arg);
        q->has_bbox = 1;
        return BM_EXIT_OK;
    case OPT_LAYER:
        if (bm_export_layer_parse(arg, &a->opts.layer, &err) != BM_OK)
            return bm_cli_usage_error("export", "%s", bm_error_text(&err));
        return BM_EXIT_OK;
    case 'j': return bm_cli_parse_jobs("export", arg, &a->opts.jobs);
    case OPT_AREAS: a->opts.areas = 1; return BM_EXIT_OK;
    case OPT_OVERWRITE: a->opts.overwrite = 1; return BM_EXIT_OK;
    case OPT_COUNTRY_LEVEL: a->opts.include_country_level = 1; return BM_EXIT_OK;
    case OPT_TITLE: a->opts.title = arg, a->html_only = 1; return BM_EXIT_OK;
    case OPT_LANG: {
        bm_render_lang lang;
        if (bm_render_lang_parse(arg, &lang) != BM_OK)
            return bm_cli_usage_error("export", "--lang wants ar, en or both, got '%s'", arg);
        a->opts.lang = (int)lang;
        a->html_only = 1;
        return BM_EXIT_OK;
    }
    default: return bm_cli_usage_error("export", "unknown option");
    }
}

/* Checks what getopt cannot: the required output, the format the path
 * implies, and option combinations. */
static int check_args(export_args *a, int argc, char **argv)
{
    if (optind < argc)
        return bm_cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!a->output || !*a->output)
        return bm_cli_usage_error("export", "-o FILE (or -o - for stdout) is required");
    bm_error err;
    bm_error_clear(&err);
    bm_export_format f = a->opts.format;
    if (f == BM_EXPORT_AUTO && bm_export_format_from_path(a->output, &f, &err) != BM_OK)
        return bm_cli_usage_error("export", "%s", bm_error_text(&err));
    if (strcmp(a->output, "-") == 0 && (f == BM_EXPORT_GPKG || f == BM_EXPORT_FLATGEOBUF))
        return bm_cli_usage_error("export", "%s cannot be written to standard output",
                                  bm_export_format_name(f));
    if (a->opts.areas && a->opts.layer != BM_EXPORT_PLACES)
        return bm_cli_usage_error("export", "--areas needs --layer places");
    if (f == BM_EXPORT_ACLED && a->opts.layer != BM_EXPORT_INCIDENTS)
        return bm_cli_usage_error("export", "--format ACLED writes incidents only");
    if (a->html_only && f != BM_EXPORT_HTML)
        return bm_cli_usage_error("export", "--title and --lang are for the HTML map (.html)");
    const bm_query *q = &a->opts.query;
    if (q->has_from && q->has_to && bm_date_cmp(q->from, q->to) > 0)
        return bm_cli_usage_error("export", "--from is after --to");
    return BM_EXIT_OK;
}

static int parse_args(export_args *a, int argc, char **argv, int *help)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"type", required_argument, NULL, OPT_TYPE},
        {"bbox", required_argument, NULL, OPT_BBOX},
        {"layer", required_argument, NULL, OPT_LAYER},
        {"areas", no_argument, NULL, OPT_AREAS},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"include-country-level", no_argument, NULL, OPT_COUNTRY_LEVEL},
        {"title", required_argument, NULL, OPT_TITLE},
        {"lang", required_argument, NULL, OPT_LANG},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:f:j:h", opts, NULL)) != -1) {
        if (c == 'h') {
            *help = 1;
            return BM_EXIT_OK;
        }
        int rc = c == '?' ? bm_cli_usage_error("export", "unknown option or missing value")
                          : parse_one(a, c, optarg);
        if (rc != BM_EXIT_OK)
            return rc;
    }
    return check_args(a, argc, argv);
}

/* An existing database is only read; a missing one is created (with the
 * gazetteer loaded) like every command does on first use. */
static bm_store *open_store(bm_cli *cli)
{
    return bm_cli_open_store(cli, bm_store_path_is_url(cli->db_path) ||
                                      access(cli->db_path, F_OK) == 0);
}

int bm_cmd_export(bm_cli *cli, int argc, char **argv)
{
    export_args a = {0};
    bm_export_opts_init(&a.opts);
    a.opts.lang = BM_LANG_BOTH;
    int help = 0;
    int rc = parse_args(&a, argc, argv, &help);
    if (help)
        usage(stdout);
    if (help || rc != BM_EXIT_OK) {
        bm_cli_free_list(a.types, a.n_types);
        return rc;
    }
    bm_store *store = open_store(cli);
    if (!store) {
        bm_cli_free_list(a.types, a.n_types);
        return BM_EXIT_FAIL;
    }
    bm_error err;
    bm_error_clear(&err);
    int64_t n = 0;
    if (strcmp(a.output, "-") != 0)
        bm_cli_temp_watch(a.output);
    int erc = bm_export(store, a.output, &a.opts, &n, &err);
    bm_store_close(store);
    bm_cli_free_list(a.types, a.n_types);
    if (erc == BM_EINVAL)
        return bm_cli_usage_error("export", "%s", bm_error_text(&err));
    if (erc != BM_OK)
        return bm_cli_fail("export", "%s", bm_error_text(&err));
    if (!cli->quiet)
        fprintf(stderr, "bordermap: exported %lld %s to %s\n", (long long)n,
                bm_export_layer_name(a.opts.layer),
                strcmp(a.output, "-") == 0 ? "standard output" : a.output);
    return BM_EXIT_OK;
}
