/* test_corpus_eval.c: scores `bordermap mentions` and `bordermap ingest` on
 * the seed articles of ../shared/corpus with the benchmark's scorer
 * (bench/corpus_eval_impl.h: codebook distances, one-to-one incidents) and
 * fails below the floors; SKIPPED when the corpus is absent. Never adapts to
 * the seeds: it only runs the shared scorer. */
#include "bm_test.h"

#include "../bench/corpus_eval_impl.h"

/* Floors near the figures measured (see the README's accuracy table): the
 * issue's 0.95 for the seeds, incident precision included (1.000 measured,
 * 16 of 16): one extra incident (16 of 17, 0.941) falls below. */
static const ce_floors seeds_floors = {
    .place_f1 = 0.95, .date_f1 = 0.95, .inc_recall = 0.95, .inc_precision = 0.95, .type_acc = 0.95};

int main(void)
{
    const char *corpus = bm_test_corpus_or_skip("test_corpus_eval");
    char gold[1200], texts[1200];
    snprintf(gold, sizeof gold, "%s/gold", corpus);
    snprintf(texts, sizeof texts, "%s/seeds", corpus);
    ce_scores s;
    BM_REQUIRE(ce_evaluate(gold, texts, bm_test_binary(), bm_test_tmpdir(), 1, &s) == 0);
    ce_print("seeds", &s);
    ce_print_confusion(&s);
    BM_ASSERT_EQ_INT(s.failed, 0);
    BM_ASSERT_EQ_INT(s.inc_gold, 16);
    BM_ASSERT(ce_check_floors("seeds", &s, &seeds_floors) == 0);
    bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_corpus_eval");
}
