/* store_pg_schema.c: connecting to PostgreSQL and the bordermap schema in it:
 * the URL checks, the session set-up, and the schema's versions and
 * migrations (the same version numbers as SpatiaLite's, store.c).
 * Must never accept a password inside the URL, never put the connection
 * string in a message, never create the database itself (only the schema),
 * and never touch a schema that is not bordermap's. Two `init`s at once are
 * serialised by the schema's advisory lock. */
#include "store_pg_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bm__pg_is_url(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

/* Identifiers cannot be bound: the schema name is restricted to what needs
 * no quoting. */
static int valid_schema(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 48 || !(islower((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (const char *c = s; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_'))
            return 0;
    return 1;
}

/* A password in the URL ends up in shell history, process lists and logs. */
static int url_has_password(const char *url, int *bad)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    *bad = opts == NULL;
    PQfreemem(msg);
    int has = 0;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
            has = 1;
    PQconninfoFree(opts);
    return has;
}

int bm__pg_session_setup(bm_pg *p)
{
    char path[128];
    snprintf(path, sizeof path, "%s, public", p->schema);
    const char *v[1] = {path};
    /* ISO dates (what bm_date_parse_iso reads), UTC times, and the
     * shortest exact text of a double (so values round-trip to SpatiaLite) */
    PGresult *r = bm__pg_params(p,
                                "SELECT set_config('search_path', $1, false), "
                                "set_config('datestyle', 'ISO, YMD', false), "
                                "set_config('timezone', 'UTC', false), "
                                "set_config('extra_float_digits', '1', false), "
                                "set_config('client_min_messages', 'warning', false)",
                                1, v);
    if (!r)
        return BM_EDB;
    PQclear(r);
    return BM_OK;
}

/* ---- Migrations ---------------------------------------------------------------
 * The PostgreSQL form of store.c's migration_N. Dates are DATE from the start
 * (SpatiaLite's version 5 re-declared them); DDL holds no values, only
 * identifiers and constants. Functions keep the search path they were made
 * with, so QGIS sessions that write the tables run the triggers right. */

static const char *const pg_migration_1[] = {
    "CREATE TABLE bm_meta(key text PRIMARY KEY, value text NOT NULL)",
    "INSERT INTO bm_meta(key, value) VALUES ('application', 'bordermap')",
    "CREATE TABLE articles(id bigserial PRIMARY KEY, sha256 text NOT NULL UNIQUE, "
    "file_name text, source text, url text, published text, language text, "
    "ingested_at text NOT NULL)",
    "CREATE TABLE places(id text PRIMARY KEY, name_en text, name_ar text, kind text, "
    "country text, admin1 text, population bigint, geom geometry(Point, 4326), "
    "area geometry(MultiPolygon, 4326))",
    "CREATE TABLE place_names(place_id text NOT NULL REFERENCES places(id) ON DELETE CASCADE, "
    "name text NOT NULL, key text, lang text, PRIMARY KEY(place_id, name))",
    "CREATE TABLE incidents(id bigint PRIMARY KEY, date_start date NOT NULL, "
    "date_end date NOT NULL, date_precision text NOT NULL CHECK (date_precision IN "
    "('day', 'week', 'month', 'year')), type text NOT NULL CHECK (type IN ('clash', 'attack', "
    "'airstrike', 'smuggling', 'infiltration', 'security_op', 'fortification', 'deployment', "
    "'crossing', 'diplomacy', 'statement', 'repatriation', 'other')), place_id text, "
    "geom geometry(Point, 4326) NOT NULL, "
    "geo_precision integer NOT NULL CHECK (geo_precision BETWEEN 1 AND 3), "
    "confidence double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1), "
    "fatalities integer CHECK (fatalities >= 0), summary text, created_at text NOT NULL)",
    "CREATE TABLE incident_sources(incident_id bigint NOT NULL REFERENCES incidents(id) "
    "ON DELETE CASCADE, article_id bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE, "
    "byte_start bigint NOT NULL, byte_end bigint NOT NULL, sentence text, "
    "PRIMARY KEY(incident_id, article_id, byte_start))",
    NULL,
};

/* Version 2: reasons, the spatial (GiST) and date-window indexes. */
static const char *const pg_migration_2[] = {
    "ALTER TABLE incidents ADD COLUMN reasons text",
    "ALTER TABLE incidents ADD COLUMN cell integer",
    "UPDATE incidents SET cell = (floor(ST_Y(geom))::integer + 90) * 360 + "
    "floor(ST_X(geom))::integer + 180",
    "CREATE INDEX incidents_geom ON incidents USING gist(geom)",
    "CREATE INDEX places_geom ON places USING gist(geom)",
    "CREATE INDEX places_area ON places USING gist(area)",
    "CREATE FUNCTION incidents_cell() RETURNS trigger LANGUAGE plpgsql SET search_path FROM "
    "CURRENT AS $$ BEGIN NEW.cell := (floor(ST_Y(NEW.geom))::integer + 90) * 360 + "
    "floor(ST_X(NEW.geom))::integer + 180; RETURN NEW; END $$",
    "CREATE TRIGGER incidents_cell BEFORE INSERT OR UPDATE OF geom ON incidents "
    "FOR EACH ROW EXECUTE FUNCTION incidents_cell()",
    "CREATE INDEX incidents_cell_date ON incidents(cell, date_start, date_end)",
    "CREATE INDEX incidents_date ON incidents(date_start, date_end)",
    "CREATE INDEX incident_sources_article ON incident_sources(article_id)",
    "CREATE INDEX place_names_key ON place_names(key)",
    "INSERT INTO bm_meta(key, value) SELECT 'max_span_days', "
    "coalesce(max(date_end - date_start), 0)::text FROM incidents",
    NULL,
};

static const char *const pg_migration_3[] = {
    "ALTER TABLE places ADD COLUMN source text",
    "CREATE TABLE place_records(record text PRIMARY KEY, place_id text NOT NULL, "
    "digest text NOT NULL)",
    "CREATE INDEX place_records_place ON place_records(place_id)",
    NULL,
};

static const char *const pg_migration_4[] = {
    "ALTER TABLE incidents ADD COLUMN note text",
    "ALTER TABLE incidents ADD COLUMN edited_at text",
    "ALTER TABLE incidents ADD COLUMN review text",
    "CREATE TABLE incident_edits(id bigserial PRIMARY KEY, incident_id bigint NOT NULL, "
    "action text NOT NULL, field text, old_value text, new_value text, author text NOT NULL, "
    "at text NOT NULL)",
    "CREATE INDEX incident_edits_incident ON incident_edits(incident_id)",
    "CREATE TABLE incident_merges(old_id bigint PRIMARY KEY, into_id bigint NOT NULL)",
    "CREATE TABLE incident_keys(sha256 text NOT NULL, byte_start bigint NOT NULL, "
    "byte_end bigint NOT NULL, place_key text NOT NULL, ordinal integer NOT NULL, "
    "incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE, "
    "PRIMARY KEY(sha256, byte_start, byte_end, place_key, ordinal))",
    "CREATE INDEX incident_keys_incident ON incident_keys(incident_id)",
    "CREATE FUNCTION incidents_id_hwm() RETURNS trigger LANGUAGE plpgsql SET search_path FROM "
    "CURRENT AS $$ BEGIN INSERT INTO bm_meta(key, value) VALUES ('incident_id_hwm', "
    "OLD.id::text) ON CONFLICT (key) DO UPDATE SET value = greatest(bm_meta.value::bigint, "
    "excluded.value::bigint)::text; RETURN NULL; END $$",
    "CREATE TRIGGER incidents_id_hwm AFTER DELETE ON incidents FOR EACH ROW "
    "EXECUTE FUNCTION incidents_id_hwm()",
    "CREATE TABLE incident_deleted_keys(sha256 text NOT NULL, byte_start bigint NOT NULL, "
    "byte_end bigint NOT NULL, place_key text NOT NULL, ordinal integer NOT NULL, "
    "incident_id bigint NOT NULL, PRIMARY KEY(sha256, byte_start, byte_end, place_key, "
    "ordinal))",
    "INSERT INTO incident_keys(sha256, byte_start, byte_end, place_key, ordinal, incident_id) "
    "SELECT a.sha256, s.byte_start, s.byte_end, CASE WHEN i.place_id <> '' THEN i.place_id "
    "ELSE 'pt:' || round(ST_X(i.geom)::numeric, 4) || ',' || round(ST_Y(i.geom)::numeric, 4) "
    "END, 0, i.id FROM incident_sources s JOIN articles a ON a.id = s.article_id "
    "JOIN incidents i ON i.id = s.incident_id ON CONFLICT DO NOTHING",
    "CREATE TABLE team_places(place_id text PRIMARY KEY REFERENCES places(id) "
    "ON DELETE CASCADE, added_by text NOT NULL, added_at text NOT NULL)",
    "CREATE TABLE team_aliases(place_id text NOT NULL, name text NOT NULL, lang text, "
    "added_by text NOT NULL, added_at text NOT NULL, PRIMARY KEY(place_id, name))",
    NULL,
};

static const char *const pg_migration_5[] = {
    "ALTER TABLE incidents ADD COLUMN actor1 text",
    "ALTER TABLE incidents ADD COLUMN actor2 text",
    "ALTER TABLE incidents ADD COLUMN provenance text NOT NULL DEFAULT 'extracted'",
    "ALTER TABLE incidents ADD COLUMN external_id text",
    "ALTER TABLE incidents ADD COLUMN inter1 integer CHECK (inter1 BETWEEN 1 AND 8)",
    "ALTER TABLE incidents ADD COLUMN inter2 integer CHECK (inter2 BETWEEN 1 AND 8)",
    "CREATE INDEX incidents_external ON incidents(provenance, external_id) "
    "WHERE external_id IS NOT NULL",
    NULL,
};

/* Version 6: the date index covers the duplicate lookup's key (store.c). */
static const char *const pg_migration_6[] = {
    "DROP INDEX incidents_date",
    "CREATE INDEX incidents_date ON incidents(date_start, date_end, type, date_precision, "
    "place_id)",
    NULL,
};

static const char *const *const pg_migrations[] = {NULL,           pg_migration_1, pg_migration_2,
                                                   pg_migration_3, pg_migration_4, pg_migration_5,
                                                   pg_migration_6};

/* ---- Versions ----------------------------------------------------------------- */

static int scalar(bm_pg *p, const char *sql, int n, const char *const *v, char *out, size_t size)
{
    PGresult *r = bm__pg_params(p, sql, n, v);
    if (!r)
        return BM_EDB;
    out[0] = '\0';
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return BM_OK;
}

/* 0: no schema or an empty one; -1: a schema of someone else's tables. */
static int read_version(bm_pg *p, int *version)
{
    const char *v[1] = {p->schema};
    char buf[32];
    int rc = scalar(p, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'bm_meta'",
                    1, v, buf, sizeof buf);
    if (rc != BM_OK)
        return rc;
    if (atoi(buf) == 0) {
        rc = scalar(p, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = $1",
                    1, v, buf, sizeof buf);
        *version = rc == BM_OK && atoi(buf) > 0 ? -1 : 0;
        return rc;
    }
    rc = bm__pg_meta_get(p, "schema_version", buf, sizeof buf);
    *version = atoi(buf);
    return rc;
}

static int load_span(bm_pg *p)
{
    char buf[32];
    int rc = bm__pg_meta_get(p, "max_span_days", buf, sizeof buf);
    p->max_span_days = rc == BM_OK && buf[0] ? atoi(buf) : 366;
    return rc;
}

/* PostGIS is the database's, not the schema's: created when missing and this
 * role may (a superuser, or a trusted extension), else the DBA is asked. */
static int ensure_postgis(bm_pg *p)
{
    char buf[8];
    int rc = scalar(p, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", 0, NULL, buf,
                    sizeof buf);
    if (rc != BM_OK || atoi(buf) > 0)
        return rc;
    PGresult *r = PQexec(p->conn, "CREATE EXTENSION IF NOT EXISTS postgis");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        bm__pg_fail_res(p, r, "PostGIS is not enabled in this database and this role cannot "
                              "enable it (ask its owner to run CREATE EXTENSION postgis)");
    PQclear(r);
    return ok ? BM_OK : BM_EDB;
}

static int run_ddl(bm_pg *p, const char *sql)
{
    PGresult *r = PQexec(p->conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        bm__pg_fail_res(p, r, "schema");
    PQclear(r);
    return ok ? BM_OK : BM_EDB;
}

int bm__pg_migrate(bm_pg *p, int target)
{
    if (target > BM_SCHEMA_VERSION || target <= p->schema_version)
        return BM_OK;
    int rc = bm__pg_begin(p);
    if (rc != BM_OK)
        return rc;
    /* under the lock: another init may have done it meanwhile */
    int from = 0;
    rc = ensure_postgis(p);
    if (rc == BM_OK) {
        char ddl[128];
        snprintf(ddl, sizeof ddl, "CREATE SCHEMA IF NOT EXISTS %s", p->schema);
        rc = run_ddl(p, ddl);
    }
    if (rc == BM_OK)
        rc = read_version(p, &from);
    if (rc == BM_OK && from < 0)
        rc = bm__pg_fail(p, BM_ENOTDB,
                         "schema %s holds tables of another application (no bordermap "
                         "metadata); refusing to modify it (choose another with --pg-schema)",
                         p->schema);
    for (int v = from + 1; rc == BM_OK && v <= target; v++) {
        for (const char *const *sql = pg_migrations[v]; rc == BM_OK && *sql; sql++)
            rc = run_ddl(p, *sql);
        char buf[16];
        snprintf(buf, sizeof buf, "%d", v);
        if (rc == BM_OK)
            rc = bm__pg_meta_set(p, "schema_version", buf);
    }
    if (rc != BM_OK) {
        char keep[sizeof p->errmsg];
        snprintf(keep, sizeof keep, "%s", p->errmsg);
        bm__pg_rollback(p);
        return bm__pg_fail(p, rc, "migrating %s from schema %d to %d: %s", p->label, from,
                           target, keep);
    }
    rc = bm__pg_commit(p);
    if (rc == BM_OK) {
        p->schema_version = from > target ? from : target;
        rc = load_span(p);
    }
    return rc;
}

/* ---- Opening ------------------------------------------------------------------ */

void bm__pg_close(bm_pg *p)
{
    if (!p)
        return;
    if (p->tx_depth > 0) {
        p->tx_depth = 1;
        bm__pg_rollback(p);
    }
    for (size_t i = 0; i < sizeof p->qcache / sizeof p->qcache[0]; i++)
        free(p->qcache[i].sql);
    PQfinish(p->conn);
    free(p);
}

static int check_version(bm_pg *p, int flags, int target)
{
    int version = 0;
    int rc = read_version(p, &version);
    if (rc != BM_OK)
        return rc;
    if (version < 0 && (flags & (BM_STORE_READONLY | BM_STORE_NOCREATE)))
        return bm__pg_fail(p, BM_ENOTDB, "schema %s holds tables of another application", p->schema);
    if (version == 0 && (flags & (BM_STORE_READONLY | BM_STORE_NOCREATE)))
        return bm__pg_fail(p, BM_ENOTFOUND, "%s does not exist (run `bordermap init` first)",
                           p->label);
    if (version > BM_SCHEMA_VERSION)
        return bm__pg_fail(p, BM_EVERSION,
                           "%s has schema version %d, newer than this bordermap understands "
                           "(%d); upgrade bordermap",
                           p->label, version, BM_SCHEMA_VERSION);
    p->schema_version = version > 0 ? version : 0;
    if (version > 0 && version < BM_SCHEMA_VERSION && p->read_only)
        return bm__pg_fail(p, BM_EVERSION,
                           "%s has schema version %d and needs a migration; open it writable once",
                           p->label, version);
    if (version > 0 && version >= target)
        return load_span(p);
    return bm__pg_migrate(p, version > 0 ? BM_SCHEMA_VERSION : target);
}

int bm__pg_open(const char *url, const char *schema, int flags, int target_version, bm_pg **out,
                bm_error *err)
{
    *out = NULL;
    if (!schema || !*schema)
        schema = "bordermap";
    if (!valid_schema(schema))
        return bm_error_set(err, BM_EINVAL,
                            "invalid PostgreSQL schema name '%s' (lower-case letters, digits, _)",
                            schema);
    int bad = 0;
    if (url_has_password(url, &bad))
        return bm_error_set(err, BM_EINVAL,
                            "refusing a database URL that contains a password: put it in "
                            "~/.pgpass or $PGPASSWORD (TLS: sslmode, sslrootcert in the URL or "
                            "$PGSSLMODE)");
    if (bad)
        return bm_error_set(err, BM_EINVAL, "the PostgreSQL database URL is malformed");
    bm_pg *p = calloc(1, sizeof *p);
    if (!p)
        return bm_error_set(err, BM_ENOMEM, "out of memory");
    snprintf(p->schema, sizeof p->schema, "%s", schema);
    snprintf(p->lock_key, sizeof p->lock_key, "bordermap:%s", schema);
    p->read_only = (flags & BM_STORE_READONLY) != 0;
    p->conn = PQconnectdb(url);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(p->conn));
        for (char *c = msg; *c; c++)
            if (*c == '\n')
                *c = ' ';
        bm__pg_close(p);
        return bm_error_set(err, BM_EDB, "cannot connect to PostgreSQL: %s", msg);
    }
    snprintf(p->label, sizeof p->label, "schema %s of PostgreSQL database %s", schema,
             PQdb(p->conn));
    int rc = bm__pg_session_setup(p);
    if (rc == BM_OK && p->read_only) {
        PGresult *r = bm__pg_params(p, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", 0,
                                    NULL);
        rc = r ? BM_OK : BM_EDB;
        PQclear(r);
    }
    if (rc == BM_OK)
        rc = check_version(p, flags, target_version);
    if (rc != BM_OK) {
        bm_error_set(err, rc, "%s", p->errmsg);
        bm__pg_close(p);
        return rc;
    }
    *out = p;
    return BM_OK;
}
