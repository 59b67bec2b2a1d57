/* corpus_eval_impl.h: scores bordermap against a gold set in the corpus schema
 * (../shared/corpus/README.md, rules of ../shared/corpus/CODEBOOK.md): place
 * and date precision/recall/F1 of `bordermap mentions`, incident recall,
 * precision and type accuracy of `bordermap ingest`, a type confusion matrix,
 * and with `verbose` every miss and extra per article. It runs the CLI as a
 * user would (as ../shared/tools/score.py, the official scorer, does), so its
 * figures agree with that scorer; incidents are matched one to one.
 * Shared by bench/bench_corpus.c (prints) and the tests (assert floors).
 * Must never copy an article's text anywhere or tune anything: it only measures. */
#ifndef BM_CORPUS_EVAL_IMPL_H
#define BM_CORPUS_EVAL_IMPL_H

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bordermap/fileio.h"
#include "bordermap/store.h"

/* The incident types, in the codebook's order; CE_NTYPES indexes "none". */
static const char *const ce_types[] = {"clash",        "attack",    "airstrike",     "security_op",
                                       "infiltration", "smuggling", "fortification", "deployment",
                                       "crossing",     "diplomacy", "statement",     "repatriation",
                                       "other"};
#define CE_NTYPES 13

typedef struct ce_place {
    char file[128], id[64], name[128], surface[160], kind[16];
    double lat, lon;
} ce_place;

typedef struct ce_date {
    char file[128], value[16];
} ce_date;

typedef struct ce_incident {
    char file[128], date[16], place[64], type[16];
} ce_incident;

typedef struct ce_article {
    char file[128], published[16];
} ce_article;

/* One predicted incident as seen from one of its source articles. */
typedef struct ce_pred {
    char file[128], date[16], place[64], type[16];
    int64_t id;
    double lat, lon;
    int country; /* placed at a country: the GeoJSON export leaves it out */
    /* the incident's first source article (sources ordered by article id):
     * the only article the export names in its `article` property, so the
     * only one score.py can match the incident to */
    int exported_article;
} ce_pred;

typedef struct ce_gold {
    ce_article *art;
    ce_place *pl;
    ce_date *dt;
    ce_incident *in;
    size_t n_art, n_pl, n_dt, n_in;
} ce_gold;

typedef struct ce_scores {
    size_t articles, failed;
    size_t place_tp, place_pred, place_gold;
    size_t date_tp, date_pred, date_gold;
    size_t inc_gold, inc_pred, inc_matched, inc_type_ok;
    /* score.py's rule: a prediction may match several gold incidents. */
    size_t any_matched, any_type_ok, any_features;
    size_t confusion[CE_NTYPES + 1][CE_NTYPES + 1]; /* [gold][predicted]; CE_NTYPES = none */
    double place_p, place_r, place_f1, date_p, date_r, date_f1;
    double inc_recall, inc_precision, inc_f1, type_acc;
} ce_scores;

/* Floors a test or `bench_corpus --check` holds a set to; a negative floor is not checked. */
typedef struct ce_floors {
    double place_f1, date_f1, inc_recall, inc_precision, type_acc;
} ce_floors;

/* ---- Reading the gold TSVs (by header name: extra columns are fine) -------- */

/* Capacity for element n of a vector grown by doubling from 16. */
static inline void *ce_grow(void *v, size_t n, size_t size)
{
    if (n == 0)
        return realloc(v, 16 * size);
    if (n < 16 || (n & (n - 1)))
        return v;
    return realloc(v, 2 * n * size);
}

static inline void ce_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Calls row(g, fields) for each data row of dir/name, fields ordered as
 * `want` (a NULL-terminated list of column names). */
static inline int ce_read_table(const char *dir, const char *name, const char *const *want,
                                int (*row)(ce_gold *, char **), ce_gold *g)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    if (bm_read_file(path, &data, &len, NULL) != BM_OK) {
        fprintf(stderr, "corpus: cannot read %s\n", path);
        return -1;
    }
    int col[16], nwant = 0, rc = 0;
    for (; want[nwant]; nwant++)
        col[nwant] = -1;
    char *save = NULL;
    int header = 1;
    for (char *l = strtok_r(data, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
        char *f[32];
        int n = 0;
        for (char *p = l; n < 32;) {
            f[n++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        size_t k = strlen(f[n - 1]);
        if (k && f[n - 1][k - 1] == '\r')
            f[n - 1][k - 1] = '\0';
        if (header) {
            header = 0;
            for (int w = 0; w < nwant; w++)
                for (int i = 0; i < n; i++)
                    if (!strcmp(f[i], want[w]))
                        col[w] = i;
            for (int w = 0; w < nwant; w++)
                if (col[w] < 0) {
                    fprintf(stderr, "corpus: %s has no column '%s'\n", path, want[w]);
                    rc = -1;
                }
            continue;
        }
        char *v[16];
        int ok = 1;
        for (int w = 0; w < nwant; w++) {
            ok = ok && col[w] < n;
            v[w] = col[w] < n ? f[col[w]] : NULL;
        }
        if (!ok) {
            fprintf(stderr, "corpus: %s: short row\n", path);
            rc = -1;
        } else if (row(g, v) != 0)
            rc = -1;
    }
    free(data);
    return rc;
}

#define CE_PUSH(vec, n, out)                                                                       \
    do {                                                                                           \
        void *nv_ = ce_grow((vec), (n), sizeof *(vec));                                            \
        if (!nv_)                                                                                  \
            return -1;                                                                             \
        (vec) = nv_;                                                                               \
        (out) = &(vec)[(n)++];                                                                     \
        memset((out), 0, sizeof *(out));                                                           \
    } while (0)

static inline int ce_row_article(ce_gold *g, char **f)
{
    ce_article *a;
    CE_PUSH(g->art, g->n_art, a);
    ce_copy(a->file, sizeof a->file, f[0]);
    ce_copy(a->published, sizeof a->published, f[1]);
    return 0;
}

static inline int ce_row_place(ce_gold *g, char **f)
{
    ce_place *p;
    CE_PUSH(g->pl, g->n_pl, p);
    ce_copy(p->file, sizeof p->file, f[0]);
    ce_copy(p->surface, sizeof p->surface, f[1]);
    ce_copy(p->id, sizeof p->id, f[2]);
    ce_copy(p->name, sizeof p->name, f[3]);
    ce_copy(p->kind, sizeof p->kind, f[4]);
    p->lat = atof(f[5]);
    p->lon = atof(f[6]);
    return 0;
}

static inline int ce_row_date(ce_gold *g, char **f)
{
    ce_date *d;
    CE_PUSH(g->dt, g->n_dt, d);
    ce_copy(d->file, sizeof d->file, f[0]);
    ce_copy(d->value, sizeof d->value, f[1]);
    return 0;
}

static inline int ce_row_incident(ce_gold *g, char **f)
{
    ce_incident *i;
    CE_PUSH(g->in, g->n_in, i);
    ce_copy(i->file, sizeof i->file, f[0]);
    ce_copy(i->date, sizeof i->date, f[1]);
    ce_copy(i->place, sizeof i->place, f[2]);
    ce_copy(i->type, sizeof i->type, f[3]);
    return 0;
}

static inline void ce_gold_free(ce_gold *g)
{
    free(g->art);
    free(g->pl);
    free(g->dt);
    free(g->in);
    memset(g, 0, sizeof *g);
}

/* Loads gold_dir/{articles,places,dates,incidents}.tsv. */
static inline int ce_gold_load(const char *gold_dir, ce_gold *g)
{
    static const char *const art[] = {"file", "published", NULL};
    static const char *const pl[] = {"file", "surface", "place_id", "name_en",
                                     "kind", "lat",     "lon",      NULL};
    static const char *const dt[] = {"file", "value", NULL};
    static const char *const in[] = {"file", "date", "place_id", "type", NULL};
    memset(g, 0, sizeof *g);
    if (ce_read_table(gold_dir, "articles.tsv", art, ce_row_article, g) != 0 ||
        ce_read_table(gold_dir, "places.tsv", pl, ce_row_place, g) != 0 ||
        ce_read_table(gold_dir, "dates.tsv", dt, ce_row_date, g) != 0 ||
        ce_read_table(gold_dir, "incidents.tsv", in, ce_row_incident, g) != 0) {
        ce_gold_free(g);
        return -1;
    }
    return 0;
}

/* ---- The codebook's match rules -------------------------------------------- */

/* How far a prediction may lie from a gold place of this kind (km). */
static inline double ce_tolerance_km(const char *kind)
{
    static const struct {
        const char *kind;
        double km;
    } t[] = {{"country", 400}, {"governorate", 120}, {"region", 200},
             {"river", 300},   {"district", 60},     {"other", 150}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(kind, t[i].kind))
            return t[i].km;
    return 20; /* city, town, village, crossing, camp, base, airport */
}

/* Great-circle distance on the scorer's sphere (diameter 12742 km). */
static inline double ce_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 3.14159265358979323846 / 180;
    double h = pow(sin((lat2 - lat1) * r / 2), 2) +
               cos(lat1 * r) * cos(lat2 * r) * pow(sin((lon2 - lon1) * r / 2), 2);
    return 12742 * asin(sqrt(h < 1 ? h : 1));
}

static inline int ce_type_index(const char *t)
{
    for (int i = 0; i < CE_NTYPES; i++)
        if (!strcmp(t, ce_types[i]))
            return i;
    return CE_NTYPES;
}

static const ce_place *ce_gold_place(const ce_gold *g, const char *file, const char *id)
{
    for (size_t i = 0; i < g->n_pl; i++)
        if (!strcmp(g->pl[i].file, file) && !strcmp(g->pl[i].id, id))
            return &g->pl[i];
    return NULL;
}

/* The gold incident and the prediction agree on article, date (the gold value
 * a prefix of the predicted date) and place (within the gold kind's distance). */
static inline int ce_incident_edge(const ce_gold *g, const ce_incident *gi, const ce_pred *p)
{
    if (strcmp(gi->file, p->file) != 0 || strncmp(p->date, gi->date, strlen(gi->date)) != 0)
        return 0;
    const ce_place *pl = ce_gold_place(g, gi->file, gi->place);
    return pl && ce_km(pl->lat, pl->lon, p->lat, p->lon) <= ce_tolerance_km(pl->kind);
}

/* ---- Running the CLI --------------------------------------------------------- */

/* Runs argv (argv[0] a path); with out, captures stdout into *out (caller
 * frees). stderr stays the caller's. Returns the exit status or -1. */
static inline int ce_run(char *const argv[], char **out)
{
    int fd[2] = {-1, -1};
    if (out && pipe(fd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(out ? fd[1] : null, STDOUT_FILENO);
        if (out)
            close(fd[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (out) {
        close(fd[1]);
        for (;;) {
            if (n + 4096 + 1 > cap) {
                char *nb = realloc(buf, cap = 2 * cap + 8192);
                if (!nb)
                    break;
                buf = nb;
            }
            ssize_t got = read(fd[0], buf + n, cap - n - 1);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            n += (size_t)got;
        }
        close(fd[0]);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (out) {
        if (buf)
            buf[n] = '\0';
        *out = buf;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- Places and dates: `bordermap mentions` against the gold --------------- */

typedef struct ce_mplace {
    char id[64], name[128];
    double lat, lon;
    int used;
} ce_mplace;

typedef struct ce_mentions {
    ce_mplace *pl;
    char (*dt)[16];
    size_t n_pl, n_dt;
} ce_mentions;

static inline int ce_add_mention(ce_mentions *m, char **f)
{
    if (!strcmp(f[0], "place")) {
        size_t k = 0;
        while (k < m->n_pl && strcmp(m->pl[k].id, f[3]) != 0)
            k++;
        if (k == m->n_pl) {
            ce_mplace *p;
            CE_PUSH(m->pl, m->n_pl, p);
            ce_copy(p->id, sizeof p->id, f[3]);
            ce_copy(p->name, sizeof p->name, f[4]);
        }
        m->pl[k].lat = atof(f[6]); /* the last mention wins, as in score.py */
        m->pl[k].lon = atof(f[7]);
    } else if (!strcmp(f[0], "date")) {
        /* An unresolved mention is printed as "-": a prediction matching no
         * gold value (score.py counts it so too). */
        size_t k = 0;
        while (k < m->n_dt && strcmp(m->dt[k], f[8]) != 0)
            k++;
        if (k == m->n_dt) {
            char(*d)[16];
            CE_PUSH(m->dt, m->n_dt, d);
            ce_copy(*d, sizeof *d, f[8]);
        }
    }
    return 0;
}

static inline int ce_parse_mentions(char *tsv, ce_mentions *m)
{
    char *save = NULL;
    int header = 1;
    for (char *l = strtok_r(tsv, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *f[10];
        int n = 0;
        for (char *p = l; n < 10;) {
            f[n++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (header) {
            header = 0;
            if (n != 10 || strcmp(f[3], "place_id") != 0 || strcmp(f[8], "date") != 0)
                return -1; /* not the documented header */
            continue;
        }
        if (n == 10 && ce_add_mention(m, f) != 0)
            return -1;
    }
    return 0;
}

/* score.py's rule: each gold place, in file order, takes the nearest unused
 * predicted place within its kind's distance. */
static inline void ce_score_places(const ce_gold *g, const char *file, ce_mentions *m, ce_scores *s,
                                   int verbose)
{
    for (size_t j = 0; j < g->n_pl; j++) {
        const ce_place *gp = &g->pl[j];
        if (strcmp(gp->file, file) != 0)
            continue;
        s->place_gold++;
        int best = -1;
        double best_km = 0;
        for (size_t i = 0; i < m->n_pl; i++) {
            double km = ce_km(gp->lat, gp->lon, m->pl[i].lat, m->pl[i].lon);
            if (!m->pl[i].used && km <= ce_tolerance_km(gp->kind) && (best < 0 || km < best_km)) {
                best = (int)i;
                best_km = km;
            }
        }
        if (best >= 0) {
            m->pl[best].used = 1;
            s->place_tp++;
        } else if (verbose)
            printf("  %s  place   missed  %s (%s, %s) \"%s\"\n", file, gp->id, gp->name, gp->kind,
                   gp->surface);
    }
    for (size_t i = 0; i < m->n_pl; i++)
        if (!m->pl[i].used && verbose)
            printf("  %s  place   extra   %s (%s) at %.4f %.4f\n", file, m->pl[i].id, m->pl[i].name,
                   m->pl[i].lat, m->pl[i].lon);
    s->place_pred += m->n_pl;
}

/* Dates match by value: distinct values on each side. */
static inline void ce_score_dates(const ce_gold *g, const char *file, const ce_mentions *m,
                                  ce_scores *s, int verbose)
{
    const char *gold[512];
    size_t ng = 0;
    for (size_t j = 0; j < g->n_dt && ng < 512; j++) {
        if (strcmp(g->dt[j].file, file) != 0)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(gold[k], g->dt[j].value) != 0)
            k++;
        if (k == ng)
            gold[ng++] = g->dt[j].value;
    }
    for (size_t k = 0; k < ng; k++) {
        size_t i = 0;
        while (i < m->n_dt && strcmp(m->dt[i], gold[k]) != 0)
            i++;
        s->date_tp += i < m->n_dt;
        if (i == m->n_dt && verbose)
            printf("  %s  date    missed  %s\n", file, gold[k]);
    }
    for (size_t i = 0; i < m->n_dt && verbose; i++) {
        size_t k = 0;
        while (k < ng && strcmp(m->dt[i], gold[k]) != 0)
            k++;
        if (k == ng)
            printf("  %s  date    extra   %s\n", file, m->dt[i]);
    }
    s->date_pred += m->n_dt;
    s->date_gold += ng;
}

/* ---- Incidents: one-to-one matching of gold and predicted -------------------- */

typedef struct ce_preds {
    ce_pred *v;
    size_t n;
    bm_store *store;
    int failed;
} ce_preds;

static inline int ce_source_cb(const bm_source *src, void *user)
{
    ce_preds *p = user;
    const char *name = src->file_name ? src->file_name : "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    char file[128];
    ce_copy(file, sizeof file, base);
    /* gold names an article with or without its .txt, as score.py reads them */
    size_t k = strlen(file);
    if (k > 4 && !strcmp(file + k - 4, ".txt"))
        file[k - 4] = '\0';
    int first = 1;
    for (size_t i = p->n; i-- > 0;) {
        if (p->v[i].id != src->incident_id)
            continue;
        if (!strcmp(p->v[i].file, file))
            return 0; /* several sentences of one article: one prediction */
        first = 0;
    }
    bm_incident inc;
    if (bm_store_incident_get(p->store, src->incident_id, &inc) != BM_OK) {
        p->failed = 1;
        return 1;
    }
    ce_pred *x;
    void *nv = ce_grow(p->v, p->n, sizeof *p->v);
    if (!nv) {
        p->failed = 1;
        return 1;
    }
    p->v = nv;
    x = &p->v[p->n++];
    memset(x, 0, sizeof *x);
    x->id = src->incident_id;
    x->exported_article = first;
    ce_copy(x->file, sizeof x->file, file);
    bm_date_format_prec(inc.date_start, inc.date_precision, x->date);
    ce_copy(x->place, sizeof x->place, inc.place_id);
    ce_copy(x->type, sizeof x->type, inc.type);
    x->lat = inc.pt.lat;
    x->lon = inc.pt.lon;
    bm_place pl;
    x->country = inc.place_id[0] && bm_store_place_get(p->store, inc.place_id, &pl) == BM_OK &&
                 !strcmp(pl.kind, "country");
    return 0;
}

/* Maximum-weight assignment (Hungarian method, O(n^3)) on an n x n benefit
 * matrix w (row-major); fills match_of_row (-1 for a zero-weight pair). */
static inline void ce_assign(const long *w, int n, int *match_of_row)
{
    long *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)n + 1, sizeof *v);
    long *minv = calloc((size_t)n + 1, sizeof *minv);
    int *p = calloc((size_t)n + 1, sizeof *p), *way = calloc((size_t)n + 1, sizeof *way);
    char *used = calloc((size_t)n + 1, 1);
    long big = 0;
    for (int i = 0; i < n * n; i++)
        big = w[i] > big ? w[i] : big;
    for (int i = 0; i < n; i++)
        match_of_row[i] = -1;
    if (!u || !v || !minv || !p || !way || !used)
        goto done;
    for (int i = 1; i <= n; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= n; j++) {
            minv[j] = 1L << 60;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            long delta = 1L << 60;
            for (int j = 1; j <= n; j++) {
                if (used[j])
                    continue;
                long cur = (big - w[(i0 - 1) * n + (j - 1)]) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= n; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else
                    minv[j] -= delta;
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int j = 1; j <= n; j++)
        if (p[j] && w[(p[j] - 1) * n + (j - 1)] > 0)
            match_of_row[p[j] - 1] = j - 1;
done:
    free(u);
    free(v);
    free(minv);
    free(p);
    free(way);
    free(used);
}

/* One article: the most gold incidents matched, each prediction to at most
 * one gold incident, and among those the most with the right type. */
static inline void ce_score_article_incidents(const ce_gold *g, const char *file, const ce_preds *p,
                                              ce_scores *s, int verbose)
{
    const ce_incident *gi[512];
    const ce_pred *pi[512];
    int ng = 0, np = 0;
    for (size_t j = 0; j < g->n_in && ng < 512; j++)
        if (!strcmp(g->in[j].file, file))
            gi[ng++] = &g->in[j];
    for (size_t i = 0; i < p->n && np < 512; i++)
        if (!strcmp(p->v[i].file, file))
            pi[np++] = &p->v[i];
    s->inc_gold += (size_t)ng;
    s->inc_pred += (size_t)np;
    /* score.py's rule, for the comparison: any prediction may serve any gold,
     * and it sees only what `export` writes to GeoJSON: no country-level
     * incident, and an incident reported by several articles only under the
     * first of them (the GeoJSON's `article`). The type counts as right when
     * any of the matching incidents has the gold's type. */
    for (int a = 0; a < ng; a++) {
        int hit = 0, typed = 0;
        for (int b = 0; b < np; b++)
            if (!pi[b]->country && pi[b]->exported_article && ce_incident_edge(g, gi[a], pi[b])) {
                hit = 1;
                typed |= !strcmp(pi[b]->type, gi[a]->type);
            }
        s->any_matched += hit;
        s->any_type_ok += typed;
        if (verbose && hit && !typed)
            printf("  %s  score.py type    %s %s: gold %s, no matching incident has it\n", file,
                   gi[a]->date, gi[a]->place, gi[a]->type);
    }
    int n = ng > np ? ng : np;
    long *w = n ? calloc((size_t)n * (size_t)n, sizeof *w) : NULL;
    int *m = n ? malloc((size_t)n * sizeof *m) : NULL;
    if (n && (!w || !m)) {
        free(w);
        free(m);
        s->failed++;
        return;
    }
    /* A match outweighs every type agreement together: cardinality first. */
    for (int a = 0; a < ng; a++)
        for (int b = 0; b < np; b++)
            if (ce_incident_edge(g, gi[a], pi[b]))
                w[a * n + b] = (long)n + 1 + !strcmp(pi[b]->type, gi[a]->type);
    if (n)
        ce_assign(w, n, m);
    int pred_used[512] = {0};
    for (int a = 0; a < ng; a++) {
        int b = m[a] >= 0 && m[a] < np ? m[a] : -1;
        int gt = ce_type_index(gi[a]->type);
        if (b < 0) {
            s->confusion[gt][CE_NTYPES]++;
            if (verbose)
                printf("  %s  incident missed  %s %s %s\n", file, gi[a]->date, gi[a]->place,
                       gi[a]->type);
            continue;
        }
        pred_used[b] = 1;
        s->inc_matched++;
        s->confusion[gt][ce_type_index(pi[b]->type)]++;
        if (!strcmp(pi[b]->type, gi[a]->type))
            s->inc_type_ok++;
        else if (verbose)
            printf("  %s  incident type    %s %s: gold %s, predicted %s (#%lld at %s)\n", file,
                   gi[a]->date, gi[a]->place, gi[a]->type, pi[b]->type, (long long)pi[b]->id,
                   pi[b]->place);
    }
    for (int b = 0; b < np; b++) {
        if (pred_used[b])
            continue;
        s->confusion[CE_NTYPES][ce_type_index(pi[b]->type)]++;
        if (verbose)
            printf("  %s  incident extra   %s %s %s (#%lld)\n", file, pi[b]->date, pi[b]->place,
                   pi[b]->type, (long long)pi[b]->id);
    }
    free(w);
    free(m);
}

static inline double ce_ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static inline double ce_f1(double p, double r)
{
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

static inline void ce_finish(ce_scores *s)
{
    s->place_p = ce_ratio(s->place_tp, s->place_pred);
    s->place_r = ce_ratio(s->place_tp, s->place_gold);
    s->place_f1 = ce_f1(s->place_p, s->place_r);
    s->date_p = ce_ratio(s->date_tp, s->date_pred);
    s->date_r = ce_ratio(s->date_tp, s->date_gold);
    s->date_f1 = ce_f1(s->date_p, s->date_r);
    s->inc_recall = ce_ratio(s->inc_matched, s->inc_gold);
    s->inc_precision = ce_ratio(s->inc_matched, s->inc_pred);
    s->inc_f1 = ce_f1(s->inc_precision, s->inc_recall);
    s->type_acc = ce_ratio(s->inc_type_ok, s->inc_matched);
}

/* The text of a gold article: TEXT_DIR/FILE, with ".txt" added when the
 * gold names it without (score.py's rule). Returns 0 when it exists. */
static inline int ce_text_path(const char *text_dir, const char *file, char *out, size_t cap)
{
    size_t k = strlen(file);
    int has_txt = k > 4 && !strcmp(file + k - 4, ".txt");
    int w = snprintf(out, cap, "%s/%s%s", text_dir, file, has_txt ? "" : ".txt");
    return w > 0 && (size_t)w < cap && access(out, R_OK) == 0 ? 0 : -1;
}

/* How many of the gold's articles have their text in text_dir. */
static inline size_t ce_texts_present(const char *gold_dir, const char *text_dir, size_t *total)
{
    ce_gold g;
    *total = 0;
    if (ce_gold_load(gold_dir, &g) != 0)
        return 0;
    size_t n = 0;
    char path[4096];
    for (size_t a = 0; a < g.n_art; a++)
        n += ce_text_path(text_dir, g.art[a].file, path, sizeof path) == 0;
    *total = g.n_art;
    ce_gold_free(&g);
    return n;
}

static inline int ce_score_article_mentions(const ce_gold *g, const ce_article *a, const char *bin,
                                            const char *path, ce_scores *s, int verbose)
{
    char *argv[] = {(char *)bin,          "mentions",   "--published",
                    (char *)a->published, (char *)path, NULL};
    char *out = NULL;
    ce_mentions m = {0};
    int rc = ce_run(argv, &out);
    if (rc != 0 || !out || ce_parse_mentions(out, &m) != 0) {
        fprintf(stderr, "corpus: %s: `bordermap mentions` failed (exit %d)\n", a->file, rc);
        free(out);
        free(m.pl);
        free(m.dt);
        return -1;
    }
    ce_score_places(g, a->file, &m, s, verbose);
    ce_score_dates(g, a->file, &m, s, verbose);
    free(out);
    free(m.pl);
    free(m.dt);
    return 0;
}

/* Scores the set whose gold is gold_dir and texts text_dir with the CLI at
 * bin: `mentions` per article, and `ingest` of every article into a fresh
 * database in tmpdir (removed after). Returns 0, or -1 when the gold cannot be
 * read or the database cannot be opened; an article whose text is missing or
 * whose commands fail counts in s->failed (its gold still counts as missed). */
static inline int ce_evaluate(const char *gold_dir, const char *text_dir, const char *bin,
                              const char *tmpdir, int verbose, ce_scores *s)
{
    memset(s, 0, sizeof *s);
    ce_gold g;
    if (ce_gold_load(gold_dir, &g) != 0)
        return -1;
    char db[2048];
    snprintf(db, sizeof db, "%s/corpus-eval-%ld.sqlite", tmpdir, (long)getpid());
    unlink(db);
    int rc = -1;
    ce_preds preds = {0};
    for (size_t a = 0; a < g.n_art; a++) {
        char path[4096];
        const ce_article *ar = &g.art[a];
        s->articles++;
        if (ce_text_path(text_dir, ar->file, path, sizeof path) != 0) {
            fprintf(stderr, "corpus: no text for %s in %s\n", ar->file, text_dir);
            s->failed++;
            continue;
        }
        if (verbose)
            printf("%s (published %s)\n", ar->file, ar->published);
        if (ce_score_article_mentions(&g, ar, bin, path, s, verbose) != 0)
            s->failed++;
        char *argv[] = {(char *)bin,           "--db", db,  "--quiet", "ingest", "--published",
                        (char *)ar->published, path,   NULL};
        int irc = ce_run(argv, NULL);
        if (irc != 0) {
            fprintf(stderr, "corpus: %s: `bordermap ingest` exited %d\n", ar->file, irc);
            s->failed++;
        }
    }
    bm_error err;
    bm_error_clear(&err);
    if (bm_store_open(db, BM_STORE_READONLY, &preds.store, &err) != BM_OK) {
        fprintf(stderr, "corpus: %s: %s\n", db, bm_error_text(&err));
        goto done;
    }
    if (bm_store_sources(preds.store, 0, ce_source_cb, &preds) != BM_OK || preds.failed) {
        fprintf(stderr, "corpus: reading the predictions failed\n");
        goto done;
    }
    for (size_t i = 0; i < preds.n; i++) {
        size_t k = 0;
        while (k < i && preds.v[k].id != preds.v[i].id)
            k++;
        s->any_features += k == i && !preds.v[i].country;
    }
    if (verbose)
        printf("incidents, per article:\n");
    for (size_t a = 0; a < g.n_art; a++) {
        char stem[128];
        ce_copy(stem, sizeof stem, g.art[a].file);
        size_t k = strlen(stem);
        if (k > 4 && !strcmp(stem + k - 4, ".txt"))
            stem[k - 4] = '\0';
        /* predictions carry the stem; gold rows the file as the gold names it */
        for (size_t i = 0; i < preds.n; i++)
            if (!strcmp(preds.v[i].file, stem))
                ce_copy(preds.v[i].file, sizeof preds.v[i].file, g.art[a].file);
        ce_score_article_incidents(&g, g.art[a].file, &preds, s, verbose);
    }
    ce_finish(s);
    rc = 0;
done:
    bm_store_close(preds.store);
    free(preds.v);
    ce_gold_free(&g);
    char side[2100];
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
    return rc;
}

static inline void ce_print(const char *name, const ce_scores *s)
{
    printf("== %s: %zu articles%s\n", name, s->articles, s->failed ? " (SOME FAILED)" : "");
    printf("places     P %.3f  R %.3f  F1 %.3f   (%zu matched, %zu predicted, %zu gold)\n",
           s->place_p, s->place_r, s->place_f1, s->place_tp, s->place_pred, s->place_gold);
    printf("dates      P %.3f  R %.3f  F1 %.3f   (%zu matched, %zu predicted, %zu gold)\n",
           s->date_p, s->date_r, s->date_f1, s->date_tp, s->date_pred, s->date_gold);
    printf("incidents  recall %.3f  precision %.3f  F1 %.3f   (%zu matched one to one, %zu "
           "predicted, %zu gold)\n",
           s->inc_recall, s->inc_precision, s->inc_f1, s->inc_matched, s->inc_pred, s->inc_gold);
    printf("types      accuracy %.3f   (%zu of %zu matched incidents)\n", s->type_acc,
           s->inc_type_ok, s->inc_matched);
    printf("score.py   recall %.3f  precision~ %.3f  type accuracy %.3f   (any-match rule, "
           "exported incidents only: %zu gold matched, %zu incidents)\n",
           ce_ratio(s->any_matched, s->inc_gold), ce_ratio(s->any_matched, s->any_features),
           ce_ratio(s->any_type_ok, s->any_matched), s->any_matched, s->any_features);
    if (s->failed)
        printf("failed     %zu article(s): see the messages above\n", s->failed);
}

/* The confusion matrix of types: rows gold, columns predicted; "none" is a
 * missed gold incident (column) or an extra prediction (row). */
static inline void ce_print_confusion(const ce_scores *s)
{
    static const char *const abbr[] = {"clash", "attack", "air",   "secop", "infil",
                                       "smugg", "fort",   "deplo", "cross", "diplo",
                                       "stmt",  "repat",  "other", "none"};
    printf("type confusion (rows gold, columns predicted):\n%-13s", "");
    for (int j = 0; j <= CE_NTYPES; j++)
        printf("%7s", abbr[j]);
    printf("\n");
    for (int i = 0; i <= CE_NTYPES; i++) {
        size_t row = 0;
        for (int j = 0; j <= CE_NTYPES; j++)
            row += s->confusion[i][j];
        if (!row)
            continue;
        printf("%-13s", i < CE_NTYPES ? ce_types[i] : "none (extra)");
        for (int j = 0; j <= CE_NTYPES; j++) {
            if (s->confusion[i][j])
                printf("%7zu", s->confusion[i][j]);
            else
                printf("%7s", ".");
        }
        printf("\n");
    }
}

/* Prints each figure below its floor; returns how many are. */
static inline int ce_check_floors(const char *name, const ce_scores *s, const ce_floors *f)
{
    const struct {
        const char *what;
        double got, floor;
    } c[] = {{"place F1", s->place_f1, f->place_f1},
             {"date F1", s->date_f1, f->date_f1},
             {"incident recall", s->inc_recall, f->inc_recall},
             {"incident precision", s->inc_precision, f->inc_precision},
             {"type accuracy", s->type_acc, f->type_acc}};
    int below = 0;
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (c[i].floor >= 0 && c[i].got + 1e-9 < c[i].floor) {
            fprintf(stderr, "%s: %s %.3f is below its floor %.3f\n", name, c[i].what, c[i].got,
                    c[i].floor);
            below++;
        }
    if (s->failed) {
        fprintf(stderr, "%s: %zu article(s) failed\n", name, s->failed);
        below++;
    }
    return below;
}

#endif
