/* extract_private.h: the lexicon matcher behind extract.c (trigger words,
 * context cues, nationality words, fatality counts), loaded from the TSV
 * files under gazetteer/lexicon/. Never exported: not part of the public API. */
#ifndef BORDERMAP_EXTRACT_PRIVATE_H
#define BORDERMAP_EXTRACT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/arabic.h"
#include "bordermap/extract.h"
#include "bordermap/gazetteer.h"

/* What a lexicon entry is. */
typedef enum lex_kind {
    LEX_TRIGGER = 0,
    LEX_CUE = 1,
    LEX_DEMONYM = 2,
    LEX_FATAL = 3,
    LEX_NKINDS = 4
} lex_kind;

/* Frames: how a trigger finds its place. */
typedef enum lex_frame {
    FRAME_NONE = 0,
    FRAME_VISIT,  /* the destination after the trigger */
    FRAME_HOST,   /* where the host received the guest */
    FRAME_MEET,   /* where the meeting was */
    FRAME_COMM,   /* a call or message: where its receiver is */
    FRAME_SUMMIT, /* where the summit is held */
    FRAME_ACT, /* an act with no means (قصف، استهداف، struck): the clause's means word types it */
    FRAME_ASSAULT, /* a generic attack word (هجوم، attacked): on armed forces' positions it is a
                     clash */
    FRAME_ENTER, /* forces entering (دخلت قوات، troops entered): a town is taken (clash), a
                   country is crossed into (deployment) */
    FRAME_TAKE,  /* a verb that takes many objects (took, take): an event only when a place is
                    its object ("took Ramadi"), never "took part" or "took place" */
    FRAME_COUNTED, /* a verb, a gap and a noun (عبر نحو ألفي عسكري): an event only when the gap
                     holds a count, never عبر مسؤول عسكري (expressed, a military official) */
    FRAME_WITHDRAW /* a withdrawal (انسحب، withdrew): forced out by an assault told right after
                      it ("withdrew from X after an attack by Y"), X was taken: a clash
                      (wip/ext6) */
} lex_frame;

/* Cue roles (bit flags: one word can have several, e.g. إلى). */
enum {
    CUE_NEGATION = 1u << 0,
    CUE_FUTURE = 1u << 1,
    CUE_SCHEDULED = 1u << 2,
    CUE_OPINION = 1u << 3,
    CUE_BACKGROUND = 1u << 4,
    CUE_BGDATE = 1u << 5,
    CUE_REPORT = 1u << 6,
    CUE_RECEIVER = 1u << 7,
    CUE_RECIPIENT = 1u << 8,
    CUE_SPAN_FROM = 1u << 9,
    CUE_SPAN_TO = 1u << 10,
    CUE_BORDER = 1u << 11,
    CUE_NEAR = 1u << 12,
    CUE_CLAUSE = 1u << 13,
    CUE_CAPITAL = 1u << 14,
    CUE_TITLE = 1u << 15,
    CUE_STOP = 1u << 16,
    CUE_ACTOR = 1u << 17,
    CUE_PURPOSE = 1u << 18,
    CUE_STRETCH = 1u << 19,
    CUE_SOURCE = 1u << 20,
    CUE_SPEAKER = 1u << 21,
    CUE_AFTER = 1u << 22,
    CUE_ACCUSE = 1u << 23,
    CUE_ANAPHOR = 1u << 24,
    CUE_CREDIT = 1u << 25,
    CUE_DISTANCE = 1u << 26,
    CUE_SUPPORT = 1u << 27,
    CUE_COMPLEMENT = 1u << 28,
    CUE_FORCES = 1u << 29,
    CUE_DOER = 1u << 30,
    CUE_CAUSE = 1u << 31
};

/* Cue roles of a word: the bits above, and those past 32 below. */
typedef uint64_t cue_roles;
/* "arrested them", القبض عليهم: the people the previous sentence told of */
#define CUE_THEM ((cue_roles)1 << 32)
/* "an attack on X", هجوم على: the word that introduces an attack's target */
#define CUE_TARGET ((cue_roles)1 << 33)
/* "after the fall of", أثناء المعارك: a period named by a known event (background) */
#define CUE_EPOCH ((cue_roles)1 << 34)
/* التي، الذي: a relative pronoun; a present verb after it tells a habit */
#define CUE_RELATIVE ((cue_roles)1 << 35)
/* "the province", المحافظة with no name: the governorate named last */
#define CUE_PROVINCE ((cue_roles)1 << 36)
/* "is", "are", "faces" right before a trigger (wip/ext3-recall-en): the event
 * is going on as the article is written */
#define CUE_PRESENT ((cue_roles)1 << 37)
/* "the town", "the village" with no name: the settlement named last
 * (wip/ext3-recall-en) */
#define CUE_SETTLEMENT ((cue_roles)1 << 38)
/* "a day after", "the day after": the event after it happened the day
 * before the sentence's date (wip/ext3-recall-en) */
#define CUE_DAY_AFTER ((cue_roles)1 << 39)
/* (bits 37-39 are taken on main by present, settlement, day_after)
 * عبر، من خلال, by means of: how the clause's own event was done (a cause
 * phrase that types the clause when nothing outside it does) */
#define CUE_MEANS ((cue_roles)1 << 40)
/* من جهة، من جانب, on the ... side: after a border, the area it names is the
 * stretch of the border, not the event's place */
#define CUE_SIDE ((cue_roles)1 << 41)
/* زيارات، لقاءات (wip/ext3-prec): a plural event noun that tells many events */
#define CUE_PATTERN ((cue_roles)1 << 42)
/* على خلفية، in response to (wip/ext3-prec): a cause whose places are the cause's own */
#define CUE_REASON ((cue_roles)1 << 43)
/* عبر، من خلال، مرورا، via, through right before a named crossing
 * (wip/ext4-transfer): the crossing a transfer of people passes */
#define CUE_VIA ((cue_roles)1 << 44)
/* تناول، ناقش، discussed (wip/ext4-heldout): after a definite meeting noun
 * (اللقاء تناول، the talks discussed) the meeting is one already told */
#define CUE_TOPIC ((cue_roles)1 << 45)
/* حكومة، نظام، سلطات right before a capital (wip/ext5-prec): "حكومة دمشق",
 * the government of that capital, not a place of the event */
#define CUE_RULER ((cue_roles)1 << 46)

/* Fatality word kinds. */
typedef enum fatal_kind { FATAL_NUMBER = 1, FATAL_VAGUE, FATAL_DEATH, FATAL_INJURY } fatal_kind;

/* Flags of a term's word (lex_entry.pfx). */
enum { PFX_STEM = 1, PFX_GAP = 2 };

typedef struct lex_entry {
    lex_kind kind;
    size_t n;           /* words */
    char **w;           /* normalised words (tokens of the term) */
    unsigned char *pfx; /* word i is a stem (PFX_STEM) or a gap of 1-2 words (PFX_GAP) */
    char *term;         /* the term as written (for reasons) */
    /* LEX_TRIGGER */
    int type; /* bm_type_index() */
    double weight;
    lex_frame frame;
    /* LEX_CUE */
    cue_roles roles;
    /* LEX_DEMONYM */
    const bm_gplace *country, *capital;
    /* LEX_FATAL */
    int value;
    fatal_kind fkind;
} lex_entry;

typedef struct lexicon lexicon;

/* Loads every lexicon file from dir. g resolves the place ids of demonyms.tsv
 * (rows with unknown ids are skipped). */
int bm__lexicon_load(const char *dir, const bm_gazetteer *g, lexicon **out, bm_error *err);
void bm__lexicon_free(lexicon *lx);
size_t bm__lexicon_count(const lexicon *lx, lex_kind kind);
/* The gazetteer place of the Iraq-Syria frontier named by cues.tsv (role
 * border_place), or NULL. */
const bm_gplace *bm__lexicon_border_place(const lexicon *lx);
/* Whether p is a country's capital in demonyms.tsv. */
int bm__lexicon_is_capital(const lexicon *lx, const bm_gplace *p);

/* A word memo for bm__lexicon_match_all: what each distinct word of the
 * texts matches first, kept across texts (memory bounded). One per thread. */
typedef struct lex_memo lex_memo;
lex_memo *bm__lex_memo_new(void);
void bm__lex_memo_free(lex_memo *mo);

/* For each kind, the longest entry that starts at token i (NULL if none) and
 * in ntok[kind] how many tokens it spans (quote marks inside a multi-word
 * term are skipped and counted). mo may be NULL (nothing remembered); th
 * the tokens' bm__key_hash, or NULL (hashed here). */
void bm__lexicon_match_all(const lexicon *lx, lex_memo *mo, const bm_tokens *t, const uint32_t *th,
                           size_t i, const lex_entry *best[LEX_NKINDS], size_t ntok[LEX_NKINDS]);

#endif
