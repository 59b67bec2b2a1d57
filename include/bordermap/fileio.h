/* bordermap/fileio.h: atomic output files and whole-file reads.
 * Output must never be visible half-written: writers go to a temporary file in
 * the destination directory and rename() over the target on commit. */
#ifndef BORDERMAP_FILEIO_H
#define BORDERMAP_FILEIO_H

#include <stdio.h>

#include "bordermap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_atomic_file bm_atomic_file;

/* Starts writing `path` atomically. With overwrite == 0 an existing target is
 * BM_EEXIST. On success *out is the handle; write through bm_atomic_fp() or
 * bm_atomic_tmppath() (for libraries that want a file name, such as GDAL or
 * cairo), then bm_atomic_commit() or bm_atomic_abort(). */
int bm_atomic_open(const char *path, int overwrite, bm_atomic_file **out, bm_error *err);
/* The stdio stream of the temporary file; borrowed. NULL when opened by path only. */
FILE *bm_atomic_fp(bm_atomic_file *f);
/* The temporary file's path (same directory as the target); borrowed. */
const char *bm_atomic_tmppath(const bm_atomic_file *f);
/* Flushes, fsyncs and renames over the target; frees the handle either way. */
int bm_atomic_commit(bm_atomic_file *f, bm_error *err);
/* The same without the fsync, for caches whose entries carry their own checksum: still
 * never seen half-written by a reader, but a power cut may leave an entry torn (detected
 * and rebuilt) rather than make every write wait for the disk. */
int bm_atomic_commit_nosync(bm_atomic_file *f, bm_error *err);
/* Removes the temporary file and frees the handle; NULL does nothing. */
void bm_atomic_abort(bm_atomic_file *f);

/* The host name as temporary file names carry it (letters, digits, '-';
 * others become '_'), truncated to fit size. */
void bm_atomic_hostname(char *buf, size_t size);
/* When name (a path or a base name) is a temporary file of a target whose
 * base name without extension is stem (".STEM.tmp-PID-XXXXXX@HOST..."; NULL
 * stem: of any target),
 * returns 1 with the writer's pid and host; else 0. Lets a caller remove the
 * leftovers of killed processes, and only those. */
int bm_atomic_tmp_owner(const char *name, const char *stem, long *pid, char *host,
                        size_t hostsize);

/* Reads a whole file ("-" = stdin) into a NUL-terminated buffer the caller
 * frees. *len excludes the NUL. */
int bm_read_file(const char *path, char **data, size_t *len, bm_error *err);
/* The same, refusing (BM_EINVAL) an input of more than max bytes (0: no
 * limit); a regular file that is too large is not read at all. */
int bm_read_file_max(const char *path, size_t max, char **data, size_t *len, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
