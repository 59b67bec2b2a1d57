/* bench_mentions.c: speed and memory of the place matcher on generated
 * Arabic text (sentences of tests/data/place-cases.tsv recombined into
 * paragraphs), streamed in paragraph-aligned chunks like `bordermap mentions`.
 * Never reads corpus text: the input is made from the project's own test
 * sentences. With --write it only writes the text for a CLI run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bordermap/bordermap.h"

typedef struct sentences {
    char **v;
    size_t n, cap;
} sentences;

static int is_arabic(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == 0xD8 || *p == 0xD9)
            return 1;
    return 0;
}

/* The Arabic sentences of the case table (first column). */
static int load_sentences(sentences *s)
{
    char path[4096];
    bm_error err;
    if (bm_data_path("tests/data/place-cases.tsv", path, sizeof path, &err) != BM_OK) {
        fprintf(stderr, "bench_mentions: %s\n", bm_error_text(&err));
        return -1;
    }
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    char line[4096];
    int header = 1;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        line[strcspn(line, "\t\r\n")] = '\0';
        if (!is_arabic(line))
            continue;
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 128;
            s->v = realloc(s->v, s->cap * sizeof *s->v);
            if (!s->v)
                return -1;
        }
        s->v[s->n++] = strdup(line);
    }
    fclose(fp);
    return s->n ? 0 : -1;
}

static uint64_t rng(uint64_t *x)
{
    /* xorshift64*: deterministic, so every run reads the same text */
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 2685821657736338717ull;
}

/* Appends paragraphs to buf until it holds at least want bytes. */
static size_t fill(char *buf, size_t cap, size_t want, const sentences *s, uint64_t *seed)
{
    size_t o = 0;
    while (o < want) {
        int k = 3 + (int)(rng(seed) % 5);
        for (int i = 0; i < k; i++) {
            const char *t = s->v[rng(seed) % s->n];
            size_t l = strlen(t);
            if (o + l + 8 >= cap)
                return o;
            memcpy(buf + o, t, l);
            o += l;
            const char *sep = i + 1 < k ? (rng(seed) % 3 ? ". " : "، ") : ".\n\n";
            memcpy(buf + o, sep, strlen(sep));
            o += strlen(sep);
        }
    }
    return o;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time, and the CPU time of this process: on a shared machine the CPU
 * time is what one core spends, the figure the target is about. */
static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static double cpu_now(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

int main(int argc, char **argv)
{
    double mb = 100;
    size_t chunk = 256 * 1024;
    const char *write_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc)
            mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--chunk-kb") && i + 1 < argc)
            chunk = (size_t)atol(argv[++i]) * 1024;
        else if (!strcmp(argv[i], "--write") && i + 1 < argc)
            write_path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_mentions [--mb N] [--chunk-kb K] [--write FILE]\n");
            return 2;
        }
    }
    if (mb <= 0 || chunk < 4096)
        return 2;
    sentences s = {0};
    if (load_sentences(&s)) {
        fprintf(stderr, "bench_mentions: no sentences\n");
        return 1;
    }
    size_t total = (size_t)(mb * 1024 * 1024), done = 0, mentions = 0;
    size_t cap = chunk + 64 * 1024;
    char *buf = malloc(cap);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    FILE *out = write_path ? fopen(write_path, "w") : NULL;
    if (!buf || (write_path && !out))
        return 1;
    bm_gazetteer *g = NULL;
    bm_place_finder *finder = NULL;
    bm_error err;
    bm_error_clear(&err);
    double t_load = now();
    if (!out && bm_gazetteer_load(&g, &err) != BM_OK) {
        fprintf(stderr, "bench_mentions: %s\n", bm_error_text(&err));
        return 1;
    }
    t_load = now() - t_load;
    if (g && bm_place_finder_new(g, &finder, &err) != BM_OK)
        return 1;
    double busy = 0, cpu = 0;
    while (done < total) {
        size_t n = fill(buf, cap, chunk, &s, &seed);
        if (out) {
            fwrite(buf, 1, n, out);
        } else {
            const bm_place_mention *m;
            size_t k;
            double t0 = now(), c0 = cpu_now();
            if (bm_place_finder_run(finder, buf, n, &m, &k, &err) != BM_OK) {
                fprintf(stderr, "bench_mentions: %s\n", bm_error_text(&err));
                return 1;
            }
            busy += now() - t0;
            cpu += cpu_now() - c0;
            mentions += k;
        }
        done += n;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (out) {
        fclose(out);
        printf("bench_mentions: wrote %.1f MB to %s\n", (double)done / 1048576.0, write_path);
    } else {
        printf("bench_mentions: %zu places in gazetteer (loaded in %.2f s)\n",
               bm_gazetteer_count(g), t_load);
        double mbs = (double)done / 1048576.0;
        printf("bench_mentions: %.1f MB in %.2f s CPU = %.1f MB/s (wall %.2f s = %.1f MB/s), "
               "%zu place mentions, chunks of %zu KB, peak RSS %.1f MB\n",
               mbs, cpu, mbs / cpu, busy, mbs / busy, mentions, chunk / 1024,
               (double)ru.ru_maxrss / 1024.0);
    }
    bm_place_finder_free(finder);
    bm_gazetteer_free(g);
    for (size_t i = 0; i < s.n; i++)
        free(s.v[i]);
    free(s.v);
    free(buf);
    return 0;
}
