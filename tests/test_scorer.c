/* test_scorer.c: the accuracy benchmark's scorer (bench/corpus_eval_impl.h) on
 * hand-made gold and predictions whose figures are known: the codebook's
 * distance per gold kind, dates by value with "-" for an unresolved one,
 * incident dates by prefix, and one-to-one incident matching (duplicates and
 * one prediction near two gold incidents buy nothing). Guards the benchmark
 * itself: a scorer that flatters would flatter every floor. */
#include "bm_test.h"

#include "../bench/corpus_eval_impl.h"

static ce_place gold_place(const char *id, const char *kind, double lat, double lon)
{
    ce_place p;
    memset(&p, 0, sizeof p);
    snprintf(p.file, sizeof p.file, "a");
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.name, sizeof p.name, "%s", id);
    snprintf(p.kind, sizeof p.kind, "%s", kind);
    p.lat = lat, p.lon = lon;
    return p;
}

static ce_incident gold_incident(const char *date, const char *place, const char *type)
{
    ce_incident i;
    memset(&i, 0, sizeof i);
    snprintf(i.file, sizeof i.file, "a");
    snprintf(i.date, sizeof i.date, "%s", date);
    snprintf(i.place, sizeof i.place, "%s", place);
    snprintf(i.type, sizeof i.type, "%s", type);
    return i;
}

static ce_pred pred(int64_t id, const char *date, const char *type, double lat, double lon)
{
    ce_pred p;
    memset(&p, 0, sizeof p);
    p.id = id;
    snprintf(p.file, sizeof p.file, "a");
    snprintf(p.date, sizeof p.date, "%s", date);
    snprintf(p.type, sizeof p.type, "%s", type);
    snprintf(p.place, sizeof p.place, "p%lld", (long long)id);
    p.lat = lat, p.lon = lon;
    p.exported_article = 1;
    return p;
}

static void test_tolerances(void)
{
    BM_ASSERT_NEAR(ce_tolerance_km("town"), 20, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("crossing"), 20, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("district"), 60, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("governorate"), 120, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("other"), 150, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("region"), 200, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("river"), 300, 0);
    BM_ASSERT_NEAR(ce_tolerance_km("country"), 400, 0);
    /* One degree of latitude on the scorer's sphere. */
    BM_ASSERT_NEAR(ce_km(34, 41, 35, 41), 111.19, 0.01);
}

/* Places and dates from a `mentions` TSV: nearest unused place within the gold
 * kind's distance; a repeated id is one prediction; "-" is a wrong date. */
static void test_places_and_dates(void)
{
    ce_place pl[3] = {gold_place("town", "town", 34.0, 41.0),
                      gold_place("gov", "governorate", 33.0, 42.0),
                      gold_place("near", "village", 34.0, 41.1)};
    ce_date dt[2];
    memset(dt, 0, sizeof dt);
    snprintf(dt[0].file, sizeof dt[0].file, "a");
    snprintf(dt[0].value, sizeof dt[0].value, "2024-05-01");
    dt[1] = dt[0];
    snprintf(dt[1].value, sizeof dt[1].value, "2024-05");
    ce_gold g = {.pl = pl, .n_pl = 3, .dt = dt, .n_dt = 2};
    char tsv[] =
        "kind\toffset\tsurface\tplace_id\tname_en\tname_ar\tlat\tlon\tdate\tdate_precision\n"
        /* 5.5 km from town, 3.7 km from near: town takes it first */
        "place\t0\tx\tp1\tP1\t-\t34.0\t41.06\t-\t-\n"
        "place\t5\tx\tp1\tP1\t-\t34.0\t41.06\t-\t-\n"
        /* 100 km from gov: within 120 */
        "place\t9\tx\tp2\tP2\t-\t33.9\t42.0\t-\t-\n"
        /* 30 km from everything small: an extra */
        "place\t9\tx\tp3\tP3\t-\t34.27\t41.0\t-\t-\n"
        "date\t20\tx\t-\t-\t-\t-\t-\t2024-05-01\tday\n"
        "date\t30\tx\t-\t-\t-\t-\t-\t-\t-\n";
    ce_mentions m = {0};
    BM_REQUIRE(ce_parse_mentions(tsv, &m) == 0);
    BM_ASSERT_EQ_INT(m.n_pl, 3);
    BM_ASSERT_EQ_INT(m.n_dt, 2);
    ce_scores s;
    memset(&s, 0, sizeof s);
    ce_score_places(&g, "a", &m, &s, 0);
    ce_score_dates(&g, "a", &m, &s, 0);
    BM_ASSERT_EQ_INT(s.place_gold, 3);
    BM_ASSERT_EQ_INT(s.place_pred, 3);
    BM_ASSERT_EQ_INT(s.place_tp, 2); /* town and gov; near finds p1 used */
    BM_ASSERT_EQ_INT(s.date_gold, 2);
    BM_ASSERT_EQ_INT(s.date_pred, 2); /* 2024-05-01 and "-" */
    BM_ASSERT_EQ_INT(s.date_tp, 1);   /* month 2024-05 is not 2024-05-01 */
    free(m.pl);
    free(m.dt);
    char bad[] = "kind\tsurface\n";
    ce_mentions m2 = {0};
    BM_ASSERT(ce_parse_mentions(bad, &m2) != 0);
}

/* Incidents: date by prefix, place within distance, one to one. */
static void test_incidents_one_to_one(void)
{
    ce_place pl[2] = {gold_place("qaim", "town", 34.37, 41.09),
                      gold_place("anbar", "governorate", 33.9, 41.6)};
    ce_incident in[4] = {gold_incident("2024-02-02", "qaim", "airstrike"),
                         gold_incident("2024-02", "anbar", "airstrike"),
                         gold_incident("2024-02-03", "qaim", "statement"),
                         gold_incident("2024-03-01", "qaim", "clash")};
    ce_gold g = {.pl = pl, .n_pl = 2, .in = in, .n_in = 4};
    ce_pred v[5] = {/* near al-Qaim on 2 Feb: can serve gold 0 and (120 km) gold 1 */
                    pred(1, "2024-02-02", "airstrike", 34.37, 41.10),
                    /* its duplicate: serves the other one, so both match */
                    pred(2, "2024-02-02", "airstrike", 34.37, 41.10),
                    /* right place and day, wrong type */
                    pred(3, "2024-02-03", "airstrike", 34.37, 41.09),
                    /* month precision cannot serve a day-precision gold */
                    pred(4, "2024-03", "clash", 34.37, 41.09),
                    /* 40 km away: too far for a town */
                    pred(5, "2024-03-01", "clash", 34.73, 41.09)};
    ce_preds p = {.v = v, .n = 5};
    ce_scores s;
    memset(&s, 0, sizeof s);
    ce_score_article_incidents(&g, "a", &p, &s, 0);
    ce_finish(&s);
    BM_ASSERT_EQ_INT(s.inc_gold, 4);
    BM_ASSERT_EQ_INT(s.inc_pred, 5);
    BM_ASSERT_EQ_INT(s.inc_matched, 3);
    BM_ASSERT_EQ_INT(s.inc_type_ok, 2);
    BM_ASSERT_NEAR(s.inc_precision, 0.6, 1e-9);
    BM_ASSERT_EQ_INT(s.confusion[ce_type_index("statement")][ce_type_index("airstrike")], 1);
    BM_ASSERT_EQ_INT(s.confusion[ce_type_index("clash")][CE_NTYPES], 1);
    BM_ASSERT_EQ_INT(s.confusion[CE_NTYPES][ce_type_index("clash")], 2);

    /* Without the duplicate, one prediction near two gold incidents matches
     * one of them only; score.py's rule would count both. */
    p.n = 1;
    memset(&s, 0, sizeof s);
    ce_score_article_incidents(&g, "a", &p, &s, 0);
    BM_ASSERT_EQ_INT(s.inc_matched, 1);
    BM_ASSERT_EQ_INT(s.any_matched, 2);
}

/* score.py sees each incident once, under the article the GeoJSON export
 * names (its first source); a gold incident's type is right when any
 * matching incident has it. */
static void test_score_py_rule(void)
{
    ce_place pl[1] = {gold_place("qaim", "town", 34.37, 41.09)};
    ce_incident in[2] = {gold_incident("2024-02-02", "qaim", "airstrike"),
                         gold_incident("2024-02-05", "qaim", "clash")};
    ce_gold g = {.pl = pl, .n_pl = 1, .in = in, .n_in = 2};
    ce_pred v[3] = {pred(1, "2024-02-02", "attack", 34.37, 41.09),
                    pred(2, "2024-02-02", "airstrike", 34.37, 41.09),
                    pred(3, "2024-02-05", "clash", 34.37, 41.09)};
    /* #3 merged with an earlier article's incident: exported under that one */
    v[2].exported_article = 0;
    ce_preds p = {.v = v, .n = 3};
    ce_scores s;
    memset(&s, 0, sizeof s);
    ce_score_article_incidents(&g, "a", &p, &s, 0);
    BM_ASSERT_EQ_INT(s.inc_matched, 2); /* one to one counts every source article */
    BM_ASSERT_EQ_INT(s.any_matched, 1);
    BM_ASSERT_EQ_INT(s.any_type_ok, 1);
    /* the wrong-typed #1 alone: matched, type wrong */
    p.n = 1;
    memset(&s, 0, sizeof s);
    ce_score_article_incidents(&g, "a", &p, &s, 0);
    BM_ASSERT_EQ_INT(s.any_matched, 1);
    BM_ASSERT_EQ_INT(s.any_type_ok, 0);
}

/* The assignment keeps the most matches first, then the most right types. */
static void test_assignment_prefers_types(void)
{
    ce_place pl[1] = {gold_place("qaim", "town", 34.37, 41.09)};
    ce_incident in[2] = {gold_incident("2024-02-02", "qaim", "airstrike"),
                         gold_incident("2024-02-02", "qaim", "attack")};
    ce_gold g = {.pl = pl, .n_pl = 1, .in = in, .n_in = 2};
    ce_pred v[2] = {pred(1, "2024-02-02", "attack", 34.37, 41.09),
                    pred(2, "2024-02-02", "airstrike", 34.37, 41.09)};
    ce_preds p = {.v = v, .n = 2};
    ce_scores s;
    memset(&s, 0, sizeof s);
    ce_score_article_incidents(&g, "a", &p, &s, 0);
    BM_ASSERT_EQ_INT(s.inc_matched, 2);
    BM_ASSERT_EQ_INT(s.inc_type_ok, 2);
}

int main(void)
{
    test_tolerances();
    test_places_and_dates();
    test_incidents_one_to_one();
    test_assignment_prefers_types();
    test_score_py_rule();
    return bm_test_finish("test_scorer");
}
