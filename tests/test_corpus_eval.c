/* test_corpus_eval.c: ingests ../shared/corpus/seeds with the gold
 * publication dates and fails below the targets of the ingest issue (place
 * F1 0.95, date F1 0.95, incident recall 0.90, type accuracy 0.85).
 * Never adapts to the seeds: it only runs the shared scorer. */
#include "bm_test.h"

#include "../bench/corpus_eval_impl.h"

int main(void)
{
    const char *corpus = bm_test_corpus();
    BM_REQUIRE(corpus != NULL);
    ce_scores s;
    BM_REQUIRE(ce_evaluate(corpus, bm_test_tmpdir(), NULL, 1, &s) == 0);
    ce_print(&s);
    BM_ASSERT(s.place_f1 >= 0.95);
    BM_ASSERT(s.date_f1 >= 0.95);
    BM_ASSERT(s.inc_recall >= 0.90);
    BM_ASSERT(s.type_acc >= 0.85);
    BM_ASSERT(ce_meets_targets(&s));
    BM_ASSERT(s.inc_gold == 16);
    bm_test_rmtree(bm_test_tmpdir());
    return bm_test_finish("test_corpus_eval");
}
