/* cmd_gazetteer.c: `bordermap gazetteer import geonames FILE`: loads a user's
 * GeoNames dump (IQ.txt, allCountries.txt; alternateNamesV2 optional) into
 * the database's places and place_names, so places and mentions see it.
 * Must never leave a half-imported dump: everything goes in one transaction. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gazimport_cmd.h"
#include "geonames_private.h"

static void usage(FILE *fp)
{
    fprintf(fp, "Usage: bordermap gazetteer import geonames FILE [--alternate-names FILE]\n"
                "       bordermap gazetteer import wof PATH... (see: gazetteer import wof --help)\n"
                "       bordermap gazetteer import tsv FILE   (see: gazetteer import tsv --help)\n\n"
                "Loads a GeoNames dump in the geoname table format (IQ.txt, SY.txt,\n"
                "allCountries.txt from download.geonames.org/export/dump) into the\n"
                "database's places (ids gn-<geonameid>) and place_names, in one transaction.\n"
                "With --alternate-names (alternateNamesV2.txt or the per-country\n"
                "alternateNames file) the Arabic names are taken from it; otherwise from the\n"
                "Arabic-script entries of the dump's alternatenames column.\n"
                "`bordermap places` and `bordermap mentions` then find these places as well\n"
                "(like GeoNames rows of the gazetteer, a one-word name needs evidence in the\n"
                "text, and a curated name always wins). Importing again replaces the rows.\n\n"
                "Options:\n"
                "  -a, --alternate-names FILE   GeoNames alternate names table\n"
                "  -h, --help                   this help\n\n"
                "Example:\n"
                "  bordermap --db corridor.sqlite gazetteer import geonames IQ.txt \\\n"
                "      --alternate-names alternateNamesV2.txt\n\n"
                "Exit codes: 0 ok, 1 failure (unreadable or malformed file, database error;\n"
                "nothing is imported), 2 usage error.\n");
}

/* ---- Arabic names from the alternate names table ----------------------------- */

typedef struct arname {
    long long id;
    int preferred;
    char *name;
} arname;

typedef struct arnames {
    arname *v;
    size_t n, cap;
} arnames;

static int cmp_arname(const void *a, const void *b)
{
    const arname *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return y->preferred - x->preferred; /* preferred first */
}

/* alternateNamesV2: alternateNameId, geonameid, isolanguage, name,
 * isPreferredName, isShortName, isColloquial, isHistoric, from, to. */
static int read_alternates(const char *path, arnames *out)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return bm_cli_fail("gazetteer import", "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = BM_EXIT_OK;
    while (getline(&line, &cap, fp) > 0) {
        lineno++;
        char *f[10];
        int n = bm__geonames_split(line, f, 10);
        if (n < 4) {
            rc =
                bm_cli_fail("gazetteer import", "%s:%ld: not an alternate names row", path, lineno);
            break;
        }
        if (strcmp(f[2], "ar") != 0 || !bm__geonames_has_arabic(f[3]))
            continue;
        int historic = n > 7 && !strcmp(f[7], "1"), colloquial = n > 6 && !strcmp(f[6], "1");
        if (historic || colloquial)
            continue;
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 1024;
            arname *nv = realloc(out->v, nc * sizeof *nv);
            if (!nv) {
                rc = bm_cli_fail("gazetteer import", "out of memory");
                break;
            }
            out->v = nv;
            out->cap = nc;
        }
        arname *a = &out->v[out->n];
        a->id = atoll(f[1]);
        a->preferred = n > 4 && !strcmp(f[4], "1");
        a->name = strdup(f[3]);
        if (!a->name) {
            rc = bm_cli_fail("gazetteer import", "out of memory");
            break;
        }
        out->n++;
    }
    free(line);
    fclose(fp);
    if (rc == BM_EXIT_OK && out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_arname);
    return rc;
}

static const arname *first_arname(const arnames *a, long long id, size_t *count)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    while (k < a->n && a->v[k].id == id)
        k++;
    *count = k - lo;
    return *count ? &a->v[lo] : NULL;
}

static void free_arnames(arnames *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].name);
    free(a->v);
}

/* ---- The geoname table --------------------------------------------------------- */

typedef struct counts {
    long places, names;
} counts;

static int add_name(bm_store *st, const char *id, const char *name, counts *c)
{
    if (!name || !*name)
        return BM_OK;
    char key[512];
    size_t kn = bm_gazetteer_key(name, key, sizeof key);
    int rc = bm_store_place_name_add(st, id, name, kn ? key : NULL, bm__geonames_has_arabic(name) ? "ar" : "en");
    if (rc == BM_OK)
        c->names++;
    return rc;
}

/* geoname: geonameid, name, asciiname, alternatenames, latitude, longitude,
 * feature class, feature code, country code, cc2, admin1 code, admin2,
 * admin3, admin4, population, elevation, dem, timezone, modification date. */
static int import_row(bm_store *st, char **f, bm_place *pl, const arnames *ar, counts *c)
{
    bm_place p = *pl;
    long long gid = atoll(f[0]);
    snprintf(p.source, sizeof p.source, "geonames:%lld", gid);
    size_t nar = 0;
    const arname *a = first_arname(ar, gid, &nar);
    if (a) {
        snprintf(p.name_ar, sizeof p.name_ar, "%s", a->name);
    } else {
        char alts[8192];
        snprintf(alts, sizeof alts, "%s", f[3]);
        for (char *sv = NULL, *t = strtok_r(alts, ",", &sv); t; t = strtok_r(NULL, ",", &sv))
            if (bm__geonames_has_arabic(t)) {
                snprintf(p.name_ar, sizeof p.name_ar, "%s", t);
                break;
            }
    }
    if (bm_store_place_put(st, &p) != BM_OK)
        return BM_EDB;
    c->places++;
    int rc = add_name(st, p.id, p.name_en, c);
    if (rc == BM_OK && strcmp(f[2], f[1]))
        rc = add_name(st, p.id, f[2], c);
    if (rc == BM_OK && p.name_ar[0])
        rc = add_name(st, p.id, p.name_ar, c);
    for (size_t i = 0; rc == BM_OK && i < nar; i++)
        rc = add_name(st, p.id, a[i].name, c);
    char *alts = strdup(f[3]);
    if (!alts)
        return BM_ENOMEM;
    for (char *sv = NULL, *t = strtok_r(alts, ",", &sv); rc == BM_OK && t;
         t = strtok_r(NULL, ",", &sv))
        rc = add_name(st, p.id, t, c);
    free(alts);
    return rc;
}

static int import_geonames(bm_store *st, const char *path, const arnames *ar, counts *c)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return bm_cli_fail("gazetteer import", "cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int exit_code = BM_EXIT_OK;
    while (exit_code == BM_EXIT_OK && getline(&line, &cap, fp) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *f[BM_GEONAMES_FIELDS];
        bm_place p;
        bm_error err;
        if (bm__geonames_row(line, f, &p, &err) != BM_OK) {
            exit_code = bm_cli_fail("gazetteer import", "%s:%ld: %s", path, lineno,
                                    bm_error_text(&err));
            break;
        }
        int rc = import_row(st, f, &p, ar, c);
        if (rc != BM_OK)
            exit_code = bm_cli_fail("gazetteer import", "%s:%ld: %s", path, lineno,
                                    rc == BM_EDB ? bm_store_errmsg(st) : bm_strerror(rc));
    }
    free(line);
    fclose(fp);
    if (exit_code == BM_EXIT_OK && c->places == 0)
        exit_code = bm_cli_fail("gazetteer import", "%s holds no GeoNames rows", path);
    return exit_code;
}

static int run_import(bm_cli *cli, const char *path, const char *alt_path)
{
    arnames ar = {0};
    if (alt_path && read_alternates(alt_path, &ar) != BM_EXIT_OK) {
        free_arnames(&ar);
        return BM_EXIT_FAIL;
    }
    bm_store *st = bm_cli_open_store(cli, 0);
    if (!st) {
        free_arnames(&ar);
        return BM_EXIT_FAIL;
    }
    counts c = {0, 0};
    int exit_code;
    if (bm_store_begin(st) != BM_OK) {
        exit_code = bm_cli_fail("gazetteer import", "%s", bm_store_errmsg(st));
    } else {
        exit_code = import_geonames(st, path, &ar, &c);
        if (exit_code == BM_EXIT_OK && bm_store_commit(st) != BM_OK)
            exit_code = bm_cli_fail("gazetteer import", "%s", bm_store_errmsg(st));
        if (exit_code != BM_EXIT_OK)
            bm_store_rollback(st);
    }
    if (exit_code == BM_EXIT_OK && !cli->quiet)
        fprintf(stderr, "bordermap: imported %ld places and %ld names from %s into %s\n", c.places,
                c.names, path, bm_store_path(st));
    bm_store_close(st);
    free_arnames(&ar);
    return exit_code;
}

int bm_cmd_gazetteer(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"alternate-names", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *alt = NULL;
    int c;
    /* the WOF and TSV imports take their own options */
    if (argc >= 3 && !strcmp(argv[1], "import") && !strcmp(argv[2], "wof"))
        return bm__cli_import_wof(cli, argc - 2, argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "import") && !strcmp(argv[2], "tsv"))
        return bm__cli_import_tsv(cli, argc - 2, argv + 2);
    while ((c = getopt_long(argc, argv, "a:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': alt = optarg; break;
        case 'h': usage(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("gazetteer", "unknown option");
        }
    }
    if (argc - optind < 1)
        return bm_cli_usage_error("gazetteer", "missing action (import)");
    if (strcmp(argv[optind], "import") != 0)
        return bm_cli_usage_error("gazetteer", "unknown action '%s' (import)", argv[optind]);
    if (argc - optind < 3)
        return bm_cli_usage_error("gazetteer", "usage: gazetteer import geonames FILE");
    if (strcmp(argv[optind + 1], "geonames") != 0)
        return bm_cli_usage_error("gazetteer", "unknown source '%s' (geonames, wof, tsv)",
                                  argv[optind + 1]);
    if (argc - optind > 3)
        return bm_cli_usage_error("gazetteer", "unexpected argument '%s'", argv[optind + 3]);
    return run_import(cli, argv[optind + 2], alt);
}
