/* cli.h: what every `bordermap` subcommand shares: the global options, the
 * store it opens on demand and the error/exit conventions.
 * Subcommands must never exit() themselves: they return an exit code. */
#ifndef BORDERMAP_CLI_H
#define BORDERMAP_CLI_H

#include <stdio.h>

#include "bordermap/bordermap.h"

/* Exit codes, documented in `bordermap --help`. */
enum { BM_EXIT_OK = 0, BM_EXIT_FAIL = 1, BM_EXIT_USAGE = 2 };

typedef struct bm_cli {
    const char *db_path; /* --db, $BORDERMAP_DB, or ./bordermap.sqlite */
    int quiet;           /* --quiet: no progress or summaries on stderr */
    const char *pg_schema; /* --pg-schema, $BORDERMAP_PG_SCHEMA, or NULL ("bordermap") */
} bm_cli;

/* Prints "bordermap: <what>: <why>" on stderr. Returns BM_EXIT_FAIL. */
int bm_cli_fail(const char *what, const char *why_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "bordermap: <cmd>: <why>" and a hint to --help. Returns BM_EXIT_USAGE. */
int bm_cli_usage_error(const char *cmd, const char *why_fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How a command opens the database. */
enum {
    BM_CLI_WRITE = 0,    /* create on first use, migrate, sync the gazetteer */
    BM_CLI_READONLY = 1, /* read-only; the file must exist */
    BM_CLI_READ = 2      /* reading commands: like WRITE, but a file (or directory)
                            this user cannot write is opened read-only instead */
};
/* Opens the database in one of the modes above (0 and 1 keep their old
 * meaning of read_only). Prints the error and returns non-NULL only on
 * success; the caller closes it with bm_store_close(). */
bm_store *bm_cli_open_store(bm_cli *cli, int mode);

/* Loads the gazetteer into the store's places table when it changed since
 * the last sync (first use, or new gazetteer files). */
int bm__cli_sync_gazetteer(bm_store *store, bm_error *err);

/* Strict numbers for option values: the whole string is a decimal number in
 * [lo, hi] (no blanks, junk, overflow, NaN or infinity). BM_OK or BM_EINVAL. */
int bm_cli_parse_integer(const char *s, long long lo, long long hi, long long *out);
int bm_cli_parse_real(const char *s, double lo, double hi, double *out);
/* The value of `cmd`'s --jobs option (1 to 256 threads) into *jobs: BM_EXIT_OK,
 * or the usage error printed and its exit code. */
int bm_cli_parse_jobs(const char *cmd, const char *s, unsigned *jobs);
/* "LON,LAT" in degrees inside WGS84 bounds. BM_OK or BM_EINVAL. */
int bm_cli_parse_lonlat(const char *s, bm_lonlat *pt);

/* Parses "W,S,E,N" into a query bbox. BM_OK or BM_EINVAL. */
int bm_cli_parse_bbox(const char *s, double *w, double *s_, double *e, double *n);
/* Parses "a,b,c" into types validated against bm_type_index(). The array and
 * strings are the caller's to free with bm_cli_free_list(). */
int bm_cli_parse_types(const char *s, char ***out, size_t *n, char *bad, size_t badsize);
void bm_cli_free_list(char **list, size_t n);

/* Handles the shared filter options of list/render/export/animate: c is 'f'
 * (--from D), 't' (--to D), 'T' (--type T,...) or 'b' (--bbox W,S,E,N). Fills q
 * (types are kept in *types, freed by the caller with bm_cli_free_list()).
 * Returns BM_EXIT_OK or prints the usage error and returns BM_EXIT_USAGE. */
int bm__cli_parse_filter(const char *cmd, int c, const char *arg, bm_query *q, char ***types,
                         size_t *n_types);

/* Option parsers shared by the incidents subcommands (cmd_incidents.c). The
 * date and id parsers print the usage error and return BM_EXIT_USAGE
 * (LON,LAT: bm_cli_parse_lonlat above). */
int bm__cli_parse_date(const char *cmd, const char *opt, const char *v, bm_date *first,
                       bm_date *last, bm_precision *p);
int bm__cli_parse_id(const char *cmd, const char *s, int64_t *id);

/* incidents edit|merge|split|history (cmd_corrections.c); argv[0] is the
 * subcommand. */
int bm__cli_incidents_edit(bm_cli *cli, int argc, char **argv);
int bm__cli_incidents_merge(bm_cli *cli, int argc, char **argv);
int bm__cli_incidents_split(bm_cli *cli, int argc, char **argv);
int bm__cli_incidents_history(bm_cli *cli, int argc, char **argv);
/* The corrections of an incident (corrected when, note, review mark) as
 * `incidents show` prints them after the detail; nothing when none. */
void bm__cli_print_corrections(bm_store *store, int64_t id);
/* places add|alias add (cmd_places_team.c); argv[0] is the action. */
int bm__cli_places_add(bm_cli *cli, int argc, char **argv);
int bm__cli_places_alias(bm_cli *cli, int argc, char **argv);

/* True when stderr is a terminal and progress bars make sense. */
int bm_cli_progress_enabled(const bm_cli *cli);
/* Draws "label [#####.....] i/n" on stderr (only when enabled). */
void bm_cli_progress(const bm_cli *cli, const char *label, size_t i, size_t n);

/* Temporary files (tempfiles.c). bm_cli_temp_init() (once, in main, before
 * any other thread) routes SIGINT, SIGTERM and SIGHUP to a thread that
 * removes the temporary files of the watched outputs, then lets the signal
 * kill the process. bm_cli_temp_watch(target) adds an output file (or a
 * DIR/ of frames) and removes the leftovers of processes of this host that
 * are gone; bm_cli_temp_done() forgets them all (before exit). */
int bm_cli_temp_init(void);
void bm_cli_temp_watch(const char *target);
void bm_cli_temp_done(void);

/* Subcommands: argv[0] is the command name; getopt_long state is reset. */
int bm_cmd_init(bm_cli *cli, int argc, char **argv);
int bm_cmd_incidents(bm_cli *cli, int argc, char **argv);
int bm_cmd_places(bm_cli *cli, int argc, char **argv);
int bm_cmd_gazetteer(bm_cli *cli, int argc, char **argv);
int bm_cmd_mentions(bm_cli *cli, int argc, char **argv);
int bm_cmd_ingest(bm_cli *cli, int argc, char **argv);
int bm_cmd_render(bm_cli *cli, int argc, char **argv);
int bm_cmd_export(bm_cli *cli, int argc, char **argv);
int bm_cmd_animate(bm_cli *cli, int argc, char **argv);
int bm_cmd_import(bm_cli *cli, int argc, char **argv);
int bm_cmd_db(bm_cli *cli, int argc, char **argv);

#endif
