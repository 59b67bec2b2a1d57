/* store_template.c: a new database as a copy of a template kept in $XDG_CACHE_HOME/bordermap
 * (else ~/.cache/bordermap). Creating a database runs the schema's migrations and
 * SpatiaLite's metadata set-up, and the CLI then copies the gazetteer into it: ~0.2 s and
 * ~800M instructions, a quarter of ingesting 2,000 articles. The result depends only on the
 * code and on what the caller fills in, so it is built once and copied afterwards.
 * An entry is named by a digest of everything its bytes depend on: this library's build
 * (its GNU build id), the SQLite and SpatiaLite versions, the schema version and the
 * caller's tag (the gazetteer's fingerprint and directory). It ends with a CRC-32 of its
 * own bytes, so a corrupt or partial entry is detected, ignored and replaced (an MD5 of the
 * 1.2 MB entry cost every new database 12 M instructions; CRC-32 detects any burst error
 * and random damage as well, and no entry is a security boundary).
 * Must never fail a command (every cache error is a miss: the caller creates the database
 * the ordinary way), never replace an existing database, and never leave a partial file
 * under the database's or the entry's name (temp + link/rename). */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>
#include <zlib.h>
/* spatialite.h needs sqlite3.h first. */
#include <spatialite.h>

#include "bordermap/fileio.h"
#include "cache_dir_private.h"
#include "store_private.h"

/* Bumped whenever the layout of an entry changes. */
#define ENTRY_MAGIC "BMDBTPL2"
#define DIGEST_LEN 16 /* MD5 of the key's parts: a cache key, not a security boundary */
#define SUM_LEN 4     /* CRC-32 of the entry, little-endian */
#define ENTRY_PREFIX "dbtemplate-"
/* Entries not used for this long are removed when a new one is written (each build of
 * the library has its own entries). */
#define ENTRY_MAX_AGE_S (7 * 24 * 3600)

/* ---- The key ------------------------------------------------------------------------- */

typedef struct build_id {
    const void *addr; /* an address inside the object whose id is wanted */
    unsigned char id[64];
    size_t len;
} build_id;

static void note_build_id(const ElfW(Nhdr) * n, const char *end, build_id *b)
{
    while ((const char *)(n + 1) <= end) {
        const char *name = (const char *)(n + 1);
        const char *desc = name + ((n->n_namesz + 3) & ~3u);
        const char *next = desc + ((n->n_descsz + 3) & ~3u);
        if (next > end)
            return;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
            n->n_descsz <= sizeof b->id) {
            memcpy(b->id, desc, n->n_descsz);
            b->len = n->n_descsz;
            return;
        }
        n = (const ElfW(Nhdr) *)next;
    }
}

static int find_build_id(struct dl_phdr_info *info, size_t size, void *user)
{
    build_id *b = user;
    uintptr_t a = (uintptr_t)b->addr;
    int mine = 0;
    for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        mine = ph->p_type == PT_LOAD && a >= lo && a < lo + ph->p_memsz;
    }
    if (!mine)
        return 0;
    for (int i = 0; i < info->dlpi_phnum && !b->len; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *start = (const char *)(info->dlpi_addr + ph->p_vaddr);
        note_build_id((const ElfW(Nhdr) *)start, start + ph->p_memsz, b);
    }
    return 1;
}

/* The code that builds a template is part of what it depends on: without a build id
 * (a linker that writes none) there is no cache. */
static int code_id(build_id *b)
{
    memset(b, 0, sizeof *b);
    b->addr = (const void *)&code_id;
    dl_iterate_phdr(find_build_id, b);
    return b->len ? 0 : -1;
}

static int make_key(const char *tag, unsigned char key[DIGEST_LEN])
{
    build_id b;
    if (code_id(&b) != 0)
        return -1;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s|%d|%s|%s|", ENTRY_MAGIC, BM_SCHEMA_VERSION,
                     sqlite3_libversion(), spatialite_version());
    GChecksum *ck = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(ck, (const guchar *)buf, n);
    g_checksum_update(ck, b.id, (gssize)b.len);
    g_checksum_update(ck, (const guchar *)"|", 1);
    g_checksum_update(ck, (const guchar *)tag, (gssize)strlen(tag));
    gsize len = DIGEST_LEN;
    g_checksum_get_digest(ck, key, &len);
    g_checksum_free(ck);
    return 0;
}

/* ---- Where entries live ------------------------------------------------------------------ */

static int entry_path(const unsigned char key[DIGEST_LEN], int create, char *buf, size_t size)
{
    return bm__cache_entry_path(ENTRY_PREFIX, key, DIGEST_LEN, create, buf, size);
}

int bm__store_template_path(const char *tag, char *buf, size_t size)
{
    unsigned char key[DIGEST_LEN];
    if (!tag || make_key(tag, key) != 0 || entry_path(key, 0, buf, size) != 0)
        return BM_ENOTFOUND;
    return BM_OK;
}

/* ---- Entries ------------------------------------------------------------------------------ */

static void checksum(const void *data, size_t len, unsigned char out[SUM_LEN])
{
    uLong c = crc32_z(crc32_z(0L, Z_NULL, 0), data, len);
    for (int i = 0; i < SUM_LEN; i++)
        out[i] = (unsigned char)(c >> (8 * i));
}

/* An entry: magic, key, the database file's bytes, and a checksum of all that. The database
 * part is found in place (*db, *db_len point into data). */
static int parse(const char *data, size_t len, const unsigned char key[DIGEST_LEN], const char **db,
                 size_t *db_len)
{
    size_t head = 8 + DIGEST_LEN;
    if (len < head + 100 + SUM_LEN || memcmp(data, ENTRY_MAGIC, 8) != 0 ||
        memcmp(data + 8, key, DIGEST_LEN) != 0)
        return -1;
    unsigned char sum[SUM_LEN];
    checksum(data, len - SUM_LEN, sum);
    if (memcmp(sum, data + len - SUM_LEN, SUM_LEN) != 0)
        return -1;
    *db = data + head;
    *db_len = len - head - SUM_LEN;
    return memcmp(*db, "SQLite format 3", 16) == 0 ? 0 : -1;
}

static int store_entry(const char *path, const unsigned char key[DIGEST_LEN], const char *db,
                       size_t db_len)
{
    size_t len = 8 + DIGEST_LEN + db_len + SUM_LEN;
    char *buf = malloc(len);
    if (!buf)
        return BM_ENOMEM;
    memcpy(buf, ENTRY_MAGIC, 8);
    memcpy(buf + 8, key, DIGEST_LEN);
    memcpy(buf + 8 + DIGEST_LEN, db, db_len);
    checksum(buf, len - SUM_LEN, (unsigned char *)buf + len - SUM_LEN);
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, 1, &af, NULL);
    if (rc == BM_OK && fwrite(buf, 1, len, bm_atomic_fp(af)) != len) {
        bm_atomic_abort(af);
        rc = BM_EIO;
    } else if (rc == BM_OK) {
        rc = bm_atomic_commit(af, NULL);
    }
    free(buf);
    if (rc == BM_OK) /* a rebuilt library never reads its predecessor's entry */
        bm__cache_prune(ENTRY_PREFIX, path, ENTRY_MAX_AGE_S);
    return rc;
}

/* Builds the database a template holds in a temporary file beside the entry and returns
 * its bytes (*db malloc'ed). */
static int build(const char *entry, bm__store_fill_fn fill, void *user, char **db, size_t *len)
{
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(entry, 1, &af, NULL);
    if (rc != BM_OK)
        return rc;
    bm_store *s = NULL;
    rc = bm_store_open(bm_atomic_tmppath(af), 0, &s, NULL);
    if (rc == BM_OK && fill)
        rc = fill(s, user);
    /* Closing checkpoints the WAL into the file and removes it. */
    bm_store_close(s);
    if (rc == BM_OK)
        rc = bm_read_file(bm_atomic_tmppath(af), db, len, NULL);
    bm_atomic_abort(af);
    return rc;
}

/* Writes the database bytes as `path`, which must not exist. */
static int materialize(const char *path, const char *db, size_t len)
{
    bm_atomic_file *af = NULL;
    int rc = bm_atomic_open(path, 0, &af, NULL);
    if (rc != BM_OK)
        return rc;
    if (fwrite(db, 1, len, bm_atomic_fp(af)) != len) {
        bm_atomic_abort(af);
        return BM_EIO;
    }
    return bm_atomic_commit(af, NULL);
}

int bm__store_create_from_template(const char *path, const char *tag, bm__store_fill_fn fill,
                                   void *user, int *hit)
{
    if (hit)
        *hit = 0;
    unsigned char key[DIGEST_LEN];
    char entry[4200];
    if (!path || !tag || bm_store_path_is_url(path) || make_key(tag, key) != 0 ||
        entry_path(key, 1, entry, sizeof entry) != 0)
        return BM_ENOTFOUND;
    char *data = NULL;
    size_t len = 0;
    const char *db = NULL;
    size_t db_len = 0;
    int rc;
    if (bm_read_file(entry, &data, &len, NULL) == BM_OK &&
        parse(data, len, key, &db, &db_len) == 0) {
        utimensat(AT_FDCWD, entry, NULL, 0); /* in use: not pruned */
        rc = materialize(path, db, db_len);
        if (hit)
            *hit = rc == BM_OK;
        free(data);
        return rc;
    }
    free(data);
    /* A miss, or an entry that fails its digest: build it again. */
    char *built = NULL;
    rc = build(entry, fill, user, &built, &len);
    if (rc == BM_OK)
        store_entry(entry, key, built, len);
    if (rc == BM_OK)
        rc = materialize(path, built, len);
    free(built);
    return rc;
}
