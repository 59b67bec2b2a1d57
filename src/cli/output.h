/* output.h: the table, CSV and JSON writers for incidents on stdout.
 * Never decides what to print, only how: callers pass the rows. */
#ifndef BORDERMAP_CLI_OUTPUT_H
#define BORDERMAP_CLI_OUTPUT_H

#include <stdio.h>

#include "bordermap/bordermap.h"

typedef enum { BM_OUT_TABLE, BM_OUT_CSV, BM_OUT_JSON } bm_output_format;

typedef struct bm_output {
    FILE *fp;
    bm_output_format fmt;
    long long rows;
    bm_store *store; /* borrowed: where table and JSON rows read their sources */
} bm_output;

int bm_output_parse_format(const char *s, bm_output_format *fmt);
/* Table and JSON only: CSV goes through the export (one CSV schema). */
void bm_output_begin(bm_output *o, bm_store *store, FILE *fp, bm_output_format fmt);
int bm_output_incident(bm_output *o, const bm_incident *inc);
void bm_output_end(bm_output *o);

/* Writes a JSON string literal (quotes and escapes; UTF-8 kept as is). */
void bm_output_json_string(FILE *fp, const char *s);
/* Writes a CSV field (quoted when it holds a comma, quote or line break). */
void bm_output_csv_field(FILE *fp, const char *s);

/* One incident with every field and its sources. */
int bm_output_incident_detail(bm_store *store, FILE *fp, bm_output_format fmt,
                              const bm_incident *inc);

#endif
