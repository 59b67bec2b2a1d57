/* team_places.c: the places and spellings a team adds to its own database
 * (`places add`, `places alias add`), kept apart from the gazetteer files so
 * that a gazetteer update never drops them.
 * Must never replace a place it did not create: an id already in the places
 * table is refused. */
#include <stdio.h>
#include <string.h>

#include "bordermap/edits.h"
#include "edits_private.h"
#include "store_backend.h"
#include "store_private.h"

static int found_cb(int n, const char *const *v, void *user)
{
    (void)n, (void)v;
    *(int *)user = 1;
    return 0;
}

static int exists(bm_store *s, const char *sql, const char *a, const char *b, int *found,
                  bm_error *err)
{
    bm_pg *pg = bm__store_pg(s);
    if (pg) {
        const char *v[2] = {a, b};
        *found = 0;
        int rc = bm__pg_exec(pg, sql, b ? 2 : 1, v, found_cb, found, NULL);
        return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm__pg_errmsg(pg));
    }
    bm__stmt *st;
    int rc = bm__edit_prepare(s, sql, &st, err);
    if (rc != BM_OK)
        return rc;
    bm__stmt_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        bm__stmt_bind_text(st, 2, b, -1, SQLITE_STATIC);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    *found = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return bm_error_set(err, BM_EDB, "%s", bm__stmt_errmsg(s));
    return BM_OK;
}

/* Runs an INSERT binding v[0..n) to ?1..?n. */
static int insert_text(bm_store *s, const char *sql, const char *const *v, int n, bm_error *err)
{
    bm_pg *pg = bm__store_pg(s);
    if (pg) {
        int rc = bm__pg_exec(pg, sql, n, v, NULL, NULL, NULL);
        return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm__pg_errmsg(pg));
    }
    bm__stmt *st;
    int rc = bm__edit_prepare(s, sql, &st, err);
    if (rc != BM_OK)
        return rc;
    for (int i = 0; i < n; i++)
        bm__stmt_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    int step = bm__stmt_step(st);
    bm__stmt_finalize(st);
    return step == SQLITE_DONE ? BM_OK
                               : bm_error_set(err, BM_EDB, "%s", bm__stmt_errmsg(s));
}

int bm_team_place_add(bm_store *s, const bm_place *p, const char *author, bm_error *err)
{
    if (!p->id[0] || (!p->name_en[0] && !p->name_ar[0]))
        return bm_error_set(err, BM_EINVAL, "a place needs an id and a name");
    if (!(p->pt.lon >= -180 && p->pt.lon <= 180 && p->pt.lat >= -90 && p->pt.lat <= 90))
        return bm_error_set(err, BM_EINVAL, "coordinates %g,%g are outside WGS84 bounds", p->pt.lon,
                            p->pt.lat);
    int rc = bm_store_begin(s);
    if (rc != BM_OK)
        return bm_error_set(err, rc, "%s", bm_store_errmsg(s));
    int found = 0;
    rc = exists(s, "SELECT 1 FROM places WHERE id = ?1", p->id, NULL, &found, err);
    if (rc == BM_OK && found)
        rc = bm_error_set(err, BM_EEXIST, "a place with id '%s' exists already", p->id);
    if (rc == BM_OK && bm_store_place_put(s, p) != BM_OK)
        rc = bm_error_set(err, BM_EDB, "%s", bm_store_errmsg(s));
    char who[128];
    const char *v[] = {p->id, bm_edit_author(author, who, sizeof who)};
    if (rc == BM_OK)
        rc = insert_text(s,
                         "INSERT INTO team_places(place_id, added_by, added_at) VALUES (?1, ?2, "
                         "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                         v, 2, err);
    if (rc != BM_OK) {
        bm_store_rollback(s);
        return rc;
    }
    rc = bm_store_commit(s);
    return rc == BM_OK ? BM_OK : bm_error_set(err, rc, "%s", bm_store_errmsg(s));
}

int bm_team_alias_add(bm_store *s, const char *place_id, const char *name, const char *lang,
                      const char *author, bm_error *err)
{
    if (!place_id || !*place_id || !name || !*name)
        return bm_error_set(err, BM_EINVAL, "an alias needs a place id and a name");
    int found = 0;
    int rc = exists(s, "SELECT 1 FROM places WHERE id = ?1", place_id, NULL, &found, err);
    if (rc == BM_OK && !found)
        return bm_error_set(err, BM_ENOTFOUND,
                            "no place '%s' (try: bordermap places search "
                            "NAME)",
                            place_id);
    if (rc == BM_OK)
        rc = exists(s, "SELECT 1 FROM team_aliases WHERE place_id = ?1 AND name = ?2", place_id,
                    name, &found, err);
    if (rc == BM_OK && found)
        return bm_error_set(err, BM_EEXIST, "'%s' is already an alias of %s", name, place_id);
    if (rc != BM_OK)
        return rc;
    char who[128];
    const char *v[] = {place_id, name, lang ? lang : "", bm_edit_author(author, who, sizeof who)};
    return insert_text(s,
                       "INSERT INTO team_aliases(place_id, name, lang, added_by, added_at) VALUES "
                       "(?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                       v, 4, err);
}

typedef struct {
    bm_store *s;
    bm_place_cb place_cb;
    bm_alias_cb alias_cb;
    void *user;
} pg_team_scan;

/* A team place the other program removed from places: nothing to add. */
static int pg_team_place(int n, const char *const *v, void *user)
{
    pg_team_scan *sc = user;
    bm_place p;
    (void)n;
    if (!v[0] || bm_store_place_get(sc->s, v[0], &p) != BM_OK)
        return 0;
    return sc->place_cb(&p, sc->user);
}

static int pg_team_alias(int n, const char *const *v, void *user)
{
    pg_team_scan *sc = user;
    (void)n;
    return sc->alias_cb(v[0], v[1], sc->user);
}

static int pg_team_scan_run(bm_store *s, const char *sql, bm__row_cb row, pg_team_scan *sc,
                            bm_error *err)
{
    int rc = bm__pg_exec(bm__store_pg(s), sql, 0, NULL, row, sc, NULL);
    return rc < 0 ? bm_error_set(err, rc, "reading team places: %s", bm_store_errmsg(s)) : rc;
}

int bm_team_places(bm_store *s, bm_place_cb cb, void *user, bm_error *err)
{
    if (bm__store_pg(s)) {
        pg_team_scan sc = {s, cb, NULL, user};
        return pg_team_scan_run(s, "SELECT place_id FROM team_places ORDER BY place_id",
                                pg_team_place, &sc, err);
    }
    bm__stmt *st;
    int rc = bm__edit_prepare(s, "SELECT place_id FROM team_places ORDER BY place_id", &st, err);
    if (rc != BM_OK)
        return rc;
    int step;
    bm_place p;
    while ((step = bm__stmt_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)bm__stmt_column_text(st, 0);
        if (!id || bm_store_place_get(s, id, &p) != BM_OK)
            continue; /* removed from places by another program: nothing to add */
        if ((rc = cb(&p, user)) != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = bm_error_set(err, BM_EDB, "reading team places: %s", bm__stmt_errmsg(s));
    bm__stmt_finalize(st);
    return rc;
}

int bm_team_aliases(bm_store *s, bm_alias_cb cb, void *user, bm_error *err)
{
    if (bm__store_pg(s)) {
        pg_team_scan sc = {s, NULL, cb, user};
        return pg_team_scan_run(s, "SELECT place_id, name FROM team_aliases ORDER BY place_id, name",
                                pg_team_alias, &sc, err);
    }
    bm__stmt *st;
    int rc = bm__edit_prepare(s, "SELECT place_id, name FROM team_aliases ORDER BY place_id, name",
                              &st, err);
    if (rc != BM_OK)
        return rc;
    int step;
    while ((step = bm__stmt_step(st)) == SQLITE_ROW) {
        rc = cb((const char *)bm__stmt_column_text(st, 0), (const char *)bm__stmt_column_text(st, 1),
                user);
        if (rc != 0)
            break;
    }
    if (rc == BM_OK && step != SQLITE_DONE)
        rc = bm_error_set(err, BM_EDB, "reading team aliases: %s", bm__stmt_errmsg(s));
    bm__stmt_finalize(st);
    return rc;
}
