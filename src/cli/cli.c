/* cli.c: what the subcommands share: error printing in the one format users
 * grep for, opening the store, list-option parsing and the progress bar.
 * Must never print anything to stdout: stdout belongs to command output. */
#include "cli.h"

#include "store_private.h"

#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bm_cli_fail(const char *what, const char *why_fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bordermap: %s: ", what);
    va_start(ap, why_fmt);
    vfprintf(stderr, why_fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return BM_EXIT_FAIL;
}

int bm_cli_usage_error(const char *cmd, const char *why_fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bordermap: %s: ", cmd);
    va_start(ap, why_fmt);
    vfprintf(stderr, why_fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see bordermap %s --help)\n", cmd);
    return BM_EXIT_USAGE;
}

/* True when the file exists but this user could not write it (the file or
 * the directory that must hold its -wal and -shm is read-only). */
static int read_only_file(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    return access(path, W_OK) != 0 || access(dirname(copy), W_OK) != 0;
}

bm_store *bm_cli_open_store(bm_cli *cli, int mode)
{
    int url = bm_store_path_is_url(cli->db_path);
    int read_only =
        mode == BM_CLI_READONLY || (mode == BM_CLI_READ && !url && read_only_file(cli->db_path));
    if (!read_only && !url)
        bm_cli_temp_watch(cli->db_path); /* a database being created */
    bm_store *store = NULL;
    bm_error err;
    bm_error_clear(&err);
    /* A new file starts as a copy of a cached template with the gazetteer in it (loaded only
     * when the template must be built); any trouble there and the store creates it the
     * ordinary way below. */
    if (!read_only && !url && access(cli->db_path, F_OK) != 0) {
        char entry[4200];
        /* The template being built is a temporary file too (and its leftovers). */
        if (bm__gazetteer_template_path(NULL, entry, sizeof entry) == BM_OK)
            bm_cli_temp_watch(entry);
        bm__gazetteer_store_create(NULL, cli->db_path, NULL);
    }
    int rc = bm_store_open_schema(cli->db_path, cli->pg_schema, read_only ? BM_STORE_READONLY : 0,
                                  &store, &err);
    if (rc != BM_OK) {
        bm_cli_fail("database", "%s", bm_error_text(&err));
        return NULL;
    }
    if (read_only)
        return store;
    /* A copy of the template is synced already: nothing is loaded. */
    rc = bm__cli_sync_gazetteer(store, &err);
    if (rc != BM_OK) {
        bm_cli_fail("gazetteer", "%s", bm_error_text(&err));
        bm_store_close(store);
        return NULL;
    }
    return store;
}

int bm_cli_parse_bbox(const char *s, double *w, double *so, double *e, double *n)
{
    char *end;
    double v[4];
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        v[i] = strtod(p, &end);
        if (end == p || !isfinite(v[i]))
            return BM_EINVAL;
        p = end;
        if (i < 3) {
            if (*p != ',')
                return BM_EINVAL;
            p++;
        }
    }
    if (*p != '\0' || v[0] >= v[2] || v[1] >= v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 ||
        v[3] > 90)
        return BM_EINVAL;
    *w = v[0];
    *so = v[1];
    *e = v[2];
    *n = v[3];
    return BM_OK;
}

void bm_cli_free_list(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

int bm_cli_parse_types(const char *s, char ***out, size_t *n, char *bad, size_t badsize)
{
    *out = NULL;
    *n = 0;
    char *copy = strdup(s);
    char **list = calloc(BM_N_TYPES + 1, sizeof *list);
    if (!copy || !list) {
        free(copy);
        free(list);
        return BM_ENOMEM;
    }
    size_t count = 0;
    int rc = BM_OK;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (bm_type_index(tok) < 0 || count >= BM_N_TYPES) {
            snprintf(bad, badsize, "%s", tok);
            rc = BM_EINVAL;
            break;
        }
        if (!(list[count++] = strdup(tok))) {
            rc = BM_ENOMEM;
            break;
        }
    }
    free(copy);
    if (rc == BM_OK && count == 0) {
        snprintf(bad, badsize, "%s", s);
        rc = BM_EINVAL;
    }
    if (rc != BM_OK) {
        bm_cli_free_list(list, count);
        return rc;
    }
    *out = list;
    *n = count;
    return BM_OK;
}

int bm_cli_progress_enabled(const bm_cli *cli)
{
    return !cli->quiet && isatty(STDERR_FILENO);
}

void bm_cli_progress(const bm_cli *cli, const char *label, size_t i, size_t n)
{
    if (!bm_cli_progress_enabled(cli) || n == 0)
        return;
    enum { WIDTH = 30 };
    size_t filled = i >= n ? WIDTH : i * WIDTH / n;
    char bar[WIDTH + 1];
    for (size_t k = 0; k < WIDTH; k++)
        bar[k] = k < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu", label, bar, i, n);
    if (i >= n)
        fputc('\n', stderr);
    fflush(stderr);
}

int bm_cli_parse_jobs(const char *cmd, const char *s, unsigned *jobs)
{
    long long v;
    if (bm_cli_parse_integer(s, 1, 256, &v) != BM_OK)
        return bm_cli_usage_error(cmd, "--jobs wants a count from 1 to 256, not '%s'", s);
    *jobs = (unsigned)v;
    return BM_EXIT_OK;
}
