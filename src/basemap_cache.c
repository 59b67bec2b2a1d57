/* basemap_cache.c: the basemap layers as projected, clipped and thinned for one map (extent,
 * projection, page size and style), kept in $XDG_CACHE_HOME/bordermap (else
 * ~/.cache/bordermap) so that the next map of the same kind skips SQLite, GEOS and PROJ over
 * the whole basemap. An entry is named by a digest of the basemap's, the regions' and the
 * style's bytes and of the map's parameters; it ends with a digest of its own bytes, so a
 * corrupt or partial entry is detected and ignored (and replaced by the next write).
 * Must never write beside the database or the basemap, never fail a render (every cache
 * error is a miss), and never leave a partial entry under its name (temp + rename). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "bordermap/fileio.h"
#include "cache_dir_private.h"
#include "digest_private.h"
#include "render_private.h"

/* Bumped whenever the layout of an entry or of bm__feature changes. */
#define CACHE_MAGIC "BMBCACH3"
/* A cache key and a corruption check, not a security boundary. */
#define DIGEST_LEN 16

/* SHA-256 (digest.c: OpenSSL, on the CPU's SHA instructions; GLib's MD5 of the 1.6 MB
 * basemap and a 1.4 MB entry took ~12 ms of every render) cut to DIGEST_LEN bytes. */
static int digest(const void *p, size_t n, unsigned char out[DIGEST_LEN])
{
    unsigned char full[32];
    if (bm__sha256(p, n, full))
        return -1;
    memcpy(out, full, DIGEST_LEN);
    return 0;
}

struct bm__bcache_key {
    unsigned char d[DIGEST_LEN];
};

/* ---- The key ------------------------------------------------------------------------- */

/* A file's digest, a part of the key; a missing optional file (regions) is "absent". */
static int file_digest(const char *path, unsigned char out[DIGEST_LEN])
{
    char *data = NULL;
    size_t len = 0;
    if (!path || bm_read_file(path, &data, &len, NULL) != BM_OK)
        return digest("\0absent", 7, out);
    int rc = digest(data, len, out);
    free(data);
    return rc;
}

int bm__bcache_key_make(const char *basemap_path, const char *regions_path,
                        const char *style_path, const void *params, size_t params_len,
                        bm__bcache_key **out)
{
    *out = NULL;
    /* The digest of the magic, the three files' digests and the parameters. */
    size_t n = 8 + 3 * DIGEST_LEN + params_len;
    unsigned char *buf = malloc(n);
    bm__bcache_key *k = malloc(sizeof *k);
    int rc = buf && k ? 0 : -1;
    if (!rc) {
        memcpy(buf, CACHE_MAGIC, 8);
        const char *files[3] = {basemap_path, regions_path, style_path};
        for (int i = 0; !rc && i < 3; i++)
            rc = file_digest(files[i], buf + 8 + i * DIGEST_LEN);
        memcpy(buf + 8 + 3 * DIGEST_LEN, params, params_len);
    }
    if (!rc)
        rc = digest(buf, n, k->d);
    free(buf);
    if (rc) {
        free(k);
        return BM_ENOMEM;
    }
    *out = k;
    return BM_OK;
}

const unsigned char *bm__bcache_key_digest(const bm__bcache_key *k, size_t *len)
{
    *len = DIGEST_LEN;
    return k->d;
}

void bm__bcache_key_free(bm__bcache_key *k)
{
    free(k);
}

/* ---- Where entries live ------------------------------------------------------------------ */

/* The entry's path; the directory is created when create != 0. -1 when there is no cache
 * directory (neither XDG_CACHE_HOME nor HOME set, or not creatable). */
static int entry_path(const bm__bcache_key *k, int create, char *buf, size_t size)
{
    return bm__cache_entry_path("basemap-", k->d, DIGEST_LEN, create, buf, size);
}

int bm__bcache_path(const bm__bcache_key *k, char *buf, size_t size)
{
    return entry_path(k, 0, buf, size) == 0 ? BM_OK : BM_ENOTFOUND;
}

/* ---- Writing ------------------------------------------------------------------------------ */

static void put(GByteArray *b, const void *p, size_t n)
{
    g_byte_array_append(b, p, (guint)n);
}

static void put_layer(GByteArray *b, const bm__layer *l)
{
    uint64_t n = l->n;
    put(b, &n, sizeof n);
    for (size_t i = 0; i < l->n; i++) {
        const bm__feature *f = &l->f[i];
        int32_t ints[3] = {f->n_parts, f->n_points, f->level};
        double dbl[6] = {f->lx, f->ly, f->minx, f->miny, f->maxx, f->maxy};
        put(b, ints, sizeof ints);
        put(b, dbl, sizeof dbl);
        put(b, f->code, sizeof f->code);
        put(b, f->name_en, sizeof f->name_en);
        put(b, f->name_ar, sizeof f->name_ar);
        put(b, f->part_len, (size_t)f->n_parts * sizeof *f->part_len);
        put(b, f->xy, (size_t)f->n_points * 2 * sizeof *f->xy);
    }
}

static bm__layer *const *layers_of(const bm__basemap *bm, bm__layer *out[10])
{
    bm__basemap *m = (bm__basemap *)bm;
    bm__layer *all[10] = {&m->countries, &m->admin1, &m->admin1_lines, &m->borders,
                          &m->border_iq_sy, &m->rivers, &m->lakes, &m->locator,
                          &m->world, &m->regions};
    memcpy(out, all, sizeof all);
    return out;
}

int bm__bcache_store(const bm__bcache_key *k, const bm__bcache_entry *e)
{
    char path[4200];
    if (entry_path(k, 1, path, sizeof path) != 0)
        return BM_EIO;
    GByteArray *b = g_byte_array_new();
    put(b, CACHE_MAGIC, 8);
    put(b, k->d, DIGEST_LEN);
    put(b, e->bm.corridor, sizeof e->bm.corridor);
    put(b, e->bm.locator_box, sizeof e->bm.locator_box);
    put(b, &e->view_k, sizeof e->view_k);
    put(b, e->load_box, sizeof e->load_box);
    bm__layer *ls[10];
    layers_of(&e->bm, ls);
    for (int i = 0; i < 10; i++)
        put_layer(b, ls[i]);
    unsigned char sum[DIGEST_LEN];
    if (digest(b->data, b->len, sum)) {
        g_byte_array_free(b, TRUE);
        return BM_ENOMEM;
    }
    put(b, sum, DIGEST_LEN);
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, 1, &af, NULL);
    if (rc == BM_OK && fwrite(b->data, 1, b->len, bm_atomic_fp(af)) != b->len) {
        bm_atomic_abort(af);
        rc = BM_EIO;
    } else if (rc == BM_OK) {
        /* Unsynced: the entry's digest finds one torn by a power cut (a miss, rewritten). */
        rc = bm_atomic_commit_nosync(af, NULL);
    }
    g_byte_array_free(b, TRUE);
    return rc;
}

/* ---- Reading ------------------------------------------------------------------------------ */

typedef struct reader {
    const unsigned char *p, *end;
} reader;

static int get(reader *r, void *dst, size_t n)
{
    if ((size_t)(r->end - r->p) < n)
        return -1;
    memcpy(dst, r->p, n);
    r->p += n;
    return 0;
}

static void free_layer(bm__layer *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->f[i].xy);
        free(l->f[i].part_len);
    }
    free(l->f);
    l->f = NULL;
    l->n = 0;
}

static int get_feature(reader *r, bm__feature *f)
{
    int32_t ints[3];
    double dbl[6];
    memset(f, 0, sizeof *f);
    if (get(r, ints, sizeof ints) || get(r, dbl, sizeof dbl) || ints[0] < 0 || ints[1] < 0)
        return -1;
    f->n_parts = ints[0], f->n_points = ints[1], f->level = ints[2];
    f->lx = dbl[0], f->ly = dbl[1], f->minx = dbl[2], f->miny = dbl[3];
    f->maxx = dbl[4], f->maxy = dbl[5];
    if (get(r, f->code, sizeof f->code) || get(r, f->name_en, sizeof f->name_en) ||
        get(r, f->name_ar, sizeof f->name_ar))
        return -1;
    f->code[sizeof f->code - 1] = f->name_en[sizeof f->name_en - 1] = 0;
    f->name_ar[sizeof f->name_ar - 1] = 0;
    size_t np = (size_t)f->n_parts, nx = (size_t)f->n_points * 2;
    if (np * sizeof(int) > (size_t)(r->end - r->p) || nx * sizeof(double) > (size_t)(r->end - r->p))
        return -1;
    f->part_len = malloc((np ? np : 1) * sizeof *f->part_len);
    f->xy = malloc((nx ? nx : 1) * sizeof *f->xy);
    if (!f->part_len || !f->xy || get(r, f->part_len, np * sizeof *f->part_len) ||
        get(r, f->xy, nx * sizeof *f->xy))
        return -1;
    long total = 0;
    for (size_t i = 0; i < np; i++) {
        if (f->part_len[i] < 0)
            return -1;
        total += f->part_len[i];
    }
    return total == f->n_points ? 0 : -1;
}

static int get_layer(reader *r, bm__layer *l)
{
    uint64_t n;
    if (get(r, &n, sizeof n) || n > (uint64_t)(r->end - r->p))
        return -1;
    l->f = calloc(n ? n : 1, sizeof *l->f);
    if (!l->f)
        return -1;
    for (l->n = 0; l->n < n; l->n++)
        if (get_feature(r, &l->f[l->n])) {
            free(l->f[l->n].xy);
            free(l->f[l->n].part_len);
            return -1;
        }
    return 0;
}

static int parse(const unsigned char *data, size_t len, const bm__bcache_key *k,
                 bm__bcache_entry *e)
{
    if (len < 8 + 2 * DIGEST_LEN || memcmp(data, CACHE_MAGIC, 8) != 0 ||
        memcmp(data + 8, k->d, DIGEST_LEN) != 0)
        return -1;
    unsigned char sum[DIGEST_LEN];
    if (digest(data, len - DIGEST_LEN, sum) ||
        memcmp(sum, data + len - DIGEST_LEN, DIGEST_LEN) != 0)
        return -1;
    reader r = {data + 8 + DIGEST_LEN, data + len - DIGEST_LEN};
    if (get(&r, e->bm.corridor, sizeof e->bm.corridor) ||
        get(&r, e->bm.locator_box, sizeof e->bm.locator_box) ||
        get(&r, &e->view_k, sizeof e->view_k) || get(&r, e->load_box, sizeof e->load_box))
        return -1;
    bm__layer *ls[10];
    layers_of(&e->bm, ls);
    for (int i = 0; i < 10; i++)
        if (get_layer(&r, ls[i]))
            return -1;
    return r.p == r.end ? 0 : -1;
}

int bm__bcache_load(const bm__bcache_key *k, bm__bcache_entry *e)
{
    memset(e, 0, sizeof *e);
    char path[4200];
    char *data = NULL;
    size_t len = 0;
    if (entry_path(k, 0, path, sizeof path) != 0 || bm_read_file(path, &data, &len, NULL) != BM_OK)
        return BM_ENOTFOUND;
    int bad = parse((const unsigned char *)data, len, k, e);
    free(data);
    if (bad) {
        bm__bcache_entry_free(e);
        return BM_ENOTFOUND;
    }
    return BM_OK;
}

void bm__bcache_entry_free(bm__bcache_entry *e)
{
    bm__layer *ls[10];
    layers_of(&e->bm, ls);
    for (int i = 0; i < 10; i++)
        free_layer(ls[i]);
}
