/* gazimport.c: writes gazetteer rows (from WOF records or the project's TSV
 * format) into the store as places and names, merging a row that is a place
 * the gazetteer already has (the gn: concordance, or the same name within
 * 5 km of a curated row) instead of adding a second one, skipping rows that
 * did not change since the last import, and moving incidents off places WOF
 * has superseded.
 * Must never open or commit a transaction itself (the caller's one
 * transaction covers the whole import) and never touch a curated row. */
#include "bordermap/gazimport.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gazetteer_private.h"

/* ---- Origin of a place ------------------------------------------------------------ */

const char *bm_gazetteer_origin(const bm_gplace *p)
{
    const char *s = p && p->source ? p->source : "";
    if (!strncmp(s, "wof:", 4))
        return "wof";
    if (!strncmp(s, "geonames", 8) || !strncmp(s, "gn:", 3))
        return "geonames";
    if (!strcmp(s, "curated") || !strcmp(s, "ne"))
        return "curated";
    return "user";
}

/* ---- TSV rows ------------------------------------------------------------------------ */

enum { T_ID, T_EN, T_AR, T_KIND, T_COUNTRY, T_ADMIN1, T_LAT, T_LON, T_POP, T_AL_EN, T_AL_AR,
       T_SOURCE, T_N };
static const char *const tsv_cols[T_N] = {"id",        "name_en",    "name_ar",    "kind",
                                          "country",   "admin1",     "lat",        "lon",
                                          "population", "aliases_en", "aliases_ar", "source"};

static int parse_coord(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* A slug id the gazetteer accepts: [a-z0-9-], 1..63 bytes. */
static int valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
            return 0;
    return 1;
}

static const char *dash_empty(const char *s)
{
    return strcmp(s, "-") ? s : "";
}

static int tsv_row(char **f, int nf, const int *col, const char *name, int line, bm_gz_row *row,
                   bm_error *err)
{
    memset(row, 0, sizeof *row);
    const char *id = bm__gz_field(f, nf, col[T_ID]);
    if (!valid_id(id))
        return bm_error_set(err, BM_EPARSE, "%s:%d: bad id '%.64s' (want [a-z0-9-])", name, line,
                            id);
    const char *kind = bm__gz_field(f, nf, col[T_KIND]);
    if (!bm__gz_kind_bit(kind))
        return bm_error_set(err, BM_EPARSE, "%s:%d: %s: unknown kind '%.32s'", name, line, id,
                            kind);
    if (parse_coord(bm__gz_field(f, nf, col[T_LAT]), -90, 90, &row->lat) ||
        parse_coord(bm__gz_field(f, nf, col[T_LON]), -180, 180, &row->lon))
        return bm_error_set(err, BM_EPARSE, "%s:%d: %s: bad coordinates", name, line, id);
    snprintf(row->id, sizeof row->id, "%s", id);
    snprintf(row->name_en, sizeof row->name_en, "%s", dash_empty(bm__gz_field(f, nf, col[T_EN])));
    snprintf(row->name_ar, sizeof row->name_ar, "%s", dash_empty(bm__gz_field(f, nf, col[T_AR])));
    if (!row->name_en[0] && !row->name_ar[0])
        return bm_error_set(err, BM_EPARSE, "%s:%d: %s: no name", name, line, id);
    snprintf(row->kind, sizeof row->kind, "%s", kind);
    const char *cc = bm__gz_field(f, nf, col[T_COUNTRY]);
    snprintf(row->country, sizeof row->country, "%.2s", cc);
    snprintf(row->admin1, sizeof row->admin1, "%s", bm__gz_field(f, nf, col[T_ADMIN1]));
    const char *pop = bm__gz_field(f, nf, col[T_POP]);
    row->population = strcmp(pop, "-") ? strtoll(pop, NULL, 10) : -1;
    if (row->population <= 0)
        row->population = -1;
    /* another team's "curated" is a user row here: only this project's
     * files are curated */
    const char *src = bm__gz_field(f, nf, col[T_SOURCE]);
    if (!strncmp(src, "wof:", 4) || !strncmp(src, "geonames:", 9) || !strncmp(src, "gn:", 3))
        snprintf(row->source, sizeof row->source, "%s", src);
    else
        snprintf(row->source, sizeof row->source, "user%s%.80s", strcmp(src, "-") ? ":" : "",
                 strcmp(src, "-") ? src : "");
    row->aliases_en = strdup(dash_empty(bm__gz_field(f, nf, col[T_AL_EN])));
    row->aliases_ar = strdup(dash_empty(bm__gz_field(f, nf, col[T_AL_AR])));
    if (!row->aliases_en || !row->aliases_ar)
        return bm_error_set(err, BM_ENOMEM, "%s:%d: out of memory", name, line);
    return BM_OK;
}

int bm_gz_tsv_parse(const char *data, size_t len, const char *name, bm_gz_row_cb cb, void *user,
                    bm_error *err)
{
    gz_tsv t;
    memset(&t, 0, sizeof t);
    t.path = name;
    t.data = malloc(len + 1);
    if (!t.data)
        return bm_error_set(err, BM_ENOMEM, "%s: out of memory", name);
    memcpy(t.data, data, len);
    t.data[len] = '\0';
    t.len = len;
    char *hdr[TSV_MAX_FIELDS];
    int nh = bm__gz_tsv_next(&t, hdr), col[T_N], rc = BM_OK;
    for (int i = 0; i < T_N && rc == BM_OK; i++) {
        col[i] = nh > 0 ? bm__gz_col(hdr, nh, tsv_cols[i]) : -1;
        int optional = i == T_POP || i == T_AL_EN || i == T_AL_AR || i == T_SOURCE ||
                       i == T_ADMIN1;
        if (col[i] < 0 && !optional)
            rc = bm_error_set(err, BM_EPARSE, "%s: header lacks column '%s'", name, tsv_cols[i]);
    }
    char *f[TSV_MAX_FIELDS];
    int nf;
    while (rc == BM_OK && (nf = bm__gz_tsv_next(&t, f)) > 0) {
        bm_gz_row row;
        rc = tsv_row(f, nf, col, name, t.line, &row, err);
        if (rc == BM_OK)
            rc = cb(&row, user);
        bm_gz_row_clear(&row);
    }
    free(t.data);
    return rc;
}

/* ---- The import session ------------------------------------------------------------------ */

typedef struct succession {
    int64_t old_id, new_id;
} succession;

struct bm_gz_import {
    bm_store *store;
    const bm_gazetteer *g;
    bm_gz_import_counts c;
    succession *succ;
    size_t n_succ, cap_succ;
    int64_t *store_gn; /* sorted geonameids of gn-<id> places already in the store */
    size_t n_gn, cap_gn;
};

static int note_gn(const bm_place *p, void *user)
{
    bm_gz_import *im = user;
    if (strncmp(p->id, "gn-", 3) != 0)
        return 0;
    if (bm__gz_grow((void **)&im->store_gn, &im->cap_gn, im->n_gn + 1, sizeof *im->store_gn))
        return BM_ENOMEM;
    im->store_gn[im->n_gn++] = strtoll(p->id + 3, NULL, 10);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int bm_gz_import_new(bm_store *store, const bm_gazetteer *g, bm_gz_import **out, bm_error *err)
{
    *out = NULL;
    bm_gz_import *im = calloc(1, sizeof *im);
    if (!im)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    im->store = store;
    im->g = g;
    int rc = bm_store_places(store, note_gn, im);
    if (rc != BM_OK) {
        bm_gz_import_free(im);
        return bm_error_set(err, rc, "reading places: %s", bm_store_errmsg(store));
    }
    if (im->n_gn)
        qsort(im->store_gn, im->n_gn, sizeof *im->store_gn, cmp_i64);
    *out = im;
    return BM_OK;
}

void bm_gz_import_free(bm_gz_import *im)
{
    if (!im)
        return;
    free(im->succ);
    free(im->store_gn);
    free(im);
}

bm_gz_import_counts *bm_gz_import_counts_of(bm_gz_import *im)
{
    return &im->c;
}

/* FNV-1a over every field of the row: equal digests mean nothing to write. */
static void digest_of(const bm_gz_row *r, char *out, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    char num[96];
    snprintf(num, sizeof num, "%.6f,%.6f,%" PRId64, r->lat, r->lon, r->population);
    const char *parts[] = {r->id,      r->name_en,    r->name_ar,    r->kind,   r->country,
                           r->admin1,  num,           r->aliases_en ? r->aliases_en : "",
                           r->aliases_ar ? r->aliases_ar : "", r->source};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
        h = (h ^ 0x1f) * 1099511628211ull; /* field separator */
    }
    snprintf(out, n, "v1:%016" PRIx64, h);
}

static int64_t gn_of(const char *source)
{
    const char *p = strstr(source, "gn:");
    if (p)
        return strtoll(p + 3, NULL, 10);
    if (!strncmp(source, "geonames:", 9))
        return strtoll(source + 9, NULL, 10);
    return 0;
}

/* A curated place sharing a name key with the row within 5 km; UINT32_MAX
 * when none. Settlements go first where a crossing shares the name. */
static uint32_t curated_near(const bm_gazetteer *g, const char *name, bm_lonlat pt)
{
    char key[GZ_MAX_KEY + 8];
    int latin;
    if (!g || !name[0] || !bm__gz_name_key(name, key, sizeof key, &latin))
        return UINT32_MAX;
    size_t kn = strlen(key);
    const gz_slot *s = bm__gz_map_get(&g->index, key, kn, bm__gz_hash(key, kn));
    if (!s || !(s->value & GZ_E_FULL))
        return UINT32_MAX;
    const gz_group *gr = &g->groups[s->value & GZ_E_GROUP];
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < gr->n; i++) {
        const gz_place *p = &g->places[g->refs[gr->first + i].place];
        if ((p->flags & (GZ_P_BROAD | GZ_P_USER)) || bm_distance_km(p->pub.pt, pt) > 5)
            continue;
        uint32_t idx = g->refs[gr->first + i].place;
        if (best == UINT32_MAX || ((p->flags & GZ_P_SETTLE) && !(g->places[best].flags & GZ_P_SETTLE)))
            best = idx;
    }
    return best;
}

/* The place the row already is, or "" when it is a new one. */
static void merge_target(const bm_gz_import *im, const bm_gz_row *r, char *out, size_t n)
{
    out[0] = '\0';
    int64_t gn = gn_of(r->source);
    if (gn > 0) {
        char id[64];
        snprintf(id, sizeof id, "gn-%" PRId64, gn);
        if (im->g && bm_gazetteer_get(im->g, id) && strcmp(id, r->id) != 0) {
            snprintf(out, n, "%s", id);
            return;
        }
        if (strcmp(id, r->id) != 0 &&
            bsearch(&gn, im->store_gn, im->n_gn, sizeof gn, cmp_i64)) {
            snprintf(out, n, "%s", id);
            return;
        }
    }
    bm_lonlat pt = {r->lon, r->lat};
    uint32_t p = curated_near(im->g, r->name_ar, pt);
    if (p == UINT32_MAX)
        p = curated_near(im->g, r->name_en, pt);
    if (p != UINT32_MAX)
        snprintf(out, n, "%s", im->g->places[p].pub.id);
}

static int add_names(bm_gz_import *im, const char *id, const char *list, const char *lang)
{
    if (!list || !*list)
        return BM_OK;
    char *copy = strdup(list);
    if (!copy)
        return BM_ENOMEM;
    int rc = BM_OK;
    for (char *sv = NULL, *a = strtok_r(copy, "|", &sv); a && rc == BM_OK;
         a = strtok_r(NULL, "|", &sv)) {
        char key[GZ_MAX_KEY + 8];
        size_t kn = bm_gazetteer_key(a, key, sizeof key);
        rc = bm_store_place_name_add(im->store, id, a, kn ? key : NULL, lang);
        if (rc == BM_OK)
            im->c.names++;
    }
    free(copy);
    return rc;
}

static int write_place(bm_gz_import *im, const bm_gz_row *r)
{
    bm_place p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", r->id);
    snprintf(p.name_en, sizeof p.name_en, "%s", r->name_en);
    snprintf(p.name_ar, sizeof p.name_ar, "%s", r->name_ar);
    snprintf(p.kind, sizeof p.kind, "%s", r->kind);
    snprintf(p.country, sizeof p.country, "%s", strcmp(r->country, "-") ? r->country : "");
    snprintf(p.admin1, sizeof p.admin1, "%s", strcmp(r->admin1, "-") ? r->admin1 : "");
    snprintf(p.source, sizeof p.source, "%s", r->source);
    p.population = r->population;
    p.pt.lon = r->lon;
    p.pt.lat = r->lat;
    int rc = bm_store_place_put(im->store, &p);
    if (rc == BM_OK && r->name_en[0])
        rc = add_names(im, r->id, r->name_en, "en");
    if (rc == BM_OK && r->name_ar[0])
        rc = add_names(im, r->id, r->name_ar, "ar");
    if (rc == BM_OK)
        rc = add_names(im, r->id, r->aliases_ar, "ar");
    if (rc == BM_OK)
        rc = add_names(im, r->id, r->aliases_en, "en");
    return rc;
}

static int fail_store(bm_gz_import *im, const char *id, int rc, bm_error *err)
{
    return bm_error_set(err, rc, "%s: %s", id,
                        rc == BM_ENOMEM ? "out of memory" : bm_store_errmsg(im->store));
}

/* A place this record made on an earlier import that now merges into
 * another: its incidents follow, and it goes. */
static int retire(bm_gz_import *im, const char *old_id, const char *target, bm_error *err)
{
    bm_place p;
    if (bm_store_place_get(im->store, old_id, &p) != BM_OK || !strcmp(old_id, target))
        return BM_OK;
    int64_t moved = 0;
    int rc = bm_store_place_move_incidents(im->store, old_id, target, &moved);
    if (rc == BM_OK)
        rc = bm_store_place_delete(im->store, old_id);
    im->c.moved += moved;
    return rc == BM_OK ? BM_OK : fail_store(im, old_id, rc, err);
}

int bm_gz_import_add(bm_gz_import *im, const bm_gz_row *r, int include_not_current,
                     bm_error *err)
{
    im->c.read++;
    if (r->superseded_by > 0) {
        im->c.superseded++;
        if (bm__gz_grow((void **)&im->succ, &im->cap_succ, im->n_succ + 1, sizeof *im->succ))
            return bm_error_set(err, BM_ENOMEM, "out of memory");
        im->succ[im->n_succ++] = (succession){r->wof_id, r->superseded_by};
        return BM_OK;
    }
    if (r->deprecated) {
        im->c.deprecated++;
        return BM_OK;
    }
    if (r->not_current && !include_not_current) {
        im->c.not_current++;
        return BM_OK;
    }
    char record[96], digest[32], have_digest[32] = "", have_place[64] = "";
    if (r->wof_id > 0)
        snprintf(record, sizeof record, "wof:%" PRId64, r->wof_id);
    else
        snprintf(record, sizeof record, "tsv:%s", r->id);
    digest_of(r, digest, sizeof digest);
    int rc = bm_store_place_record_get(im->store, record, have_place, sizeof have_place,
                                       have_digest, sizeof have_digest);
    if (rc != BM_OK && rc != BM_ENOTFOUND)
        return fail_store(im, record, rc, err);
    int known = rc == BM_OK;
    if (known && !strcmp(have_digest, digest)) {
        im->c.unchanged++;
        return BM_OK;
    }
    char target[64];
    merge_target(im, r, target, sizeof target);
    if (target[0]) {
        im->c.merged++;
        rc = known ? retire(im, have_place, target, err) : BM_OK;
        if (rc == BM_OK && (rc = bm_store_place_record_put(im->store, record, target, digest)))
            rc = fail_store(im, record, rc, err);
        return rc;
    }
    rc = write_place(im, r);
    if (rc == BM_OK)
        rc = bm_store_place_record_put(im->store, record, r->id, digest);
    if (rc != BM_OK)
        return fail_store(im, r->id, rc, err);
    if (known)
        im->c.updated++;
    else
        im->c.added++;
    return BM_OK;
}

/* The place a WOF id stands for now (its own or the one it merged into). */
static int place_of_wof(bm_gz_import *im, int64_t id, char *out, size_t n)
{
    char record[48];
    snprintf(record, sizeof record, "wof:%" PRId64, id);
    return bm_store_place_record_get(im->store, record, out, n, NULL, 0);
}

int bm_gz_import_finish(bm_gz_import *im, bm_gz_import_counts *counts, bm_error *err)
{
    for (size_t i = 0; i < im->n_succ; i++) {
        char target[64], old_id[64], record[48];
        /* a chain (A -> B -> C) is followed to its end, a few steps at most */
        int64_t next = im->succ[i].new_id;
        int rc = BM_ENOTFOUND;
        for (int step = 0; step < 8 && rc == BM_ENOTFOUND; step++) {
            rc = place_of_wof(im, next, target, sizeof target);
            if (rc != BM_ENOTFOUND)
                break;
            size_t k = 0;
            while (k < im->n_succ && im->succ[k].old_id != next)
                k++;
            if (k == im->n_succ)
                break;
            next = im->succ[k].new_id;
        }
        if (rc != BM_OK)
            continue; /* successor not imported: leave the old place as it is */
        snprintf(old_id, sizeof old_id, "wof-%" PRId64, im->succ[i].old_id);
        snprintf(record, sizeof record, "wof:%" PRId64, im->succ[i].old_id);
        rc = retire(im, old_id, target, err);
        if (rc == BM_OK && (rc = bm_store_place_record_put(im->store, record, target, "superseded")))
            rc = fail_store(im, record, rc, err);
        if (rc != BM_OK)
            return rc;
    }
    if (counts)
        *counts = im->c;
    return BM_OK;
}
