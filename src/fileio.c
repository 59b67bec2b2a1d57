/* fileio.c: atomic output (temporary file + fsync + rename) and whole-file
 * reads shared by every command that writes or reads files.
 * Must never leave a partial file under the target name, nor remove a
 * target it did not replace. */
#include "bordermap/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bm_atomic_file {
    char *target;
    char *tmp;
    FILE *fp;
    int overwrite;
};

/* The temporary name keeps the target's extension, because GDAL and cairo
 * pick behaviour from it, and lives in the same directory so rename() is
 * atomic. It names the process that writes it (.NAME.tmp-PID-XXXXXX@HOST.EXT):
 * a later run on the same host can tell a leftover of a killed process from
 * a file still being written (bm_atomic_tmp_owner). */
static char *make_tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *dot = strrchr(base, '.');
    const char *ext = dot && dot != base ? dot : "";
    char host[64];
    bm_atomic_hostname(host, sizeof host);
    size_t n = strlen(path) + 128;
    char *tmp = malloc(n);
    if (!tmp)
        return NULL;
    snprintf(tmp, n, "%.*s.%.*s.tmp-%ld-XXXXXX@%s%s", (int)dirlen, path,
             (int)(strlen(base) - strlen(ext)), base, (long)getpid(), host, ext);
    return tmp;
}

void bm_atomic_hostname(char *buf, size_t size)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    size_t n = 0;
    /* Letters, digits and '-' only: the name ends at the first '.'. */
    for (const char *p = host; *p && n + 1 < size; p++, n++)
        buf[n] = (isalnum((unsigned char)*p) || *p == '-') ? *p : '_';
    buf[n] = '\0';
}

int bm_atomic_tmp_owner(const char *name, const char *stem, long *pid, char *host, size_t hostsize)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *mark = NULL;
    if (stem) {
        size_t sl = strlen(stem);
        if (base[0] != '.' || strncmp(base + 1, stem, sl) != 0 ||
            strncmp(base + 1 + sl, ".tmp-", 5))
            return 0;
        mark = base + 1 + sl;
    } else {
        for (const char *q = base + 1; base[0] == '.' && (q = strstr(q, ".tmp-")); q++)
            mark = q;
        if (!mark)
            return 0;
    }
    const char *p = mark + 5;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v <= 0 || *end != '-' || strlen(end) < 8 || end[7] != '@')
        return 0;
    const char *h = end + 8;
    size_t hl = strcspn(h, ".");
    if (hl == 0 || hl >= hostsize)
        return 0;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *pid = v;
    return 1;
}

int bm_atomic_open(const char *path, int overwrite, bm_atomic_file **out, bm_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return bm_error_set(err, BM_EINVAL, "no output file name");
    struct stat st;
    if (!overwrite && stat(path, &st) == 0)
        return bm_error_set(err, BM_EEXIST, "%s exists (use --overwrite to replace it)", path);
    bm_atomic_file *f = calloc(1, sizeof *f);
    if (!f)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    f->target = strdup(path);
    f->tmp = make_tmp_name(path);
    f->overwrite = overwrite;
    if (!f->target || !f->tmp) {
        bm_atomic_abort(f);
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    }
    /* The random part is the last XXXXXX, followed by "@HOST.EXT". */
    const char *at = strrchr(f->tmp, '@');
    int suffix = (int)strlen(at);
    int fd = mkstemps(f->tmp, suffix);
    if (fd < 0) {
        int e = errno;
        free(f->tmp);
        f->tmp = NULL;
        bm_atomic_abort(f);
        return bm_error_set(err, e == EACCES || e == EROFS ? BM_EREADONLY : BM_EIO,
                            "cannot create a file next to %s: %s", path, strerror(e));
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        bm_atomic_abort(f);
        return bm_error_set(err, BM_EIO, "cannot open %s: %s", path, strerror(errno));
    }
    *out = f;
    return BM_OK;
}

FILE *bm_atomic_fp(bm_atomic_file *f)
{
    return f ? f->fp : NULL;
}

const char *bm_atomic_tmppath(const bm_atomic_file *f)
{
    return f ? f->tmp : NULL;
}

static void free_handle(bm_atomic_file *f)
{
    free(f->target);
    free(f->tmp);
    free(f);
}

static int replace(bm_atomic_file *f, bm_error *err)
{
    if (rename(f->tmp, f->target) != 0)
        return bm_error_set(err, BM_EIO, "cannot rename onto %s: %s", f->target, strerror(errno));
    return BM_OK;
}

/* Without --overwrite the target must not exist at the moment it appears:
 * link() fails rather than replace, so two writers racing for one name
 * (two processes creating one database) cannot clobber each other. A file
 * system without hard links gets the check-then-rename it had before. */
static int link_new(bm_atomic_file *f, bm_error *err)
{
    if (link(f->tmp, f->target) == 0) {
        unlink(f->tmp);
        return BM_OK;
    }
    int e = errno;
    if (e == EEXIST)
        return bm_error_set(err, BM_EEXIST, "%s appeared while writing; not replaced", f->target);
    if (e != EPERM && e != ENOTSUP && e != EOPNOTSUPP && e != EMLINK && e != ENOSYS)
        return bm_error_set(err, BM_EIO, "cannot create %s: %s", f->target, strerror(e));
    struct stat st;
    if (stat(f->target, &st) == 0)
        return bm_error_set(err, BM_EEXIST, "%s appeared while writing; not replaced", f->target);
    return replace(f, err);
}

static int commit(bm_atomic_file *f, int sync, bm_error *err)
{
    if (!f)
        return bm_error_set(err, BM_EINVAL, "no file to commit");
    int rc = BM_OK;
    if (f->fp) {
        if (fflush(f->fp) != 0 || (sync && fsync(fileno(f->fp)) != 0))
            rc = bm_error_set(err, BM_EIO, "cannot write %s: %s", f->target, strerror(errno));
        if (fclose(f->fp) != 0 && rc == BM_OK)
            rc = bm_error_set(err, BM_EIO, "cannot write %s: %s", f->target, strerror(errno));
        f->fp = NULL;
    }
    if (rc == BM_OK) {
        /* mkstemp creates 0600; output files are ordinary user files. */
        mode_t mask = umask(0);
        umask(mask);
        chmod(f->tmp, 0666 & ~mask);
        rc = f->overwrite ? replace(f, err) : link_new(f, err);
    }
    if (rc != BM_OK)
        unlink(f->tmp);
    free_handle(f);
    return rc;
}

int bm_atomic_commit(bm_atomic_file *f, bm_error *err)
{
    return commit(f, 1, err);
}

int bm_atomic_commit_nosync(bm_atomic_file *f, bm_error *err)
{
    return commit(f, 0, err);
}

void bm_atomic_abort(bm_atomic_file *f)
{
    if (!f)
        return;
    if (f->fp)
        fclose(f->fp);
    if (f->tmp)
        unlink(f->tmp);
    free_handle(f);
}

/* Reads fd to the end, or stops with BM_EINVAL once more than max bytes came
 * (max 0: no limit): a pipe's size is not known in advance. A regular file
 * (regular, size its size) is read by one read(2) into a buffer of its size
 * and a byte more: a read shorter than asked at or past that size is its end,
 * with no second call; a file that grew meanwhile is read on. Anything else
 * reads to a 0. */
static int read_fd(int fd, int regular, size_t size, size_t max, char **data, size_t *len)
{
    size_t cap = regular ? size + 2 : (size_t)1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return BM_ENOMEM;
    for (;;) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return BM_ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t want = cap - n - 1;
        ssize_t got = read(fd, buf + n, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            free(buf);
            return BM_EIO;
        }
        n += (size_t)got;
        if (max && n > max) {
            free(buf);
            return BM_EINVAL;
        }
        if (got == 0 || (regular && n >= size && (size_t)got < want))
            break;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return BM_OK;
}

int bm_read_file(const char *path, char **data, size_t *len, bm_error *err)
{
    return bm_read_file_max(path, 0, data, len, err);
}

/* An open descriptor: fstat and (for a regular file) a single read, where
 * stdio took its buffer and three reads (ingest reads thousands of small
 * files a second). label names the input in the size messages ("the input"
 * for standard input), path in the others. */
static int read_open(int fd, const char *path, const char *label, size_t max, char **data,
                     size_t *len, bm_error *err)
{
    struct stat st;
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (max && regular && (uintmax_t)st.st_size > max)
        return bm_error_set(err, BM_EINVAL, "%s is %ju bytes, over the limit of %zu bytes", label,
                            (uintmax_t)st.st_size, max);
    if (regular && (uintmax_t)st.st_size > SIZE_MAX / 2)
        return bm_error_set(err, BM_ENOMEM, "cannot read %s: %s", path, bm_strerror(BM_ENOMEM));
    int rc = read_fd(fd, regular, regular ? (size_t)st.st_size : 0, max, data, len);
    if (rc == BM_EINVAL)
        return bm_error_set(err, rc, "%s is over the limit of %zu bytes", label, max);
    if (rc != BM_OK)
        return bm_error_set(err, rc, "cannot read %s: %s", path, bm_strerror(rc));
    return BM_OK;
}

int bm_read_file_max(const char *path, size_t max, char **data, size_t *len, bm_error *err)
{
    *data = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0)
        return read_open(STDIN_FILENO, path, "the input", max, data, len, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bm_error_set(err, BM_EIO, "cannot open %s: %s", path, strerror(errno));
    int rc = read_open(fd, path, path, max, data, len, err);
    close(fd);
    return rc;
}
