/* cmd_mentions.c: `bordermap mentions FILE|-`: every place and date an
 * article mentions, as TSV with byte offsets into the input.
 * Must never hold the whole input in memory: text is read and matched in
 * blocks cut at paragraph breaks, so memory stays flat however long it is. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bordermap/gazimport.h"
#include "cli.h"
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
            "photo caption) tell the publication date, not an event's: they are not listed.\n"
            "Input of any size is read in blocks cut at paragraph breaks.\n\n"
            "Options:\n"
            "  -p, --published DATE  publication date of the article (YYYY-MM-DD)\n"
            "  -h, --help            this help\n\n"
            "Examples:\n"
            "  bordermap mentions article.txt\n"
            "  bordermap mentions --published 2025-03-07 - < article.txt | grep '^place'\n\n"
            "Exit codes: 0 ok, 1 failure (unreadable input, gazetteer or lexicons),\n"
            "2 usage error.\n",
            header);
}

typedef struct run {
    bm_place_finder *finder;
    const bm_dates *dates;
    int has_published;
    bm_date published;
    int published_done;
    unsigned long long base; /* offset of the current block in the input */
} run;

/* Rows are formatted by hand into one buffer and written with one fwrite:
 * printf's float conversion and per-field stdio calls were a quarter of the
 * run time on a large input. */
typedef struct row {
    char b[4096];
    size_t n;
} row;

static void row_put(row *r, const char *s, size_t len)
{
    if (r->n + len > sizeof r->b) {
        fwrite(r->b, 1, r->n, stdout);
        r->n = 0;
        if (len > sizeof r->b) {
            fwrite(s, 1, len, stdout);
            return;
        }
    }
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
        if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
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

static void put_place(const run *rn, const char *text, const bm_place_mention *m)
{
    const bm_gplace *p = m->place;
    row r; /* not zeroed: 4 KB per row */
    r.n = 0;
    row_put(&r, "place\t", 6);
    row_u64(&r, rn->base + (unsigned long long)m->start);
    row_put(&r, "\t", 1);
    row_field(&r, text + m->start, m->end - m->start);
    row_put(&r, "\t", 1);
    row_field(&r, p->id, strlen(p->id));
    row_put(&r, "\t", 1);
    row_field(&r, p->name_en, strlen(p->name_en));
    row_put(&r, "\t", 1);
    row_field(&r, p->name_ar, strlen(p->name_ar));
    row_put(&r, "\t", 1);
    row_coord(&r, p->pt.lat);
    row_put(&r, "\t", 1);
    row_coord(&r, p->pt.lon);
    row_put(&r, "\t-\t-\t", 5);
    const char *origin = bm_gazetteer_origin(p);
    row_put(&r, origin, strlen(origin));
    row_put(&r, "\n", 1);
    fwrite(r.b, 1, r.n, stdout);
}

static void put_date(const run *rn, const char *text, const bm_date_mention *d)
{
    char buf[16] = "-";
    if (d->resolved)
        bm_date_format_prec(d->date, d->precision, buf);
    row r; /* not zeroed: 4 KB per row */
    r.n = 0;
    row_put(&r, "date\t", 5);
    row_u64(&r, rn->base + (unsigned long long)d->start);
    row_put(&r, "\t", 1);
    row_field(&r, text + d->start, d->end - d->start);
    row_put(&r, "\t-\t-\t-\t-\t-\t", 11);
    row_str(&r, buf);
    row_put(&r, "\t", 1);
    row_str(&r, bm_precision_name(d->precision));
    row_put(&r, "\t-\n", 3);
    fwrite(r.b, 1, r.n, stdout);
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
    /* the line starts after the previous line's end, or later */
    size_t lo = l->valid && at >= l->end ? l->end + 1 : 0, ls = at;
    while (ls > lo && text[ls - 1] != '\n')
        ls--;
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

static int process(run *r, const char *text, size_t len, bm_error *err)
{
    if (!r->published_done) {
        /* the article states its own date near the top, if anywhere */
        r->published_done = 1;
        if (!r->has_published && bm_dates_published(r->dates, text, len, &r->published) == BM_OK)
            r->has_published = 1;
    }
    const bm_place_mention *pm = NULL;
    bm_date_mention *dm = NULL;
    size_t np = 0, nd = 0;
    int rc = bm_place_finder_run(r->finder, text, len, &pm, &np, err);
    if (rc == BM_OK) {
        /* the dates read the same tokens: tokenise once */
        bm_dates_opts o;
        bm_dates_opts_init(&o);
        o.published = r->has_published ? &r->published : NULL;
        o.tokens = bm_place_finder_tokens(r->finder);
        rc = bm_dates_find_opts(r->dates, text, len, &o, &dm, &nd, err);
    }
    size_t f = 0; /* first date that may share a line with the next place */
    line_span line = {0, 0, 0};
    for (size_t i = 0, j = 0; rc == BM_OK && (i < np || j < nd);) {
        if (j >= nd || (i < np && pm[i].start <= dm[j].start)) {
            /* a site clock's city, a caption's places: not the article's */
            if (!on_furniture_line(text, len, pm[i].start, dm, nd, &f, &line))
                put_place(r, text, &pm[i]);
            i++;
        } else if (dm[j].furniture) /* a byline's or caption's date is no event date */
            j++;
        else
            put_date(r, text, &dm[j++]);
    }
    free(dm);
    return rc;
}

static int stream(run *r, FILE *in, const char *name)
{
    size_t cap = BLOCK_BYTES + READ_BYTES + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return bm_cli_fail("mentions", "out of memory");
    bm_error err;
    bm_error_clear(&err);
    int eof = 0, rc = BM_OK;
    while (rc == BM_OK && (!eof || len > 0)) {
        if (!eof && len < BLOCK_BYTES) {
            size_t got = fread(buf + len, 1, cap - 1 - len, in);
            len += got;
            if (got == 0) {
                if (ferror(in)) {
                    free(buf);
                    return bm_cli_fail("mentions", "reading %s failed", name);
                }
                eof = 1;
            }
            continue;
        }
        size_t cut = eof ? len : bm__paragraph_cut(buf, len);
        char saved = buf[cut];
        buf[cut] = '\0';
        rc = process(r, buf, cut, &err);
        buf[cut] = saved;
        memmove(buf, buf + cut, len - cut);
        len -= cut;
        r->base += cut;
    }
    free(buf);
    if (rc != BM_OK)
        return bm_cli_fail("mentions", "%s", bm_error_text(&err));
    return BM_EXIT_OK;
}

int bm_cmd_mentions(bm_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"published", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    run r = {0};
    int c;
    while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
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
    if (bm_place_finder_new(g, &r.finder, &err) != BM_OK) {
        bm_cli_fail("mentions", "%s", bm_error_text(&err));
        goto done;
    }
    r.dates = d;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    fputs(header, stdout);
    exit_code = stream(&r, in, name);
    if (fflush(stdout) != 0 && exit_code == BM_EXIT_OK)
        exit_code = bm_cli_fail("mentions", "writing the output failed");
done:
    bm_place_finder_free(r.finder);
    bm_dates_free(d);
    bm_gazetteer_free(g);
    if (in != stdin)
        fclose(in);
    return exit_code;
}
