/* bordermap/edits.h: a team's corrections that last: edits, merges and
 * splits of incidents with their history, and the team's own places and
 * spellings for the matcher.
 * Must never change an incident without a history row saying what changed,
 * from what, to what, when and by whom; and re-ingesting an article never
 * overwrites what an analyst corrected (src/identity.c keeps to that). */
#ifndef BORDERMAP_EDITS_H
#define BORDERMAP_EDITS_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/common.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The author recorded with a change: given when non-empty, else $USER, else
 * the account name of the effective user id, else "unknown". Writes it into
 * buf and returns buf. */
const char *bm_edit_author(const char *given, char *buf, size_t bufsize);

/* What to change in one incident; members left at their bm_incident_change_init
 * values stay as they are. Strings are borrowed for the call. */
typedef struct bm_incident_change {
    const char *type;     /* one of bm_type_name(); NULL: unchanged */
    const char *place_id; /* a place of the store's places table: the incident takes
                             its point and the geo-precision of its kind; NULL: unchanged */
    int has_pt;           /* pt set: the point (geo-precision 1); place_id stays */
    bm_lonlat pt;
    int has_date; /* dates set */
    bm_date date_start, date_end;
    bm_precision date_precision;
    int has_fatalities; /* fatalities set (-1: not stated) */
    int fatalities;
    const char *summary; /* NULL: unchanged */
    const char *note;    /* an analyst's note; "" clears it; NULL: unchanged */
} bm_incident_change;

void bm_incident_change_init(bm_incident_change *c);

/* The ACLED geo-precision an incident placed at a place of this kind has:
 * 3 for areas (country, governorate, region, river, lake), 2 for districts,
 * subdistricts and mountains, 1 for points. */
int bm_place_geo_precision(const char *kind);

/* Applies c to incident id in one transaction: one history row per field
 * that really changed (*n_changed says how many; 0 changes nothing and
 * records nothing). An edited incident is kept as it is by re-extraction.
 * BM_ENOTFOUND (no such incident or place), BM_EINVAL (bad value). */
int bm_edit_incident(bm_store *store, int64_t id, const bm_incident_change *c, const char *author,
                     int *n_changed, bm_error *err);

/* Merges the incidents others[0..n) into `into`, in one transaction: their
 * sources and identity keys move to `into`, their ids are deleted and
 * remembered as merged into it (bm_edit_merged_into), and every incident
 * involved gets a history row. `into` keeps its own fields. */
int bm_edit_merge(bm_store *store, int64_t into, const int64_t *others, size_t n,
                  const char *author, bm_error *err);

/* Moves source number `source` (1-based, in the order of bm_store_sources)
 * of incident id to a new incident with the same fields, in one
 * transaction; *new_id is its id. The source must not be the only one. */
int bm_edit_split(bm_store *store, int64_t id, size_t source, const char *author, int64_t *new_id,
                  bm_error *err);

/* Deletes incident id as a correction, in one transaction: a "delete" row
 * in its history keeps what it was, and re-extracting its articles never
 * brings it back. */
int bm_edit_delete(bm_store *store, int64_t id, const char *author, bm_error *err);

/* One recorded change. Strings are borrowed for the callback only. */
typedef struct bm_edit_record {
    int64_t id; /* order of recording */
    int64_t incident_id;
    const char *action;                /* edit, merge, merged-into, split, split-from, delete,
                                           unconfirmed, reconfirmed */
    const char *field;                 /* the field edited, or NULL */
    const char *old_value, *new_value; /* NULL when not applicable */
    const char *author;
    const char *at; /* UTC, YYYY-MM-DDTHH:MM:SSZ */
} bm_edit_record;

typedef int (*bm_edit_cb)(const bm_edit_record *r, void *user);
/* Calls cb for each change of incident id (also after it was merged away),
 * oldest first. A non-zero return from cb stops and is returned. */
int bm_edit_history(bm_store *store, int64_t id, bm_edit_cb cb, void *user, bm_error *err);

/* What the corrections left on an incident. */
typedef struct bm_incident_state {
    int edited;         /* an analyst changed it: re-extraction keeps it as it is */
    char edited_at[24]; /* "" when never edited */
    char note[1024];
    char review[256]; /* why an analyst should look again, "" when nothing */
} bm_incident_state;

/* BM_ENOTFOUND when there is no such incident. */
int bm_edit_state(bm_store *store, int64_t id, bm_incident_state *out, bm_error *err);
/* The incident an id was merged into (following merges of merges), or 0. */
int bm_edit_merged_into(bm_store *store, int64_t id, int64_t *into, bm_error *err);

/* ---- The team's own places and spellings --------------------------------- */

/* Adds a place of the team's own to the store (places table and
 * team_places); every command's matcher then knows it as a curated place
 * (bm_gazetteer_add_store_places). BM_EEXIST when the id is taken. */
int bm_team_place_add(bm_store *store, const bm_place *p, const char *author, bm_error *err);

/* Adds a spelling of a place (a gazetteer place or a team place); lang is
 * "ar" or "en". BM_EEXIST when the place already has this alias. */
int bm_team_alias_add(bm_store *store, const char *place_id, const char *name, const char *lang,
                      const char *author, bm_error *err);

/* Calls cb for each team place, ordered by id; the place is borrowed. */
int bm_team_places(bm_store *store, bm_place_cb cb, void *user, bm_error *err);

typedef int (*bm_alias_cb)(const char *place_id, const char *name, void *user);
/* Calls cb for each team alias, ordered by place and name. */
int bm_team_aliases(bm_store *store, bm_alias_cb cb, void *user, bm_error *err);

#ifdef __cplusplus
}
#endif
#endif
