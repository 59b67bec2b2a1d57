/* corpus_eval_impl.h: scores bordermap against the hand-annotated corpus
 * (../shared/corpus: seeds/ and gold/): place and date precision/recall/F1 of
 * the mentions, incident recall and type accuracy of a real ingest.
 * Shared by bench/bench_corpus.c (prints) and tests/test_corpus_eval.c
 * (asserts the targets). Must never read the seeds' text into the repo or
 * tune anything to them: it only measures. */
#ifndef BM_CORPUS_EVAL_IMPL_H
#define BM_CORPUS_EVAL_IMPL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bordermap/dates.h"
#include "bordermap/extract.h"
#include "bordermap/fileio.h"
#include "bordermap/gazetteer.h"
#include "bordermap/ingest.h"
#include "bordermap/store.h"

#define CE_MAX 512

typedef struct ce_place {
    char file[128], id[64], kind[16];
    bm_lonlat pt;
} ce_place;

typedef struct ce_date {
    char file[128], value[11];
} ce_date;

typedef struct ce_incident {
    char file[128], date[11], prec[8], place[64], type[16];
} ce_incident;

typedef struct ce_article {
    char file[128], published[11];
} ce_article;

typedef struct ce_pred {
    char file[128];
    bm_incident inc;
} ce_pred;

typedef struct ce_scores {
    size_t place_tp_pred, place_pred, place_tp_gold, place_gold;
    size_t date_tp, date_pred, date_gold;
    size_t inc_gold, inc_recalled, inc_type_ok;
    double place_p, place_r, place_f1, date_p, date_r, date_f1, inc_recall, type_acc;
} ce_scores;

typedef struct ce_gold {
    ce_article art[64];
    size_t n_art;
    ce_place *pl;
    size_t n_pl;
    ce_date *dt;
    size_t n_dt;
    ce_incident *in;
    size_t n_in;
} ce_gold;

/* Thresholds of the distance rule, by the gold place's kind (km). */
static double ce_threshold(const char *kind)
{
    if (!strcmp(kind, "country"))
        return 400;
    if (!strcmp(kind, "region") || !strcmp(kind, "other"))
        return 200;
    if (!strcmp(kind, "governorate") || !strcmp(kind, "district") || !strcmp(kind, "subdistrict"))
        return 120;
    return 20;
}

/* Reads a TSV file of the gold set: calls row() on each data row's fields. */
static int ce_read_tsv(const char *path, size_t want, void (*row)(ce_gold *, char **), ce_gold *g)
{
    char *data = NULL;
    size_t len = 0;
    if (bm_read_file(path, &data, &len, NULL) != BM_OK) {
        fprintf(stderr, "corpus: cannot read %s\n", path);
        return -1;
    }
    char *save = NULL;
    int first = 1;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (first) {
            first = 0;
            continue;
        }
        char *f[12];
        size_t n = 0;
        for (char *p = l; n < 12;) {
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
        if (n >= want)
            row(g, f);
    }
    free(data);
    return 0;
}

static void ce_row_article(ce_gold *g, char **f)
{
    if (g->n_art >= 64)
        return;
    snprintf(g->art[g->n_art].file, sizeof g->art[0].file, "%s", f[0]);
    snprintf(g->art[g->n_art].published, sizeof g->art[0].published, "%s", f[2]);
    g->n_art++;
}

static void ce_row_place(ce_gold *g, char **f)
{
    if (g->n_pl >= CE_MAX)
        return;
    ce_place *p = &g->pl[g->n_pl++];
    snprintf(p->file, sizeof p->file, "%s", f[0]);
    snprintf(p->id, sizeof p->id, "%s", f[2]);
    snprintf(p->kind, sizeof p->kind, "%s", f[5]);
    p->pt.lat = atof(f[7]);
    p->pt.lon = atof(f[8]);
}

static void ce_row_date(ce_gold *g, char **f)
{
    if (g->n_dt >= CE_MAX)
        return;
    snprintf(g->dt[g->n_dt].file, sizeof g->dt[0].file, "%s", f[0]);
    snprintf(g->dt[g->n_dt].value, sizeof g->dt[0].value, "%s", f[2]);
    g->n_dt++;
}

static void ce_row_incident(ce_gold *g, char **f)
{
    if (g->n_in >= CE_MAX)
        return;
    ce_incident *i = &g->in[g->n_in++];
    snprintf(i->file, sizeof i->file, "%s", f[0]);
    snprintf(i->date, sizeof i->date, "%s", f[1]);
    snprintf(i->prec, sizeof i->prec, "%s", f[2]);
    snprintf(i->place, sizeof i->place, "%s", f[3]);
    snprintf(i->type, sizeof i->type, "%s", f[4]);
}

static void ce_gold_free(ce_gold *g)
{
    free(g->pl);
    free(g->dt);
    free(g->in);
}

static int ce_gold_load(const char *corpus, ce_gold *g)
{
    memset(g, 0, sizeof *g);
    g->pl = calloc(CE_MAX, sizeof *g->pl);
    g->dt = calloc(CE_MAX, sizeof *g->dt);
    g->in = calloc(CE_MAX, sizeof *g->in);
    if (!g->pl || !g->dt || !g->in)
        return -1;
    char path[2048];
    struct {
        const char *name;
        size_t want;
        void (*row)(ce_gold *, char **);
    } files[] = {{"articles.tsv", 5, ce_row_article},
                 {"places.tsv", 10, ce_row_place},
                 {"dates.tsv", 5, ce_row_date},
                 {"incidents.tsv", 6, ce_row_incident}};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/gold/%s", corpus, files[i].name);
        if (ce_read_tsv(path, files[i].want, files[i].row, g) != 0)
            return -1;
    }
    return 0;
}

static const ce_place *ce_gold_place(const ce_gold *g, const char *id)
{
    for (size_t i = 0; i < g->n_pl; i++)
        if (!strcmp(g->pl[i].id, id))
            return &g->pl[i];
    return NULL;
}

/* ---- Places: the gazetteer's mentions against gold/places.tsv ------------- */

static void ce_score_places(const ce_gold *g, const char *file, const bm_place_mention *m, size_t n,
                            ce_scores *s, int verbose)
{
    const bm_gplace *pred[CE_MAX];
    size_t np = 0;
    for (size_t i = 0; i < n && np < CE_MAX; i++) {
        size_t k = 0;
        while (k < np && pred[k] != m[i].place)
            k++;
        if (k == np)
            pred[np++] = m[i].place;
    }
    const ce_place *gold[CE_MAX];
    size_t ng = 0;
    for (size_t i = 0; i < g->n_pl; i++)
        if (!strcmp(g->pl[i].file, file))
            gold[ng++] = &g->pl[i];
    int used_p[CE_MAX] = {0}, used_g[CE_MAX] = {0};
    /* Same id first, then the nearest place within the distance rule. */
    for (size_t j = 0; j < ng; j++)
        for (size_t i = 0; i < np; i++)
            if (!used_p[i] && !used_g[j] && !strcmp(pred[i]->id, gold[j]->id))
                used_p[i] = used_g[j] = 1;
    for (size_t j = 0; j < ng; j++) {
        if (used_g[j])
            continue;
        int best = -1;
        double best_km = 1e9;
        for (size_t i = 0; i < np; i++) {
            double km = bm_distance_km(pred[i]->pt, gold[j]->pt);
            if (!used_p[i] && km <= ce_threshold(gold[j]->kind) && km < best_km) {
                best = (int)i;
                best_km = km;
            }
        }
        if (best >= 0)
            used_p[best] = used_g[j] = 1;
    }
    for (size_t i = 0; i < np; i++) {
        s->place_tp_pred += used_p[i];
        if (verbose && !used_p[i])
            printf("  place FP %s: %s\n", file, pred[i]->id);
    }
    for (size_t j = 0; j < ng; j++) {
        s->place_tp_gold += used_g[j];
        if (verbose && !used_g[j])
            printf("  place FN %s: %s\n", file, gold[j]->id);
    }
    s->place_pred += np;
    s->place_gold += ng;
}

/* ---- Dates: resolved values against gold/dates.tsv ------------------------ */

static void ce_score_dates(const ce_gold *g, const char *file, const bm_date_mention *m, size_t n,
                           ce_scores *s, int verbose)
{
    char pred[CE_MAX][11];
    size_t np = 0;
    for (size_t i = 0; i < n && np < CE_MAX; i++) {
        if (!m[i].resolved)
            continue;
        char v[11];
        bm_date_format_prec(m[i].date, m[i].precision, v);
        size_t k = 0;
        while (k < np && strcmp(pred[k], v) != 0)
            k++;
        if (k == np)
            snprintf(pred[np++], 11, "%s", v);
    }
    char gold[CE_MAX][11];
    size_t ng = 0;
    for (size_t i = 0; i < g->n_dt; i++) {
        if (strcmp(g->dt[i].file, file) != 0)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(gold[k], g->dt[i].value) != 0)
            k++;
        if (k == ng)
            snprintf(gold[ng++], 11, "%s", g->dt[i].value);
    }
    for (size_t i = 0; i < np; i++) {
        size_t k = 0;
        while (k < ng && strcmp(gold[k], pred[i]) != 0)
            k++;
        s->date_tp += k < ng;
        if (verbose && k == ng)
            printf("  date FP %s: %s\n", file, pred[i]);
    }
    for (size_t k = 0; verbose && k < ng; k++) {
        size_t i = 0;
        while (i < np && strcmp(gold[k], pred[i]) != 0)
            i++;
        if (i == np)
            printf("  date FN %s: %s\n", file, gold[k]);
    }
    s->date_pred += np;
    s->date_gold += ng;
}

/* ---- Incidents: a real ingest into a temporary store ---------------------- */

typedef struct ce_preds {
    ce_pred *v;
    size_t n;
    bm_store *store;
} ce_preds;

static int ce_source_cb(const bm_source *src, void *user)
{
    ce_preds *p = user;
    if (p->n >= CE_MAX * 4)
        return 0;
    ce_pred *x = &p->v[p->n];
    if (bm_store_incident_get(p->store, src->incident_id, &x->inc) != BM_OK)
        return 0;
    const char *base = src->file_name ? strrchr(src->file_name, '/') : NULL;
    snprintf(x->file, sizeof x->file, "%s", base ? base + 1 : src->file_name ? src->file_name : "");
    p->n++;
    return 0;
}

static int ce_incident_matches(const ce_gold *g, const ce_incident *gi, const ce_pred *p)
{
    if (strcmp(p->file, gi->file) != 0)
        return 0;
    bm_precision gp = !strcmp(gi->prec, "month")  ? BM_PREC_MONTH
                      : !strcmp(gi->prec, "year") ? BM_PREC_YEAR
                                                  : BM_PREC_DAY;
    if (p->inc.date_precision > gp)
        return 0;
    char d[11];
    bm_date_format_prec(p->inc.date_start, gp, d);
    if (strcmp(d, gi->date) != 0)
        return 0;
    const ce_place *pl = ce_gold_place(g, gi->place);
    if (!pl)
        return 0;
    return bm_distance_km(p->inc.pt, pl->pt) <= ce_threshold(pl->kind);
}

static void ce_score_incidents(const ce_gold *g, const ce_preds *p, ce_scores *s, int verbose)
{
    int *used = calloc(p->n ? p->n : 1, sizeof *used);
    if (!used)
        return;
    for (size_t j = 0; j < g->n_in; j++) {
        const ce_incident *gi = &g->in[j];
        int best = -1;
        for (size_t i = 0; i < p->n; i++) {
            if (used[i] || !ce_incident_matches(g, gi, &p->v[i]))
                continue;
            /* One prediction per gold incident; prefer the one of its type. */
            if (best < 0 ||
                (!strcmp(p->v[i].inc.type, gi->type) && strcmp(p->v[best].inc.type, gi->type) != 0))
                best = (int)i;
        }
        s->inc_gold++;
        if (best < 0) {
            if (verbose)
                printf("  incident MISS %s: %s %s %s\n", gi->file, gi->date, gi->place, gi->type);
            continue;
        }
        used[best] = 1;
        s->inc_recalled++;
        int ok = !strcmp(p->v[best].inc.type, gi->type);
        s->inc_type_ok += ok;
        if (verbose && !ok)
            printf("  incident TYPE %s: %s %s want %s got %s\n", gi->file, gi->date, gi->place,
                   gi->type, p->v[best].inc.type);
    }
    if (verbose)
        for (size_t i = 0; i < p->n; i++)
            if (!used[i]) {
                char d[11];
                printf("  incident extra %s: %s %s %s (%.2f)\n", p->v[i].file,
                       bm_date_format_prec(p->v[i].inc.date_start, p->v[i].inc.date_precision, d),
                       p->v[i].inc.place_id, p->v[i].inc.type, p->v[i].inc.confidence);
            }
    free(used);
}

static double ce_ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static double ce_f1(double p, double r)
{
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* Runs the whole evaluation. With db == NULL the seeds are ingested into a
 * temporary database in tmpdir; else db is a database `bordermap ingest`
 * already filled from the seeds, and only scored. */
static int ce_evaluate(const char *corpus, const char *tmpdir, const char *db_in, int verbose,
                       ce_scores *s)
{
    memset(s, 0, sizeof *s);
    ce_gold g;
    bm_error err;
    bm_error_clear(&err);
    bm_gazetteer *gz = NULL;
    bm_dates *dt = NULL;
    bm_store *store = NULL;
    bm_ingest *ig = NULL;
    ce_preds preds = {0};
    int rc = -1;
    char db[2048];
    if (db_in)
        snprintf(db, sizeof db, "%s", db_in);
    else
        snprintf(db, sizeof db, "%s/corpus-eval.sqlite", tmpdir);
    if (!db_in)
        unlink(db);
    if (ce_gold_load(corpus, &g) != 0)
        goto done;
    if (bm_gazetteer_load(&gz, &err) != BM_OK || bm_dates_new(&dt, &err) != BM_OK ||
        bm_store_open(db, db_in ? BM_STORE_READONLY : 0, &store, &err) != BM_OK ||
        (!db_in && bm_ingest_new_with(store, gz, dt, &ig, &err) != BM_OK)) {
        fprintf(stderr, "corpus: %s\n", bm_error_text(&err));
        goto done;
    }
    for (size_t a = 0; a < g.n_art; a++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/seeds/%s", corpus, g.art[a].file);
        char *text = NULL;
        size_t len = 0;
        if (bm_read_file(path, &text, &len, &err) != BM_OK) {
            fprintf(stderr, "corpus: %s\n", bm_error_text(&err));
            goto done;
        }
        bm_date pub, last;
        bm_precision pp;
        bm_date_parse_iso(g.art[a].published, &pub, &last, &pp, NULL);
        bm_place_mention *pm = NULL;
        bm_date_mention *dm = NULL;
        size_t npm = 0, ndm = 0;
        if (bm_gazetteer_find(gz, text, len, &pm, &npm, &err) == BM_OK)
            ce_score_places(&g, g.art[a].file, pm, npm, s, verbose);
        if (bm_dates_find(dt, text, len, &pub, &dm, &ndm, &err) == BM_OK)
            ce_score_dates(&g, g.art[a].file, dm, ndm, s, verbose);
        free(pm);
        free(dm);
        if (db_in) {
            free(text);
            continue;
        }
        bm_ingest_opts o;
        bm_ingest_opts_init(&o);
        o.published = g.art[a].published;
        bm_ingest_result r;
        int irc = bm_ingest_text(ig, path, text, len, &o, &r, &err);
        free(text);
        if (irc != BM_OK) {
            fprintf(stderr, "corpus: ingest %s: %s\n", g.art[a].file, bm_error_text(&err));
            goto done;
        }
    }
    preds.v = calloc(CE_MAX * 4, sizeof *preds.v);
    preds.store = store;
    if (!preds.v || bm_store_sources(store, 0, ce_source_cb, &preds) != BM_OK)
        goto done;
    ce_score_incidents(&g, &preds, s, verbose);
    s->place_p = ce_ratio(s->place_tp_pred, s->place_pred);
    s->place_r = ce_ratio(s->place_tp_gold, s->place_gold);
    s->place_f1 = ce_f1(s->place_p, s->place_r);
    s->date_p = ce_ratio(s->date_tp, s->date_pred);
    s->date_r = ce_ratio(s->date_tp, s->date_gold);
    s->date_f1 = ce_f1(s->date_p, s->date_r);
    s->inc_recall = ce_ratio(s->inc_recalled, s->inc_gold);
    s->type_acc = ce_ratio(s->inc_type_ok, s->inc_recalled);
    rc = 0;
done:
    free(preds.v);
    bm_ingest_free(ig);
    bm_store_close(store);
    bm_dates_free(dt);
    bm_gazetteer_free(gz);
    ce_gold_free(&g);
    if (!db_in)
        unlink(db);
    return rc;
}

static void ce_print(const ce_scores *s)
{
    printf("places     P %.3f  R %.3f  F1 %.3f   (%zu/%zu predicted, %zu/%zu gold)\n", s->place_p,
           s->place_r, s->place_f1, s->place_tp_pred, s->place_pred, s->place_tp_gold,
           s->place_gold);
    printf("dates      P %.3f  R %.3f  F1 %.3f   (%zu correct, %zu predicted, %zu gold)\n",
           s->date_p, s->date_r, s->date_f1, s->date_tp, s->date_pred, s->date_gold);
    printf("incidents  recall %.3f (%zu/%zu)   type accuracy %.3f (%zu/%zu)\n", s->inc_recall,
           s->inc_recalled, s->inc_gold, s->type_acc, s->inc_type_ok, s->inc_recalled);
}

/* The targets of the ingest issue. */
static inline int ce_meets_targets(const ce_scores *s)
{
    return s->place_f1 >= 0.95 && s->date_f1 >= 0.95 && s->inc_recall >= 0.90 &&
           s->type_acc >= 0.85;
}

#endif
