/* ingest_parallel.c: ingests many files with extraction spread over worker
 * threads and one writer (the caller's thread) storing them in input order,
 * so the database ends up exactly as a one-thread run leaves it.
 * Must never let a worker touch the store's connection (SQLite handles are
 * not shared), nor hold more than a fixed window of articles in memory. */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sqlite3.h>

#include "bordermap/ingest.h"
#include "ingest_private.h"
#include "store_private.h"

/* Articles prepared ahead of the writer per worker: enough to ride out an
 * article that is slow to extract, few enough to keep memory flat. */
#define AHEAD_PER_WORKER 8

typedef struct slot {
    char *data;
    size_t len;
    int rc;
    int ready;
    bm_error err;
    bm__prepared p;
} slot;

typedef struct pipeline {
    const bm_ingest *ig;
    char *const *paths;
    size_t n;
    const bm_ingest_opts *o;
    const char *db_path; /* NULL: workers do not look digests up */
    GMutex mu;
    /* Each side wakes only who waits (glib's signal is a system call even with nobody
     * waiting; a broadcast per article woke every thread twice per article). */
    GCond room;             /* workers wait here for the window to move */
    GCond ready;            /* the writer waits here for article next_store */
    unsigned rooms_waiting; /* workers waiting on room */
    int writer_waiting;     /* the writer waits on ready */
    size_t next_take;       /* next article a worker prepares */
    size_t next_store;      /* next article the writer stores */
    size_t window;
    slot *slots;
    int stop;
} pipeline;

/* A worker's own read-only connection, only to skip extracting articles
 * already stored (the writer's transaction decides for good). */
typedef struct lookup_conn {
    sqlite3 *db;
    sqlite3_stmt *st;
} lookup_conn;

static void lookup_open(lookup_conn *c, const char *path)
{
    memset(c, 0, sizeof *c);
    if (!path)
        return;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(c->db, 10000) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "SELECT id FROM articles WHERE sha256 = ?1", -1, &c->st, NULL) !=
            SQLITE_OK) {
        sqlite3_finalize(c->st);
        sqlite3_close(c->db);
        memset(c, 0, sizeof *c);
    }
}

static void lookup_close(lookup_conn *c)
{
    sqlite3_finalize(c->st);
    sqlite3_close(c->db);
}

static int lookup_sha(void *user, const char *sha256, int64_t *id)
{
    lookup_conn *c = user;
    sqlite3_reset(c->st);
    sqlite3_bind_text(c->st, 1, sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(c->st, 0);
    sqlite3_reset(c->st);
    return rc == SQLITE_ROW ? BM_OK : BM_ENOTFOUND;
}

/* Whether the store may hold an article: with none when the run starts, a worker's lookup
 * could only find what this run stored itself (or a concurrent writer did), which the
 * writer's transaction finds anyway; opening the connections (each parses the SpatiaLite
 * schema) and taking a read lock per article would buy nothing. 1 when unsure. */
static int store_has_articles(bm_store *store)
{
    sqlite3 *db = bm__store_db(store);
    sqlite3_stmt *st = NULL;
    if (!db || sqlite3_prepare_v2(db, "SELECT 1 FROM articles LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return 1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc != SQLITE_DONE;
}

static void prepare_one(pipeline *pl, bm__extract_ws *ws, lookup_conn *c, size_t i, slot *s)
{
    bm_error_clear(&s->err);
    s->rc = bm__ingest_read(pl->paths[i], pl->o, &s->data, &s->len, &s->err);
    if (s->rc == BM_OK)
        s->rc = bm__ingest_prepare(pl->ig, ws, s->data, s->len, pl->o, c->st ? lookup_sha : NULL, c,
                                   &s->p, &s->err);
}

static gpointer worker(gpointer user)
{
    pipeline *pl = user;
    lookup_conn c;
    lookup_open(&c, pl->db_path);
    /* the worker's own: what it learnt of the words of one article serves
     * the next (NULL: one per article) */
    bm__extract_ws *ws = bm__ingest_ws_new(pl->ig);
    for (;;) {
        g_mutex_lock(&pl->mu);
        while (!pl->stop && pl->next_take < pl->n && pl->next_take >= pl->next_store + pl->window) {
            pl->rooms_waiting++;
            g_cond_wait(&pl->room, &pl->mu);
            pl->rooms_waiting--;
        }
        if (pl->stop || pl->next_take >= pl->n) {
            g_mutex_unlock(&pl->mu);
            break;
        }
        size_t i = pl->next_take++;
        g_mutex_unlock(&pl->mu);
        slot *s = &pl->slots[i % pl->window];
        prepare_one(pl, ws, &c, i, s);
        g_mutex_lock(&pl->mu);
        s->ready = 1;
        if (pl->writer_waiting && i == pl->next_store)
            g_cond_signal(&pl->ready);
        g_mutex_unlock(&pl->mu);
    }
    bm__extract_ws_free(ws);
    lookup_close(&c);
    return NULL;
}

/* The writer's half for article i, whose slot is ready. */
static void store_one(bm_ingest *ig, pipeline *pl, size_t i, bm_ingest_file_cb cb, void *user)
{
    slot *s = &pl->slots[i % pl->window];
    bm_ingest_result r;
    memset(&r, 0, sizeof r);
    r.published_from = "none";
    int rc = s->rc;
    if (rc == BM_OK)
        rc =
            bm__ingest_store(ig, bm__ingest_name(pl->paths[i]), s->data, &s->p, pl->o, &r, &s->err);
    cb(pl->paths[i], i, rc, &r, &s->err, user);
    if (s->rc == BM_OK)
        bm__prepared_free(&s->p);
    free(s->data);
    memset(s, 0, sizeof *s);
}

static int run_serial(bm_ingest *ig, char *const *paths, size_t n, const bm_ingest_opts *o,
                      bm_ingest_file_cb cb, void *user)
{
    for (size_t i = 0; i < n; i++) {
        bm_ingest_result r;
        bm_error err;
        bm_error_clear(&err);
        int rc = bm_ingest_file(ig, paths[i], o, &r, &err);
        cb(paths[i], i, rc, &r, &err, user);
    }
    return BM_OK;
}

unsigned bm_ingest_default_jobs(void)
{
    unsigned n = g_get_num_processors();
    return n ? n : 1;
}

int bm_ingest_files(bm_ingest *ig, char *const *paths, size_t n, const bm_ingest_opts *opts,
                    unsigned jobs, bm_ingest_file_cb cb, void *user, bm_error *err)
{
    if (!ig || (!paths && n) || !cb)
        return bm_error_set(err, BM_EINVAL, "ingest: no handle, files or callback");
    bm_ingest_opts defaults;
    bm_ingest_opts_init(&defaults);
    const bm_ingest_opts *o = opts ? opts : &defaults;
    if (jobs <= 1 || n <= 1)
        return run_serial(ig, paths, n, o, cb, user);
    pipeline pl = {0};
    pl.ig = ig;
    pl.paths = paths;
    pl.n = n;
    pl.o = o;
    bm_store *store = bm__ingest_store_handle(ig);
    pl.db_path = bm_store_path(store);
    if (pl.db_path && (!*pl.db_path || !strcmp(pl.db_path, ":memory:")))
        pl.db_path = NULL;
    /* --force extracts every article: nothing to look up. */
    if (o->force || !store_has_articles(store))
        pl.db_path = NULL;
    pl.window = (size_t)jobs * AHEAD_PER_WORKER;
    pl.slots = calloc(pl.window, sizeof *pl.slots);
    GThread **th = calloc(jobs, sizeof *th);
    if (!pl.slots || !th) {
        free(pl.slots);
        free(th);
        return run_serial(ig, paths, n, o, cb, user);
    }
    g_mutex_init(&pl.mu);
    g_cond_init(&pl.room);
    g_cond_init(&pl.ready);
    unsigned started = 0;
    for (; started < jobs; started++)
        if (!(th[started] = g_thread_try_new("bm-ingest", worker, &pl, NULL)))
            break;
    if (started == 0) { /* no threads to be had: one thread does it all */
        free(pl.slots);
        free(th);
        g_mutex_clear(&pl.mu);
        g_cond_clear(&pl.room);
        g_cond_clear(&pl.ready);
        return run_serial(ig, paths, n, o, cb, user);
    }
    for (size_t i = 0; i < n; i++) {
        slot *s = &pl.slots[i % pl.window];
        g_mutex_lock(&pl.mu);
        while (!s->ready) {
            pl.writer_waiting = 1;
            g_cond_wait(&pl.ready, &pl.mu);
        }
        pl.writer_waiting = 0;
        g_mutex_unlock(&pl.mu);
        store_one(ig, &pl, i, cb, user);
        g_mutex_lock(&pl.mu);
        pl.next_store = i + 1;
        if (pl.rooms_waiting) /* one more article fits the window: one worker takes it */
            g_cond_signal(&pl.room);
        g_mutex_unlock(&pl.mu);
    }
    /* Every article is stored, so every one was taken: a worker still waiting exits. */
    g_mutex_lock(&pl.mu);
    g_cond_broadcast(&pl.room);
    g_mutex_unlock(&pl.mu);
    for (unsigned t = 0; t < started; t++)
        g_thread_join(th[t]);
    free(th);
    free(pl.slots);
    g_mutex_clear(&pl.mu);
    g_cond_clear(&pl.room);
    g_cond_clear(&pl.ready);
    return BM_OK;
}
