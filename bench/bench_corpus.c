/* bench_corpus.c: prints bordermap's accuracy on one annotated set (place and
 * date P/R/F1, incident recall/precision with one-to-one matching, type
 * accuracy, the type confusion matrix, with -v every miss and extra per
 * article); bench/corpus_eval.sh runs it on the seeds and the dev set. Must
 * never change what it measures: the scoring lives in corpus_eval_impl.h,
 * shared with the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench/corpus_eval_impl.h"

static void usage(FILE *to)
{
    fprintf(to, "Usage: bench_corpus [-v] [--name NAME] [--bin BORDERMAP] [--check P,D,R,PR,T]\n"
                "                    GOLD_DIR TEXT_DIR\n"
                "Scores `bordermap mentions` and `bordermap ingest` on the articles listed in\n"
                "GOLD_DIR/articles.tsv (texts TEXT_DIR/FILE or TEXT_DIR/FILE.txt) against the\n"
                "gold TSVs (schema: ../shared/corpus/README.md, rules: CODEBOOK.md).\n"
                "  -v          every miss and extra, per article\n"
                "  --bin FILE  the bordermap binary (default: next to bench_corpus)\n"
                "  --check     floors for place F1, date F1, incident recall, incident\n"
                "              precision and type accuracy: exit 1 when a figure is below\n"
                "Exit: 0 ok, 1 failure or below a floor, 2 usage.\n");
}

static int parse_floors(const char *s, ce_floors *f)
{
    double *v[] = {&f->place_f1, &f->date_f1, &f->inc_recall, &f->inc_precision, &f->type_acc};
    char *end = NULL;
    for (size_t i = 0; i < 5; i++) {
        *v[i] = strtod(s, &end);
        if (end == s || (i < 4 && *end != ',') || (i == 4 && *end))
            return -1;
        s = end + 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int verbose = 0, check = 0;
    const char *name = NULL, *bin = NULL, *pos[2] = {NULL, NULL};
    ce_floors floors = {-1, -1, -1, -1, -1};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--name") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
            bin = argv[++i];
        else if (!strcmp(argv[i], "--check") && i + 1 < argc) {
            check = 1;
            if (parse_floors(argv[++i], &floors) != 0) {
                fprintf(stderr, "bench_corpus: --check needs five numbers, e.g. "
                                "0.95,0.95,0.9,0.6,0.85\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && npos < 2)
            pos[npos++] = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (npos != 2) {
        usage(stderr);
        return 2;
    }
    char self_bin[4096];
    if (!bin) {
        const char *slash = strrchr(argv[0], '/');
        int w = slash ? snprintf(self_bin, sizeof self_bin, "%.*s/bordermap",
                                 (int)(slash - argv[0]), argv[0])
                      : snprintf(self_bin, sizeof self_bin, "./bordermap");
        if (w < 0 || (size_t)w >= sizeof self_bin)
            return 2;
        bin = self_bin;
    }
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_corpus: no bordermap binary at %s (use --bin)\n", bin);
        return 1;
    }
    const char *tmp = getenv("TMPDIR");
    ce_scores s;
    if (ce_evaluate(pos[0], pos[1], bin, tmp && *tmp ? tmp : "/tmp", verbose, &s) != 0)
        return 1;
    if (!name)
        name = pos[0];
    ce_print(name, &s);
    ce_print_confusion(&s);
    if (check && ce_check_floors(name, &s, &floors) != 0)
        return 1;
    return s.failed ? 1 : 0;
}
