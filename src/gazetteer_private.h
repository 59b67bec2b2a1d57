/* gazetteer_private.h: the gazetteer's internal tables (places, the hash
 * index of normalised names, the context lexicons) shared by gazetteer.c,
 * gazetteer_match.c and gazetteer_store.c. Never part of the public API. */
#ifndef BORDERMAP_GAZETTEER_PRIVATE_H
#define BORDERMAP_GAZETTEER_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/arabic.h"
#include "bordermap/gazetteer.h"
#include "keyhash_private.h"

/* Longest normalised key the index holds (bytes); longer names are skipped
 * at load, which only ever drops absurd rows. */
#define GZ_MAX_KEY 240

/* ---- String map: normalised key -> 32-bit value ------------------------ */

/* Open addressing, power-of-two capacity, keys in one arena. The index, the
 * lexicons and the id lookup are all instances, so every lookup is O(1). */
typedef struct gz_slot {
    uint32_t hash;
    uint32_t key_off; /* offset in keys arena; UINT32_MAX = empty */
    uint32_t key_len;
    uint32_t value;
} gz_slot;

typedef struct gz_map {
    gz_slot *slots;
    size_t cap, n;
    char *keys;
    size_t keys_len, keys_cap;
} gz_map;

static inline uint32_t bm__gz_hash(const char *s, size_t n)
{
    return bm__key_hash(s, n);
}
uint32_t bm__gz_hash_more(uint32_t h, const char *s, size_t n);

/* 1 when fingerprint (as bm_gazetteer_sync_store writes it) is the one a load of the files
 * as they are now would give, decided from stat() alone (names, sizes and times, as the
 * fingerprint is made) without reading them; 0 otherwise or when unsure. */
int bm__gz_fingerprint_current(const char *fingerprint);
/* The hash part of the fingerprint a load of the files as they are now would give, from
 * stat() alone (*hash); -1 when the directory cannot be listed. */
int bm__gz_files_hash(uint32_t *hash);
/* Finds key; returns the slot or NULL. */
const gz_slot *bm__gz_map_get(const gz_map *m, const char *key, size_t len, uint32_t hash);
/* Inserts key (if new) and returns its slot; *created says whether it was new.
 * NULL on allocation failure. The slot pointer is valid until the next put. */
gz_slot *bm__gz_map_put(gz_map *m, const char *key, size_t len, int *created);
void bm__gz_map_free(gz_map *m);
const char *bm__gz_map_key(const gz_map *m, const gz_slot *s);

/* ---- Places ------------------------------------------------------------ */

enum {
    GZ_P_BROAD = 1 << 0,    /* from a generated broad file (GeoNames) */
    GZ_P_USER = 1 << 1,     /* imported by the user into the store */
    GZ_P_SETTLE = 1 << 2,   /* a settlement kind (city, town, village) */
    GZ_P_AREA = 1 << 3,     /* an area kind (country, governorate, district, region) */
    GZ_P_POINTLIKE = 1 << 4 /* crossing, camp, base, oilfield, station, airport, dam */
};

/* Kinds in the order of gazetteer/README.md; gz_place.kind is one of them
 * so that the matcher compares integers, not strings. */
enum {
    GZ_K_COUNTRY,
    GZ_K_GOVERNORATE,
    GZ_K_DISTRICT,
    GZ_K_SUBDISTRICT,
    GZ_K_CITY,
    GZ_K_TOWN,
    GZ_K_VILLAGE,
    GZ_K_CROSSING,
    GZ_K_CAMP,
    GZ_K_BASE,
    GZ_K_OILFIELD,
    GZ_K_STATION,
    GZ_K_AIRPORT,
    GZ_K_DAM,
    GZ_K_MOUNTAIN,
    GZ_K_REGION,
    GZ_K_RIVER,
    GZ_K_LAKE,
    GZ_K_OTHER
};

typedef struct gz_place {
    bm_gplace pub;
    unsigned flags;
    int kind;      /* GZ_K_* */
    int kind_rank; /* larger = more specific */
} gz_place;

/* One name of one place in the index. */
enum {
    GZ_R_NOART = 1 << 0,  /* key is the name without its article ال */
    GZ_R_JOINED = 1 << 1, /* key is a multi-word name written run together */
    GZ_R_LATIN = 1 << 2,  /* a Latin-script key */
    GZ_R_CANON = 1 << 3   /* the canonical name (not an alias) */
};

typedef struct gz_ref {
    uint32_t place;
    uint32_t flags;
    uint32_t alias_off; /* offset of the alias as written, in g->strings */
} gz_ref;

/* Entry flags in the index map's value (high bits) and the group index. */
#define GZ_E_FULL 0x80000000u    /* the key is a complete name */
#define GZ_E_PREFIX 0x40000000u  /* the key is the start of a longer name */
#define GZ_E_SPECIAL 0x20000000u /* a border or capital word opens a phrase here */
#define GZ_E_IMPORTED 0x10000000u /* every place under the key was imported by the user
                                    (WOF, GeoNames dump, TSV): it needs evidence */
#define GZ_E_GROUP 0x0FFFFFFFu    /* index into g->groups */

typedef struct gz_group {
    uint32_t first, n; /* range in g->refs */
} gz_group;

/* ---- Context lexicons -------------------------------------------------- */

/* Roles of a context word (gazetteer/place-context.tsv). */
enum {
    GZ_C_TRIGGER = 1 << 0,       /* place-type or location word before a name */
    GZ_C_TRIGGER_AFTER = 1 << 1, /* place-type word after a name (crossing, الحدودي) */
    GZ_C_WEAK = 1 << 2,          /* English preposition: evidence only for capitalised names */
    GZ_C_PERSON_BEFORE = 1 << 3, /* أبو، أم، بن، عبد، titles: a given name follows */
    GZ_C_PERSON_AFTER = 1 << 4,  /* بن، ابن: the word before was a given name */
    GZ_C_APPOSITION = 1 << 5,    /* العاصمة، الجارة: a definite place may follow */
    GZ_C_RANGE_FROM = 1 << 6,    /* من، بين: opens a range or pair of places */
    GZ_C_RANGE_TO = 1 << 7,      /* إلى، حتى، و: closes it */
    GZ_C_CAPITAL = 1 << 8,       /* العاصمة / capital */
    GZ_C_BORDER = 1 << 9,        /* الحدود / border */
    GZ_C_SKIPLINE = 1 << 10,     /* a line opening with it is boilerplate (اقرأ أيضا) */
    GZ_C_LINK = 1 << 11,       /* between a trigger and the name (بالقرب من X; town of X) */
    GZ_C_ORG_BEFORE = 1 << 12, /* ends an organisation pattern that precedes a name */
    GZ_C_ORG_AFTER = 1 << 13,  /* opens an organisation pattern that follows a name */
    GZ_C_NOT_AFTER = 1 << 14,  /* after a name, shows it is a title (القائم بالأعمال) */
    GZ_C_PLURAL = 1 << 15,     /* dual or plural trigger: names every coordinated name after it */
    GZ_C_DIRECTION = 1 << 16,  /* a compass word (شرق، شمالي): X شرقي سوريا describes X */
    GZ_C_SPEAKER = 1 << 17,    /* a verb of saying: a given-name trap right after it is a person */
    GZ_C_BORDER_ORG = 1 << 18, /* after "border": a force or office (border guards) */
    GZ_C_LIST_OPEN = 1 << 19   /* opens a list of members of a plural named before (بينها، منها) */
};

typedef struct gz_context {
    unsigned roles;
    unsigned kinds;    /* bit set of kinds the trigger points to (gz_kind_bit) */
    uint32_t singular; /* 1 + string offset of the singular key of a plural trigger; 0 none */
} gz_context;

/* Traps (gazetteer/traps.tsv): names that are also words or given names. */
enum {
    GZ_U_TRIGGER = 1 << 0, /* a trigger word before or after unlocks it */
    GZ_U_LIST = 1 << 1,    /* coordination with another place (X و Y، من X إلى Y) */
    GZ_U_NEARBY = 1 << 2,  /* another specific place within 150 km in the sentence */
    GZ_U_ALWAYS = 1 << 3   /* resolves unless a veto applies */
};

typedef struct gz_trap {
    unsigned unlock;
    uint32_t why_off; /* in g->strings */
} gz_trap;

/* Organisation patterns (gazetteer/org-prefixes.tsv). */
/* GZ_ORG_MODIFIER: "X-<pattern>" joined by a hyphen (US-led, Iran-backed). */
enum { GZ_ORG_BEFORE = 1, GZ_ORG_AFTER = 2, GZ_ORG_MODIFIER = 4 };

/* Nisba adjectives (gazetteer/nisba.tsv). */
typedef struct gz_nisba {
    uint32_t country; /* place index, UINT32_MAX when unknown */
    uint32_t capital; /* place index, UINT32_MAX when none */
    uint32_t fem_off; /* canonical feminine definite form (normalised), in strings */
} gz_nisba;

struct bm_gazetteer {
    gz_place *places;
    size_t n_places, cap_places;
    gz_map ids; /* id -> place index */

    gz_map index; /* normalised key -> GZ_E_* | group */
    gz_group *groups;
    size_t n_groups, cap_groups;
    gz_ref *refs;
    size_t n_refs, cap_refs;

    gz_map context; /* normalised word -> index in contexts */
    gz_context *contexts;
    size_t n_contexts, cap_contexts;
    gz_map traps; /* normalised key -> index in trap_v */
    gz_trap *trap_v;
    size_t n_traps, cap_traps;
    gz_map orgs; /* normalised token sequence -> GZ_ORG_* bits */
    size_t org_max_tokens;
    gz_map name_words; /* given names and common words (name-words.tsv), article-less */
    gz_map import_evidence; /* place words that vouch for imported names */
    gz_map prefix_seen;     /* prefix keys already pending (each is pended once) */
    gz_map name_ends;       /* particles that may follow a name (name-ends.tsv) */
    bm_tokens scratch;      /* tokens of the name being indexed (reused) */
    uint64_t *filter;       /* bit filter over the index keys' hashes */
    uint32_t filter_mask;
    gz_map nisbas; /* normalised nisba form -> index in nisba_v */
    gz_nisba *nisba_v;
    size_t n_nisbas, cap_nisbas;

    /* Arena of NUL-terminated strings (place fields, aliases). Offsets, not
     * pointers, while loading: the arena moves as it grows. */
    char *strings;
    size_t strings_len, strings_cap;
    int finalised; /* pub string pointers are valid */

    /* Build-time list of index entries, grouped when the index is finalised. */
    struct gz_pending *pending;
    size_t n_pending, cap_pending;

    char fingerprint[80]; /* of the files loaded */
    unsigned generation;  /* bumped whenever the index changes: finders' word memos
                             (gazetteer_match.c) are only valid for one generation */
};

/* Kind helpers. */
unsigned bm__gz_kind_bit(const char *kind);
int bm__gz_kind_rank(const char *kind);
const char *bm__gz_str(const bm_gazetteer *g, uint32_t off);

/* Builds the key tokens of a name: Arabic keys join words with one space and
 * skip hyphens; Latin keys concatenate words. Returns 0 when the name yields
 * no key. Used by the loader, the store sync and search alike. */
int bm__gz_name_key(const char *name, char *out, size_t outsize, int *latin);

/* Index maintenance used by the loaders: adds every key variant of one name
 * of place p (article-less, run-together, Latin article forms). */
int bm__gz_index_name(bm_gazetteer *g, uint32_t p, const char *name, int canonical, bm_error *err);
/* Adds a place (strings copied); returns its index or -1. */
long bm__gz_add_place(bm_gazetteer *g, const bm_gplace *p, unsigned flags, bm_error *err);
/* May the index hold a key with this hash? 0 means surely not. */
static inline int bm__gz_index_maybe(const bm_gazetteer *g, uint32_t hash)
{
    if (!g->filter)
        return 1;
    uint32_t a = hash & g->filter_mask, b = (hash * 0x9E3779B1u >> 7) & g->filter_mask;
    return (g->filter[a / 64] >> (a % 64) & 1) && (g->filter[b / 64] >> (b % 64) & 1);
}
/* Turns the places' string pointers back into arena offsets before names
 * are added to a finalised gazetteer (the arena may move). */
void bm__gz_unfinalise(bm_gazetteer *g);
/* Groups the pending names into the index (call after every batch of adds). */
int bm__gz_finalise(bm_gazetteer *g, bm_error *err);

/* ---- Shared helpers (gazetteer.c, gazetteer_lexicon.c) ---------------- */

int bm__gz_grow(void **p, size_t *cap, size_t need, size_t elem);
/* Copies s into the string arena; its offset, or -1 on allocation failure. */
long bm__gz_str_add(bm_gazetteer *g, const char *s, size_t len);
/* Appends s to a bounded key buffer; -1 when it would overflow. */
int bm__gz_key_cat(char *out, size_t *o, size_t outsize, const char *s, size_t n);
int bm__gz_is_word(const bm_token *t);
/* dir + "/" + name into buf; -1 when it does not fit. */
int bm__gz_join_path(char *buf, size_t n, const char *dir, const char *name);
/* Index of a place id, UINT32_MAX when absent or "-". */
uint32_t bm__gz_place_index(const bm_gazetteer *g, const char *id);

/* A TSV file being read: UTF-8, tab-separated, '#' comments, one header. */
#define TSV_MAX_FIELDS 24
typedef struct gz_tsv {
    char *data;
    size_t len, pos;
    int line;
    const char *path;
} gz_tsv;
/* Reads path whole; BM_EIO and a message when it cannot. */
int bm__gz_tsv_open(gz_tsv *t, const char *path, bm_error *err);
/* Splits the next data line into fields in place; 0 at the end. */
int bm__gz_tsv_next(gz_tsv *t, char **f);
/* Index of a header column, -1 when absent. */
int bm__gz_col(char **hdr, int nh, const char *name);
/* Field col of a row, "-" when empty or absent. */
const char *bm__gz_field(char **f, int nf, int col);
/* Loads place-context.tsv, traps.tsv, org-prefixes.tsv and nisba.tsv from
 * dir (each optional). Call after the places are loaded (nisba rows name
 * places) and before bm__gz_finalise (border and capital words go into the
 * index). */
int bm__gz_load_lexicons(bm_gazetteer *g, const char *dir, bm_error *err);

/* Latin article words (al, el, ad, ar, as, ash, at, az, ...). */
int bm__gz_latin_article(const char *w, size_t len);

/* A name found at a token: token range, index group, how the first word
 * was read (bytes of proclitics removed; لل read as ال) and the key. */
typedef struct gz_hit {
    size_t t0, t1;
    uint32_t group;
    int strip;
    int lil;
    int latin;
    int special; /* the first word may open a border/capital phrase */
    int imported;    /* the name is only known from user imports (GZ_E_IMPORTED) */
    int no_imported; /* in: leave out imported-only names (a file's name may lie inside) */
    size_t klen;
    char key[GZ_MAX_KEY + 8];
} gz_hit;

/* Longest name starting at token i (Arabic or Latin). 1 when found. */
int bm__gz_longest(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit);
/* The same, leaving out names only user imports know. */
int bm__gz_longest_files(const bm_gazetteer *g, const bm_tokens *t, size_t i, gz_hit *hit);

/* ---- Ranking imported places (gazetteer_rank.c) ------------------------- */

/* Extra score of place p among same-name candidates from user imports:
 * closeness to the article's other places (anchors) and the Iraq-Syria
 * corridor. *why (static) names the deciding term when it is the distance. */
/* Loads name-words.tsv, name-ends.tsv and import-evidence.tsv from dir
 * (each optional). */
int bm__gz_load_name_words(bm_gazetteer *g, const char *dir, bm_error *err);
/* Is the word a particle that may follow a place name (name-ends.tsv)? */
int bm__gz_name_end(const bm_gazetteer *g, const bm_token *tk);
/* Does the word (with or without an attached proclitic) vouch for a name
 * only user imports know (import-evidence.tsv)? */
int bm__gz_vouches(const bm_gazetteer *g, const bm_token *tk);
/* Are all the words of tokens [t0, t1] (the first after `strip` bytes of
 * proclitics) given names or common words? */
int bm__gz_all_name_words(const bm_gazetteer *g, const bm_tokens *t, size_t t0, size_t t1,
                          int strip);

double bm__gz_rank_imported(const gz_place *p, const bm_lonlat *anchors, size_t n_anchors,
                            const char **why);

/* Marks the first words of special phrases in the index (call before
 * bm__gz_finalise). */
int bm__gz_index_special(bm_gazetteer *g, const char *word);

/* bm_place_finder_run_tokens() with th, bm__key_hash of each token's
 * normalised form (NULL: hashed there): extract.c hashes every word once
 * for the three lexicons that look it up. */
int bm__place_finder_run_hashed(bm_place_finder *f, const char *text, size_t len,
                                const bm_tokens *tokens, const uint32_t *th,
                                const bm_place_mention **out, size_t *n, bm_error *err);
/* The key hashes of the tokens bm_place_finder_tokens() returns, one per
 * token, made by the last bm_place_finder_run() (NULL before any); owned by
 * f, valid until its next run. */
const uint32_t *bm__place_finder_hashes(const bm_place_finder *f);

#endif
