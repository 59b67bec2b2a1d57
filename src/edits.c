/* edits.c: an analyst's corrections to incidents (edit, merge, split), the
 * history that records each of them, and what they leave on an incident.
 * Must never change an incident without its history row in the same
 * transaction, and never lose a merged-away id: it is remembered with the
 * incident it went into. */
#include "bordermap/edits.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edits_private.h"
#include "store_private.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

const char *bm_edit_author(const char *given, char *buf, size_t bufsize)
{
    const char *user = getenv("USER");
    const char *name = given && *given ? given : user && *user ? user : NULL;
    if (!name) {
        struct passwd *pw = getpwuid(geteuid());
        name = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "unknown";
    }
    snprintf(buf, bufsize, "%s", name);
    return buf;
}

void bm_incident_change_init(bm_incident_change *c)
{
    memset(c, 0, sizeof *c);
    c->fatalities = -1;
}

int bm_place_geo_precision(const char *kind)
{
    static const char *const areas[] = {"governorate", "region", "country", "river", "lake"};
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (strcmp(kind, areas[i]) == 0)
            return 3;
    if (strcmp(kind, "district") == 0 || strcmp(kind, "subdistrict") == 0 ||
        strcmp(kind, "mountain") == 0)
        return 2;
    return 1;
}

/* ---- SQL helpers ---------------------------------------------------------- */

static int db_err(bm_store *s, bm_error *err, const char *what)
{
    return bm_error_set(err, BM_EDB, "%s: %s", what, bm__stmt_errmsg(s));
}

int bm__edit_prepare(bm_store *s, const char *sql, bm__stmt **st, bm_error *err)
{
    if (bm__stmt_prepare(s, sql, st) != SQLITE_OK)
        return db_err(s, err, "prepare");
    return BM_OK;
}

/* Runs sql with up to three integer parameters (?1..?3); *changes is how many
 * rows it changed (may be NULL). */
int bm__edit_exec_ids(bm_store *s, const char *sql, int64_t a, int64_t b, int64_t c, int *changes,
                      bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s, sql, &st, err);
    if (rc != BM_OK)
        return rc;
    int np = bm__stmt_bind_parameter_count(st);
    const int64_t v[3] = {a, b, c};
    for (int i = 0; i < np && i < 3; i++)
        bm__stmt_bind_int64(st, i + 1, v[i]);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW)
        return db_err(s, err, "write");
    if (changes)
        *changes = bm__stmt_changes(s);
    return BM_OK;
}

int bm__edit_record(bm_store *s, int64_t id, const char *action, const char *field,
                    const char *old_value, const char *new_value, const char *author, bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s,
                              "INSERT INTO incident_edits(incident_id, action, field, old_value, "
                              "new_value, author, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, " NOW_SQL ")",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    char who[128];
    bm__stmt_bind_int64(st, 1, id);
    bm__stmt_bind_text(st, 2, action, -1, SQLITE_STATIC);
    bm__stmt_bind_text(st, 3, field, -1, SQLITE_STATIC);
    bm__stmt_bind_text(st, 4, old_value, -1, SQLITE_STATIC);
    bm__stmt_bind_text(st, 5, new_value, -1, SQLITE_STATIC);
    bm__stmt_bind_text(st, 6, bm_edit_author(author, who, sizeof who), -1, SQLITE_TRANSIENT);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    return step == SQLITE_DONE ? BM_OK : db_err(s, err, "recording the change");
}

static int mark_edited(bm_store *s, int64_t id, bm_error *err)
{
    return bm__edit_exec_ids(s, "UPDATE incidents SET edited_at = " NOW_SQL " WHERE id = ?1", id, 0,
                             0, NULL, err);
}

/* Opens the caller's transaction, or reports why not. */
static int begin(bm_store *s, bm_error *err)
{
    int rc = bm_store_begin(s);
    return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm_store_errmsg(s));
}

/* An incident-sized scratch buffer (too large for the stack of a library
 * call) and an open transaction, or neither: on failure nothing is left to
 * free or roll back. */
static int begin_with_scratch(bm_store *s, bm_incident **inc, bm_error *err)
{
    *inc = malloc(sizeof **inc);
    if (!*inc)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    int rc = begin(s, err);
    if (rc != BM_OK) {
        free(*inc);
        *inc = NULL;
    }
    return rc;
}

/* Commits after success, rolls back after a failure; returns rc or the
 * commit's failure. */
static int finish(bm_store *s, int rc, bm_error *err)
{
    if (rc != BM_OK) {
        bm_store_rollback(s);
        return rc;
    }
    rc = bm_store_commit(s);
    return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm_store_errmsg(s));
}

static int get_incident(bm_store *s, int64_t id, bm_incident *inc, bm_error *err)
{
    int rc = bm_store_incident_get(s, id, inc);
    if (rc == BM_ENOTFOUND) {
        int64_t into = 0;
        if (bm_edit_merged_into(s, id, &into, NULL) == BM_OK && into > 0)
            return bm_error_set(err, rc, "incident %" PRId64 " was merged into %" PRId64, id, into);
    }
    return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm_store_errmsg(s));
}

/* ---- Edit ------------------------------------------------------------------- */

static void fmt_dates(const bm_incident *inc, char *buf, size_t n)
{
    char a[11], b[11];
    bm_date_format(inc->date_start, a);
    bm_date_format(inc->date_end, b);
    snprintf(buf, n, "%s..%s %s", a, b, bm_precision_name(inc->date_precision));
}

static void fmt_location(const bm_incident *inc, char *buf, size_t n)
{
    snprintf(buf, n, "%.6f,%.6f (geo precision %d)", inc->pt.lon, inc->pt.lat, inc->geo_precision);
}

static void fmt_fatalities(int f, char *buf, size_t n)
{
    if (f >= 0)
        snprintf(buf, n, "%d", f);
    else
        snprintf(buf, n, "not stated");
}

typedef struct edit_ctx {
    bm_store *s;
    int64_t id;
    const char *author;
    int n;
    bm_error *err;
} edit_ctx;

/* Records one field when its text form changed. */
static int note_change(edit_ctx *e, const char *field, const char *old_v, const char *new_v)
{
    if (strcmp(old_v, new_v) == 0)
        return BM_OK;
    e->n++;
    return bm__edit_record(e->s, e->id, "edit", field, old_v, new_v, e->author, e->err);
}

/* Applies the place and point of c to inc. */
static int apply_place(bm_store *s, const bm_incident_change *c, bm_incident *inc, bm_error *err)
{
    if (c->place_id) {
        bm_place p;
        if (bm_store_place_get(s, c->place_id, &p) != BM_OK)
            return bm_error_set(err, BM_ENOTFOUND,
                                "no place '%s' (try: bordermap places "
                                "search NAME)",
                                c->place_id);
        snprintf(inc->place_id, sizeof inc->place_id, "%s", p.id);
        inc->pt = p.pt;
        inc->geo_precision = bm_place_geo_precision(p.kind);
    }
    if (c->has_pt) {
        inc->pt = c->pt;
        inc->geo_precision = 1;
    }
    return BM_OK;
}

static int apply_change(bm_store *s, const bm_incident_change *c, bm_incident *inc, bm_error *err)
{
    if (c->type) {
        if (bm_type_index(c->type) < 0)
            return bm_error_set(err, BM_EINVAL, "'%s' is not an incident type", c->type);
        snprintf(inc->type, sizeof inc->type, "%s", c->type);
    }
    int rc = apply_place(s, c, inc, err);
    if (rc != BM_OK)
        return rc;
    if (c->has_date) {
        inc->date_start = c->date_start;
        inc->date_end = c->date_end;
        inc->date_precision = c->date_precision;
    }
    if (c->has_fatalities)
        inc->fatalities = c->fatalities;
    if (c->summary) {
        if (strlen(c->summary) >= sizeof inc->summary)
            return bm_error_set(err, BM_EINVAL, "the summary is longer than %zu bytes",
                                sizeof inc->summary - 1);
        snprintf(inc->summary, sizeof inc->summary, "%s", c->summary);
    }
    return BM_OK;
}

static int record_changes(edit_ctx *e, const bm_incident *a, const bm_incident *b)
{
    char x[160], y[160];
    int rc = note_change(e, "type", a->type, b->type);
    if (rc == BM_OK)
        rc = note_change(e, "place", a->place_id[0] ? a->place_id : "-",
                         b->place_id[0] ? b->place_id : "-");
    fmt_location(a, x, sizeof x);
    fmt_location(b, y, sizeof y);
    if (rc == BM_OK)
        rc = note_change(e, "location", x, y);
    fmt_dates(a, x, sizeof x);
    fmt_dates(b, y, sizeof y);
    if (rc == BM_OK)
        rc = note_change(e, "date", x, y);
    fmt_fatalities(a->fatalities, x, sizeof x);
    fmt_fatalities(b->fatalities, y, sizeof y);
    if (rc == BM_OK)
        rc = note_change(e, "fatalities", x, y);
    if (rc == BM_OK)
        rc = note_change(e, "summary", a->summary, b->summary);
    return rc;
}

static int set_note(edit_ctx *e, const char *note)
{
    bm_incident_state st;
    int rc = bm_edit_state(e->s, e->id, &st, e->err);
    if (rc != BM_OK || strcmp(st.note, note) == 0)
        return rc;
    bm__stmt *q;
    rc = bm__edit_prepare(e->s, "UPDATE incidents SET note = ?2 WHERE id = ?1", &q, e->err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(q, 1, e->id);
    if (*note)
        bm__stmt_bind_text(q, 2, note, -1, SQLITE_STATIC);
    int step = bm__stmt_step(q);
    bm__stmt_finalize(q);
    if (step != SQLITE_DONE)
        return db_err(e->s, e->err, "writing the note");
    return note_change(e, "note", st.note[0] ? st.note : "-", *note ? note : "-");
}

int bm_edit_incident(bm_store *s, int64_t id, const bm_incident_change *c, const char *author,
                     int *n_changed, bm_error *err)
{
    if (n_changed)
        *n_changed = 0;
    bm_incident *old = malloc(2 * sizeof *old);
    if (!old)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    bm_incident *neu = old + 1;
    int rc = begin(s, err);
    if (rc != BM_OK) {
        free(old);
        return rc;
    }
    edit_ctx e = {s, id, author, 0, err};
    rc = get_incident(s, id, old, err);
    if (rc == BM_OK) {
        *neu = *old;
        rc = apply_change(s, c, neu, err);
    }
    if (rc == BM_OK)
        rc = record_changes(&e, old, neu);
    if (rc == BM_OK && e.n > 0 && bm_store_incident_update(s, neu) != BM_OK)
        rc = bm_error_set(err, BM_EINVAL, "%s", bm_store_errmsg(s));
    if (rc == BM_OK && c->note)
        rc = set_note(&e, c->note);
    if (rc == BM_OK && e.n > 0)
        rc = mark_edited(s, id, err);
    free(old);
    if (n_changed && rc == BM_OK)
        *n_changed = e.n;
    return finish(s, rc, err);
}

/* ---- Merge ------------------------------------------------------------------ */

static int merge_one(bm_store *s, int64_t into, int64_t other, const char *author, bm_error *err)
{
    static const char *const sql[] = {
        "INSERT OR IGNORE INTO incident_sources(incident_id, article_id, byte_start, byte_end, "
        "sentence) SELECT ?1, article_id, byte_start, byte_end, sentence FROM incident_sources "
        "WHERE incident_id = ?2",
        "UPDATE incident_keys SET incident_id = ?1 WHERE incident_id = ?2",
        "UPDATE incident_merges SET into_id = ?1 WHERE into_id = ?2",
        "INSERT OR REPLACE INTO incident_merges(old_id, into_id) VALUES (?2, ?1)",
        "DELETE FROM incidents WHERE id = ?2 AND ?1 > 0",
    };
    int rc = BM_OK;
    for (size_t i = 0; rc == BM_OK && i < sizeof sql / sizeof sql[0]; i++)
        rc = bm__edit_exec_ids(s, sql[i], into, other, 0, NULL, err);
    char a[32], b[32];
    snprintf(a, sizeof a, "%" PRId64, other);
    snprintf(b, sizeof b, "%" PRId64, into);
    if (rc == BM_OK)
        rc = bm__edit_record(s, into, "merge", "incident", a, b, author, err);
    if (rc == BM_OK)
        rc = bm__edit_record(s, other, "merged-into", "incident", a, b, author, err);
    return rc;
}

int bm_edit_merge(bm_store *s, int64_t into, const int64_t *others, size_t n, const char *author,
                  bm_error *err)
{
    if (n == 0)
        return bm_error_set(err, BM_EINVAL, "nothing to merge into incident %" PRId64, into);
    for (size_t i = 0; i < n; i++) {
        if (others[i] == into)
            return bm_error_set(err, BM_EINVAL, "incident %" PRId64 " cannot merge into itself",
                                into);
        for (size_t j = 0; j < i; j++)
            if (others[j] == others[i])
                return bm_error_set(err, BM_EINVAL, "incident %" PRId64 " is named twice",
                                    others[i]);
    }
    bm_incident *inc = NULL;
    int rc = begin_with_scratch(s, &inc, err);
    if (rc != BM_OK)
        return rc;
    rc = get_incident(s, into, inc, err);
    for (size_t i = 0; rc == BM_OK && i < n; i++)
        rc = get_incident(s, others[i], inc, err);
    for (size_t i = 0; rc == BM_OK && i < n; i++)
        rc = merge_one(s, into, others[i], author, err);
    if (rc == BM_OK)
        rc = mark_edited(s, into, err);
    free(inc);
    return finish(s, rc, err);
}

/* ---- Split ------------------------------------------------------------------ */

typedef struct pick_ctx {
    size_t want, seen;
    int64_t article_id, byte_start, byte_end;
    char label[512];
} pick_ctx;

static int pick_cb(const bm_source *src, void *user)
{
    pick_ctx *p = user;
    if (++p->seen != p->want)
        return 0;
    p->article_id = src->article_id;
    p->byte_start = src->byte_start;
    p->byte_end = src->byte_end;
    snprintf(p->label, sizeof p->label, "source %zu: %s bytes %" PRId64 "-%" PRId64, p->want,
             src->file_name ? src->file_name : "(article)", src->byte_start, src->byte_end);
    return 0;
}

static int move_source(bm_store *s, int64_t from, int64_t to, const pick_ctx *p, bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s,
                              "UPDATE incident_sources SET incident_id = ?2 WHERE incident_id = "
                              "?1 AND article_id = ?3 AND byte_start = ?4",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, from);
    bm__stmt_bind_int64(st, 2, to);
    bm__stmt_bind_int64(st, 3, p->article_id);
    bm__stmt_bind_int64(st, 4, p->byte_start);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    if (step != SQLITE_DONE)
        return db_err(s, err, "moving the source");
    rc = bm__edit_prepare(s,
                          "UPDATE incident_keys SET incident_id = ?2 WHERE incident_id = ?1 AND "
                          "byte_start = ?4 AND byte_end = ?5 AND sha256 = (SELECT sha256 FROM "
                          "articles WHERE id = ?3)",
                          &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, from);
    bm__stmt_bind_int64(st, 2, to);
    bm__stmt_bind_int64(st, 3, p->article_id);
    bm__stmt_bind_int64(st, 4, p->byte_start);
    bm__stmt_bind_int64(st, 5, p->byte_end);
    step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    return step == SQLITE_DONE ? BM_OK : db_err(s, err, "moving the identity key");
}

static int split_into(bm_store *s, bm_incident *inc, const pick_ctx *p, const char *author,
                      int64_t *new_id, bm_error *err)
{
    int64_t from = inc->id;
    if (bm_store_incident_add(s, inc) != BM_OK)
        return bm_error_set(err, BM_EDB, "%s", bm_store_errmsg(s));
    *new_id = inc->id;
    int rc = move_source(s, from, inc->id, p, err);
    char a[32], b[32];
    snprintf(a, sizeof a, "%" PRId64, from);
    snprintf(b, sizeof b, "%" PRId64, inc->id);
    if (rc == BM_OK)
        rc = bm__edit_record(s, from, "split", "source", p->label, b, author, err);
    if (rc == BM_OK)
        rc = bm__edit_record(s, inc->id, "split-from", "source", p->label, a, author, err);
    if (rc == BM_OK)
        rc = mark_edited(s, from, err);
    if (rc == BM_OK)
        rc = mark_edited(s, inc->id, err);
    return rc;
}

int bm_edit_split(bm_store *s, int64_t id, size_t source, const char *author, int64_t *new_id,
                  bm_error *err)
{
    *new_id = 0;
    bm_incident *inc = malloc(sizeof *inc);
    if (!inc)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    int rc = begin(s, err);
    pick_ctx p = {.want = source};
    if (rc == BM_OK)
        rc = get_incident(s, id, inc, err);
    if (rc == BM_OK && bm_store_sources(s, id, pick_cb, &p) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "%s", bm_store_errmsg(s));
    if (rc == BM_OK && (source < 1 || source > p.seen))
        rc = bm_error_set(err, BM_EINVAL, "incident %" PRId64 " has %zu source(s), no source %zu",
                          id, p.seen, source);
    else if (rc == BM_OK && p.seen < 2)
        rc = bm_error_set(err, BM_EINVAL, "incident %" PRId64 " has only one source", id);
    if (rc == BM_OK)
        rc = split_into(s, inc, &p, author, new_id, err);
    free(inc);
    if (rc != BM_OK)
        *new_id = 0;
    return finish(s, rc, err);
}

int bm_edit_created(bm_store *s, int64_t id, const char *author, bm_error *err)
{
    int rc = begin(s, err);
    if (rc != BM_OK)
        return rc;
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, id);
    rc = bm__edit_record(s, id, "add", "incident", NULL, v, author, err);
    if (rc == BM_OK)
        rc = mark_edited(s, id, err);
    return finish(s, rc, err);
}

/* ---- Delete ----------------------------------------------------------------------- */

int bm_edit_delete(bm_store *s, int64_t id, const char *author, bm_error *err)
{
    bm_incident *inc = NULL;
    int rc = begin_with_scratch(s, &inc, err);
    if (rc != BM_OK)
        return rc;
    rc = get_incident(s, id, inc, err);
    char what[1400], dates[64];
    if (rc == BM_OK) {
        fmt_dates(inc, dates, sizeof dates);
        snprintf(what, sizeof what, "%s at %s, %s: %s", inc->type,
                 inc->place_id[0] ? inc->place_id : "a point", dates, inc->summary);
        rc = bm__edit_exec_ids(s,
                               "INSERT OR REPLACE INTO incident_deleted_keys(sha256, byte_start, "
                               "byte_end, place_key, ordinal, incident_id) SELECT sha256, "
                               "byte_start, byte_end, place_key, ordinal, incident_id FROM "
                               "incident_keys WHERE incident_id = ?1",
                               id, 0, 0, NULL, err);
    }
    if (rc == BM_OK)
        rc = bm__edit_record(s, id, "delete", "incident", what, NULL, author, err);
    if (rc == BM_OK && bm_store_incident_delete(s, id) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "%s", bm_store_errmsg(s));
    free(inc);
    return finish(s, rc, err);
}

/* ---- Reading ---------------------------------------------------------------- */

static const char *col_text(bm__stmt *st, int i)
{
    return (const char *)bm__stmt_column_text(st, i);
}

int bm_edit_history(bm_store *s, int64_t id, bm_edit_cb cb, void *user, bm_error *err)
{
    bm__stmt *st;
    int rc = bm__edit_prepare(s,
                              "SELECT id, incident_id, action, field, old_value, new_value, "
                              "author, at FROM incident_edits WHERE incident_id = ?1 OR "
                              "incident_id IN (SELECT old_id FROM incident_merges WHERE into_id "
                              "= ?1) ORDER BY id",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, id);
    int step;
    while ((step = bm__stmt_step(st)) == SQLITE_ROW) {
        bm_edit_record r = {
            .id = bm__stmt_column_int64(st, 0),
            .incident_id = bm__stmt_column_int64(st, 1),
            .action = col_text(st, 2),
            .field = col_text(st, 3),
            .old_value = col_text(st, 4),
            .new_value = col_text(st, 5),
            .author = col_text(st, 6),
            .at = col_text(st, 7),
        };
        if ((rc = cb(&r, user)) != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = db_err(s, err, "reading the history");
    bm__stmt_finalize(st);
    return rc;
}

int bm_edit_state(bm_store *s, int64_t id, bm_incident_state *out, bm_error *err)
{
    memset(out, 0, sizeof *out);
    bm__stmt *st;
    int rc = bm__edit_prepare(s, "SELECT edited_at, note, review FROM incidents WHERE id = ?1", &st,
                              err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_int64(st, 1, id);
    int step = bm__stmt_step(st);
    if (step == SQLITE_ROW) {
        const char *v[3] = {col_text(st, 0), col_text(st, 1), col_text(st, 2)};
        out->edited = v[0] != NULL;
        snprintf(out->edited_at, sizeof out->edited_at, "%s", v[0] ? v[0] : "");
        snprintf(out->note, sizeof out->note, "%s", v[1] ? v[1] : "");
        snprintf(out->review, sizeof out->review, "%s", v[2] ? v[2] : "");
    }
    bm__stmt_finalize(st);
    if (step == SQLITE_DONE)
        return bm_error_set(err, BM_ENOTFOUND, "no incident %" PRId64, id);
    return step == SQLITE_ROW ? BM_OK : db_err(s, err, "reading the incident");
}

int bm_edit_merged_into(bm_store *s, int64_t id, int64_t *into, bm_error *err)
{
    *into = 0;
    bm__stmt *st;
    int rc = bm__edit_prepare(s, "SELECT into_id FROM incident_merges WHERE old_id = ?1", &st, err);
    if (rc != BM_OK)
        return rc;
    /* merge_one re-points older merges, so one hop is the answer; the
     * bound guards against a cycle written by another program */
    for (int hops = 0; hops < 64; hops++) {
        bm__stmt_reset(st);
        bm__stmt_bind_int64(st, 1, *into ? *into : id);
        int step = bm__stmt_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = db_err(s, err, "reading merges");
            break;
        }
        *into = bm__stmt_column_int64(st, 0);
    }
    bm__stmt_finalize(st);
    return rc;
}
