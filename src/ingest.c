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

#include "bordermap/actors.h"
#include "bordermap/fileio.h"
#include "digest_private.h"
#include "identity.h"
#include "ingest_private.h"
#include "segment_private.h"
#include "store_private.h"

#define DEFAULT_MERGE_KM 10.0

/* The store's page cache while an ingest handle lives. Each article is a
 * small transaction of a dozen pages: a cache that holds the hot index pages
 * is enough, and the store's own settings (a 128 MB cache and a 1 GB file
 * mapping, for bulk loads and scans) made an ingest's memory grow with the
 * database (193 MB at 100k articles) and, mapped, cost twice the time at
 * 100k articles as every checkpoint grew the file under the mapping. */
#define INGEST_CACHE_KIB 8192

struct bm_ingest {
    bm_store *store;
    size_t batch;        /* articles per commit (1: each its own transaction) */
    size_t in_batch;     /* articles in the open batch */
    int batch_open;      /* an outer transaction is open */
    bm_gazetteer *own_g; /* loaded by bm_ingest_new, else NULL */
    bm_dates *own_d;
    const bm_gazetteer *g;
    const bm_dates *d;
    bm_extractor *x;
    sqlite3_stmt *key_st; /* identity.c's key insert, cached across articles */
    bm_actors *actors;
    bm__extract_ws *ws;  /* the caller's thread's workspace (bm_ingest_text) */
    bm__store_lean lean; /* the store's settings to put back */
};

void bm_ingest_opts_init(bm_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->merge_km = DEFAULT_MERGE_KM;
    o->max_bytes = BM_INGEST_MAX_BYTES;
}

int bm_ingest_new_with(bm_store *store, const bm_gazetteer *g, const bm_dates *d, bm_ingest **out,
                       bm_error *err)
{
    *out = NULL;
    if (!store || !g || !d)
        return bm_error_set(err, BM_EINVAL, "ingest: store, gazetteer and dates needed");
    bm_ingest *ig = calloc(1, sizeof *ig);
    if (!ig)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    ig->store = store;
    ig->batch = 1;
    /* --batch may insert thousands of incidents in one transaction, and the
     * duplicate lookup reads them back through the date index. */
    bm__store_keep_indexes(store);
    ig->g = g;
    ig->d = d;
    int rc = bm_extractor_new(g, d, &ig->x, err);
    if (rc == BM_OK && (rc = bm_actors_load(NULL, &ig->actors, err)) != BM_OK)
        bm_extractor_free(ig->x);
    if (rc != BM_OK) {
        free(ig);
        return rc;
    }
    /* Every incident ingest writes goes through bm_store_incident_add/update. */
    bm__store_trust_checks(store, 1);
    bm__store_lean_begin(store, INGEST_CACHE_KIB, &ig->lean);
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

int bm_ingest_set_batch(bm_ingest *ig, size_t n, bm_error *err)
{
    if (!ig)
        return bm_error_set(err, BM_EINVAL, "ingest: no handle");
    int rc = bm_ingest_flush(ig, err);
    ig->batch = n ? n : 1;
    return rc;
}

int bm_ingest_flush(bm_ingest *ig, bm_error *err)
{
    if (!ig || !ig->batch_open)
        return BM_OK;
    ig->batch_open = 0;
    ig->in_batch = 0;
    int rc = bm_store_commit(ig->store);
    if (rc != BM_OK) {
        bm_store_rollback(ig->store);
        return bm_error_set(err, rc, "committing the batch: %s", bm_store_errmsg(ig->store));
    }
    return BM_OK;
}

void bm_ingest_free(bm_ingest *ig)
{
    if (!ig)
        return;
    bm_ingest_flush(ig, NULL);
    bm__store_lean_end(&ig->lean);
    bm__store_trust_checks(ig->store, 0);
    sqlite3_finalize(ig->key_st);
    bm__extract_ws_free(ig->ws);
    bm_extractor_free(ig->x);
    bm_actors_free(ig->actors);
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

/* True when the text is nothing but a BOM and white space: a file that was
 * truncated, a closed stdin, or a wrong path; storing it would count it as
 * read. */
static int is_empty_text(const char *data, size_t len)
{
    size_t i = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    for (; i < len; i++)
        if (!strchr(" \t\r\n\f\v", data[i]) || !data[i])
            return 0;
    return 1;
}

static int check_size(size_t len, const bm_ingest_opts *o, bm_error *err)
{
    if (o->max_bytes && len > o->max_bytes)
        return bm_error_set(err, BM_EINVAL,
                            "%zu bytes is over the article size limit of %zu bytes "
                            "(raise it with --max-bytes)",
                            len, o->max_bytes);
    return BM_OK;
}

/* ---- Extraction of long articles ------------------------------------------ */

/* Longer texts are extracted block by block: the tokens, annotations and
 * candidates of extraction take ~25 bytes per byte of text, so one pass over
 * a 4 MB article would need ~100 MB. Blocks are cut at paragraph breaks,
 * which no sentence crosses; real articles fit in one block. */
#define EXTRACT_BLOCK (256 * 1024)

static int append_block(bm_extraction *all, bm_extraction *part, size_t base)
{
    if (part->n) {
        bm_extracted *v = realloc(all->v, (all->n + part->n) * sizeof *v);
        if (!v)
            return BM_ENOMEM;
        all->v = v;
        for (size_t i = 0; i < part->n; i++) {
            bm_extracted x = part->v[i];
            x.sent_start += base, x.sent_end += base;
            x.trig_start += base, x.trig_end += base;
            all->v[all->n++] = x;
        }
    }
    all->n_sentences += part->n_sentences;
    all->n_unresolved += part->n_unresolved;
    return BM_OK;
}

/* lang: bm_detect_language() of the whole text (read once per article). */
static int extract_blocks(const bm_ingest *ig, bm__extract_ws *ws, const char *data, size_t len,
                          const bm_tokens *tok, const char *lang, const bm_date *pub,
                          bm_extraction *out, bm_error *err)
{
    if (len <= EXTRACT_BLOCK)
        return bm__extract_tokens_ws(ig->x, ws, data, len, tok, lang, pub, out, err);
    memset(out, 0, sizeof *out);
    snprintf(out->language, sizeof out->language, "%s", lang);
    char *block = malloc(EXTRACT_BLOCK + 1);
    if (!block)
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    int rc = BM_OK;
    for (size_t off = 0; off < len && rc == BM_OK;) {
        size_t n =
            len - off > EXTRACT_BLOCK ? bm__paragraph_cut(data + off, EXTRACT_BLOCK) : len - off;
        memcpy(block, data + off, n);
        block[n] = '\0';
        bm_extraction part = {0};
        rc = bm__extract_tokens_ws(ig->x, ws, block, n, NULL, NULL, pub, &part, err);
        if (rc == BM_OK && append_block(out, &part, off) != BM_OK)
            rc = bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
        bm_extraction_free(&part);
        off += n;
    }
    free(block);
    if (rc != BM_OK)
        bm_extraction_free(out);
    return rc;
}

/* An article states its own date near the top: the date line or the
 * dateline. Reading only the head keeps long articles cheap. */
#define HEAD_BYTES 4096

static size_t head_len(const char *data, size_t len)
{
    if (len <= HEAD_BYTES)
        return len;
    size_t n = HEAD_BYTES;
    while (n > 0 && ((unsigned char)data[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* The tokens of the head: those of the whole text that end inside it (a
 * borrowed view, nothing copied). */
static bm_tokens head_tokens(const bm_tokens *all, size_t head)
{
    bm_tokens t = *all;
    size_t lo = 0, hi = all->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (all->v[mid].end <= head)
            lo = mid + 1;
        else
            hi = mid;
    }
    t.n = lo;
    return t;
}

/* dc: the classification of tok (or NULL), read for the head's tokens. */
static int published_in_head(const bm_ingest *ig, const char *data, size_t head,
                             const bm_tokens *tok, bm__dates_cls *dc, bm_date *out)
{
    if (!tok)
        return bm_dates_published(ig->d, data, head, out);
    bm_tokens ht = head_tokens(tok, head);
    /* A word cut by the 4 KB bound is left out whole: the head ends where it
     * starts, so the text's own tokens serve (a half word tokenised on its
     * own is no word of the article, and tokenising the head again cost a
     * tenth of an ingest). */
    if (ht.n < tok->n && tok->v[ht.n].start < head)
        head = tok->v[ht.n].start;
    bm_dates_opts o;
    bm_dates_opts_init(&o);
    o.tokens = &ht;
    if (bm__dates_cls_holds(dc, tok))
        return bm__dates_published_cls(ig->d, data, head, &o, dc, out, NULL);
    return bm_dates_published_opts(ig->d, data, head, &o, out, NULL);
}

/* tok: the tokens of the whole text, or NULL (the head is tokenised); dc
 * their date classification, or NULL. */
static int publication_date(const bm_ingest *ig, const char *data, size_t len, const bm_tokens *tok,
                            bm__dates_cls *dc, const bm_ingest_opts *o, bm_date *out,
                            bm_ingest_result *r, bm_error *err)
{
    r->published[0] = '\0';
    r->published_from = "none";
    if (o->published) {
        bm_date first, last;
        bm_precision p;
        if (bm_date_parse_iso(o->published, &first, &last, &p, err) != BM_OK || p != BM_PREC_DAY)
            return bm_error_set(err, BM_EINVAL, "--published: '%s' is not a YYYY-MM-DD date",
                                o->published);
        *out = first;
        r->published_from = "option";
    } else if (published_in_head(ig, data, head_len(data, len), tok, dc, out) == BM_OK) {
        r->published_from = "article";
    } else {
        return BM_ENOTFOUND;
    }
    bm_date_format(*out, r->published);
    return BM_OK;
}

/* ---- Deduplication across articles -------------------------------------- */

/* Incidents already stored that an article's incidents could repeat. One
 * query per article (the union of their boxes, dates and types) replaces one
 * per incident: statement preparation is most of a query's cost. */
typedef struct known_inc {
    int64_t id;
    char type[16];
    char place_id[64];
    bm_lonlat pt;
    bm_date start, end;
    bm_precision prec;
    int own; /* the article being stored is already one of its sources */
} known_inc;

typedef struct known_set {
    known_inc *v;
    size_t n, cap;
} known_set;

/* Beyond these spans one union query would drag in too much: query each
 * incident on its own. */
#define UNION_MAX_DAYS 92
#define UNION_MAX_DEG 4.0

static int known_add(known_set *k, const bm_incident *c, int own)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 16;
        known_inc *v = realloc(k->v, nc * sizeof *v);
        if (!v)
            return BM_ENOMEM;
        k->v = v;
        k->cap = nc;
    }
    known_inc *x = &k->v[k->n++];
    x->id = c->id;
    snprintf(x->type, sizeof x->type, "%s", c->type);
    snprintf(x->place_id, sizeof x->place_id, "%s", c->place_id);
    x->pt = c->pt;
    x->start = c->date_start;
    x->end = c->date_end;
    x->prec = c->date_precision;
    x->own = own;
    return BM_OK;
}

static void box_around(bm_lonlat pt, double km, double *w, double *s, double *e, double *n)
{
    double dlat = km / 111.0 + 1e-6;
    double coslat = cos(pt.lat * M_PI / 180.0);
    double dlon = km / (111.0 * (coslat > 0.05 ? coslat : 0.05)) + 1e-6;
    *w = fmax(-180.0, pt.lon - dlon);
    *e = fmin(180.0, pt.lon + dlon);
    *s = fmax(-90.0, pt.lat - dlat);
    *n = fmin(90.0, pt.lat + dlat);
}

/* The incidents v[0..n) would have found with the box, date and type
 * queries this lookup replaces: near (within km of the query box), dates
 * overlapping, same type. Kept so that the faster key lookup stores exactly
 * what the earlier queries stored. */
typedef struct key_scope {
    const bm_extracted *v;
    size_t n;
    double km;
    int narrow; /* one query box: the union of every incident's */
    double w, s, e, no;
    known_set *k;
} key_scope;

static int in_box(bm_lonlat pt, double w, double s, double e, double n)
{
    return pt.lon >= w && pt.lon <= e && pt.lat >= s && pt.lat <= n;
}

static int in_scope(const key_scope *sc, const bm_incident *c)
{
    if (sc->narrow)
        return in_box(c->pt, sc->w, sc->s, sc->e, sc->no);
    for (size_t j = 0; j < sc->n; j++) {
        const bm_incident *q = &sc->v[j].inc;
        double w, s, e, no;
        box_around(q->pt, sc->km, &w, &s, &e, &no);
        if (strcmp(q->type, c->type) == 0 && in_box(c->pt, w, s, e, no) &&
            bm_date_cmp(c->date_start, q->date_end) <= 0 &&
            bm_date_cmp(c->date_end, q->date_start) >= 0)
            return 1;
    }
    return 0;
}

static int scoped_cb(const bm_incident *c, void *user)
{
    const key_scope *sc = user;
    if (!in_scope(sc, c))
        return 0;
    for (size_t i = 0; i < sc->k->n; i++)
        if (sc->k->v[i].id == c->id)
            return 0;
    return known_add(sc->k, c, 0);
}

static int same_key(const bm_incident *a, const bm_incident *b)
{
    return strcmp(a->type, b->type) == 0 && a->date_precision == b->date_precision &&
           bm_date_cmp(a->date_start, b->date_start) == 0 &&
           bm_date_cmp(a->date_end, b->date_end) == 0 && strcmp(a->place_id, b->place_id) == 0;
}

/* Stored incidents an incident of the article could repeat: those with its
 * merge key (type, dates, precision, place id), one prepared lookup per
 * distinct key. Coordinate-only incidents share the key "" and are told
 * apart by grid cell in match_known. */
static int load_known(bm_ingest *ig, const bm_extraction *ex, double km, known_set *k)
{
    if (ex->n == 0)
        return BM_OK;
    key_scope sc = {ex->v, ex->n, km, 0, 180, 90, -180, -90, k};
    double w = 180, s = 90, e = -180, no = -90;
    bm_date from = ex->v[0].inc.date_start, to = ex->v[0].inc.date_end;
    for (size_t i = 0; i < ex->n; i++) {
        const bm_incident *inc = &ex->v[i].inc;
        w = fmin(w, inc->pt.lon), e = fmax(e, inc->pt.lon);
        s = fmin(s, inc->pt.lat), no = fmax(no, inc->pt.lat);
        if (bm_date_cmp(inc->date_start, from) < 0)
            from = inc->date_start;
        if (bm_date_cmp(inc->date_end, to) > 0)
            to = inc->date_end;
        double bw, bs, be, bn;
        box_around(inc->pt, km, &bw, &bs, &be, &bn);
        sc.w = fmin(sc.w, bw), sc.s = fmin(sc.s, bs);
        sc.e = fmax(sc.e, be), sc.no = fmax(sc.no, bn);
    }
    sc.narrow = bm_date_to_days(to) - bm_date_to_days(from) <= UNION_MAX_DAYS &&
                e - w <= UNION_MAX_DEG && no - s <= UNION_MAX_DEG;
    for (size_t i = 0; i < ex->n; i++) {
        size_t j = 0;
        while (j < i && !same_key(&ex->v[j].inc, &ex->v[i].inc))
            j++;
        if (j < i)
            continue; /* that key was looked up already */
        int rc = bm__store_incidents_by_key(ig->store, &ex->v[i].inc, scoped_cb, &sc);
        if (rc != BM_OK)
            return rc;
    }
    return BM_OK;
}

/* Deduplication must not depend on the order articles arrive in (two
 * concurrent ingests of one archive, or the same files in another order,
 * must give the same incidents). A "near and overlapping" test is not an
 * equivalence (A~B and B~C without A~C), so any greedy use of it makes the
 * result depend on who came first: the first report fixes where and when the
 * incident is, and later ones are judged against it. The merge key therefore
 * is an equivalence computed from the report alone:
 *   type, date_start, date_end, date precision, and the place: the gazetteer
 *   id, or (coordinates only) the merge_km grid cell of the point.
 * Reports with equal keys are one incident, whatever the order; each article
 * is a source of an incident once, through its first sentence reporting it
 * (text order). Under the write lock the key lookup sees every committed
 * article, so concurrent writers reach the same set as a sequential run. If
 * a database already holds several incidents with one key (older greedy
 * merges, manual entries), the lowest id is the canonical target. */
static int same_place(const known_inc *c, const bm_incident *inc, double km)
{
    if (inc->place_id[0] || c->place_id[0])
        return strcmp(c->place_id, inc->place_id) == 0;
    double cell = km / 111.0; /* degrees */
    return floor(c->pt.lon / cell) == floor(inc->pt.lon / cell) &&
           floor(c->pt.lat / cell) == floor(inc->pt.lat / cell);
}

static const known_inc *match_known(const known_set *k, const bm_incident *inc, double km)
{
    const known_inc *best = NULL;
    for (size_t i = 0; i < k->n; i++) {
        const known_inc *c = &k->v[i];
        if (strcmp(c->type, inc->type) != 0 || c->prec != inc->date_precision ||
            bm_date_cmp(c->start, inc->date_start) != 0 ||
            bm_date_cmp(c->end, inc->date_end) != 0 || !same_place(c, inc, km))
            continue;
        if (!best || c->id < best->id)
            best = c;
    }
    return best;
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

/* Actors are read from a new incident's own sentence, after extraction, so
 * the extractor stays unaware of them (a merged one keeps its first). */
static int set_actors(const bm_ingest *ig, const char *data, const bm_extracted *x,
                      bm_incident *inc, bm_error *err)
{
    bm_actor_pair p;
    int rc = bm_actors_find(ig->actors, data + x->sent_start, x->sent_end - x->sent_start,
                            inc->date_start, &p, err);
    if (rc != BM_OK)
        return rc;
    snprintf(inc->actor1, sizeof inc->actor1, "%s", p.actor1);
    snprintf(inc->actor2, sizeof inc->actor2, "%s", p.actor2);
    inc->inter1 = p.inter1;
    inc->inter2 = p.inter2;
    return BM_OK;
}

/* An incident re-extraction found again (ingest --force): same id, its
 * fields refreshed unless an analyst corrected it, one more source. */
static int store_claimed(bm_ingest *ig, bm__reingest *re, int64_t id, int64_t article,
                         const char *data, const bm_extracted *x, known_set *k, bm_ingest_result *r,
                         bm_error *err)
{
    bm_incident inc = x->inc;
    int rc = set_actors(ig, data, x, &inc, err);
    if (rc == BM_OK)
        rc = bm__reingest_refresh(ig->store, re, id, &inc, err);
    inc.id = id;
    if (rc == BM_OK && known_add(k, &inc, 1) != BM_OK)
        rc = bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    if (rc == BM_OK)
        rc = add_source(ig, id, article, data, x, err);
    r->n_kept += rc == BM_OK;
    return rc;
}

static int store_incidents(bm_ingest *ig, const bm_article *art, const char *data,
                           const bm_extraction *ex, double km, bm__reingest *re,
                           bm_ingest_result *r, bm_error *err)
{
    known_set k = {0};
    bm__ikey *keys = NULL;
    int64_t *claims = NULL;
    int rc = load_known(ig, ex, km, &k);
    if (rc != BM_OK) {
        free(k.v);
        return rc == BM_ENOMEM ? bm_error_set(err, rc, "ingest: out of memory")
                               : store_fail(ig, rc, "looking for known incidents", err);
    }
    rc = bm__identity_keys(ex, &keys, err);
    if (rc == BM_OK && re)
        rc = bm__reingest_claim(re, keys, ex->n, &claims, err);
    for (size_t i = 0; i < ex->n && rc == BM_OK; i++) {
        int64_t linked = 0;
        if (claims && claims[i] < 0)
            continue; /* an analyst deleted it: it stays deleted */
        if (claims && claims[i]) {
            linked = claims[i];
            rc = store_claimed(ig, re, linked, art->id, data, &ex->v[i], &k, r, err);
            if (rc == BM_OK)
                rc =
                    bm__identity_record(ig->store, &ig->key_st, art->sha256, &keys[i], linked, err);
            continue;
        }
        bm_incident inc = ex->v[i].inc;
        known_inc *known = (known_inc *)match_known(&k, &inc, km);
        if (known && known->own)
            continue; /* this article already reported it (another sentence) */
        if (known) {
            linked = known->id;
            rc = add_source(ig, known->id, art->id, data, &ex->v[i], err);
            known->own = 1;
            r->n_merged += rc == BM_OK;
        } else if ((rc = set_actors(ig, data, &ex->v[i], &inc, err)) != BM_OK) {
            break; /* err says why */
        } else if ((rc = bm_store_incident_add(ig->store, &inc)) != BM_OK) {
            rc = store_fail(ig, rc, "storing an incident", err);
        } else if ((rc = known_add(&k, &inc, 1)) != BM_OK) {
            rc = bm_error_set(err, rc, "ingest: out of memory");
        } else {
            linked = inc.id;
            rc = add_source(ig, inc.id, art->id, data, &ex->v[i], err);
            r->n_new += rc == BM_OK;
        }
        if (rc == BM_OK)
            rc = bm__identity_record(ig->store, &ig->key_st, art->sha256, &keys[i], linked, err);
    }
    free(claims);
    free(keys);
    free(k.v);
    return rc;
}

/* Inside the open transaction: skip, re-extract, or store the article. A
 * re-extraction finds the article's incidents again by their identity
 * (identity.c) instead of deleting them, so ids and corrections last. */
static int store_article(bm_ingest *ig, const char *name, const char *data, const bm_extraction *ex,
                         const bm_ingest_opts *o, bm_ingest_result *r, bm_error *err)
{
    int64_t id = 0;
    int rc = bm_store_article_find(ig->store, r->sha256, &id);
    if (rc == BM_OK && !o->force) {
        r->status = BM_INGEST_SKIPPED;
        r->article_id = id;
        return BM_OK;
    }
    bm__reingest *re = NULL;
    if (rc == BM_OK) {
        if ((rc = bm__reingest_begin(ig->store, id, r->sha256, &re, err)) != BM_OK) {
            bm__reingest_free(re);
            return rc;
        }
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
    if ((rc = bm_store_article_add(ig->store, &art)) != BM_OK) {
        bm__reingest_free(re);
        return store_fail(ig, rc, "storing the article", err);
    }
    r->article_id = art.id;
    double km = o->merge_km > 0 ? o->merge_km : DEFAULT_MERGE_KM;
    rc = store_incidents(ig, &art, data, ex, km, re, r, err);
    if (rc == BM_OK && re)
        rc = bm__reingest_finish(ig->store, re, name, err);
    bm__reingest_free(re);
    return rc;
}

/* ---- The two halves: preparing (no database) and storing ---------------- */

static int store_lookup(void *user, const char *sha256, int64_t *id)
{
    return bm_store_article_find(user, sha256, id);
}

void bm__prepared_free(bm__prepared *p)
{
    bm_extraction_free(&p->ex);
    memset(&p->ex, 0, sizeof p->ex);
}

/* Everything of bm_ingest_text that reads no database but `lookup`: checks,
 * digest, language, publication date, extraction. The text is tokenised
 * once for the date and the extraction. */
bm__extract_ws *bm__ingest_ws_new(const bm_ingest *ig)
{
    bm__extract_ws *ws = NULL;
    return bm__extract_ws_new(ig->g, &ws, NULL) == BM_OK ? ws : NULL;
}

int bm__ingest_prepare(const bm_ingest *ig, bm__extract_ws *ws, const char *data, size_t len,
                       const bm_ingest_opts *o, bm__lookup_fn lookup, void *lookup_user,
                       bm__prepared *p, bm_error *err)
{
    memset(p, 0, sizeof *p);
    bm_ingest_result *r = &p->r;
    r->published_from = "none";
    int rc = check_size(len, o, err);
    if (rc == BM_OK)
        rc = check_utf8(data, len, err);
    if (rc != BM_OK)
        return rc;
    if (is_empty_text(data, len))
        return bm_error_set(err, BM_EPARSE, "empty article (no text)");
    _Static_assert(sizeof r->sha256 >= 65, "room for a hex SHA-256");
    if (bm__sha256_hex(data, len, r->sha256))
        return bm_error_set(err, BM_ENOMEM, "ingest: out of memory");
    snprintf(r->language, sizeof r->language, "%s", bm_detect_language(data, len));
    /* An unchanged article costs one lookup (and its date, for the report);
     * the writer's transaction re-checks. */
    int64_t known = 0;
    if (!o->force && lookup && lookup(lookup_user, r->sha256, &known) == BM_OK) {
        rc = publication_date(ig, data, len, NULL, NULL, o, &p->pub, r, err);
        if (rc != BM_OK && rc != BM_ENOTFOUND)
            return rc;
        p->skip = 1;
        r->status = BM_INGEST_SKIPPED;
        r->article_id = known;
        return BM_OK;
    }
    bm_tokens tok = {0};
    const bm_tokens *tp = NULL;
    bm__dates_cls *dc = NULL;
    if (len <= EXTRACT_BLOCK) {
        if ((rc = bm_tokenize(data, len, &tok, err)) != BM_OK)
            return rc;
        tp = &tok;
        /* The date lexicon's view of every token, made once: the
         * publication date reads its head, the extraction all of it. */
        dc = bm__extract_ws_dates(ws);
        if (dc) /* on failure dc holds nothing */
            bm__dates_classify(ig->d, tp, bm__extract_ws_hashes(ws, tp), dc);
    }
    rc = publication_date(ig, data, len, tp, dc, o, &p->pub, r, err);
    if (rc == BM_OK || rc == BM_ENOTFOUND) {
        p->has_pub = rc == BM_OK;
        rc = extract_blocks(ig, ws, data, len, tp, r->language, p->has_pub ? &p->pub : NULL, &p->ex,
                            err);
    }
    bm__dates_cls_forget(dc);
    bm__extract_ws_forget_hashes(ws);
    bm_tokens_free(&tok);
    if (rc != BM_OK)
        return rc;
    r->n_unresolved = p->ex.n_unresolved;
    return BM_OK;
}

/* The writer's half: the article's transaction (a savepoint in a batch). */
int bm__ingest_store(bm_ingest *ig, const char *name, const char *data, bm__prepared *p,
                     const bm_ingest_opts *o, bm_ingest_result *r, bm_error *err)
{
    *r = p->r;
    if (p->skip)
        return BM_OK;
    int rc;
    /* In batch mode an outer transaction spans several articles and each
     * article is a savepoint inside it: still all or nothing. */
    if (ig->batch > 1 && !ig->batch_open) {
        if ((rc = bm_store_begin(ig->store)) != BM_OK)
            return store_fail(ig, rc, "starting the batch", err);
        ig->batch_open = 1;
    }
    if ((rc = bm_store_begin(ig->store)) != BM_OK)
        return store_fail(ig, rc, "starting the transaction", err);
    rc = store_article(ig, name, data, &p->ex, o, r, err);
    if (r->status == BM_INGEST_SKIPPED)
        r->n_unresolved = 0; /* stored already: nothing of it was left out */
    if (rc == BM_OK && (rc = bm_store_commit(ig->store)) != BM_OK)
        rc = store_fail(ig, rc, "committing", err);
    if (rc != BM_OK) {
        bm_store_rollback(ig->store);
        r->n_new = r->n_merged = r->n_kept = 0;
        return rc;
    }
    if (ig->batch_open && ++ig->in_batch >= ig->batch)
        rc = bm_ingest_flush(ig, err);
    return rc;
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
    if (!ig->ws)
        ig->ws = bm__ingest_ws_new(ig); /* NULL: one per article */
    bm__prepared p;
    int rc = bm__ingest_prepare(ig, ig->ws, data, len, o, store_lookup, ig->store, &p, err);
    if (rc == BM_OK)
        rc = bm__ingest_store(ig, name, data, &p, o, r, err);
    else
        r->published_from = p.r.published_from;
    bm__prepared_free(&p);
    return rc;
}

int bm__ingest_read(const char *path, const bm_ingest_opts *o, char **data, size_t *len,
                    bm_error *err)
{
    bm_ingest_opts defaults;
    bm_ingest_opts_init(&defaults);
    int rc = bm_read_file_max(path, (o ? o : &defaults)->max_bytes, data, len, err);
    if (rc == BM_EINVAL && err) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return bm_error_set(err, rc, "%s (raise it with --max-bytes)", why);
    }
    return rc;
}

int bm_ingest_file(bm_ingest *ig, const char *path, const bm_ingest_opts *o, bm_ingest_result *r,
                   bm_error *err)
{
    char *data = NULL;
    size_t len = 0;
    memset(r, 0, sizeof *r);
    r->published_from = "none";
    int rc = bm__ingest_read(path, o, &data, &len, err);
    if (rc != BM_OK)
        return rc;
    rc = bm_ingest_text(ig, bm__ingest_name(path), data, len, o, r, err);
    free(data);
    return rc;
}

const char *bm__ingest_name(const char *path)
{
    return strcmp(path, "-") ? path : "(stdin)";
}

bm_store *bm__ingest_store_handle(const bm_ingest *ig)
{
    return ig->store;
}
