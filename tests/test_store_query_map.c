/* test_store_query_map.c: the map's lean read (bm__store_query_map) against the full one
 * (bm_store_query): the same incidents in the same order with the same id, dates, precision,
 * type, place, point, geo precision, fatalities (NULL included) and source count (none, one,
 * several, incidents deleted between), on the whole table and on filtered queries. */
#include <math.h>

#include "bm_test.h"
#include "store_private.h"

typedef struct rows {
    bm_incident v[64];
    size_t n;
} rows;

static int keep(const bm_incident *inc, void *user)
{
    rows *r = user;
    if (r->n < sizeof r->v / sizeof r->v[0])
        r->v[r->n] = *inc;
    r->n++;
    return 0;
}

static void add(bm_store *s, int k, int64_t article, int n_sources)
{
    bm_incident in;
    bm_incident_init(&in);
    in.date_start = (bm_date){2020 + k % 5, 1 + k % 12, 1 + (k * 7) % 28};
    in.date_precision = k % 3 == 0 ? BM_PREC_MONTH : BM_PREC_DAY;
    in.date_end = bm_date_span_end(in.date_start, in.date_precision);
    snprintf(in.type, sizeof in.type, "%s", bm_type_name(k % BM_N_TYPES));
    if (k % 4)
        snprintf(in.place_id, sizeof in.place_id, "place-%d", k);
    in.pt = (bm_lonlat){38.5 + k * 0.173, 33.1 + k * 0.091};
    in.geo_precision = 1 + k % 3;
    in.confidence = 0.5;
    in.fatalities = k % 5 == 0 ? -1 : k % 7;
    snprintf(in.summary, sizeof in.summary, "summary %d", k);
    BM_REQUIRE(bm_store_incident_add(s, &in) == BM_OK);
    for (int j = 0; j < n_sources; j++) {
        bm_source src = {.incident_id = in.id,
                         .article_id = article,
                         .byte_start = j * 10,
                         .byte_end = j * 10 + 5,
                         .sentence = "a sentence"};
        BM_REQUIRE(bm_store_source_add(s, &src) == BM_OK);
    }
}

static void same_rows(const rows *full, const rows *map)
{
    BM_ASSERT_EQ_INT(map->n, full->n);
    for (size_t i = 0; i < full->n && i < map->n && i < 64; i++) {
        const bm_incident *a = &full->v[i], *b = &map->v[i];
        BM_ASSERT_EQ_INT(b->id, a->id);
        BM_ASSERT_EQ_INT(bm_date_cmp(b->date_start, a->date_start), 0);
        BM_ASSERT_EQ_INT(bm_date_cmp(b->date_end, a->date_end), 0);
        BM_ASSERT_EQ_INT(b->date_precision, a->date_precision);
        BM_ASSERT_EQ_STR(b->type, a->type);
        BM_ASSERT_EQ_STR(b->place_id, a->place_id);
        BM_ASSERT(b->pt.lon == a->pt.lon && b->pt.lat == a->pt.lat);
        BM_ASSERT_EQ_INT(b->geo_precision, a->geo_precision);
        BM_ASSERT_EQ_INT(b->fatalities, a->fatalities);
        BM_ASSERT_EQ_INT(b->n_sources, a->n_sources);
    }
}

int main(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/map.sqlite", bm_test_tmpdir());
    bm_store *s = NULL;
    bm_error err;
    BM_REQUIRE(bm_store_open(path, 0, &s, &err) == BM_OK);
    bm_article a = {.file_name = "a.txt", .source = "Test", .published = "2024-01-02"};
    snprintf(a.sha256, sizeof a.sha256, "%064d", 1);
    BM_REQUIRE(bm_store_article_add(s, &a) == BM_OK);
    for (int k = 0; k < 30; k++)
        add(s, k, a.id, k % 4 == 1 ? 0 : k % 4 == 2 ? 3 : 1);
    /* Holes in the ids, one with sources: their counts go with them. */
    BM_REQUIRE(bm_store_incident_delete(s, 4) == BM_OK);
    BM_REQUIRE(bm_store_incident_delete(s, 11) == BM_OK);

    bm_query q;
    bm_query_init(&q);
    q.any_order = 1;
    rows full = {0}, map = {0};
    BM_ASSERT_EQ_INT(bm_store_query(s, &q, keep, &full), BM_OK);
    BM_ASSERT_EQ_INT(bm__store_query_map(s, &q, keep, &map), BM_OK);
    BM_ASSERT_EQ_INT(full.n, 28);
    same_rows(&full, &map);
    int several = 0, none = 0, null_fatalities = 0;
    for (size_t i = 0; i < map.n; i++) {
        several += map.v[i].n_sources == 3, none += map.v[i].n_sources == 0;
        null_fatalities += map.v[i].fatalities == -1;
    }
    BM_ASSERT(several > 0 && none > 0 && null_fatalities > 0);
    /* Only the columns a map draws: the text columns stay empty. */
    BM_ASSERT_EQ_STR(map.v[0].summary, "");

    /* In date order, and filtered (each a count per row): the same as the full read. */
    bm_query_init(&q);
    memset(&full, 0, sizeof full), memset(&map, 0, sizeof map);
    BM_ASSERT_EQ_INT(bm_store_query(s, &q, keep, &full), BM_OK);
    BM_ASSERT_EQ_INT(bm__store_query_map(s, &q, keep, &map), BM_OK);
    same_rows(&full, &map);
    q.has_from = 1, q.from = (bm_date){2022, 1, 1};
    q.has_bbox = 1, q.west = 39, q.south = 33, q.east = 42, q.north = 36;
    memset(&full, 0, sizeof full), memset(&map, 0, sizeof map);
    BM_ASSERT_EQ_INT(bm_store_query(s, &q, keep, &full), BM_OK);
    BM_ASSERT_EQ_INT(bm__store_query_map(s, &q, keep, &map), BM_OK);
    BM_ASSERT(full.n > 0 && full.n < 28);
    same_rows(&full, &map);

    bm_store_close(s);
    if (!bm_test_failures && !getenv("BM_KEEP_TMP"))
        bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_store_query_map");
}
