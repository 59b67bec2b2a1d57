/* gazload.c: the gazetteer as the places, mentions and gazetteer commands
 * see it: data files plus the user's imported places.
 * Must never create or modify a database: it is opened read-only. */
#include "gazload.h"

#include <string.h>
#include <unistd.h>

bm_gazetteer *bm__cli_load_gazetteer(const bm_cli *cli)
{
    bm_gazetteer *g = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_gazetteer_load(&g, &err) != BM_OK) {
        bm_cli_fail("gazetteer", "%s", bm_error_text(&err));
        return NULL;
    }
    if (!cli->db_path || (!bm_store_path_is_url(cli->db_path) && access(cli->db_path, R_OK) != 0))
        return g;
    bm_store *store = NULL;
    if (bm_store_open_schema(cli->db_path, cli->pg_schema, BM_STORE_READONLY | BM_STORE_NOCREATE,
                             &store, &err) != BM_OK) {
        /* Not a bordermap database (or unreadable): the files alone serve. */
        if (!cli->quiet)
            fprintf(stderr, "bordermap: note: %s not read: %s\n", cli->db_path,
                    bm_error_text(&err));
        return g;
    }
    int rc = bm_gazetteer_add_store_places(g, store, &err);
    bm_store_close(store);
    if (rc != BM_OK) {
        bm_cli_fail("gazetteer", "%s", bm_error_text(&err));
        bm_gazetteer_free(g);
        return NULL;
    }
    return g;
}

void bm__cli_put_field(FILE *fp, const char *s, size_t len)
{
    if (!s || len == 0) {
        fputc('-', fp);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != '\t' && c != '\n' && c != '\r')
            continue;
        fwrite(s + start, 1, i - start, fp);
        fputc(' ', fp);
        start = i + 1;
    }
    fwrite(s + start, 1, len - start, fp);
}
