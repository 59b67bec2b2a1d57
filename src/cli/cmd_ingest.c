/* cmd_ingest.c: `bordermap ingest`: reads articles (files, directories,
 * stdin) into the database as dated, placed incidents, one transaction per
 * article, and reports what it read, merged, skipped and why it failed.
 * Must never let one bad article stop or undo the others. */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <glib.h>

#include "bordermap/ingest.h"
#include "cli.h"

/* Progress bars only pay off past this many files. */
#define PROGRESS_MIN_FILES 20

static void usage(FILE *fp)
{
    fprintf(
        fp,
        "Usage: bordermap [--db FILE] ingest [options] FILE|DIR|- ...\n\n"
        "Reads news articles (UTF-8 text, one article per file, Arabic or English;\n"
        "a BOM, CRLF line ends and bidi marks are fine) and stores the incidents they\n"
        "report: type, date and precision, place and ACLED geo-precision,\n"
        "fatalities, confidence with reasons, and the sentence each came from.\n"
        "Directories are read recursively for .txt files and files without an\n"
        "extension (hidden files skipped); '-' reads stdin.\n"
        "Each article is one transaction: a failure leaves the database as it was\n"
        "before that article, and the other articles are still read. An article\n"
        "already stored (same SHA-256) is skipped unless --force. An incident\n"
        "another article already reported (same type, the same dates and date\n"
        "precision, the same place) gains a source instead of a duplicate; the result\n"
        "does not depend on the order (or concurrency) of the articles.\n"
        "A file reached twice (links, symlink loops) is read once. An empty file (or\n"
        "only a BOM and blanks) and a closed stdin are failed articles.\n\n"
        "Options:\n"
        "  -p, --published DATE  publication date YYYY-MM-DD (else the article's own\n"
        "                        'date YYYY-MM-DD' line or dateline; else none, and\n"
        "                        relative dates stay unresolved)\n"
        "  -s, --source NAME     outlet name recorded with the article\n"
        "  -u, --url URL         address recorded with the article\n"
        "  -f, --force           re-extract articles already stored: incidents found\n"
        "                        again keep their ids, corrected ones (incidents edit,\n"
        "                        merge, split) keep every field, and a corrected one\n"
        "                        no longer found stays, marked for review\n"
        "  -b, --batch N         bulk load: commit every N articles (default 1). Each\n"
        "                        article stays all or nothing, but a kill loses the\n"
        "                        uncommitted batch (the next run reads it again)\n"
        "  -j, --jobs N          extract on N threads (default: the processors this\n"
        "                        process may use); one writer stores the articles\n"
        "                        in the order given, so the database is the same\n"
        "                        for any N (1: all on one thread)\n"
        "  -m, --max-bytes N     refuse articles larger than N bytes (suffix K or M;\n"
        "                        default 4M, 0 = no limit). Longer ones are read in\n"
        "                        blocks cut at paragraph breaks (memory stays about\n"
        "                        3x the article)\n"
        "  -v, --verbose         one line per article on stdout (TSV: file, status,\n"
        "                        new, merged, published, language)\n"
        "  -h, --help            this help\n\n"
        "Examples:\n"
        "  bordermap ingest examples/articles\n"
        "  bordermap ingest --batch 500 /data/archive      # bulk load\n"
        "  bordermap ingest --published 2025-03-07 --source 'Shafaq News' report.txt\n"
        "  curl -s https://example.org/a.txt | bordermap ingest --url https://example.org/a -\n\n"
        "A summary goes to stderr: articles read, new incidents, merged incidents,\n"
        "skipped articles, failed articles (each failure also says why).\n\n"
        "Exit codes: 0 every article read, 1 at least one article failed (the others\n"
        "are stored) or the database could not be opened, 2 usage error.\n");
}

typedef struct file_list {
    char **v;
    size_t n, cap;
} file_list;

static int list_add(file_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, nc * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = nc;
    }
    if (!(l->v[l->n] = strdup(path)))
        return -1;
    l->n++;
    return 0;
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* In a directory, articles are the .txt files and the files without an
 * extension (a README.md or an index.html beside them is not news). */
static int is_article_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return !dot || strcasecmp(dot, ".txt") == 0;
}

/* Files and directories already seen, by device and inode: a symlink loop
 * (ln -s . a) or two links to one file must not make a walk endless or read
 * an article twice. */
typedef struct file_id {
    dev_t dev;
    ino_t ino;
} file_id;

static guint id_hash(gconstpointer p)
{
    const file_id *f = p;
    return (guint)(f->ino * 2654435761u) ^ (guint)f->dev;
}

static gboolean id_equal(gconstpointer a, gconstpointer b)
{
    const file_id *x = a, *y = b;
    return x->dev == y->dev && x->ino == y->ino;
}

/* 1 when st was not seen before (and is now), 0 when it was, -1 on OOM. */
static int first_visit(GHashTable *seen, const struct stat *st)
{
    file_id key = {st->st_dev, st->st_ino};
    if (g_hash_table_contains(seen, &key))
        return 0;
    file_id *k = g_new(file_id, 1);
    *k = key;
    g_hash_table_add(seen, k);
    return 1;
}

/* Adds the regular files under dir, sorted so runs are reproducible. */
static int walk(file_list *l, const char *dir, GHashTable *seen)
{
    DIR *d = opendir(dir);
    if (!d)
        return bm_cli_fail("ingest", "%s: cannot read the directory", dir);
    file_list here = {0};
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && rc == 0) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        rc = list_add(&here, p);
        free(p);
    }
    closedir(d);
    if (here.n)
        qsort(here.v, here.n, sizeof *here.v, cmp_str);
    for (size_t i = 0; i < here.n && rc == 0; i++) {
        struct stat st;
        if (stat(here.v[i], &st) != 0)
            continue;
        if (!(S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && is_article_name(here.v[i]))) ||
            !first_visit(seen, &st))
            continue;
        rc = S_ISDIR(st.st_mode) ? walk(l, here.v[i], seen) : list_add(l, here.v[i]);
    }
    list_free(&here);
    return rc;
}

static int collect(file_list *l, int argc, char **argv)
{
    GHashTable *seen = g_hash_table_new_full(id_hash, id_equal, g_free, NULL);
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        struct stat st;
        int is_file = strcmp(argv[i], "-") != 0 && stat(argv[i], &st) == 0;
        if (is_file && S_ISDIR(st.st_mode))
            rc = first_visit(seen, &st) ? walk(l, argv[i], seen) : 0;
        else if (!is_file || !S_ISREG(st.st_mode) || first_visit(seen, &st))
            rc = list_add(l, argv[i]);
    }
    g_hash_table_destroy(seen);
    return rc;
}

typedef struct totals {
    size_t read, created, merged, kept, skipped, failed, unresolved;
} totals;

static const char *status_name(bm_ingest_status s)
{
    switch (s) {
    case BM_INGEST_STORED: return "stored";
    case BM_INGEST_SKIPPED: return "skipped";
    case BM_INGEST_REPLACED: return "replaced";
    default: return "?";
    }
}

typedef struct run_state {
    bm_cli *cli;
    totals t;
    size_t n;
    int verbose, progress;
} run_state;

/* One article's outcome, in input order (bm_ingest_files). */
static void one_file(const char *path, size_t i, int rc, const bm_ingest_result *r,
                     const bm_error *err, void *user)
{
    run_state *st = user;
    totals *t = &st->t;
    if (rc != BM_OK) {
        t->failed++;
        if (st->progress)
            fputc('\n', stderr);
        bm_cli_fail("ingest", "%s: %s", path, bm_error_text(err));
    } else {
        t->read++;
        t->created += r->n_new;
        t->merged += r->n_merged;
        t->kept += r->n_kept;
        t->unresolved += r->n_unresolved;
        t->skipped += r->status == BM_INGEST_SKIPPED;
        if (st->verbose)
            printf("%s\t%s\t%zu\t%zu\t%s\t%s\n", path, status_name(r->status), r->n_new,
                   r->n_merged, r->published[0] ? r->published : "-", r->language);
    }
    if (st->progress)
        bm_cli_progress(st->cli, "ingest", i + 1, st->n);
}

static void summary(const bm_cli *cli, const totals *t)
{
    if (cli->quiet)
        return;
    fprintf(stderr,
            "bordermap: ingest: %zu article(s) read, %zu new incident(s), %zu merged "
            "incident(s), %zu skipped, %zu failed",
            t->read, t->created, t->merged, t->skipped, t->failed);
    if (t->kept)
        fprintf(stderr, "; %zu incident(s) found again under their ids", t->kept);
    if (t->unresolved)
        fprintf(stderr, "; %zu event(s) left out for want of a date (give --published)",
                t->unresolved);
    fputc('\n', stderr);
}

/* The gazetteer files and the date rules, loaded on a thread of their own while the store
 * opens (neither reads the store: ~22 M instructions beside its ~50 M), and joined before
 * their first use; a failure is reported where bm_ingest_new would report it. */
typedef struct preload {
    bm_gazetteer *g;
    bm_dates *d;
    int rc;
    bm_error err;
} preload;

static gpointer preload_run(gpointer user)
{
    preload *p = user;
    bm_error_clear(&p->err);
    p->rc = bm_gazetteer_load(&p->g, &p->err);
    if (p->rc == BM_OK)
        p->rc = bm_dates_new(&p->d, &p->err);
    return NULL;
}

static void preload_free(preload *p)
{
    bm_dates_free(p->d);
    bm_gazetteer_free(p->g);
}

/* bm_ingest_new's work with the preloaded half: the user's places from the store, then
 * the extractor (which holds pointers into the gazetteer's places). */
static int ingest_new(bm_store *store, preload *p, bm_ingest **ig, bm_error *err)
{
    int rc = p->rc;
    if (rc != BM_OK)
        *err = p->err;
    if (rc == BM_OK)
        rc = bm_gazetteer_add_store_places(p->g, store, err);
    if (rc == BM_OK)
        rc = bm_ingest_new_with(store, p->g, p->d, ig, err);
    return rc;
}

static int run(bm_cli *cli, const file_list *files, const bm_ingest_opts *o, size_t batch,
               unsigned jobs, int verbose)
{
    preload pre = {0};
    GThread *th = g_thread_try_new("bm-preload", preload_run, &pre, NULL);
    bm_store *store = bm_cli_open_store(cli, 0);
    if (th)
        g_thread_join(th);
    else
        preload_run(&pre); /* no thread to be had: in turn */
    if (!store) {
        preload_free(&pre);
        return BM_EXIT_FAIL;
    }
    bm_ingest *ig = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (ingest_new(store, &pre, &ig, &err) != BM_OK) {
        bm_store_close(store);
        preload_free(&pre);
        return bm_cli_fail("ingest", "%s", bm_error_text(&err));
    }
    if (bm_ingest_set_batch(ig, batch, &err) != BM_OK) {
        bm_ingest_free(ig);
        bm_store_close(store);
        preload_free(&pre);
        return bm_cli_fail("ingest", "%s", bm_error_text(&err));
    }
    run_state st = {cli, {0}, files->n, verbose, 0};
    st.progress = files->n >= PROGRESS_MIN_FILES && bm_cli_progress_enabled(cli);
    bm_ingest_files(ig, files->v, files->n, o, jobs, one_file, &st, &err);
    totals t = st.t;
    if (bm_ingest_flush(ig, &err) != BM_OK) {
        /* The last batch is lost: say so rather than report it stored. */
        bm_cli_fail("ingest", "%s", bm_error_text(&err));
        t.failed += t.read % (batch ? batch : 1);
    }
    summary(cli, &t);
    bm_ingest_free(ig);
    bm_store_close(store);
    preload_free(&pre);
    return t.failed ? BM_EXIT_FAIL : BM_EXIT_OK;
}

/* "N", "NK" or "NM" (binary units), at most 1 GiB. */
static int parse_bytes(const char *s, size_t *out)
{
    char num[32];
    size_t n = strlen(s), unit = 1;
    if (n > 0 && (s[n - 1] == 'K' || s[n - 1] == 'k' || s[n - 1] == 'M' || s[n - 1] == 'm')) {
        unit = (s[n - 1] == 'K' || s[n - 1] == 'k') ? 1024 : 1024 * 1024;
        n--;
    }
    if (n == 0 || n >= sizeof num)
        return BM_EINVAL;
    memcpy(num, s, n);
    num[n] = '\0';
    long long v;
    if (bm_cli_parse_integer(num, 0, (1LL << 30) / (long long)unit, &v) != BM_OK)
        return BM_EINVAL;
    *out = (size_t)v * unit;
    return BM_OK;
}

int bm_cmd_ingest(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"published", required_argument, NULL, 'p'}, {"source", required_argument, NULL, 's'},
        {"url", required_argument, NULL, 'u'},       {"force", no_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},         {"help", no_argument, NULL, 'h'},
        {"batch", required_argument, NULL, 'b'},     {"max-bytes", required_argument, NULL, 'm'},
        {"jobs", required_argument, NULL, 'j'},      {NULL, 0, NULL, 0},
    };
    bm_ingest_opts o;
    bm_ingest_opts_init(&o);
    int verbose = 0, c;
    size_t batch = 1;
    unsigned jobs = bm_ingest_default_jobs();
    while ((c = getopt_long(argc, argv, "p:s:u:fvhb:m:j:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o.published = optarg; break;
        case 's': o.source = optarg; break;
        case 'u': o.url = optarg; break;
        case 'f': o.force = 1; break;
        case 'v': verbose = 1; break;
        case 'b': {
            long long v;
            if (bm_cli_parse_integer(optarg, 1, 1000000, &v) != BM_OK)
                return bm_cli_usage_error("ingest",
                                          "--batch wants a count from 1 to 1000000, "
                                          "not '%s'",
                                          optarg);
            batch = (size_t)v;
            break;
        }
        case 'j': {
            int rc = bm_cli_parse_jobs("ingest", optarg, &jobs);
            if (rc != BM_EXIT_OK)
                return rc;
            break;
        }
        case 'm':
            if (parse_bytes(optarg, &o.max_bytes) != BM_OK)
                return bm_cli_usage_error("ingest",
                                          "--max-bytes wants a size in bytes (e.g. "
                                          "500000, 512K, 8M; 0 = no limit), not '%s'",
                                          optarg);
            break;
        case 'h': usage(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("ingest", "unknown option");
        }
    }
    if (o.published) {
        bm_date first, last;
        bm_precision p;
        if (bm_date_parse_iso(o.published, &first, &last, &p, NULL) != BM_OK || p != BM_PREC_DAY)
            return bm_cli_usage_error("ingest", "--published wants YYYY-MM-DD, not '%s'",
                                      o.published);
    }
    if (optind >= argc)
        return bm_cli_usage_error("ingest", "no article given (FILE, DIR or -)");
    file_list files = {0};
    if (collect(&files, argc - optind, argv + optind) != 0) {
        list_free(&files);
        return bm_cli_fail("ingest", "listing the articles failed");
    }
    int rc = run(cli, &files, &o, batch, jobs, verbose);
    list_free(&files);
    return rc;
}
