/* cache_dir_private.h: where bordermap's caches live ($XDG_CACHE_HOME/bordermap, else
 * ~/.cache/bordermap) and how an entry is named there. Shared by the basemap cache, the
 * raster cache and the database template cache. Never beside a user's database. */
#ifndef BM_CACHE_DIR_PRIVATE_H
#define BM_CACHE_DIR_PRIVATE_H

#include <stddef.h>

/* Fills dir with the cache directory, created (mode 0700, parents too) when create != 0.
 * Returns 0, or -1 when there is none (neither an absolute XDG_CACHE_HOME nor HOME, too long,
 * or not creatable). */
int bm__cache_dir(int create, char *dir, size_t size);

/* Fills buf with "<cache dir>/<prefix><hex of digest>.bin"; the directory is created when
 * create != 0. Returns 0 or -1 as bm__cache_dir does. */
int bm__cache_entry_path(const char *prefix, const unsigned char *digest, size_t digest_len,
                         int create, char *buf, size_t size);

/* Removes the entries "<prefix>*.bin" of the cache directory not modified for max_age_s
 * seconds (a hit refreshes an entry's time), except keep (a path or a file name): each cache
 * keeps what is used and lets the rest go. Errors are ignored: a cache is never worth a
 * failure. */
void bm__cache_prune(const char *prefix, const char *keep, long max_age_s);

#endif
