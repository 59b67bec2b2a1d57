/* bordermap/gazimport.h: bringing a large open gazetteer into the database:
 * Who's On First records (GeoJSON, as WOF's repositories publish them) and
 * gazetteer files in the project's own TSV format, read into rows and
 * written as places and names, merged with the curated and GeoNames rows
 * the gazetteer already has.
 * Must never take an Arabic name from a non-Arabic language's field, never
 * add a second place for one the gazetteer already holds, and never leave a
 * half-written import (the caller wraps an import in one transaction). */
#ifndef BORDERMAP_GAZIMPORT_H
#define BORDERMAP_GAZIMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bordermap/common.h"
#include "bordermap/gazetteer.h"
#include "bordermap/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One gazetteer row, as gazetteer/README.md defines the columns, plus what a
 * WOF record says about its own status. The alias lists are '|'-joined
 * strings the row owns (free with bm_gz_row_clear()); "" when none. */
typedef struct bm_gz_row {
    char id[64];
    char name_en[128];
    char name_ar[128]; /* "" when the record has no Arabic-script name */
    char kind[16];
    char country[3];
    char admin1[64];
    double lat, lon;
    int64_t population; /* -1 when unknown */
    char *aliases_en;
    char *aliases_ar;
    char source[96]; /* wof:<id>;gn:<geonameid>, or the TSV's source column */
    /* WOF only (0 / "" for TSV rows) */
    char placetype[32];
    int64_t wof_id;
    int64_t superseded_by; /* the first successor; 0 when none */
    int deprecated;        /* edtf:deprecated holds a date */
    int not_current;       /* mz:is_current = 0 (abandoned, destroyed, historical) */
} bm_gz_row;

void bm_gz_row_clear(bm_gz_row *row);

/* Reads one WOF record (a GeoJSON Feature) from memory into *row with the
 * rules of ../shared/data/wof/README.md: names from the preferred English
 * and Arabic fields, Arabic aliases only from Arabic-language fields (and
 * Arabic text found in fields of Latin-script languages), Latin text found
 * in Arabic fields moved to the English aliases, Kurdish/Persian/Urdu
 * Arabic-script names left out, the label point preferred. Any placetype is
 * read; kind is the gazetteer kind for it. *row is cleared first and owned
 * by the caller afterwards, also on failure. BM_EPARSE on malformed input. */
int bm_wof_parse(const char *json, size_t len, bm_gz_row *row, bm_error *err);

/* Calls cb for every row of a gazetteer TSV held in memory (header row
 * required: the place columns of gazetteer/README.md). The row is borrowed
 * for the call; a non-zero return from cb stops and is returned. `name`
 * labels errors. BM_EPARSE on a malformed row. */
typedef int (*bm_gz_row_cb)(const bm_gz_row *row, void *user);
int bm_gz_tsv_parse(const char *data, size_t len, const char *name, bm_gz_row_cb cb, void *user,
                    bm_error *err);

/* What an import did. */
typedef struct bm_gz_import_counts {
    long read;          /* records or rows read */
    long added;         /* new places */
    long updated;       /* places whose row changed */
    long unchanged;     /* rows identical to the last import */
    long merged;        /* rows that are a place the gazetteer already has */
    long names;         /* names written */
    long skipped_type;  /* WOF records of another placetype */
    long superseded;    /* WOF records with a successor (skipped) */
    long deprecated;    /* deprecated WOF records (skipped) */
    long not_current;   /* mz:is_current = 0 (skipped unless asked for) */
    long alt_files;     /* *-alt-*.geojson files skipped */
    long moved;         /* incidents moved to a successor */
} bm_gz_import_counts;

/* An import session over an open, writable store. g (borrowed, may be
 * NULL) is the gazetteer of the data files: its curated and GeoNames rows
 * absorb the rows that are the same place (gn: concordance; or the same name
 * within 5 km of a curated row). The caller opens the transaction before the
 * first add and commits after bm_gz_import_finish(). */
typedef struct bm_gz_import bm_gz_import;
int bm_gz_import_new(bm_store *store, const bm_gazetteer *g, bm_gz_import **out, bm_error *err);
/* Adds one row (copied). WOF status is honoured: superseded, deprecated and
 * (unless include_not_current) not-current records are counted and
 * skipped; a superseded record's successor is remembered. */
int bm_gz_import_add(bm_gz_import *im, const bm_gz_row *row, int include_not_current,
                     bm_error *err);
/* Moves incidents and records of superseded places to their successors and
 * fills *counts. */
int bm_gz_import_finish(bm_gz_import *im, bm_gz_import_counts *counts, bm_error *err);
bm_gz_import_counts *bm_gz_import_counts_of(bm_gz_import *im);
void bm_gz_import_free(bm_gz_import *im);

/* Where a place came from, for display: "curated", "geonames", "wof" or
 * "user". Static string. */
const char *bm_gazetteer_origin(const bm_gplace *p);

#ifdef __cplusplus
}
#endif
#endif
