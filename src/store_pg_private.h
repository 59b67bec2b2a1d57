/* store_pg_private.h: what store_pg.c, store_pg_schema.c and store_copy.c
 * share about a PostgreSQL connection. Never exported. */
#ifndef BORDERMAP_STORE_PG_PRIVATE_H
#define BORDERMAP_STORE_PG_PRIVATE_H

#include <libpq-fe.h>

#include "store_backend.h"
#include "store_private.h"

/* Statements prepared once per connection. */
enum {
    PS_BEGIN,
    PS_LOCK,
    PS_COMMIT,
    PS_SAVEPOINT,
    PS_RELEASE,
    PS_META_GET,
    PS_META_SET,
    PS_SPAN_SET,
    PS_INCIDENT_ADD,
    PS_INCIDENT_UPDATE,
    PS_INCIDENT_FIND_EXTERNAL,
    PS_INCIDENT_GET,
    PS_ARTICLE_FIND,
    PS_ARTICLE_ADD,
    PS_SOURCE_ADD,
    PS_SOURCES_ONE,
    PS_PLACE_NAMES_DEL,
    PS_PLACE_PUT,
    PS_PLACE_NAME_ADD,
    PS_PLACE_AREA_SET,
    PS_PLACE_GET,
    PS_RECORD_GET,
    PS_RECORD_PUT,
    PS_IDENTITY_RECORD,
    PS_BY_KEY,
    PS_COUNT
};

struct bm_pg {
    PGconn *conn;
    char schema[64];
    char label[192];    /* what messages call the database (never the URL) */
    char lock_key[96];  /* the advisory lock of the schema's writers */
    int read_only;
    int schema_version;
    int tx_depth;
    int max_span_days;
    unsigned cursor_seq;
    int64_t last_changes; /* rows the last store_stmt.c write changed */
    /* Prepared incident queries by SQL text: ingest asks the same few shapes
     * for every article, and planning them costs more than running them. */
    struct {
        char *sql;
        unsigned last_use;
    } qcache[8];
    unsigned qclock;
    unsigned char prepared[PS_COUNT];
    char errmsg[512];
};

int bm__pg_fail(bm_pg *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int bm__pg_fail_res(bm_pg *p, const PGresult *res, const char *what);
/* search_path, date style, time zone of a new (or reset) session. */
int bm__pg_session_setup(bm_pg *p);
PGresult *bm__pg_run(bm_pg *p, int which, const char *sql, int n, const char *const *v);
PGresult *bm__pg_params(bm_pg *p, const char *sql, int n, const char *const *v);
/* The SQLite dialect of edits.c and identity.c for PostgreSQL (malloc'ed). */
char *bm__pg_translate(const char *sql);
int bm__pg_scan(bm_pg *p, const char *sql, int n, const char *const *v,
                int (*rd)(const PGresult *r, int row, void *user), void *user);

#endif
