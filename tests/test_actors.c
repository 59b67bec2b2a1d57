/* test_actors.c: actor1/actor2 from the lexicons, on a table of Arabic and
 * English sentences written for the project (tests/data/actors.tsv), plus the
 * lexicon's own checks (malformed rows are refused with their line).
 * Never tests against the lexicon's contents alone: every row is a sentence. */
#include <unistd.h>

#include "bm_test.h"

static void test_table(const bm_actors *a)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/actors.tsv", BM_TEST_SOURCE_DIR);
    FILE *fp = fopen(path, "r");
    BM_REQUIRE(fp);
    char line[4096];
    int rows = 0, header = 1;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        char *save = NULL;
        char *date = strtok_r(line, "\t", &save), *want1 = strtok_r(NULL, "\t", &save);
        char *want2 = strtok_r(NULL, "\t", &save), *sentence = strtok_r(NULL, "\t", &save);
        BM_REQUIRE(date && want1 && want2 && sentence);
        bm_date when;
        BM_REQUIRE(bm_date_parse_iso(date, &when, NULL, NULL, NULL) == BM_OK);
        bm_actor_pair p;
        BM_REQUIRE(bm_actors_find(a, sentence, strlen(sentence), when, &p, NULL) == BM_OK);
        const char *w1 = strcmp(want1, "-") ? want1 : "", *w2 = strcmp(want2, "-") ? want2 : "";
        if (strcmp(p.actor1, w1) || strcmp(p.actor2, w2))
            BM_FAIL_AT("%s\n  got  [%s] [%s]\n  want [%s] [%s]", sentence, p.actor1, p.actor2,
                       w1, w2);
        BM_ASSERT_EQ_INT(p.inter1, w1[0] ? bm_actors_inter(a, w1) : 0);
        rows++;
    }
    fclose(fp);
    BM_ASSERT(rows >= 40);
}

static void test_inter(const bm_actors *a)
{
    BM_ASSERT_EQ_INT(bm_actors_inter(a, "Islamic State"), 2);
    BM_ASSERT_EQ_INT(bm_actors_inter(a, "Military Forces of Iraq"), 1);
    BM_ASSERT_EQ_INT(bm_actors_inter(a, "Civilians"), 7);
    BM_ASSERT_EQ_INT(bm_actors_inter(a, "No such actor"), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    BM_REQUIRE(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_bad_lexicon(void)
{
    char dir[] = "/tmp/bm-actors-XXXXXX", p1[128], p2[128];
    BM_REQUIRE(mkdtemp(dir));
    snprintf(p1, sizeof p1, "%s/actors.tsv", dir);
    snprintf(p2, sizeof p2, "%s/actor-roles.tsv", dir);
    write_file(p2, "role\tside\tmarker\nagent\tbefore\tby\n");
    write_file(p1, "actor\tinter\tfrom\tto\tvariants\nX\t9\t-\t-\tx\n");
    bm_actors *a = NULL;
    bm_error err;
    bm_error_clear(&err);
    BM_ASSERT_EQ_INT(bm_actors_load(dir, &a, &err), BM_EPARSE);
    BM_ASSERT(a == NULL);
    BM_ASSERT(strstr(err.msg, "actors.tsv:2") != NULL);
    write_file(p1, "actor\tinter\tfrom\tto\tvariants\nX\t1\t-\t-\tfoo bar\n");
    write_file(p2, "role\tside\tmarker\nagent\tabove\tby\n");
    BM_ASSERT_EQ_INT(bm_actors_load(dir, &a, &err), BM_EPARSE);
    BM_ASSERT(strstr(err.msg, "actor-roles.tsv:2") != NULL);
    write_file(p2, "role\tside\tmarker\nagent\tbefore\tby\n");
    BM_REQUIRE(bm_actors_load(dir, &a, &err) == BM_OK);
    bm_actor_pair p;
    const char *s = "It was done by Foo bar.";
    BM_ASSERT(bm_actors_find(a, s, strlen(s), (bm_date){0, 0, 0}, &p, NULL) == BM_OK);
    BM_ASSERT_EQ_STR(p.actor1, "X");
    bm_actors_free(a);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

int main(void)
{
    bm_actors *a = NULL;
    bm_error err;
    bm_error_clear(&err);
    if (bm_actors_load(NULL, &a, &err) != BM_OK) {
        fprintf(stderr, "load: %s\n", bm_error_text(&err));
        return 1;
    }
    test_table(a);
    test_inter(a);
    bm_actors_free(a);
    test_bad_lexicon();
    bm_actors_free(NULL);
    return bm_test_finish("test_actors");
}
