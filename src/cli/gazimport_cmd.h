/* gazimport_cmd.h: the `gazetteer import wof` and `gazetteer import tsv`
 * actions, called by cmd_gazetteer.c with argv[0] = "wof" / "tsv".
 * Must never be reached without a writable database path. */
#ifndef BORDERMAP_CLI_GAZIMPORT_CMD_H
#define BORDERMAP_CLI_GAZIMPORT_CMD_H

#include "cli.h"

int bm__cli_import_wof(bm_cli *cli, int argc, char **argv);
int bm__cli_import_tsv(bm_cli *cli, int argc, char **argv);

#endif
