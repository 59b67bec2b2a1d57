/* store_vfs.c: the store's SQLite VFS, the default one with the WAL file's writes
 * gathered: SQLite writes each frame of a commit as two pwrite() calls (the 24-byte header,
 * then the page), ~30 per ingested article, and the kernel's cost per call was most of the
 * writer's system time. Here consecutive frame writes collect in a buffer that goes to
 * the file in one write when the commit frame is complete, before SQLite publishes the
 * frames in the WAL index, so no reader can see a frame that is not in the file.
 * What is written, where and in which order of commits is unchanged: a process killed
 * mid-transaction loses only frames that no commit covered (as before), and anything
 * that reads, syncs, truncates or sizes the WAL sees the buffer written first.
 * The WAL's pages are also handed to the kernel's write-back as they are written
 * (sync_file_range, Linux): with synchronous=NORMAL every checkpoint first syncs the WAL,
 * and an ingest writes ~45 KB of frames per article, so each sync waited 30-60 ms for
 * the disk to take what the kernel had kept back; written back along the way, the sync
 * finds little left. A hint only: what is durable and when is still SQLite's xSync.
 * Every file but the WAL is the default VFS's own, untouched. */
#define _GNU_SOURCE /* sync_file_range */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>

#include "store_private.h"

#define VFS_NAME "bordermap"
#define BUF_CAP (1 << 20)   /* a larger transaction goes out in pieces of this */
#define WRITE_MAX (1 << 16) /* one write() to the file (see flush) */
#define FRAME_HEADER 24     /* a WAL frame header: page number, then db size (commit) */

typedef struct wal_file {
    sqlite3_file base; /* methods: wal_io */
    sqlite3_file *real;
    unsigned char *buf;
    sqlite3_int64 buf_off; /* file offset of buf[0] */
    int buf_len;
    sqlite3_int64 commit_data; /* offset of the commit frame's page, 0: none pending */
    int wb_fd;                 /* the WAL opened again for write-back hints, -1: none */
    bm__wb_range wb;           /* written, not yet handed to write-back */
} wal_file;

static sqlite3_vfs g_vfs;
static sqlite3_vfs *g_real;

int bm__wb_note(bm__wb_range *r, int64_t off, int amt, int64_t *lo, int64_t *hi)
{
    int out = 0;
    if (r->hi > r->lo && (off < r->lo || off > r->hi)) {
        *lo = r->lo;
        *hi = r->hi;
        out = 1;
        r->lo = r->hi = off;
    }
    if (r->hi == r->lo)
        r->lo = r->hi = off;
    if (off + amt > r->hi)
        r->hi = off + amt;
    if (!out && r->hi - r->lo >= BM__WRITEBACK) {
        *lo = r->lo;
        *hi = r->hi;
        out = 1;
        r->lo = r->hi = 0;
    }
    return out;
}

/* Starts write-back of [lo, hi): it does not wait for the disk (SYNC_FILE_RANGE_WRITE
 * only queues what is not queued yet). */
static void writeback(wal_file *w, int64_t lo, int64_t hi)
{
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    (void)sync_file_range(w->wb_fd, lo, hi - lo, SYNC_FILE_RANGE_WRITE);
#else
    (void)w, (void)lo, (void)hi;
#endif
}

static void written(wal_file *w, sqlite3_int64 off, int amt)
{
    int64_t lo, hi;
    if (w->wb_fd >= 0 && bm__wb_note(&w->wb, off, amt, &lo, &hi))
        writeback(w, lo, hi);
}

static int real_write(wal_file *w, const void *data, int amt, sqlite3_int64 off)
{
    int rc = w->real->pMethods->xWrite(w->real, data, amt, off);
    if (rc == SQLITE_OK)
        written(w, off, amt);
    return rc;
}

/* In pieces: the default VFS takes no more than 128 KiB in one write (a page is at most
 * 64 KiB). */
static int flush(wal_file *w)
{
    int n = w->buf_len, rc = SQLITE_OK;
    w->buf_len = 0;
    for (int done = 0; done < n && rc == SQLITE_OK; done += WRITE_MAX) {
        int amt = n - done < WRITE_MAX ? n - done : WRITE_MAX;
        rc = real_write(w, w->buf + done, amt, w->buf_off + done);
    }
    return rc;
}

static int append(wal_file *w, const void *data, int amt, sqlite3_int64 off)
{
    if (w->buf_len == 0)
        w->buf_off = off;
    memcpy(w->buf + w->buf_len, data, (size_t)amt);
    w->buf_len += amt;
    return SQLITE_OK;
}

static int is_commit_header(const void *data, int amt)
{
    const unsigned char *h = data;
    return amt == FRAME_HEADER && (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int wal_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    wal_file *w = (wal_file *)f;
    int contiguous = w->buf_len > 0 && off == w->buf_off + w->buf_len;
    int fits = w->buf && w->buf_len + amt <= BUF_CAP;
    int rc = SQLITE_OK;
    if (is_commit_header(data, amt)) {
        /* The commit frame: its page follows; then the buffer goes out. A header
         * rewritten in place (checksums recomputed) is not contiguous: written now. */
        w->commit_data = off + FRAME_HEADER;
        if (contiguous && fits)
            return append(w, data, amt, off);
        if ((rc = flush(w)) != SQLITE_OK)
            return rc;
        return real_write(w, data, amt, off);
    }
    if (w->commit_data && off == w->commit_data) {
        w->commit_data = 0;
        if (contiguous && fits) {
            append(w, data, amt, off);
            return flush(w);
        }
        if ((rc = flush(w)) != SQLITE_OK)
            return rc;
        return real_write(w, data, amt, off);
    }
    if ((w->buf_len == 0 || contiguous) && fits)
        return append(w, data, amt, off);
    if ((rc = flush(w)) != SQLITE_OK)
        return rc;
    if (w->buf && amt <= BUF_CAP)
        return append(w, data, amt, off);
    return real_write(w, data, amt, off);
}

static int wal_close(sqlite3_file *f)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    int rc2 = w->real->pMethods->xClose(w->real);
    if (w->wb_fd >= 0)
        close(w->wb_fd);
    w->wb_fd = -1;
    g_free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wal_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, out, amt, off);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    w->wb.lo = w->wb.hi = 0; /* nothing of the old range need be written */
    return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    w->wb.lo = w->wb.hi = 0; /* the sync writes it */
    return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wal_lock(sqlite3_file *f, int level)
{
    wal_file *w = (wal_file *)f;
    return w->real->pMethods->xLock(w->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
    wal_file *w = (wal_file *)f;
    return w->real->pMethods->xUnlock(w->real, level);
}

static int wal_check_reserved(sqlite3_file *f, int *out)
{
    wal_file *w = (wal_file *)f;
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wal_file_control(sqlite3_file *f, int op, void *arg)
{
    wal_file *w = (wal_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wal_sector_size(sqlite3_file *f)
{
    wal_file *w = (wal_file *)f;
    return w->real->pMethods->xSectorSize(w->real);
}

static int wal_device(sqlite3_file *f)
{
    wal_file *w = (wal_file *)f;
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* Version 1: SQLite maps shared memory and pages of the database file, never of the WAL. */
static const sqlite3_io_methods wal_io = {
    .iVersion = 1,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device,
};

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    if (!(flags & SQLITE_OPEN_WAL))
        return g_real->xOpen(g_real, name, f, flags, out_flags); /* the default VFS's own */
    wal_file *w = (wal_file *)f;
    memset(w, 0, sizeof *w);
    w->real = (sqlite3_file *)(w + 1);
    int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK)
        return rc; /* base.pMethods NULL: SQLite does not close it */
    /* Without the memory the writes go straight through, as before. */
    w->buf = g_try_malloc(BUF_CAP);
    /* Without a second descriptor there are no write-back hints, as before. */
    w->wb_fd = name ? open(name, O_RDONLY | O_CLOEXEC) : -1;
    w->base.pMethods = &wal_io;
    return SQLITE_OK;
}

/* Everything but xOpen is the default VFS's: called with it, not with this one. */
static int vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    return g_real->xDelete(g_real, name, sync_dir);
}

static int vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    return g_real->xAccess(g_real, name, flags, out);
}

static int vfs_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    return g_real->xFullPathname(g_real, name, n, out);
}

static void *vfs_dlopen(sqlite3_vfs *v, const char *name)
{
    return g_real->xDlOpen(g_real, name);
}

static void vfs_dlerror(sqlite3_vfs *v, int n, char *out)
{
    g_real->xDlError(g_real, n, out);
}

static void (*vfs_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    return g_real->xDlSym(g_real, h, sym);
}

static void vfs_dlclose(sqlite3_vfs *v, void *h)
{
    g_real->xDlClose(g_real, h);
}

static int vfs_randomness(sqlite3_vfs *v, int n, char *out)
{
    return g_real->xRandomness(g_real, n, out);
}

static int vfs_sleep(sqlite3_vfs *v, int us)
{
    return g_real->xSleep(g_real, us);
}

static int vfs_current_time(sqlite3_vfs *v, double *out)
{
    return g_real->xCurrentTime(g_real, out);
}

static int vfs_last_error(sqlite3_vfs *v, int n, char *out)
{
    return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, out) : 0;
}

static int vfs_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    return g_real->xCurrentTimeInt64(g_real, out);
}

static gsize register_vfs(void)
{
    g_real = sqlite3_vfs_find(NULL);
    if (!g_real || g_real->iVersion < 2 || !g_real->xCurrentTimeInt64)
        return 1;
    int size = g_real->szOsFile;
    if ((size_t)size < sizeof(wal_file) + (size_t)g_real->szOsFile)
        size = (int)(sizeof(wal_file) + (size_t)g_real->szOsFile);
    g_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = size,
        .mxPathname = g_real->mxPathname,
        .zName = VFS_NAME,
        .xOpen = vfs_open,
        .xDelete = vfs_delete,
        .xAccess = vfs_access,
        .xFullPathname = vfs_full_pathname,
        .xDlOpen = vfs_dlopen,
        .xDlError = vfs_dlerror,
        .xDlSym = vfs_dlsym,
        .xDlClose = vfs_dlclose,
        .xRandomness = vfs_randomness,
        .xSleep = vfs_sleep,
        .xCurrentTime = vfs_current_time,
        .xGetLastError = vfs_last_error,
        .xCurrentTimeInt64 = vfs_current_time64,
    };
    return sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK ? 2 : 1;
}

const char *bm__store_vfs(void)
{
    static gsize once = 0;
    if (g_once_init_enter(&once))
        g_once_init_leave(&once, register_vfs());
    return once == 2 ? VFS_NAME : NULL;
}
