/* gazload.h: how the places, mentions and gazetteer commands get a
 * gazetteer: the data files, plus the places a user imported into the
 * database when that database exists.
 * Must never create a database: these commands work without one. */
#ifndef BORDERMAP_CLI_GAZLOAD_H
#define BORDERMAP_CLI_GAZLOAD_H

#include "cli.h"

/* Loads the gazetteer; adds user-imported places when cli->db_path names an
 * existing bordermap database (opened read-only). Prints the error and
 * returns NULL on failure. Free with bm_gazetteer_free(). */
bm_gazetteer *bm__cli_load_gazetteer(const bm_cli *cli);

/* Writes s with tabs and line breaks turned into spaces (TSV-safe). */
void bm__cli_put_field(FILE *fp, const char *s, size_t len);

#endif
