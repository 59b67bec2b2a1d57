/* actors.c: finds the armed and state actors of a sentence and decides which
 * side acts (ACLED's actor1) and which is acted upon (actor2), from the actor
 * and role-marker lexicons, matched on the tokenizer's normalised words.
 * Must never hold an actor name or marker in C, nor read more than the text
 * it is given (one sentence). */
#include "bordermap/actors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bordermap/arabic.h"
#include "tsv_private.h"

/* A multi-word phrase as normalised tokens; the first is the hash key. */
typedef struct phrase {
    char **w;
    size_t n;
} phrase;

typedef struct actor {
    char *name;
    int inter;
    bm_date from, to; /* year 0: open */
} actor;

typedef enum { ROLE_NONE = 0, ROLE_AGENT, ROLE_PATIENT, ROLE_ALLY } role;

typedef struct entry {
    phrase ph;
    int actor;  /* actors: index into actors; markers: -1 */
    role r;     /* markers only */
    int after;  /* markers only: the word after the actor, not before */
} entry;

struct bm_actors {
    GArray *actors;      /* actor */
    GPtrArray *entries;  /* entry *, owned */
    GHashTable *names;   /* first word -> GPtrArray of entry * (actor variants) */
    GHashTable *markers; /* first word -> GPtrArray of entry * */
    size_t max_marker;   /* words in the longest marker */
};

static void entry_free(gpointer p)
{
    entry *e = p;
    if (!e)
        return;
    for (size_t i = 0; i < e->ph.n; i++)
        free(e->ph.w[i]);
    free(e->ph.w);
    free(e);
}

void bm_actors_free(bm_actors *a)
{
    if (!a)
        return;
    if (a->names)
        g_hash_table_destroy(a->names);
    if (a->markers)
        g_hash_table_destroy(a->markers);
    if (a->entries)
        g_ptr_array_free(a->entries, TRUE);
    if (a->actors) {
        for (guint i = 0; i < a->actors->len; i++)
            free(g_array_index(a->actors, actor, i).name);
        g_array_free(a->actors, TRUE);
    }
    free(a);
}

/* Splits a phrase into the same normalised tokens the sentence will have. */
static int phrase_parse(const char *s, size_t len, phrase *ph)
{
    bm_tokens t = {0};
    memset(ph, 0, sizeof *ph);
    if (bm_tokenize(s, len, &t, NULL) != BM_OK || t.n == 0) {
        bm_tokens_free(&t);
        return BM_EPARSE;
    }
    ph->w = calloc(t.n, sizeof *ph->w);
    if (!ph->w) {
        bm_tokens_free(&t);
        return BM_ENOMEM;
    }
    for (size_t i = 0; i < t.n; i++) {
        ph->w[i] = strdup(t.v[i].norm);
        if (!ph->w[i]) {
            ph->n = i;
            bm_tokens_free(&t);
            return BM_ENOMEM;
        }
    }
    ph->n = t.n;
    bm_tokens_free(&t);
    return BM_OK;
}

static void index_add(GHashTable *h, const char *key, entry *e)
{
    GPtrArray *list = g_hash_table_lookup(h, key);
    if (!list) {
        list = g_ptr_array_new();
        g_hash_table_insert(h, g_strdup(key), list);
    }
    g_ptr_array_add(list, e);
}

static int add_entry(bm_actors *a, GHashTable *h, const char *text, size_t len, int actor_idx,
                     role r, int after)
{
    entry *e = calloc(1, sizeof *e);
    if (!e)
        return BM_ENOMEM;
    int rc = phrase_parse(text, len, &e->ph);
    if (rc != BM_OK) {
        entry_free(e);
        return rc;
    }
    e->actor = actor_idx;
    e->r = r;
    e->after = after;
    g_ptr_array_add(a->entries, e);
    index_add(h, e->ph.w[0], e);
    return BM_OK;
}

static int parse_bound(const char *s, bm_date *d)
{
    memset(d, 0, sizeof *d);
    if (strcmp(s, "-") == 0)
        return BM_OK;
    return bm_date_parse_iso(s, d, NULL, NULL, NULL);
}

/* actor, inter, from, to, variants */
static int actor_line(void *user, char **col)
{
    bm_actors *a = user;
    actor ac = {0};
    char *end;
    ac.inter = (int)strtol(col[1], &end, 10);
    if (*end || ac.inter < 1 || ac.inter > 8 || !*col[0])
        return BM_EPARSE;
    if (parse_bound(col[2], &ac.from) != BM_OK || parse_bound(col[3], &ac.to) != BM_OK)
        return BM_EPARSE;
    if (!(ac.name = strdup(col[0])))
        return BM_ENOMEM;
    g_array_append_val(a->actors, ac);
    int idx = (int)a->actors->len - 1;
    for (char *v = col[4]; *v;) {
        size_t n = strcspn(v, "|");
        if (n > 0) {
            int rc = add_entry(a, a->names, v, n, idx, ROLE_NONE, 0);
            if (rc != BM_OK)
                return rc;
        }
        v += n;
        v += *v == '|';
    }
    return BM_OK;
}

/* role, side, marker */
static int role_line(void *user, char **col)
{
    bm_actors *a = user;
    role r = strcmp(col[0], "agent") == 0     ? ROLE_AGENT
             : strcmp(col[0], "patient") == 0 ? ROLE_PATIENT
             : strcmp(col[0], "ally") == 0    ? ROLE_ALLY
                                              : ROLE_NONE;
    int after = strcmp(col[1], "after") == 0;
    if (r == ROLE_NONE || (!after && strcmp(col[1], "before") != 0))
        return BM_EPARSE;
    int rc = add_entry(a, a->markers, col[2], strlen(col[2]), -1, r, after);
    if (rc == BM_OK) {
        const entry *e = g_ptr_array_index(a->entries, a->entries->len - 1);
        if (e->ph.n > a->max_marker)
            a->max_marker = e->ph.n;
    }
    return rc;
}

static int load_tsv(bm_actors *a, const char *dir, const char *file, int ncol,
                    bm__tsv_row_fn fn, bm_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%.4000s/%s", dir, file) >= sizeof path)
        return bm_error_set(err, BM_EINVAL, "%s/%s: path too long", dir, file);
    return bm__tsv_rows(path, ncol, fn, a, err);
}

static void list_free(gpointer p)
{
    g_ptr_array_free(p, TRUE);
}

int bm_actors_load(const char *dir, bm_actors **out, bm_error *err)
{
    *out = NULL;
    char buf[4096];
    if (!dir) {
        int rc = bm_data_path("gazetteer/lexicon/actors.tsv", buf, sizeof buf, err);
        if (rc != BM_OK)
            return rc;
        *strrchr(buf, '/') = '\0';
        dir = buf;
    }
    bm_actors *a = calloc(1, sizeof *a);
    if (!a)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    a->actors = g_array_new(FALSE, TRUE, sizeof(actor));
    a->entries = g_ptr_array_new_with_free_func(entry_free);
    a->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, list_free);
    a->markers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, list_free);
    int rc = load_tsv(a, dir, "actors.tsv", 5, actor_line, err);
    if (rc == BM_OK)
        rc = load_tsv(a, dir, "actor-roles.tsv", 3, role_line, err);
    if (rc != BM_OK) {
        bm_actors_free(a);
        return rc;
    }
    *out = a;
    return BM_OK;
}

int bm_actors_inter(const bm_actors *a, const char *name)
{
    for (guint i = 0; a && name && i < a->actors->len; i++)
        if (strcmp(g_array_index(a->actors, actor, i).name, name) == 0)
            return g_array_index(a->actors, actor, i).inter;
    return 0;
}

/* ---- Matching -------------------------------------------------------------- */

/* The forms an Arabic word may take without its proclitics: وب، ب، and لل
 * read as ال (للجيش = ل + الجيش). At most 4 forms, pointers into scratch. */
static size_t word_forms(const bm_token *t, char scratch[2][256], const char *forms[4])
{
    size_t n = 0;
    forms[n++] = t->norm;
    if (t->kind != BM_TOK_ARABIC)
        return n;
    for (int which = 2; which >= 1; which--) {
        size_t cl = bm_ar_proclitic_len(t->norm, t->norm_len, which);
        if (!cl)
            continue;
        const char *rest = t->norm + cl;
        forms[n++] = rest;
        /* لل: the stripped ل was a preposition before an article whose alef
         * the spelling drops. */
        if (strncmp(rest, "ل", 2) == 0 && strncmp(t->norm + cl - 2, "ل", 2) == 0 &&
            strlen(rest) + 3 < sizeof scratch[0]) {
            snprintf(scratch[which - 1], sizeof scratch[0], "ا%s", rest);
            forms[n++] = scratch[which - 1];
        }
        break;
    }
    return n;
}

/* Length in tokens of the phrase matched at token i (first word in `first`). */
static size_t phrase_at(const phrase *ph, const bm_tokens *t, size_t i, const char *first)
{
    if (i + ph->n > t->n)
        return 0;
    if (strcmp(ph->w[0], first) != 0)
        return 0;
    for (size_t k = 1; k < ph->n; k++)
        if (strcmp(ph->w[k], t->v[i + k].norm) != 0)
            return 0;
    return ph->n;
}

static int date_in(const actor *ac, bm_date when)
{
    if (when.year == 0)
        return 1;
    if (ac->from.year && bm_date_cmp(when, ac->from) < 0)
        return 0;
    if (ac->to.year && bm_date_cmp(when, ac->to) > 0)
        return 0;
    return 1;
}

/* The longest entry of h matching at token i (actors filtered by date). */
static const entry *longest_at(const bm_actors *a, GHashTable *h, const bm_tokens *t, size_t i,
                               bm_date when, size_t *len)
{
    char scratch[2][256];
    const char *forms[4];
    size_t nf = word_forms(&t->v[i], scratch, forms);
    const entry *best = NULL;
    *len = 0;
    for (size_t f = 0; f < nf; f++) {
        GPtrArray *list = g_hash_table_lookup(h, forms[f]);
        for (guint k = 0; list && k < list->len; k++) {
            const entry *e = g_ptr_array_index(list, k);
            if (e->actor >= 0 && !date_in(&g_array_index(a->actors, actor, e->actor), when))
                continue;
            size_t n = phrase_at(&e->ph, t, i, forms[f]);
            if (n > *len) {
                *len = n;
                best = e;
            }
        }
    }
    return best;
}

static const entry *marker_at(const bm_actors *a, const bm_tokens *t, size_t i, size_t *len)
{
    return longest_at(a, a->markers, t, i, (bm_date){0, 0, 0}, len);
}

typedef struct mention {
    int actor;
    role r;
} mention;

/* The role the words around tokens [start, end) give the actor there. */
static role role_of(const bm_actors *a, const bm_tokens *t, size_t start, size_t end)
{
    /* Before: a marker that ends right before the name, or one word earlier;
     * only the last few words can hold one. */
    size_t from = start > a->max_marker + 1 ? start - a->max_marker - 1 : 0;
    for (size_t gap = 0; gap <= 1; gap++) {
        for (size_t p = from; p < start; p++) {
            size_t len;
            const entry *m = marker_at(a, t, p, &len);
            if (m && !m->after && p + len + gap == start)
                return m->r;
        }
    }
    size_t len;
    const entry *m = end < t->n ? marker_at(a, t, end, &len) : NULL;
    if (m && m->after)
        return m->r;
    return ROLE_NONE;
}

/* ACLED's interaction code of civilians: never the side that acts. */
#define INTER_CIVILIANS 7

static const mention *pick(const bm_actors *a, const mention *v, size_t n, role r, int skip,
                           int acting)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].r != r || v[i].actor == skip)
            continue;
        if (acting && g_array_index(a->actors, actor, v[i].actor).inter == INTER_CIVILIANS)
            continue;
        return &v[i];
    }
    return NULL;
}

static void set_side(const bm_actors *a, const mention *m, char *name, size_t size, int *inter)
{
    if (!m)
        return;
    const actor *ac = &g_array_index(a->actors, actor, m->actor);
    snprintf(name, size, "%s", ac->name);
    *inter = ac->inter;
}

/* actor1: the first agent, else the first actor with no marker (the acting
 * side comes first in both languages), never civilians; actor2: the first
 * patient, else the next unmarked actor, else an ally, else another agent. */
static void assign(const bm_actors *a, const mention *v, size_t n, bm_actor_pair *out)
{
    const mention *m1 = pick(a, v, n, ROLE_AGENT, -1, 1);
    if (!m1)
        m1 = pick(a, v, n, ROLE_NONE, -1, 1);
    int skip = m1 ? m1->actor : -1;
    const mention *m2 = pick(a, v, n, ROLE_PATIENT, skip, 0);
    if (!m2)
        m2 = pick(a, v, n, ROLE_NONE, skip, 0);
    if (!m2)
        m2 = pick(a, v, n, ROLE_ALLY, skip, 0);
    if (!m2)
        m2 = pick(a, v, n, ROLE_AGENT, skip, 0);
    set_side(a, m1, out->actor1, sizeof out->actor1, &out->inter1);
    set_side(a, m2, out->actor2, sizeof out->actor2, &out->inter2);
}

int bm_actors_find(const bm_actors *a, const char *text, size_t len, bm_date when,
                   bm_actor_pair *out, bm_error *err)
{
    memset(out, 0, sizeof *out);
    bm_tokens t = {0};
    int rc = bm_tokenize(text, len, &t, err);
    if (rc != BM_OK) {
        bm_tokens_free(&t);
        return rc;
    }
    mention v[16];
    size_t n = 0;
    for (size_t i = 0; i < t.n && n < sizeof v / sizeof v[0];) {
        size_t mlen;
        const entry *e = longest_at(a, a->names, &t, i, when, &mlen);
        if (!e) {
            i++;
            continue;
        }
        role r = role_of(a, &t, i, i + mlen);
        size_t k = 0;
        while (k < n && v[k].actor != e->actor)
            k++;
        if (k == n)
            v[n++] = (mention){e->actor, r};
        else if (v[k].r == ROLE_NONE)
            v[k].r = r; /* a later mention may say what an earlier one did not */
        i += mlen;
    }
    assign(a, v, n, out);
    bm_tokens_free(&t);
    return BM_OK;
}
