/* identity.c: finds an article's incidents again when it is extracted anew
 * (ingest --force, or after a gazetteer change), so ids and an analyst's
 * corrections survive.
 * Must never overwrite or delete an incident an analyst changed: an edited
 * incident keeps every field, and one that extraction no longer yields stays,
 * marked for review. */
#include "identity.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edits_private.h"
#include "store_backend.h"
#include "store_private.h"

static void place_key(const bm_incident *inc, char *buf, size_t n)
{
    if (inc->place_id[0])
        snprintf(buf, n, "%s", inc->place_id);
    else
        snprintf(buf, n, "pt:%.4f,%.4f", inc->pt.lon, inc->pt.lat);
}

int bm__identity_keys(const bm_extraction *ex, bm__ikey **out, bm_error *err)
{
    *out = calloc(ex->n ? ex->n : 1, sizeof **out);
    if (!*out)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    bm__ikey *k = *out;
    for (size_t i = 0; i < ex->n; i++) {
        k[i].start = ex->v[i].sent_start;
        k[i].end = ex->v[i].sent_end;
        place_key(&ex->v[i].inc, k[i].place, sizeof k[i].place);
        for (size_t j = 0; j < i; j++)
            k[i].ordinal += k[j].start == k[i].start && k[j].end == k[i].end &&
                            strcmp(k[j].place, k[i].place) == 0;
    }
    return BM_OK;
}

int bm__identity_record(bm_store *s, sqlite3_stmt **st, const char *sha256, const bm__ikey *k,
                        int64_t id, bm_error *err)
{
    bm_pg *pg = bm__store_pg(s);
    if (pg)
        return bm__pg_identity_record(pg, sha256, (int64_t)k->start, (int64_t)k->end, k->place,
                                      k->ordinal, id) == BM_OK
                   ? BM_OK
                   : bm_error_set(err, BM_EDB, "recording an incident's identity: %s",
                                  bm__pg_errmsg(pg));
    /* ingest caches this statement across articles: SQLite's own handle */
    if (!*st && sqlite3_prepare_v2(bm__store_db(s),
                                   "INSERT OR REPLACE INTO incident_keys(sha256, byte_start, "
                                   "byte_end, place_key, ordinal, incident_id) VALUES (?1, ?2, "
                                   "?3, ?4, ?5, ?6)",
                                   -1, st, NULL) != SQLITE_OK)
        return bm_error_set(err, BM_EDB, "prepare: %s", sqlite3_errmsg(bm__store_db(s)));
    sqlite3_reset(*st);
    sqlite3_bind_text(*st, 1, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 2, (int64_t)k->start);
    sqlite3_bind_int64(*st, 3, (int64_t)k->end);
    sqlite3_bind_text(*st, 4, k->place, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(*st, 5, k->ordinal);
    sqlite3_bind_int64(*st, 6, id);
    int step = sqlite3_step(*st);
    sqlite3_reset(*st);
    return step == SQLITE_DONE ? BM_OK
                               : bm_error_set(err, BM_EDB, "recording an incident's identity: %s",
                                              sqlite3_errmsg(bm__store_db(s)));
}

/* ---- Re-ingest ---------------------------------------------------------------- */

typedef struct old_key {
    bm__ikey k;
    int64_t id;
    int claimed;
} old_key;

struct bm__reingest {
    char sha256[65];
    old_key *keys;
    size_t n_keys;
    old_key *deleted; /* keys of incidents an analyst deleted */
    size_t n_deleted;
    int64_t *ids; /* incidents the old article supported or that its keys name */
    size_t n_ids, cap_ids;
    int64_t *refreshed; /* claimed incidents already brought up to date */
    size_t n_refreshed, cap_refreshed;
    bm__stmt *state_st; /* read_state's query */
};

static int push_id(int64_t **v, size_t *n, size_t *cap, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == id)
            return BM_OK;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        int64_t *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return BM_ENOMEM;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = id;
    return BM_OK;
}

/* Reads the keys of the article from incident_keys (or, deleted set, from
 * incident_deleted_keys) into *v; the incidents they name join r->ids. */
static int load_keys(bm_store *s, bm__reingest *r, int deleted, old_key **v, size_t *nv,
                     bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s,
                              deleted ? "SELECT byte_start, byte_end, place_key, ordinal, "
                                        "incident_id FROM incident_deleted_keys WHERE sha256 = ?1"
                                      : "SELECT byte_start, byte_end, place_key, ordinal, "
                                        "incident_id FROM incident_keys WHERE sha256 = ?1 ORDER "
                                        "BY byte_start, ordinal",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_text(st, 1, r->sha256, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step;
    while ((step = bm__stmt_step(st)) == SQLITE_ROW) {
        if (*nv == cap) {
            cap = cap ? cap * 2 : 16;
            old_key *grown = realloc(*v, cap * sizeof *grown);
            if (!grown) {
                rc = BM_ENOMEM;
                break;
            }
            *v = grown;
        }
        old_key *o = &(*v)[(*nv)++];
        memset(o, 0, sizeof *o);
        o->k.start = (size_t)bm__stmt_column_int64(st, 0);
        o->k.end = (size_t)bm__stmt_column_int64(st, 1);
        const unsigned char *p = bm__stmt_column_text(st, 2);
        snprintf(o->k.place, sizeof o->k.place, "%s", p ? (const char *)p : "");
        o->k.ordinal = bm__stmt_column_int(st, 3);
        o->id = bm__stmt_column_int64(st, 4);
        if (!deleted && push_id(&r->ids, &r->n_ids, &r->cap_ids, o->id) != BM_OK) {
            rc = BM_ENOMEM;
            break;
        }
    }
    bm__stmt_finalize(st);
    if (rc == BM_ENOMEM)
        return bm_error_set(err, rc, "ingest: out of memory");
    return step == SQLITE_DONE ? BM_OK
                               : bm_error_set(err, BM_EDB, "reading identity keys: %s",
                                              bm__stmt_errmsg(s));
}

static int load_linked(bm_store *s, bm__reingest *r, int64_t article_id, bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s,
                              "SELECT DISTINCT incident_id FROM incident_sources WHERE "
                              "article_id = ?1 ORDER BY incident_id",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, article_id);
    int step;
    while ((step = bm__stmt_step(st)) == SQLITE_ROW)
        if (push_id(&r->ids, &r->n_ids, &r->cap_ids, bm__stmt_column_int64(st, 0)) != BM_OK) {
            bm__stmt_finalize(st);
            return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
        }
    bm__stmt_finalize(st);
    return step == SQLITE_DONE
               ? BM_OK
               : bm_error_set(err, BM_EDB, "reading sources: %s", bm__stmt_errmsg(s));
}

int bm__reingest_begin(bm_store *s, int64_t article_id, const char *sha256, bm__reingest **out,
                       bm_error *err)
{
    bm__reingest *r = calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    snprintf(r->sha256, sizeof r->sha256, "%s", sha256);
    int rc = load_keys(s, r, 0, &r->keys, &r->n_keys, err);
    if (rc == BM_OK)
        rc = load_keys(s, r, 1, &r->deleted, &r->n_deleted, err);
    if (rc == BM_OK)
        rc = load_linked(s, r, article_id, err);
    if (rc == BM_OK)
        rc = bm__edit_exec_ids(s, "DELETE FROM incident_sources WHERE article_id = ?1", article_id,
                               0, 0, NULL, err);
    if (rc == BM_OK)
        rc =
            bm__edit_exec_ids(s, "DELETE FROM articles WHERE id = ?1", article_id, 0, 0, NULL, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt *st;
    rc = bm__edit_prepare(s, "DELETE FROM incident_keys WHERE sha256 = ?1", &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    return step == SQLITE_DONE ? BM_OK
                               : bm_error_set(err, BM_EDB, "clearing identity keys: %s",
                                              bm__stmt_errmsg(s));
}

static int same_sentence(const bm__ikey *a, const bm__ikey *b)
{
    return a->start == b->start && a->end == b->end;
}

int bm__reingest_claim(bm__reingest *r, const bm__ikey *k, size_t n, int64_t **out, bm_error *err)
{
    int64_t *c = calloc(n ? n : 1, sizeof *c);
    *out = c;
    if (!c)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < r->n_deleted; j++)
            if (same_sentence(&r->deleted[j].k, &k[i]) && r->deleted[j].k.ordinal == k[i].ordinal &&
                strcmp(r->deleted[j].k.place, k[i].place) == 0)
                c[i] = -1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; !c[i] && j < r->n_keys; j++) {
                old_key *o = &r->keys[j];
                if (o->claimed || !same_sentence(&o->k, &k[i]))
                    continue;
                if (pass == 0 && (o->k.ordinal != k[i].ordinal || strcmp(o->k.place, k[i].place)))
                    continue;
                o->claimed = 1;
                c[i] = o->id;
            }
        }
    }
    return BM_OK;
}

/* What re-extraction needs to know of an old incident, with one statement
 * prepared per article: whether it exists, was edited, is marked for
 * review, and how many sources it has left. */
typedef struct old_state {
    int exists, edited;
    int64_t n_sources;
    char review[256];
} old_state;

static int read_state(bm_store *s, bm__reingest *r, int64_t id, old_state *o, bm_error *err)
{
    memset(o, 0, sizeof *o);
    if (!r->state_st) {
        int rc = bm__edit_prepare(s,
                                  "SELECT edited_at IS NOT NULL, review, (SELECT count(*) FROM "
                                  "incident_sources WHERE incident_id = ?1) FROM incidents "
                                  "WHERE id = ?1",
                                  &r->state_st, err);
        if (rc != BM_OK)
            return rc;
    }
    bm__stmt *st = r->state_st;
    bm__stmt_reset(st);
    bm__stmt_bind_int64(st, 1, id);
    int step = bm__stmt_step(st);
    if (step == SQLITE_ROW) {
        o->exists = 1;
        o->edited = bm__stmt_column_int(st, 0);
        const unsigned char *v = bm__stmt_column_text(st, 1);
        snprintf(o->review, sizeof o->review, "%s", v ? (const char *)v : "");
        o->n_sources = bm__stmt_column_int64(st, 2);
    }
    bm__stmt_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? BM_OK
               : bm_error_set(err, BM_EDB, "reading incident %" PRId64 ": %s", id,
                              bm__stmt_errmsg(s));
}

/* The extraction's fields equal the stored ones: rewriting would only churn
 * the spatial index. */
static int same_fields(const bm_incident *a, const bm_incident *b)
{
    return bm_date_cmp(a->date_start, b->date_start) == 0 &&
           bm_date_cmp(a->date_end, b->date_end) == 0 && a->date_precision == b->date_precision &&
           !strcmp(a->type, b->type) && !strcmp(a->place_id, b->place_id) &&
           a->pt.lon == b->pt.lon && a->pt.lat == b->pt.lat &&
           a->geo_precision == b->geo_precision && a->confidence == b->confidence &&
           a->fatalities == b->fatalities && !strcmp(a->summary, b->summary) &&
           !strcmp(a->reasons, b->reasons) && !strcmp(a->actor1, b->actor1) &&
           !strcmp(a->actor2, b->actor2) && a->inter1 == b->inter1 && a->inter2 == b->inter2;
}

static int set_review(bm_store *s, int64_t id, const char *why, bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s, "UPDATE incidents SET review = ?2 WHERE id = ?1", &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, id);
    if (why)
        bm__stmt_bind_text(st, 2, why, -1, SQLITE_STATIC);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    return step == SQLITE_DONE ? BM_OK
                               : bm_error_set(err, BM_EDB, "marking incident %" PRId64 ": %s", id,
                                              bm__stmt_errmsg(s));
}

#define REINGEST_AUTHOR "bordermap ingest"

int bm__reingest_refresh(bm_store *s, bm__reingest *r, int64_t id, const bm_incident *extracted,
                         bm_error *err)
{
    for (size_t i = 0; i < r->n_refreshed; i++)
        if (r->refreshed[i] == id)
            return BM_OK;
    if (push_id(&r->refreshed, &r->n_refreshed, &r->cap_refreshed, id) != BM_OK)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    old_state o;
    int rc = read_state(s, r, id, &o, err);
    if (rc != BM_OK || !o.exists)
        return rc;
    if (o.edited) {
        if (!o.review[0])
            return BM_OK;
        rc = set_review(s, id, NULL, err);
        return rc == BM_OK ? bm__edit_record(s, id, "reconfirmed", NULL, o.review, NULL,
                                             REINGEST_AUTHOR, err)
                           : rc;
    }
    if (o.n_sources > 0)
        return BM_OK; /* another article's extraction made it: its fields stay */
    bm_incident cur;
    if (bm_store_incident_get(s, id, &cur) != BM_OK)
        return bm_error_set(err, BM_EDB, "reading incident %" PRId64 ": %s", id,
                            bm_store_errmsg(s));
    /* an entry made by hand or imported (ACLED) that this article also
     * reports keeps its own fields: only extraction rewrites extraction */
    if (cur.provenance[0] && strcmp(cur.provenance, "extracted") != 0)
        return BM_OK;
    bm_incident inc = *extracted;
    inc.id = id;
    if (same_fields(&cur, &inc))
        return BM_OK;
    if (bm_store_incident_update(s, &inc) != BM_OK)
        return bm_error_set(err, BM_EDB, "updating incident %" PRId64 ": %s", id,
                            bm_store_errmsg(s));
    return BM_OK;
}

/* An edited incident extraction no longer yields: kept, marked, recorded,
 * and its old keys kept so that a later extraction can find it again. */
static int keep_unconfirmed(bm_store *s, bm__reingest *r, int64_t id, const old_state *st,
                            const char *file_name, bm_error *err)
{
    int rc = BM_OK;
    sqlite3_stmt *ins = NULL;
    for (size_t j = 0; rc == BM_OK && j < r->n_keys; j++)
        if (r->keys[j].id == id)
            rc = bm__identity_record(s, &ins, r->sha256, &r->keys[j].k, id, err);
    sqlite3_finalize(ins);
    if (rc != BM_OK || st->review[0])
        return rc;
    char why[256];
    snprintf(why, sizeof why, "no longer extracted from %s (article %.12s)",
             file_name ? file_name : "its article", r->sha256);
    rc = set_review(s, id, why, err);
    return rc == BM_OK
               ? bm__edit_record(s, id, "unconfirmed", NULL, NULL, why, REINGEST_AUTHOR, err)
               : rc;
}

int bm__reingest_finish(bm_store *s, bm__reingest *r, const char *file_name, bm_error *err)
{
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < r->n_ids; i++) {
        int64_t id = r->ids[i];
        old_state st;
        rc = read_state(s, r, id, &st, err);
        if (rc != BM_OK || !st.exists || st.n_sources > 0)
            continue; /* merged away meanwhile, or still supported */
        if (st.edited)
            rc = keep_unconfirmed(s, r, id, &st, file_name, err);
        else
            rc = bm__edit_exec_ids(s, "DELETE FROM incidents WHERE id = ?1", id, 0, 0, NULL, err);
    }
    return rc;
}

void bm__reingest_free(bm__reingest *r)
{
    if (!r)
        return;
    free(r->keys);
    free(r->deleted);
    free(r->ids);
    free(r->refreshed);
    bm__stmt_finalize(r->state_st);
    free(r);
}
