/* fuzz_common.h: what the libFuzzer targets share: the input as a
 * NUL-terminated copy, and a UTF-8 gate for APIs whose contract is text.
 * Must never hide a finding: a target only skips inputs its API's contract
 * excludes (the caller validates UTF-8 before extraction, like ingest does). */
#ifndef BM_FUZZ_COMMON_H
#define BM_FUZZ_COMMON_H

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'ed, NUL-terminated copy of the input (the caller frees). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* True when the bytes are UTF-8 without NUL, the text contract of
 * extraction, date finding and place matching. */
static inline int fuzz_is_text(const uint8_t *data, size_t size)
{
    return g_utf8_validate((const char *)data, (gssize)size, NULL);
}

#ifdef BM_FUZZ_WITH_STORE
#include <stdio.h>
#include <unistd.h>

#include "bordermap/store.h"

/* One store per fuzz process, in a directory of its own that goes at exit;
 * targets write inside a transaction they roll back per input. */
static bm_store *fuzz_store;
static char fuzz_store_dir[] = "/tmp/bm-fuzz-store-XXXXXX";

static void fuzz_store_close(void)
{
    char path[256];
    bm_store_close(fuzz_store);
    snprintf(path, sizeof path, "%s/f.sqlite", fuzz_store_dir);
    unlink(path);
    rmdir(fuzz_store_dir);
}

static inline void fuzz_store_open(void)
{
    char path[256];
    bm_error err;
    if (!mkdtemp(fuzz_store_dir))
        abort();
    snprintf(path, sizeof path, "%s/f.sqlite", fuzz_store_dir);
    if (bm_store_open(path, 0, &fuzz_store, &err) != BM_OK) {
        fprintf(stderr, "fuzz: %s\n", bm_error_text(&err));
        abort();
    }
    atexit(fuzz_store_close);
}
#endif

#endif
