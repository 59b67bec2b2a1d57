/* ingest.c: one article into the store: UTF-8 check, sha256, language,
 * publication date, extraction, and deduplication against incidents other
 * articles already reported, all inside one transaction.
 * Must never leave half an article behind: any failure rolls the whole
 * article back, and an unchanged article (same digest) changes nothing. */
#include "bordermap/ingest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bordermap/fileio.h"

#define DEFAULT_MERGE_KM 10.0

struct bm_ingest {
    bm_store *store;
    bm_gazetteer *own_g; /* loaded by bm_ingest_new, else NULL */
    bm_dates *own_d;
    const bm_gazetteer *g;
    const bm_dates *d;
    bm_extractor *x;
};

void bm_ingest_opts_init(bm_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->merge_km = DEFAULT_MERGE_KM;
}

int bm_ingest_new_with(bm_store *store, const bm_gazetteer *g, const bm_dates *d,
                       bm_ingest **out, bm_error *err)
{
    *out = NULL;
    if (!store || !g || !d)
        return bm_error_set(err, BM_EINVAL, "ingest: store, gazetteer and dates needed");
    bm_ingest *ig = calloc(1, sizeof *ig);
    if (!ig)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    ig->store = store;
    ig->g = g;
    ig->d = d;
    int rc = bm_extractor_new(g, d, &ig->x, err);
    if (rc != BM_OK) {
        free(ig);
        return rc;
    }
    *out = ig;
    return BM_OK;
}

int bm_ingest_new(bm_store *store, bm_ingest **out, bm_error *err)
{
    *out = NULL;
    bm_gazetteer *g = NULL;
    bm_dates *d = NULL;
    int rc = bm_gazetteer_load(&g, err);
    if (rc == BM_OK)
        rc = bm_gazetteer_add_store_places(g, store, err);
    if (rc == BM_OK)
        rc = bm_dates_new(&d, err);
    if (rc == BM_OK)
        rc = bm_ingest_new_with(store, g, d, out, err);
    if (rc != BM_OK) {
        bm_dates_free(d);
        bm_gazetteer_free(g);
        return rc;
    }
    (*out)->own_g = g;
    (*out)->own_d = d;
    return BM_OK;
}

void bm_ingest_free(bm_ingest *ig)
{
    if (!ig)
        return;
    bm_extractor_free(ig->x);
    bm_dates_free(ig->own_d);
    bm_gazetteer_free(ig->own_g);
    free(ig);
}

const bm_extractor *bm_ingest_extractor(const bm_ingest *ig)
{
    return ig ? ig->x : NULL;
}

/* ---- Article metadata ---------------------------------------------------- */

static int check_utf8(const char *data, size_t len, bm_error *err)
{
    const gchar *end = NULL;
    if (g_utf8_validate(data, (gssize)len, &end))
        return BM_OK;
    /* g_utf8_validate also stops at a NUL byte: both make it not a text. */
    return bm_error_set(err, BM_EPARSE, "not UTF-8 text (invalid byte at offset %zu)",
                        (size_t)(end - data));
}

static int publication_date(const bm_ingest *ig, const char *data, size_t len,
                            const bm_ingest_opts *o, bm_date *out, bm_ingest_result *r,
                            bm_error *err)
{
    r->published[0] = '\0';
    r->published_from = "none";
    if (o->published) {
        bm_date first, last;
        bm_precision p;
        if (bm_date_parse_iso(o->published, &first, &last, &p, err) != BM_OK ||
            p != BM_PREC_DAY)
            return bm_error_set(err, BM_EINVAL, "--published: '%s' is not a YYYY-MM-DD date",
                                o->published);
        *out = first;
        r->published_from = "option";
    } else if (bm_dates_published(ig->d, data, len, out) == BM_OK) {
        r->published_from = "article";
    } else {
        return BM_ENOTFOUND;
    }
    bm_date_format(*out, r->published);
    return BM_OK;
}

/* ---- Deduplication across articles -------------------------------------- */

typedef struct dedup {
    const bm_incident *inc;
    double km;
    const int64_t *own; /* incidents this article created */
    size_t n_own;
    int64_t found;
    int found_own;
    double best_km;
} dedup;

static int dedup_cb(const bm_incident *c, void *user)
{
    dedup *d = user;
    int same_id = d->inc->place_id[0] && strcmp(c->place_id, d->inc->place_id) == 0;
    double km = bm_distance_km(c->pt, d->inc->pt);
    if (!same_id && km > d->km)
        return 0;
    if (same_id)
        km = 0;
    if (d->found && km >= d->best_km)
        return 0;
    d->found = c->id;
    d->best_km = km;
    d->found_own = 0;
    for (size_t i = 0; i < d->n_own; i++)
        d->found_own |= d->own[i] == c->id;
    return 0;
}

/* The incident of the same type, overlapping dates and (nearly) the same
 * place already in the store, or 0. */
static int find_known(bm_ingest *ig, const bm_incident *inc, double km, const int64_t *own,
                      size_t n_own, int64_t *id, int *is_own)
{
    bm_query q;
    bm_query_init(&q);
    q.has_from = q.has_to = 1;
    q.from = inc->date_start;
    q.to = inc->date_end;
    double dlat = km / 111.0 + 1e-6;
    double coslat = cos(inc->pt.lat * M_PI / 180.0);
    double dlon = km / (111.0 * (coslat > 0.05 ? coslat : 0.05)) + 1e-6;
    q.has_bbox = 1;
    q.west = fmax(-180.0, inc->pt.lon - dlon);
    q.east = fmin(180.0, inc->pt.lon + dlon);
    q.south = fmax(-90.0, inc->pt.lat - dlat);
    q.north = fmin(90.0, inc->pt.lat + dlat);
    const char *types[1] = {inc->type};
    q.types = types;
    q.n_types = 1;
    dedup d = {inc, km, own, n_own, 0, 0, 0};
    int rc = bm_store_query(ig->store, &q, dedup_cb, &d);
    *id = d.found;
    *is_own = d.found_own;
    return rc;
}

/* ---- Storing one article ---------------------------------------------------- */

static int store_fail(bm_ingest *ig, int rc, const char *what, bm_error *err)
{
    return bm_error_set(err, rc, "%s: %s", what, bm_store_errmsg(ig->store));
}

static int add_source(bm_ingest *ig, int64_t incident, int64_t article, const char *data,
                      const bm_extracted *x, bm_error *err)
{
    char *sentence = g_strndup(data + x->sent_start, x->sent_end - x->sent_start);
    bm_source src = {0};
    src.incident_id = incident;
    src.article_id = article;
    src.byte_start = (int64_t)x->sent_start;
    src.byte_end = (int64_t)x->sent_end;
    src.sentence = sentence;
    int rc = bm_store_source_add(ig->store, &src);
    g_free(sentence);
    return rc == BM_OK ? BM_OK : store_fail(ig, rc, "storing a source", err);
}

static int store_incidents(bm_ingest *ig, int64_t article, const char *data,
                           const bm_extraction *ex, double km, bm_ingest_result *r,
                           bm_error *err)
{
    int64_t *own = calloc(ex->n ? ex->n : 1, sizeof *own);
    if (!own)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    size_t n_own = 0;
    int rc = BM_OK;
    for (size_t i = 0; i < ex->n && rc == BM_OK; i++) {
        bm_incident inc = ex->v[i].inc;
        int64_t known = 0;
        int is_own = 0;
        rc = find_known(ig, &inc, km, own, n_own, &known, &is_own);
        if (rc != BM_OK) {
            rc = store_fail(ig, rc, "looking for known incidents", err);
            break;
        }
        if (is_own)
            continue; /* this article already reported it (another sentence) */
        if (known) {
            rc = add_source(ig, known, article, data, &ex->v[i], err);
            r->n_merged += rc == BM_OK;
            continue;
        }
        if ((rc = bm_store_incident_add(ig->store, &inc)) != BM_OK) {
            rc = store_fail(ig, rc, "storing an incident", err);
            break;
        }
        own[n_own++] = inc.id;
        rc = add_source(ig, inc.id, article, data, &ex->v[i], err);
        r->n_new += rc == BM_OK;
    }
    free(own);
    return rc;
}

/* Inside the open transaction: skip, purge, or store the article. */
static int store_article(bm_ingest *ig, const char *name, const char *data,
                         const bm_extraction *ex, const bm_ingest_opts *o, bm_ingest_result *r,
                         bm_error *err)
{
    int64_t id = 0;
    int rc = bm_store_article_find(ig->store, r->sha256, &id);
    if (rc == BM_OK && !o->force) {
        r->status = BM_INGEST_SKIPPED;
        r->article_id = id;
        return BM_OK;
    }
    if (rc == BM_OK) {
        if ((rc = bm_store_article_purge(ig->store, id)) != BM_OK)
            return store_fail(ig, rc, "purging the old extraction", err);
        r->status = BM_INGEST_REPLACED;
    } else if (rc == BM_ENOTFOUND) {
        r->status = BM_INGEST_STORED;
    } else {
        return store_fail(ig, rc, "looking the article up", err);
    }
    bm_article art = {0};
    snprintf(art.sha256, sizeof art.sha256, "%s", r->sha256);
    art.file_name = name;
    art.source = o->source;
    art.url = o->url;
    art.published = r->published[0] ? r->published : NULL;
    art.language = r->language;
    if ((rc = bm_store_article_add(ig->store, &art)) != BM_OK)
        return store_fail(ig, rc, "storing the article", err);
    r->article_id = art.id;
    double km = o->merge_km > 0 ? o->merge_km : DEFAULT_MERGE_KM;
    return store_incidents(ig, art.id, data, ex, km, r, err);
}

int bm_ingest_text(bm_ingest *ig, const char *name, const char *data, size_t len,
                   const bm_ingest_opts *opts, bm_ingest_result *r, bm_error *err)
{
    bm_ingest_opts defaults;
    bm_ingest_opts_init(&defaults);
    const bm_ingest_opts *o = opts ? opts : &defaults;
    memset(r, 0, sizeof *r);
    r->published_from = "none";
    if (!ig || !data)
        return bm_error_set(err, BM_EINVAL, "ingest: no handle or text");
    int rc = check_utf8(data, len, err);
    if (rc != BM_OK)
        return rc;
    gchar *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
    if (!sum)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    snprintf(r->sha256, sizeof r->sha256, "%s", sum);
    g_free(sum);
    snprintf(r->language, sizeof r->language, "%s", bm_detect_language(data, len));
    bm_date pub;
    rc = publication_date(ig, data, len, o, &pub, r, err);
    if (rc != BM_OK && rc != BM_ENOTFOUND)
        return rc;
    const bm_date *pubp = rc == BM_OK ? &pub : NULL;

    /* An unchanged article costs one lookup; the transaction re-checks. */
    int64_t known = 0;
    if (!o->force && bm_store_article_find(ig->store, r->sha256, &known) == BM_OK) {
        r->status = BM_INGEST_SKIPPED;
        r->article_id = known;
        return BM_OK;
    }
    /* Extraction reads no database: do it before the write lock is taken. */
    bm_extraction ex = {0};
    if ((rc = bm_extract(ig->x, data, len, pubp, &ex, err)) != BM_OK)
        return rc;
    r->n_unresolved = ex.n_unresolved;
    if ((rc = bm_store_begin(ig->store)) != BM_OK) {
        bm_extraction_free(&ex);
        return store_fail(ig, rc, "starting the transaction", err);
    }
    rc = store_article(ig, name, data, &ex, o, r, err);
    bm_extraction_free(&ex);
    if (rc == BM_OK && (rc = bm_store_commit(ig->store)) != BM_OK)
        rc = store_fail(ig, rc, "committing", err);
    if (rc != BM_OK) {
        bm_store_rollback(ig->store);
        r->n_new = r->n_merged = 0;
    }
    return rc;
}

int bm_ingest_file(bm_ingest *ig, const char *path, const bm_ingest_opts *o,
                   bm_ingest_result *r, bm_error *err)
{
    char *data = NULL;
    size_t len = 0;
    memset(r, 0, sizeof *r);
    r->published_from = "none";
    int rc = bm_read_file(path, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    rc = bm_ingest_text(ig, strcmp(path, "-") ? path : "(stdin)", data, len, o, r, err);
    free(data);
    return rc;
}
