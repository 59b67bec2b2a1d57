/* cmd_gazimport.c: `bordermap gazetteer import wof PATH...` (Who's On First
 * records: files or repository trees) and `bordermap gazetteer import tsv
 * FILE` (the project's own gazetteer format), into the database's places.
 * Must never leave a half-done import: everything goes in one transaction,
 * rolled back on the first error. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bordermap/gazimport.h"
#include "cli.h"
#include "gazimport_cmd.h"

static void usage_wof(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap gazetteer import wof PATH... [--placetype LIST] "
            "[--include-not-current]\n\n"
            "Reads Who's On First records (GeoJSON files as WOF's repositories publish\n"
            "them, e.g. a clone of github.com/whosonfirst-data/whosonfirst-data-admin-sy)\n"
            "and stores them as places (ids wof-<wof:id>) with all their names, in one\n"
            "transaction. A PATH is a record file or a directory searched recursively for\n"
            "*.geojson; alternate geometries (*-alt-*.geojson) are skipped. Superseded,\n"
            "deprecated and not-current records are counted and skipped; incidents on a\n"
            "place WOF has superseded move to its successor. A record that is a place the\n"
            "gazetteer already has (the gn: concordance, or the same name within 5 km of\n"
            "a curated place) is merged into it. Arabic names come only from Arabic-script\n"
            "values of Arabic-language fields; Latin text found there becomes an English\n"
            "alias. Importing the same data again changes nothing.\n\n"
            "Options:\n"
            "  -p, --placetype LIST        WOF placetypes to keep, comma-separated\n"
            "                              (default locality; also neighbourhood, campus,\n"
            "                              county, localadmin, region)\n"
            "  -n, --include-not-current   keep records WOF marks not current (abandoned,\n"
            "                              destroyed villages: conflict-era places)\n"
            "  -h, --help                  this help\n\n"
            "Example:\n"
            "  git clone --depth 1 https://github.com/whosonfirst-data/whosonfirst-data-admin-sy\n"
            "  bordermap --db corridor.sqlite gazetteer import wof whosonfirst-data-admin-sy/data\n\n"
            "Exit codes: 0 ok, 1 failure (unreadable or malformed record, database error;\n"
            "nothing is imported), 2 usage error.\n");
}

static void usage_tsv(FILE *fp)
{
    fprintf(fp, "Usage: bordermap gazetteer import tsv FILE\n\n"
                "Loads a gazetteer file in the project's own TSV format (gazetteer/README.md:\n"
                "id name_en name_ar kind country admin1 lat lon population aliases_en\n"
                "aliases_ar area source) into the database's places and names, in one\n"
                "transaction, so a team can share its own places. Rows whose source is\n"
                "wof:<id> or geonames:<id> keep it; others are user places. A row that is a\n"
                "place the gazetteer already has (gn: concordance, or the same name within\n"
                "5 km of a curated place) is merged into it. Importing again changes nothing.\n\n"
                "Options:\n"
                "  -h, --help   this help\n\n"
                "Example:\n"
                "  bordermap --db corridor.sqlite gazetteer import tsv localities-sy-iq.tsv\n\n"
                "Exit codes: 0 ok, 1 failure (unreadable or malformed file, database error;\n"
                "nothing is imported), 2 usage error.\n");
}

/* ---- Walking record trees -------------------------------------------------------- */

typedef struct paths {
    char **v;
    size_t n, cap;
    long alt;
} paths;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int push_path(paths *p, const char *path)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 256;
        char **nv = realloc(p->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        p->v = nv;
        p->cap = nc;
    }
    if (!(p->v[p->n] = strdup(path)))
        return -1;
    p->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *path, paths *out, int top)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return bm_cli_fail("gazetteer import", "cannot read %s", path);
    if (S_ISREG(st.st_mode)) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (strstr(base, "-alt-")) {
            out->alt++;
            return BM_EXIT_OK;
        }
        if (!top && !ends_with(base, ".geojson"))
            return BM_EXIT_OK;
        return push_path(out, path) ? bm_cli_fail("gazetteer import", "out of memory")
                                    : BM_EXIT_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return BM_EXIT_OK;
    DIR *d = opendir(path);
    if (!d)
        return bm_cli_fail("gazetteer import", "cannot read directory %s", path);
    int rc = BM_EXIT_OK;
    struct dirent *e;
    while (rc == BM_EXIT_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue; /* ., .., .git */
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (!child) {
            rc = bm_cli_fail("gazetteer import", "out of memory");
            break;
        }
        snprintf(child, n, "%s/%s", path, e->d_name);
        rc = walk(child, out, 0);
        free(child);
    }
    closedir(d);
    return rc;
}

static void free_paths(paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
}

/* ---- Running an import -------------------------------------------------------------- */

static int in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static void summary(const bm_cli *cli, const char *what, const bm_gz_import_counts *c,
                    bm_store *st, double secs)
{
    if (cli->quiet)
        return;
    fprintf(stderr,
            "bordermap: %s: %ld read, %ld added, %ld updated, %ld unchanged, %ld merged into "
            "existing places, %ld names written into %s (%.1f s)\n",
            what, c->read, c->added, c->updated, c->unchanged, c->merged, c->names,
            bm_store_path(st), secs);
    if (c->superseded || c->deprecated || c->not_current || c->skipped_type || c->alt_files ||
        c->moved)
        fprintf(stderr,
                "bordermap: skipped: %ld superseded, %ld deprecated, %ld not current, %ld of "
                "another placetype, %ld alternate-geometry files; %ld incidents moved to "
                "successors\n",
                c->superseded, c->deprecated, c->not_current, c->skipped_type, c->alt_files,
                c->moved);
}

#include <time.h>
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens the store, loads the gazetteer files (the rows imports merge into)
 * and starts the transaction. */
static int begin(bm_cli *cli, bm_store **st, bm_gazetteer **g, bm_gz_import **im)
{
    bm_error err;
    bm_error_clear(&err);
    *st = NULL;
    *g = NULL;
    *im = NULL;
    if (!(*st = bm_cli_open_store(cli, 0)))
        return BM_EXIT_FAIL;
    /* opening it writable synced the gazetteer's places into the store, so
     * rows can merge into them */
    if (bm_gazetteer_load(g, &err) != BM_OK)
        return bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
    if (bm_store_begin(*st) != BM_OK)
        return bm_cli_fail("gazetteer import", "%s", bm_store_errmsg(*st));
    if (bm_gz_import_new(*st, *g, im, &err) != BM_OK)
        return bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
    return BM_EXIT_OK;
}

static int end(bm_cli *cli, int exit_code, bm_store *st, bm_gazetteer *g, bm_gz_import *im,
               const char *what, double t0)
{
    bm_error err;
    bm_error_clear(&err);
    bm_gz_import_counts c = {0};
    if (exit_code == BM_EXIT_OK && bm_gz_import_finish(im, &c, &err) != BM_OK)
        exit_code = bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
    if (exit_code == BM_EXIT_OK && bm_store_commit(st) != BM_OK)
        exit_code = bm_cli_fail("gazetteer import", "%s", bm_store_errmsg(st));
    if (exit_code != BM_EXIT_OK && st)
        bm_store_rollback(st);
    if (exit_code == BM_EXIT_OK)
        summary(cli, what, &c, st, now_s() - t0);
    bm_gz_import_free(im);
    bm_gazetteer_free(g);
    bm_store_close(st);
    return exit_code;
}

static int import_files(bm_cli *cli, const paths *files, const char *placetypes,
                        int include_not_current, bm_gz_import *im)
{
    bm_gz_import_counts *c = bm_gz_import_counts_of(im);
    c->alt_files = files->alt;
    for (size_t i = 0; i < files->n; i++) {
        bm_error err;
        bm_error_clear(&err);
        char *data = NULL;
        size_t len = 0;
        if (bm_read_file(files->v[i], &data, &len, &err) != BM_OK)
            return bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
        bm_gz_row row;
        int rc = bm_wof_parse(data, len, &row, &err);
        free(data);
        if (rc == BM_OK && !in_list(placetypes, row.placetype)) {
            c->read++;
            c->skipped_type++;
        } else if (rc == BM_OK) {
            rc = bm_gz_import_add(im, &row, include_not_current, &err);
        }
        bm_gz_row_clear(&row);
        if (rc != BM_OK)
            return bm_cli_fail("gazetteer import", "%s: %s", files->v[i], bm_error_text(&err));
        if (i % 256 == 0 || i + 1 == files->n)
            bm_cli_progress(cli, "importing WOF records", i + 1, files->n);
    }
    return BM_EXIT_OK;
}

int bm__cli_import_wof(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"placetype", required_argument, NULL, 'p'},
        {"include-not-current", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *placetypes = "locality";
    int include_not_current = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:nh", opts, NULL)) != -1) {
        switch (c) {
        case 'p': placetypes = optarg; break;
        case 'n': include_not_current = 1; break;
        case 'h': usage_wof(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("gazetteer import wof", "unknown option");
        }
    }
    if (optind >= argc)
        return bm_cli_usage_error("gazetteer import wof", "missing PATH");
    double t0 = now_s();
    paths files = {0};
    int exit_code = BM_EXIT_OK;
    for (int i = optind; exit_code == BM_EXIT_OK && i < argc; i++)
        exit_code = walk(argv[i], &files, 1);
    if (exit_code == BM_EXIT_OK && files.n == 0)
        exit_code = bm_cli_fail("gazetteer import", "no *.geojson records under the PATHs given");
    if (exit_code != BM_EXIT_OK) {
        free_paths(&files);
        return exit_code;
    }
    /* sorted: the same tree imports in the same order every time */
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    bm_store *st;
    bm_gazetteer *g;
    bm_gz_import *im;
    exit_code = begin(cli, &st, &g, &im);
    if (exit_code == BM_EXIT_OK)
        exit_code = import_files(cli, &files, placetypes, include_not_current, im);
    free_paths(&files);
    return end(cli, exit_code, st, g, im, "WOF import", t0);
}

typedef struct tsv_ctx {
    const bm_cli *cli;
    bm_gz_import *im;
    bm_error *err;
    size_t n_lines;
} tsv_ctx;

static int tsv_row(const bm_gz_row *row, void *user)
{
    tsv_ctx *t = user;
    int rc = bm_gz_import_add(t->im, row, 1, t->err);
    long done = bm_gz_import_counts_of(t->im)->read;
    if (done % 1024 == 0)
        bm_cli_progress(t->cli, "importing places", (size_t)done, t->n_lines);
    return rc;
}

int bm__cli_import_tsv(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage_tsv(stdout);
            return BM_EXIT_OK;
        }
        return bm_cli_usage_error("gazetteer import tsv", "unknown option");
    }
    if (argc - optind != 1)
        return bm_cli_usage_error("gazetteer import tsv", "want exactly one FILE");
    const char *path = argv[optind];
    double t0 = now_s();
    bm_error err;
    bm_error_clear(&err);
    char *data = NULL;
    size_t len = 0;
    if (bm_read_file(path, &data, &len, &err) != BM_OK)
        return bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    bm_store *st;
    bm_gazetteer *g;
    bm_gz_import *im;
    int exit_code = begin(cli, &st, &g, &im);
    if (exit_code == BM_EXIT_OK) {
        tsv_ctx t = {cli, im, &err, lines};
        if (bm_gz_tsv_parse(data, len, path, tsv_row, &t, &err) != BM_OK)
            exit_code = bm_cli_fail("gazetteer import", "%s", bm_error_text(&err));
        else
            bm_cli_progress(cli, "importing places", lines, lines);
    }
    free(data);
    return end(cli, exit_code, st, g, im, "TSV import", t0);
}
