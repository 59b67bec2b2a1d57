/* bench_corpus.c: prints bordermap's accuracy on the hand-annotated corpus
 * (place and date P/R/F1, incident recall, type accuracy); run it through
 * bench/corpus_eval.sh. Must never change what it measures: the scoring
 * lives in corpus_eval_impl.h, shared with tests/test_corpus_eval.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/corpus_eval_impl.h"

int main(int argc, char **argv)
{
    int verbose = 0, check = 0;
    const char *corpus = getenv("BM_CORPUS"), *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--check"))
            check = 1;
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("Usage: bench_corpus [-v] [--check] [--db FILE] [CORPUS_DIR]\n"
                   "Scores bordermap on CORPUS_DIR (default $BM_CORPUS) holding seeds/ and gold/.\n"
                   "Without --db it ingests the seeds itself (gold publication dates); with\n"
                   "--db it scores a database `bordermap ingest` filled from them.\n"
                   "--check exits 1 below the targets (place F1 0.95, date F1 0.95, incident\n"
                   "recall 0.90, type accuracy 0.85).\n");
            return 0;
        } else
            corpus = argv[i];
    }
    if (!corpus) {
        fprintf(stderr, "bench_corpus: give the corpus directory (or set BM_CORPUS)\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    ce_scores s;
    if (ce_evaluate(corpus, tmp && *tmp ? tmp : "/tmp", db, verbose, &s) != 0)
        return 1;
    printf("corpus: %s\n", corpus);
    ce_print(&s);
    if (check && !ce_meets_targets(&s)) {
        fprintf(stderr, "bench_corpus: below the targets\n");
        return 1;
    }
    return 0;
}
