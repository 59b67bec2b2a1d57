/* edits_private.h: the history writer and SQL helpers that edits.c shares
 * with identity.c (re-extraction records what it did to corrected incidents)
 * and team_places.c. Never part of the public API. */
#ifndef BORDERMAP_EDITS_PRIVATE_H
#define BORDERMAP_EDITS_PRIVATE_H

#include "store_stmt.h"

#include "bordermap/edits.h"

/* Prepares sql on the store's connection; the caller finalizes. */
int bm__edit_prepare(bm_store *s, const char *sql, bm__stmt **st, bm_error *err);
/* Runs sql binding up to three integers to ?1..?3 (as many as it has);
 * *changes (may be NULL) is how many rows it changed. */
int bm__edit_exec_ids(bm_store *s, const char *sql, int64_t a, int64_t b, int64_t c, int *changes,
                      bm_error *err);
/* Appends one history row (author resolved by bm_edit_author). */
int bm__edit_record(bm_store *s, int64_t id, const char *action, const char *field,
                    const char *old_value, const char *new_value, const char *author,
                    bm_error *err);

#endif
