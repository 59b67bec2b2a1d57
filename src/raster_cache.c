/* raster_cache.c: the basemap's layers as drawn on a raster page (the pixels after the
 * background, the fills and the strokes of the frame, before crossings, furniture and
 * incidents), kept in the cache directory beside the projected basemap (basemap_cache.c):
 * stroking and filling the basemap was the largest part of a map's fixed cost, and a page of
 * the same kind draws the very same pixels. An entry is named by a digest of everything that
 * decides them (render.c raster_key); it holds the cairo state the layers leave (what the
 * next drawing inherits) and the rows, and ends with a checksum of its bytes, so a corrupt or
 * partial entry is a miss. Must never fail a render (every error is a miss) and never leave
 * a partial entry under its name (temp + rename). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bordermap/fileio.h"
#include "cache_dir_private.h"
#include "render_private.h"

/* Bumped whenever the layout of an entry or of bm__rcache_state changes. */
#define RC_MAGIC "BMRAST01"
#define RC_PREFIX "raster-"
/* An entry is a whole page of pixels (12 MB at 2000x1500): one unread this long goes when
 * the next entry is written. A hit touches its entry. */
#define RC_MAX_AGE_S (7 * 24 * 3600)

/* A corruption check over ~12 MB of pixels, not a security boundary: SHA-256 of a
 * 2000x1500 page took ~6 ms, a third of what the cache saves; this takes well under one.
 * Four independent multiply-rotate lanes over 64-bit words, then the tail bytes. */
static uint64_t checksum(const unsigned char *p, size_t n, uint64_t seed)
{
    const uint64_t m = 0x9E3779B97F4A7C15ull;
    uint64_t h[4] = {seed, seed ^ 0x5851F42D4C957F2Dull, seed + m, ~seed};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 4; j++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * j, 8);
            h[j] = (h[j] ^ w) * m;
            h[j] ^= h[j] >> 29;
        }
    uint64_t t = (uint64_t)n;
    for (; i < n; i++)
        t = (t ^ p[i]) * m;
    uint64_t out = t;
    for (int j = 0; j < 4; j++)
        out = (out ^ h[j]) * m, out ^= out >> 31;
    return out;
}

typedef struct rc_header {
    char magic[8];
    unsigned char key[BM__RCACHE_KEY_LEN];
    uint64_t len;
    bm__rcache_state state;
} rc_header;

int bm__rcache_path(const unsigned char key[BM__RCACHE_KEY_LEN], char *buf, size_t size)
{
    return bm__cache_entry_path(RC_PREFIX, key, BM__RCACHE_KEY_LEN, 0, buf, size) == 0
               ? BM_OK
               : BM_ENOTFOUND;
}

int bm__rcache_store(const unsigned char key[BM__RCACHE_KEY_LEN], const unsigned char *px,
                     size_t len, const bm__rcache_state *st)
{
    char path[4200];
    if (bm__cache_entry_path(RC_PREFIX, key, BM__RCACHE_KEY_LEN, 1, path, sizeof path) != 0)
        return BM_EIO;
    rc_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, RC_MAGIC, 8);
    memcpy(h.key, key, BM__RCACHE_KEY_LEN);
    h.len = len;
    h.state = *st;
    uint64_t sum = checksum(px, len, checksum((const unsigned char *)&h, sizeof h, 0));
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, 1, &af, NULL);
    if (rc != BM_OK)
        return rc;
    FILE *fp = bm_atomic_fp(af);
    if (fwrite(&h, sizeof h, 1, fp) != 1 || fwrite(px, 1, len, fp) != len ||
        fwrite(&sum, sizeof sum, 1, fp) != 1) {
        bm_atomic_abort(af);
        return BM_EIO;
    }
    /* Unsynced: the checksum finds one torn by a power cut (a miss, rewritten). */
    rc = bm_atomic_commit_nosync(af, NULL);
    if (rc == BM_OK) /* every other page size, style or view leaves an entry */
        bm__cache_prune(RC_PREFIX, path, RC_MAX_AGE_S);
    return rc;
}

int bm__rcache_load(const unsigned char key[BM__RCACHE_KEY_LEN], unsigned char *px, size_t len,
                    bm__rcache_state *st)
{
    char path[4200];
    if (bm__cache_entry_path(RC_PREFIX, key, BM__RCACHE_KEY_LEN, 0, path, sizeof path) != 0)
        return BM_ENOTFOUND;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return BM_ENOTFOUND;
    /* The rows go straight into the page (no 12 MB buffer to fault in and copy): on a miss
     * they are garbage the caller paints over. */
    setvbuf(fp, NULL, _IONBF, 0);
    rc_header h;
    uint64_t sum = 0;
    int bad = fread(&h, sizeof h, 1, fp) != 1 || memcmp(h.magic, RC_MAGIC, 8) != 0 ||
              memcmp(h.key, key, BM__RCACHE_KEY_LEN) != 0 || h.len != len ||
              fread(px, 1, len, fp) != len || fread(&sum, sizeof sum, 1, fp) != 1 ||
              fgetc(fp) != EOF;
    fclose(fp);
    if (bad || checksum(px, len, checksum((const unsigned char *)&h, sizeof h, 0)) != sum)
        return BM_ENOTFOUND;
    *st = h.state;
    utimensat(AT_FDCWD, path, NULL, 0); /* in use: not pruned */
    return BM_OK;
}
