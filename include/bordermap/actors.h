/* bordermap/actors.h: the armed and state actors a sentence names, as ACLED's
 * actor1 (the side that acts) and actor2 (the side acted upon), from the
 * lexicons gazetteer/lexicon/actors.tsv and actor-roles.tsv.
 * Must never hold an actor name in C: every name and marker is data. */
#ifndef BORDERMAP_ACTORS_H
#define BORDERMAP_ACTORS_H

#include <stddef.h>

#include "bordermap/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bm_actors bm_actors;

/* Loads actors.tsv and actor-roles.tsv from dir (NULL: gazetteer/lexicon under
 * the data directory). On success *out is the caller's, freed with
 * bm_actors_free(); on failure err says which line of which file. */
int bm_actors_load(const char *dir, bm_actors **out, bm_error *err);
/* NULL does nothing. */
void bm_actors_free(bm_actors *a);

typedef struct bm_actor_pair {
    char actor1[96]; /* the acting side, "" when no actor is named as acting */
    char actor2[96]; /* the other side, "" when none is named */
    int inter1, inter2; /* ACLED interaction codes (1-8), 0 for "" */
} bm_actor_pair;

/* Finds the actors of one sentence (UTF-8, len bytes) as of date `when`
 * (names whose meaning changed, such as the Syrian army, resolve by date; a
 * zero date accepts every period). Fills *out (zeroed first). BM_OK, or
 * BM_ENOMEM / BM_EPARSE with err set. */
int bm_actors_find(const bm_actors *a, const char *text, size_t len, bm_date when,
                   bm_actor_pair *out, bm_error *err);

/* ACLED's interaction code of an actor name from the lexicon, 0 if unknown. */
int bm_actors_inter(const bm_actors *a, const char *actor);

#ifdef __cplusplus
}
#endif
#endif
