/* cmd_mentions.c: `bordermap mentions FILE|-`: every place and date an
 * article mentions, as TSV with byte offsets into the input.
 * Must never hold the whole input in memory: text is read and matched in
 * blocks cut at paragraph breaks, so memory stays flat however long it is. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bordermap/gazimport.h"
#include "cli.h"
#include "dates_private.h"
#include "gazetteer_private.h"
#include "gazload.h"
#include "segment_private.h"

/* A block is matched once it holds this much text (cut at the last
 * paragraph break): articles fit in one block, so sibling and nearby
 * evidence sees the whole article. */
#define BLOCK_BYTES (256 * 1024)
#define READ_BYTES (1024 * 1024)

static const char header[] =
    "kind\toffset\tsurface\tplace_id\tname_en\tname_ar\tlat\tlon\tdate\tdate_precision\t"
    "source\n";

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: bordermap mentions [--published YYYY-MM-DD] FILE|-\n\n"
            "Prints every place and date the text mentions, one TSV row each, in text\n"
            "order, under this header:\n"
            "  %s"
            "kind is place or date; offset is the byte offset of the mention in the input;\n"
            "fields that do not apply are '-'; source says where a place came from:\n"
            "curated (gazetteer/corridor.tsv), geonames, wof (Who's On First) or user\n"
            "(places imported with `gazetteer import`, read from --db). Relative dates (أمس، يوم الخميس الماضي,\n"
            "yesterday) resolve against --published, else against the date the article\n"
            "states about itself; unresolved dates print '-' as their date. Dates in page\n"
            "furniture (a date alone on its line, a dateline, a \"Published:\" stamp, a\n"
            "photo caption) tell the publication date, not an event's: they are not listed,\n"
            "nor are weeks (last week), which name no day, month or year.\n"
            "Input of any size is read in blocks cut at paragraph breaks.\n\n"
            "Options:\n"
            "  -p, --published DATE  publication date of the article (YYYY-MM-DD)\n"
            "  -j, --jobs N          match blocks on N threads (default: the processors\n"
            "                        this process may use); rows stay in input order\n"
            "  -h, --help            this help\n\n"
            "Examples:\n"
            "  bordermap mentions article.txt\n"
            "  bordermap mentions --published 2025-03-07 - < article.txt | grep '^place'\n\n"
            "Exit codes: 0 ok, 1 failure (unreadable input, gazetteer or lexicons),\n"
            "2 usage error.\n",
            header);
}


/* Rows are formatted by hand into the block's output buffer, written with
 * one fwrite per block: printf's float conversion and per-field stdio calls
 * were a quarter of the run time on a large input. The buffer is reused
 * block after block (no allocation per row). */
typedef struct row {
    char *b;
    size_t n, cap;
    int oom;
} row;

static int row_grow(row *r, size_t len)
{
    size_t nc = r->cap ? r->cap : 1 << 16;
    while (nc < r->n + len)
        nc *= 2;
    char *b = realloc(r->b, nc);
    if (!b) {
        r->oom = 1;
        return -1;
    }
    r->b = b;
    r->cap = nc;
    return 0;
}

static inline void row_put(row *r, const char *s, size_t len)
{
    if (r->n + len > r->cap && row_grow(r, len))
        return;
    memcpy(r->b + r->n, s, len);
    r->n += len;
}

static void row_str(row *r, const char *s)
{
    row_put(r, s, strlen(s));
}

/* A field: tabs and line breaks become spaces so the TSV stays one row. */
static void row_field(row *r, const char *s, size_t len)
{
    if (!s || len == 0) {
        row_put(r, "-", 1);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] > '\r' || (s[i] != '\t' && s[i] != '\n' && s[i] != '\r'))
            continue;
        row_put(r, s + start, i - start);
        row_put(r, " ", 1);
        start = i + 1;
    }
    row_put(r, s + start, len - start);
}

static void row_u64(row *r, unsigned long long v)
{
    char b[24];
    int i = (int)sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    row_put(r, b + i, sizeof b - (size_t)i);
}

/* A coordinate with five decimals (about a metre), as "%.5f" prints it. */
static void row_coord(row *r, double v)
{
    if (v < 0) {
        row_put(r, "-", 1);
        v = -v;
    }
    unsigned long long f = (unsigned long long)(v * 100000.0 + 0.5);
    row_u64(r, f / 100000);
    char d[6] = {'.'};
    unsigned long long frac = f % 100000;
    for (int i = 5; i >= 1; i--) {
        d[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    row_put(r, d, 6);
}

/* The part of a place's row that depends only on the place (id, names,
 * coordinates, source), formatted once per worker and copied for every later
 * mention of it: a long input names the same few hundred places again and
 * again, and these fields were most of the row's cost. */
typedef struct tail_slot {
    const bm_gplace *place; /* NULL: empty */
    size_t off, len;        /* in the cache's text */
} tail_slot;

typedef struct tail_cache {
    tail_slot *v;
    size_t cap, n; /* cap a power of two, load kept under a half */
    row text;      /* the tails, one after another */
} tail_cache;

static void tail_cache_free(tail_cache *tc)
{
    free(tc->v);
    free(tc->text.b);
}

static size_t tail_hash(const bm_gplace *p, size_t mask)
{
    return (size_t)(((uintptr_t)p >> 3) * 0x9E3779B97F4A7C15ull >> 20) & mask;
}

static void format_tail(row *o, const bm_gplace *p)
{
    row_put(o, "\t", 1);
    row_field(o, p->id, strlen(p->id));
    row_put(o, "\t", 1);
    row_field(o, p->name_en, strlen(p->name_en));
    row_put(o, "\t", 1);
    row_field(o, p->name_ar, strlen(p->name_ar));
    row_put(o, "\t", 1);
    row_coord(o, p->pt.lat);
    row_put(o, "\t", 1);
    row_coord(o, p->pt.lon);
    row_put(o, "\t-\t-\t", 5);
    const char *origin = bm_gazetteer_origin(p);
    row_put(o, origin, strlen(origin));
    row_put(o, "\n", 1);
}

static int tail_grow(tail_cache *tc)
{
    size_t nc = tc->cap ? tc->cap * 2 : 256;
    tail_slot *v = calloc(nc, sizeof *v);
    if (!v)
        return -1;
    for (size_t i = 0; i < tc->cap; i++) {
        if (!tc->v[i].place)
            continue;
        size_t k = tail_hash(tc->v[i].place, nc - 1);
        while (v[k].place)
            k = (k + 1) & (nc - 1);
        v[k] = tc->v[i];
    }
    free(tc->v);
    tc->v = v;
    tc->cap = nc;
    return 0;
}

/* Appends the tail of p's row to o, formatting it on first use. */
static void put_tail(row *o, tail_cache *tc, const bm_gplace *p)
{
    if ((tc->n + 1) * 2 > tc->cap && tail_grow(tc)) {
        format_tail(o, p); /* no room to remember it: format it in place */
        return;
    }
    size_t mask = tc->cap - 1, k = tail_hash(p, mask);
    while (tc->v[k].place && tc->v[k].place != p)
        k = (k + 1) & mask;
    tail_slot *s = &tc->v[k];
    if (!s->place) {
        size_t off = tc->text.n;
        format_tail(&tc->text, p);
        if (tc->text.oom) {
            tc->text.oom = 0;
            tc->text.n = off;
            format_tail(o, p);
            return;
        }
        s->place = p;
        s->off = off;
        s->len = tc->text.n - off;
        tc->n++;
    }
    row_put(o, tc->text.b + s->off, s->len);
}

static void put_place(row *o, tail_cache *tc, unsigned long long base, const char *text,
                      const bm_place_mention *m)
{
    row_put(o, "place\t", 6);
    row_u64(o, base + (unsigned long long)m->start);
    row_put(o, "\t", 1);
    row_field(o, text + m->start, m->end - m->start);
    put_tail(o, tc, m->place);
}

static void put_date(row *o, unsigned long long base, const char *text, const bm_date_mention *d)
{
    char buf[16] = "-";
    if (d->resolved)
        bm_date_format_prec(d->date, d->precision, buf);
    row_put(o, "date\t", 5);
    row_u64(o, base + (unsigned long long)d->start);
    row_put(o, "\t", 1);
    row_field(o, text + d->start, d->end - d->start);
    row_put(o, "\t-\t-\t-\t-\t-\t", 11);
    row_str(o, buf);
    row_put(o, "\t", 1);
    row_str(o, bm_precision_name(d->precision));
    row_put(o, "\t-\n", 3);
}

/* The line the last place was on: places come in text order, so each
 * line's ends are found once, not once per place on it. */
typedef struct line_span {
    size_t start, end; /* [start, end): end is the '\n' or the text's end */
    int valid;
} line_span;

static void line_of(const char *text, size_t len, size_t at, line_span *l)
{
    if (l->valid && at >= l->start && at < l->end)
        return;
    /* the line starts after the previous line's end, or later: after the
     * last line break before at (memchr forward, a line at a time) */
    size_t ls = l->valid && at >= l->end ? l->end + 1 : 0;
    if (ls > at)
        ls = at;
    for (const char *nl; (nl = memchr(text + ls, '\n', at - ls));)
        ls = (size_t)(nl - text) + 1;
    l->start = ls;
    const char *e = at < len ? memchr(text + at, '\n', len - at) : NULL;
    l->end = e ? (size_t)(e - text) : len;
    l->valid = 1;
}

/* Whether the line holding byte at shares it with a stamp's or a caption's
 * date (BM_FURNITURE_LINE). *f walks forward with the places (both in text
 * order), and so does *l. */
static int on_furniture_line(const char *text, size_t len, size_t at, const bm_date_mention *dm,
                             size_t nd, size_t *f, line_span *l)
{
    line_of(text, len, at, l);
    size_t ls = l->start, le = l->end;
    while (*f < nd && dm[*f].start < ls)
        (*f)++;
    for (size_t k = *f; k < nd && dm[k].start < le; k++)
        if (dm[k].furniture == BM_FURNITURE_LINE)
            return 1;
    return 0;
}

/* What every block is read with. */
typedef struct context {
    const bm_gazetteer *g;
    const bm_dates *dates;
    int has_published;
    bm_date published;
} context;

/* What one thread matches with: its finder and its formatted places. */
typedef struct job {
    bm_place_finder *finder;
    bm__dates_cls *cls; /* the date lexicon's reading of the finder's tokens */
    tail_cache tails;
} job;

/* The places and dates of one block, as TSV rows appended to *out. */
static int process(const context *cx, job *jb, const char *text, size_t len,
                   unsigned long long base, row *out, bm_error *err)
{
    const bm_place_mention *pm = NULL;
    bm_date_mention *dm = NULL;
    size_t np = 0, nd = 0;
    int rc = bm_place_finder_run(jb->finder, text, len, &pm, &np, err);
    if (rc == BM_OK) {
        /* the dates read the same tokens, by the same hashes: tokenise and
         * hash once (without the classification, dates classify on their own) */
        bm_dates_opts o;
        bm_dates_opts_init(&o);
        o.published = cx->has_published ? &cx->published : NULL;
        o.tokens = bm_place_finder_tokens(jb->finder);
        if (jb->cls)
            bm__dates_classify(cx->dates, o.tokens, bm__place_finder_hashes(jb->finder), jb->cls);
        rc = bm__dates_find_cls(cx->dates, text, len, &o, jb->cls, &dm, &nd, err);
    }
    size_t f = 0; /* first date that may share a line with the next place */
    line_span line = {0, 0, 0};
    for (size_t i = 0, j = 0; rc == BM_OK && (i < np || j < nd);) {
        if (j >= nd || (i < np && pm[i].start <= dm[j].start)) {
            /* a site clock's city, a caption's places: not the article's */
            if (!on_furniture_line(text, len, pm[i].start, dm, nd, &f, &line))
                put_place(out, &jb->tails, base, text, &pm[i]);
            i++;
        } else if (dm[j].furniture || dm[j].precision == BM_PREC_WEEK)
            j++; /* a byline's date is no event date; a week names no day, month or year */
        else
            put_date(out, base, text, &dm[j++]);
    }
    free(dm);
    if (rc == BM_OK && out->oom)
        rc = bm_error_set(err, BM_ENOMEM, "out of memory");
    return rc;
}

/* ---- Blocks on several threads, written in input order ------------------ */

/* Blocks read ahead per worker: enough to keep the workers busy while the
 * output of an earlier block is written, few enough to keep memory flat. */
#define AHEAD_PER_WORKER 2

enum { SLOT_FREE, SLOT_FILLED, SLOT_TAKEN, SLOT_DONE };

typedef struct slot {
    char *text; /* BLOCK_BYTES + READ_BYTES + 1, reused */
    size_t len;
    unsigned long long base;
    row out; /* reused */
    int state, rc;
    bm_error err;
} slot;

typedef struct pipeline {
    const context *cx;
    slot *slots;
    size_t window;
    size_t next_take, next_fill;
    int stop;
    GMutex mu;
    GCond cond;
} pipeline;

static void process_slot(const context *cx, job *jb, slot *s)
{
    bm_error_clear(&s->err);
    s->out.n = 0;
    s->rc = process(cx, jb, s->text, s->len, s->base, &s->out, &s->err);
}

static gpointer worker(gpointer user)
{
    pipeline *pl = user;
    job jb = {0};
    bm_error err;
    int ok = bm_place_finder_new(pl->cx->g, &jb.finder, &err) == BM_OK;
    jb.cls = bm__dates_cls_new();
    for (;;) {
        g_mutex_lock(&pl->mu);
        while (!pl->stop && pl->next_take == pl->next_fill)
            g_cond_wait(&pl->cond, &pl->mu);
        if (pl->next_take == pl->next_fill) { /* stopped, nothing left */
            g_mutex_unlock(&pl->mu);
            break;
        }
        slot *s = &pl->slots[pl->next_take++ % pl->window];
        s->state = SLOT_TAKEN;
        g_mutex_unlock(&pl->mu);
        if (ok)
            process_slot(pl->cx, &jb, s);
        else
            s->rc = bm_error_set(&s->err, BM_ENOMEM, "out of memory");
        g_mutex_lock(&pl->mu);
        s->state = SLOT_DONE;
        g_cond_broadcast(&pl->cond);
        g_mutex_unlock(&pl->mu);
    }
    bm_place_finder_free(jb.finder);
    bm__dates_cls_free(jb.cls);
    tail_cache_free(&jb.tails);
    return NULL;
}

/* Reads the next block (cut at a paragraph break) into s. *carry holds what
 * was read past the last cut. Returns 1 with a block, 0 at the end, -1 on a
 * read error. */
static int next_block(FILE *in, char *carry, size_t *clen, int *eof, size_t cap, slot *s)
{
    while (!*eof && *clen < BLOCK_BYTES) {
        size_t got = fread(carry + *clen, 1, cap - 1 - *clen, in);
        *clen += got;
        if (got == 0) {
            if (ferror(in))
                return -1;
            *eof = 1;
        }
    }
    if (*clen == 0)
        return 0;
    size_t cut = *eof ? *clen : bm__paragraph_cut(carry, *clen);
    memcpy(s->text, carry, cut);
    s->text[cut] = '\0';
    s->len = cut;
    memmove(carry, carry + cut, *clen - cut);
    *clen -= cut;
    return 1;
}

static int write_slot(slot *s)
{
    if (s->rc != BM_OK)
        return bm_cli_fail("mentions", "%s", bm_error_text(&s->err));
    if (s->out.n && fwrite(s->out.b, 1, s->out.n, stdout) != s->out.n)
        return bm_cli_fail("mentions", "writing the output failed");
    return BM_EXIT_OK;
}

/* Reads the input block by block; `jobs` threads match the blocks (0: this
 * thread, with `jb`), this thread writes their rows in input order. */
static int stream(context *cx, job *jb, unsigned jobs, FILE *in, const char *name)
{
    size_t cap = BLOCK_BYTES + READ_BYTES + 1, clen = 0;
    pipeline pl = {0};
    pl.cx = cx;
    pl.window = jobs ? (size_t)jobs * AHEAD_PER_WORKER + 1 : 1;
    pl.slots = calloc(pl.window, sizeof *pl.slots);
    char *carry = malloc(cap);
    int ok = pl.slots && carry;
    for (size_t i = 0; ok && i < pl.window; i++)
        ok = (pl.slots[i].text = malloc(cap)) != NULL;
    if (!ok) {
        for (size_t i = 0; pl.slots && i < pl.window; i++)
            free(pl.slots[i].text);
        free(pl.slots);
        free(carry);
        return bm_cli_fail("mentions", "out of memory");
    }
    g_mutex_init(&pl.mu);
    g_cond_init(&pl.cond);
    GThread **th = jobs ? calloc(jobs, sizeof *th) : NULL;
    unsigned started = 0;
    for (; th && started < jobs; started++)
        if (!(th[started] = g_thread_try_new("bm-mentions", worker, &pl, NULL)))
            break;
    int eof = 0, rc = BM_EXIT_OK, more = 1;
    size_t next_write = 0;
    unsigned long long base = 0;
    while (rc == BM_EXIT_OK && (more || next_write < pl.next_fill)) {
        slot *s = &pl.slots[pl.next_fill % pl.window];
        if (more && pl.next_fill - next_write < pl.window) {
            int got = next_block(in, carry, &clen, &eof, cap, s);
            if (got < 0)
                rc = bm_cli_fail("mentions", "reading %s failed", name);
            if (got <= 0) {
                more = 0;
                continue;
            }
            s->base = base;
            base += s->len;
            /* the article states its own date near the top, if anywhere */
            if (pl.next_fill == 0 && !cx->has_published &&
                bm_dates_published(cx->dates, s->text, s->len, &cx->published) == BM_OK)
                cx->has_published = 1;
            if (!started) {
                process_slot(cx, jb, s);
                s->state = SLOT_DONE;
                pl.next_fill++;
                pl.next_take++;
                continue;
            }
            g_mutex_lock(&pl.mu);
            s->state = SLOT_FILLED;
            pl.next_fill++;
            g_cond_broadcast(&pl.cond);
            g_mutex_unlock(&pl.mu);
            continue;
        }
        slot *w = &pl.slots[next_write % pl.window];
        g_mutex_lock(&pl.mu);
        while (w->state != SLOT_DONE)
            g_cond_wait(&pl.cond, &pl.mu);
        g_mutex_unlock(&pl.mu);
        rc = write_slot(w);
        w->state = SLOT_FREE;
        next_write++;
    }
    g_mutex_lock(&pl.mu);
    pl.stop = 1;
    g_cond_broadcast(&pl.cond);
    g_mutex_unlock(&pl.mu);
    for (unsigned t = 0; t < started; t++)
        g_thread_join(th[t]);
    free(th);
    for (size_t i = 0; i < pl.window; i++) {
        free(pl.slots[i].text);
        free(pl.slots[i].out.b);
    }
    free(pl.slots);
    free(carry);
    g_mutex_clear(&pl.mu);
    g_cond_clear(&pl.cond);
    return rc;
}

int bm_cmd_mentions(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"published", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    context r = {0};
    job jb = {0};
    unsigned jobs = g_get_num_processors();
    int c;
    while ((c = getopt_long(argc, argv, "p:hj:", opts, NULL)) != -1) {
        switch (c) {
        case 'p': {
            bm_date last;
            bm_precision prec;
            bm_error e;
            if (bm_date_parse_iso(optarg, &r.published, &last, &prec, &e) != BM_OK ||
                prec != BM_PREC_DAY)
                return bm_cli_usage_error("mentions", "--published needs YYYY-MM-DD, not '%s'",
                                          optarg);
            r.has_published = 1;
            break;
        }
        case 'j': {
            int rc = bm_cli_parse_jobs("mentions", optarg, &jobs);
            if (rc != BM_EXIT_OK)
                return rc;
            break;
        }
        case 'h': usage(stdout); return BM_EXIT_OK;
        default: return bm_cli_usage_error("mentions", "unknown option");
        }
    }
    if (optind >= argc)
        return bm_cli_usage_error("mentions", "missing input FILE (or - for stdin)");
    if (optind + 1 < argc)
        return bm_cli_usage_error("mentions", "unexpected argument '%s'", argv[optind + 1]);
    const char *name = argv[optind];
    FILE *in = strcmp(name, "-") ? fopen(name, "rb") : stdin;
    if (!in)
        return bm_cli_fail("mentions", "cannot open %s", name);
    bm_gazetteer *g = bm__cli_load_gazetteer(cli);
    bm_dates *d = NULL;
    bm_error err;
    bm_error_clear(&err);
    int exit_code = BM_EXIT_FAIL;
    if (!g)
        goto done;
    if (bm_dates_new(&d, &err) != BM_OK) {
        bm_cli_fail("mentions", "date lexicons: %s", bm_error_text(&err));
        goto done;
    }
    if (bm_place_finder_new(g, &jb.finder, &err) != BM_OK) {
        bm_cli_fail("mentions", "%s", bm_error_text(&err));
        goto done;
    }
    jb.cls = bm__dates_cls_new(); /* NULL: the dates classify on their own */
    r.dates = d;
    r.g = g;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    fputs(header, stdout);
    /* One block is one thread's work: small inputs stay on this thread. */
    exit_code = stream(&r, &jb, jobs > 1 ? jobs : 0, in, name);
    if (fflush(stdout) != 0 && exit_code == BM_EXIT_OK)
        exit_code = bm_cli_fail("mentions", "writing the output failed");
done:
    bm_place_finder_free(jb.finder);
    bm__dates_cls_free(jb.cls);
    tail_cache_free(&jb.tails);
    bm_dates_free(d);
    bm_gazetteer_free(g);
    if (in != stdin)
        fclose(in);
    return exit_code;
}
